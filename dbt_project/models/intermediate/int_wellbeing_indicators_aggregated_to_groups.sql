-- The wellbeing indicators per survey year × group before disclosure control: one row per group with at least
-- one counted respondent × every indicator (the codebook's, then response_rate_pct).
--  * n_respondents: respondents of the group with a score or answer for that indicator (0 when none has one);
--    for response_rate_pct every counted respondent of the group
--  * value: the mean of the scores (kind mean), or 100 × the share in the band (kind pct), unrounded;
--    response_rate_pct = 100 × respondents / students of the group counted in the survey's reference quarter
--    (int_wellbeing_students_per_group), null without a student count (target groups) or when it is 0
--  * ci_low / ci_high, 95 % (macros/scoring/intervals.sql): mean ± t(0.975; n − 1)·s/√n for means (n ≥ 2),
--    the Wilson score interval for percentages (n ≥ 1); none for response_rate_pct (a count of the whole
--    group, not a sample estimate)
with indicator_values as (

    select * from {{ ref('int_wellbeing_indicator_values') }}

),

groups as (

    select * from {{ ref('int_wellbeing_respondent_groups') }}

),

-- Each group once, with its respondents, numbered: the respondents × indicators × groups join below (~50 M rows
-- at scale 50) is then grouped by one integer instead of six text columns (three times faster; the same sums).
respondents as (

    select
        survey_year,
        level,
        group_name,
        location,
        domain,
        programme_location_key,
        count(*) as n_respondents,
        row_number() over (
            order by survey_year, level, group_name, location, domain, programme_location_key
        ) as group_id

    from groups
    group by survey_year, level, group_name, location, domain, programme_location_key

),

memberships as (

    select
        groups.survey_year,
        groups.response_id,
        respondents.group_id

    from groups
    inner join respondents
        on groups.survey_year = respondents.survey_year
        and groups.level = respondents.level
        and groups.group_name = respondents.group_name
        and groups.location is not distinct from respondents.location
        and groups.domain is not distinct from respondents.domain
        and groups.programme_location_key is not distinct from respondents.programme_location_key

),

cell_statistics as (

    select
        memberships.group_id,
        indicator_values.indicator,
        indicator_values.indicator_kind,
        count(indicator_values.value) as n_respondents,
        sum(indicator_values.value) as value_sum,
        avg(indicator_values.value) as value_mean,
        var_samp(indicator_values.value) as value_variance

    from memberships
    inner join indicator_values
        on memberships.survey_year = indicator_values.survey_year
        and memberships.response_id = indicator_values.response_id
    group by memberships.group_id, indicator_values.indicator, indicator_values.indicator_kind

),

cells as (

    select
        respondents.survey_year,
        respondents.level,
        respondents.group_name,
        respondents.location,
        respondents.domain,
        respondents.programme_location_key,
        cell_statistics.indicator,
        cell_statistics.indicator_kind,
        cell_statistics.n_respondents,
        cell_statistics.value_sum,
        cell_statistics.value_mean,
        cell_statistics.value_variance

    from cell_statistics
    inner join respondents
        on cell_statistics.group_id = respondents.group_id

),

{%- set ci = indicator_interval('indicator_kind', 'value_mean', 'value_variance', 'n_respondents', 'value_sum') %}

measured as (

    select
        survey_year,
        level,
        group_name,
        location,
        domain,
        programme_location_key,
        indicator,
        n_respondents,
        case
            when n_respondents = 0 then null
            when indicator_kind = 'mean' then value_mean
            else 100 * value_sum / n_respondents  -- a count of 1s: exact (avg() may be a hair off)
        end as value,
        {{ ci.low }} as ci_low,
        {{ ci.high }} as ci_high

    from cells

),

response_rates as (

    select
        respondents.survey_year,
        respondents.level,
        respondents.group_name,
        respondents.location,
        respondents.domain,
        respondents.programme_location_key,
        'response_rate_pct' as indicator,
        respondents.n_respondents,
        case
            when students.n_students is null or students.n_students = 0 then null
            else 100 * cast(respondents.n_respondents as double precision) / students.n_students
        end as value,
        cast(null as double precision) as ci_low,
        cast(null as double precision) as ci_high

    from respondents
    left join {{ ref('int_wellbeing_students_per_group') }} as students
        on respondents.survey_year = students.survey_year
        and respondents.level = students.level
        and respondents.group_name = students.group_name
        and respondents.location is not distinct from students.location

),

unioned as (

    select * from measured
    union all
    select * from response_rates

)

select
    survey_year,
    level,
    group_name,
    location,
    domain,
    programme_location_key,
    cast(indicator as {{ dbt.type_string() }}) as indicator,
    cast(n_respondents as integer) as n_respondents,
    cast(value as double precision) as value,
    cast(ci_low as double precision) as ci_low,
    cast(ci_high as double precision) as ci_high

from unioned
