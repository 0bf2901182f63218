-- The institution's own student counts per quarter × programme × location. Two spellings of one location
-- (`'s-Gravenhage`, `Den Haag`) become one row: their counts are added up.
with source as (

    select * from {{ source('students', 'student_counts') }}

),

renamed as (

    select
        upper(trim(quarter)) as quarter,
        trim(programme_code) as programme_code,
        {{ canonical_location('location') }} as location,
        n_students

    from source

)

select
    quarter,
    programme_code,
    location,
    sum(n_students) as n_students

from renamed
group by quarter, programme_code, location
