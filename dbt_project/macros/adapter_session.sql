{#- Session settings a model needs on some adapters; a pre-hook of every model (dbt_project.yml).

    PostgreSQL: the disclosure-control queries (macros/disclosure.sql, macros/scoring/wellbeing_disclosure.sql)
    are thousands of lines of chained CTEs, a recursive one among them, over tables without indexes. The
    planner's row estimates through that chain collapse to 1, so it picks nested loops (quadratic: minutes for
    the participation marts) and then JIT-compiles the plan for its huge estimated cost (a minute more). Hash
    joins and no JIT build the same rows in seconds. `set` (not `set local`) keeps them for the tests that
    the same dbt thread runs next on its connection. DuckDB: nothing. -#}
{% macro wb_session_settings() -%}
    {{ return(adapter.dispatch('wb_session_settings')()) }}
{%- endmacro %}

{% macro default__wb_session_settings() -%}
{%- endmacro %}

{% macro postgres__wb_session_settings() -%}
    set jit = off; set enable_nestloop = off
{%- endmacro %}
