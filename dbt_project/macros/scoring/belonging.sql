{#- Belonging (project scale; codebook part A). Items belong_1..belong_4, 1 helemaal oneens … 5 helemaal eens.
    Reverse item 4 ("I often feel an outsider in my programme": x -> 6 − x). 3–4 answered: mean after reversal;
    otherwise none. Bands from the unrounded score: `laag` < 3 ≤ `normaal`.

    swm_belong(prefix='', score='belong_score') -> {'n_answered', 'score', 'band'} (see swm_k10) -#}
{% macro swm_belong(prefix='', score='belong_score') -%}
    {%- set items = swm_scale_items('belong', prefix=prefix) -%}
    {%- do return({
        'n_answered': swm_n_answered(items, 1, 5),
        'score': swm_mean_of_answered(items, 1, 5, min_answered=3,
                                      reverse_items=swm_scale_items('belong', [4], prefix=prefix)),
        'band': "(case when " ~ score ~ " < 3 then 'laag' when " ~ score ~ " >= 3 then 'normaal' end)",
    }) -%}
{%- endmacro %}
