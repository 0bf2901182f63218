-- The wellbeing indicators per survey year × level × group × indicator (warehouse contract, "Wellbeing marts"),
-- with disclosure control (macros/disclosure.sql; base count n_respondents, per survey year × indicator).
--
-- Complementary suppression: macro wellbeing_disclosure_control (macros/scoring/wellbeing_disclosure.sql), which
-- calls disclosure_control with the breakdowns of wellbeing_disclosure_breakdowns and then removes what a
-- combination of relations would still give away:
--  * all levels sit in this one table, so a parent is a row here too and can itself be suppressed; every
--    additive relation (a location or domain = its programmes; the institution = its programmes, locations,
--    domains) is also given with the parent row among its terms, so no relation has exactly one suppressed term
--    (else a location with one programme, Groningen, or a location suppressed as a complement while its
--    programmes are all published, would give away its value, and by subtraction its suppressed siblings);
--  * programme rows add up both to locations and to domains; where the suppressed rows hang together by a
--    single row ("domain minus location" leaves one unknown), another row is suppressed (bridges of the graph
--    of suppressed rows; tested by wellbeing_no_determined_cells).
-- Rows without respondents for the indicator (n_respondents = 0) take no part: nothing to hide, nothing to
-- protect with.
with aggregated as (

    select * from {{ ref('int_wellbeing_indicators_aggregated_to_groups') }}

),

controlled as (

    {{ wellbeing_disclosure_control(relation='aggregated', rounds=3) }}

)

select
    cast(survey_year as integer) as survey_year,
    cast(level as {{ dbt.type_string() }}) as level,
    cast(group_name as {{ dbt.type_string() }}) as group_name,
    cast(location as {{ dbt.type_string() }}) as location,
    cast(domain as {{ dbt.type_string() }}) as domain,
    cast(programme_location_key as {{ dbt.type_string() }}) as programme_location_key,
    cast(indicator as {{ dbt.type_string() }}) as indicator,
    cast(n_respondents as integer) as n_respondents,
    cast(value as double precision) as value,
    cast(ci_low as double precision) as ci_low,
    cast(ci_high as double precision) as ci_high,
    cast(suppressed as boolean) as suppressed

from controlled
