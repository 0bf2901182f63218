-- The groups each counted response is reported in (warehouse contract, "Wellbeing marts"): the institution
-- (`all`), its location, its domain, its programme (at that location: programme rows nest in locations, so
-- complementary suppression protects them), and the target groups `first_year`, `international`,
-- `first_generation`, `gender:<value>`.
-- `location` / `domain` name the row's place in the hierarchy: location rows carry their location, domain rows
-- their domain, programme rows both; institution and target-group rows neither.
with counted as (

    select * from {{ ref('int_survey_responses_counted') }}

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

    select survey_year, response_id, 'group', 'first_year', null, null, null
    from counted
    where is_first_year

    union all

    select survey_year, response_id, 'group', 'international', null, null, null
    from counted
    where international

    union all

    select survey_year, response_id, 'group', 'first_generation', null, null, null
    from counted
    where first_generation

    union all

    select survey_year, response_id, 'group', {{ dbt.concat(["'gender:'", 'gender']) }}, null, null, null
    from counted
    where gender is not null

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
