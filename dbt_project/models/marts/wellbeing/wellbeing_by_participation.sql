-- Per survey year × indicator: respondents who participated (net hours above zero in any quarter of the survey
-- year) against those who did not (warehouse contract, "Wellbeing marts"). response_rate_pct is not compared
-- (it has no respondent values).
--  * n_*: respondents of the group with a score or answer for the indicator; value_*: mean, or 100 × share
--  * difference = value_participants − value_non_participants (percentage points for percentages)
--  * ci_low / ci_high, 95 % for the difference (macros/scoring/intervals.sql): Welch (t with Welch–Satterthwaite
--    degrees of freedom) for means, Newcombe's hybrid score interval (from two Wilson intervals) for percentages
--  * disclosure control (macros/disclosure.sql) with the smaller group as base count: when either group is
--    below WB_MIN_CELL every derived value is null (both values, so neither can be recovered from the
--    institution's value in marts.wellbeing_indicators) and suppressed is true; both counts stay published.
with indicator_values as (

    select * from {{ ref('int_wellbeing_indicator_values') }}

),

participation as (

    select * from {{ ref('int_wellbeing_respondents_participation') }}

),

per_group as (

    select
        indicator_values.survey_year,
        indicator_values.indicator,
        indicator_values.indicator_kind,
        participation.has_participated,
        count(indicator_values.value) as n_respondents,
        sum(indicator_values.value) as value_sum,
        avg(indicator_values.value) as value_mean,
        var_samp(indicator_values.value) as value_variance

    from indicator_values
    inner join participation
        on indicator_values.survey_year = participation.survey_year
        and indicator_values.response_id = participation.response_id
    group by
        indicator_values.survey_year, indicator_values.indicator, indicator_values.indicator_kind,
        participation.has_participated

),

compared as (

    select
        survey_year,
        indicator,
        indicator_kind,
        coalesce(sum(case when has_participated then n_respondents end), 0) as n_participants,
        coalesce(sum(case when has_participated then value_sum end), 0) as sum_participants,
        max(case when has_participated then value_mean end) as mean_participants,
        max(case when has_participated then value_variance end) as variance_participants,
        coalesce(sum(case when not has_participated then n_respondents end), 0) as n_non_participants,
        coalesce(sum(case when not has_participated then value_sum end), 0) as sum_non_participants,
        max(case when not has_participated then value_mean end) as mean_non_participants,
        max(case when not has_participated then value_variance end) as variance_non_participants

    from per_group
    group by survey_year, indicator, indicator_kind

),

{%- set welch = welch_interval('mean_participants', 'variance_participants', 'n_participants',
                               'mean_non_participants', 'variance_non_participants', 'n_non_participants') %}
{%- set newcombe = newcombe_interval('sum_participants', 'n_participants', 'sum_non_participants', 'n_non_participants') %}

measured as (

    select
        survey_year,
        indicator,
        n_participants,
        n_non_participants,
        case when n_participants < n_non_participants then n_participants else n_non_participants end
            as n_smaller_group,
        case
            when n_participants = 0 then null
            when indicator_kind = 'mean' then mean_participants
            else 100 * sum_participants / n_participants
        end as value_participants,
        case
            when n_non_participants = 0 then null
            when indicator_kind = 'mean' then mean_non_participants
            else 100 * sum_non_participants / n_non_participants
        end as value_non_participants,
        case
            when n_participants = 0 or n_non_participants = 0 then null
            when indicator_kind = 'mean' then mean_participants - mean_non_participants
            else 100 * sum_participants / n_participants - 100 * sum_non_participants / n_non_participants
        end as difference,
        case when indicator_kind = 'mean' then {{ welch.low }} else {{ newcombe.low }} end as ci_low,
        case when indicator_kind = 'mean' then {{ welch.high }} else {{ newcombe.high }} end as ci_high

    from compared

),

controlled as (

    {{ disclosure_control(
        relation='measured',
        key_columns=['survey_year', 'indicator'],
        base_count='n_smaller_group',
        derived_columns=['value_participants', 'value_non_participants', 'difference', 'ci_low', 'ci_high'],
        other_columns=['n_participants', 'n_non_participants'],
        partition_by=['survey_year']
    ) }}

)

select
    cast(survey_year as integer) as survey_year,
    cast(indicator as {{ dbt.type_string() }}) as indicator,
    cast(n_participants as integer) as n_participants,
    cast(value_participants as double precision) as value_participants,
    cast(n_non_participants as integer) as n_non_participants,
    cast(value_non_participants as double precision) as value_non_participants,
    cast(difference as double precision) as difference,
    cast(ci_low as double precision) as ci_low,
    cast(ci_high as double precision) as ci_high,
    cast(suppressed as boolean) as suppressed

from controlled
