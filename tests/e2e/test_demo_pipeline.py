"""The demo landing zone (scale 1, seed 42) through the whole pipeline.

- Calendar 2023 reproduces the institution's published participation figures (published_figures.md) within
  0.1 point, computed by the marts.
- No raw student number of any landing file reaches any table of the warehouse.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import openpyxl
import pytest

from assets.demo import generate_landing

# Inholland participation dashboard 2023 (shared/reference/published_figures.md), percent of enrolled students.
PUBLISHED_2023 = {
    "2023-Q1": (3.7, 4.8), "2023-Q2": (3.5, 5.1), "2023-Q3": (3.2, 5.3), "2023-Q4": (3.6, 6.3),
}
KEY = "demo-pipeline-test-key"


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    data_dir = tmp_path_factory.mktemp("demo") / "data"
    generate_landing(data_dir / "landing", scale=1, seed=42, progress=False)
    env = {**os.environ, "WB_DATA_DIR": str(data_dir), "WB_PSEUDONYM_KEY": KEY}
    env.pop("DAGSTER_HOME", None)
    result = subprocess.run([str(Path(sys.executable).with_name("wellbeing")), "materialize"], env=env,
                            capture_output=True, text=True, timeout=1200)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return data_dir


def _con(data_dir: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(data_dir / "warehouse" / "wellbeing.duckdb"), read_only=True)


def test_2023_reproduces_published_participation(demo):
    con = _con(demo)
    rows = con.execute("""SELECT quarter, pct_participated, pct_available, suppressed
                          FROM marts.participation_institution WHERE quarter LIKE '2023-Q_' ORDER BY quarter""").fetchall()
    con.close()
    assert [r[0] for r in rows] == list(PUBLISHED_2023)
    for quarter, participated, available, suppressed in rows:
        want_participated, want_available = PUBLISHED_2023[quarter]
        assert not suppressed
        assert abs(participated - want_participated) < 0.1, (quarter, participated)
        assert abs(available - want_available) < 0.1, (quarter, available)


def test_locations_add_up_to_the_institution(demo):
    con = _con(demo)
    diff = con.execute("""
        SELECT count(*) FROM marts.participation_institution i
        JOIN (SELECT quarter, sum(n_students) AS n FROM marts.participation_by_location GROUP BY quarter) l
        USING (quarter) WHERE i.n_students <> l.n""").fetchone()[0]
    con.close()
    assert diff == 0


def _landing_student_numbers(landing: Path) -> set[str]:
    numbers: set[str] = set()
    for path in landing.rglob("*"):
        if path.suffix == ".csv" and "duo" not in path.parts:
            text = path.read_text(encoding="utf-8-sig").splitlines()
            delimiter = ";" if text[0].count(";") > text[0].count(",") else ","
            reader = csv.DictReader(text, delimiter=delimiter)
            for row in reader:
                value = (row.get("student_number") or "").strip()
                if value.isdigit():
                    numbers.add(value.lstrip("0"))
        elif path.suffix == ".xlsx":
            sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
            rows = sheet.iter_rows(values_only=True)
            header = [str(h).strip().lower() for h in next(rows)]
            if "student_number" in header:
                index = header.index("student_number")
                numbers.update(str(r[index]).strip().lstrip("0") for r in rows if r[index] is not None)
    return numbers


def test_no_raw_student_number_in_any_table(demo):
    numbers = _landing_student_numbers(demo / "landing")
    assert len(numbers) > 10_000
    con = _con(demo)
    con.execute("CREATE TEMP TABLE raw_numbers (n VARCHAR)")
    con.executemany("INSERT INTO raw_numbers VALUES (?)", [(n,) for n in numbers])
    columns = con.execute("""SELECT table_schema, table_name, column_name FROM information_schema.columns
                             WHERE table_schema NOT IN ('temp') AND data_type IN ('VARCHAR', 'INTEGER', 'BIGINT')
                             AND table_name <> 'raw_numbers'""").fetchall()
    for schema, table, column in columns:
        hits = con.execute(f"""SELECT count(*) FROM "{schema}"."{table}" t JOIN raw_numbers r
                               ON ltrim(CAST(t."{column}" AS VARCHAR), '0') = r.n""").fetchone()[0]
        assert hits == 0, f"raw student numbers in {schema}.{table}.{column}"
    bad = con.execute("""SELECT count(*) FROM raw.participation_hours
                         WHERE NOT regexp_full_match(pseudo_id, '[0-9a-f]{64}')""").fetchone()[0]
    con.close()
    assert bad == 0
