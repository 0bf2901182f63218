-- The participation of every level (institution, location, domain, programme × location) as published: the
-- measures of int_participation_aggregated_to_levels with the disclosure decisions applied
-- (int_participation_cells_protected: pattern `counts` for the counts and percentages, `hours` for hours_total;
-- docs/disclosure.md). The four participation marts select their level from it.
--
-- * A row without a decision is suppressed (`undecided`): the marts fail closed.
-- * A quarter outside a source's data (int_quarters_covered) publishes no number of that source: null, with
--   suppression_reason `no_data`, not 0.
-- * pct_* = 100 × n_* / n_students, unrounded; null when n_students is 0 or unknown (`no_count`).
{{ config(materialized='view') }}

with aggregated as (

    select * from {{ ref('int_participation_aggregated_to_levels') }}

),

covered as (

    select * from {{ ref('int_quarters_covered') }}

),

decisions as (

    select * from {{ ref('int_participation_cells_protected') }}

),

decided as (

    select
        aggregated.*,
        covered.has_hours_data,
        covered.has_pool_data,
        coalesce(counts.suppressed, true) as counts_suppressed,
        case when counts.suppressed is null then 'undecided' else counts.reason end as counts_reason,
        coalesce(hours.suppressed, true) as hours_suppressed,
        case when hours.suppressed is null then 'undecided' else hours.reason end as hours_reason

    from aggregated
    inner join covered
        on aggregated.quarter = covered.quarter
    left join decisions as counts
        on counts.pattern = 'counts'
        and counts.period = aggregated.quarter
        and counts.level = aggregated.level
        and counts.group_name = aggregated.group_name
        and counts.location is not distinct from aggregated.location
    left join decisions as hours
        on hours.pattern = 'hours'
        and hours.period = aggregated.quarter
        and hours.level = aggregated.level
        and hours.group_name = aggregated.group_name
        and hours.location is not distinct from aggregated.location

),

controlled as (

    select
        quarter,
        level,
        group_name,
        location,
        domain,
        programme_location_key,
        programme_code,
        programme_name,
        n_students,
        case when not counts_suppressed and has_pool_data then n_available end as n_available,
        case when not counts_suppressed and has_hours_data then n_participated end as n_participated,
        case when not hours_suppressed and has_hours_data then hours_total end as hours_total,
        case when not counts_suppressed and has_pool_data then
            {{ participation_percentage('n_available', 'n_students') }} end as pct_available,
        case when not counts_suppressed and has_hours_data then
            {{ participation_percentage('n_participated', 'n_students') }} end as pct_participated,
        counts_suppressed as suppressed,
        case
            when counts_suppressed then counts_reason
            when n_students is null then 'no_count'
            when not has_hours_data or not has_pool_data then 'no_data'
        end as suppression_reason,
        hours_suppressed,
        case
            when hours_suppressed then hours_reason
            when not has_hours_data then 'no_data'
        end as hours_suppression_reason,
        has_hours_data,
        has_pool_data,
        n_students_incomplete

    from decided

)

select
    cast(quarter as {{ dbt.type_string() }}) as quarter,
    cast({{ quarter_start('quarter') }} as date) as quarter_start,
    cast(level as {{ dbt.type_string() }}) as level,
    cast(group_name as {{ dbt.type_string() }}) as group_name,
    cast(location as {{ dbt.type_string() }}) as location,
    cast(domain as {{ dbt.type_string() }}) as domain,
    cast(programme_location_key as {{ dbt.type_string() }}) as programme_location_key,
    cast(programme_code as {{ dbt.type_string() }}) as programme_code,
    cast(programme_name as {{ dbt.type_string() }}) as programme_name,
    cast(n_students as integer) as n_students,
    cast(n_available as integer) as n_available,
    cast(n_participated as integer) as n_participated,
    cast(hours_total as numeric(18, 2)) as hours_total,
    cast(pct_available as double precision) as pct_available,
    cast(pct_participated as double precision) as pct_participated,
    cast(suppressed as boolean) as suppressed,
    cast(suppression_reason as {{ dbt.type_string() }}) as suppression_reason,
    cast(hours_suppressed as boolean) as hours_suppressed,
    cast(hours_suppression_reason as {{ dbt.type_string() }}) as hours_suppression_reason,
    cast(has_hours_data as boolean) as has_hours_data,
    cast(has_pool_data as boolean) as has_pool_data,
    cast(n_students_incomplete as boolean) as n_students_incomplete

from controlled
