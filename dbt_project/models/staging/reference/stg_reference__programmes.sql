-- The programme × location register: the landing zone's (raw.programme_register) when it has rows, else the
-- shipped seed `programmes`. An institution replaces the register without code changes.
with landing_register as (

    select programme_code, programme_name, domain, location, duo_municipality, 'landing' as register_source
    from {{ source('reference', 'programme_register') }}

),

shipped_register as (

    select programme_code, programme_name, domain, location, duo_municipality, 'seed' as register_source
    from {{ ref('programmes') }}

),

register as (

    select * from landing_register

    union all

    select * from shipped_register
    where not exists (select 1 from landing_register)

)

select
    trim(programme_code) as programme_code,
    trim(programme_name) as programme_name,
    trim(domain) as domain,
    {{ canonical_location('location') }} as location,
    trim(duo_municipality) as duo_municipality,
    register_source

from register
