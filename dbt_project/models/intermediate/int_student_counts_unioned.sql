-- Student counts per quarter × programme × location from one source per quarter: the institution's own
-- counts where students/ has any row for the quarter, else DUO's (docs/design.md: own counts win per quarter;
-- mixing two sources with different location mappings in one quarter would double count).
-- n_students is null where DUO suppressed a cell (unknown).
with own_counts as (

    select
        quarter,
        programme_code,
        location,
        n_students,
        'own' as count_source

    from {{ ref('stg_students__counts') }}

),

duo_counts as (

    select
        quarter,
        programme_code,
        location,
        n_students,
        'duo' as count_source

    from {{ ref('int_duo_enrolment_spread_to_quarters') }} as duo
    where not exists (
        select 1 from own_counts where own_counts.quarter = duo.quarter
    )

)

select * from own_counts

union all

select * from duo_counts
