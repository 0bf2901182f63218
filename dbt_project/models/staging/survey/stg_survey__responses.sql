-- One row per survey response (finished or not): codes trimmed, location canonical (seed location_aliases),
-- background labels trimmed and lower-cased, the answer codes as loaded (scoring: macros/scoring/).
with source as (

    select * from {{ source('survey', 'survey_responses') }}

),

renamed as (

    select
        survey_year,
        response_id,
        pseudo_id,
        started_at,
        submitted_at,
        finished,
        trim(programme_code) as programme_code,
        {{ canonical_location('location') }} as location,
        trim(study_year) as study_year,
        lower(trim(gender)) as gender,
        international,
        first_generation,
        {%- for item in swm_items() %}
        {{ item }},
        {%- endfor %}
        _source_file as source_file,
        _loaded_at as loaded_at

    from source

)

select * from renamed
