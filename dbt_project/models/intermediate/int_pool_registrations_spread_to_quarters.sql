-- One row per pool registration × calendar quarter it overlaps. A registration still open
-- (available_until null) runs to the last quarter of the agency's data (hours or pool dates; see
-- int_quarters_spined), not into later quarters that only have student counts.
with pool as (

    select * from {{ ref('stg_participation__pool') }}

),

quarters as (

    select * from {{ ref('int_quarters_spined') }}

)

select
    pool.pseudo_id,
    quarters.quarter,
    pool.programme_code,
    pool.location,
    pool.available_from,
    pool.available_until

from pool
inner join quarters
    on pool.available_from <= quarters.quarter_end
    and (pool.available_until is null or pool.available_until >= quarters.quarter_start)
    and quarters.is_within_participation_data
