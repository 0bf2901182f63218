-- One row per registration period of a student available for work; available_until null = still registered.
with source as (

    select * from {{ source('participation', 'participation_pool') }}

),

renamed as (

    select
        pseudo_id,
        trim(programme_code) as programme_code,
        {{ canonical_location('location') }} as location,
        available_from,
        available_until,
        _source_file as source_file,
        _loaded_at as loaded_at

    from source

)

select * from renamed
