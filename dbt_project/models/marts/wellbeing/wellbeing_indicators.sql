-- The wellbeing indicators per survey year × level × group × indicator (warehouse contract, "Wellbeing marts"),
-- with disclosure control: the decisions of intermediate.int_wellbeing_cells_protected (docs/disclosure.md),
-- one pattern per survey year × indicator over every level, the target groups and wellbeing_by_participation
-- together, chosen by optimisation so that no suppressed value can be narrowed down from the published tables. A row
-- without a decision is suppressed (`undecided`): the mart fails closed. Beside each value its estimate weighted
-- to the enrolled population (int_wellbeing_indicators_weighted, docs/weighting.md), published where the value is.
with aggregated as (

    select * from {{ ref('int_wellbeing_indicators_aggregated_to_groups') }}

),

weighted as (

    select * from {{ ref('int_wellbeing_indicators_weighted') }}

),

decisions as (

    select * from {{ ref('int_wellbeing_cells_protected') }}

),

decided as (

    select
        aggregated.*,
        weighted.value_weighted,
        weighted.ci_low_weighted,
        weighted.ci_high_weighted,
        weighted.n_effective,
        coalesce(decisions.suppressed, true) as suppressed,
        case when decisions.suppressed is null then 'undecided' else decisions.reason end as reason

    from aggregated
    left join decisions
        on decisions.period = cast(aggregated.survey_year as {{ dbt.type_string() }})
        and decisions.pattern = aggregated.indicator
        and decisions.level = aggregated.level
        and decisions.group_name = {{ wellbeing_cell_group_name('aggregated.level', 'aggregated.group_name',
                                                               'aggregated.domain') }}
        and decisions.location is not distinct from aggregated.location
    left join weighted
        on weighted.survey_year = aggregated.survey_year
        and weighted.indicator = aggregated.indicator
        and weighted.level = aggregated.level
        and weighted.group_name = aggregated.group_name
        and weighted.location is not distinct from aggregated.location

),

controlled as (

    select
        survey_year,
        level,
        group_name,
        location,
        domain,
        programme_location_key,
        indicator,
        n_respondents,
        case when not suppressed then value end as value,
        case when not suppressed then ci_low end as ci_low,
        case when not suppressed then ci_high end as ci_high,
        case when not suppressed then value_weighted end as value_weighted,
        case when not suppressed then ci_low_weighted end as ci_low_weighted,
        case when not suppressed then ci_high_weighted end as ci_high_weighted,
        case when not suppressed then n_effective end as n_effective,
        suppressed,
        case
            when suppressed then reason
            when n_respondents = 0 then 'no_data'
            when value is null then 'no_count'  -- response_rate_pct of a group without a student count
        end as suppression_reason

    from decided

)

select
    cast(survey_year as integer) as survey_year,
    cast(level as {{ dbt.type_string() }}) as level,
    cast(group_name as {{ dbt.type_string() }}) as group_name,
    cast(location as {{ dbt.type_string() }}) as location,
    cast(domain as {{ dbt.type_string() }}) as domain,
    cast(programme_location_key as {{ dbt.type_string() }}) as programme_location_key,
    cast(indicator as {{ dbt.type_string() }}) as indicator,
    cast(n_respondents as integer) as n_respondents,
    cast(value as double precision) as value,
    cast(ci_low as double precision) as ci_low,
    cast(ci_high as double precision) as ci_high,
    cast(value_weighted as double precision) as value_weighted,
    cast(ci_low_weighted as double precision) as ci_low_weighted,
    cast(ci_high_weighted as double precision) as ci_high_weighted,
    cast(n_effective as double precision) as n_effective,
    cast(suppressed as boolean) as suppressed,
    cast(suppression_reason as {{ dbt.type_string() }}) as suppression_reason

from controlled
