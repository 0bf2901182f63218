{#- UWES-9S study engagement (codebook part A). Items uwes_1..uwes_9, 0 nooit … 6 altijd. 7–9 answered: mean of
    answered; otherwise none. Subscales (means, all 3 items needed): vigour 1, 2, 5; dedication 3, 4, 7;
    absorption 6, 8, 9. No bands (indicator `uwes_mean`).

    swm_uwes(prefix='') -> {'n_answered', 'score', 'vigour', 'dedication', 'absorption'} -#}
{% macro swm_uwes(prefix='') -%}
    {%- set items = swm_scale_items('uwes', prefix=prefix) -%}
    {%- do return({
        'n_answered': swm_n_answered(items, 0, 6),
        'score': swm_mean_of_answered(items, 0, 6, min_answered=7),
        'vigour': swm_mean_of_answered(swm_scale_items('uwes', [1, 2, 5], prefix=prefix), 0, 6, min_answered=3),
        'dedication': swm_mean_of_answered(swm_scale_items('uwes', [3, 4, 7], prefix=prefix), 0, 6, min_answered=3),
        'absorption': swm_mean_of_answered(swm_scale_items('uwes', [6, 8, 9], prefix=prefix), 0, 6, min_answered=3),
    }) -%}
{%- endmacro %}
