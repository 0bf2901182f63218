"""Exports whose inputs have not changed since they were last published are not made again.

An incremental refresh (a new quarter of hours) leaves the survey marts and the dbt project as they were: the
wellbeing charts and dbt's documentation site would come out the same, at a cost of seconds each. Each such
export records a fingerprint of everything it is made from (the tables' contents, the code that draws or
generates it, the settings it uses) in its export set, `.state/<name>.json` (sets.py: the record is published
with the files it describes, or not at all), together with the metadata it showed in Dagster; the next run
compares, and when nothing changed and every file is still in the set it says so and shows the same metadata.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from assets.exports.sets import STATE


def table_fingerprint(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> str:
    """The table's columns and rows, whatever their order (missing: "absent")."""
    columns = con.execute(
        """SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = ? AND table_name = ?
           AND table_catalog = current_database() ORDER BY ordinal_position""", [schema, table]).fetchall()
    if not columns:
        return "absent"
    [(rows, content)] = con.execute(
        f'SELECT count(*), coalesce(sum(hash(t)::HUGEINT), 0) FROM "{schema}"."{table}" AS t').fetchall()
    return f"{columns}|{rows}|{content}"


def _state_path(export_set: Path, name: str) -> Path:
    return export_set / STATE / f"{name}.json"


def unchanged(export_set: Path, name: str, current: str) -> dict | None:
    """The metadata recorded with the export in `export_set` when its fingerprint equals `current` and all its
    files are in the set; otherwise None (make the export)."""
    try:
        recorded = json.loads(_state_path(export_set, name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if recorded.get("fingerprint") != current or not all((export_set / f).exists()
                                                          for f in recorded.get("files", [])):
        return None
    return recorded.get("metadata", {})


def record(export_set: Path, name: str, current: str, files: list[Path], metadata: dict) -> None:
    """Remember what was written into `export_set` (after it was: a failed export records nothing). `metadata`:
    JSON."""
    path = _state_path(export_set, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    files = [Path(f).relative_to(export_set).as_posix() for f in files]
    tmp.write_text(json.dumps({"fingerprint": current, "files": files, "metadata": metadata}), encoding="utf-8")
    tmp.replace(path)
