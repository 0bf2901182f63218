{#- Part B (optional) yes/no items of the codebook: `ssc_known`, `ssc_used`, `quit_intention`,
    `support_wanted`, stored as 1 ja / 0 nee. The answer as a boolean: true = ja, false = nee, null = not
    answered (part B skipped, or an invalid code).

    swm_part_b(item, prefix='') -> {'answer'} -#}
{% macro swm_part_b(item, prefix='') -%}
    {%- if item not in ['ssc_known', 'ssc_used', 'quit_intention', 'support_wanted'] -%}
        {{ exceptions.raise_compiler_error("swm_part_b: unknown part B item " ~ item) }}
    {%- endif -%}
    {%- do return({
        'answer': "(case when " ~ prefix ~ item ~ " = 1 then true when " ~ prefix ~ item ~ " = 0 then false end)",
    }) -%}
{%- endmacro %}
