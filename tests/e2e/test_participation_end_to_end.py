"""From a hand-made landing zone through `wellbeing materialize` to the participation marts.

The landing zone (values chosen so every rule shows):

DUO, study year 2022 (stands for 2022-Q4 … 2023-Q3), long layout with a `<5` cell:
    34116 Social Work, 's-Gravenhage → Den Haag: 120 (man) + 80 (vrouw) = 200
    34145 Business Studies, Haarlem → Haarlem: 150
    34134 Verloskunde, Groningen → Groningen: <5 (unknown)
    21PB rows (another institution) are ignored.
Hours, `;` + decimal comma (2023-03.csv):
    A 0612345  34116 Den Haag 31-03-2023  4,5   last day of Q1
    A 612345   34116 Den Haag 01-04-2023  3     first day of Q2 (same student: leading zero dropped)
    B 700001   34145 Haarlem  10-03-2023  5
    B 700001   34145 Haarlem  20-03-2023 -5     correction: B nets to zero in Q1 → not participated
    C 700002   34145 Haarlem  01-02-2023  2,5
    C 700002   34116 Den Haag 15-03-2023  3     C changed programme: latest record → Den Haag, 5.5 h
Hours, XLSX (2023-06.xlsx):
    D 700003   34145 Haarlem  30-06-2023  6     last day of Q2
Pool: A 2023-02-01 … 2023-03-31 (34116 Den Haag); E 700004 from 2023-01-01, open (34116 Den Haag).

Worked out by hand, 2023-Q1:
    Den Haag: participated A, C = 2; available A, E = 2; hours 4.5 + 2.5 + 3 = 10.0; 200 students → 1.0 %
    Haarlem: participated 0 (B nets 0); available 0; hours 5 − 5 = 0
    institution: 2 participated, 2 available, 10.0 h, n_students 350 known
2023-Q2:
    Den Haag: A 3 h → 1 participated; available E → 1
    Haarlem: D 6 h → 1 participated; available 0
    institution: 2 participated, 1 available, 9.0 h
Groningen's count is unknown: not small, so its row is published without percentages (`no_count`) and
nothing else is suppressed for it. Hours of one or two students are not published (the magnitude rule,
docs/disclosure.md): the hand-worked hours are checked in the unprotected intermediate table, and the marts
withhold them (`few_contributors`) where fewer than 3 students worked.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.landing_zones import write
from tests.landing_zones.hand_worked import KEY, RAW_NUMBERS, build_landing


def run_materialize(data_dir: Path, **extra_env) -> subprocess.CompletedProcess:
    env = {**os.environ, "WB_DATA_DIR": str(data_dir), "WB_PSEUDONYM_KEY": KEY, **extra_env}
    env.pop("DAGSTER_HOME", None)
    return subprocess.run([str(Path(sys.executable).with_name("wellbeing")), "materialize"], env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    data_dir = tmp_path_factory.mktemp("e2e") / "data"
    build_landing(data_dir / "landing")
    result = run_materialize(data_dir)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return data_dir


def query(data_dir: Path, sql: str, params: list | None = None):
    con = duckdb.connect(str(data_dir / "warehouse" / "wellbeing.duckdb"), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _hours_before_disclosure(data_dir, level: str, group_name: str, quarters: tuple[str, ...]) -> list[tuple]:
    """(quarter, hours_total, students with hours) before disclosure control."""
    marks = ", ".join("?" for _ in quarters)
    return query(data_dir, f"""SELECT quarter, hours_total, n_hours_contributors
                               FROM intermediate.int_participation_aggregated_to_levels
                               WHERE level = ? AND group_name = ? AND quarter IN ({marks}) ORDER BY quarter""",
                 [level, group_name, *quarters])


def test_institution_quarters_by_hand(built):
    rows = query(built, """SELECT quarter, n_students, n_available, n_participated, hours_total, pct_participated,
                                  pct_available, suppressed, hours_suppression_reason
                           FROM marts.participation_institution WHERE quarter IN ('2023-Q1', '2023-Q2')
                           ORDER BY quarter""")
    assert [r[:4] for r in rows] == [("2023-Q1", 350, 2, 2), ("2023-Q2", 350, 1, 2)]
    assert rows[0][5] == pytest.approx(100 * 2 / 350)
    assert rows[1][6] == pytest.approx(100 * 1 / 350)
    assert [r[7] for r in rows] == [False, False]
    # the hours: Q1 A 4.5 and C 5.5, Q2 A 3 and D 6: two students each, so not published
    assert [(r[4], r[8]) for r in rows] == [(None, "few_contributors")] * 2
    assert _hours_before_disclosure(built, "institution", "all", ("2023-Q1", "2023-Q2")) == [
        ("2023-Q1", Decimal("10.00"), 2), ("2023-Q2", Decimal("9.00"), 2)]


def test_locations_attribution_corrections_and_unknown_counts(built):
    rows = query(built, """SELECT quarter, location, n_students, n_available, n_participated, hours_total,
                                  pct_participated, suppressed, suppression_reason
                           FROM marts.participation_by_location WHERE quarter IN ('2023-Q1', '2023-Q2')
                           ORDER BY quarter, location""")
    by_key = {(r[0], r[1]): r[2:] for r in rows}
    assert by_key[("2023-Q1", "Den Haag")] == (200, 2, 2, None, pytest.approx(1.0), False, None)
    assert by_key[("2023-Q2", "Den Haag")] == (200, 1, 1, None, pytest.approx(0.5), False, None)
    assert _hours_before_disclosure(built, "location", "Den Haag", ("2023-Q1", "2023-Q2")) == [
        ("2023-Q1", Decimal("10.00"), 2), ("2023-Q2", Decimal("3.00"), 1)]
    # Haarlem: B nets to zero in Q1 (no participant, no hours: 0 is published); D's 6 h in Q2 are one student's
    assert by_key[("2023-Q1", "Haarlem")] == (150, 0, 0, Decimal("0.00"), 0.0, False, None)
    assert by_key[("2023-Q2", "Haarlem")] == (150, 0, 1, None, pytest.approx(100 / 150), False, None)
    # Groningen's count is unknown (<5): published, no percentage, and no location suppressed for it
    for quarter in ("2023-Q1", "2023-Q2"):
        assert by_key[(quarter, "Groningen")] == (None, 0, 0, Decimal("0.00"), None, False, "no_count")


def test_programme_level_keeps_the_register_names(built):
    rows = query(built, """SELECT programme_code, programme_name, domain, location, n_participated
                           FROM marts.participation_by_programme WHERE quarter = '2023-Q1' AND location = 'Den Haag'""")
    assert rows == [("34116", "B Social Work", "GSW", "Den Haag", 2)]


def test_duo_count_stands_for_four_quarters(built):
    rows = query(built, """SELECT quarter, n_students FROM marts.participation_by_location
                           WHERE location = 'Den Haag' ORDER BY quarter""")
    assert rows == [("2022-Q4", 200), ("2023-Q1", 200), ("2023-Q2", 200), ("2023-Q3", 200)]


def test_no_raw_student_number_anywhere(built):
    """Every text cell of every table, the exports and the Dagster event log: no raw number."""
    con = duckdb.connect(str(built / "warehouse" / "wellbeing.duckdb"), read_only=True)
    try:
        columns = con.execute("""SELECT table_schema, table_name, column_name FROM information_schema.columns
                                 WHERE data_type NOT IN ('DATE', 'TIMESTAMP', 'BOOLEAN')""").fetchall()
        assert len(columns) > 50
        for schema, table, column in columns:
            hits = con.execute(
                f"""SELECT count(*) FROM "{schema}"."{table}"
                    WHERE list_has_any(regexp_extract_all(CAST("{column}" AS VARCHAR), '[0-9]+'), ?)""",
                [RAW_NUMBERS]).fetchone()[0]
            assert hits == 0, f"raw student number in {schema}.{table}.{column}"
    finally:
        con.close()
    for path in [*built.rglob("*")]:
        if path.is_file() and "landing" not in path.parts and path.suffix not in (".parquet", ".duckdb", ".wal"):
            text = path.read_bytes()
            for number in RAW_NUMBERS:
                assert f";{number};".encode() not in text and f",{number},".encode() not in text, path


def test_rerun_is_idempotent(built):
    before = query(built, "SELECT count(*), sum(hours) FROM raw.participation_hours")
    result = run_materialize(built)
    assert result.returncode == 0, result.stderr[-2000:]
    assert query(built, "SELECT count(*), sum(hours) FROM raw.participation_hours") == before == [(7, Decimal("19.00"))]


def latest_run(data_dir: Path, asset: str) -> str | None:
    """The run of the asset's latest materialisation in the data folder's Dagster instance."""
    from dagster import AssetKey, DagsterInstance

    instance = DagsterInstance.from_config(str(data_dir / "dagster_home"))
    try:
        event = instance.get_latest_materialization_event(AssetKey.from_user_string(asset))
        return event.run_id if event is not None else None
    finally:
        instance.dispose()


def _published(data_dir: Path) -> dict[str, list]:
    con = duckdb.connect(str(data_dir / "warehouse" / "wellbeing.duckdb"), read_only=True)
    try:
        tables = [t for (t,) in con.execute("""SELECT table_schema || '.' || table_name FROM information_schema.tables
                                               WHERE table_schema IN ('marts', 'restricted') ORDER BY 1""").fetchall()]
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in tables}
    finally:
        con.close()


def test_late_correction_and_a_new_quarter_built_incrementally(tmp_path):
    """A later delivery re-sends C's Den Haag line (h6) dated 3 April, spelled 's-Gravenhage, and adds a Q3 line.
    The second build rebuilds what the new lines made stale; by hand:
        2023-Q1: C keeps only h5 (Haarlem 2.5 h): participated A, C = 2; hours 4.5 + 5 − 5 + 2.5 = 7.0;
                 Den Haag: A only, 4.5 h; available A, E = 2
        2023-Q2: A 3 h and C 3 h (Den Haag), D 6 h (Haarlem): 3 participated, 12.0 h; Den Haag 2, 6.0 h
        2023-Q3: F 2 h (Haarlem): 1 participated, 2.0 h; E's open registration now runs to Q3: 1 available
    and every published table equals a full refresh of the same landing zone."""
    data_dir = tmp_path / "data"  # its own: a warehouse at another path is another profile, built whole
    build_landing(data_dir / "landing")
    first = run_materialize(data_dir)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    write(data_dir / "landing/participation/hours/2023-09.csv",
           "record_id;student_number;programme_code;location;work_date;hours;role\r\n"
           "h6;700002;34116;'s-Gravenhage;03-04-2023;3;balie\r\n"
           "y1;700005;34145;Haarlem;05-07-2023;2;balie\r\n")
    result = run_materialize(data_dir)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    # no framework warning about dbt's source tests, full or incremental (they are checks of the raw assets)
    for warning in ("was yielded which is not selected", "Logging an `AssetObservation` instead"):
        assert warning not in first.stderr + result.stderr, first.stderr + result.stderr

    # the second build rebuilt what the new hours made stale, and not the survey's staging (asset graph)
    assert "nothing is stale" not in result.stdout
    assert latest_run(data_dir, "staging/stg_participation__hours") == latest_run(data_dir, "exports/bi_tables")
    assert latest_run(data_dir, "staging/stg_survey__responses") != latest_run(data_dir, "exports/bi_tables")
    # hours of fewer than 3 students are withheld in the marts (Q2's three: 12 h, published)
    assert query(data_dir, """SELECT quarter, n_students, n_available, n_participated, hours_total
                              FROM marts.participation_institution WHERE quarter BETWEEN '2023-Q1' AND '2023-Q3'
                              ORDER BY quarter""") == [
        ("2023-Q1", 350, 2, 2, None),
        ("2023-Q2", 350, 1, 3, Decimal("12.00")),
        ("2023-Q3", 350, 1, 1, None),
    ]
    assert _hours_before_disclosure(data_dir, "institution", "all", ("2023-Q1", "2023-Q2", "2023-Q3")) == [
        ("2023-Q1", Decimal("7.00"), 2), ("2023-Q2", Decimal("12.00"), 3), ("2023-Q3", Decimal("2.00"), 1)]
    assert query(data_dir, """SELECT quarter, n_available, n_participated FROM marts.participation_by_location
                              WHERE location = 'Den Haag' AND quarter IN ('2023-Q1', '2023-Q2') ORDER BY quarter""") == [
        ("2023-Q1", 2, 1), ("2023-Q2", 1, 2)]
    assert _hours_before_disclosure(data_dir, "location", "Den Haag", ("2023-Q1", "2023-Q2")) == [
        ("2023-Q1", Decimal("4.50"), 1), ("2023-Q2", Decimal("6.00"), 2)]
    assert query(data_dir, "SELECT location, quarter FROM staging.stg_participation__hours WHERE record_id = 'h6'") == [
        ("Den Haag", "2023-Q2")]

    fresh = tmp_path / "fresh"
    shutil.copytree(data_dir / "landing", fresh / "landing")
    full = run_materialize(fresh)
    assert full.returncode == 0, full.stdout[-3000:] + full.stderr[-3000:]
    incremental, rebuilt = _published(data_dir), _published(fresh)
    assert len(rebuilt) >= 8 and incremental == rebuilt
