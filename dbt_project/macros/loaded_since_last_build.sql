{#- The `where` clause of an incremental staging model: the raw rows loaded since the newest row the model
    holds (`_loaded_at` of the source against the model's `loaded_at`); nothing on a first build or a full
    refresh. `>=`, not `>`: the rows of the newest load are taken again and replace themselves by unique key,
    so a load stamped within the same clock tick as the last build is never missed. -#}
{% macro loaded_since_last_build(source_column='_loaded_at', model_column='loaded_at') -%}
    {%- if is_incremental() -%}
    where {{ source_column }} >= (select coalesce(max({{ model_column }}), cast('1900-01-01' as timestamp)) from {{ this }})
    {%- endif -%}
{%- endmacro %}
