"""Bad input through `wellbeing materialize`, as a user meets it: a good small landing zone is materialised once,
then a bad file is dropped and the command runs again. It exits non-zero naming the file and the problem;
every published mart and export is byte for byte what it was; the file is quarantined with a report and an
alert is recorded; nothing of it is in the warehouse. A corrected file loads on the next run.

A representative few of the corpus run here (one per kind of failure: unreadable bytes, a key rule, a value
range); `test_bad_inputs.py` runs every corpus entry through the ingestion engine.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from quality_corpus import CORPUS, HOURS_HEADER, run_materialize

BY_ID = {b.id: b for b in CORPUS}
REPRESENTATIVE = ["latin1_bytes", "duplicate_keys", "negative_count"]


def warehouse(data_dir: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(data_dir / "warehouse" / "wellbeing.duckdb"), read_only=True)


def published(data_dir: Path) -> dict[str, str]:
    """A fingerprint of everything published: every marts/restricted table's rows, every export file's bytes."""
    out = {}
    con = warehouse(data_dir)
    try:
        tables = con.execute("""SELECT table_schema || '.' || table_name FROM information_schema.tables
                                WHERE table_schema IN ('marts', 'restricted') ORDER BY 1""").fetchall()
        for (table,) in tables:
            rows = con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
            out[table] = hashlib.sha256(repr(rows).encode()).hexdigest()
    finally:
        con.close()
    assert len(out) >= 8, out
    exports = data_dir / "exports"
    for path in sorted(p for p in exports.rglob("*") if p.is_file()):
        out[path.relative_to(data_dir).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def rejected_run(data_dir: Path, bad_id: str):
    bad = BY_ID[bad_id]
    path = data_dir / "landing" / bad.rel
    path.parent.mkdir(parents=True, exist_ok=True)
    bad.make(path)
    return bad, run_materialize(data_dir)


@pytest.mark.parametrize("bad_id", REPRESENTATIVE)
def test_bad_file_stops_materialize_and_leaves_everything_published(copy_materialized: Path, bad_id: str):
    data_dir = copy_materialized
    before = published(data_dir)
    assert any(key.startswith("exports/") for key in before), "the good run published exports"

    bad, result = rejected_run(data_dir, bad_id)

    assert result.returncode == 1, result.stdout[-2000:] + result.stderr[-2000:]
    assert "wellbeing materialize FAILED" in result.stderr
    assert f"{bad.rel} rejected: {bad.message}" in result.stderr       # names the file and the problem
    assert published(data_dir) == before                               # marts and exports as they were
    con = warehouse(data_dir)
    try:
        assert con.execute(f"SELECT count(*) FROM raw.{bad.source.name} WHERE _source_file = ?",
                           [bad.rel]).fetchall() == [(0,)]
        assert con.execute("SELECT kind, file FROM ops.alerts WHERE kind = 'rejected_file'").fetchall() == [
            ("rejected_file", bad.rel)]
        [(report,)] = con.execute("SELECT report FROM ops.landing_files WHERE status = 'rejected'").fetchall()
    finally:
        con.close()
    assert Path(report).parent == data_dir / "quarantine"
    assert bad.message in (data_dir / "quarantine" / Path(report).name).read_text(encoding="utf-8")
    for number in bad.numbers:
        assert number not in result.stdout + result.stderr


def test_corrected_file_loads_on_the_next_run(copy_materialized: Path):
    data_dir = copy_materialized
    bad, first = rejected_run(data_dir, "latin1_bytes")
    assert first.returncode == 1
    con = warehouse(data_dir)
    [(hours_before,)] = con.execute(
        "SELECT hours_total FROM marts.participation_institution WHERE quarter = '2023-Q1'").fetchall()
    con.close()

    corrected = data_dir / "landing" / bad.rel   # the same name, now UTF-8
    corrected.write_text(HOURS_HEADER + "z1,612345,34116,Den Haag,2023-01-02,5\n"
                                        "z2,700001,34116,Zoëterwoude,2023-01-03,4\n", encoding="utf-8")
    second = run_materialize(data_dir)
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]

    con = warehouse(data_dir)
    try:
        assert con.execute("SELECT record_id, location FROM raw.participation_hours WHERE _source_file = ? ORDER BY 1",
                           [bad.rel]).fetchall() == [("z1", "Den Haag"), ("z2", "Zoëterwoude")]
        [(hours_after,)] = con.execute(
            "SELECT hours_total FROM marts.participation_institution WHERE quarter = '2023-Q1'").fetchall()
        assert hours_after == hours_before + Decimal("9")
        # Zoëterwoude is not in the register and has no student count: the rows loaded, warnings say so
        warnings = dict(con.execute("SELECT check_name, message FROM ops.alerts WHERE kind = 'warning'").fetchall())
    finally:
        con.close()
    assert "Zoëterwoude: location unknown (1 row)" in warnings["programmes_in_register"]
    # dbt's target folders are pruned (orchestration/dbt.py): the latest build's results are kept for debugging
    builds = sorted((data_dir / "state" / "dbt" / "builds").iterdir(), key=lambda p: p.stat().st_mtime_ns)
    assert 1 <= len(builds) <= 3 and (builds[-1] / "run_results.json").exists()
    assert "2023-Q1 34116 × Zoëterwoude: 1 hours line(s)" in warnings["participation_has_student_counts"]
