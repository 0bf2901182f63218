"""Helpers of tests/postgres: the test server, fresh databases on it, and comparing DuckDB tables with
PostgreSQL tables. A module of its own (not conftest.py), importable by a name no other test folder uses.

The server: WB_PG_HOST (127.0.0.1), WB_PG_PORT (5432), WB_PG_USER (postgres, allowed to create databases),
WB_PG_PASSWORD (''); PostgreSQL runs on the CI machine. A database is named `wb_test_<8 hex>` (unique across
pytest-xdist workers) and created with a C.UTF-8 collation (byte order, as DuckDB sorts text).
"""

from __future__ import annotations

import math
import os
import uuid
from decimal import Decimal

import duckdb
import psycopg
import pytest
from psycopg import sql

from assets.common.settings import postgres_conninfo

REL_TOL = 1e-9


def conninfo(database: str) -> str:
    """libpq connection string for `database` on the test server (the WB_PG_* variables, their defaults)."""
    return postgres_conninfo({**os.environ, "WB_PG_DATABASE": database})


def _admin() -> psycopg.Connection:
    try:
        return psycopg.connect(conninfo("postgres"), autocommit=True, connect_timeout=10)
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL is not reachable ({conninfo('postgres')}): {exc}. The dbt project is tested "
                    "on PostgreSQL too; start a server or point WB_PG_HOST/WB_PG_PORT/WB_PG_USER/WB_PG_PASSWORD "
                    "at one whose user may create databases.")


def create_database() -> str:
    name = f"wb_test_{uuid.uuid4().hex[:8]}"
    with _admin() as admin:
        admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C.UTF-8'")
                      .format(sql.Identifier(name)))
    return name


def drop_database(name: str) -> None:
    with _admin() as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _sort_key(row: tuple) -> tuple:
    # floats rounded for ordering only (the comparison itself uses REL_TOL), None first
    return tuple((v is not None, round(v, 6) if isinstance(v, float) else v) for v in row)


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is b
        return math.isclose(float(a), float(b), rel_tol=REL_TOL, abs_tol=1e-12)
    if isinstance(a, Decimal) and isinstance(b, Decimal):
        return a == b
    return a == b and type(a) is type(b)


def table_names(duck: duckdb.DuckDBPyConnection, schema: str) -> list[str]:
    return [r[0] for r in duck.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = ? ORDER BY 1", [schema]).fetchall()]


def differences(duck: duckdb.DuckDBPyConnection, pg: psycopg.Connection, schema: str, table: str) -> list[str]:
    """What differs between <schema>.<table> in DuckDB and in PostgreSQL (empty: the same rows)."""
    d_cur = duck.execute(f'SELECT * FROM "{schema}"."{table}"')
    d_columns = [c[0] for c in d_cur.description]
    d_rows = sorted(d_cur.fetchall(), key=_sort_key)
    p_cur = pg.execute(f'SELECT * FROM "{schema}"."{table}"')
    p_columns = [c.name for c in p_cur.description]
    p_rows = sorted(p_cur.fetchall(), key=_sort_key)
    if d_columns != p_columns:
        return [f"{schema}.{table}: columns {d_columns} (DuckDB) != {p_columns} (PostgreSQL)"]
    if len(d_rows) != len(p_rows):
        return [f"{schema}.{table}: {len(d_rows)} rows (DuckDB) != {len(p_rows)} (PostgreSQL)"]
    problems = []
    for d_row, p_row in zip(d_rows, p_rows):
        for column, a, b in zip(d_columns, d_row, p_row):
            if not _same(a, b):
                problems.append(f"{schema}.{table}.{column}: {a!r} (DuckDB) != {b!r} (PostgreSQL) in {d_row}")
                break
        if len(problems) >= 5:
            break
    return problems
