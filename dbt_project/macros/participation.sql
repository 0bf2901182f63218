{#- 100 × numerator / base, unrounded; null when the base is 0 or null. -#}
{% macro participation_percentage(numerator, base) -%}
    case
        when {{ base }} is null or {{ base }} = 0 then null
        else cast({{ numerator }} as double precision) * 100 / {{ base }}
    end
{%- endmacro %}
