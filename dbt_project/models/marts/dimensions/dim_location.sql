-- Locations (key `location`): the register's campus locations and any other location the data names.
select
    cast(location as {{ dbt.type_string() }}) as location,
    cast({{ dbt.bool_or('is_registered') }} as boolean) as is_registered

from {{ ref('int_programme_locations_unioned') }}
group by location
