-- Per survey year × indicator × domain: respondents of the domain who participated before answering against
-- those who did not (int_wellbeing_comparisons_controlled): the strata of wellbeing_by_participation's
-- domain-standardised difference, published where disclosure control allows. An association, not an effect.
select
    survey_year,
    indicator,
    domain,
    n_participants,
    value_participants,
    n_non_participants,
    value_non_participants,
    difference,
    ci_low,
    ci_high,
    suppressed,
    suppression_reason

from {{ ref('int_wellbeing_comparisons_controlled') }}
where domain is not null
