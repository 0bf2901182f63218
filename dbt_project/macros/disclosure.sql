{#- The name of a wellbeing_indicators row as a cell of disclosure control (docs/disclosure.md): a cell is named
    by its level, group_name and location, so a target group per domain (level `group_domain`, no location) is
    `<group>|<domain>`; every other row keeps its group_name. assets/common/disclosure/published.py names the
    published rows the same way. -#}
{% macro wellbeing_cell_group_name(level, group_name, domain) -%}
    (case when {{ level }} = 'group_domain' then {{ dbt.concat([group_name, "'|'", domain]) }} else {{ group_name }} end)
{%- endmacro %}
