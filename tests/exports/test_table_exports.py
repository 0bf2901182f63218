"""Table exports on small marts written directly: Parquet with dbt's descriptions, the Excel CSV, the data
dictionary, the DuckDB copy, restricted tables apart, and publication (whole files or nothing)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from dagster import AssetKey, materialize

from assets.common.resource import WarehouseResource
from assets.exports import assets as export_assets
from assets.exports.catalog import TableDoc, table_docs
from assets.exports.publish import Publication
from export_helpers import (
    KEY, UNIT_MARTS, as_excel_expects, excel_value, read_excel_csv, write_unit_marts,
)


def _manifest(path: Path) -> Path:
    """A manifest as dbt writes it, for the unit marts (descriptions, a grain test, a unique key, a relation)."""
    def model(name, description, columns):
        return {"resource_type": "model", "schema": "marts", "name": name, "alias": name, "description": description,
                "columns": {c: {"name": c, "description": d} for c, d in columns.items()}, "config": {"meta": {}}}

    def test(node, name, column=None, **kwargs):
        return {"resource_type": "test", "attached_node": f"model.p.{node}", "column_name": column,
                "test_metadata": {"name": name, "kwargs": kwargs}}

    nodes = {
        "model.p.participation_by_location": model("participation_by_location", "Participation per quarter × location.",
                                                   {"quarter": "Calendar quarter, `2023-Q1`.",
                                                    "pct_participated": "100 × n_participated / n_students."}),
        "model.p.dim_location": model("dim_location", "Locations.", {"location": "Key | canonical name."}),
        "model.p.participation_institution": model("participation_institution", "The institution.", {}),
        "test.p.1": test("participation_by_location", "unique_combination_of_columns",
                         combination_of_columns=["quarter", "location"]),
        "test.p.2": test("participation_by_location", "relationships", "location", to="ref('dim_location')",
                         field="location"),
        "test.p.3": test("dim_location", "unique", "location"),
        "test.p.4": test("dim_location", "not_null", "location"),
        "model.p.staging_thing": {**model("stg", "not a mart", {}), "schema": "staging"},
    }
    path.write_text(json.dumps({"nodes": nodes}), encoding="utf-8")
    return path


@pytest.fixture
def unit(tmp_path, monkeypatch):
    """A data dir whose warehouse holds the unit marts (and a restricted table), exports run through Dagster."""
    data_dir = tmp_path / "data"
    warehouse = write_unit_marts(data_dir / "warehouse" / "wellbeing.duckdb")
    write_unit_marts(warehouse, {"student_feedback": "SELECT 2023 AS survey_year, 'r1' AS response_id, "
                                                     "'ab' AS pseudo_id, 31.5 AS k10_score, '=hoog' AS k10_band"},
                     schema="restricted")
    write_unit_marts(warehouse, {"leftover_of_a_removed_model": "SELECT 1 AS x"})
    docs = {"marts": table_docs(_manifest(tmp_path / "manifest.json"), "marts"),
            "restricted": {"student_feedback": TableDoc("restricted", "student_feedback", "Individual feedback.")}}
    monkeypatch.setattr(export_assets, "table_docs", lambda _path, schema: docs[schema])
    monkeypatch.setenv("WB_PSEUDONYM_KEY", KEY)
    # By environment, as in production (WarehouseResource(data_dir=…) hands Settings a str, not a Path).
    monkeypatch.setenv("WB_DATA_DIR", str(data_dir))
    result = materialize([export_assets.bi_tables, export_assets.bi_duckdb, export_assets.restricted_tables,
                          export_assets.published], resources={"warehouse": WarehouseResource()})
    assert result.success
    return data_dir, result


def test_table_docs_from_the_manifest(tmp_path):
    docs = table_docs(_manifest(tmp_path / "m.json"), "marts")
    assert sorted(docs) == ["dim_location", "participation_by_location", "participation_institution"]
    by_location = docs["participation_by_location"]
    assert by_location.grain == ["quarter", "location"]
    assert by_location.relationships == [("location", "dim_location", "location")]
    assert docs["dim_location"].grain == ["location"]
    assert docs["participation_institution"].grain == []


def test_parquet_carries_values_and_descriptions(unit):
    data_dir, _ = unit
    bi = data_dir / "exports" / "bi"
    assert sorted(p.name for p in bi.glob("*.parquet")) == [f"{t}.parquet" for t in sorted(UNIT_MARTS)]
    con = duckdb.connect(str(data_dir / "warehouse" / "wellbeing.duckdb"), read_only=True)
    try:
        for table in UNIT_MARTS:
            arrow = pq.read_table(bi / f"{table}.parquet")
            expected = con.execute(f"SELECT * FROM marts.{table} ORDER BY ALL").fetchall()
            assert [tuple(r.values()) for r in arrow.to_pylist()] == expected
    finally:
        con.close()
    schema = pq.read_schema(bi / "participation_by_location.parquet")
    assert schema.field("pct_participated").metadata == {b"description": "100 × n_participated / n_students.".encode()}
    assert schema.field("location").metadata is None  # undocumented column: no metadata
    assert schema.metadata[b"grain"] == b"quarter, location"
    assert schema.metadata[b"table"] == b"marts.participation_by_location"
    assert schema.metadata[b"description"] == "Participation per quarter × location.".encode()


def test_csv_reads_in_dutch_excel_as_the_marts(unit):
    data_dir, _ = unit
    con = duckdb.connect(str(data_dir / "warehouse" / "wellbeing.duckdb"), read_only=True)
    try:
        for table in UNIT_MARTS:
            header, rows = read_excel_csv(data_dir / "exports" / "bi" / f"{table}.csv")
            types = dict(con.execute("""SELECT column_name, data_type FROM information_schema.columns
                                        WHERE table_schema = 'marts' AND table_name = ?""", [table]).fetchall())
            assert header == list(types)
            got = [tuple(excel_value(c, types[h]) for c, h in zip(row, header)) for row in rows]
            expected = [tuple(as_excel_expects(v) for v in row)
                        for row in con.execute(f"SELECT * FROM marts.{table} ORDER BY ALL").fetchall()]
            assert got == expected, table
    finally:
        con.close()
    _, locations = read_excel_csv(data_dir / "exports" / "bi" / "dim_location.csv")
    names = [row[0] for row in locations]
    assert {"'=Den Haag", "'+31 Campus", "'@home", "'-min", 'a;b "c"'} <= set(names)
    assert not any(name[:1] in "=+-@" for name in names)
    text = (data_dir / "exports" / "bi" / "participation_by_location.csv").read_text(encoding="utf-8-sig")
    assert ";-2,25;" not in text  # the suppressed row's hours are not published at all
    assert "2023-Q1;2023-01-01;Delft;300;30;15;40,50;10;5;ONWAAR" in text


def test_data_dictionary(unit):
    data_dir, _ = unit
    text = (data_dir / "exports" / "bi" / "DATA_DICTIONARY.md").read_text(encoding="utf-8")
    assert "| [`participation_by_location`](#participation_by_location) | 6 | quarter, location |" in text
    assert "- **Grain:** one row per quarter × location" in text
    assert "- **Relationship:** `location` → `dim_location.location` (many-to-one)" in text
    assert "| `pct_participated` | DOUBLE | 100 × n_participated / n_students. |" in text
    assert "| `location` (key) | VARCHAR | Key \\| canonical name. |" in text
    assert "leftover_of_a_removed_model" not in text


def test_only_tables_built_by_dbt_models_are_exported(unit):
    data_dir, _ = unit
    assert not list((data_dir / "exports").rglob("leftover_of_a_removed_model*"))


def test_duckdb_copy_holds_only_the_marts_with_comments(unit):
    data_dir, result = unit
    copy = data_dir / "exports" / "bi" / "wellbeing_marts.duckdb"
    con = duckdb.connect(str(copy), read_only=True)
    try:
        tables = con.execute("SELECT schema_name, table_name, comment FROM duckdb_tables() ORDER BY ALL").fetchall()
        assert [(s, t) for s, t, _ in tables] == [("marts", t) for t in sorted(UNIT_MARTS)]
        assert ("marts", "participation_by_location", "Participation per quarter × location.") in tables
        assert con.execute("""SELECT comment FROM duckdb_columns() WHERE table_name = 'participation_by_location'
                              AND column_name = 'quarter'""").fetchall() == [("Calendar quarter, `2023-Q1`.",)]
        assert con.execute("SELECT count(*), sum(n_students) FROM marts.participation_by_location").fetchall() == [
            (6, 800)]
    finally:
        con.close()
    assert not [p for p in copy.parent.iterdir() if p.name.startswith(".")]  # no temporary file left behind
    assert result.asset_materializations_for_node("exports__bi_duckdb")[0].metadata["tables"].value == 3


def test_restricted_tables_apart_from_bi(unit):
    data_dir, _ = unit
    restricted = data_dir / "exports" / "restricted"
    assert sorted(p.name for p in restricted.iterdir()) == ["student_feedback.csv", "student_feedback.parquet"]
    assert not list((data_dir / "exports" / "bi").glob("student_feedback*"))
    _, rows = read_excel_csv(restricted / "student_feedback.csv")
    assert rows == [["2023", "r1", "ab", "31,5", "'=hoog"]]
    copy = duckdb.connect(str(data_dir / "exports" / "bi" / "wellbeing_marts.duckdb"), read_only=True)
    try:
        assert copy.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'restricted'").fetchall() == [(0,)]
    finally:
        copy.close()


def test_exports_sit_downstream_of_every_mart():
    """Blocking checks and dbt tests on a mart gate the exports because the exports depend on the mart keys."""
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    marts = {k for k in graph.get_all_asset_keys() if k.path[0] == "marts"}
    assert AssetKey(["marts", "participation_by_location"]) in marts
    for name in ("bi_tables", "bi_duckdb", "dbt_docs"):
        assert marts <= graph.get(AssetKey(["exports", name])).parent_keys, name
    assert graph.get(AssetKey(["exports", "participation_charts"])).parent_keys == {
        AssetKey(["marts", t]) for t in ("participation_institution", "participation_by_location",
                                         "participation_by_domain")}
    build = defs.resolve_job_def("build_warehouse")
    selected = build.asset_layer.selected_asset_keys
    assert {k for k in graph.get_all_asset_keys() if k.path[0] == "exports"} <= selected


def test_publication_is_all_or_nothing(tmp_path):
    folder = tmp_path / "bi"
    with Publication(folder, prune=["*.csv"]) as publication:
        publication.temp("a.csv").write_text("old a")
        publication.temp("gone.csv").write_text("a table that will disappear")
    reader = open(folder / "a.csv")  # an analyst holding the old file open
    with pytest.raises(RuntimeError), Publication(folder, prune=["*.csv"]) as publication:
        publication.temp("a.csv").write_text("half")
        raise RuntimeError("writing failed")
    assert (folder / "a.csv").read_text() == "old a" and (folder / "gone.csv").exists()
    assert sorted(p.name for p in folder.iterdir()) == ["a.csv", "gone.csv"]  # no temporary file left
    with Publication(folder, prune=["*.csv"]) as publication:
        publication.temp("a.csv").write_text("new a")
        (folder / "notes.md").write_text("not an export pattern")
    assert reader.read() == "old a"  # the open file is the old one, unharmed
    reader.close()
    assert (folder / "a.csv").read_text() == "new a"
    assert sorted(p.name for p in folder.iterdir()) == ["a.csv", "notes.md"]  # gone.csv pruned
