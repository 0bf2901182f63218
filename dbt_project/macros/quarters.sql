{#- Calendar quarters in SQL: the twin of assets/common/quarters.py (keep the two in step).
    A quarter key is text `YYYY-Qn`. Only portable SQL (no DuckDB-only functions), so the project can move to
    PostgreSQL. Every argument is a SQL expression (text), e.g. {{ quarter_of('work_date') }}. -#}

{#- The key of year Y, quarter number n: `2023-Q1`. -#}
{% macro quarter_from_parts(year_expr, quarter_number_expr) -%}
    {{ dbt.concat([
        dbt.cast(dbt.cast(year_expr, dbt.type_int()), dbt.type_string()),
        "'-Q'",
        dbt.cast(dbt.cast(quarter_number_expr, dbt.type_int()), dbt.type_string())
    ]) }}
{%- endmacro %}

{#- The calendar quarter a date falls in (`2023-03-31` -> `2023-Q1`, `2023-04-01` -> `2023-Q2`). -#}
{% macro quarter_of(date_expr) -%}
    {{ quarter_from_parts('extract(year from ' ~ date_expr ~ ')', 'extract(quarter from ' ~ date_expr ~ ')') }}
{%- endmacro %}

{% macro quarter_year(quarter_expr) -%}
    cast(substring({{ quarter_expr }}, 1, 4) as {{ dbt.type_int() }})
{%- endmacro %}

{% macro quarter_number(quarter_expr) -%}
    cast(substring({{ quarter_expr }}, 7, 1) as {{ dbt.type_int() }})
{%- endmacro %}

{#- First day of the quarter, a date (`2023-Q2` -> 2023-04-01). -#}
{% macro quarter_start(quarter_expr) -%}
    {{ quarter_day(quarter_expr, ['-01-01', '-04-01', '-07-01', '-10-01']) }}
{%- endmacro %}

{#- Last day of the quarter, a date (`2023-Q4` -> 2023-12-31). -#}
{% macro quarter_end(quarter_expr) -%}
    {{ quarter_day(quarter_expr, ['-03-31', '-06-30', '-09-30', '-12-31']) }}
{%- endmacro %}

{#- The date `<year of the quarter><month_days[n - 1]>` for quarter n. -#}
{% macro quarter_day(quarter_expr, month_days) -%}
    {%- set day_of_quarter -%}
        case substring({{ quarter_expr }}, 7, 1)
        {%- for month_day in month_days %} when '{{ loop.index }}' then '{{ month_day }}'{% endfor %} end
    {%- endset -%}
    cast({{ dbt.concat(['substring(' ~ quarter_expr ~ ', 1, 4)', day_of_quarter]) }} as date)
{%- endmacro %}

{#- Quarters as consecutive integers (year × 4 + n − 1), for ranges and spines. -#}
{% macro quarter_index(quarter_expr) -%}
    ({{ quarter_year(quarter_expr) }} * 4 + {{ quarter_number(quarter_expr) }} - 1)
{%- endmacro %}

{#- Inverse of quarter_index. -#}
{% macro quarter_from_index(index_expr) -%}
    {{ quarter_from_parts('(' ~ index_expr ~ ' - mod(' ~ index_expr ~ ', 4)) / 4', 'mod(' ~ index_expr ~ ', 4) + 1') }}
{%- endmacro %}

{#- The DUO study year whose count stands for this quarter: a count for study year Y (peildatum 1 October Y)
    stands for Y-Q4 up to and including (Y+1)-Q3 (landing contract, students/duo). Python twin:
    quarters.study_year_of_quarter. -#}
{% macro duo_study_year_of_quarter(quarter_expr) -%}
    (case when {{ quarter_number(quarter_expr) }} = 4
          then {{ quarter_year(quarter_expr) }}
          else {{ quarter_year(quarter_expr) }} - 1 end)
{%- endmacro %}

{#- The academic year (1 September – 31 August) a date falls in, as text `2023-2024`. -#}
{% macro academic_year_of(date_expr) -%}
    {%- set start_year -%}
        (case when extract(month from {{ date_expr }}) >= 9
              then cast(extract(year from {{ date_expr }}) as {{ dbt.type_int() }})
              else cast(extract(year from {{ date_expr }}) as {{ dbt.type_int() }}) - 1 end)
    {%- endset -%}
    {{ dbt.concat([
        dbt.cast(start_year, dbt.type_string()),
        "'-'",
        dbt.cast(start_year ~ ' + 1', dbt.type_string())
    ]) }}
{%- endmacro %}
