-- Per survey year × indicator × comparison group: respondents who participated before answering (net hours
-- above zero in one of the four quarters up to the response's quarter) and those who did not, with the sums the comparison mart and disclosure control
-- need. group_name `participants` / `non_participants`; the two add up to the institution's row of
-- wellbeing_indicators (every counted respondent is in exactly one).
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

both_groups as (

    -- both groups for every year × indicator, also when one has no respondents
    select distinct survey_year, indicator, indicator_kind, true as has_participated from per_group
    union all
    select distinct survey_year, indicator, indicator_kind, false as has_participated from per_group

)

select
    both_groups.survey_year,
    cast(both_groups.indicator as {{ dbt.type_string() }}) as indicator,
    cast(both_groups.indicator_kind as {{ dbt.type_string() }}) as indicator_kind,
    cast(case when both_groups.has_participated then 'participants' else 'non_participants' end
        as {{ dbt.type_string() }}) as group_name,
    coalesce(per_group.n_respondents, 0) as n_respondents,
    coalesce(per_group.value_sum, 0) as value_sum,
    per_group.value_mean,
    per_group.value_variance

from both_groups
left join per_group
    on both_groups.survey_year = per_group.survey_year
    and both_groups.indicator = per_group.indicator
    and both_groups.has_participated = per_group.has_participated
