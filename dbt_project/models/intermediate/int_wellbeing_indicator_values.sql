-- One row per counted response × codebook indicator (macro swm_indicators): the respondent's value, a score
-- (kind `mean`) or 1/0 (kind `pct`); null when the respondent has no score or answer for that scale or item.
-- Both wellbeing marts aggregate this, so every indicator has one definition. Keyed by response_id only: the
-- pseudonym is not repeated on ~20 rows per response (at scale 50, 7 M rows; both marts join on response_id).
with scored as (

    select * from {{ ref('int_survey_responses_scored') }}

)

{% for indicator in swm_indicators() -%}
select
    survey_year,
    response_id,
    cast('{{ indicator.name }}' as {{ dbt.type_string() }}) as indicator,
    cast('{{ indicator.kind }}' as {{ dbt.type_string() }}) as indicator_kind,
    {{ swm_indicator_value(indicator) }} as value

from scored
{% if not loop.last %}
union all

{% endif -%}
{%- endfor %}
