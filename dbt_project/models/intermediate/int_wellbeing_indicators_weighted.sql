-- The wellbeing indicators weighted to the enrolled population (docs/weighting.md): per survey year × indicator ×
-- group of the institution, location, domain and programme levels, the post-stratified estimate and its 95 %
-- interval from the effective sample size.
--  * strata: within each group, every programme × location cell whose figure is published (not suppressed for
--    this indicator) and whose student count is known and above 0 is a stratum of its own; all other respondents
--    of the group form one stratum (`rest`) with the group's remaining students. The rest's total is then the
--    group's published total minus its published cells, so a weighted figure is a function of published
--    figures and student counts: it tells nobody anything a suppressed cell hides (docs/disclosure.md).
--  * weight of a stratum's respondents: students / respondents, capped at 5 × the group's students /
--    respondents (trimming); 0 for a rest without students.
--  * value_weighted = Σ w·y / Σ w; n_effective = (Σ w)² / Σ w² (Kish); s² = Σ w·(y − ȳ)² / Σ w · n / (n − 1);
--    mean ± t(0.975; n_effective − 1)·s/√n_effective, or the Wilson interval of the weighted share at
--    n_effective (macros/scoring/intervals.sql, as the unweighted figures)
-- Sums of fractions run in the order of the strata (sum … order by): the same inputs give the same bits, so an
-- unchanged mart keeps its data version and its exports.
-- Students: int_wellbeing_students_per_group (the survey's reference quarter). No row for a group without
-- students counted, for response_rate_pct (a count of the whole group) or for target groups (docs/weighting.md).
with indicator_values as (

    select * from {{ ref('int_wellbeing_indicator_values') }}
    where value is not null

),

counted as (

    select * from {{ ref('int_survey_responses_counted') }}

),

students as (

    select * from {{ ref('int_wellbeing_students_per_group') }}

),

programme_decisions as (

    select * from {{ ref('int_wellbeing_cells_protected') }}
    where level = 'programme'

),

-- Each programme × location cell's sums per indicator: the respondents are aggregated once, then rolled up.
cell_sums as (

    select
        counted.survey_year,
        counted.programme_code,
        counted.location,
        counted.domain,
        indicator_values.indicator,
        indicator_values.indicator_kind,
        count(*) as n_respondents,
        sum(indicator_values.value) as value_sum,
        sum(indicator_values.value * indicator_values.value) as square_sum

    from indicator_values
    inner join counted
        on indicator_values.survey_year = counted.survey_year
        and indicator_values.response_id = counted.response_id
    group by counted.survey_year, counted.programme_code, counted.location, counted.domain,
             indicator_values.indicator, indicator_values.indicator_kind

),

cells as (

    select
        cell_sums.*,
        coalesce(not programme_decisions.suppressed, false)
            and coalesce(students.n_students, 0) > 0 as is_own_stratum,
        students.n_students

    from cell_sums
    left join programme_decisions
        on programme_decisions.period = cast(cell_sums.survey_year as {{ dbt.type_string() }})
        and programme_decisions.pattern = cell_sums.indicator
        and programme_decisions.group_name = cell_sums.programme_code
        and programme_decisions.location is not distinct from cell_sums.location
    left join students
        on students.survey_year = cell_sums.survey_year
        and students.level = 'programme'
        and students.group_name = cell_sums.programme_code
        and students.location is not distinct from cell_sums.location

),

-- Every cell once per group it belongs to (the groups of int_wellbeing_respondent_groups above target groups).
cells_in_groups as (

    select 'institution' as level, 'all' as group_name, cast(null as {{ dbt.type_string() }}) as location,
           survey_year, indicator, indicator_kind, is_own_stratum, programme_code,
           location as cell_location, n_respondents, value_sum, square_sum, n_students
    from cells

    union all

    select 'location', location, location, survey_year, indicator, indicator_kind, is_own_stratum, programme_code,
           location, n_respondents, value_sum, square_sum, n_students
    from cells

    union all

    select 'domain', domain, null, survey_year, indicator, indicator_kind, is_own_stratum, programme_code,
           location, n_respondents, value_sum, square_sum, n_students
    from cells

    union all

    select 'programme', programme_code, location, survey_year, indicator, indicator_kind, is_own_stratum,
           programme_code, location, n_respondents, value_sum, square_sum, n_students
    from cells

),

own_strata as (

    select
        survey_year, level, group_name, location, indicator, indicator_kind,
        {{ dbt.concat(['programme_code', "'|'", 'cell_location']) }} as stratum,
        n_respondents, value_sum, square_sum, n_students
    from cells_in_groups
    where is_own_stratum

),

own_students as (

    select survey_year, level, group_name, location, indicator, sum(n_students) as n_students
    from own_strata
    group by survey_year, level, group_name, location, indicator

),

rest_strata as (

    select
        cells_in_groups.survey_year,
        cells_in_groups.level,
        cells_in_groups.group_name,
        cells_in_groups.location,
        cells_in_groups.indicator,
        cells_in_groups.indicator_kind,
        'rest' as stratum,
        sum(cells_in_groups.n_respondents) as n_respondents,
        sum(cells_in_groups.value_sum order by cells_in_groups.programme_code, cells_in_groups.cell_location)
            as value_sum,
        sum(cells_in_groups.square_sum order by cells_in_groups.programme_code, cells_in_groups.cell_location)
            as square_sum,
        max(group_students.n_students) - coalesce(max(own_students.n_students), 0) as n_students

    from cells_in_groups
    inner join students as group_students
        on group_students.survey_year = cells_in_groups.survey_year
        and group_students.level = cells_in_groups.level
        and group_students.group_name = cells_in_groups.group_name
        and group_students.location is not distinct from cells_in_groups.location
    left join own_students
        on own_students.survey_year = cells_in_groups.survey_year
        and own_students.level = cells_in_groups.level
        and own_students.group_name = cells_in_groups.group_name
        and own_students.location is not distinct from cells_in_groups.location
        and own_students.indicator = cells_in_groups.indicator
    where not cells_in_groups.is_own_stratum
    group by cells_in_groups.survey_year, cells_in_groups.level, cells_in_groups.group_name,
             cells_in_groups.location, cells_in_groups.indicator, cells_in_groups.indicator_kind

),

strata as (

    select * from own_strata
    union all
    select * from rest_strata

),

group_totals as (

    select
        survey_year, level, group_name, location, indicator,
        sum(n_respondents) as n_respondents,
        sum(greatest(n_students, 0)) as n_students

    from strata
    group by survey_year, level, group_name, location, indicator

),

weighted_strata as (

    select
        strata.*,
        least(
            cast(greatest(strata.n_students, 0) as double precision) / strata.n_respondents,
            5.0 * group_totals.n_students / group_totals.n_respondents
        ) as weight

    from strata
    inner join group_totals
        on strata.survey_year = group_totals.survey_year
        and strata.level = group_totals.level
        and strata.group_name = group_totals.group_name
        and strata.location is not distinct from group_totals.location
        and strata.indicator = group_totals.indicator
    where group_totals.n_students > 0

),

weighted_sums as (

    select
        survey_year, level, group_name, location, indicator, indicator_kind,
        sum(n_respondents) as n_respondents,
        sum(weight * n_respondents order by stratum) as weight_sum,
        sum(weight * weight * n_respondents order by stratum) as weight_square_sum,
        sum(weight * value_sum order by stratum) as weighted_value_sum,
        sum(weight * square_sum order by stratum) as weighted_square_sum

    from weighted_strata
    group by survey_year, level, group_name, location, indicator, indicator_kind
    having sum(weight * n_respondents) > 0

),

estimates as (

    select
        survey_year, level, group_name, location, indicator, indicator_kind, n_respondents,
        weighted_value_sum / weight_sum as value_mean,
        weight_sum * weight_sum / weight_square_sum as n_effective,
        case
            when n_respondents < 2 then null
            else greatest(weighted_square_sum / weight_sum
                          - (weighted_value_sum / weight_sum) * (weighted_value_sum / weight_sum), 0.0)
                 * n_respondents / (n_respondents - 1)
        end as value_variance

    from weighted_sums

),

{%- set ci = indicator_interval('indicator_kind', 'value_mean', 'value_variance', 'n_effective',
                                'value_mean * n_effective') %}

measured as (

    select
        survey_year,
        level,
        group_name,
        location,
        indicator,
        case when indicator_kind = 'mean' then value_mean else 100 * value_mean end as value_weighted,
        {{ ci.low }} as ci_low_weighted,
        {{ ci.high }} as ci_high_weighted,
        n_effective

    from estimates

)

select
    cast(survey_year as integer) as survey_year,
    cast(level as {{ dbt.type_string() }}) as level,
    cast(group_name as {{ dbt.type_string() }}) as group_name,
    cast(location as {{ dbt.type_string() }}) as location,
    cast(indicator as {{ dbt.type_string() }}) as indicator,
    cast(value_weighted as double precision) as value_weighted,
    cast(ci_low_weighted as double precision) as ci_low_weighted,
    cast(ci_high_weighted as double precision) as ci_high_weighted,
    cast(n_effective as double precision) as n_effective

from measured
