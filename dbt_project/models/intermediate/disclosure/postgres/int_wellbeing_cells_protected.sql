-- dbt's PostgreSQL target: the wellbeing disclosure decisions as `wellbeing disclose` wrote them
-- (docs/disclosure.md), between `dbt build --select +tag:disclosure_cells` and the rest of the build. On DuckDB the
-- Python model of the same name (../duckdb/) decides them inside dbt.
select * from {{ source('disclosure', 'wellbeing_disclosure_decisions') }}
