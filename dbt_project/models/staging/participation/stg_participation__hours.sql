-- One row per timesheet line, with its calendar quarter and the canonical location.
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
