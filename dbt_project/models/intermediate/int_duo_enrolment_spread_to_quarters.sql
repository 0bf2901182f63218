-- DUO counts as student counts per quarter × programme × location.
--  * location: the register's location for the programme and DUO municipality (matched without regard to
--    case); where the register has none, the municipality's canonical name (`'s-Gravenhage` -> Den Haag);
--  * a count for study year Y stands for the quarters Y-Q4 … (Y+1)-Q3 (macro duo_study_year_of_quarter);
--  * n_students is null (unknown) when any DUO cell behind it was suppressed;
--  * only `ingeschrevenen` (all enrolled persons) count as the student population: DUO's old first-year
--    files (`eerstejaars`) stay in staging for reference but would understate n_students about fivefold.
with enrolment as (

    select * from {{ ref('stg_students__duo_enrolment') }}

),

register as (

    select
        programme_code,
        location,
        lower(duo_municipality) as municipality_key

    from {{ ref('stg_reference__programmes') }}
    where duo_municipality is not null

),

located as (

    select
        enrolment.study_year,
        enrolment.programme_code,
        coalesce(register.location, {{ canonical_location('enrolment.municipality') }}) as location,
        enrolment.n_enrolled,
        enrolment.is_suppressed

    from enrolment
    left join register
        on enrolment.programme_code = register.programme_code
        and lower(enrolment.municipality) = register.municipality_key
    where enrolment.measure = 'ingeschrevenen'

),

per_study_year as (

    select
        study_year,
        programme_code,
        location,
        {{ dbt.bool_or('is_suppressed') }} as is_suppressed,
        sum(n_enrolled) as n_enrolled_known

    from located
    group by study_year, programme_code, location

),

study_years as (

    select distinct study_year from per_study_year

),

-- the eight quarters of calendar years Y and Y+1; the rule picks the four that study year Y stands for
candidate_quarters as (

    select
        study_years.study_year,
        {{ quarter_from_parts('study_years.study_year + year_offsets.year_offset', 'quarter_numbers.quarter_number') }}
            as quarter

    from study_years
    cross join (values (0), (1)) as year_offsets (year_offset)
    cross join (values (1), (2), (3), (4)) as quarter_numbers (quarter_number)

),

study_year_quarters as (

    select study_year, quarter
    from candidate_quarters
    where {{ duo_study_year_of_quarter('quarter') }} = study_year

)

select
    study_year_quarters.quarter,
    per_study_year.programme_code,
    per_study_year.location,
    per_study_year.study_year,
    case when per_study_year.is_suppressed then null else per_study_year.n_enrolled_known end as n_students,
    per_study_year.is_suppressed

from per_study_year
inner join study_year_quarters
    on per_study_year.study_year = study_year_quarters.study_year
