-- Net hours per student × quarter: all timesheet lines of the quarter (by work_date) added up, corrections
-- (negative lines) included; and the programme × location of the student's latest line in the quarter (by
-- work_date, then record_id), which int_student_quarters_attributed attributes the student to. One pass over
-- the timesheet lines for both (at national scale a second pass for the latest line cost as much again).
{{ latest_per_group(ref('stg_participation__hours'), ['pseudo_id', 'quarter'], ['work_date', 'record_id'],
                    ['programme_code', 'location'],
                    {'net_hours': 'sum(hours)', 'n_lines': 'count(*)'}) }}
