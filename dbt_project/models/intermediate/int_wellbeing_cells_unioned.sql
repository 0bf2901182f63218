-- The wellbeing marts' cells for disclosure control (docs/disclosure.md): one row per survey year × indicator ×
-- cell, every level of wellbeing_indicators with the participants / non-participants of
-- wellbeing_by_participation (level `comparison`, their sum is the institution's row) and of
-- wellbeing_by_participation_and_domain (level `comparison_domain`, group_name `participants:<domain>`, their sum
-- the domain's row). The input of disclosure control, int_wellbeing_cells_protected, which the wellbeing marts
-- join.
--  * pattern = measure = the indicator: one suppression pattern per survey year and indicator
--  * value: the cell as a total: mean × respondents (a sum of scores) or share × respondents (yes-answers);
--    0 without respondents; null for response_rate_pct (no respondent's value behind it: the primary rule only)
--  * base: respondents with a score or answer for the indicator
--  * unit_low / unit_high: one respondent's possible value (the scale's range; 0 … 1 for a share), from the
--    codebook's indicators (macro swm_indicators)
{{ config(tags=['disclosure_cells']) }}
{%- set indicators = swm_indicators() %}
with indicator_ranges as (

    {%- for indicator in indicators %}
    select
        '{{ indicator.name }}' as indicator,
        '{{ indicator.kind }}' as indicator_kind,
        {{ indicator.low }} as unit_low,
        {{ indicator.high }} as unit_high
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

groups as (

    select
        aggregated.survey_year,
        aggregated.level,
        {{ wellbeing_cell_group_name('aggregated.level', 'aggregated.group_name', 'aggregated.domain') }}
            as group_name,
        aggregated.location,
        aggregated.domain,
        aggregated.indicator,
        aggregated.n_respondents,
        case
            when ranges.indicator is null then null
            when aggregated.n_respondents = 0 then 0
            when ranges.indicator_kind = 'mean' then aggregated.value * aggregated.n_respondents
            else aggregated.value * aggregated.n_respondents / 100
        end as value,
        coalesce(ranges.unit_low, 0) as unit_low,
        coalesce(ranges.unit_high, 1) as unit_high

    from {{ ref('int_wellbeing_indicators_aggregated_to_groups') }} as aggregated
    left join indicator_ranges as ranges
        on aggregated.indicator = ranges.indicator

),

comparison as (

    select
        compared.survey_year,
        compared.cell_level as level,
        compared.cell_group_name as group_name,
        null as location,
        compared.domain,
        compared.indicator,
        compared.n_respondents,
        compared.value_sum as value,
        ranges.unit_low,
        ranges.unit_high

    from {{ ref('int_wellbeing_respondents_compared') }} as compared
    inner join indicator_ranges as ranges
        on compared.indicator = ranges.indicator

),

cells as (

    select * from groups
    union all
    select * from comparison

)

select
    cast('wellbeing' as {{ dbt.type_string() }}) as family,
    cast(survey_year as {{ dbt.type_string() }}) as period,
    cast(indicator as {{ dbt.type_string() }}) as pattern,
    cast(indicator as {{ dbt.type_string() }}) as measure,
    cast(level as {{ dbt.type_string() }}) as level,
    cast(group_name as {{ dbt.type_string() }}) as group_name,
    cast(location as {{ dbt.type_string() }}) as location,
    cast(domain as {{ dbt.type_string() }}) as domain,
    cast(n_respondents as double precision) as base,
    cast(value as double precision) as value,
    cast(unit_low as double precision) as unit_low,
    cast(unit_high as double precision) as unit_high,
    cast(null as integer) as n_contributors,
    cast(null as double precision) as largest,
    cast(null as double precision) as second_largest

from cells
