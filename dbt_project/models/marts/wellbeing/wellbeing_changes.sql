-- The change of every wellbeing indicator since the previous survey year, per level × group × indicator, with
-- its 95 % interval by MOVER (Zou & Donner 2008: the two years' own intervals combined; for percentages this is
-- Newcombe's method 10 from the two Wilson intervals). It reads only wellbeing_indicators' published values and
-- intervals, and publishes a change only where both years' values are published: it reveals nothing that the
-- two rows do not, so disclosure control of wellbeing_indicators covers it (docs/disclosure.md).
with indicators as (

    select * from {{ ref('wellbeing_indicators') }}

),

paired as (

    select
        this_year.survey_year,
        previous_year.survey_year as previous_survey_year,
        this_year.level,
        this_year.group_name,
        this_year.location,
        this_year.domain,
        this_year.programme_location_key,
        this_year.indicator,
        this_year.n_respondents,
        previous_year.n_respondents as previous_n_respondents,
        this_year.value,
        this_year.ci_low as value_ci_low,
        this_year.ci_high as value_ci_high,
        previous_year.value as previous_value,
        previous_year.ci_low as previous_ci_low,
        previous_year.ci_high as previous_ci_high,
        this_year.suppression_reason as this_year_reason,
        previous_year.suppression_reason as previous_year_reason

    from indicators as this_year
    inner join indicators as previous_year
        on previous_year.survey_year = this_year.survey_year - 1
        and previous_year.level = this_year.level
        and previous_year.group_name = this_year.group_name
        and previous_year.location is not distinct from this_year.location
        and previous_year.domain is not distinct from this_year.domain
        and previous_year.indicator = this_year.indicator

),

changes as (

    select
        *,
        value is not null and previous_value is not null as both_published,
        value - previous_value as change,
        -- MOVER: the distance from each estimate to the side of its interval that the difference moves towards
        value - previous_value
            - sqrt(power(value - value_ci_low, 2) + power(previous_ci_high - previous_value, 2)) as change_ci_low,
        value - previous_value
            + sqrt(power(value_ci_high - value, 2) + power(previous_value - previous_ci_low, 2)) as change_ci_high

    from paired

)

select
    cast(survey_year as integer) as survey_year,
    cast(previous_survey_year as integer) as previous_survey_year,
    cast(level as {{ dbt.type_string() }}) as level,
    cast(group_name as {{ dbt.type_string() }}) as group_name,
    cast(location as {{ dbt.type_string() }}) as location,
    cast(domain as {{ dbt.type_string() }}) as domain,
    cast(programme_location_key as {{ dbt.type_string() }}) as programme_location_key,
    cast(indicator as {{ dbt.type_string() }}) as indicator,
    cast(n_respondents as integer) as n_respondents,
    cast(previous_n_respondents as integer) as previous_n_respondents,
    cast(case when both_published then value end as double precision) as value,
    cast(case when both_published then previous_value end as double precision) as previous_value,
    cast(case when both_published then change end as double precision) as change,
    cast(case when both_published then change_ci_low end as double precision) as ci_low,
    cast(case when both_published then change_ci_high end as double precision) as ci_high,
    cast(not both_published as boolean) as suppressed,
    cast(case
        when value is null then coalesce(this_year_reason, 'no_data')
        when previous_value is null then 'previous_year'
    end as {{ dbt.type_string() }}) as suppression_reason

from changes
