{#- Column rules of a model, checked in one query per model (one scan, one dbt test, one Dagster asset check)
    instead of one test per column and rule. Each test returns one row per column that breaks its rule, naming
    the column, the rule, how many rows break it and an example, so a failure says which column it is. -#}

{#- Columns that must not be null. `columns`: column names, or {name: column, where: "SQL predicate"} for a
    column that must be filled only in the rows the predicate picks (e.g. the location of location rows).

      - not_null_columns:
          name: <model>_columns_not_null
          arguments:
            columns: [survey_year, response_id, {name: location, where: "level = 'location'"}]

    Contract-enforced marts declare `constraints: [{type: not_null}]` on such columns instead (the database
    refuses the build), and list here only the conditional ones. -#}
{% test not_null_columns(model, columns) %}
    {%- set checks = [] -%}
    {%- for entry in columns -%}
        {%- set name = entry['name'] if entry is mapping else entry -%}
        {%- set where = entry.get('where') if entry is mapping else none -%}
        {%- do checks.append({'name': name, 'broken': (('(' ~ where ~ ') and ') if where else '') ~ name ~ ' is null',
                              'rule': ('where ' ~ where) if where else none}) -%}
    {%- endfor %}
    {{ column_rule_findings(model, checks, rule_column='only_rows', count_column='n_null_rows') }}
{% endtest %}

{#- Values that columns (or expressions) may take: a closed range or a list of accepted values. Nulls pass
    (a missing answer, a score too few items answered for). `rules`, one entry per column or group of columns
    sharing a rule:

      - column_values_allowed:
          name: <model>_values_allowed
          arguments:
            rules:
              - {columns: [k10_1, k10_2], min_value: 1, max_value: 5}      # codebook range of a scale's items
              - {column: k10_band, values: [laag, matig, hoog]}            # accepted values (text)
              - {column: quarter_number, values: [1, 2, 3, 4], quote: false}
              - {column: "value - ci_low", min_value: 0, max_value: 1000, where: "indicator like '%_pct'"}

    For scores a value outside its scale's range means a scoring macro or the raw codes are wrong. -#}
{% test column_values_allowed(model, rules) %}
    {%- set checks = [] -%}
    {%- for rule in rules -%}
        {%- set names = rule['columns'] if 'columns' in rule else [rule['column']] -%}
        {%- for name in names -%}
            {%- if 'values' in rule -%}
                {%- set quote = rule.get('quote', true) -%}
                {%- set listed = [] -%}
                {%- for value in rule['values'] -%}
                    {%- do listed.append(("'" ~ (value | string | replace("'", "''")) ~ "'") if quote else (value | string)) -%}
                {%- endfor -%}
                {%- set broken = name ~ ' not in (' ~ (listed | join(', ')) ~ ')' -%}
                {%- set description = 'one of ' ~ (rule['values'] | join(', ')) -%}
            {%- else -%}
                {%- set broken = '(' ~ name ~ ' < ' ~ rule['min_value'] ~ ' or ' ~ name ~ ' > ' ~ rule['max_value'] ~ ')' -%}
                {%- set description = 'between ' ~ rule['min_value'] ~ ' and ' ~ rule['max_value'] -%}
            {%- endif -%}
            {%- if rule.get('where') -%}
                {%- set broken = '(' ~ rule['where'] ~ ') and ' ~ broken -%}
                {%- set description = description ~ ' where ' ~ rule['where'] -%}
            {%- endif -%}
            {%- do checks.append({'name': name, 'broken': broken, 'rule': description}) -%}
        {%- endfor -%}
    {%- endfor %}
    {{ column_rule_findings(model, checks, rule_column='allowed', count_column='n_rows_outside', example=true) }}
{% endtest %}

{#- The findings of both tests: per check ({name, broken: SQL predicate of a breaking row, rule: text or none}),
    in one scan of the model, a row naming the column, its rule and how many rows break it (and, with `example`,
    the smallest breaking value as text) when any does. -#}
{% macro column_rule_findings(model, checks, rule_column, count_column, example=false) %}
    with _counted as (
        select
            {%- for check in checks %}
            sum(case when {{ check.broken }} then 1 else 0 end) as _n_{{ loop.index }}
            {%- if example %},
            min(case when {{ check.broken }} then cast({{ check.name }} as {{ dbt.type_string() }}) end)
                as _example_{{ loop.index }}
            {%- endif %}{{ ',' if not loop.last }}
            {%- endfor %}
        from {{ model }}
    )
    {%- for check in checks %}
    select
        cast('{{ check.name | replace("'", "''") }}' as {{ dbt.type_string() }}) as column_name,
        cast({{ ("'" ~ (check.rule | replace("'", "''")) ~ "'") if check.rule else 'null' }}
            as {{ dbt.type_string() }}) as {{ rule_column }},
        _n_{{ loop.index }} as {{ count_column }}
        {%- if example %},
        _example_{{ loop.index }} as example
        {%- endif %}
    from _counted
    where _n_{{ loop.index }} > 0
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{% endmacro %}
