-- dbt's PostgreSQL target: the participation disclosure decisions as `wellbeing disclose` wrote
-- them (docs/disclosure.md), between `dbt build --select +tag:disclosure_cells` and the rest of the build. On
-- DuckDB the Python model of the same name (../duckdb/) decides them inside dbt.
select * from {{ source('disclosure', 'participation_disclosure_decisions') }}
