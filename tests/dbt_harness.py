"""The one dbt harness of the tests: the dbt project built on a small hand-made warehouse in a folder of the
test's own (its DuckDB file, target and log folders: pytest -n safe).

A harness build leaves out dbt's unit tests, as the pipeline's `dbt build` does (orchestration/dbt.py): they
test the SQL on fixed fixtures, whatever the warehouse holds, so the suite runs them once
(tests/dbt/test_empty_build.py), not in every build.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

import duckdb

from assets.common.settings import DBT_PROJECT_DIR, PROJECT_ROOT
from assets.common.warehouse import ensure_schema

Rows = Mapping[str, Sequence[Mapping[str, object]]]

LOAD_META = {
    "_source_file": "test/fixture.csv",
    "_file_sha256": "0" * 64,
    "_file_mtime": datetime(2024, 1, 1),
    "_loaded_at": datetime(2024, 1, 1),
}
WITHOUT_UNIT_TESTS = ("--exclude", "resource_type:unit_test")


def dbt_executable() -> str:
    beside_python = Path(sys.executable).with_name("dbt")
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("dbt")
    if not found:
        raise RuntimeError("dbt is not installed in this environment")
    return found


def run_dbt(work_dir: Path, warehouse: Path, min_cell: int, *args: str) -> subprocess.CompletedProcess[str]:
    """dbt `args` on `warehouse`, with its target and logs in `work_dir`."""
    env = {**os.environ, "WB_WAREHOUSE_PATH": str(warehouse), "WB_MIN_CELL": str(min_cell),
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DBT_USE_COLORS": "false"}
    env.pop("WB_BRIN", None)  # the default, 27PZ
    project = str(DBT_PROJECT_DIR.relative_to(PROJECT_ROOT))
    return subprocess.run(
        [dbt_executable(), *args, "--project-dir", project, "--profiles-dir", project,
         "--target-path", str(work_dir / "target"), "--log-path", str(work_dir / "logs")],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600,
    )


def insert_raw(con: duckdb.DuckDBPyConnection, rows: Rows) -> None:
    """Insert rows (dicts of column -> value) into raw.<table>, load metadata filled in."""
    for table, table_rows in rows.items():
        for row in table_rows:
            values = {**LOAD_META, **row}
            columns = ", ".join(values)
            marks = ", ".join("?" for _ in values)
            con.execute(f"INSERT INTO raw.{table} ({columns}) VALUES ({marks})", list(values.values()))


def build_warehouse(work_dir: Path, rows: Rows, min_cell: int, unit_tests: bool = False) -> Path:
    """A warehouse file in work_dir with the raw tables, `rows` inserted, and `dbt build` run on it (with dbt's
    unit tests only when asked)."""
    work_dir.mkdir(parents=True, exist_ok=True)
    warehouse = work_dir / "wellbeing.duckdb"
    con = duckdb.connect(str(warehouse))
    try:
        ensure_schema(con)
        insert_raw(con, rows)
    finally:
        con.close()
    result = run_dbt(work_dir, warehouse, min_cell, "build", *(() if unit_tests else WITHOUT_UNIT_TESTS))
    assert result.returncode == 0, f"dbt build failed:\n{result.stdout[-8000:]}\n{result.stderr[-2000:]}"
    return warehouse


def query(warehouse: Path, sql: str, params: Sequence[object] = ()) -> list[dict[str, object]]:
    """Rows as dicts, on a read-only connection."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        cursor = con.execute(sql, list(params))
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]
    finally:
        con.close()
