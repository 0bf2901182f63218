"""Helpers of tests/wellbeing: build the dbt project on small hand-made warehouses, and compile its SQL once for
fast property tests.

Like tests/dbt/conftest.py: every build gets its own DuckDB file, target and log folders (pytest -n safe). A
module of its own (not conftest.py), so that test modules can import it by a name no other test folder uses.
"""

from __future__ import annotations

import os
import re
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

#: the catalog name dbt-duckdb gives the warehouse file the SQL is compiled against (its stem)
COMPILE_CATALOG = "wbcompiled"


def dbt_executable() -> str:
    beside_python = Path(sys.executable).with_name("dbt")
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("dbt")
    if not found:
        raise RuntimeError("dbt is not installed in this environment")
    return found


def run_dbt(work_dir: Path, warehouse: Path, min_cell: int, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "WB_WAREHOUSE_PATH": str(warehouse),
        "WB_MIN_CELL": str(min_cell),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_USE_COLORS": "false",
    }
    env.pop("WB_BRIN", None)
    project = str(DBT_PROJECT_DIR.relative_to(PROJECT_ROOT))
    return subprocess.run(
        [dbt_executable(), *args, "--project-dir", project, "--profiles-dir", project,
         "--target-path", str(work_dir / "target"), "--log-path", str(work_dir / "logs")],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600,
    )


def insert_raw(con: duckdb.DuckDBPyConnection, rows: Rows) -> None:
    for table, table_rows in rows.items():
        for row in table_rows:
            values = {**LOAD_META, **row}
            columns = ", ".join(values)
            marks = ", ".join("?" for _ in values)
            con.execute(f"INSERT INTO raw.{table} ({columns}) VALUES ({marks})", list(values.values()))


def build_warehouse(work_dir: Path, rows: Rows, min_cell: int) -> Path:
    """A warehouse in work_dir with the raw tables, `rows` inserted, and `dbt build` run on it."""
    work_dir.mkdir(parents=True, exist_ok=True)
    warehouse = work_dir / "wellbeing.duckdb"
    con = duckdb.connect(str(warehouse))
    try:
        ensure_schema(con)
        insert_raw(con, rows)
    finally:
        con.close()
    result = run_dbt(work_dir, warehouse, min_cell, "build")
    assert result.returncode == 0, f"dbt build failed:\n{result.stdout[-8000:]}\n{result.stderr[-2000:]}"
    return warehouse


def query(warehouse: Path, sql: str, params: Sequence[object] = ()) -> list[dict[str, object]]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        cursor = con.execute(sql, list(params))
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]
    finally:
        con.close()


class CompiledProject:
    """dbt SQL compiled once (models, inline snippets), to run against scratch DuckDB databases.

    A compiled model names its inputs `"wbcompiled"."<schema>"."<model>"`: `connect()` gives an in-memory
    database with that catalog attached, where a test creates the inputs and runs the model's SQL.
    """

    def __init__(self, work_dir: Path, min_cell: int):
        self.work_dir = work_dir
        self.min_cell = min_cell
        work_dir.mkdir(parents=True, exist_ok=True)
        self.warehouse = work_dir / f"{COMPILE_CATALOG}.duckdb"

    def models(self, names: Sequence[str]) -> dict[str, str]:
        result = run_dbt(self.work_dir, self.warehouse, self.min_cell, "compile", "--select", *names)
        assert result.returncode == 0, f"dbt compile failed:\n{result.stdout[-6000:]}"
        compiled = {}
        for name in names:
            (path,) = (self.work_dir / "target" / "compiled").rglob(f"models/**/{name}.sql")
            compiled[name] = path.read_text()
        return compiled

    def inline(self, sql: str) -> str:
        result = run_dbt(self.work_dir, self.warehouse, self.min_cell, "compile", "--quiet", "--inline", sql)
        assert result.returncode == 0, f"dbt compile --inline failed:\n{result.stdout[-6000:]}"
        return result.stdout.strip()

    @staticmethod
    def connect() -> duckdb.DuckDBPyConnection:
        con = duckdb.connect()
        con.execute(f"ATTACH ':memory:' AS {COMPILE_CATALOG}")
        for schema in ("raw", "staging", "intermediate", "marts", "reference"):
            con.execute(f"CREATE SCHEMA {COMPILE_CATALOG}.{schema}")
        return con


def split_statements(sql: str) -> str:
    """The compiled SQL of a model is one SELECT; strip a trailing semicolon and surrounding blank lines."""
    return re.sub(r";\s*$", "", sql.strip())
