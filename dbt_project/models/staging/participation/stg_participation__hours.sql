-- One row per timesheet line, with its calendar quarter and the canonical location.
-- A table, not a view like the other staging models: at national scale (~7 M lines) four models and the tests
-- read it, and a view would recompute the location and quarter for each of them.
{{ config(materialized='table') }}
with source as (

    select * from {{ source('participation', 'participation_hours') }}

),

renamed as (

    select
        record_id,
        pseudo_id,
        trim(programme_code) as programme_code,
        {{ canonical_location('location') }} as location,
        work_date,
        {{ quarter_of('work_date') }} as quarter,
        hours,
        role,
        department,
        _source_file as source_file,
        _loaded_at as loaded_at

    from source

)

select * from renamed
