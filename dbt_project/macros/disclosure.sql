{#-
  Disclosure control (warehouse contract, "Disclosure control"): the one implementation, for every published
  table (participation marts here; the wellbeing marts, where one table holds several levels and an
  `indicator` column, call it too).

  disclosure_control(relation, key_columns, base_count, derived_columns,
                     other_columns=[], partition_by=[], breakdowns=[], min_cell=none, passes=none)

    relation         a relation or the name of a CTE in the caller's query holding one row per published cell
    key_columns      columns that identify a row (unique); the last tie-breaker when choosing a complement
    base_count       the column of the base count (students, respondents); always published
    derived_columns  columns derived from individuals (numerators, percentages, means, hours, bounds):
                     set to null in a suppressed row
    other_columns    further columns passed through unchanged (descriptions, flags)
    partition_by     the period columns, plus `indicator` where a table has one: complementary suppression
                     never looks across them
    breakdowns       one entry per parent kind whose children are rows of this table:
                       {'parent': [columns naming the parent on a child row], 'children': 'SQL predicate'}
                     `parent: []` is the institution (all children within the partition). `children`
                     (optional, default every row) picks the rows that break the parent down, e.g.
                     "level = 'location'" in a table holding several levels. List finer parents first.
                     Parent columns must be among key_columns/other_columns; `children` may use any
                     column of the relation.
                       participation_by_programme: [{'parent': ['location']}, {'parent': ['domain']}, {'parent': []}]
                       wellbeing_indicators:       [{'parent': [], 'children': "level = 'location'"},
                                                    {'parent': [], 'children': "level = 'domain'"}, ...]
    min_cell         threshold; default var('min_cell') (env WB_MIN_CELL, 10)
    passes           most complementary passes (a recursive CTE stops after the first that changes nothing);
                     default var('disclosure_passes') (6)

  Returns a query (usable as a CTE body) with key_columns, other_columns, base_count, derived_columns (null
  when suppressed) and `suppressed` (boolean).

  Primary: base count null or below min_cell. Complementary: within one partition, a parent with two or more
  children of which exactly one is suppressed gets its smallest other child suppressed (by base count, then
  key_columns); every breakdown in turn, one window step each, pass after pass until a pass changes nothing
  (at most `passes`). Each step only adds suppression; the generic test `disclosure_complementary_complete`
  fails when `passes` did not reach a stable state. The passes are a recursive CTE rather than unrolled: a
  DuckDB window operator costs ~10 ms however few the rows, and the data usually settle after two or three
  passes (the unrolled form ran every pass: 256 window steps for a participation build, 39 now).
  Every parent is taken as published (suppressing more than strictly needed when a parent is itself
  suppressed, never less).
-#}
{% macro disclosure_control(relation, key_columns, base_count, derived_columns, other_columns=[],
                            partition_by=[], breakdowns=[], min_cell=none, passes=none) -%}
    {%- set min_cell = (var('min_cell') if min_cell is none else min_cell) | int -%}
    {%- set passes = (var('disclosure_passes') if passes is none else passes) | int -%}
    {%- set passthrough = [] -%}
    {%- for column in key_columns + other_columns -%}
        {%- if column not in passthrough and column != base_count and column not in derived_columns -%}
            {%- do passthrough.append(column) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set carried = passthrough + [base_count] + derived_columns -%}
    {%- for breakdown in breakdowns -%}
        {%- do carried.append('_dc_child_' ~ loop.index) -%}
    {%- endfor %}
    with recursive _dc_step_0 as (
        select
            {%- for column in passthrough + [base_count] + derived_columns %}
            {{ column }},
            {%- endfor %}
            {%- for breakdown in breakdowns %}
            case when {{ breakdown.get('children') or 'true' }} then 1 else 0 end as _dc_child_{{ loop.index }},
            {%- endfor %}
            case when {{ base_count }} is null or {{ base_count }} < {{ min_cell }} then 1 else 0 end
                as _dc_suppressed
        from {{ relation }}
    )
    {#- One pass: every breakdown in turn, each a window step over the previous one (nested subqueries: a
        recursive term may name its CTE only once). -#}
    {%- set pass_carried = carried + ['_dc_before', '_dc_pass'] -%}
    {%- set first_step -%}
            select {{ carried | join(', ') }}, _dc_suppressed, _dc_suppressed as _dc_before, _dc_pass
            from _dc_passes
            where _dc_changed = 1 and _dc_pass < {{ passes }}
    {%- endset -%}
    {%- set state = namespace(query=first_step) -%}
    {%- for breakdown in breakdowns -%}
        {%- set child_flag = '_dc_child_' ~ loop.index -%}
        {%- set window = (partition_by + breakdown.get('parent', []) + [child_flag]) | join(', ') -%}
        {%- set state.query -%}
            -- parent {{ breakdown.get('parent', []) | join(' × ') or 'institution' }}
            select
                {%- for column in pass_carried %}
                {{ column }},
                {%- endfor %}
                case
                    when _dc_suppressed = 1 then 1
                    when {{ child_flag }} = 1 and _dc_n_children > 1 and _dc_n_suppressed = 1
                        and _dc_rank = 1 then 1
                    else 0
                end as _dc_suppressed
            from (
                select
                    _dc_previous.*,
                    count(*) over (partition by {{ window }}) as _dc_n_children,
                    sum(_dc_suppressed) over (partition by {{ window }}) as _dc_n_suppressed,
                    row_number() over (
                        partition by {{ window }}
                        order by _dc_suppressed, {{ base_count }}, {{ key_columns | join(', ') }}
                    ) as _dc_rank
                from (
                    {{ state.query | indent(8) }}
                ) as _dc_previous
            ) as _dc_ranked
        {%- endset -%}
    {%- endfor %},
    _dc_passes as (
        -- passes until one changes nothing (at most {{ passes }}): `_dc_changed` says whether the pass that
        -- made a row's state changed any row; the next pass runs only if it did
        select
            {%- for column in carried %}
            {{ column }},
            {%- endfor %}
            _dc_suppressed,
            0 as _dc_pass,
            1 as _dc_changed
        from _dc_step_0

        union all

        select
            {%- for column in carried %}
            {{ column }},
            {%- endfor %}
            _dc_suppressed,
            _dc_pass + 1 as _dc_pass,
            max(case when _dc_suppressed <> _dc_before then 1 else 0 end) over () as _dc_changed
        from (
            {{ state.query | indent(8) }}
        ) as _dc_pass_result
    )
    select
        {%- for column in passthrough + [base_count] %}
        {{ column }},
        {%- endfor %}
        {%- for column in derived_columns %}
        case when _dc_suppressed = 1 then null else {{ column }} end as {{ column }},
        {%- endfor %}
        _dc_suppressed = 1 as suppressed
    from _dc_passes
    where _dc_pass = (select max(_dc_pass) from _dc_passes)
{%- endmacro %}
