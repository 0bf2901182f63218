"""Helpers of the export tests: a warehouse built by the real pipeline on a small hand-made landing zone
(tests/landing_zones/exports.py), small marts written directly for unit tests, and a reader that opens a CSV the
way Dutch Excel does.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb

KEY = "exports-test-key-0123456789abcdef0123456789"  # 32 characters at least (settings.require_key)
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
def run_materialize(data_dir: Path, *args: str, key: str = KEY) -> subprocess.CompletedProcess:
    """`wellbeing materialize` on `data_dir` (or another command: `args`, e.g. "rekey")."""
    env = {**os.environ, "WB_DATA_DIR": str(data_dir), "WB_PSEUDONYM_KEY": key,
           "DAGSTER_HOME": str(data_dir / "dagster_home")}
    env.pop("WB_DEMO", None)
    return subprocess.run([str(Path(sys.executable).with_name("wellbeing")), *(args or ["materialize"])], env=env,
                          capture_output=True, text=True, timeout=900)


def marts_of(data_dir: Path) -> list[str]:
    con = duckdb.connect(str(data_dir / "warehouse" / "wellbeing.duckdb"), read_only=True)
    try:
        return [r[0] for r in con.execute("""SELECT table_name FROM information_schema.tables
                                             WHERE table_schema = 'marts' ORDER BY 1""").fetchall()]
    finally:
        con.close()


# --- small marts written directly ------------------------------------------------------------------------

UNIT_MARTS = {
    "participation_institution": """
        SELECT * FROM (VALUES
          ('2023-Q1', DATE '2023-01-01', 400, 40, 20, 55.50::DECIMAL(18,2), 10.0, 5.0, false),
          ('2023-Q2', DATE '2023-04-01', 400, 44, 22, 60.25::DECIMAL(18,2), 11.0, 5.5, false),
          ('2023-Q3', DATE '2023-07-01', 400, 48, 16, 40.00::DECIMAL(18,2), 12.0, 4.0, false),
          ('2023-Q4', DATE '2023-10-01', 400, 52, 24, 70.00::DECIMAL(18,2), 13.0, 6.0, false),
          ('2024-Q1', DATE '2024-01-01', 5, NULL, NULL, NULL, NULL, NULL, true))
        t(quarter, quarter_start, n_students, n_available, n_participated, hours_total, pct_available,
          pct_participated, suppressed)""",
    "participation_by_location": """
        SELECT quarter, quarter_start, location, n_students,
               CASE WHEN NOT suppressed THEN n_available END AS n_available,
               CASE WHEN NOT suppressed THEN n_participated END AS n_participated,
               CASE WHEN NOT suppressed THEN hours_total END AS hours_total,
               CASE WHEN NOT suppressed THEN 100.0 * n_available / n_students END AS pct_available,
               CASE WHEN NOT suppressed THEN 100.0 * n_participated / n_students END AS pct_participated,
               suppressed
        FROM (VALUES
          ('2023-Q1', DATE '2023-01-01', 'Delft', 300, 30, 15, 40.5::DECIMAL(18,2), false),
          ('2023-Q1', DATE '2023-01-01', 'Haarlem', 94, 10, 5, 15.0::DECIMAL(18,2), false),
          ('2023-Q1', DATE '2023-01-01', '=Den Haag', 6, 0, 0, 0.0::DECIMAL(18,2), true),
          ('2023-Q2', DATE '2023-04-01', 'Delft', 300, 33, 16, 45.0::DECIMAL(18,2), false),
          ('2023-Q2', DATE '2023-04-01', 'Haarlem', 94, 11, 6, -2.25::DECIMAL(18,2), true),
          ('2023-Q2', DATE '2023-04-01', '=Den Haag', 6, 0, 0, 0.0::DECIMAL(18,2), true))
        t(quarter, quarter_start, location, n_students, n_available, n_participated, hours_total, suppressed)""",
    "dim_location": """
        SELECT * FROM (VALUES ('Delft', true), ('Haarlem', true), ('=Den Haag', false),
                              ('+31 Campus', false), ('@home', false), ('-min', false), ('a;b "c"', false))
        t(location, is_registered)""",
}


def write_unit_marts(path: Path, tables: dict[str, str] | None = None, schema: str = "marts") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        for name, sql in (UNIT_MARTS if tables is None else tables).items():
            con.execute(f"CREATE OR REPLACE TABLE {schema}.{name} AS {sql}")
    finally:
        con.close()
    return path


# --- reading a CSV as Dutch Excel does -------------------------------------------------------------------

NUMBER = re.compile(r"^-?\d+(,\d+)?$")
NUMERIC_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE", "DECIMAL", "REAL",
                 "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT")


def read_excel_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header and rows as Excel (Dutch locale) splits the file: BOM → UTF-8, `;` between fields."""
    raw = path.read_bytes()
    assert raw.startswith(codecs.BOM_UTF8), f"{path.name}: no BOM, Excel would read it as Windows-1252"
    rows = list(csv.reader(io.StringIO(raw[len(codecs.BOM_UTF8):].decode("utf-8"), newline=""), delimiter=";"))
    return rows[0], rows[1:]


def excel_value(cell: str, duckdb_type: str):
    """The value Dutch Excel gives a cell of a column of this type (decimal comma, ISO date, WAAR/ONWAAR).

    Fails when Excel would not read the cell as the column's type (a dot or exponent in a number, …)."""
    if cell == "":
        return None
    kind = duckdb_type.upper()
    if kind.startswith(NUMERIC_TYPES):
        assert NUMBER.match(cell), f"{cell!r} is not a number for Dutch Excel"
        return Decimal(cell.replace(",", "."))
    if kind == "DATE":
        return dt.date.fromisoformat(cell)
    if kind.startswith("TIMESTAMP"):
        return dt.datetime.fromisoformat(cell)
    if kind == "BOOLEAN":
        assert cell in ("WAAR", "ONWAAR"), cell
        return cell == "WAAR"
    return cell


def as_excel_expects(value):
    """A warehouse value the way the CSV must show it (numbers exact, text neutralised)."""
    if isinstance(value, str):
        return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    return value
