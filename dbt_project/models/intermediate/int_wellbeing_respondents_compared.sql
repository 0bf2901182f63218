-- Per survey year × indicator × comparison group: respondents who participated before answering (net hours
-- above zero in one of the four quarters up to the response's quarter) and those who did not, with the sums the
-- comparison marts and disclosure control need; institution-wide (domain null) and per domain.
--  * group_name `participants` / `non_participants`; both exist for every year × indicator (and domain with a
--    respondent), 0 respondents when empty
--  * institution-wide, the two add up to the institution's row of wellbeing_indicators; per domain to the
--    domain's row (every counted respondent is in exactly one group and one domain)
--  * cell_level / cell_group_name: the cell of disclosure control (`comparison`, `participants`; per domain
--    `comparison_domain`, `participants:<domain>`)
with indicator_values as (

    select * from {{ ref('int_wellbeing_indicator_values') }}

),

participation as (

    select * from {{ ref('int_wellbeing_respondents_participation') }}

),

counted as (

    select * from {{ ref('int_survey_responses_counted') }}

),

per_group as (

    select
        indicator_values.survey_year,
        indicator_values.indicator,
        indicator_values.indicator_kind,
        counted.domain,
        participation.has_participated,
        count(indicator_values.value) as n_respondents,
        sum(indicator_values.value) as value_sum,
        avg(indicator_values.value) as value_mean,
        var_samp(indicator_values.value) as value_variance

    from indicator_values
    inner join participation
        on indicator_values.survey_year = participation.survey_year
        and indicator_values.response_id = participation.response_id
    inner join counted
        on indicator_values.survey_year = counted.survey_year
        and indicator_values.response_id = counted.response_id
    group by grouping sets (
        (indicator_values.survey_year, indicator_values.indicator, indicator_values.indicator_kind,
         participation.has_participated),
        (indicator_values.survey_year, indicator_values.indicator, indicator_values.indicator_kind,
         counted.domain, participation.has_participated)
    )

),

strata as (

    select distinct survey_year, indicator, indicator_kind, domain from per_group

),

both_groups as (

    -- both groups for every year × indicator (× domain), also when one has no respondents
    select survey_year, indicator, indicator_kind, domain, true as has_participated from strata
    union all
    select survey_year, indicator, indicator_kind, domain, false as has_participated from strata

),

compared as (

    select
        both_groups.survey_year,
        both_groups.indicator,
        both_groups.indicator_kind,
        both_groups.domain,
        case when both_groups.has_participated then 'participants' else 'non_participants' end as group_name,
        coalesce(per_group.n_respondents, 0) as n_respondents,
        coalesce(per_group.value_sum, 0) as value_sum,
        per_group.value_mean,
        per_group.value_variance

    from both_groups
    left join per_group
        on both_groups.survey_year = per_group.survey_year
        and both_groups.indicator = per_group.indicator
        and both_groups.domain is not distinct from per_group.domain
        and both_groups.has_participated = per_group.has_participated

)

select
    survey_year,
    cast(indicator as {{ dbt.type_string() }}) as indicator,
    cast(indicator_kind as {{ dbt.type_string() }}) as indicator_kind,
    cast(domain as {{ dbt.type_string() }}) as domain,
    cast(group_name as {{ dbt.type_string() }}) as group_name,
    cast(case when domain is null then 'comparison' else 'comparison_domain' end
        as {{ dbt.type_string() }}) as cell_level,
    cast(case when domain is null then group_name else {{ dbt.concat(['group_name', "':'", 'domain']) }} end
        as {{ dbt.type_string() }}) as cell_group_name,
    n_respondents,
    value_sum,
    value_mean,
    value_variance

from compared
