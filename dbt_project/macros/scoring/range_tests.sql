{#- Generic test: rows whose `column_name` lies outside [min_value, max_value] (nulls pass). For scores:
    a score outside its scale's range means a scoring macro or the raw codes are wrong. -#}
{% test swm_values_between(model, column_name, min_value, max_value) %}
    select {{ column_name }}
    from {{ model }}
    where {{ column_name }} < {{ min_value }} or {{ column_name }} > {{ max_value }}
{% endtest %}
