-- Per survey year × indicator: respondents who participated before answering (net hours above zero in one of
-- the four quarters up to the response's quarter: int_wellbeing_respondents_participation) against those who did
-- not (warehouse contract, "Wellbeing marts"); an association, not an effect. response_rate_pct is not compared
-- (it has no respondent values). Values, difference and 95 % interval: int_wellbeing_comparisons_controlled.
--  * domain-standardised difference: Σ w_d · difference_d over the domains whose comparison
--    wellbeing_by_participation_and_domain publishes, w_d = the domain's share of those domains' participants
--    (non-participants reweighted to the participants' domains); 95 % interval ± z·√(Σ w_d² · se_d²)
--  * p_value: two-sided, of difference / standard error (normal); q_value: Benjamini–Hochberg over the year's
--    published comparisons (one family per survey year and kind of difference)
--  * n_respondents_window_incomplete: the year's counted respondents whose four quarters before answering are
--    not all within the hours deliveries, before the first or after the last (their participation there is
--    unknown and counts as none)
-- Every value here follows from published rows (this mart's and wellbeing_by_participation_and_domain's); the
-- standard errors behind the standardised interval and the p-values from the groups' variances, which
-- disclosure control does not model (docs/disclosure.md, "What it does not cover").
with comparisons as (

    select * from {{ ref('int_wellbeing_comparisons_controlled') }}

),

institution as (

    select * from comparisons
    where domain is null

),

strata as (

    select
        comparisons.*,
        cast(n_participants as double precision)
            / sum(n_participants) over (partition by survey_year, indicator) as stratum_weight

    from comparisons
    where domain is not null
        and difference is not null
        and standard_error is not null

),

standardised as (

    select
        survey_year,
        indicator,
        count(*) as n_domains,
        -- in the domains' order: the same inputs give the same bits (an unchanged mart keeps its data version)
        sum(stratum_weight * difference order by domain) as difference,
        sqrt(sum(stratum_weight * stratum_weight * standard_error * standard_error order by domain))
            as standard_error

    from strata
    group by survey_year, indicator

),

p_values as (

    select
        institution.survey_year,
        institution.indicator,
        'crude' as kind,
        case
            when institution.standard_error > 0 then
                {{ normal_two_sided_p('institution.difference / institution.standard_error') }}
        end as p_value

    from institution

    union all

    select
        survey_year,
        indicator,
        'domain_standardised',
        case when standard_error > 0 then {{ normal_two_sided_p('difference / standard_error') }} end

    from standardised

),

q_values as (

    {{ benjamini_hochberg('p_values', ['survey_year', 'kind'], ['indicator']) }}

),

windows as (

    select
        survey_year,
        sum(case when is_window_covered then 0 else 1 end) as n_respondents_window_incomplete

    from {{ ref('int_wellbeing_respondents_participation') }}
    group by survey_year

),

tested as (

    select
        p_values.survey_year,
        p_values.indicator,
        max(case when p_values.kind = 'crude' then p_values.p_value end) as p_value,
        max(case when p_values.kind = 'crude' then q_values.q_value end) as q_value,
        max(case when p_values.kind = 'domain_standardised' then p_values.p_value end) as p_value_standardised,
        max(case when p_values.kind = 'domain_standardised' then q_values.q_value end) as q_value_standardised

    from p_values
    left join q_values
        on p_values.survey_year = q_values.survey_year
        and p_values.kind = q_values.kind
        and p_values.indicator = q_values.indicator
    group by p_values.survey_year, p_values.indicator

)

select
    institution.survey_year,
    institution.indicator,
    institution.n_participants,
    institution.value_participants,
    institution.n_non_participants,
    institution.value_non_participants,
    institution.difference,
    institution.ci_low,
    institution.ci_high,
    cast(tested.p_value as double precision) as p_value,
    cast(tested.q_value as double precision) as q_value,
    cast(standardised.difference as double precision) as difference_domain_standardised,
    cast(standardised.difference - {{ z_975() }} * standardised.standard_error as double precision)
        as ci_low_domain_standardised,
    cast(standardised.difference + {{ z_975() }} * standardised.standard_error as double precision)
        as ci_high_domain_standardised,
    cast(standardised.n_domains as integer) as n_domains_standardised,
    cast(tested.p_value_standardised as double precision) as p_value_domain_standardised,
    cast(tested.q_value_standardised as double precision) as q_value_domain_standardised,
    cast(coalesce(windows.n_respondents_window_incomplete, 0) as integer) as n_respondents_window_incomplete,
    institution.suppressed,
    institution.suppression_reason

from institution
left join standardised
    on institution.survey_year = standardised.survey_year
    and institution.indicator = standardised.indicator
left join tested
    on institution.survey_year = tested.survey_year
    and institution.indicator = tested.indicator
left join windows
    on institution.survey_year = windows.survey_year
