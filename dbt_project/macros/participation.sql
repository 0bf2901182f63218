{#- The participation marts (warehouse contract, "Participation marts"), one query for every level:
    int_participation_aggregated_to_programmes rolled up to quarter × the level's group columns, the
    percentages, and the disclosure decision shared by all four marts: participation_disclosure below, computed
    once in the model int_participation_cells_suppressed, which every mart joins.

    participation_mart(level)
      level  'institution', 'location', 'domain' or 'programme' (programme × location, with the programme's
             name, domain and programme_location_key); the group columns: participation_group_columns(level)

    n_students adds up the known counts (null when none is known); n_students_incomplete says some count
    behind the row is unknown. pct_* = 100 × n_* / n_students, unrounded, null when n_students is 0 or null. -#}
{% macro participation_mart(level) -%}
{%- set group_columns = participation_group_columns(level) -%}
{%- set min_cell = var('min_cell') | int -%}
{%- set suppressed -%}
    (disclosure.suppressed or measured.n_students is null or measured.n_students < {{ min_cell }})
{%- endset -%}
with programme_quarters as (

    {{ participation_programme_quarters() | indent(4) }}

),

rolled_up as (

    {{ participation_rolled_up('programme_quarters', group_columns) | indent(4) }}

),

measured as (

    select
        rolled_up.*,
        {{ quarter_start('quarter') }} as quarter_start,
        {{ participation_percentage('n_available', 'n_students') }} as pct_available,
        {{ participation_percentage('n_participated', 'n_students') }} as pct_participated

    from rolled_up

),

disclosure as (

    select * from {{ ref('int_participation_cells_suppressed') }}

),

controlled as (

    select
        measured.quarter,
        measured.quarter_start,
        {%- for column in group_columns %}
        measured.{{ column }},
        {%- endfor %}
        measured.n_students,
        {%- for column in ['n_available', 'n_participated', 'hours_total', 'pct_available', 'pct_participated'] %}
        case when {{ suppressed }} then null else measured.{{ column }} end as {{ column }},
        {%- endfor %}
        {{ suppressed }} as suppressed,
        measured.n_students_incomplete

    from measured
    inner join disclosure
        on disclosure.quarter = measured.quarter
        and disclosure.level = '{{ level }}'
        and disclosure.group_name = {{ participation_group_name(level, 'measured') }}
        {%- if level == 'programme' %}
        and disclosure.location = measured.location
        {%- endif %}

)

select
    cast(quarter as {{ dbt.type_string() }}) as quarter,
    cast(quarter_start as date) as quarter_start,
    {%- for column in group_columns %}
    cast({{ column }} as {{ dbt.type_string() }}) as {{ column }},
    {%- endfor %}
    cast(n_students as integer) as n_students,
    cast(n_available as integer) as n_available,
    cast(n_participated as integer) as n_participated,
    cast(hours_total as numeric(18, 2)) as hours_total,
    cast(pct_available as double precision) as pct_available,
    cast(pct_participated as double precision) as pct_participated,
    cast(suppressed as boolean) as suppressed,
    cast(n_students_incomplete as boolean) as n_students_incomplete

from controlled
{%- endmacro %}

{#- The columns of int_participation_aggregated_to_programmes / int_programme_locations_unioned that name a
    group of the level. -#}
{% macro participation_group_columns(level) -%}
    {%- set columns = {
        'institution': [],
        'location': ['location'],
        'domain': ['domain'],
        'programme': ['programme_location_key', 'programme_code', 'programme_name', 'domain', 'location'],
    } -%}
    {%- if level not in columns -%}
        {{ exceptions.raise_compiler_error("participation_mart: unknown level '" ~ level ~ "'") }}
    {%- endif -%}
    {%- do return(columns[level]) -%}
{%- endmacro %}

{#- The row's name within its level and quarter (the programme: its code, with the location beside it). -#}
{% macro participation_group_name(level, alias) -%}
    {%- if level == 'institution' -%} 'all'
    {%- elif level == 'programme' -%} {{ alias }}.programme_code
    {%- else -%} {{ alias }}.{{ level }}
    {%- endif -%}
{%- endmacro %}

{#- Programme × location × quarter: the aggregated counts with the register's name, key and domain. -#}
{% macro participation_programme_quarters() -%}
select
    aggregated.*,
    programme_locations.programme_location_key,
    programme_locations.programme_name,
    coalesce(programme_locations.domain, 'Onbekend') as domain

from {{ ref('int_participation_aggregated_to_programmes') }} as aggregated
left join {{ ref('int_programme_locations_unioned') }} as programme_locations
    on aggregated.programme_code = programme_locations.programme_code
    and aggregated.location = programme_locations.location
{%- endmacro %}

{#- `relation` (programme_quarters) rolled up to quarter × group_columns. -#}
{% macro participation_rolled_up(relation, group_columns) -%}
select
    quarter,
    {%- for column in group_columns %}
    {{ column }},
    {%- endfor %}
    sum(n_students) as n_students,
    {{ dbt.bool_or('n_students_incomplete') }} as n_students_incomplete,
    sum(n_available) as n_available,
    sum(n_participated) as n_participated,
    sum(hours_total) as hours_total

from {{ relation }}
group by quarter{% for column in group_columns %}, {{ column }}{% endfor %}
{%- endmacro %}

{#- Disclosure control of the four participation marts together (warehouse contract, "Disclosure control").

    The marts' rows are the terms of exact additive relations across the tables: a location = its programmes,
    a domain = its programmes, the institution = its locations = its domains = its programmes. Controlling each
    table on its own (every parent taken as published) leaks across them: a location with a single programme
    (Groningen) publishes the programme's value, a domain suppressed as a complement in participation_by_domain
    while its programmes stay published in participation_by_programme is recovered by adding them up, and then
    its suppressed siblings by subtraction. So the suppression is decided once, over the rows of all four
    levels per quarter, by the wellbeing mart's multi-level disclosure control (wellbeing_disclosure_control in
    macros/scoring/wellbeing_disclosure.sql: disclosure_control over every relation with the parent row among
    its terms, then rounds that suppress one more published row wherever the published rows still fix a
    suppressed one). The rows are handed over in that macro's shape: survey_year = quarter, one `indicator`,
    level/group_name/location/domain, programme_location_key = `programme_code|location` (unique per quarter),
    no values (only `suppressed` is used).

    The base count handed over (n_respondents) keeps the primary rule (below min_cell, or unknown) and makes
    every row take part in the relations (the macro leaves out rows whose base count is not above 0; here a row
    without a known count, or with 0 students, can still carry hours): coalesce(n_students, 0) plus a fraction
    by level, programme 0.125 < location, domain 0.25 < institution 0.5. For an integer min_cell ≥ 1 that is
    below min_cell exactly when n_students is unknown or below it; and among rows of equal n_students a child is
    chosen as complement before its parent (suppressing a parent equal to a published child would only move the
    problem a level up: the institution is suppressed by primary suppression only, unless it equals a row that
    has to be suppressed). The marts apply the primary rule themselves as well (participation_mart).

    Returns a query (a CTE body) with quarter, level, group_name, location and suppressed for every row of the
    four marts. Materialised once as int_participation_cells_suppressed (the marts join it): the query is
    large, and DuckDB spends seconds planning it. -#}
{% macro participation_disclosure(programme_quarters, rounds=3) -%}
    {%- set levels = [
        ('institution', 0.5, 'null', 'null'),
        ('location', 0.25, 'location', 'null'),
        ('domain', 0.25, 'null', 'domain'),
        ('programme', 0.125, 'location', 'domain'),
    ] %}
with _pd_all_levels as (
    {%- for level, fraction, location, domain in levels %}
    {%- set group_columns = participation_group_columns(level) %}

    select
        quarter as survey_year,
        'participation' as indicator,
        '{{ level }}' as level,
        cast({{ participation_group_name(level, '_pd_rolled_up') }} as {{ dbt.type_string() }}) as group_name,
        cast({{ location }} as {{ dbt.type_string() }}) as location,
        cast({{ domain }} as {{ dbt.type_string() }}) as domain,
        cast({{ dbt.concat(["programme_code", "'|'", "location"]) if level == 'programme' else 'null' }}
            as {{ dbt.type_string() }}) as programme_location_key,
        cast(coalesce(n_students, 0) as double precision) + {{ fraction }} as n_respondents,
        cast(null as double precision) as value,
        cast(null as double precision) as ci_low,
        cast(null as double precision) as ci_high
    from (
        {{ participation_rolled_up(programme_quarters, group_columns) | indent(8) }}
    ) as _pd_rolled_up
    {%- if not loop.last %}

    union all
    {%- endif %}
    {%- endfor %}

),

_pd_controlled as (
    {{ wellbeing_disclosure_control(relation='_pd_all_levels', rounds=rounds) | indent(4) }}
)

select
    survey_year as quarter,
    level,
    group_name,
    location,
    suppressed
from _pd_controlled
{%- endmacro %}

{#- 100 × numerator / base, unrounded; null when the base is 0 or null. -#}
{% macro participation_percentage(numerator, base) -%}
    case
        when {{ base }} is null or {{ base }} = 0 then null
        else cast({{ numerator }} as double precision) * 100 / {{ base }}
    end
{%- endmacro %}
