{#- Emotional exhaustion (student burnout inventory, exhaustion subscale; codebook part A). Items ee_1..ee_5,
    1 nooit … 7 elke dag. 4–5 answered: mean of answered; otherwise none. Bands from the unrounded score:
    `normaal` < 3.21 ≤ `verhoogd`.

    swm_ee(prefix='', score='ee_score') -> {'n_answered', 'score', 'band'} (see swm_k10) -#}
{% macro swm_ee(prefix='', score='ee_score') -%}
    {%- set items = swm_scale_items('ee', prefix=prefix) -%}
    {%- do return({
        'n_answered': swm_n_answered(items, 1, 7),
        'score': swm_mean_of_answered(items, 1, 7, min_answered=4),
        'band': "(case when " ~ score ~ " < 3.21 then 'normaal' when " ~ score ~ " >= 3.21 then 'verhoogd' end)",
    }) -%}
{%- endmacro %}
