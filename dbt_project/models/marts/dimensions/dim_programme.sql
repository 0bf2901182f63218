-- Programmes × locations (key `programme_location_key`, `34116|Den Haag`, one column so Power BI can relate
-- it to participation_by_programme) with name and domain: the register's and any other the data names.
select
    cast(programme_location_key as {{ dbt.type_string() }}) as programme_location_key,
    cast(programme_code as {{ dbt.type_string() }}) as programme_code,
    cast(location as {{ dbt.type_string() }}) as location,
    cast(programme_name as {{ dbt.type_string() }}) as programme_name,
    cast(domain as {{ dbt.type_string() }}) as domain,
    cast(is_registered as boolean) as is_registered

from {{ ref('int_programme_locations_unioned') }}
