-- Own counts win per quarter (docs/design.md): no quarter mixes own and DUO counts.
select quarter, count(distinct count_source) as n_sources
from {{ ref('int_student_counts_unioned') }}
group by quarter
having count(distinct count_source) > 1
