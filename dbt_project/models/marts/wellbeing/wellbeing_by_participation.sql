-- Per survey year × indicator: respondents who participated before answering (net hours above zero in one of
-- the four quarters up to the response's quarter: int_wellbeing_respondents_participation) against those who did
-- not (warehouse contract, "Wellbeing marts"); an association, not an effect. response_rate_pct is not compared
-- (it has no respondent values).
--  * n_*: respondents of the group with a score or answer for the indicator; value_*: mean, or 100 × share
--  * difference = value_participants − value_non_participants (percentage points for percentages)
--  * ci_low / ci_high, 95 % for the difference (macros/scoring/intervals.sql): Welch (t with Welch–Satterthwaite
--    degrees of freedom) for means, Newcombe's hybrid score interval (from two Wilson intervals) for percentages
--  * disclosure control: the two groups are cells of the indicator's pattern
--    (intermediate.int_wellbeing_cells_protected, docs/disclosure.md), with the institution's row of
--    wellbeing_indicators as their sum. When either group is suppressed, every derived value is null (the other
--    value would give it away through the institution's); both counts stay published.
with compared as (

    select * from {{ ref('int_wellbeing_respondents_compared') }}

),

decisions as (

    select * from {{ ref('int_wellbeing_cells_protected') }}
    where level = 'comparison'

),

groups as (

    select
        compared.*,
        coalesce(decisions.suppressed, true) as group_suppressed,
        case when decisions.suppressed is null then 'undecided' else decisions.reason end as group_reason

    from compared
    left join decisions
        on decisions.period = cast(compared.survey_year as {{ dbt.type_string() }})
        and decisions.pattern = compared.indicator
        and decisions.group_name = compared.group_name

),

pivoted as (

    select
        survey_year,
        indicator,
        max(indicator_kind) as indicator_kind,
        max(case when group_name = 'participants' then n_respondents end) as n_participants,
        max(case when group_name = 'participants' then value_sum end) as sum_participants,
        max(case when group_name = 'participants' then value_mean end) as mean_participants,
        max(case when group_name = 'participants' then value_variance end) as variance_participants,
        max(case when group_name = 'non_participants' then n_respondents end) as n_non_participants,
        max(case when group_name = 'non_participants' then value_sum end) as sum_non_participants,
        max(case when group_name = 'non_participants' then value_mean end) as mean_non_participants,
        max(case when group_name = 'non_participants' then value_variance end) as variance_non_participants,
        {{ dbt.bool_or('group_suppressed') }} as suppressed,
        -- the primary reason when a group has one (small_base, no_data), else complementary
        max(case when group_suppressed then group_reason end) as suppression_reason

    from groups
    group by survey_year, indicator

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
        suppressed,
        suppression_reason,
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

    from pivoted

)

select
    cast(survey_year as integer) as survey_year,
    cast(indicator as {{ dbt.type_string() }}) as indicator,
    cast(n_participants as integer) as n_participants,
    cast(case when not suppressed then value_participants end as double precision) as value_participants,
    cast(n_non_participants as integer) as n_non_participants,
    cast(case when not suppressed then value_non_participants end as double precision) as value_non_participants,
    cast(case when not suppressed then difference end as double precision) as difference,
    cast(case when not suppressed then ci_low end as double precision) as ci_low,
    cast(case when not suppressed then ci_high end as double precision) as ci_high,
    cast(suppressed as boolean) as suppressed,
    cast(suppression_reason as {{ dbt.type_string() }}) as suppression_reason

from measured
