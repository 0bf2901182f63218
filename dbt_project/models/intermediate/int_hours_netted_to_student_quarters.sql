-- Net hours per student × quarter: all timesheet lines of the quarter (by work_date) added up, corrections
-- (negative lines) included.
select
    pseudo_id,
    quarter,
    sum(hours) as net_hours,
    count(*) as n_lines

from {{ ref('stg_participation__hours') }}
group by pseudo_id, quarter
