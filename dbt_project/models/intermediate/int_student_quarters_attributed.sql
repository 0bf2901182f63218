-- One row per student × quarter with hours or a pool registration overlapping the quarter, attributed to one
-- programme × location (docs/design.md "Attribution"): that of the student's latest hours line in the quarter
-- (by work_date, then record_id); without hours that quarter, that of the latest pool registration
-- overlapping it (by available_from). n_available, n_participated and hours_total all use this attribution,
-- so every level adds up to the institution.
with pool_quarters as (

    select * from {{ ref('int_pool_registrations_spread_to_quarters') }}

),

-- net hours and the latest line's programme × location, computed in one pass over the lines
latest_hours_line as (

    select pseudo_id, quarter, programme_code, location, net_hours
    from {{ ref('int_hours_netted_to_student_quarters') }}

),

latest_pool_registration as (

    select pseudo_id, quarter, programme_code, location
    from (
        select
            pseudo_id,
            quarter,
            programme_code,
            location,
            row_number() over (
                partition by pseudo_id, quarter
                order by available_from desc
            ) as recency
        from pool_quarters
    ) as ranked
    where recency = 1

),

student_quarters as (

    select pseudo_id, quarter from latest_hours_line
    union
    select pseudo_id, quarter from latest_pool_registration

)

select
    student_quarters.pseudo_id,
    student_quarters.quarter,
    coalesce(latest_hours_line.programme_code, latest_pool_registration.programme_code) as programme_code,
    coalesce(latest_hours_line.location, latest_pool_registration.location) as location,
    case when latest_hours_line.pseudo_id is not null then 'hours' else 'pool' end as attributed_by,
    latest_pool_registration.pseudo_id is not null as is_available,
    coalesce(latest_hours_line.net_hours, 0) as net_hours,
    coalesce(latest_hours_line.net_hours, 0) > 0 as has_participated

from student_quarters
left join latest_hours_line
    on student_quarters.pseudo_id = latest_hours_line.pseudo_id
    and student_quarters.quarter = latest_hours_line.quarter
left join latest_pool_registration
    on student_quarters.pseudo_id = latest_pool_registration.pseudo_id
    and student_quarters.quarter = latest_pool_registration.quarter
