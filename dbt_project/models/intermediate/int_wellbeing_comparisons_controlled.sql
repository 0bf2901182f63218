-- Participants against non-participants per survey year × indicator, institution-wide (domain null) and per
-- domain, with disclosure control applied: what wellbeing_by_participation and
-- wellbeing_by_participation_and_domain publish, and each comparison's standard error for the domain-standardised
-- difference and the p-values.
--  * n_*: respondents of the group with a score or answer for the indicator; value_*: mean, or 100 × share
--  * difference = value_participants − value_non_participants (percentage points for percentages)
--  * ci_low / ci_high, 95 % for the difference (macros/scoring/intervals.sql): Welch (t with Welch–Satterthwaite
--    degrees of freedom) for means, Newcombe's hybrid score interval (from two Wilson intervals) for percentages
--  * standard_error of the difference: √(s₁²/n₁ + s₂²/n₂) for means (n ≥ 2 each), √(p₁(1 − p₁)/n₁ +
--    p₂(1 − p₂)/n₂) for percentages (as fractions × 100); null when suppressed
--  * disclosure control: the two groups are cells of the indicator's pattern
--    (intermediate.int_wellbeing_cells_protected, docs/disclosure.md), with the institution's (the domain's) row
--    of wellbeing_indicators as their sum. When either group is suppressed, every derived value is null (the
--    other value would give it away through the sum); both counts stay published. A group without respondents
--    suppresses nothing: the other group's value is the sum's (suppression_reason no_data, no difference).
with compared as (

    select * from {{ ref('int_wellbeing_respondents_compared') }}

),

decisions as (

    select * from {{ ref('int_wellbeing_cells_protected') }}
    where level in ('comparison', 'comparison_domain')

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
        and decisions.level = compared.cell_level
        and decisions.group_name = compared.cell_group_name

),

pivoted as (

    select
        survey_year,
        indicator,
        domain,
        max(indicator_kind) as indicator_kind,
        max(case when group_name = 'participants' then n_respondents end) as n_participants,
        max(case when group_name = 'participants' then value_sum end) as sum_participants,
        max(case when group_name = 'participants' then value_mean end) as mean_participants,
        max(case when group_name = 'participants' then value_variance end) as variance_participants,
        max(case when group_name = 'non_participants' then n_respondents end) as n_non_participants,
        max(case when group_name = 'non_participants' then value_sum end) as sum_non_participants,
        max(case when group_name = 'non_participants' then value_mean end) as mean_non_participants,
        max(case when group_name = 'non_participants' then value_variance end) as variance_non_participants,
        -- a group without respondents hides nothing (its decision is no_data): the other stays published; with
        -- no respondent in either group there is nothing to publish (suppressed, no_data)
        {{ dbt.bool_or("group_suppressed and group_reason <> 'no_data'") }} or sum(n_respondents) = 0 as suppressed,
        -- the primary reason when a group has one (small_base), else complementary
        coalesce(max(case when group_suppressed and group_reason <> 'no_data' then group_reason end),
                 case when sum(n_respondents) = 0 then 'no_data' end) as suppression_reason

    from groups
    group by survey_year, indicator, domain

),

{%- set welch = welch_interval('mean_participants', 'variance_participants', 'n_participants',
                               'mean_non_participants', 'variance_non_participants', 'n_non_participants') %}
{%- set newcombe = newcombe_interval('sum_participants', 'n_participants', 'sum_non_participants', 'n_non_participants') %}
{%- set p1 = "(cast(sum_participants as double precision) / n_participants)" %}
{%- set p2 = "(cast(sum_non_participants as double precision) / n_non_participants)" %}

measured as (

    select
        survey_year,
        indicator,
        domain,
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
        case when indicator_kind = 'mean' then {{ welch.high }} else {{ newcombe.high }} end as ci_high,
        case
            when indicator_kind = 'mean' and n_participants >= 2 and n_non_participants >= 2 then sqrt(
                variance_participants / n_participants + variance_non_participants / n_non_participants)
            when indicator_kind = 'pct' and n_participants > 0 and n_non_participants > 0 then 100 * sqrt(
                {{ p1 }} * (1 - {{ p1 }}) / n_participants + {{ p2 }} * (1 - {{ p2 }}) / n_non_participants)
        end as standard_error

    from pivoted

)

select
    cast(survey_year as integer) as survey_year,
    cast(indicator as {{ dbt.type_string() }}) as indicator,
    cast(domain as {{ dbt.type_string() }}) as domain,
    cast(n_participants as integer) as n_participants,
    cast(case when not suppressed then value_participants end as double precision) as value_participants,
    cast(n_non_participants as integer) as n_non_participants,
    cast(case when not suppressed then value_non_participants end as double precision) as value_non_participants,
    cast(case when not suppressed then difference end as double precision) as difference,
    cast(case when not suppressed then ci_low end as double precision) as ci_low,
    cast(case when not suppressed then ci_high end as double precision) as ci_high,
    cast(case when not suppressed then standard_error end as double precision) as standard_error,
    cast(suppressed as boolean) as suppressed,
    cast(case
        when suppressed then suppression_reason
        when n_participants = 0 or n_non_participants = 0 then 'no_data'
    end as {{ dbt.type_string() }}) as suppression_reason

from measured
