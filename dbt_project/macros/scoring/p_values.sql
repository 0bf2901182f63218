{#- The two-sided p-value of a standard normal statistic `z` (portable SQL): erfc(|z| / √2), by Abramowitz &
    Stegun 7.1.26 (absolute error below 1.5e-7). Null when z is null; 0 beyond |z| = 37, where exp() would
    underflow (PostgreSQL raises an error there, DuckDB returns 0). -#}
{% macro normal_two_sided_p(z) -%}
    {%- set x = "(abs(cast(" ~ z ~ " as double precision)) / sqrt(2.0))" -%}
    {%- set t = "(1.0 / (1.0 + 0.3275911 * " ~ x ~ "))" -%}
    (case when abs({{ z }}) > 37 then 0.0 else
    least(1.0, {{ t }} * (0.254829592 + {{ t }} * (-0.284496736 + {{ t }} * (1.421413741
        + {{ t }} * (-1.453152027 + {{ t }} * 1.061405429)))) * exp(-{{ x }} * {{ x }})) end)
{%- endmacro %}

{#- Benjamini–Hochberg q-values (false discovery rate, Benjamini & Hochberg 1995) of the p-values in `relation`
    (a CTE or table with the columns `family_columns`, `key_columns` and p_value): within each family, with m
    p-values ranked 1 … m, q(i) = min over ranks j ≥ i of p(j) · m / j, at most 1. Rows without a p-value take
    no part and get none. Returns a select of the family and key columns with q_value. -#}
{% macro benjamini_hochberg(relation, family_columns, key_columns) -%}
    {%- set family = family_columns | join(', ') -%}
    {%- set keys = key_columns | join(', ') -%}
    select
        {{ family }},
        {{ keys }},
        least(1.0, min(p_value * n_tests / p_rank) over (
            partition by {{ family }}
            order by p_rank desc
            rows between unbounded preceding and current row
        )) as q_value
    from (
        select
            {{ family }},
            {{ keys }},
            p_value,
            count(*) over (partition by {{ family }}) as n_tests,
            row_number() over (partition by {{ family }} order by p_value, {{ keys }}) as p_rank
        from {{ relation }}
        where p_value is not null
    ) as ranked
{%- endmacro %}
