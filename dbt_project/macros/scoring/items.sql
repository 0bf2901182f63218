{#- The SWM codebook's items (docs/survey-codebook.md) and the building blocks every scale macro uses.
    Python twin of the item list: expectations/survey_codebook.py (PART_A_ITEMS, PART_B_ITEMS); keep in step.

    "Answered" (codebook) means a valid, non-empty answer: an item counts only when its code lies in the
    scale's range; anything else (null, or an out-of-range code that slipped past the landing checks) is
    unanswered. Every expression is portable SQL (no DuckDB-only functions). -#}

{#- scale prefix -> number of items, lowest and highest valid code (raw codes; DJG 1 ja / 2 min of meer /
    3 nee; part B 1 ja / 0 nee). -#}
{% macro swm_scales() -%}
    {%- do return({
        'k10':     {'n_items': 10, 'lo': 1, 'hi': 5},
        'brs':     {'n_items': 6,  'lo': 1, 'hi': 5},
        'djg':     {'n_items': 6,  'lo': 1, 'hi': 3},
        'ee':      {'n_items': 5,  'lo': 1, 'hi': 7},
        'uwes':    {'n_items': 9,  'lo': 0, 'hi': 6},
        'belong':  {'n_items': 4,  'lo': 1, 'hi': 5},
        'teacher': {'n_items': 3,  'lo': 1, 'hi': 5},
    }) -%}
{%- endmacro %}

{#- single items: name -> lowest and highest valid code -#}
{% macro swm_single_items() -%}
    {%- do return({
        'life_sat':       {'lo': 0, 'hi': 10},
        'study_stress':   {'lo': 1, 'hi': 5},
        'ssc_known':      {'lo': 0, 'hi': 1},
        'ssc_used':       {'lo': 0, 'hi': 1},
        'quit_intention': {'lo': 0, 'hi': 1},
        'support_wanted': {'lo': 0, 'hi': 1},
    }) -%}
{%- endmacro %}

{#- Item column names of one scale, optionally only some item numbers, optionally qualified (`prefix.`). -#}
{% macro swm_scale_items(scale, numbers=none, prefix='') -%}
    {%- set n_items = swm_scales()[scale]['n_items'] -%}
    {%- set items = [] -%}
    {%- for number in (numbers if numbers is not none else range(1, n_items + 1)) -%}
        {%- do items.append(prefix ~ scale ~ '_' ~ number) -%}
    {%- endfor -%}
    {%- do return(items) -%}
{%- endmacro %}

{#- Every item column of raw.survey_responses, in the codebook's order (part A scales, single items, part B). -#}
{% macro swm_items() -%}
    {%- set items = [] -%}
    {%- for scale in ['k10', 'brs', 'djg', 'ee', 'uwes', 'belong', 'teacher'] -%}
        {%- do items.extend(swm_scale_items(scale)) -%}
    {%- endfor -%}
    {%- do items.extend(['life_sat', 'study_stress', 'ssc_known', 'ssc_used', 'quit_intention', 'support_wanted']) -%}
    {%- do return(items) -%}
{%- endmacro %}

{#- The answer of one item when answered (code lo..hi), else null; `reverse`: x -> lo + hi − x (1..5: 6 − x). -#}
{% macro swm_answer(column, lo, hi, reverse=false) -%}
    (case when {{ column }} between {{ lo }} and {{ hi }} then
        {%- if reverse %} {{ lo + hi }} - {{ column }}{% else %} {{ column }}{% endif %} end)
{%- endmacro %}

{#- Number of answered items. -#}
{% macro swm_n_answered(items, lo, hi) -%}
    ({% for item in items %}{% if not loop.first %} + {% endif %}(case when {{ item }} between {{ lo }} and {{ hi }} then 1 else 0 end){% endfor %})
{%- endmacro %}

{#- Sum of the answered items (after reversal of `reverse_items`); unanswered items add nothing. -#}
{% macro swm_sum_answered(items, lo, hi, reverse_items=[]) -%}
    ({% for item in items %}{% if not loop.first %} + {% endif %}coalesce({{ swm_answer(item, lo, hi, item in reverse_items) }}, 0){% endfor %})
{%- endmacro %}

{#- factor × mean of the answered items when at least `min_answered` are answered, else null. Written as
    factor × sum / n (not mean × factor) so a score exactly on a band boundary (K10 160 / 10 = 16) is exact
    in floating point. -#}
{% macro swm_mean_of_answered(items, lo, hi, min_answered, reverse_items=[], factor=1) -%}
    (case when {{ swm_n_answered(items, lo, hi) }} >= {{ min_answered }}
          then cast({{ swm_sum_answered(items, lo, hi, reverse_items) }} as double precision)
               {%- if factor != 1 %} * {{ factor }}{% endif %} / {{ swm_n_answered(items, lo, hi) }}
     end)
{%- endmacro %}
