{#- The participation marts (warehouse contract, "Participation marts"), one query for every level:
    int_participation_aggregated_to_programmes rolled up to quarter × group_columns, the percentages, and
    disclosure control (macros/disclosure.sql) with the given breakdowns.

    participation_mart(group_columns, breakdowns=[])
      group_columns  columns of int_participation_aggregated_to_programmes or int_programme_locations_unioned
                     that name the group: [] (institution), ['location'], ['domain'], or the programme's
                     ['programme_location_key', 'programme_code', 'programme_name', 'domain', 'location']
      breakdowns     the parents whose children are this table's rows (disclosure_control)

    n_students adds up the known counts (null when none is known); n_students_incomplete says some count
    behind the row is unknown. pct_* = 100 × n_* / n_students, unrounded, null when n_students is 0 or null. -#}
{% macro participation_mart(group_columns, breakdowns=[]) -%}
with programme_quarters as (

    select
        aggregated.*,
        programme_locations.programme_location_key,
        programme_locations.programme_name,
        coalesce(programme_locations.domain, 'Onbekend') as domain

    from {{ ref('int_participation_aggregated_to_programmes') }} as aggregated
    left join {{ ref('int_programme_locations_unioned') }} as programme_locations
        on aggregated.programme_code = programme_locations.programme_code
        and aggregated.location = programme_locations.location

),

rolled_up as (

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

    from programme_quarters
    group by quarter{% for column in group_columns %}, {{ column }}{% endfor %}

),

measured as (

    select
        rolled_up.*,
        {{ quarter_start('quarter') }} as quarter_start,
        {{ participation_percentage('n_available', 'n_students') }} as pct_available,
        {{ participation_percentage('n_participated', 'n_students') }} as pct_participated

    from rolled_up

),

controlled as (

    {{ disclosure_control(
        relation='measured',
        key_columns=['quarter'] + group_columns,
        base_count='n_students',
        derived_columns=['n_available', 'n_participated', 'hours_total', 'pct_available', 'pct_participated'],
        other_columns=['quarter_start', 'n_students_incomplete'],
        partition_by=['quarter'],
        breakdowns=breakdowns
    ) }}

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

{#- 100 × numerator / base, unrounded; null when the base is 0 or null. -#}
{% macro participation_percentage(numerator, base) -%}
    case
        when {{ base }} is null or {{ base }} = 0 then null
        else cast({{ numerator }} as double precision) * 100 / {{ base }}
    end
{%- endmacro %}
