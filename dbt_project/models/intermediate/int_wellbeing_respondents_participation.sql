-- Per counted response: did the student participate (net hours above zero in any calendar quarter of the survey
-- year; int_hours_netted_to_student_quarters, the participation marts' netting), joined on pseudo_id.
with counted as (

    select * from {{ ref('int_survey_responses_counted') }}

),

participation_per_year as (

    select
        pseudo_id,
        {{ quarter_year('quarter') }} as year,
        sum(case when net_hours > 0 then 1 else 0 end) as n_quarters_participated,
        sum(net_hours) as net_hours

    from {{ ref('int_hours_netted_to_student_quarters') }}
    group by pseudo_id, {{ quarter_year('quarter') }}

)

select
    counted.survey_year,
    counted.response_id,
    counted.pseudo_id,
    coalesce(participation_per_year.n_quarters_participated, 0) > 0 as has_participated,
    coalesce(participation_per_year.n_quarters_participated, 0) as n_quarters_participated,
    coalesce(participation_per_year.net_hours, 0) as net_hours_in_survey_year

from counted
left join participation_per_year
    on counted.pseudo_id = participation_per_year.pseudo_id
    and counted.survey_year = participation_per_year.year
