{#- Teacher involvement (project scale; codebook part A). Items teacher_1..teacher_3, 1 helemaal oneens … 5
    helemaal eens. All 3 answered: mean; otherwise none. Indicator flag `involved`: mean ≥ 4.

    swm_teacher(prefix='', score='teacher_score') -> {'n_answered', 'score', 'is_involved' (boolean on column
    `score`; null without a score)} -#}
{% macro swm_teacher(prefix='', score='teacher_score') -%}
    {%- set items = swm_scale_items('teacher', prefix=prefix) -%}
    {%- do return({
        'n_answered': swm_n_answered(items, 1, 5),
        'score': swm_mean_of_answered(items, 1, 5, min_answered=3),
        'is_involved': "(" ~ score ~ " >= 4)",
    }) -%}
{%- endmacro %}
