{#- Study stress (single item `study_stress`, 1 nooit · 2 zelden · 3 soms · 4 vaak · 5 altijd; codebook part A).
    Score = the answer. Indicator flag `often`: answer ≥ 4 (vaak or altijd).

    swm_study_stress(prefix='', score='study_stress') -> {'score', 'is_often' (boolean on column `score`)} -#}
{% macro swm_study_stress(prefix='', score='study_stress') -%}
    {%- do return({
        'score': swm_answer(prefix ~ 'study_stress', 1, 5),
        'is_often': "(" ~ score ~ " >= 4)",
    }) -%}
{%- endmacro %}
