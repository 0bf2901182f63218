{#- 95 % confidence intervals for the wellbeing marts (portable SQL; arguments are SQL expressions).

    mean:        mean ± t(0.975; n − 1) · s / √n          (s = sample standard deviation; none when n < 2)
    percentage:  Wilson score interval, × 100               (none when n = 0)
    difference of two means:        Welch: d ± t(0.975; ν) · √(s1²/n1 + s2²/n2), ν Welch–Satterthwaite
    difference of two percentages:  Newcombe's hybrid score interval (method 10, from the two Wilson
                                    intervals), in percentage points

    Each macro returns {'low': expr, 'high': expr}. -#}

{#- z(0.975) -#}
{% macro z_975() -%}1.959963984540054{%- endmacro %}

{#- The 0.975 quantile of Student's t with `df` degrees of freedom (df ≥ 1). df < 30: table of exact values at
    floor(df) (for Welch's fractional df this errs on the safe side: a slightly wider interval); df ≥ 30: the
    Cornish–Fisher expansion around z to 1/df⁴ (error < 5e-8). -#}
{% macro t_quantile_975(df) -%}
    {%- set d = "cast(" ~ df ~ " as double precision)" -%}
    (case
        when {{ d }} is null or {{ d }} < 1 then null
        when {{ d }} < 30 then
            case cast(floor({{ d }}) as integer)
                when 1 then 12.706204736 when 2 then 4.302652730 when 3 then 3.182446305 when 4 then 2.776445105
                when 5 then 2.570581836 when 6 then 2.446911851 when 7 then 2.364624252 when 8 then 2.306004135
                when 9 then 2.262157163 when 10 then 2.228138852 when 11 then 2.200985160 when 12 then 2.178812830
                when 13 then 2.160368656 when 14 then 2.144786688 when 15 then 2.131449546 when 16 then 2.119905299
                when 17 then 2.109815578 when 18 then 2.100922040 when 19 then 2.093024054 when 20 then 2.085963447
                when 21 then 2.079613845 when 22 then 2.073873068 when 23 then 2.068657610 when 24 then 2.063898562
                when 25 then 2.059538553 when 26 then 2.055529439 when 27 then 2.051830516 when 28 then 2.048407142
                when 29 then 2.045229642
            end
        else {{ z_975() }}
            + 2.372271230298562 / {{ d }}
            + 2.8224986157396112 / ({{ d }} * {{ d }})
            + 2.555849679507722 / ({{ d }} * {{ d }} * {{ d }})
            + 1.5895340533938225 / ({{ d }} * {{ d }} * {{ d }} * {{ d }})
    end)
{%- endmacro %}

{#- mean ± t(n − 1) · s / √n; null when n < 2 (s unknown). `variance` is the sample variance (var_samp). -#}
{% macro mean_interval(mean, variance, n) -%}
    {%- set half -%}
        {{ t_quantile_975('(' ~ n ~ ') - 1') }} * sqrt(cast({{ variance }} as double precision) / ({{ n }}))
    {%- endset -%}
    {%- do return({
        'low': "(case when " ~ n ~ " >= 2 then " ~ mean ~ " - " ~ half ~ " end)",
        'high': "(case when " ~ n ~ " >= 2 then " ~ mean ~ " + " ~ half ~ " end)",
    }) -%}
{%- endmacro %}

{#- Wilson score interval for `successes` out of `n`, in percent (0–100); null when n = 0:
    (p + z²/2n ± z·√(p(1 − p)/n + z²/4n²)) / (1 + z²/n), p = successes / n. Clamped to [0, 100] and to
    contain 100·p (as it does exactly; at p = 0 or 1 floating point can land a hair outside). -#}
{% macro wilson_interval(successes, n) -%}
    {%- set p = "(cast(" ~ successes ~ " as double precision) / (" ~ n ~ "))" -%}
    {%- set zz = z_975() ~ " * " ~ z_975() -%}
    {%- set center = "(" ~ p ~ " + " ~ zz ~ " / (2.0 * (" ~ n ~ ")))" -%}
    {%- set half = z_975() ~ " * sqrt(" ~ p ~ " * (1 - " ~ p ~ ") / (" ~ n ~ ") + " ~ zz ~ " / (4.0 * cast(" ~ n ~ " as double precision) * (" ~ n ~ ")))" -%}
    {%- set denominator = "(1 + " ~ zz ~ " / (" ~ n ~ "))" -%}
    {%- do return({
        'low': "(case when " ~ n ~ " > 0 then greatest(0.0, least(100 * " ~ p ~ ", 100 * (" ~ center ~ " - " ~ half ~ ") / "
               ~ denominator ~ ")) end)",
        'high': "(case when " ~ n ~ " > 0 then least(100.0, greatest(100 * " ~ p ~ ", 100 * (" ~ center ~ " + " ~ half ~ ") / "
                ~ denominator ~ ")) end)",
    }) -%}
{%- endmacro %}

{#- Welch interval for mean1 − mean2 (variances = sample variances); null when either n < 2. When both
    variances are 0 the interval is the difference itself. -#}
{% macro welch_interval(mean1, variance1, n1, mean2, variance2, n2) -%}
    {%- set a = "(cast(" ~ variance1 ~ " as double precision) / (" ~ n1 ~ "))" -%}
    {%- set b = "(cast(" ~ variance2 ~ " as double precision) / (" ~ n2 ~ "))" -%}
    {%- set se = "sqrt(" ~ a ~ " + " ~ b ~ ")" -%}
    {%- set df = "((" ~ a ~ " + " ~ b ~ ") * (" ~ a ~ " + " ~ b ~ ") / (" ~ a ~ " * " ~ a ~ " / ((" ~ n1 ~ ") - 1) + "
                 ~ b ~ " * " ~ b ~ " / ((" ~ n2 ~ ") - 1)))" -%}
    {%- set difference = "(" ~ mean1 ~ " - " ~ mean2 ~ ")" -%}
    {%- set half = "(case when " ~ a ~ " + " ~ b ~ " = 0 then 0 else " ~ t_quantile_975(df) ~ " * " ~ se ~ " end)" -%}
    {%- set valid = "(" ~ n1 ~ ") >= 2 and (" ~ n2 ~ ") >= 2" -%}
    {%- do return({
        'low': "(case when " ~ valid ~ " then " ~ difference ~ " - " ~ half ~ " end)",
        'high': "(case when " ~ valid ~ " then " ~ difference ~ " + " ~ half ~ " end)",
    }) -%}
{%- endmacro %}

{#- Newcombe's hybrid score interval (Newcombe 1998, method 10) for p1 − p2 in percentage points, from the
    Wilson intervals (l, u) of both proportions:
    d − √((p1 − l1)² + (u2 − p2)²) … d + √((u1 − p1)² + (p2 − l2)²). Null when either n = 0. -#}
{% macro newcombe_interval(successes1, n1, successes2, n2) -%}
    {%- set w1 = wilson_interval(successes1, n1) -%}
    {%- set w2 = wilson_interval(successes2, n2) -%}
    {%- set p1 = "(100 * cast(" ~ successes1 ~ " as double precision) / (" ~ n1 ~ "))" -%}
    {%- set p2 = "(100 * cast(" ~ successes2 ~ " as double precision) / (" ~ n2 ~ "))" -%}
    {%- set valid = "(" ~ n1 ~ ") > 0 and (" ~ n2 ~ ") > 0" -%}
    {%- do return({
        'low': "(case when " ~ valid ~ " then (" ~ p1 ~ " - " ~ p2 ~ ") - sqrt((" ~ p1 ~ " - " ~ w1.low ~ ") * (" ~ p1 ~ " - " ~ w1.low
               ~ ") + (" ~ w2.high ~ " - " ~ p2 ~ ") * (" ~ w2.high ~ " - " ~ p2 ~ ")) end)",
        'high': "(case when " ~ valid ~ " then (" ~ p1 ~ " - " ~ p2 ~ ") + sqrt((" ~ w1.high ~ " - " ~ p1 ~ ") * (" ~ w1.high ~ " - " ~ p1
                ~ ") + (" ~ p2 ~ " - " ~ w2.low ~ ") * (" ~ p2 ~ " - " ~ w2.low ~ ")) end)",
    }) -%}
{%- endmacro %}

{#- The interval of an indicator of either kind (column `kind`: 'mean' or 'pct'): mean_interval for means, the
    Wilson interval of `successes` out of `n` for percentages. -#}
{% macro indicator_interval(kind, mean, variance, n, successes) -%}
    {%- set t = mean_interval(mean, variance, n) -%}
    {%- set wilson = wilson_interval(successes, n) -%}
    {%- do return({
        'low': "(case when " ~ kind ~ " = 'mean' then " ~ t.low ~ " else " ~ wilson.low ~ " end)",
        'high': "(case when " ~ kind ~ " = 'mean' then " ~ t.high ~ " else " ~ wilson.high ~ " end)",
    }) -%}
{%- endmacro %}
