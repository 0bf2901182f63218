{#- DJG-6 loneliness (De Jong Gierveld, 6-item; codebook part A). Items djg_1..djg_6 coded 1 ja, 2 min of meer,
    3 nee. Negative items 1, 4, 6: `ja` or `min of meer` -> 1. Positive items 2, 3, 5: `nee` or `min of meer`
    -> 1. Else 0. Total = sum over answered items when at most 1 item is missing (no imputation); otherwise
    none. Emotional subscale = items 1, 4, 6, social = items 2, 3, 5 (none if any of its items is missing).
    Bands: `niet eenzaam` 0–1 · `matig eenzaam` 2–4 · `sterk eenzaam` 5–6.

    swm_djg(prefix='', score='djg_score')
      -> {'n_answered', 'score' (total), 'emotional', 'social', 'band' (on column `score`)} -#}
{% macro swm_djg(prefix='', score='djg_score') -%}
    {%- set negative = swm_scale_items('djg', [1, 4, 6], prefix=prefix) -%}
    {%- set positive = swm_scale_items('djg', [2, 3, 5], prefix=prefix) -%}
    {%- set items = swm_scale_items('djg', prefix=prefix) -%}
    {%- do return({
        'n_answered': swm_n_answered(items, 1, 3),
        'score': swm_djg_sum(items, negative, min_answered=5),
        'emotional': swm_djg_sum(negative, negative, min_answered=3),
        'social': swm_djg_sum(positive, negative, min_answered=3),
        'band': "(case when " ~ score ~ " <= 1 then 'niet eenzaam' when " ~ score ~ " <= 4 then 'matig eenzaam' when "
                ~ score ~ " >= 5 then 'sterk eenzaam' end)",
    }) -%}
{%- endmacro %}

{#- The lonely point of one DJG item (1, 0, or null when unanswered). -#}
{% macro swm_djg_point(item, is_negative) -%}
    {%- if is_negative -%}
    (case when {{ item }} in (1, 2) then 1 when {{ item }} = 3 then 0 end)
    {%- else -%}
    (case when {{ item }} in (2, 3) then 1 when {{ item }} = 1 then 0 end)
    {%- endif -%}
{%- endmacro %}

{#- Sum of the lonely points of `items` when at least `min_answered` of them are answered, else null. -#}
{% macro swm_djg_sum(items, negative_items, min_answered) -%}
    (case when {{ swm_n_answered(items, 1, 3) }} >= {{ min_answered }} then
        {% for item in items %}{% if not loop.first %} + {% endif %}coalesce({{ swm_djg_point(item, item in negative_items) }}, 0){% endfor %}
     end)
{%- endmacro %}
