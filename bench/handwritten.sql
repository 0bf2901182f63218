-- The practical limit: the participation marts and a set of wellbeing indicators computed by one hand-written
-- DuckDB script straight from the landing files, with the definitions of the warehouse contract
-- (docs/warehouse.md) and docs/design.md. No validation, no quarantine, no history, no checks,
-- no disclosure control beyond the primary rule, no exports: what an analyst with DuckDB would write.
--
-- bench/handwritten.py creates the inputs before this script runs (all cells as text, one row per file row):
--   files(path, name, mtime)                         every landing file read, for "newest file wins"
--   hours_text, pool_text, counts_text, duo_text, survey_text   the files' rows (+ `path`)
--   pseudonyms(norm, pseudo_id)                      HMAC-SHA256 of every distinct normalised student number
--   aliases(alias, canonical_location), register_text   the location names and the programme register
-- and reads back the tables `participation` (level institution, location, domain, programme) and
-- `wellbeing_indicators` at the end. It fills in min_cell, brin and the K10 item expressions (dollar-braces).

create or replace macro canon(x) as coalesce(
    (select max(canonical_location) from aliases where lower(trim(alias)) = lower(trim(x))), trim(x));
create or replace macro norm_number(x) as
    case when ltrim(trim(x), '0') = '' and trim(x) <> '' then '0' else ltrim(trim(x), '0') end;
create or replace macro to_date(x) as
    cast(coalesce(try_strptime(x, '%Y-%m-%d'), try_strptime(x, '%d-%m-%Y')) as date);
create or replace macro quarter_of(d) as year(d)::varchar || '-Q' || quarter(d)::varchar;
create or replace macro quarter_index(q) as cast(left(q, 4) as integer) * 4 + cast(right(q, 1) as integer) - 1;
create or replace macro quarter_from_index(i) as ((i - i % 4) // 4)::varchar || '-Q' || (i % 4 + 1)::varchar;

-- ---------------------------------------------------------------------------------------------- reference
create or replace table register as
select trim(programme_code) as programme_code, trim(programme_name) as programme_name, trim(domain) as domain,
       canon(location) as location, trim(duo_municipality) as duo_municipality
from register_text;

create or replace table programme_domains as
select pl.programme_code, pl.location,
       coalesce(r.domain, rp.domain, 'Onbekend') as domain
from (select distinct programme_code, location from register) pl
left join register r using (programme_code, location)
left join (select programme_code, max(domain) as domain from register group by 1) rp using (programme_code);

-- ---------------------------------------------------------------------------------------------- hours
create or replace table hours as
select h.record_id, p.pseudo_id, trim(h.programme_code) as programme_code, canon(h.location) as location,
       h.work_date, quarter_of(h.work_date) as quarter, h.hours
from (
    select trim(record_id) as record_id, norm_number(student_number) as norm, programme_code, location,
           to_date(trim(work_date)) as work_date,
           cast(replace(trim(hours), ',', '.') as decimal(8, 2)) as hours,
           row_number() over (partition by trim(record_id) order by f.mtime desc, f.name desc) as newest
    from hours_text join files f using (path)
) h
join pseudonyms p on p.norm = h.norm
where h.newest = 1;

-- ---------------------------------------------------------------------------------------------- pool
create or replace table pool as
select p.pseudo_id, trim(x.programme_code) as programme_code, canon(x.location) as location,
       x.available_from, x.available_until
from (
    select norm_number(student_number) as norm, programme_code, location,
           to_date(trim(available_from)) as available_from, to_date(nullif(trim(available_until), '')) as available_until,
           row_number() over (partition by norm_number(student_number), to_date(trim(available_from))
                              order by f.mtime desc, f.name desc) as newest
    from pool_text join files f using (path)
) x
join pseudonyms p on p.norm = x.norm
where x.newest = 1;

-- ---------------------------------------------------------------------------------------------- counts
create or replace table own_counts as
select q as quarter, trim(programme_code) as programme_code, canon(location) as location, sum(n) as n_students
from (
    select coalesce(upper(trim(nullif(quarter, ''))), quarter_of(to_date(trim(reference_date)))) as q,
           programme_code, location, cast(trim(n_students) as bigint) as n,
           row_number() over (partition by coalesce(upper(trim(nullif(quarter, ''))), quarter_of(to_date(trim(reference_date)))),
                                           trim(programme_code), trim(location)
                              order by f.mtime desc, f.name desc) as newest
    from counts_text join files f using (path)
) c
where newest = 1
group by all;

create or replace table duo_counts as
with cells as (
    select cast(studiejaar as integer) as study_year, trim(opleidingscode_actueel) as programme_code,
           trim(gemeentenaam) as municipality,
           bool_or(try_cast(trim(aantal_ingeschrevenen) as integer) is null
                   or try_cast(trim(aantal_ingeschrevenen) as integer) < 0) as is_suppressed,
           sum(case when try_cast(trim(aantal_ingeschrevenen) as integer) >= 0
                    then try_cast(trim(aantal_ingeschrevenen) as integer) end) as n_known
    from duo_text
    where upper(trim(instellingscode_actueel)) = upper('${brin}')
    group by 1, 2, lower(trim(gemeentenaam)), 3
),
located as (
    select c.study_year, c.programme_code, coalesce(r.location, canon(c.municipality)) as location,
           c.is_suppressed, c.n_known
    from cells c
    left join (select distinct programme_code, location, lower(duo_municipality) as m from register
               where duo_municipality is not null) r
        on r.programme_code = c.programme_code and r.m = lower(c.municipality)
),
per_year as (
    select study_year, programme_code, location, bool_or(is_suppressed) as is_suppressed, sum(n_known) as n_known
    from located group by all
)
select q.quarter, p.programme_code, p.location,
       case when p.is_suppressed then null else p.n_known end as n_students
from per_year p
join (select study_year, unnest([study_year || '-Q4', (study_year + 1) || '-Q1', (study_year + 1) || '-Q2',
                                 (study_year + 1) || '-Q3']) as quarter
      from (select distinct study_year from per_year)) q using (study_year)
where q.quarter not in (select quarter from own_counts);

create or replace table counts as
select * from own_counts union all select * from duo_counts;

-- ---------------------------------------------------------------------------------------------- quarters
create or replace table quarters as
with idx as (
    select quarter_index(quarter) as i, false as agency from counts
    union all select quarter_index(quarter), true from hours
    union all select quarter_index(quarter_of(available_from)), true from pool
    union all select quarter_index(quarter_of(available_until)), true from pool where available_until is not null
),
b as (select min(i) as lo, max(i) as hi, max(case when agency then i end) as agency_hi from idx)
select quarter_from_index(i) as quarter,
       cast(left(quarter_from_index(i), 4) || ['-01-01', '-04-01', '-07-01', '-10-01'][i % 4 + 1] as date) as q_start,
       cast(left(quarter_from_index(i), 4) || ['-03-31', '-06-30', '-09-30', '-12-31'][i % 4 + 1] as date) as q_end,
       i <= agency_hi as within_agency
from b, range(b.lo, b.hi + 1) t(i);

-- ---------------------------------------------------------------------------------------------- attribution
create or replace table student_quarters as
with latest_hours as (
    select pseudo_id, quarter, arg_max(programme_code, (work_date, record_id)) as programme_code,
           arg_max(location, (work_date, record_id)) as location, sum(hours) as net_hours
    from hours group by pseudo_id, quarter
),
latest_pool as (
    select p.pseudo_id, q.quarter, arg_max(p.programme_code, p.available_from) as programme_code,
           arg_max(p.location, p.available_from) as location
    from pool p
    join quarters q on p.available_from <= q.q_end and (p.available_until is null or p.available_until >= q.q_start)
                   and q.within_agency
    group by p.pseudo_id, q.quarter
)
select coalesce(h.pseudo_id, p.pseudo_id) as pseudo_id, coalesce(h.quarter, p.quarter) as quarter,
       coalesce(h.programme_code, p.programme_code) as programme_code, coalesce(h.location, p.location) as location,
       p.pseudo_id is not null as is_available, coalesce(h.net_hours, 0) as net_hours,
       coalesce(h.net_hours, 0) > 0 as has_participated
from latest_hours h
full outer join latest_pool p on h.pseudo_id = p.pseudo_id and h.quarter = p.quarter;

create or replace table programme_quarters as
with attributed as (
    select quarter, programme_code, location, count(*) filter (where is_available) as n_available,
           count(*) filter (where has_participated) as n_participated, sum(net_hours) as hours_total
    from student_quarters group by all
)
select coalesce(c.quarter, a.quarter) as quarter, coalesce(c.programme_code, a.programme_code) as programme_code,
       coalesce(c.location, a.location) as location, c.n_students,
       coalesce(a.n_available, 0) as n_available, coalesce(a.n_participated, 0) as n_participated,
       coalesce(a.hours_total, 0) as hours_total
from counts c
full outer join attributed a using (quarter, programme_code, location);

create or replace table programme_quarters_described as
select pq.*, coalesce(d.domain, rp.domain, 'Onbekend') as domain
from programme_quarters pq
left join programme_domains d using (programme_code, location)
left join (select programme_code, max(domain) as domain from register group by 1) rp using (programme_code);

create or replace macro pct(n, base) as case when base is null or base = 0 then null else 100.0 * n / base end;

create or replace table participation_levels as
select 'institution' as level, quarter, 'all' as group_name, null as location, null as domain,
       sum(n_students) as n_students, sum(n_available) as n_available,
       sum(n_participated) as n_participated, sum(hours_total) as hours_total
from programme_quarters_described group by quarter
union all
select 'location', quarter, location, location, null, sum(n_students), sum(n_available), sum(n_participated),
       sum(hours_total)
from programme_quarters_described group by quarter, location
union all
select 'domain', quarter, domain, null, domain, sum(n_students), sum(n_available), sum(n_participated),
       sum(hours_total)
from programme_quarters_described group by quarter, domain
union all
select 'programme', quarter, programme_code, location, domain, n_students, n_available, n_participated, hours_total
from programme_quarters_described;

create or replace table participation as
select *, pct(n_available, n_students) as pct_available, pct(n_participated, n_students) as pct_participated,
       coalesce(n_students < ${min_cell}, false) as suppressed
from participation_levels;

-- ---------------------------------------------------------------------------------------------- wellbeing
create or replace table responses as
with typed as (
    select coalesce(try_cast(trim(survey_year) as integer),
                    try_cast(nullif(regexp_extract(f.name, '(\d{4})', 1), '') as integer)) as year_given,
           trim(response_id) as response_id, norm_number(student_number) as norm,
           coalesce(try_cast(trim(submitted_at) as timestamp), try_strptime(trim(submitted_at), '%d-%m-%Y %H:%M:%S'),
                    try_strptime(trim(submitted_at), '%d-%m-%Y %H:%M')) as submitted_at,
           lower(trim(finished)) in ('1', 'true', 'ja', 'waar', 'yes', 'y', 'j') as finished,
           canon(location) as location,
           ${k10_codes},
           try_cast(trim(life_sat) as integer) as life_sat,
           f.mtime, f.name
    from survey_text join files f using (path)
),
keyed as (
    select *, coalesce(year_given, year(submitted_at)) as survey_year from typed
),
latest_file as (
    select * from keyed
    qualify row_number() over (partition by survey_year, response_id order by mtime desc, name desc) = 1
)
select l.*, p.pseudo_id
from latest_file l join pseudonyms p on p.norm = l.norm
where l.finished
qualify row_number() over (partition by l.survey_year, p.pseudo_id
                           order by l.submitted_at desc nulls last, l.response_id desc) = 1;

create or replace table scored as
select survey_year, location,
       case when ${k10_answered} >= 8 then cast(${k10_sum} as double) * 10 / (${k10_answered}) end as k10_score,
       case when life_sat between 0 and 10 then life_sat end as life_sat
from responses;

create or replace table indicator_values as
select survey_year, location, 'k10_mean' as indicator, 'mean' as kind, k10_score as value from scored
union all select survey_year, location, 'k10_high_pct', 'pct',
                 case when k10_score >= 30 then 1.0 when k10_score < 30 then 0.0 end from scored
union all select survey_year, location, 'life_sat_mean', 'mean', cast(life_sat as double) from scored
union all select survey_year, location, 'life_sat_7plus_pct', 'pct',
                 case when life_sat >= 7 then 1.0 when life_sat < 7 then 0.0 end from scored;

create or replace table wellbeing_indicators as
select survey_year, level, group_name, indicator, count(value) as n_respondents,
       case when count(value) = 0 then null when any_value(kind) = 'mean' then avg(value)
            else 100 * sum(value) / count(value) end as value
from (select *, 'institution' as level, 'all' as group_name from indicator_values
      union all select *, 'location', location from indicator_values)
group by survey_year, level, group_name, indicator;
