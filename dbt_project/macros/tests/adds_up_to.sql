{#- Reconciliation: the rows of `model` add up to the rows of `parent` (another model) per period and parent
    group. `always_columns` (base counts, never suppressed) are compared in every group (nulls as 0);
    `columns` where the parent and every child publish a value (none suppressed, none without data). -#}
{% test adds_up_to(model, parent, columns=[], always_columns=[], period_columns=['quarter'],
                   parent_columns=[], suppressed='suppressed') %}
    {%- set group_columns = period_columns + parent_columns %}
    with children as (
        select
            {%- for column in group_columns %}
            {{ column }},
            {%- endfor %}
            {%- for column in always_columns + columns %}
            sum({{ column }}) as {{ column }},
            {%- endfor %}
            {%- for column in columns %}
            count({{ column }}) as {{ column }}_published,
            {%- endfor %}
            count(*) as n_rows,
            sum(case when {{ suppressed }} then 1 else 0 end) as n_suppressed
        from {{ model }}
        group by {{ group_columns | join(', ') }}
    )
    select
        {%- for column in group_columns %}
        coalesce(c.{{ column }}, p.{{ column }}) as {{ column }},
        {%- endfor %}
        c.n_suppressed
    from children as c
    full outer join {{ parent }} as p
        on {% for column in group_columns %}{% if not loop.first %} and {% endif %}c.{{ column }} = p.{{ column }}{% endfor %}
    where c.n_suppressed is null
       or p.{{ suppressed }} is null
    {%- for column in always_columns %}
       or coalesce(c.{{ column }}, 0) <> coalesce(p.{{ column }}, 0)
    {%- endfor %}
    {%- for column in columns %}
       or (c.{{ column }}_published = c.n_rows and p.{{ column }} is not null and c.{{ column }} <> p.{{ column }})
    {%- endfor %}
{% endtest %}
