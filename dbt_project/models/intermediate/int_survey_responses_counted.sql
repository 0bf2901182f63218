-- The responses that count (codebook, "Rules that hold for every indicator"): finished responses only; when one
-- student has several finished responses in a survey year, the one submitted last (ties: the highest
-- response_id). With the programme's domain (register) and the target-group flags.
with finished_responses as (

    select * from {{ ref('stg_survey__responses') }}
    where finished

),

ranked as (

    select
        finished_responses.*,
        row_number() over (
            partition by survey_year, pseudo_id
            order by submitted_at desc nulls last, response_id desc
        ) as recency,
        count(*) over (partition by survey_year, pseudo_id) as n_finished_responses

    from finished_responses

),

domains as (

    select * from {{ ref('int_wellbeing_programme_domains') }}

)

select
    ranked.survey_year,
    ranked.response_id,
    ranked.pseudo_id,
    ranked.started_at,
    ranked.submitted_at,
    ranked.n_finished_responses,
    ranked.programme_code,
    ranked.location,
    domains.programme_location_key,
    coalesce(domains.domain, 'Onbekend') as domain,
    ranked.study_year,
    ranked.gender,
    ranked.international,
    ranked.first_generation,
    coalesce(ranked.study_year = '1', false) as is_first_year,
    {%- for item in swm_items() %}
    ranked.{{ item }}{% if not loop.last %},{% endif %}
    {%- endfor %}

from ranked
left join domains
    on ranked.programme_code = domains.programme_code
    and ranked.location = domains.location
where ranked.recency = 1
