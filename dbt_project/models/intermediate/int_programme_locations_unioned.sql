-- Every programme × location of the register or of the participation data, described: name and domain from
-- the register (for the programme at that location, else at any location), the name DUO gives where the
-- register lacks the programme, and domain `Onbekend` for a programme the register does not know.
with register as (

    select * from {{ ref('stg_reference__programmes') }}

),

register_by_programme as (

    select
        programme_code,
        max(programme_name) as programme_name,
        max(domain) as domain

    from register
    group by programme_code

),

duo_names as (

    select
        programme_code,
        max(programme_name) as programme_name

    from {{ ref('stg_students__duo_enrolment') }}
    group by programme_code

),

programme_locations as (

    select programme_code, location from register
    union
    select programme_code, location from {{ ref('int_participation_aggregated_to_programmes') }}

)

select
    {{ dbt.concat(['programme_locations.programme_code', "'|'", 'programme_locations.location']) }}
        as programme_location_key,
    programme_locations.programme_code,
    programme_locations.location,
    coalesce(
        register.programme_name, register_by_programme.programme_name, duo_names.programme_name, 'Onbekend'
    ) as programme_name,
    coalesce(register.domain, register_by_programme.domain, 'Onbekend') as domain,
    register.programme_code is not null as is_registered

from programme_locations
left join register
    on programme_locations.programme_code = register.programme_code
    and programme_locations.location = register.location
left join register_by_programme
    on programme_locations.programme_code = register_by_programme.programme_code
left join duo_names
    on programme_locations.programme_code = duo_names.programme_code
