{#- Primary suppression on a published table (docs/disclosure.md): a row whose base count is below min_cell is
    suppressed, and a suppressed row publishes no value derived from individuals. (An unknown base is not small.
    Complementary suppression is audited by linear programming: the Dagster check disclosure_rules_hold.) -#}
{% test disclosure_primary_applied(model, base_count, derived_columns, suppressed='suppressed', min_cell=none) %}
    {%- set min_cell = (var('min_cell') if min_cell is none else min_cell) | int %}
    select *
    from {{ model }}
    where ({{ suppressed }} is null)
       or ({{ base_count }} < {{ min_cell }} and not {{ suppressed }})
    {%- for column in derived_columns %}
       or ({{ suppressed }} and {{ column }} is not null)
    {%- endfor %}
{% endtest %}
