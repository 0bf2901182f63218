"""Copy a DuckDB relation into a PostgreSQL table: the target created with matching types, rows streamed with
`COPY … FROM STDIN` (psycopg 3). DuckDB's `postgres` extension cannot be downloaded on locked-down servers,
so this is the one way the project moves rows from DuckDB to PostgreSQL (raw tables for dbt on PostgreSQL:
assets/common/postgres_raw.py; published marts: the serving publisher).

    copy_table(duck_con, pg_conn, "raw.survey_responses", "raw", "survey_responses")          # a table
    copy_table(duck_con, pg_conn, "SELECT * FROM marts.dim_quarter WHERE year >= 2023", "s", "dim_quarter")

Types (DuckDB -> PostgreSQL, `pg_type`): VARCHAR/ENUM -> text, BOOLEAN -> boolean, TINYINT/SMALLINT ->
smallint, INTEGER -> integer, BIGINT -> bigint, unsigned integers -> the next wider signed type, HUGEINT ->
numeric(39,0), FLOAT -> real, DOUBLE -> double precision, DECIMAL(p,s) -> numeric(p,s), DATE, TIME,
TIMESTAMP (any precision) -> timestamp, TIMESTAMP WITH TIME ZONE -> timestamptz, INTERVAL, UUID, BLOB ->
bytea, JSON -> jsonb, a list of a scalar type (`VARCHAR[]`, `INTEGER[3]`) -> a PostgreSQL array of it; nested
lists, STRUCT, MAP and UNION -> jsonb. Values travel as Python objects through psycopg's COPY, which escapes
text (tabs, newlines, backslashes, quotes) and writes NULL as NULL; numbers, decimals and dates keep their
exact values (a double is written with its shortest exact representation). PostgreSQL text cannot hold
a NUL character (`\\x00`): such a value fails the copy with PostgreSQL's error.

Transactions are the caller's: copy_table drops and creates the table and copies the rows on `pg_conn` without
committing, so several tables can be replaced in one transaction (readers see all of them or none).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import duckdb
import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

#: rows fetched from DuckDB per batch
BATCH_ROWS = 10_000

_SCALAR_TYPES = {
    "VARCHAR": "text",
    "BOOLEAN": "boolean",
    "TINYINT": "smallint",
    "SMALLINT": "smallint",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "UTINYINT": "smallint",
    "USMALLINT": "integer",
    "UINTEGER": "bigint",
    "UBIGINT": "numeric(20,0)",
    "HUGEINT": "numeric(39,0)",
    "UHUGEINT": "numeric(39,0)",
    "FLOAT": "real",
    "DOUBLE": "double precision",
    "DATE": "date",
    "TIME": "time",
    "TIME WITH TIME ZONE": "timetz",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP_S": "timestamp",
    "TIMESTAMP_MS": "timestamp",
    "TIMESTAMP_NS": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "INTERVAL": "interval",
    "UUID": "uuid",
    "BLOB": "bytea",
    "JSON": "jsonb",
    "BIT": "text",
}
_TABLE_NAME = re.compile(r'^(?:(?:[A-Za-z_][\w$]*|"[^"]+")\.){0,2}(?:[A-Za-z_][\w$]*|"[^"]+")$')
_LIST = re.compile(r"^(.*)\[\d*\]$")
_DECIMAL = re.compile(r"^DECIMAL\((\d+),\s*(\d+)\)$")


def pg_type(duckdb_type: str) -> str:
    """The PostgreSQL column type for a DuckDB type as DESCRIBE names it (module docstring has the table)."""
    t = duckdb_type.strip().upper()
    if t in _SCALAR_TYPES:
        return _SCALAR_TYPES[t]
    if match := _DECIMAL.match(t):
        return f"numeric({match[1]},{match[2]})"
    if t.startswith("ENUM("):
        return "text"
    if match := _LIST.match(t):
        element = pg_type(match[1])
        return "jsonb" if element == "jsonb" or element.endswith("[]") else f"{element}[]"
    if t.startswith(("STRUCT(", "MAP(", "UNION(")):
        return "jsonb"
    raise ValueError(f"no PostgreSQL type for DuckDB type {duckdb_type!r}")


def _json_ready(value: Any) -> Any:
    """A DuckDB value as JSON-serialisable Python (dates and decimals as text, bytes as hex)."""
    if isinstance(value, dict):
        if set(value) == {"key", "value"} and isinstance(value["key"], list):  # a MAP as DuckDB returns it
            return {str(k): _json_ready(v) for k, v in zip(value["key"], value["value"])}
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    if isinstance(value, (date, datetime, time, Decimal, UUID, timedelta)):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    return value


def _source_query(source_sql_or_table: str) -> str:
    source = source_sql_or_table.strip().rstrip(";")
    if _TABLE_NAME.match(source):
        return f"SELECT * FROM {source}"
    return source


def copy_table(duck_con: duckdb.DuckDBPyConnection, pg_conn: psycopg.Connection, source_sql_or_table: str,
               target_schema: str, target_table: str) -> int:
    """Create `target_schema.target_table` in PostgreSQL and copy the rows of a DuckDB relation into it.

    duck_con             an open DuckDB connection that can read the source
    pg_conn              an open psycopg 3 connection; nothing is committed here (the caller commits, so a
                         set of tables can be replaced in one transaction)
    source_sql_or_table  a table or view name (`raw.survey_responses`, optionally quoted parts) or a SELECT
    target_schema        created when missing
    target_table         an existing table of that name is dropped first; columns, names and order as the
                         source's, types by `pg_type`

    Returns the number of rows copied.
    """
    query = _source_query(source_sql_or_table)
    described = duck_con.execute(f"DESCRIBE SELECT * FROM ({query}) AS _pg_copy_source").fetchall()
    columns = [(row[0], pg_type(row[1])) for row in described]
    target = sql.Identifier(target_schema, target_table)
    names = sql.SQL(", ").join(sql.Identifier(name) for name, _type in columns)
    as_json = [i for i, (_name, type_) in enumerate(columns) if type_ == "jsonb"]

    with pg_conn.cursor() as cur:
        cur.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(target_schema)))
        cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(target))
        cur.execute(sql.SQL("CREATE TABLE {} ({})").format(target, sql.SQL(", ").join(
            sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(type_)) for name, type_ in columns)))
        result = duck_con.execute(query)
        n_rows = 0
        with cur.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(target, names)) as copy:
            while batch := result.fetchmany(BATCH_ROWS):
                for row in batch:
                    if as_json:
                        row = list(row)
                        for i in as_json:
                            if row[i] is not None and not isinstance(row[i], str):  # JSON arrives as text
                                row[i] = Jsonb(_json_ready(row[i]))
                    copy.write_row(row)
                n_rows += len(batch)
    return n_rows
