"""The PostgreSQL serving database: every `marts` table published into its schema `marts` for BI tools.

DuckDB serves one writer or many readers of one file; Power BI users in their dozens want a database server.
When `WB_SERVING_DSN` is set, the export asset `exports/serving_postgres` copies every mart there after the
blocking checks passed, in ONE transaction: a report querying during the publication sees the previous
version of every table until the commit, then the new version of every table, never a mix or an empty table.

Tables the current dbt project no longer builds are dropped in the same transaction, dbt's descriptions
become `COMMENT`s (Power BI and SQL clients show them), the tables get their primary and foreign keys (keys.py:
Power BI draws relationships from them), and an optional read-only role (`WB_SERVING_READER`)
is granted SELECT on each new table. A BI query holding a table longer than `LOCK_TIMEOUT` makes the
publication give up and retry later, rather than queue every other reader behind it.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import psycopg
from psycopg import sql

from assets.common.pg_copy import copy_table
from assets.exports.catalog import TableDoc
from assets.exports.keys import TableKeys, creation_order

SCHEMA = "marts"
LOCK_TIMEOUT = "30s"


def publish_marts(duck_con: duckdb.DuckDBPyConnection, dsn: str, tables: Sequence[str],
                  docs: dict[str, TableDoc], reader_role: str | None = None,
                  keys: dict[str, TableKeys] | None = None) -> dict[str, int]:
    """Replace schema `marts` of the serving database with the DuckDB `marts` tables named; returns rows per
    table. All or nothing: any error rolls the whole publication back (the previous version stays)."""
    rows: dict[str, int] = {}
    with psycopg.connect(dsn, application_name="wellbeing-warehouse publisher") as pg, pg.transaction():
        pg.execute(sql.SQL("SET LOCAL lock_timeout = {}").format(sql.Literal(LOCK_TIMEOUT)))
        pg.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(SCHEMA)))
        present = {r[0] for r in pg.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", [SCHEMA]).fetchall()}
        for table in sorted(present):  # CASCADE: the previous publication's foreign keys go with them
            pg.execute(sql.SQL("DROP TABLE {} CASCADE").format(sql.Identifier(SCHEMA, table)))
        for table in tables:
            rows[table] = copy_table(duck_con, pg, f'"{SCHEMA}"."{table}"', SCHEMA, table)
            _comment(pg, table, docs.get(table))
            if reader_role:
                pg.execute(sql.SQL("GRANT SELECT ON {} TO {}").format(sql.Identifier(SCHEMA, table),
                                                                      sql.Identifier(reader_role)))
        _declare_keys(pg, {t: k for t, k in (keys or {}).items() if t in rows})
        if reader_role:
            pg.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(sql.Identifier(SCHEMA),
                                                                        sql.Identifier(reader_role)))
    return rows


def _declare_keys(pg: psycopg.Connection, keys: dict[str, TableKeys]) -> None:
    """Primary keys and unique columns first, then the foreign keys that reference them."""
    order = creation_order(keys)
    for table in order:
        target = sql.Identifier(SCHEMA, table)
        if keys[table].primary:
            pg.execute(sql.SQL("ALTER TABLE {} ADD PRIMARY KEY ({})").format(
                target, sql.SQL(", ").join(sql.Identifier(c) for c in keys[table].primary)))
        for column in keys[table].unique:
            pg.execute(sql.SQL("ALTER TABLE {} ADD UNIQUE ({})").format(target, sql.Identifier(column)))
    for table in order:
        for column, referenced, field in keys[table].foreign:
            pg.execute(sql.SQL("ALTER TABLE {} ADD FOREIGN KEY ({}) REFERENCES {} ({})").format(
                sql.Identifier(SCHEMA, table), sql.Identifier(column), sql.Identifier(SCHEMA, referenced),
                sql.Identifier(field)))


def _comment(pg: psycopg.Connection, table: str, doc: TableDoc | None) -> None:
    if doc is None:
        return
    target = sql.Identifier(SCHEMA, table)
    description = " ".join(p for p in (doc.description.strip(), doc.grain_text and f"Grain: {doc.grain_text}.") if p)
    if description:
        pg.execute(sql.SQL("COMMENT ON TABLE {} IS {}").format(target, sql.Literal(description)))
    columns = {r[0] for r in pg.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = %s AND table_name = %s",
        [SCHEMA, table]).fetchall()}
    for column, text in doc.columns.items():
        if text and column in columns:
            pg.execute(sql.SQL("COMMENT ON COLUMN {} IS {}").format(
                sql.Identifier(SCHEMA, table, column), sql.Literal(text)))
