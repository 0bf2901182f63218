"""dbt build on an empty raw schema passes: empty marts, dimensions from the shipped register. This build is also
where the suite runs dbt's unit tests, once (every other build leaves them out: tests/dbt_harness.py)."""

from __future__ import annotations

import json


def test_build_on_empty_raw_schema(tmp_path, dbt_build, warehouse_query):
    warehouse = dbt_build(tmp_path, {}, 10, unit_tests=True)
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text(encoding="utf-8"))
    results = json.loads((tmp_path / "target" / "run_results.json").read_text(encoding="utf-8"))["results"]
    ran = {r["unique_id"]: r["status"] for r in results if r["unique_id"].startswith("unit_test.")}
    assert len(manifest["unit_tests"]) > 20 and set(ran) == set(manifest["unit_tests"])
    assert set(ran.values()) == {"pass"}
    for table in ("participation_institution", "participation_by_location", "participation_by_domain",
                  "participation_by_programme", "dim_quarter"):
        assert warehouse_query(warehouse, f"SELECT count(*) AS n FROM marts.{table}") == [{"n": 0}], table
    (programmes,) = warehouse_query(warehouse, "SELECT count(*) AS n FROM marts.dim_programme")
    assert programmes["n"] == 110  # the rows of seeds/programmes.csv
    domains = {r["domain"] for r in warehouse_query(warehouse, "SELECT domain FROM marts.dim_domain")}
    assert "Onbekend" in domains
