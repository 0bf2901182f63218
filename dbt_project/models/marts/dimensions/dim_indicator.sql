-- The wellbeing indicators (key `indicator`) as readers see them: labels, unit, scale, which way is better, and
-- the survey years in which someone answered them. Labels and directions come from the codebook's indicators
-- (macro swm_indicators), the one place charts, exports and the data dictionary take them from.
{%- set indicators = swm_indicators() + [swm_response_rate_indicator()] %}
with codebook as (

    {%- for indicator in indicators %}
    select
        {{ loop.index }} as sort_order,
        '{{ indicator.name }}' as indicator,
        '{{ indicator.label_nl }}' as label_nl,
        '{{ indicator.label_en }}' as label_en,
        '{{ indicator.kind }}' as kind,
        {{ indicator.low if indicator.kind == 'mean' else 0 }} as scale_low,
        {{ indicator.high if indicator.kind == 'mean' else 100 }} as scale_high,
        '{{ indicator.direction }}' as direction
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

answered as (

    select distinct survey_year, indicator
    from {{ ref('int_wellbeing_indicators_aggregated_to_groups') }}
    where level = 'institution' and n_respondents > 0

),

years as (

    select
        indicator,
        min(survey_year) as first_survey_year,
        max(survey_year) as last_survey_year,
        {{ dbt.listagg('cast(survey_year as ' ~ dbt.type_string() ~ ')', "', '", 'order by survey_year') }}
            as survey_years_answered

    from answered
    group by indicator

)

select
    cast(codebook.indicator as {{ dbt.type_string() }}) as indicator,
    cast(codebook.sort_order as integer) as sort_order,
    cast(codebook.label_nl as {{ dbt.type_string() }}) as label_nl,
    cast(codebook.label_en as {{ dbt.type_string() }}) as label_en,
    cast(case when codebook.kind = 'mean' then 'score' else 'percent' end as {{ dbt.type_string() }}) as unit,
    cast(codebook.scale_low as double precision) as scale_low,
    cast(codebook.scale_high as double precision) as scale_high,
    cast(codebook.direction as {{ dbt.type_string() }}) as direction,
    cast(years.first_survey_year as integer) as first_survey_year,
    cast(years.last_survey_year as integer) as last_survey_year,
    cast(years.survey_years_answered as {{ dbt.type_string() }}) as survey_years_answered

from codebook
left join years
    on codebook.indicator = years.indicator
