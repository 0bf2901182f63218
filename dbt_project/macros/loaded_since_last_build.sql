{#- The `where` clause of an incremental staging model: the raw rows loaded after the newest row the model
    holds (`_loaded_at` of the source against the model's `loaded_at`); nothing on a first build or a full
    refresh. Exact because every load stamps its rows later than every row its raw table holds, even when the
    clock goes back (assets/ingest/engine.py `load_stamp`): a row stamped at or before the model's newest row
    was in the raw table when the model was last built. -#}
{% macro loaded_since_last_build(source_column='_loaded_at', model_column='loaded_at') -%}
    {%- if is_incremental() -%}
    where {{ source_column }} > (select coalesce(max({{ model_column }}), cast('1900-01-01' as timestamp)) from {{ this }})
    {%- endif -%}
{%- endmacro %}
