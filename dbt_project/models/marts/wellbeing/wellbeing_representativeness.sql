-- Who answered, against who studies: per survey year, each location's and domain's share of the counted
-- respondents beside its share of the students counted in the survey's reference quarter
-- (int_wellbeing_students_per_group, the quarter in which most responses were submitted), and the ratio of the
-- two (1: represented as its size; below 1: under-represented). Respondent and student counts are published
-- anyway (wellbeing_indicators, the participation marts), and the response rate is wellbeing_indicators' own,
-- with its disclosure decision: this table adds no cell of its own.
with response_rates as (

    select
        survey_year,
        level,
        group_name,
        location,
        n_respondents,
        value as response_rate_pct,
        suppression_reason as response_rate_suppression_reason

    from {{ ref('wellbeing_indicators') }}
    where indicator = 'response_rate_pct'
        and level in ('institution', 'location', 'domain')

),

students as (

    select * from {{ ref('int_wellbeing_students_per_group') }}
    where level in ('institution', 'location', 'domain')

),

groups as (

    select
        response_rates.*,
        students.reference_quarter,
        students.n_students,
        coalesce(students.n_students_incomplete, true) as n_students_incomplete

    from response_rates
    left join students
        on students.survey_year = response_rates.survey_year
        and students.level = response_rates.level
        and students.group_name = response_rates.group_name
        and students.location is not distinct from response_rates.location

),

institution as (

    select
        survey_year,
        n_respondents as institution_respondents,
        n_students as institution_students,
        n_students_incomplete as institution_students_incomplete

    from groups
    where level = 'institution'

),

shares as (

    select
        groups.*,
        100.0 * groups.n_respondents / nullif(institution.institution_respondents, 0) as respondent_share_pct,
        -- a share of an incomplete total (a suppressed DUO cell) would overstate every other group: unknown
        case when not groups.n_students_incomplete and not institution.institution_students_incomplete
            then 100.0 * groups.n_students / nullif(institution.institution_students, 0)
        end as student_share_pct

    from groups
    inner join institution
        on institution.survey_year = groups.survey_year

)

select
    cast(survey_year as integer) as survey_year,
    cast(reference_quarter as {{ dbt.type_string() }}) as reference_quarter,
    cast(level as {{ dbt.type_string() }}) as level,
    cast(group_name as {{ dbt.type_string() }}) as group_name,
    cast(location as {{ dbt.type_string() }}) as location,
    cast(n_respondents as integer) as n_respondents,
    cast(n_students as integer) as n_students,
    cast(n_students_incomplete as boolean) as n_students_incomplete,
    cast(respondent_share_pct as double precision) as respondent_share_pct,
    cast(student_share_pct as double precision) as student_share_pct,
    cast(respondent_share_pct / nullif(student_share_pct, 0) as double precision) as representation_ratio,
    cast(response_rate_pct as double precision) as response_rate_pct,
    cast(response_rate_suppression_reason as {{ dbt.type_string() }}) as response_rate_suppression_reason

from shares
