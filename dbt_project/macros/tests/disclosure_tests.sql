{#- Tests of the disclosure rule (macros/disclosure.sql) on a published table. -#}

{#- Primary suppression: a row whose base count is null or below min_cell is suppressed, and a suppressed row
    publishes no value derived from individuals. -#}
{% test disclosure_primary_applied(model, base_count, derived_columns, suppressed='suppressed', min_cell=none) %}
    {%- set min_cell = (var('min_cell') if min_cell is none else min_cell) | int %}
    select *
    from {{ model }}
    where ({{ suppressed }} is null)
       or (({{ base_count }} is null or {{ base_count }} < {{ min_cell }}) and not {{ suppressed }})
    {%- for column in derived_columns %}
       or ({{ suppressed }} and {{ column }} is not null)
    {%- endfor %}
{% endtest %}

{#- Complementary suppression is complete: within a partition (period, indicator), no parent with two or
    more children has exactly one suppressed child. Fails when disclosure_control's passes did not converge.
    `breakdowns` as for disclosure_control. -#}
{% test disclosure_complementary_complete(model, breakdowns, partition_by=[], suppressed='suppressed') %}
    {%- for breakdown in breakdowns %}
        {%- set group_columns = partition_by + breakdown.get('parent', []) -%}
        {%- set key_parts = [] -%}
        {%- for column in group_columns -%}
            {%- if not loop.first %}{% do key_parts.append("'|'") %}{% endif -%}
            {%- do key_parts.append(dbt.cast(column, dbt.type_string())) -%}
        {%- endfor %}
    select
        '{{ breakdown.get('parent', []) | join(' × ') or 'institution' }}' as parent_kind,
        {{ dbt.concat(key_parts) if key_parts else "'all'" }} as parent,
        count(*) as n_children,
        sum(case when {{ suppressed }} then 1 else 0 end) as n_suppressed
    from {{ model }}
    where {{ breakdown.get('children') or 'true' }}
    {%- if group_columns %}
    group by {{ group_columns | join(', ') }}
    {%- endif %}
    having count(*) > 1 and sum(case when {{ suppressed }} then 1 else 0 end) = 1
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
    {%- if not breakdowns %}
    select 1 as nothing where 1 = 0
    {%- endif %}
{% endtest %}
