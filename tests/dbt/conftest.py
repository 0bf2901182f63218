"""Build the dbt project on a small hand-made warehouse in tmp_path.

Every build gets its own DuckDB file, target and log folders, so tests can run in parallel (pytest -n) without
sharing dbt's `target/`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from assets.common.settings import DBT_PROJECT_DIR, PROJECT_ROOT
from assets.common.warehouse import ensure_schema

Rows = Mapping[str, Sequence[Mapping[str, object]]]

LOAD_META = {
    "_source_file": "test/fixture.csv",
    "_file_sha256": "0" * 64,
    "_file_mtime": datetime(2024, 1, 1),
    "_loaded_at": datetime(2024, 1, 1),
}


def _dbt_executable() -> str:
    beside_python = Path(sys.executable).with_name("dbt")
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("dbt")
    if not found:
        raise RuntimeError("dbt is not installed in this environment")
    return found


def insert_raw(con: duckdb.DuckDBPyConnection, rows: Rows) -> None:
    """Insert rows (dicts of column -> value) into raw.<table>, load metadata filled in."""
    for table, table_rows in rows.items():
        for row in table_rows:
            values = {**LOAD_META, **row}
            columns = ", ".join(values)
            marks = ", ".join("?" for _ in values)
            con.execute(f"INSERT INTO raw.{table} ({columns}) VALUES ({marks})", list(values.values()))


def run_dbt_build(work_dir: Path, warehouse: Path, min_cell: int) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "WB_WAREHOUSE_PATH": str(warehouse),
        "WB_MIN_CELL": str(min_cell),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_USE_COLORS": "false",
    }
    env.pop("WB_BRIN", None)  # the default, 27PZ
    return subprocess.run(
        [
            _dbt_executable(),
            "build",
            "--project-dir", str(DBT_PROJECT_DIR.relative_to(PROJECT_ROOT)),
            "--profiles-dir", str(DBT_PROJECT_DIR.relative_to(PROJECT_ROOT)),
            "--target-path", str(work_dir / "target"),
            "--log-path", str(work_dir / "logs"),
        ],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


BuildWarehouse = Callable[[Path, Rows, int], Path]


def build_warehouse(work_dir: Path, rows: Rows, min_cell: int) -> Path:
    """A warehouse file in work_dir with the raw tables, `rows` inserted, and `dbt build` run on it."""
    work_dir.mkdir(parents=True, exist_ok=True)
    warehouse = work_dir / "wellbeing.duckdb"
    con = duckdb.connect(str(warehouse))
    try:
        ensure_schema(con)
        insert_raw(con, rows)
    finally:
        con.close()
    result = run_dbt_build(work_dir, warehouse, min_cell)
    assert result.returncode == 0, f"dbt build failed:\n{result.stdout[-6000:]}\n{result.stderr[-2000:]}"
    return warehouse


def query(warehouse: Path, sql: str) -> list[dict[str, object]]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]
    finally:
        con.close()


@pytest.fixture(scope="session")
def dbt_build() -> BuildWarehouse:
    """build_warehouse(work_dir, rows, min_cell) -> warehouse path (use with tmp_path_factory)."""
    return build_warehouse


@pytest.fixture(scope="session")
def warehouse_query() -> Callable[[Path, str], list[dict[str, object]]]:
    """query(warehouse, sql) -> rows as dicts (read-only connection)."""
    return query
