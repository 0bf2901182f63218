-- Participation per calendar quarter × location (warehouse contract).
-- Disclosure control, the percentages and `no_data` are applied for all levels together in
-- int_participation_levels_controlled (docs/disclosure.md).

with controlled as (

    select * from {{ ref('int_participation_levels_controlled') }}
    where level = 'location'

)

select
    quarter,
    quarter_start,
    location,
    n_students,
    n_available,
    n_participated,
    hours_total,
    pct_available,
    pct_participated,
    suppressed,
    suppression_reason,
    hours_suppressed,
    hours_suppression_reason,
    has_hours_data,
    has_pool_data,
    n_students_incomplete

from controlled
