{#- K10 psychological distress (Kessler; codebook part A). Items k10_1..k10_10, 1 nooit … 5 altijd, no reverse
    items. 8–10 answered: score = mean of answered × 10 (1–2 missing items imputed with the person's own mean);
    fewer than 8: no score. Range 10–50. Bands (CBS) from the unrounded score:
    `laag` < 16 ≤ `matig` < 30 ≤ `hoog`.

    swm_k10(prefix='', score='k10_score') -> {'n_answered', 'score', 'band'}
      score: SQL expression on the item columns (qualified with `prefix`)
      band:  SQL expression on the column `score` (the unrounded score, computed in an earlier CTE) -#}
{% macro swm_k10(prefix='', score='k10_score') -%}
    {%- set items = swm_scale_items('k10', prefix=prefix) -%}
    {%- do return({
        'n_answered': swm_n_answered(items, 1, 5),
        'score': swm_mean_of_answered(items, 1, 5, min_answered=8, factor=10),
        'band': "(case when " ~ score ~ " < 16 then 'laag' when " ~ score ~ " < 30 then 'matig' when "
                ~ score ~ " >= 30 then 'hoog' end)",
    }) -%}
{%- endmacro %}
