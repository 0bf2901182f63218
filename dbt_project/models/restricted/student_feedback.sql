-- Individual feedback (codebook, "Individual feedback and referrals"): one row per counted response with every
-- scale's score and band and the referrals (codes in the codebook's order, joined by `,`; macro swm_referrals).
-- Individual-level: schema `restricted`, never exported to BI (exports/restricted/ only).
with scored as (

    select * from {{ ref('int_survey_responses_scored') }}

)

select
    cast(survey_year as integer) as survey_year,
    cast(response_id as {{ dbt.type_string() }}) as response_id,
    cast(pseudo_id as {{ dbt.type_string() }}) as pseudo_id,
    cast(k10_score as double precision) as k10_score,
    cast(k10_band as {{ dbt.type_string() }}) as k10_band,
    cast(brs_score as double precision) as brs_score,
    cast(brs_band as {{ dbt.type_string() }}) as brs_band,
    cast(djg_score as integer) as djg_score,
    cast(djg_band as {{ dbt.type_string() }}) as djg_band,
    cast(ee_score as double precision) as ee_score,
    cast(ee_band as {{ dbt.type_string() }}) as ee_band,
    cast(belong_score as double precision) as belong_score,
    cast(belong_band as {{ dbt.type_string() }}) as belong_band,
    cast(uwes_score as double precision) as uwes_score,
    cast(teacher_score as double precision) as teacher_score,
    cast(life_sat as integer) as life_sat,
    cast({{ swm_referrals() }} as {{ dbt.type_string() }}) as referrals

from scored
