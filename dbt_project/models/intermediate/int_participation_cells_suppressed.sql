-- The disclosure decision of the four participation marts, made once (warehouse contract, "Disclosure
-- control"): one row per quarter × level × group of participation_institution, _by_location, _by_domain and
-- _by_programme, with `suppressed` (primary or complementary, over all four levels together; macro
-- participation_disclosure, macros/participation.sql). Each mart joins its rows (macro participation_mart);
-- deciding it here instead of in every mart keeps the one large disclosure query to a single build.
with programme_quarters as (

    {{ participation_programme_quarters() | indent(4) }}

),

disclosure as (

    {{ participation_disclosure('programme_quarters') | indent(4) }}

)

select
    cast(quarter as {{ dbt.type_string() }}) as quarter,
    cast(level as {{ dbt.type_string() }}) as level,
    cast(group_name as {{ dbt.type_string() }}) as group_name,
    cast(location as {{ dbt.type_string() }}) as location,
    cast(suppressed as boolean) as suppressed

from disclosure
