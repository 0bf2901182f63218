-- The participation measures per quarter × level (institution, location, domain, programme × location) × group,
-- before disclosure control: int_participation_aggregated_to_programmes rolled up, so every level adds up to the
-- institution. Also what the magnitude rule needs of hours_total (docs/disclosure.md): the students whose net
-- hours are not zero (`n_hours_contributors`) and the two largest net hours of one student in the group.
{%- set levels = {
    'institution': {'group_name': "'all'", 'location': 'null', 'domain': 'null'},
    'location': {'group_name': 'location', 'location': 'location', 'domain': 'null'},
    'domain': {'group_name': 'domain', 'location': 'null', 'domain': 'domain'},
    'programme': {'group_name': 'programme_code', 'location': 'location', 'domain': 'domain'},
} %}
with programme_quarters as (

    -- programme × location × quarter with the register's name, key and domain
    select
        aggregated.*,
        programme_locations.programme_location_key,
        programme_locations.programme_name,
        coalesce(programme_locations.domain, 'Onbekend') as domain

    from {{ ref('int_participation_aggregated_to_programmes') }} as aggregated
    left join {{ ref('int_programme_locations_unioned') }} as programme_locations
        on aggregated.programme_code = programme_locations.programme_code
        and aggregated.location = programme_locations.location

),

{% for level, columns in levels.items() %}
{{ level }}_rows as (

    select
        quarter,
        '{{ level }}' as level,
        {{ columns.group_name }} as group_name,
        {{ columns.location }} as location,
        {{ columns.domain }} as domain,
        {{ 'programme_location_key' if level == 'programme' else 'null' }} as programme_location_key,
        {{ 'programme_code' if level == 'programme' else 'null' }} as programme_code,
        {{ 'max(programme_name)' if level == 'programme' else 'null' }} as programme_name,
        sum(n_students) as n_students,
        {{ dbt.bool_or('n_students_incomplete') }} as n_students_incomplete,
        sum(n_available) as n_available,
        sum(n_participated) as n_participated,
        sum(hours_total) as hours_total

    from programme_quarters
    group by quarter
        {%- if level == 'location' %}, location{% endif %}
        {%- if level == 'domain' %}, domain{% endif %}
        {%- if level == 'programme' %}, programme_location_key, programme_code, location, domain{% endif %}

),

{% endfor -%}

-- every student with net hours other than zero, once per level they are counted in
contributions as (

    select
        attributed.quarter,
        attributed.programme_code,
        attributed.location,
        coalesce(programme_locations.domain, 'Onbekend') as domain,
        abs(attributed.net_hours) as contribution

    from {{ ref('int_student_quarters_attributed') }} as attributed
    left join {{ ref('int_programme_locations_unioned') }} as programme_locations
        on attributed.programme_code = programme_locations.programme_code
        and attributed.location = programme_locations.location
    where attributed.net_hours <> 0

),

contributions_per_level as (

    {%- for level, columns in levels.items() %}
    select
        quarter,
        '{{ level }}' as level,
        {{ columns.group_name }} as group_name,
        {{ columns.location }} as location,
        contribution
    from contributions
    {%- if not loop.last %}

    union all
    {% endif %}
    {%- endfor %}

),

ranked_contributions as (

    select
        contributions_per_level.*,
        row_number() over (
            partition by quarter, level, group_name, location
            order by contribution desc
        ) as contribution_rank

    from contributions_per_level

),

largest_contributions as (

    select
        quarter,
        level,
        group_name,
        location,
        count(*) as n_hours_contributors,
        max(case when contribution_rank = 1 then contribution end) as largest_hours,
        coalesce(max(case when contribution_rank = 2 then contribution end), 0) as second_largest_hours

    from ranked_contributions
    group by quarter, level, group_name, location

),

all_levels as (

    {%- for level in levels %}
    select * from {{ level }}_rows
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

)

select
    all_levels.quarter,
    cast(all_levels.level as {{ dbt.type_string() }}) as level,
    cast(all_levels.group_name as {{ dbt.type_string() }}) as group_name,
    cast(all_levels.location as {{ dbt.type_string() }}) as location,
    cast(all_levels.domain as {{ dbt.type_string() }}) as domain,
    cast(all_levels.programme_location_key as {{ dbt.type_string() }}) as programme_location_key,
    cast(all_levels.programme_code as {{ dbt.type_string() }}) as programme_code,
    cast(all_levels.programme_name as {{ dbt.type_string() }}) as programme_name,
    all_levels.n_students,
    all_levels.n_students_incomplete,
    all_levels.n_available,
    all_levels.n_participated,
    all_levels.hours_total,
    coalesce(largest_contributions.n_hours_contributors, 0) as n_hours_contributors,
    coalesce(largest_contributions.largest_hours, 0) as largest_hours,
    coalesce(largest_contributions.second_largest_hours, 0) as second_largest_hours

from all_levels
left join largest_contributions
    on all_levels.quarter = largest_contributions.quarter
    and all_levels.level = largest_contributions.level
    and all_levels.group_name = largest_contributions.group_name
    and all_levels.location is not distinct from largest_contributions.location
