-- Domains (key `domain`): the register's domains, and `Onbekend` for programmes the register does not know.
with domains as (

    select domain, is_registered from {{ ref('int_programme_locations_unioned') }}

    union all

    select 'Onbekend' as domain, false as is_registered

)

select
    cast(domain as {{ dbt.type_string() }}) as domain,
    cast({{ dbt.bool_or("is_registered and domain <> 'Onbekend'") }} as boolean) as is_registered

from domains
group by domain
