"""The exports after `wellbeing materialize` on a small hand-made landing zone (export_helpers.build_landing):
every mart as Parquet and as Dutch-Excel CSV with the marts' values, formula neutralisation, the DuckDB copy
(opened by DuckDB 1.4, held open during a run), dbt's docs, and the charts in files and in Dagster."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from dagster import AssetKey, DagsterInstance

from assets.exports import charts
from assets.exports.catalog import table_docs
from tests.landing_zones.exports import QUARTERS, add_counts
from export_helpers import (
    KEY, as_excel_expects, excel_value, marts_of, read_excel_csv, run_materialize,
)
from assets.common.dbt_project import dbt_project

DUCKDB14 = Path(sys.prefix) / "duckdb14"
EXPECTED_MARTS = {"dim_domain", "dim_location", "dim_programme", "dim_quarter", "participation_by_domain",
                  "participation_by_location", "participation_by_programme", "participation_institution"}


def _warehouse(data_dir: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(data_dir / "warehouse" / "wellbeing.duckdb"), read_only=True)


def test_every_mart_as_parquet_with_values_and_dbt_descriptions(built):
    tables = marts_of(built)
    assert EXPECTED_MARTS <= set(tables)
    bi = built / "exports" / "bi"
    assert sorted(p.stem for p in bi.glob("*.parquet")) == tables
    docs = table_docs(dbt_project.manifest_path, "marts")
    con = _warehouse(built)
    try:
        for table in tables:
            arrow = pq.read_table(bi / f"{table}.parquet")
            assert [tuple(r.values()) for r in arrow.to_pylist()] == \
                con.execute(f"SELECT * FROM marts.{table} ORDER BY ALL").fetchall(), table
            for field in arrow.schema:
                described = docs[table].columns.get(field.name)
                if described or table in EXPECTED_MARTS:  # the participation marts document every column
                    assert field.metadata[b"description"].decode() == described, (table, field.name)
            assert arrow.schema.metadata[b"table"] == f"marts.{table}".encode()
    finally:
        con.close()
    assert pq.read_schema(bi / "participation_by_location.parquet").metadata[b"grain"] == b"quarter, location"


def test_every_mart_as_csv_reads_in_dutch_excel_as_the_marts(built):
    con = _warehouse(built)
    try:
        for table in marts_of(built):
            header, rows = read_excel_csv(built / "exports" / "bi" / f"{table}.csv")
            types = dict(con.execute("""SELECT column_name, data_type FROM information_schema.columns
                                        WHERE table_schema = 'marts' AND table_name = ?""", [table]).fetchall())
            assert header == list(types), table
            got = [tuple(excel_value(c, types[h]) for c, h in zip(row, header)) for row in rows]
            expected = [tuple(as_excel_expects(v) for v in row)
                        for row in con.execute(f"SELECT * FROM marts.{table} ORDER BY ALL").fetchall()]
            assert got == expected, table
    finally:
        con.close()


def test_restricted_tables_only_in_restricted(built):
    con = _warehouse(built)
    try:
        restricted = [r[0] for r in con.execute("""SELECT table_name FROM information_schema.tables
                                                   WHERE table_schema = 'restricted'""").fetchall()]
    finally:
        con.close()
    folder = built / "exports" / "restricted"
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{t}.{ext}" for t in restricted
                                                              for ext in ("csv", "parquet"))
    for table in restricted:
        assert not list((built / "exports" / "bi").glob(f"{table}.*"))


def test_programme_names_that_look_like_formulas_are_neutralised(built):
    _, rows = read_excel_csv(built / "exports" / "bi" / "dim_programme.csv")
    names = {row[3] for row in rows}
    assert {"'=Food+Tech", "'-Min Opleiding", "'@Klein +Plus", "B Social Work"} <= names
    for path in (built / "exports" / "bi").glob("*.csv"):
        header, rows = read_excel_csv(path)
        for row in rows:
            for cell in row:
                assert cell[:1] not in ("=", "+", "@") and not (cell[:1] == "-" and not cell[1:2].isdigit()), \
                    (path.name, cell)


def test_data_dictionary_lists_every_mart(built):
    text = (built / "exports" / "bi" / "DATA_DICTIONARY.md").read_text(encoding="utf-8")
    for table in marts_of(built):
        assert f"\n## {table}\n" in text
    assert "- **Relationship:** `quarter` → `dim_quarter.quarter` (many-to-one)" in text
    assert "academic_year" in text


def test_duckdb_copy_opens_in_duckdb_1_4(built):
    if not (DUCKDB14 / "duckdb").is_dir():
        pytest.fail(f"DuckDB 1.4 is not installed in {DUCKDB14}: run `make install` (Makefile target $(DUCKDB14))")
    con = _warehouse(built)
    try:
        expected = {t: con.execute(f"SELECT count(*) FROM marts.{t}").fetchall()[0][0] for t in marts_of(built)}
        total = con.execute("SELECT sum(hours_total)::VARCHAR FROM marts.participation_institution").fetchall()[0][0]
    finally:
        con.close()
    script = textwrap.dedent("""
        import json, sys, duckdb
        con = duckdb.connect(sys.argv[1], read_only=True)
        tables = con.execute("SELECT schema_name, table_name FROM duckdb_tables() ORDER BY ALL").fetchall()
        print(json.dumps({
            "version": duckdb.__version__,
            "schemas": sorted({s for s, _ in tables}),
            "counts": {t: con.execute(f"SELECT count(*) FROM marts.{t}").fetchone()[0] for _, t in tables},
            "hours": con.execute("SELECT sum(hours_total)::VARCHAR FROM marts.participation_institution").fetchone()[0],
            "foreign": sorted(con.execute(
                "SELECT table_name || '.' || constraint_column_names[1] || ' -> ' || referenced_table || '.' "
                "|| referenced_column_names[1] FROM duckdb_constraints() WHERE constraint_type = 'FOREIGN KEY'"
            ).fetchall()),
        }))
    """)
    result = subprocess.run([sys.executable, "-c", script, str(built / "exports" / "bi" / "wellbeing_marts.duckdb")],
                            env={"PYTHONPATH": str(DUCKDB14), "PATH": "/usr/bin:/bin"},
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    seen = json.loads(result.stdout)
    assert seen["version"].startswith("1.4.")
    assert seen["schemas"] == ["marts"]
    assert seen["counts"] == expected
    assert seen["hours"] == total
    # the keys Power BI and SQL clients draw relationships from (assets/exports/keys.py)
    foreign = {row[0] for row in seen["foreign"]}
    assert {"participation_institution.quarter -> dim_quarter.quarter",
            "participation_by_programme.programme_location_key -> dim_programme.programme_location_key",
            "wellbeing_indicators.indicator -> dim_indicator.indicator"} <= foreign


def test_dbt_docs_published(built):
    docs = built / "exports" / "docs"
    assert sorted(p.name for p in docs.iterdir()) == ["catalog.json", "index.html", "manifest.json"]
    catalog = json.loads((docs / "catalog.json").read_text(encoding="utf-8"))
    assert "model.wellbeing_warehouse.participation_by_location" in catalog["nodes"]
    manifest = json.loads((docs / "manifest.json").read_text(encoding="utf-8"))
    assert "model.wellbeing_warehouse.dim_quarter" in manifest["nodes"]
    compiled = manifest["nodes"]["model.wellbeing_warehouse.participation_by_location"]["compiled_code"]
    assert "{{" not in compiled and '"intermediate"' in compiled  # the SQL that ran, refs resolved
    html = (docs / "index.html").read_text(encoding="utf-8")
    assert "participation_by_location" in html  # --static: manifest and catalog inside, opens without a server
    for path in docs.iterdir():
        assert KEY not in path.read_text(encoding="utf-8"), f"the pseudonymisation key leaked into {path.name}"


def test_charts_in_files_and_in_dagster(built, artifacts):
    chart_dir = built / "exports" / "charts"
    names = sorted(p.name for p in chart_dir.iterdir())
    assert names == ["participation_by_domain.png", "participation_by_location.png", "participation_trend.png"]
    for name in names:
        assert (chart_dir / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        shutil.copyfile(chart_dir / name, artifacts / f"e2e_{name}")
    instance = DagsterInstance.from_config(str(built / "dagster_home"))
    try:
        event = instance.get_latest_materialization_event(AssetKey(["exports", "participation_charts"]))
        metadata = event.asset_materialization.metadata
        assert metadata["participation_by_location"].value.startswith("![Studentparticipatie per locatie")
        assert "data:image/png;base64," in metadata["participation_by_location"].value
        wellbeing = instance.get_latest_materialization_event(AssetKey(["exports", "wellbeing_charts"]))
        assert wellbeing.asset_materialization.metadata["charts"].value == []  # no survey marts in this landing
    finally:
        instance.dispose()


def test_dashboard_of_the_real_marts_marks_suppressed_locations(built):
    """Alkmaar (6 students, nobody available or working) is suppressed, and so is 30023 Haarlem (5 students, all
    available, none working). A count at 0 (or at its base) can only move one way, so its complements must be able
    to move the other: the only such cycles run through Delft (its 30022 has 12 participants) and Haarlem, and
    domain AFL for Alkmaar's twin TOI. So every location is hidden in 2023: placeholders, never zero bars."""
    con = _warehouse(built)
    try:
        figures = charts.participation_charts(con, 10)
    finally:
        con.close()
    figure = figures["participation_by_location"]
    assert figure.get_suptitle() == "Studentparticipatie per locatie, per kwartaal 2023"
    for ax in figure.axes:
        ticks = [t.get_text() for t in ax.get_xticklabels()]
        assert ticks == ["Instelling", "Alkmaar", "Delft", "Haarlem"]
        labels = sorted(t.get_text() for t in ax.texts if t.get_gid() == charts.SUPPRESSED)
        # four quarters: Delft and Haarlem (complements, *), Alkmaar (< 10)
        assert labels == ["*"] * 8 + ["< 10"] * 4
        for container in ax.containers:
            heights = [bar.get_height() for bar in container]
            assert heights[0] > 0 and all(math.isnan(h) for h in heights[1:])


def latest_restricted_files(data_dir: Path) -> list[str]:
    return sorted(p.name for p in (data_dir / "exports" / "restricted").glob("*") if not p.name.startswith("."))


def test_open_copy_survives_a_run_and_new_connections_see_new_data(built, tmp_path):
    """An analyst holds wellbeing_marts.duckdb open (read-only, another process) while `wellbeing materialize`
    runs with a new quarter of counts: the run succeeds, the open connection keeps answering (old data), and a
    new connection sees the new quarter."""
    data_dir = tmp_path / "data"
    shutil.copytree(built, data_dir, symlinks=True)
    copy = data_dir / "exports" / "bi" / "wellbeing_marts.duckdb"
    reader_script = textwrap.dedent("""
        import sys, duckdb
        con = duckdb.connect(sys.argv[1], read_only=True)
        query = "SELECT count(*) FROM marts.participation_institution"
        print(con.execute(query).fetchone()[0], flush=True)
        sys.stdin.readline()
        print(con.execute(query).fetchone()[0], flush=True)
    """)
    reader = subprocess.Popen([sys.executable, "-c", reader_script, str(copy)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        before = int(reader.stdout.readline())
        assert before == len(QUARTERS)
        inode = copy.stat().st_ino
        add_counts(data_dir / "landing", ["2024-Q2"], "counts_2024Q2.csv")
        result = run_materialize(data_dir)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        reader.stdin.write("\n")
        reader.stdin.flush()
        assert int(reader.stdout.readline()) == before  # the open connection still works, on the old copy
    finally:
        reader.stdin.close()
        assert reader.wait(timeout=60) == 0, reader.stderr.read()
    assert copy.stat().st_ino != inode  # swapped in, not rewritten in place
    fresh = duckdb.connect(str(copy), read_only=True)
    try:
        assert fresh.execute("SELECT max(quarter), count(*) FROM marts.participation_institution").fetchall() == [
            ("2024-Q2", before + 1)]
    finally:
        fresh.close()
    assert not [p.name for p in copy.parent.iterdir() if p.name.startswith(".")]  # no temporary file left
    parquet = pq.read_table(data_dir / "exports" / "bi" / "participation_institution.parquet")
    assert parquet.column("quarter").to_pylist()[-1] == "2024-Q2"
    # A new quarter of counts changes the participation marts, not the project nor the survey marts: the
    # participation charts are drawn again; the docs, the wellbeing charts and the restricted tables stand (they
    # ran, as a model they read was rebuilt, found its rows unchanged and say so).
    instance = DagsterInstance.from_config(str(data_dir / "dagster_home"))
    try:
        events = {name: instance.get_latest_materialization_event(AssetKey(["exports", name]))
                  for name in ("participation_charts", "wellbeing_charts", "dbt_docs", "bi_tables", "restricted")}
    finally:
        instance.dispose()
    latest = {name: event.asset_materialization for name, event in events.items()}
    this_run = events["bi_tables"].run_id
    assert {name: (event.run_id == this_run, latest[name].metadata["unchanged"].value)
            for name, event in events.items()} == {
        "participation_charts": (True, False), "wellbeing_charts": (True, True), "dbt_docs": (True, True),
        "bi_tables": (True, False), "restricted": (True, True)}
    assert sorted(latest["restricted"].metadata["files"].value) == latest_restricted_files(data_dir)
    assert latest["participation_charts"].metadata["participation_trend"].value.startswith("![")
    assert sorted(p.name for p in (data_dir / "exports" / "docs").iterdir()) == [
        "catalog.json", "index.html", "manifest.json"]
