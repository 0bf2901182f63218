{#- BRS resilience (Smith et al. 2008; codebook part A). Items brs_1..brs_6, 1 helemaal oneens … 5 helemaal eens.
    Reverse items 2, 4, 6 (x -> 6 − x). 5–6 answered: score = mean of answered after reversal; otherwise none.
    Range 1–5. Bands from the unrounded score: `laag` < 3.00 ≤ `normaal` ≤ 4.30 < `hoog`.

    swm_brs(prefix='', score='brs_score') -> {'n_answered', 'score', 'band'} (see swm_k10) -#}
{% macro swm_brs(prefix='', score='brs_score') -%}
    {%- set items = swm_scale_items('brs', prefix=prefix) -%}
    {%- set reversed = swm_scale_items('brs', [2, 4, 6], prefix=prefix) -%}
    {%- do return({
        'n_answered': swm_n_answered(items, 1, 5),
        'score': swm_mean_of_answered(items, 1, 5, min_answered=5, reverse_items=reversed),
        'band': "(case when " ~ score ~ " < 3.00 then 'laag' when " ~ score ~ " <= 4.30 then 'normaal' when "
                ~ score ~ " > 4.30 then 'hoog' end)",
    }) -%}
{%- endmacro %}
