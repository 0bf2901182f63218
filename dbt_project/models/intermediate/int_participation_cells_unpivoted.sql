-- The participation marts' cells for disclosure control (docs/disclosure.md), unpivoted to one row per quarter ×
-- pattern × measure × cell: the input of disclosure control, int_participation_cells_protected, which the
-- participation marts join.
--  * pattern `counts`: n_available and n_participated, whose base is n_students (a row hides both); pattern
--    `hours`: hours_total, a sum of individuals' hours, with its contributors and the two largest contributions
--  * a cell is identified by level, group_name and location; `domain` places a programme in its domain
--  * value: the cell as a total; null when the source has no data for the quarter (int_quarters_covered)
--  * base: the students the cell describes (n_students); null when unknown
--  * unit_low / unit_high: one student's possible contribution (null: unbounded)
{{ config(tags=['disclosure_cells']) }}
with participation as (

    select levels.*, covered.has_hours_data, covered.has_pool_data
    from {{ ref('int_participation_aggregated_to_levels') }} as levels
    inner join {{ ref('int_quarters_covered') }} as covered
        on levels.quarter = covered.quarter

),

cells as (

    select
        quarter, 'counts' as pattern, 'n_available' as measure, level, group_name, location, domain, n_students,
        case when has_pool_data then n_available end as value,
        1 as unit_high,
        cast(null as {{ dbt.type_bigint() }}) as n_contributors,
        cast(null as double precision) as largest,
        cast(null as double precision) as second_largest
    from participation

    union all

    select
        quarter, 'counts', 'n_participated', level, group_name, location, domain, n_students,
        case when has_hours_data then n_participated end,
        1, null, null, null
    from participation

    union all

    select
        quarter, 'hours', 'hours_total', level, group_name, location, domain, n_students,
        case when has_hours_data then hours_total end,
        null, n_hours_contributors, largest_hours, second_largest_hours
    from participation

)

select
    cast('participation' as {{ dbt.type_string() }}) as family,
    cast(quarter as {{ dbt.type_string() }}) as period,
    cast(pattern as {{ dbt.type_string() }}) as pattern,
    cast(measure as {{ dbt.type_string() }}) as measure,
    cast(level as {{ dbt.type_string() }}) as level,
    cast(group_name as {{ dbt.type_string() }}) as group_name,
    cast(location as {{ dbt.type_string() }}) as location,
    cast(domain as {{ dbt.type_string() }}) as domain,
    cast(n_students as double precision) as base,
    cast(value as double precision) as value,
    cast(0 as double precision) as unit_low,
    cast(unit_high as double precision) as unit_high,
    cast(n_contributors as integer) as n_contributors,
    cast(largest as double precision) as largest,
    cast(second_largest as double precision) as second_largest

from cells
