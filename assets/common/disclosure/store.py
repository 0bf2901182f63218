"""Reading the cells and writing the decisions: inside dbt's Python models on DuckDB (`decisions_frame`), and by
`wellbeing disclose` for dbt's PostgreSQL target, which has no Python models (`decide_in`).
Both give the same rows, and `decide` puts them in one order, so both targets publish the same tables."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import duckdb

from assets.common.disclosure.decide import CELL_COLUMNS, DECISION_COLUMNS, decide
from assets.common.disclosure.rules import DisclosureRules

if TYPE_CHECKING:
    import pandas as pd

#: per family: dbt's cells model (tagged `disclosure_cells`), and the table `wellbeing disclose` writes for dbt's
#: PostgreSQL target (its source `disclosure`; on DuckDB the Python models int_<family>_cells_protected decide)
CELLS = {"participation": "intermediate.int_participation_cells_unpivoted",
         "wellbeing": "intermediate.int_wellbeing_cells_unioned"}
DECISIONS = {"participation": "intermediate.participation_disclosure_decisions",
             "wellbeing": "intermediate.wellbeing_disclosure_decisions"}
DECISIONS_DDL = """
    CREATE TABLE {table} (
        family VARCHAR NOT NULL, period VARCHAR NOT NULL, pattern VARCHAR NOT NULL, level VARCHAR NOT NULL,
        group_name VARCHAR NOT NULL, location VARCHAR, suppressed BOOLEAN NOT NULL, reason VARCHAR,
        input_hash VARCHAR NOT NULL
    )"""


def read_cells(con, family: str) -> list[tuple]:
    """Every row of the family's cells (in any order: `decide` sorts them)."""
    return con.execute(f"SELECT {', '.join(CELL_COLUMNS)} FROM {CELLS[family]}").fetchall()


def read_decisions(con, family: str, relation: str | None = None) -> dict[tuple[str, str, str],
                                                                       tuple[str, list[tuple]]]:
    """The decisions made before, per (family, period, pattern): (input hash, rows); empty when there are none
    (a new warehouse) or the table has another layout (an older version: everything is solved again)."""
    schema, table = (relation or DECISIONS[family]).replace('"', "").split(".")[-2:]
    columns = {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = '" + schema
        + "' AND table_name = '" + table + "'").fetchall()}
    if not set(DECISION_COLUMNS) <= columns:
        return {}
    rows = con.execute(f"SELECT {', '.join(DECISION_COLUMNS)} FROM {relation or DECISIONS[family]}").fetchall()
    out: dict[tuple[str, str, str], tuple[str, list[tuple]]] = {}
    for row in rows:
        out.setdefault((row[0], row[1], row[2]), (row[-1], []))[1].append(tuple(row))
    return out


def write_decisions(con, family: str, rows: Sequence[tuple]) -> None:
    """Replace the family's decisions table on PostgreSQL with `rows`, in one transaction (psycopg 3)."""
    table = DECISIONS[family]
    with con.transaction():
        con.execute("CREATE SCHEMA IF NOT EXISTS intermediate")
        con.execute(f"DROP TABLE IF EXISTS {table}")
        con.execute(DECISIONS_DDL.format(table=table))
        with con.cursor().copy(f"COPY {table} ({', '.join(DECISION_COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def decide_in(con, family: str, rules: DisclosureRules,
              progress: Callable[[str], None] | None = None) -> tuple[int, dict]:
    """PostgreSQL: read the family's cells, decide (keeping what is unchanged since the decisions already there),
    write the decisions: (decisions written, the family's summary)."""
    decisions, summary = decide(read_cells(con, family), rules, read_decisions(con, family), progress=progress)
    write_decisions(con, family, decisions)
    return len(decisions), summary.get(family, {})


def decisions_frame(session: duckdb.DuckDBPyConnection, family: str, cells: duckdb.DuckDBPyRelation,
                    this: str) -> "pd.DataFrame":
    """dbt's Python model on DuckDB: the decisions for `cells` (the model's ref), keeping those of the patterns
    whose input is unchanged since the model's last build (`this`, its own table, read before dbt replaces it)."""
    import pandas as pd

    rows = cells.select(", ".join(CELL_COLUMNS)).fetchall()
    decisions, _summary = decide(rows, DisclosureRules.from_env(), read_decisions(session, family, this))
    frame = pd.DataFrame(decisions, columns=list(DECISION_COLUMNS))
    return frame.astype({"family": "string", "period": "string", "pattern": "string", "level": "string",
                         "group_name": "string", "location": "string", "suppressed": "bool", "reason": "string",
                         "input_hash": "string"})
