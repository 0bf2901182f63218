"""dbt build on an empty raw schema passes: empty marts, dimensions from the shipped register."""

from __future__ import annotations


def test_build_on_empty_raw_schema(tmp_path, dbt_build, warehouse_query):
    warehouse = dbt_build(tmp_path, {}, 10)
    for table in ("participation_institution", "participation_by_location", "participation_by_domain",
                  "participation_by_programme", "dim_quarter"):
        assert warehouse_query(warehouse, f"SELECT count(*) AS n FROM marts.{table}") == [{"n": 0}], table
    (programmes,) = warehouse_query(warehouse, "SELECT count(*) AS n FROM marts.dim_programme")
    assert programmes["n"] == 110  # the rows of seeds/programmes.csv
    domains = {r["domain"] for r in warehouse_query(warehouse, "SELECT domain FROM marts.dim_domain")}
    assert "Onbekend" in domains
