-- The participation measures per quarter × programme × location, before disclosure control: every
-- programme × location with a student count or attributed students that quarter. The marts roll this up.
--  * n_students: the count (own, else DUO); null when unknown (a suppressed DUO cell, or no count at all)
--  * n_students_incomplete: n_students is unknown here (higher levels add up the known counts and carry it)
with counts as (

    select * from {{ ref('int_student_counts_unioned') }}

),

attributed as (

    select
        quarter,
        programme_code,
        location,
        sum(case when is_available then 1 else 0 end) as n_available,
        sum(case when has_participated then 1 else 0 end) as n_participated,
        sum(net_hours) as hours_total

    from {{ ref('int_student_quarters_attributed') }}
    group by quarter, programme_code, location

)

select
    coalesce(counts.quarter, attributed.quarter) as quarter,
    coalesce(counts.programme_code, attributed.programme_code) as programme_code,
    coalesce(counts.location, attributed.location) as location,
    counts.n_students,
    counts.n_students is null as n_students_incomplete,
    coalesce(attributed.n_available, 0) as n_available,
    coalesce(attributed.n_participated, 0) as n_participated,
    coalesce(attributed.hours_total, 0) as hours_total,
    counts.count_source

from counts
full outer join attributed
    on counts.quarter = attributed.quarter
    and counts.programme_code = attributed.programme_code
    and counts.location = attributed.location
