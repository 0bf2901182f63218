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
rows. So every build of "everything" is also a full refresh of them (`needs_full_refresh`), and a raw table with
fewer rows or an older latest `_loaded_at` than at the last build (restored, or edited by hand) counts as a
change of everything.
"""

from __future__ import annotations

import json

import duckdb

from assets.common.settings import Settings
from assets.common.warehouse import RAW_TABLES
from assets.exports.unchanged import files_fingerprint, fingerprint
from orchestration.dbt import dbt_project_files


def current_state(con: duckdb.DuckDBPyConnection, settings: Settings) -> dict:
    raw = {}
    for table in sorted(RAW_TABLES):
        rows, latest = con.execute(f"SELECT count(*), max(_loaded_at) FROM raw.{table}").fetchone()
        raw[table] = [int(rows), None if latest is None else str(latest)]
    env = {k: v for k, v in settings.dbt_env().items() if k != "WB_DUCKDB_MEMORY_LIMIT"}  # not what is built
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


def needs_full_refresh(con: duckdb.DuckDBPyConnection, settings: Settings) -> bool:
    """Whether the next dbt build must rebuild its incremental models whole (see the module's docstring)."""
    return changed_raw_tables(last_state(con), current_state(con, settings)) is None


def record_build(con: duckdb.DuckDBPyConnection, state: dict, run_id: str | None, selected: str) -> None:
    """After a successful build: the state it was built from (`current_state` taken before it started, so a
    project file edited while dbt ran is not taken as built)."""
    con.execute("INSERT INTO ops.builds (built_at, run_id, selected, state) VALUES (current_timestamp, ?, ?, ?)",
                [run_id, selected, json.dumps(state)])
