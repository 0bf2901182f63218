"""The dbt project on PostgreSQL: its sources, `raw.*`, copied from a DuckDB warehouse file.

On DuckDB the ingestion fills `raw.*` in the warehouse file and dbt builds there. To build the same project on
PostgreSQL (`dbt build --target postgres`, profile in dbt_project/profiles.yml, connection from `WB_PG_*`),
`raw.*` must be in that PostgreSQL database first: `copy_raw_schema` replaces every table of the warehouse's
`raw` schema there, in one transaction, with the types of assets/common/pg_copy.py.

    python -m assets.common.postgres_raw [WAREHOUSE]    # default $WB_DATA_DIR/warehouse/wellbeing.duckdb

Create the PostgreSQL database with a C or C.UTF-8 collation (`CREATE DATABASE wellbeing TEMPLATE template0
LOCALE 'C.UTF-8'`): the models break ties by text order (disclosure complements), and only byte order chooses
as DuckDB does.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import psycopg

from assets.common.pg_copy import copy_table
from assets.common.settings import Settings, postgres_conninfo


def copy_raw_schema(warehouse: Path | str, pg_conn: psycopg.Connection, schema: str = "raw") -> dict[str, int]:
    """Copy every table of `schema` in the DuckDB file `warehouse` into the same schema of PostgreSQL.

    Existing tables of those names are replaced; the copy is committed as one transaction on `pg_conn`.
    Returns rows copied per table.
    """
    duck_con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = [row[0] for row in duck_con.execute(
            """SELECT table_name FROM information_schema.tables
               WHERE table_schema = ? AND table_type = 'BASE TABLE' ORDER BY table_name""", [schema]).fetchall()]
        with pg_conn.transaction():
            return {table: copy_table(duck_con, pg_conn, f'"{schema}"."{table}"', schema, table) for table in tables}
    finally:
        duck_con.close()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    warehouse = Path(args[0]) if args else Settings.from_env().warehouse_path
    with psycopg.connect(postgres_conninfo()) as pg_conn:
        copied = copy_raw_schema(warehouse, pg_conn)
    for table, n_rows in copied.items():
        print(f"raw.{table}: {n_rows} rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
