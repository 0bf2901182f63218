"""Fixtures of tests/dbt: the dbt project built on a small hand-made warehouse (tests/dbt_harness.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.dbt_harness import build_warehouse, query

BuildWarehouse = Callable[..., Path]


@pytest.fixture(scope="session")
def dbt_build() -> BuildWarehouse:
    """build_warehouse(work_dir, rows, min_cell, unit_tests=False) -> warehouse path (use with tmp_path_factory)."""
    return build_warehouse


@pytest.fixture(scope="session")
def warehouse_query() -> Callable[[Path, str], list[dict[str, object]]]:
    """query(warehouse, sql) -> rows as dicts (read-only connection)."""
    return query

