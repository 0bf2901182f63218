{#- Disclosure control of marts.wellbeing_indicators (warehouse contract, "Disclosure control"): the breakdowns
    given to disclosure_control (macros/disclosure.sql, the one implementation), and the extra step for crossing
    hierarchies (wellbeing_disclosure_control below). The extra step only picks further published rows and hands
    them back to disclosure_control as forced (base count unknown); primary and complementary suppression stay
    the macro's.

    wellbeing_disclosure_breakdowns(): the breakdowns, finer parents first (the model's YAML test
    `disclosure_complementary_complete` lists the same).

    All levels are rows of one table, so a parent can itself be suppressed (as a complement at its own level).
    Each exact additive relation (a location = its programmes, a domain = its programmes, the institution = its
    programmes = its locations = its domains) is given with the parent row among the "children": then no
    relation is left with exactly one suppressed term, the parent included (a parent whose only child is
    suppressed is suppressed too; a parent suppressed as a complement gets a suppressed child, else it would be
    recovered by adding up its published children). Locations and domains are also given children only (the
    macro's own rule: the parent taken as published; for the institution that adds nothing, as it is only
    suppressed when every row is). Gender rows: children only (respondents without a gender make the
    institution no exact sum of them). Rows with n_respondents = 0 take no part (nothing to hide or to
    protect with). -#}
{% macro wellbeing_disclosure_breakdowns() -%}
    {%- set non_empty = " and n_respondents > 0" -%}
    {%- do return([
        {'parent': ['location'], 'children': "level = 'programme'" ~ non_empty},
        {'parent': ['location'], 'children': "level in ('location', 'programme')" ~ non_empty},
        {'parent': ['domain'], 'children': "level = 'programme'" ~ non_empty},
        {'parent': ['domain'], 'children': "level in ('domain', 'programme')" ~ non_empty},
        {'parent': [], 'children': "level in ('institution', 'programme')" ~ non_empty},
        {'parent': [], 'children': "level in ('institution', 'location')" ~ non_empty},
        {'parent': [], 'children': "level in ('institution', 'domain')" ~ non_empty},
        {'parent': [], 'children': "level = 'group' and group_name like 'gender:%'" ~ non_empty},
    ]) -%}
{%- endmacro %}

{#- Complementary suppression that also withstands combinations of relations (marts.wellbeing_indicators).

    The per-relation rule (no relation with exactly one suppressed term) is not enough where two hierarchies
    cross: programme × location rows add up both to locations and to domains. Example (demo data, 2023): domain
    AFL has three suppressed programme rows, two of them at Delft, whose Delft row is published; "AFL minus
    Delft" then leaves one unknown: the third programme's value.

    The relations as a graph: nodes are the equations (each location `L|…`, each domain `D|…`, and the
    institution as the sum of its locations `IL` and of its domains `ID`); each row is an edge between the two
    equations it appears in (a programme row: its location and its domain; a location row: `L|…` and `IL`; a
    domain row: `D|…` and `ID`; the institution: `IL` and `ID`). The graph is bipartite (locations and `ID` on one
    side, domains and `IL` on the other); with the equations of one side multiplied by −1 every row has +1 in
    one equation and −1 in the other, so the equations are the incidence matrix of a directed graph, whose
    null space is spanned by its cycles. A suppressed row's value is therefore fixed by the published ones
    exactly when its edge is a bridge of the graph of suppressed edges (lies on no cycle). (Gender rows stay out
    of the graph: they only add up to the institution, which is published unless everything is suppressed.)
    Hence:

    wellbeing_disclosure_control(relation, rounds): disclosure_control (macros/disclosure.sql, with
    wellbeing_disclosure_breakdowns) and then, `rounds` times, wellbeing_disclosure_bridge_fixes (for every
    bridge, the smallest published row that joins the two sides of the bridge, which puts the bridge on a cycle;
    where none does, the smallest published row touching either side, and the next round tries again; never
    the institution row) and disclosure_control again with those rows
    forced (base count taken as unknown, so primary-suppressed). Every step only adds suppression. The generic
    test `wellbeing_no_determined_cells` fails when bridges remain (then raise `rounds`).

    Returns a query (a CTE body) with the relation's columns and `suppressed`; value, ci_low, ci_high null when
    suppressed. -#}
{% macro wellbeing_disclosure_control(relation, rounds=3, passes=8) -%}
    {%- set keys = ['survey_year', 'indicator', 'level', 'group_name', 'location'] -%}
    {%- set carried = ['domain', 'programme_location_key', 'n_respondents', 'value', 'ci_low', 'ci_high'] %}
    with _wb_round_0_input as (
        select {{ relation }}.*, n_respondents as _wb_base_count
        from {{ relation }}
    ),
    {%- for round in range(rounds + 1) %}
    _wb_round_{{ round }} as (
        {{ disclosure_control(
            relation='_wb_round_' ~ round ~ '_input',
            key_columns=keys,
            base_count='_wb_base_count',
            derived_columns=[],
            other_columns=carried,
            partition_by=['survey_year', 'indicator'],
            breakdowns=wellbeing_disclosure_breakdowns(),
            passes=passes
        ) | indent(8) }}
    ),
    {%- if round < rounds %}
    _wb_round_{{ round }}_fixes as (
        {{ wellbeing_disclosure_bridge_fixes('_wb_round_' ~ round) | indent(8) }}
    ),
    _wb_round_{{ round + 1 }}_input as (
        select
            {%- for column in keys + carried %}
            previous.{{ column }},
            {%- endfor %}
            case
                when previous.suppressed or fixes.term_id is not null then null
                else previous.n_respondents
            end as _wb_base_count
        from _wb_round_{{ round }} as previous
        left join _wb_round_{{ round }}_fixes as fixes
            on previous.survey_year = fixes.survey_year
            and previous.indicator = fixes.indicator
            and previous.level = fixes.level
            and previous.group_name = fixes.group_name
            and previous.location is not distinct from fixes.location
    ),
    {%- endif %}
    {%- endfor %}
    _wb_final as (
        select * from _wb_round_{{ rounds }}
    )
    select
        {%- for column in keys + ['domain', 'programme_location_key', 'n_respondents'] %}
        {{ column }},
        {%- endfor %}
        case when suppressed then null else value end as value,
        case when suppressed then null else ci_low end as ci_low,
        case when suppressed then null else ci_high end as ci_high,
        suppressed
    from _wb_final
{%- endmacro %}

{#- The graph of marts.wellbeing_indicators' rows (see wellbeing_disclosure_control): one edge per row with
    respondents at level institution, location, domain or programme. `relation` has the mart's columns and
    `suppressed`. -#}
{% macro wellbeing_disclosure_edges(relation) -%}
    select
        survey_year,
        indicator,
        level,
        group_name,
        location,
        n_respondents,
        suppressed,
        case level
            when 'programme' then {{ dbt.concat(["'P|'", 'programme_location_key']) }}
            when 'location' then {{ dbt.concat(["'L|'", 'location']) }}
            when 'domain' then {{ dbt.concat(["'D|'", 'domain']) }}
            else 'I'
        end as term_id,
        case level
            when 'programme' then {{ dbt.concat(["'L|'", 'location']) }}
            when 'location' then {{ dbt.concat(["'L|'", 'location']) }}
            when 'domain' then {{ dbt.concat(["'D|'", 'domain']) }}
            else 'IL'
        end as node_a,
        case level
            when 'programme' then {{ dbt.concat(["'D|'", 'domain']) }}
            when 'location' then 'IL'
            when 'domain' then 'ID'
            else 'ID'
        end as node_b
    from {{ relation }}
    where level in ('institution', 'location', 'domain', 'programme')
      and n_respondents > 0
{%- endmacro %}

{#- The suppressed rows whose value the published rows fix (bridges of the graph of suppressed edges), with
    the nodes reachable from either end without crossing the bridge: a query with survey_year, indicator,
    term_id, side ('a', 'b'), node for every suppressed edge (bridges are those whose side 'a' never reaches
    node_b). -#}
{% macro wellbeing_disclosure_reach(edges) -%}
    with recursive _wb_reach (survey_year, indicator, term_id, side, node) as (
        select edges.survey_year, edges.indicator, edges.term_id, sides.side,
               case when sides.side = 'a' then edges.node_a else edges.node_b end
        from {{ edges }} as edges
        cross join (select 'a' as side union all select 'b') as sides
        where edges.suppressed

        union

        select reach.survey_year, reach.indicator, reach.term_id, reach.side,
               case when step.node_a = reach.node then step.node_b else step.node_a end
        from _wb_reach as reach
        inner join {{ edges }} as step
            on step.survey_year = reach.survey_year
            and step.indicator = reach.indicator
            and step.suppressed
            and step.term_id <> reach.term_id
            and (step.node_a = reach.node or step.node_b = reach.node)
    )
    select * from _wb_reach
{%- endmacro %}

{#- The suppressed rows (edges) that are bridges: `relation` has the mart's columns and `suppressed`. -#}
{% macro wellbeing_disclosure_bridges(relation) -%}
    with _wb_edges as (
        {{ wellbeing_disclosure_edges(relation) | indent(8) }}
    ),
    _wb_reached as (
        {{ wellbeing_disclosure_reach('_wb_edges') | indent(8) }}
    )
    select bridge.*
    from _wb_edges as bridge
    where bridge.suppressed
      and not exists (
          select 1 from _wb_reached as reached
          where reached.survey_year = bridge.survey_year
            and reached.indicator = bridge.indicator
            and reached.term_id = bridge.term_id
            and reached.side = 'a'
            and reached.node = bridge.node_b
      )
{%- endmacro %}

{#- The published rows to suppress next (see wellbeing_disclosure_control): per bridge, the smallest published
    row (by n_respondents, then term_id) with one end on each side of the bridge; without one, the smallest
    published row touching the bridge's side 'b' or 'a'. Never the institution row. -#}
{% macro wellbeing_disclosure_bridge_fixes(relation) -%}
    with _wb_edges as (
        {{ wellbeing_disclosure_edges(relation) | indent(8) }}
    ),
    _wb_reached as (
        {{ wellbeing_disclosure_reach('_wb_edges') | indent(8) }}
    ),
    _wb_bridges as (
        select bridge.survey_year, bridge.indicator, bridge.term_id
        from _wb_edges as bridge
        where bridge.suppressed
          and not exists (
              select 1 from _wb_reached as reached
              where reached.survey_year = bridge.survey_year
                and reached.indicator = bridge.indicator
                and reached.term_id = bridge.term_id
                and reached.side = 'a'
                and reached.node = bridge.node_b
          )
    ),
    _wb_candidates as (
        select
            bridges.survey_year,
            bridges.indicator,
            bridges.term_id as bridge_id,
            candidate.term_id,
            candidate.level,
            candidate.group_name,
            candidate.location,
            candidate.n_respondents,
            case
                when (side_a.node = candidate.node_a and side_b.node = candidate.node_b)
                  or (side_a.node = candidate.node_b and side_b.node = candidate.node_a) then 0
                else 1
            end as priority
        from _wb_bridges as bridges
        inner join _wb_edges as candidate
            on candidate.survey_year = bridges.survey_year
            and candidate.indicator = bridges.indicator
            and not candidate.suppressed
            and candidate.level <> 'institution'
        inner join _wb_reached as side_a
            on side_a.survey_year = bridges.survey_year
            and side_a.indicator = bridges.indicator
            and side_a.term_id = bridges.term_id
            and side_a.side = 'a'
        inner join _wb_reached as side_b
            on side_b.survey_year = bridges.survey_year
            and side_b.indicator = bridges.indicator
            and side_b.term_id = bridges.term_id
            and side_b.side = 'b'
        where side_a.node in (candidate.node_a, candidate.node_b)
           or side_b.node in (candidate.node_a, candidate.node_b)
    ),
    _wb_ranked as (
        select
            _wb_candidates.*,
            row_number() over (
                partition by survey_year, indicator, bridge_id
                order by priority, n_respondents, term_id
            ) as preference
        from _wb_candidates
    )
    select distinct survey_year, indicator, term_id, level, group_name, location
    from _wb_ranked
    where preference = 1
{%- endmacro %}

{#- Generic test: suppressed rows of marts.wellbeing_indicators whose value the published rows fix (bridges of
    the graph of suppressed rows; see wellbeing_disclosure_control). -#}
{% test wellbeing_no_determined_cells(model) %}
    {{ wellbeing_disclosure_bridges(model) }}
{% endtest %}
