{#- The wellbeing indicators of the codebook (warehouse contract, "Wellbeing marts"), in the codebook's order,
    each defined on the columns of int_survey_responses_scored (scores, bands and flags come from the scale
    macros: the thresholds live there, not here).

    kind `mean`: `value` is the score (null = no score); the indicator is the mean of the scores.
    kind `pct`:  `value` is a boolean (null = no score / no answer); the indicator is 100 × the share true
                 among respondents with a score or answer for that scale or item.
    `low` … `high`: the range of one respondent's value (the scale's range; 0 … 1 for a share), which bounds
    what an outsider can infer about a suppressed cell (disclosure control, docs/disclosure.md).
    `label_nl`, `label_en`, `direction` (higher_is_better, higher_is_worse, neutral): what readers see, through
    marts.dim_indicator (every chart, export and the data dictionary take the labels from there).

    `response_rate_pct` is not here: it is a count of respondents over students, not a respondent's value
    (see int_wellbeing_indicators_aggregated_to_groups). -#}
{% macro swm_indicators() -%}
    {%- do return([
        {'name': 'k10_mean',               'kind': 'mean', 'value': 'k10_score', 'low': 10, 'high': 50,
         'label_nl': 'Psychische klachten (K10), gemiddelde score 10–50',
         'label_en': 'Psychological distress (K10), mean score 10–50', 'direction': 'higher_is_worse'},
        {'name': 'k10_high_pct',           'kind': 'pct',  'value': "k10_band = 'hoog'", 'low': 0, 'high': 1,
         'label_nl': 'Hoge psychische klachten (K10 ≥ 30)',
         'label_en': 'High psychological distress (K10 ≥ 30)', 'direction': 'higher_is_worse'},
        {'name': 'brs_mean',               'kind': 'mean', 'value': 'brs_score', 'low': 1, 'high': 5,
         'label_nl': 'Veerkracht (BRS), gemiddelde 1–5',
         'label_en': 'Resilience (BRS), mean 1–5', 'direction': 'higher_is_better'},
        {'name': 'brs_low_pct',            'kind': 'pct',  'value': "brs_band = 'laag'", 'low': 0, 'high': 1,
         'label_nl': 'Lage veerkracht (BRS < 3)',
         'label_en': 'Low resilience (BRS < 3)', 'direction': 'higher_is_worse'},
        {'name': 'lonely_pct',             'kind': 'pct',  'value': "djg_band in ('matig eenzaam', 'sterk eenzaam')", 'low': 0, 'high': 1,
         'label_nl': 'Eenzaam (De Jong Gierveld ≥ 2)',
         'label_en': 'Lonely (De Jong Gierveld ≥ 2)', 'direction': 'higher_is_worse'},
        {'name': 'lonely_severe_pct',      'kind': 'pct',  'value': "djg_band = 'sterk eenzaam'", 'low': 0, 'high': 1,
         'label_nl': 'Sterk eenzaam (De Jong Gierveld ≥ 5)',
         'label_en': 'Severely lonely (De Jong Gierveld ≥ 5)', 'direction': 'higher_is_worse'},
        {'name': 'life_sat_mean',          'kind': 'mean', 'value': 'life_sat', 'low': 0, 'high': 10,
         'label_nl': 'Tevredenheid met het leven, gemiddelde 0–10',
         'label_en': 'Life satisfaction, mean 0–10', 'direction': 'higher_is_better'},
        {'name': 'life_sat_7plus_pct',     'kind': 'pct',  'value': 'is_life_sat_7plus', 'low': 0, 'high': 1,
         'label_nl': 'Tevredenheid met het leven 7 of hoger',
         'label_en': 'Life satisfaction 7 or higher', 'direction': 'higher_is_better'},
        {'name': 'ee_mean',                'kind': 'mean', 'value': 'ee_score', 'low': 1, 'high': 7,
         'label_nl': 'Emotionele uitputting, gemiddelde 1–7',
         'label_en': 'Emotional exhaustion, mean 1–7', 'direction': 'higher_is_worse'},
        {'name': 'ee_high_pct',            'kind': 'pct',  'value': "ee_band = 'verhoogd'", 'low': 0, 'high': 1,
         'label_nl': 'Verhoogde emotionele uitputting',
         'label_en': 'Elevated emotional exhaustion', 'direction': 'higher_is_worse'},
        {'name': 'uwes_mean',              'kind': 'mean', 'value': 'uwes_score', 'low': 0, 'high': 6,
         'label_nl': 'Studiebetrokkenheid (UWES-9S), gemiddelde 0–6',
         'label_en': 'Study engagement (UWES-9S), mean 0–6', 'direction': 'higher_is_better'},
        {'name': 'belong_mean',            'kind': 'mean', 'value': 'belong_score', 'low': 1, 'high': 5,
         'label_nl': 'Verbondenheid met de opleiding, gemiddelde 1–5',
         'label_en': 'Sense of belonging, mean 1–5', 'direction': 'higher_is_better'},
        {'name': 'belong_low_pct',         'kind': 'pct',  'value': "belong_band = 'laag'", 'low': 0, 'high': 1,
         'label_nl': 'Weinig verbondenheid met de opleiding',
         'label_en': 'Low sense of belonging', 'direction': 'higher_is_worse'},
        {'name': 'teacher_mean',           'kind': 'mean', 'value': 'teacher_score', 'low': 1, 'high': 5,
         'label_nl': 'Betrokkenheid van docenten, gemiddelde 1–5',
         'label_en': 'Teacher involvement, mean 1–5', 'direction': 'higher_is_better'},
        {'name': 'teacher_involved_pct',   'kind': 'pct',  'value': 'is_teacher_involved', 'low': 0, 'high': 1,
         'label_nl': 'Docenten betrokken (gemiddelde ≥ 4)',
         'label_en': 'Teachers involved (mean ≥ 4)', 'direction': 'higher_is_better'},
        {'name': 'study_stress_often_pct', 'kind': 'pct',  'value': 'is_study_stress_often', 'low': 0, 'high': 1,
         'label_nl': 'Vaak of altijd studiestress',
         'label_en': 'Study stress often or always', 'direction': 'higher_is_worse'},
        {'name': 'ssc_known_pct',          'kind': 'pct',  'value': 'ssc_known', 'low': 0, 'high': 1,
         'label_nl': 'Kent het Studentsucces Centrum',
         'label_en': 'Knows the Student Success Centre', 'direction': 'neutral'},
        {'name': 'ssc_used_pct',           'kind': 'pct',  'value': 'ssc_used', 'low': 0, 'high': 1,
         'label_nl': 'Gebruikte het Studentsucces Centrum',
         'label_en': 'Used the Student Success Centre', 'direction': 'neutral'},
        {'name': 'quit_intention_pct',     'kind': 'pct',  'value': 'quit_intention', 'low': 0, 'high': 1,
         'label_nl': 'Overwoog te stoppen met de opleiding',
         'label_en': 'Considered quitting the programme', 'direction': 'higher_is_worse'},
        {'name': 'support_wanted_pct',     'kind': 'pct',  'value': 'support_wanted', 'low': 0, 'high': 1,
         'label_nl': 'Wil ondersteuning bij welzijn',
         'label_en': 'Wants support with wellbeing', 'direction': 'neutral'},
    ]) -%}
{%- endmacro %}

{#- response_rate_pct as dim_indicator describes it (a count of respondents over students: no respondent value,
    so not among the codebook's indicators above). -#}
{% macro swm_response_rate_indicator() -%}
    {%- do return({'name': 'response_rate_pct', 'kind': 'pct', 'low': 0, 'high': 1,
                   'label_nl': 'Respons (% van de studenten)', 'label_en': 'Response rate (% of students)',
                   'direction': 'higher_is_better'}) -%}
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
