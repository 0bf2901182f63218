-- DUO enrolment per study year × programme × DUO municipality, for the institution only.
--  * rows of other BRIN codes are dropped; rows without a BRIN (layouts without one) are kept;
--  * the cells of a programme × municipality (breakdowns such as gender × form, levels) are added up when every
--    cell is known; when any cell is suppressed the count is null and is_suppressed is true (never add `<5`);
--  * per study year one measure: `ingeschrevenen` (all enrolled) where the year has it, else `eerstejaars`.
with source as (

    select * from {{ source('students', 'duo_enrolment') }}

),

institution as (

    select
        study_year,
        trim(programme_code) as programme_code,
        trim(programme_name) as programme_name,
        trim(municipality) as municipality,
        lower(trim(municipality)) as municipality_key,
        trim(municipality_code) as municipality_code,
        trim(lower(measure)) as measure,
        n_enrolled,
        (is_suppressed or n_enrolled is null) as is_suppressed

    from source
    where brin is null
       or upper(trim(brin)) = upper(trim('{{ var("brin") }}'))

),

cells_added_up as (

    select
        study_year,
        programme_code,
        municipality_key,
        measure,
        max(programme_name) as programme_name,
        max(municipality) as municipality,
        max(municipality_code) as municipality_code,
        {{ dbt.bool_or('is_suppressed') }} as is_suppressed,
        count(*) as n_cells,
        sum(n_enrolled) as n_enrolled_known

    from institution
    group by study_year, programme_code, municipality_key, measure

),

measure_per_year as (

    select
        study_year,
        case
            when {{ dbt.bool_or("measure = 'ingeschrevenen'") }} then 'ingeschrevenen'
            else 'eerstejaars'
        end as measure

    from cells_added_up
    group by study_year

)

select
    cells_added_up.study_year,
    cells_added_up.programme_code,
    cells_added_up.programme_name,
    cells_added_up.municipality,
    cells_added_up.municipality_code,
    cells_added_up.measure,
    case when cells_added_up.is_suppressed then null else cells_added_up.n_enrolled_known end as n_enrolled,
    cells_added_up.is_suppressed,
    cells_added_up.n_cells

from cells_added_up
inner join measure_per_year
    on cells_added_up.study_year = measure_per_year.study_year
    and cells_added_up.measure = measure_per_year.measure
