"""What `wellbeing materialize` rebuilds: only what depends on the raw tables that changed since its last build.

Every dbt model is a function of the raw tables, the dbt project (models, macros, seeds) and the settings dbt
reads (WB_MIN_CELL, …); none reads the clock. So after a successful build the state it was built from is
recorded in `ops.builds`, and the next build compares:

- no build recorded, another dbt project or other settings: everything (`None`);
- otherwise the raw tables whose rows changed (row count or the latest `_loaded_at`: every upsert stamps the rows
  it writes), and the build selects what lies downstream of them (dbt models and their tests) and the exports
  (orchestration/runner.py, `build_selection`);
- nothing changed: `[]`, only the exports (which find out by themselves what is unchanged).

`wellbeing materialize --full` rebuilds everything regardless. A failed build records nothing, so the next one
compares with the last good state and rebuilds at least as much.

dbt's incremental models (`stg_participation__hours`) take only the raw rows loaded since their last build; that
is exact while the dbt project and settings are those they were built with and raw tables only gain or replace
rows. So the dbt asset, whichever way it is started (this command, the UI, a sensor), records in
`ops.incremental_builds` what each build that selects an incremental model starts from, and when its models were
built; it rebuilds them whole (`dbt build --full-refresh`, `needs_full_refresh`) when there is no finished
record, when the project or settings differ from the last one, or when a raw table has fewer rows or an older
latest `_loaded_at` than then (restored, or edited by hand).
"""

from __future__ import annotations

import json

import duckdb

from assets.common.dbt_project import dbt_project_files
from assets.common.disclosure.rules import DisclosureRules
from assets.common.settings import Settings
from assets.common.warehouse import RAW_TABLES
from assets.common.fingerprint import files_fingerprint, fingerprint


def current_state(con: duckdb.DuckDBPyConnection, settings: Settings) -> dict:
    raw = {}
    for table in sorted(RAW_TABLES):
        rows, latest = con.execute(f"SELECT count(*), max(_loaded_at) FROM raw.{table}").fetchone()
        raw[table] = [int(rows), None if latest is None else str(latest)]
    # where the warehouse lies and how much memory dbt may use are not what is built: a data folder moved
    # elsewhere, or given more memory, builds only what changed
    env = {k: v for k, v in settings.dbt_env().items()
           if k not in ("WB_DUCKDB_MEMORY_LIMIT", "WB_WAREHOUSE_PATH", "WB_DATA_DIR")}
    env["disclosure"] = repr(DisclosureRules.from_env())  # read by the disclosure assets between dbt's steps
    return {"project": files_fingerprint(dbt_project_files()), "settings": fingerprint(**env), "raw": raw}


def last_state(con: duckdb.DuckDBPyConnection) -> dict | None:
    row = con.execute("SELECT state FROM ops.builds ORDER BY built_at DESC LIMIT 1").fetchone()
    return json.loads(row[0]) if row else None


def changed_raw_tables(last: dict | None, now: dict) -> list[str] | None:
    """The raw tables changed between the last recorded build's state and `now`; None: build everything."""
    if last is None or last.get("project") != now["project"] or last.get("settings") != now["settings"]:
        return None
    before = last.get("raw", {})
    if any(_went_back(before.get(table), seen) for table, seen in now["raw"].items()):
        return None
    return [table for table, seen in now["raw"].items() if before.get(table) != seen]


def _went_back(before: list | None, now: list) -> bool:
    """Fewer rows, or an older latest load, than at the last build: the raw table was not only upserted."""
    if before is None:
        return False
    (rows_before, latest_before), (rows, latest) = before, now
    return rows < rows_before or (latest_before is not None and (latest is None or latest < latest_before))


def needs_full_refresh(con: duckdb.DuckDBPyConnection, now: dict) -> bool:
    """Whether a dbt build from state `now` must rebuild the incremental models whole (module docstring)."""
    row = con.execute("""SELECT state, finished FROM ops.incremental_builds
                         ORDER BY started_at DESC, rowid DESC LIMIT 1""").fetchone()
    if row is None or not row[1]:  # never built, or the last build may have left them half way
        return True
    return changed_raw_tables(json.loads(row[0]), now) is None


def begin_incremental_build(con: duckdb.DuckDBPyConnection, now: dict, run_id: str, full_refresh: bool) -> None:
    """Before a dbt build that selects an incremental model: the state it starts from, not yet finished."""
    con.execute("""INSERT INTO ops.incremental_builds (started_at, run_id, full_refresh, finished, state)
                   VALUES (current_timestamp, ?, ?, false, ?)""", [run_id, full_refresh, json.dumps(now)])


def finish_incremental_build(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """After every incremental model of the build `run_id` was built: they hold what its state implies."""
    con.execute("UPDATE ops.incremental_builds SET finished = true WHERE run_id = ?", [run_id])


def record_build(con: duckdb.DuckDBPyConnection, state: dict, run_id: str | None, selected: str) -> None:
    """After a successful build: the state it was built from (`current_state` taken before it started, so a
    project file edited while dbt ran is not taken as built)."""
    con.execute("INSERT INTO ops.builds (built_at, run_id, selected, state) VALUES (current_timestamp, ?, ?, ?)",
                [run_id, selected, json.dumps(state)])
