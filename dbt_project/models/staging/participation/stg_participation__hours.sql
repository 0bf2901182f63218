-- One row per timesheet line, with its calendar quarter and the canonical location.
-- A table, not a view like the other staging models: at national scale (~7 M lines) three models and the tests
-- read it, and a view would recompute the location and quarter for each of them.
{{ config(materialized='table') }}

with source as (

    select * from {{ source('participation', 'participation_hours') }}

),

-- The location rule applied once per spelling delivered (a handful), not per line: its alias lookup per row
-- was more than half of this model's time at national scale. Read from the source itself: a CTE read twice
-- is materialised by DuckDB, a copy of every line.
locations as (

    select
        delivered_location,
        {{ canonical_location('delivered_location') }} as location

    from (
        select distinct location as delivered_location
        from {{ source('participation', 'participation_hours') }}
    ) as delivered

),

renamed as (

    select
        source.record_id,
        source.pseudo_id,
        trim(source.programme_code) as programme_code,
        locations.location,
        source.work_date,
        {{ quarter_of('source.work_date') }} as quarter,
        source.hours,
        source.role,
        source.department,
        source._source_file as source_file,
        source._loaded_at as loaded_at

    from source
    left join locations
        on source.location is not distinct from locations.delivered_location

)

select * from renamed
