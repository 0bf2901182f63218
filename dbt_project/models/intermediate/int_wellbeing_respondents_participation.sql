-- Per counted response: did the student participate before answering? Net hours above zero in any of the four
-- calendar quarters up to and including the quarter of the response (`submitted_at`; that quarter counts
-- whole), with the participation marts' netting (int_hours_netted_to_student_quarters). Participation in later
-- quarters cannot have shaped the answers, so it does not make a participant. A quarter before the first hours
-- delivery counts as no hours (the window of the first survey year reaches back before it);
-- is_window_covered says whether all four quarters lie within the hours deliveries (int_quarters_covered).
with counted as (

    select
        survey_year,
        response_id,
        pseudo_id,
        {{ quarter_index(quarter_of('submitted_at')) }} as response_quarter_index

    from {{ ref('int_survey_responses_counted') }}

),

student_quarters as (

    select
        pseudo_id,
        {{ quarter_index('quarter') }} as quarter_index,
        net_hours

    from {{ ref('int_hours_netted_to_student_quarters') }}

),

covered_quarters as (

    select {{ quarter_index('quarter') }} as quarter_index
    from {{ ref('int_quarters_covered') }}
    where has_hours_data

),

windows_covered as (

    select
        counted.survey_year,
        counted.response_id,
        count(*) = 4 as is_window_covered

    from counted
    inner join covered_quarters
        on covered_quarters.quarter_index between counted.response_quarter_index - 3
            and counted.response_quarter_index
    group by counted.survey_year, counted.response_id

),

participation_before_response as (

    select
        counted.survey_year,
        counted.response_id,
        sum(case when student_quarters.net_hours > 0 then 1 else 0 end) as n_quarters_participated,
        sum(student_quarters.net_hours) as net_hours

    from counted
    inner join student_quarters
        on counted.pseudo_id = student_quarters.pseudo_id
        and student_quarters.quarter_index between counted.response_quarter_index - 3
            and counted.response_quarter_index
    group by counted.survey_year, counted.response_id

)

select
    counted.survey_year,
    counted.response_id,
    counted.pseudo_id,
    coalesce(participation_before_response.n_quarters_participated, 0) > 0 as has_participated,
    coalesce(participation_before_response.n_quarters_participated, 0) as n_quarters_participated,
    coalesce(participation_before_response.net_hours, 0) as net_hours_before_response,
    coalesce(windows_covered.is_window_covered, false) as is_window_covered

from counted
left join participation_before_response
    on counted.survey_year = participation_before_response.survey_year
    and counted.response_id = participation_before_response.response_id
left join windows_covered
    on counted.survey_year = windows_covered.survey_year
    and counted.response_id = windows_covered.response_id
