{#- Individual feedback referrals (codebook, "Individual feedback and referrals"), in the order of the
    codebook's table. A respondent can get several; `decaan` only when no other rule fires; `alles_goed` when
    none fires (decaan included). A rule on a band or answer the respondent does not have does not fire.

      psycholoog  K10 `hoog`
      ehealth     K10 `matig`
      ssc_buddy   DJG-6 `sterk eenzaam`, or belonging `laag`
      veerkracht  BRS `laag`
      slb         exhaustion `verhoogd`, or quit_intention = ja
      decaan      support_wanted = ja and no other referral
      alles_goed  none of the above

    swm_referral_rules() -> [(code, condition)] for the first five (conditions on int_survey_responses_scored's
    columns); swm_referrals() -> the text of the codes joined by `,` (e.g. `psycholoog,ssc_buddy,slb`). -#}
{% macro swm_referral_rules() -%}
    {%- do return([
        ('psycholoog', "k10_band = 'hoog'"),
        ('ehealth', "k10_band = 'matig'"),
        ('ssc_buddy', "djg_band = 'sterk eenzaam' or belong_band = 'laag'"),
        ('veerkracht', "brs_band = 'laag'"),
        ('slb', "ee_band = 'verhoogd' or quit_intention"),
    ]) -%}
{%- endmacro %}

{% macro swm_referrals() -%}
    {%- set parts = [] -%}
    {%- for code, condition in swm_referral_rules() -%}
        {%- do parts.append("(case when coalesce(" ~ condition ~ ", false) then '," ~ code ~ "' else '' end)") -%}
    {%- endfor -%}
    {%- set fired = dbt.concat(parts) -%}
    (case
        when {{ fired }} <> '' then substring({{ fired }}, 2)
        when coalesce(support_wanted, false) then 'decaan'
        else 'alles_goed'
    end)
{%- endmacro %}
