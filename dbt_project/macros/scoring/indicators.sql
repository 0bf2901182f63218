{#- The wellbeing indicators of the codebook (warehouse contract, "Wellbeing marts"), in the codebook's order,
    each defined on the columns of int_survey_responses_scored (scores, bands and flags come from the scale
    macros: the thresholds live there, not here).

    kind `mean`: `value` is the score (null = no score); the indicator is the mean of the scores.
    kind `pct`:  `value` is a boolean (null = no score / no answer); the indicator is 100 × the share true
                 among respondents with a score or answer for that scale or item.
    `low` … `high`: the range of one respondent's value (the scale's range; 0 … 1 for a share), which bounds
    what an outsider can infer about a suppressed cell (disclosure control, docs/disclosure.md).

    `response_rate_pct` is not here: it is a count of respondents over students, not a respondent's value
    (see int_wellbeing_indicators_aggregated_to_groups). -#}
{% macro swm_indicators() -%}
    {%- do return([
        {'name': 'k10_mean',               'kind': 'mean', 'value': 'k10_score', 'low': 10, 'high': 50},
        {'name': 'k10_high_pct',           'kind': 'pct',  'value': "k10_band = 'hoog'", 'low': 0, 'high': 1},
        {'name': 'brs_mean',               'kind': 'mean', 'value': 'brs_score', 'low': 1, 'high': 5},
        {'name': 'brs_low_pct',            'kind': 'pct',  'value': "brs_band = 'laag'", 'low': 0, 'high': 1},
        {'name': 'lonely_pct',             'kind': 'pct',  'value': "djg_band in ('matig eenzaam', 'sterk eenzaam')", 'low': 0, 'high': 1},
        {'name': 'lonely_severe_pct',      'kind': 'pct',  'value': "djg_band = 'sterk eenzaam'", 'low': 0, 'high': 1},
        {'name': 'life_sat_mean',          'kind': 'mean', 'value': 'life_sat', 'low': 0, 'high': 10},
        {'name': 'life_sat_7plus_pct',     'kind': 'pct',  'value': 'is_life_sat_7plus', 'low': 0, 'high': 1},
        {'name': 'ee_mean',                'kind': 'mean', 'value': 'ee_score', 'low': 1, 'high': 7},
        {'name': 'ee_high_pct',            'kind': 'pct',  'value': "ee_band = 'verhoogd'", 'low': 0, 'high': 1},
        {'name': 'uwes_mean',              'kind': 'mean', 'value': 'uwes_score', 'low': 0, 'high': 6},
        {'name': 'belong_mean',            'kind': 'mean', 'value': 'belong_score', 'low': 1, 'high': 5},
        {'name': 'belong_low_pct',         'kind': 'pct',  'value': "belong_band = 'laag'", 'low': 0, 'high': 1},
        {'name': 'teacher_mean',           'kind': 'mean', 'value': 'teacher_score', 'low': 1, 'high': 5},
        {'name': 'teacher_involved_pct',   'kind': 'pct',  'value': 'is_teacher_involved', 'low': 0, 'high': 1},
        {'name': 'study_stress_often_pct', 'kind': 'pct',  'value': 'is_study_stress_often', 'low': 0, 'high': 1},
        {'name': 'ssc_known_pct',          'kind': 'pct',  'value': 'ssc_known', 'low': 0, 'high': 1},
        {'name': 'ssc_used_pct',           'kind': 'pct',  'value': 'ssc_used', 'low': 0, 'high': 1},
        {'name': 'quit_intention_pct',     'kind': 'pct',  'value': 'quit_intention', 'low': 0, 'high': 1},
        {'name': 'support_wanted_pct',     'kind': 'pct',  'value': 'support_wanted', 'low': 0, 'high': 1},
    ]) -%}
{%- endmacro %}

{#- Every indicator name of marts.wellbeing_indicators (the codebook's, then response_rate_pct). -#}
{% macro swm_indicator_names(with_response_rate=true) -%}
    {%- set names = [] -%}
    {%- for indicator in swm_indicators() -%}
        {%- do names.append(indicator.name) -%}
    {%- endfor -%}
    {%- if with_response_rate -%}
        {%- do names.append('response_rate_pct') -%}
    {%- endif -%}
    {%- do return(names) -%}
{%- endmacro %}

{#- A respondent's value for one indicator as a number: the score (mean) or 1/0 (pct); null when the respondent
    has no score or answer for it. -#}
{% macro swm_indicator_value(indicator) -%}
    {%- if indicator.kind == 'mean' -%}
    cast({{ indicator.value }} as double precision)
    {%- else -%}
    (case when {{ indicator.value }} then 1.0 when not ({{ indicator.value }}) then 0.0 end)
    {%- endif -%}
{%- endmacro %}
