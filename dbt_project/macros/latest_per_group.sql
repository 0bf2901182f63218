{#- The latest row of each group: its `columns`, for the `order_by` columns' largest value (unique per group).

    latest_per_group(relation, group_by, order_by, columns) -> a query with group_by + columns

    DuckDB: `arg_max_null` (a null value is taken like any other) over the order columns as one struct (a hash aggregate; at national scale a window
    `row_number()` over ~7 M timesheet lines sorted every partition and took four times as long).
    Elsewhere (PostgreSQL): `row_number()` over the group, newest first. Both pick the same row when the order
    columns are unique within a group, which callers guarantee (e.g. work_date, record_id). -#}
{% macro latest_per_group(relation, group_by, order_by, columns) -%}
    {{ return(adapter.dispatch('latest_per_group')(relation, group_by, order_by, columns)) }}
{%- endmacro %}

{% macro duckdb__latest_per_group(relation, group_by, order_by, columns) -%}
    select
        {%- for column in group_by %}
        {{ column }},
        {%- endfor %}
        {%- for column in columns %}
        arg_max_null({{ column }}, struct_pack({% for o in order_by %}_{{ loop.index }} := {{ o }}{{ ", " if not loop.last }}{% endfor %})) as {{ column }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ relation }}
    group by {{ group_by | join(', ') }}
{%- endmacro %}

{% macro default__latest_per_group(relation, group_by, order_by, columns) -%}
    select {{ (group_by + columns) | join(', ') }}
    from (
        select
            {{ (group_by + columns) | join(', ') }},
            row_number() over (
                partition by {{ group_by | join(', ') }}
                order by {% for o in order_by %}{{ o }} desc{{ ", " if not loop.last }}{% endfor %}
            ) as _recency
        from {{ relation }}
    ) as _ranked
    where _recency = 1
{%- endmacro %}
