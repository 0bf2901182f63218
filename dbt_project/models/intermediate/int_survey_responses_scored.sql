-- Every counted response with every scale's score and band (codebook; the rules live in macros/scoring/, one
-- macro per scale): scores from the item codes first, then bands and indicator flags from the unrounded scores.
-- Used by the wellbeing marts and by the individual feedback (restricted.student_feedback).
{%- set k10 = swm_k10() -%}
{%- set brs = swm_brs() -%}
{%- set djg = swm_djg() -%}
{%- set life_sat = swm_life_sat() -%}
{%- set ee = swm_ee() -%}
{%- set uwes = swm_uwes() -%}
{%- set belong = swm_belong() -%}
{%- set teacher = swm_teacher() -%}
{%- set study_stress = swm_study_stress() -%}
{%- set part_b = ['ssc_known', 'ssc_used', 'quit_intention', 'support_wanted'] %}

with counted as (

    select * from {{ ref('int_survey_responses_counted') }}

),

scored as (

    select
        survey_year,
        response_id,
        pseudo_id,
        submitted_at,
        programme_code,
        location,
        programme_location_key,
        domain,
        study_year,
        gender,
        international,
        first_generation,
        is_first_year,
        {{ k10.n_answered }} as k10_n_answered,
        {{ k10.score }} as k10_score,
        {{ brs.n_answered }} as brs_n_answered,
        {{ brs.score }} as brs_score,
        {{ djg.n_answered }} as djg_n_answered,
        {{ djg.score }} as djg_score,
        {{ djg.emotional }} as djg_emotional,
        {{ djg.social }} as djg_social,
        {{ life_sat.score }} as life_sat,
        {{ ee.n_answered }} as ee_n_answered,
        {{ ee.score }} as ee_score,
        {{ uwes.n_answered }} as uwes_n_answered,
        {{ uwes.score }} as uwes_score,
        {{ uwes.vigour }} as uwes_vigour,
        {{ uwes.dedication }} as uwes_dedication,
        {{ uwes.absorption }} as uwes_absorption,
        {{ belong.n_answered }} as belong_n_answered,
        {{ belong.score }} as belong_score,
        {{ teacher.n_answered }} as teacher_n_answered,
        {{ teacher.score }} as teacher_score,
        {{ study_stress.score }} as study_stress,
        {%- for item in part_b %}
        {{ swm_part_b(item).answer }} as {{ item }}{% if not loop.last %},{% endif %}
        {%- endfor %}

    from counted

),

banded as (

    select
        scored.*,
        {{ k10.band }} as k10_band,
        {{ brs.band }} as brs_band,
        {{ djg.band }} as djg_band,
        {{ life_sat.is_7plus }} as is_life_sat_7plus,
        {{ ee.band }} as ee_band,
        {{ belong.band }} as belong_band,
        {{ teacher.is_involved }} as is_teacher_involved,
        {{ study_stress.is_often }} as is_study_stress_often

    from scored

)

select
    survey_year,
    response_id,
    pseudo_id,
    submitted_at,
    programme_code,
    location,
    programme_location_key,
    domain,
    study_year,
    gender,
    international,
    first_generation,
    is_first_year,
    k10_n_answered,
    cast(k10_score as double precision) as k10_score,
    cast(k10_band as {{ dbt.type_string() }}) as k10_band,
    brs_n_answered,
    cast(brs_score as double precision) as brs_score,
    cast(brs_band as {{ dbt.type_string() }}) as brs_band,
    djg_n_answered,
    cast(djg_score as integer) as djg_score,
    cast(djg_band as {{ dbt.type_string() }}) as djg_band,
    cast(djg_emotional as integer) as djg_emotional,
    cast(djg_social as integer) as djg_social,
    cast(life_sat as integer) as life_sat,
    is_life_sat_7plus,
    ee_n_answered,
    cast(ee_score as double precision) as ee_score,
    cast(ee_band as {{ dbt.type_string() }}) as ee_band,
    uwes_n_answered,
    cast(uwes_score as double precision) as uwes_score,
    cast(uwes_vigour as double precision) as uwes_vigour,
    cast(uwes_dedication as double precision) as uwes_dedication,
    cast(uwes_absorption as double precision) as uwes_absorption,
    belong_n_answered,
    cast(belong_score as double precision) as belong_score,
    cast(belong_band as {{ dbt.type_string() }}) as belong_band,
    teacher_n_answered,
    cast(teacher_score as double precision) as teacher_score,
    is_teacher_involved,
    cast(study_stress as integer) as study_stress,
    is_study_stress_often,
    ssc_known,
    ssc_used,
    quit_intention,
    support_wanted

from banded
