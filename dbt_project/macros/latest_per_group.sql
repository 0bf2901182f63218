{#- The latest row of each group: its `columns`, for the `order_by` columns' largest value (unique per group),
    and optionally other aggregates of the group computed in the same pass.

    latest_per_group(relation, group_by, order_by, columns, aggregates={}) -> a query with group_by + columns
    + the aggregates' names; `aggregates` maps a name to an aggregate expression (`{'net_hours': 'sum(hours)'}`).

    DuckDB: one `arg_max_null` (a null value is taken like any other) of the columns as one struct, over the order
    columns as one struct, in the same hash aggregate as the other aggregates (at national scale a window
    `row_number()` over ~7 M timesheet lines sorted every partition and took four times as long; one struct
    instead of an `arg_max_null` per column, 2.2 → 1.6 s with the netting included).
    Elsewhere (PostgreSQL): `row_number()` over the group, newest first, the aggregates as window functions over
    the same group. Both pick the same row when the order columns are unique within a group, which callers
    guarantee (e.g. work_date, record_id). -#}
{% macro latest_per_group(relation, group_by, order_by, columns, aggregates={}) -%}
    {{ return(adapter.dispatch('latest_per_group')(relation, group_by, order_by, columns, aggregates)) }}
{%- endmacro %}

{% macro duckdb__latest_per_group(relation, group_by, order_by, columns, aggregates={}) -%}
    select
        {{ (group_by + aggregates.keys() | list) | join(', ') }},
        {%- for column in columns %}
        _latest.{{ column }} as {{ column }}{{ "," if not loop.last }}
        {%- endfor %}
    from (
        select
            {%- for column in group_by %}
            {{ column }},
            {%- endfor %}
            {%- for name, expression in aggregates.items() %}
            {{ expression }} as {{ name }},
            {%- endfor %}
            arg_max_null(
                struct_pack({% for c in columns %}{{ c }} := {{ c }}{{ ", " if not loop.last }}{% endfor %}),
                struct_pack({% for o in order_by %}_{{ loop.index }} := {{ o }}{{ ", " if not loop.last }}{% endfor %})
            ) as _latest
        from {{ relation }}
        group by {{ group_by | join(', ') }}
    ) as _grouped
{%- endmacro %}

{% macro default__latest_per_group(relation, group_by, order_by, columns, aggregates={}) -%}
    select {{ (group_by + columns + (aggregates.keys() | list)) | join(', ') }}
    from (
        select
            {{ (group_by + columns) | join(', ') }},
            {%- for name, expression in aggregates.items() %}
            {{ expression }} over (partition by {{ group_by | join(', ') }}) as {{ name }},
            {%- endfor %}
            row_number() over (
                partition by {{ group_by | join(', ') }}
                order by {% for o in order_by %}{{ o }} desc{{ ", " if not loop.last }}{% endfor %}
            ) as _recency
        from {{ relation }}
    ) as _ranked
    where _recency = 1
{%- endmacro %}
