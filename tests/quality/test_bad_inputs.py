"""Every bad input of the corpus, through the ingestion engine: rejected whole with the exact message a user
sees, nothing of it in the warehouse, a quarantine copy with a readable report (rows, column, rule, value,
student numbers masked), an alert recorded. (`test_materialize_roundtrip.py` runs a few through
`wellbeing materialize`.)"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from assets.common.settings import LandingLimits, Settings
from assets.common.warehouse import connect
from assets.ingest import participation
from assets.ingest.engine import load, scan
from quality_corpus import CORPUS, HOSTILE_TEXT, KEY, TODAY, Bad, hostile_text_file


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", pseudonym_key=KEY, landing=LandingLimits(settle_seconds=0))


def drop(settings: Settings, bad: Bad) -> Path:
    path = settings.landing_dir / bad.rel
    path.parent.mkdir(parents=True, exist_ok=True)
    bad.make(path)
    return path


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("bad", CORPUS, ids=lambda b: b.id)
def test_bad_file_is_rejected_whole_quarantined_and_alerted(settings: Settings, bad: Bad):
    path = drop(settings, bad)
    with connect(settings.warehouse_path) as con:
        scanned = scan(bad.source, settings, con, run_id="run-1", today=TODAY)
        loaded = load(bad.source, settings, con)
        [outcome] = scanned.files
        assert (outcome.status, outcome.file) == ("rejected", bad.rel)
        assert outcome.message == bad.message

        # nothing of it in the warehouse
        assert loaded.rows_upserted == 0
        assert con.execute(f"SELECT count(*) FROM raw.{bad.source.name}").fetchall() == [(0,)]
        assert con.execute("SELECT status, message FROM ops.landing_files").fetchall() == [("rejected", bad.message)]

        # an alert: what, where, what to do
        [(kind, severity, subject, file, message, action, run_id)] = con.execute(
            "SELECT kind, severity, subject, file, message, action, run_id FROM ops.alerts").fetchall()
        assert (kind, severity, subject, file, run_id) == (
            "rejected_file", "error", f"Bestand afgewezen: {bad.rel}", bad.rel, "run-1")
        assert bad.message in message and "quarantine" in action
        logged = str(con.execute("SELECT * FROM ops.alerts").fetchall()
                     + con.execute("SELECT * FROM ops.load_log").fetchall()
                     + con.execute("SELECT * FROM ops.landing_files").fetchall())

    # quarantine: an exact copy and a readable report beside it
    quarantined = sorted(settings.quarantine_dir.iterdir())
    digest = sha(path)
    copy = next(p for p in quarantined if p.name.endswith(f"_{bad.source.name}_{digest[:4]}-{digest[4:8]}_{path.name}"))
    assert sha(copy) == sha(path)
    report = next(p for p in quarantined if p.name.endswith(".report.md")).read_text(encoding="utf-8")
    assert report.startswith(f"# Rejected: {bad.rel}\n")
    assert bad.message in report
    for fragment in bad.report:
        assert fragment in report, f"{fragment!r} not in report:\n{report}"
    json_report = next(p for p in quarantined if p.name.endswith(".report.json")).read_text(encoding="utf-8")

    # raw student numbers appear nowhere but in the landing zone and its quarantined copy
    for number in bad.numbers:
        for shown in (report, json_report, logged):
            assert number not in shown


def test_a_rejected_file_is_reported_once_and_its_correction_loads(settings: Settings):
    bad = next(b for b in CORPUS if b.id == "hours_out_of_range")
    path = drop(settings, bad)
    with connect(settings.warehouse_path) as con:
        scan(bad.source, settings, con, today=TODAY)
        again = scan(bad.source, settings, con, today=TODAY)
        assert [f.status for f in again.files] == ["previously_rejected"]
        assert con.execute("SELECT count(*) FROM ops.alerts").fetchall() == [(1,)]
        path.write_text(path.read_text().replace(",25\n", ",7.5\n"), encoding="utf-8")
        fixed = scan(bad.source, settings, con, today=TODAY)
        loaded = load(bad.source, settings, con)
        assert [f.status for f in fixed.files] == ["accepted"]
        assert loaded.rows_upserted == 1


def test_sql_and_formulas_in_text_cells_load_as_plain_text(settings: Settings):
    """Decision: text cells are data, bound as values and never executed; they load as delivered (the CSV
    exports neutralise formulas for Excel, warehouse contract). Nothing here is a reason to reject a file."""
    path = settings.landing_dir / "participation/hours/hostile.csv"
    path.parent.mkdir(parents=True)
    hostile_text_file(path)
    with connect(settings.warehouse_path) as con:
        scanned = scan(participation.HOURS, settings, con, today=TODAY)
        load(participation.HOURS, settings, con)
        assert [f.status for f in scanned.files] == ["accepted"]
        rows = con.execute("SELECT record_id, role, department FROM raw.participation_hours ORDER BY hours DESC").fetchall()
        assert rows[0] == (HOSTILE_TEXT["record_id"], HOSTILE_TEXT["role"], HOSTILE_TEXT["department"])
        assert rows[1] == ("h2", "+31 6 1234", "-- DELETE FROM marts.x")
        assert con.execute("SELECT count(*) FROM raw.participation_hours").fetchall() == [(2,)]  # nothing dropped


def test_sql_in_a_column_name_is_never_executed(settings: Settings, tmp_path: Path):
    marker = tmp_path / "executed.csv"
    name = f"hours\" AS VARCHAR)), '') AS q FROM landing_src; COPY (SELECT 42 AS a) TO '{marker}'; --"
    path = settings.landing_dir / "participation/hours/header.csv"
    path.parent.mkdir(parents=True)
    path.write_text("record_id,student_number,programme_code,location,work_date,hours,\""
                    + name.replace('"', '""') + "\"\nh1,612345,34116,Delft,2023-01-02,5,x\n", encoding="utf-8")
    with connect(settings.warehouse_path) as con:
        scan(participation.HOURS, settings, con, today=TODAY)
    assert not marker.exists()
