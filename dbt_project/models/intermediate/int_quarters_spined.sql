-- Every calendar quarter from the first to the last quarter that has student counts, hours or a pool
-- registration date (no gaps): the calendar the participation models and dim_quarter use.
-- is_within_participation_data: up to the last quarter of the staffing agency's data (hours, pool dates);
-- a pool registration still open runs to there, not into quarters the agency has not reported on yet.
with quarter_indexes as (

    select {{ quarter_index('quarter') }} as quarter_index, false as is_participation_data
    from {{ ref('int_student_counts_unioned') }}

    union all

    select {{ quarter_index('quarter') }}, true
    from {{ ref('stg_participation__hours') }}

    union all

    select {{ quarter_index(quarter_of('available_from')) }}, true
    from {{ ref('stg_participation__pool') }}

    union all

    select {{ quarter_index(quarter_of('available_until')) }}, true
    from {{ ref('stg_participation__pool') }}
    where available_until is not null

),

bounds as (

    select
        min(quarter_index) as first_index,
        max(quarter_index) as last_index,
        max(case when is_participation_data then quarter_index end) as last_participation_index

    from quarter_indexes

),

series as (

    -- up to 200 years of quarters
    {{ dbt.generate_series(800) }}

),

offsets as (

    -- an integer (generate_series computes it with power(), a double on PostgreSQL)
    select cast(generated_number as {{ dbt.type_bigint() }}) - 1 as quarter_offset
    from series

),

spine as (

    select
        bounds.first_index + offsets.quarter_offset as quarter_index,
        coalesce(
            bounds.first_index + offsets.quarter_offset <= bounds.last_participation_index, false
        ) as is_within_participation_data

    from bounds
    cross join offsets
    where bounds.first_index + offsets.quarter_offset <= bounds.last_index

),

quarters as (

    select
        {{ quarter_from_index('quarter_index') }} as quarter,
        quarter_index,
        is_within_participation_data

    from spine

)

select
    quarter,
    quarter_index,
    {{ quarter_start('quarter') }} as quarter_start,
    {{ quarter_end('quarter') }} as quarter_end,
    {{ quarter_year('quarter') }} as year,
    {{ quarter_number('quarter') }} as quarter_number,
    is_within_participation_data

from quarters
