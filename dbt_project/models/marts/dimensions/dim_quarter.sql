-- Calendar quarters (key `quarter`, `2023-Q1`) from the first to the last quarter with data. A quarter belongs
-- to the academic year (1 September – 31 August) its first day is in: 2023-Q4 -> 2023-2024, 2024-Q3 -> 2023-2024.
select
    cast(quarter as {{ dbt.type_string() }}) as quarter,
    cast(quarter_start as date) as quarter_start,
    cast(quarter_end as date) as quarter_end,
    cast(year as integer) as year,
    cast(quarter_number as integer) as quarter_number,
    cast({{ academic_year_of('quarter_start') }} as {{ dbt.type_string() }}) as academic_year,
    cast(quarter_index as integer) as quarter_sort

from {{ ref('int_quarters_spined') }}
