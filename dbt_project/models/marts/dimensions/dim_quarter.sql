-- Calendar quarters (key `quarter`, `2023-Q1`) from the first to the last quarter with data. A quarter belongs
-- to the academic year (1 September – 31 August) its first day is in: 2023-Q4 -> 2023-2024, 2024-Q3 -> 2023-2024.
-- has_hours_data / has_pool_data: whether the participation sources cover the quarter (int_quarters_covered).
select
    cast(quarters.quarter as {{ dbt.type_string() }}) as quarter,
    cast(quarters.quarter_start as date) as quarter_start,
    cast(quarters.quarter_end as date) as quarter_end,
    cast(quarters.year as integer) as year,
    cast(quarters.quarter_number as integer) as quarter_number,
    cast({{ academic_year_of('quarters.quarter_start') }} as {{ dbt.type_string() }}) as academic_year,
    cast(quarters.quarter_index as integer) as quarter_sort,
    cast(covered.has_hours_data as boolean) as has_hours_data,
    cast(covered.has_pool_data as boolean) as has_pool_data

from {{ ref('int_quarters_spined') }} as quarters
inner join {{ ref('int_quarters_covered') }} as covered
    on quarters.quarter = covered.quarter
