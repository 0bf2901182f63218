-- The groups each counted response is reported in (warehouse contract, "Wellbeing marts"): the institution
-- (`all`), its location, its domain, its programme (at that location: programme rows nest in locations, so
-- complementary suppression protects them), and the target groups `first_year`, `international`,
-- `first_generation`, `gender:<value>`, institution-wide (level `group`); the first three also per location
-- (`group_location`) and per domain (`group_domain`). Genders are not crossed: with the locations (domains) as
-- their sum they would form two-way tables whose disclosure control costs ten times the time of the rest
-- (docs/disclosure.md).
-- `location` / `domain` name the row's place in the hierarchy: location rows carry their location, domain rows
-- their domain, programme rows both, target groups per location or domain theirs; institution-wide rows
-- neither.
with counted as (

    select * from {{ ref('int_survey_responses_counted') }}

),

target_groups as (

    select survey_year, response_id, location, domain, 'first_year' as target_group
    from counted
    where is_first_year

    union all

    select survey_year, response_id, location, domain, 'international'
    from counted
    where international

    union all

    select survey_year, response_id, location, domain, 'first_generation'
    from counted
    where first_generation

    union all

    select survey_year, response_id, location, domain, {{ dbt.concat(["'gender:'", 'gender']) }}
    from counted
    where gender is not null

),

memberships as (

    select survey_year, response_id, 'institution' as level, 'all' as group_name,
           cast(null as {{ dbt.type_string() }}) as location, cast(null as {{ dbt.type_string() }}) as domain,
           cast(null as {{ dbt.type_string() }}) as programme_location_key
    from counted

    union all

    select survey_year, response_id, 'location', location, location, null, null
    from counted

    union all

    select survey_year, response_id, 'domain', domain, null, domain, null
    from counted

    union all

    select survey_year, response_id, 'programme', programme_code, location, domain, programme_location_key
    from counted

    union all

    select survey_year, response_id, 'group', target_group, null, null, null
    from target_groups

    union all

    select survey_year, response_id, 'group_location', target_group, location, null, null
    from target_groups
    where target_group not like 'gender:%'

    union all

    select survey_year, response_id, 'group_domain', target_group, null, domain, null
    from target_groups
    where target_group not like 'gender:%'

)

select
    survey_year,
    response_id,
    cast(level as {{ dbt.type_string() }}) as level,
    cast(group_name as {{ dbt.type_string() }}) as group_name,
    location,
    domain,
    programme_location_key

from memberships
