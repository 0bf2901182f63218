"""Helpers of tests/wellbeing: the dbt project's SQL compiled once for fast property tests; builds on small
hand-made warehouses come from the one harness (tests/dbt_harness.py). A module of its own (not conftest.py), so
that test modules can import it by a name no other test folder uses.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import duckdb

from tests.dbt_harness import run_dbt

#: the catalog name dbt-duckdb gives the warehouse file the SQL is compiled against (its stem)
COMPILE_CATALOG = "wbcompiled"


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
