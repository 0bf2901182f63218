{#- Life satisfaction (single item `life_sat`, 0–10 ladder; codebook part A). Score = the answer.
    Indicator flag `7plus`: answer ≥ 7.

    swm_life_sat(prefix='', score='life_sat') -> {'score', 'is_7plus' (boolean on column `score`; null when
    unanswered)} -#}
{% macro swm_life_sat(prefix='', score='life_sat') -%}
    {%- do return({
        'score': swm_answer(prefix ~ 'life_sat', 0, 10),
        'is_7plus': "(" ~ score ~ " >= 7)",
    }) -%}
{%- endmacro %}
