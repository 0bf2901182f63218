-- The students behind each group's response rate: per survey year, the quarter in which most counted responses
-- were submitted (ties: the earlier quarter), and the student counts of that quarter (own counts, else DUO's:
-- int_student_counts_unioned, the participation marts' counts) added up per institution, location, domain and
-- programme × location. Target groups have no student count. n_students adds up the known counts (null when
-- none is known); n_students_incomplete says some programme × location count was unknown (a suppressed DUO
-- cell), as in the participation marts.
with counted as (

    select * from {{ ref('int_survey_responses_counted') }}

),

responses_per_quarter as (

    select
        survey_year,
        {{ quarter_of('submitted_at') }} as quarter,
        count(*) as n_responses

    from counted
    where submitted_at is not null
    group by survey_year, {{ quarter_of('submitted_at') }}

),

reference_quarters as (

    select survey_year, quarter, n_responses
    from (
        select
            responses_per_quarter.*,
            row_number() over (partition by survey_year order by n_responses desc, quarter) as busiest
        from responses_per_quarter
    ) as ranked
    where busiest = 1

),

counts as (

    select
        reference_quarters.survey_year,
        reference_quarters.quarter,
        student_counts.programme_code,
        student_counts.location,
        domains.programme_location_key,
        coalesce(domains.domain, 'Onbekend') as domain,
        student_counts.n_students

    from reference_quarters
    inner join {{ ref('int_student_counts_unioned') }} as student_counts
        on reference_quarters.quarter = student_counts.quarter
    left join {{ ref('int_wellbeing_programme_domains') }} as domains
        on student_counts.programme_code = domains.programme_code
        and student_counts.location = domains.location

),

per_group as (

    select survey_year, quarter, 'institution' as level, 'all' as group_name,
           cast(null as {{ dbt.type_string() }}) as location,
           sum(n_students) as n_students,
           {{ dbt.bool_or('n_students is null') }} as n_students_incomplete
    from counts
    group by survey_year, quarter

    union all

    select survey_year, quarter, 'location', location, location,
           sum(n_students), {{ dbt.bool_or('n_students is null') }}
    from counts
    group by survey_year, quarter, location

    union all

    select survey_year, quarter, 'domain', domain, null,
           sum(n_students), {{ dbt.bool_or('n_students is null') }}
    from counts
    group by survey_year, quarter, domain

    union all

    select survey_year, quarter, 'programme', programme_code, location,
           sum(n_students), {{ dbt.bool_or('n_students is null') }}
    from counts
    group by survey_year, quarter, programme_code, location

)

select
    survey_year,
    cast(quarter as {{ dbt.type_string() }}) as reference_quarter,
    cast(level as {{ dbt.type_string() }}) as level,
    cast(group_name as {{ dbt.type_string() }}) as group_name,
    location,
    n_students,
    n_students_incomplete

from per_group
