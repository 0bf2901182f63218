"""The landing contract's loading rules on small hand-made files: formats, pseudonymisation, idempotence,
newest-file-wins, whole-file rejection with quarantine, DUO layouts."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import shutil
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from assets.common.settings import ConfigurationError, LandingLimits, Settings
from assets.common.warehouse import connect
from assets.ingest import duo, participation, students
from assets.ingest.engine import load, load_stamp, scan
from assets.ingest.raw_assets import pending_partitions
from tests import landing_zones

KEY = "test-key-0123456789abcdef0123456789"  # 32 characters at least (settings.require_key)
REFERENCE = Path(__file__).resolve().parents[2] / "assets" / "demo" / "data"


def hmac_of(number: str) -> str:
    return hmac.new(KEY.encode(), number.encode(), hashlib.sha256).hexdigest()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, pseudonym_key=KEY, landing=LandingLimits(settle_seconds=0))


def write(settings: Settings, rel: str, text: str, mtime: int | None = None, encoding: str = "utf-8") -> Path:
    return landing_zones.write(settings.landing_dir / rel, text, encoding=encoding, mtime=mtime)


def ingest(source, settings, partitions=None):
    with connect(settings.warehouse_path) as con:
        scanned = scan(source, settings, con, today=dt.date(2026, 11, 25))
        loaded = load(source, settings, con, partitions=partitions)
    return scanned, loaded


def rows(settings: Settings, sql: str):
    with connect(settings.warehouse_path) as con:
        return con.execute(sql).fetchall()


HOURS_SEMI = (
    "\ufeffrecord_id;student_number;programme_code;location;work_date;hours;role\r\n"
    "h1;0612345;34116;Den Haag;31-03-2023;7,5;bar\r\n"
    "h2;612345;34116;Den Haag;01-04-2023;-2,25;bar\r\n"
    "h3;700001;34145;Haarlem;2023-12-31;4;\r\n"
)


def test_semicolon_decimal_comma_file_loads_pseudonymised(settings):
    write(settings, "participation/hours/2023.csv", HOURS_SEMI)
    scanned, loaded = ingest(participation.HOURS, settings)
    assert [f.status for f in scanned.files] == ["accepted"]
    assert scanned.files[0].partitions == ["2023-Q1", "2023-Q2", "2023-Q4"]
    got = rows(settings, "SELECT record_id, pseudo_id, work_date, hours FROM raw.participation_hours ORDER BY 1")
    # 0612345 and 612345 are one student: normalised before the HMAC.
    assert got == [
        ("h1", hmac_of("612345"), dt.date(2023, 3, 31), Decimal("7.50")),
        ("h2", hmac_of("612345"), dt.date(2023, 4, 1), Decimal("-2.25")),
        ("h3", hmac_of("700001"), dt.date(2023, 12, 31), Decimal("4.00")),
    ]
    assert loaded.rows_upserted == 3


def test_xlsx_first_sheet_with_real_dates(settings):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Record_ID", " Student_Number ", "programme_code", "LOCATION", "work_date", "hours"])
    ws.append(["x1", 612345, "34116", "Delft", dt.datetime(2024, 2, 29), 3.5])
    ws.append(["x2", "0700001", "34116", "Delft", dt.datetime(2024, 3, 1), 8])
    wb.create_sheet("notes").append(["ignored"])
    path = settings.landing_dir / "participation/hours/2024-02.xlsx"
    path.parent.mkdir(parents=True)
    wb.save(path)
    ingest(participation.HOURS, settings)
    got = rows(settings, "SELECT record_id, pseudo_id, work_date, hours FROM raw.participation_hours ORDER BY 1")
    assert got == [("x1", hmac_of("612345"), dt.date(2024, 2, 29), Decimal("3.50")),
                   ("x2", hmac_of("700001"), dt.date(2024, 3, 1), Decimal("8.00"))]


def test_rerun_loads_nothing_new_and_never_duplicates(settings):
    write(settings, "participation/hours/a.csv", HOURS_SEMI)
    ingest(participation.HOURS, settings)
    shutil.copy(settings.landing_dir / "participation/hours/a.csv", settings.landing_dir / "participation/hours/b.csv")
    scanned, loaded = ingest(participation.HOURS, settings)
    assert sorted(f.status for f in scanned.files) == ["unchanged", "unchanged"]  # same content, other name
    assert loaded.rows_upserted == 0
    assert rows(settings, "SELECT count(*) FROM raw.participation_hours") == [(3,)]


def test_newest_file_wins_by_mtime_then_name(settings):
    header = "record_id,student_number,programme_code,location,work_date,hours\n"
    write(settings, "participation/hours/new.csv", header + "h1,1,34116,Delft,2023-01-02,5\n", mtime=2_000_000_000)
    write(settings, "participation/hours/old.csv", header + "h1,1,34116,Delft,2023-01-02,3\n", mtime=1_900_000_000)
    _, loaded = ingest(participation.HOURS, settings)  # both in one upsert: the newer file's row is written
    assert rows(settings, "SELECT hours FROM raw.participation_hours") == [(Decimal("5.00"),)]
    assert loaded.rows_upserted == 1
    assert rows(settings, "SELECT file, rows_upserted FROM ops.load_log WHERE status = 'loaded' ORDER BY 1") == [
        ("participation/hours/new.csv", 1), ("participation/hours/old.csv", 0)]
    # An older file delivered later still loses against the newer one already loaded.
    write(settings, "participation/hours/older.csv", header + "h1,1,34116,Delft,2023-01-02,1\n", mtime=1_800_000_000)
    ingest(participation.HOURS, settings)
    assert rows(settings, "SELECT hours, _source_file FROM raw.participation_hours") == [
        (Decimal("5.00"), "participation/hours/new.csv")]
    # A newer correction replaces it.
    write(settings, "participation/hours/newer.csv", header + "h1,1,34116,Delft,2023-01-02,6\n", mtime=2_100_000_000)
    ingest(participation.HOURS, settings)
    assert rows(settings, "SELECT hours FROM raw.participation_hours") == [(Decimal("6.00"),)]


def test_each_load_is_stamped_after_every_row_the_table_holds(settings):
    """A raw table's data version is its rows and latest stamp: a load never repeats or goes back on a stamp,
    even when the clock does (here: a stored row stamped in 2999, as after a clock set back)."""
    header = "record_id,student_number,programme_code,location,work_date,hours\n"
    write(settings, "participation/hours/a.csv", header + "h1,1,34116,Delft,2023-01-02,5\n")
    ingest(participation.HOURS, settings)
    [(first,)] = rows(settings, "SELECT _loaded_at FROM raw.participation_hours")
    assert dt.datetime(2026, 1, 1) < first < dt.datetime(2999, 1, 1)  # a table's first load: the clock's now
    with connect(settings.warehouse_path) as con:
        con.execute("UPDATE raw.participation_hours SET _loaded_at = TIMESTAMP '2999-01-01 00:00:00'")
        assert load_stamp(con, "participation_hours") == dt.datetime(2999, 1, 1, 0, 0, 0, 1)
        assert first < load_stamp(con, "participation_pool") < dt.datetime(2999, 1, 1)  # an empty table: now
    write(settings, "participation/hours/b.csv", header + "h2,2,34116,Delft,2023-01-03,4\n")
    ingest(participation.HOURS, settings)
    assert rows(settings, "SELECT record_id, _loaded_at FROM raw.participation_hours ORDER BY 1") == [
        ("h1", dt.datetime(2999, 1, 1)), ("h2", dt.datetime(2999, 1, 1, 0, 0, 0, 1))]


def test_partitions_load_only_their_quarters(settings):
    write(settings, "participation/hours/2023.csv", HOURS_SEMI)
    _, loaded = ingest(participation.HOURS, settings, partitions=["2023-Q2"])
    assert rows(settings, "SELECT record_id FROM raw.participation_hours") == [("h2",)]
    _, loaded = ingest(participation.HOURS, settings, partitions=["2023-Q1", "2023-Q2", "2023-Q4"])
    assert loaded.rows_upserted == 2  # Q2 was loaded before
    assert rows(settings, "SELECT count(*) FROM raw.participation_hours") == [(3,)]


def test_pending_partitions_are_those_an_accepted_file_holds_and_no_load_took_yet(settings):
    """What `wellbeing materialize` loads: HOURS_SEMI holds 2023-Q1, Q2 and Q4; after loading Q2 the other two
    are pending; a new file with a line of Q2 makes Q2 pending again (its rows are new), and a load of all
    leaves none."""
    write(settings, "participation/hours/2023.csv", HOURS_SEMI)
    ingest(participation.HOURS, settings, partitions=["2023-Q2"])
    with connect(settings.warehouse_path) as con:
        assert pending_partitions(con, "participation_hours") == ["2023-Q1", "2023-Q4"]
    write(settings, "participation/hours/late.csv", HOURS_SEMI.splitlines()[0] + "\nh7;612345;34116;Den Haag;2023-05-02;3;\n")
    ingest(participation.HOURS, settings, partitions=["2023-Q1"])
    with connect(settings.warehouse_path) as con:
        assert pending_partitions(con, "participation_hours") == ["2023-Q2", "2023-Q4"]
    ingest(participation.HOURS, settings)
    with connect(settings.warehouse_path) as con:
        assert pending_partitions(con, "participation_hours") == []


def test_bad_file_rejected_whole_quarantined_and_alerted(settings):
    write(settings, "participation/hours/good.csv", HOURS_SEMI)
    ingest(participation.HOURS, settings)
    bad = HOURS_SEMI.replace("h3;700001;34145;Haarlem;2023-12-31;4;", "h3;700001;34145;Haarlem;2023-12-31;25;")
    write(settings, "participation/hours/bad.csv", bad.replace("h1;", "h9;").replace("h2;", "h8;"))
    scanned, loaded = ingest(participation.HOURS, settings)
    [rejected] = scanned.rejected
    assert rejected.file == "participation/hours/bad.csv"
    assert "hours: outside the allowed range -24 … 24 (1 row; rows 4)" in rejected.message
    assert rows(settings, "SELECT count(*) FROM raw.participation_hours WHERE record_id IN ('h8', 'h9')") == [(0,)]
    sha = hashlib.sha256((settings.landing_dir / "participation/hours/bad.csv").read_bytes()).hexdigest()
    copies = sorted(p.name for p in settings.quarantine_dir.iterdir())
    assert any(n.endswith(f"_participation_hours_{sha[:4]}-{sha[4:8]}_bad.csv") for n in copies)
    report = next(settings.quarantine_dir.glob("*.report.md")).read_text()
    assert "| 4 | hours | outside the allowed range -24 … 24 | 25 |" in report
    [(kind, file, message)] = rows(settings, "SELECT kind, file, message FROM ops.alerts")
    assert (kind, file) == ("rejected_file", "participation/hours/bad.csv")
    # Once rejected, the same content is not re-alerted; a corrected file loads.
    scanned, _ = ingest(participation.HOURS, settings)
    assert "previously_rejected" in [f.status for f in scanned.files]
    write(settings, "participation/hours/bad.csv", HOURS_SEMI.replace("h1;", "h9;").replace("h2;", "h8;")
          .replace("h3;", "h7;"))
    scanned, loaded = ingest(participation.HOURS, settings)
    assert loaded.rows_upserted == 3


def test_reports_mask_student_numbers(settings):
    text = "student_number,programme_code,location,available_from,available_until\n" \
           "612345,34116,Delft,2023-05-01,2023-01-01\n"
    write(settings, "participation/pool/p.csv", text)
    scanned, _ = ingest(participation.POOL, settings)
    [rejected] = scanned.rejected
    assert "available_until is before available_from" in rejected.message
    for path in settings.quarantine_dir.glob("*.report.*"):
        assert "612345" not in path.read_text()
    assert "612345" not in str(rows(settings, "SELECT * FROM ops.alerts"))
    assert "612345" not in str(rows(settings, "SELECT * FROM ops.load_log"))


def test_no_key_refuses_to_load(tmp_path):
    settings = Settings(data_dir=tmp_path, pseudonym_key=None, landing=LandingLimits(settle_seconds=0))
    with connect(settings.warehouse_path) as con, pytest.raises(ConfigurationError, match="WB_PSEUDONYM_KEY"):
        scan(participation.HOURS, settings, con)


def test_own_counts_quarter_from_reference_date(settings):
    write(settings, "students/own.csv", "reference_date;programme_code;location;n_students\n"
                                        "15-11-2024;34116;Den Haag;480\n2024-01-01;34116;Delft;12\n")
    write(settings, "students/duo/ignored_here.csv", "not;read;by;this;source\n")
    scanned, _ = ingest(students.COUNTS, settings)
    assert len(scanned.files) == 1
    assert rows(settings, "SELECT quarter, location, n_students FROM raw.student_counts ORDER BY 1") == [
        ("2024-Q1", "Delft", 12), ("2024-Q4", "Den Haag", 480)]


def test_negative_count_rejected(settings):
    write(settings, "students/own.csv", "quarter,programme_code,location,n_students\n2024-Q1,34116,Delft,-3\n")
    scanned, _ = ingest(students.COUNTS, settings)
    assert "n_students: outside the allowed range 0 … inf" in scanned.rejected[0].message


def test_duo_long_layout_with_suppressed_cells_and_other_institutions(settings):
    write(settings, "students/duo/ingeschrevenen_2023.csv",
          "STUDIEJAAR;INSTELLINGSCODE_ACTUEEL;OPLEIDINGSCODE_ACTUEEL;OPLEIDINGSNAAM_ACTUEEL;GEMEENTENAAM;"
          "GESLACHT;AANTAL_INGESCHREVENEN\n"
          "2023;27PZ;34116;B Social Work;'s-Gravenhage;man;120\n"
          "2023;27PZ;34116;B Social Work;'s-Gravenhage;vrouw;<5\n"
          "2023;21PB;34116;B Social Work;Utrecht;man;900\n")
    ingest(duo.ENROLMENT, settings)
    assert rows(settings, """SELECT study_year, brin, municipality, breakdown, n_enrolled, is_suppressed
                             FROM raw.duo_enrolment ORDER BY breakdown""") == [
        (2023, "27PZ", "'s-Gravenhage", "geslacht=man", 120, False),
        (2023, "27PZ", "'s-Gravenhage", "geslacht=vrouw", None, True)]


def test_duo_old_wide_layout_real_file(settings):
    """The real DUO file (first-year students 2015–2019): totals as published (assets/demo/data/README.md)."""
    target = settings.landing_dir / "students/duo/03b-eerstejaars-2019.csv"
    target.parent.mkdir(parents=True)
    shutil.copy(REFERENCE / "duo_eerstejaars_hbo_2019_inholland.csv", target)
    ingest(duo.ENROLMENT, settings)
    assert rows(settings, """SELECT study_year, sum(n_enrolled) FROM raw.duo_enrolment WHERE measure = 'eerstejaars'
                             GROUP BY 1 ORDER BY 1""") == [
        (2015, 4877), (2016, 4993), (2017, 5055), (2018, 5446), (2019, 6182)]


def test_duo_flattened_layout_real_file_keeps_suppressed_cell_unknown(settings):
    target = settings.landing_dir / "students/duo/ingeschrevenen_2020_2024.csv"
    target.parent.mkdir(parents=True)
    shutil.copy(REFERENCE / "duo_inholland_ingeschrevenen_2020_2024.csv", target)
    ingest(duo.ENROLMENT, settings)
    assert rows(settings, """SELECT study_year, sum(n_enrolled), count(*) FILTER (WHERE is_suppressed)
                             FROM raw.duo_enrolment GROUP BY 1 ORDER BY 1""") == [
        (2020, 28393, 1), (2021, 28409, 0), (2022, 27182, 0), (2023, 25874, 0), (2024, 24567, 0)]


def test_warehouse_connections_keep_to_the_memory_limit(tmp_path, monkeypatch):
    from assets.common.settings import ConfigurationError, duckdb_memory_limit

    monkeypatch.setenv("WB_DUCKDB_MEMORY_LIMIT", "1500MB")
    with connect(tmp_path / "w.duckdb") as con:
        # DuckDB shows the limit in binary units, rounded down: 1500 MB = 1.397 GiB
        assert con.execute("SELECT current_setting('memory_limit')").fetchone() == ("1.3 GiB",)
    monkeypatch.setenv("WB_DUCKDB_MEMORY_LIMIT", "lots")
    with pytest.raises(ConfigurationError, match="WB_DUCKDB_MEMORY_LIMIT"):
        duckdb_memory_limit()
    assert duckdb_memory_limit({}) == "2GB"


def test_two_copies_in_one_delivery_load_once(settings):
    """The same content under two names in one scan (files are read ahead in threads): one is loaded, the other
    reported unchanged, and a third file after them still loads."""
    write(settings, "participation/hours/a.csv", HOURS_SEMI, mtime=1_900_000_000)
    write(settings, "participation/hours/b.csv", HOURS_SEMI, mtime=1_900_000_001)
    write(settings, "participation/hours/c.csv", "record_id,student_number,programme_code,location,work_date,hours\n"
          "h9,700002,34116,Delft,2023-05-02,1\n", mtime=1_900_000_002)
    scanned, loaded = ingest(participation.HOURS, settings)
    assert [(f.file.rsplit("/", 1)[1], f.status, f.rows) for f in scanned.files] == [
        ("a.csv", "accepted", 3), ("b.csv", "unchanged", 3), ("c.csv", "accepted", 1)]
    assert loaded.rows_upserted == 4
    assert rows(settings, "SELECT count(*) FROM ops.landing_files") == [(2,)]
