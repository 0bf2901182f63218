-- The domain of every programme × location the wellbeing models meet (survey responses, student counts), from
-- the programme register (stg_reference__programmes): the register's domain for the programme at that location,
-- else for the programme at any location, else `Onbekend` (as int_programme_locations_unioned does for the
-- participation data).
with register as (

    select * from {{ ref('stg_reference__programmes') }}

),

register_by_programme as (

    select
        programme_code,
        max(domain) as domain

    from register
    group by programme_code

),

programme_locations as (

    select programme_code, location from {{ ref('stg_survey__responses') }}
    union
    select programme_code, location from {{ ref('int_student_counts_unioned') }}

)

select
    {{ dbt.concat(['programme_locations.programme_code', "'|'", 'programme_locations.location']) }}
        as programme_location_key,
    programme_locations.programme_code,
    programme_locations.location,
    coalesce(register.domain, register_by_programme.domain, 'Onbekend') as domain,
    register.programme_code is not null as is_registered

from programme_locations
left join register
    on programme_locations.programme_code = register.programme_code
    and programme_locations.location = register.location
left join register_by_programme
    on programme_locations.programme_code = register_by_programme.programme_code
