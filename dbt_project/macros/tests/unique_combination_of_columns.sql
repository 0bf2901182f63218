{#- Rows whose combination of columns (column names or expressions) is not unique. dbt_utils is not
    available here (no `dbt deps`), so this is the project's own small version. -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
    {%- set columns = [] -%}
    {%- for column in combination_of_columns -%}
        {%- do columns.append(column ~ ' as key_' ~ loop.index) -%}
    {%- endfor %}
    select {{ columns | join(', ') }}, count(*) as n_rows
    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}
    having count(*) > 1
{% endtest %}
