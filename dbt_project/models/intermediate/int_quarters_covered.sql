-- Per quarter of the calendar (int_quarters_spined): whether each participation source has data for it. A
-- quarter before a source's first quarter with data or after its last has none: its numbers are unknown, not 0
-- (the marts publish null there, with suppression_reason `no_data`). A quarter between them without a single
-- line is a real zero.
with quarters as (

    select * from {{ ref('int_quarters_spined') }}

),

hours_span as (

    select
        min({{ quarter_index('quarter') }}) as first_index,
        max({{ quarter_index('quarter') }}) as last_index

    from {{ ref('stg_participation__hours') }}

),

pool_span as (

    select
        min(quarters.quarter_index) as first_index,
        max(quarters.quarter_index) as last_index

    from {{ ref('int_pool_registrations_spread_to_quarters') }} as pool
    inner join quarters
        on pool.quarter = quarters.quarter

)

select
    quarters.quarter,
    coalesce(
        quarters.quarter_index >= hours_span.first_index and quarters.quarter_index <= hours_span.last_index, false
    ) as has_hours_data,
    coalesce(
        quarters.quarter_index >= pool_span.first_index and quarters.quarter_index <= pool_span.last_index, false
    ) as has_pool_data

from quarters
cross join hours_span
cross join pool_span
