"""What the exports say about each table: dbt's documentation (descriptions, grain, relationships) and the
tables a warehouse schema holds.

dbt's `manifest.json` is the one source of the descriptions, so Parquet metadata, the data dictionary, the
DuckDB copy's comments and dbt's own docs site never disagree.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

_REF = re.compile(r"""ref\(\s*['"]([^'"]+)['"]\s*\)""")


@dataclass
class TableDoc:
    schema: str
    name: str
    description: str = ""
    grain: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # column -> description
    relationships: list[tuple[str, str, str]] = field(default_factory=list)  # (column, to table, to column)
    unique: list[str] = field(default_factory=list)  # columns with a `unique` test
    not_null: list[str] = field(default_factory=list)  # columns with a not_null constraint (contract)

    @property
    def grain_text(self) -> str:
        if not self.grain:
            return ""
        return "one row per " + " × ".join(self.grain)


def table_docs(manifest_path: Path, schema: str) -> dict[str, TableDoc]:
    """Docs of the dbt models built into `schema`, by table name (the model's alias)."""
    manifest = json.loads(Path(manifest_path).read_text(encoding="utf-8"))
    nodes = manifest.get("nodes", {})
    docs: dict[str, TableDoc] = {}
    by_id: dict[str, TableDoc] = {}
    for unique_id, node in nodes.items():
        if node.get("resource_type") != "model" or node.get("schema") != schema:
            continue
        name = node.get("alias") or node["name"]
        meta = {**(node.get("meta") or {}), **((node.get("config") or {}).get("meta") or {})}
        grain = meta.get("grain")
        doc = TableDoc(
            schema=schema, name=name, description=_clean(node.get("description")),
            grain=[grain] if isinstance(grain, str) else list(grain or []),
            columns={c: _clean(col.get("description")) for c, col in (node.get("columns") or {}).items()},
            not_null=[c for c, col in (node.get("columns") or {}).items()
                      if any(k.get("type") == "not_null" for k in col.get("constraints") or [])],
        )
        docs[name] = by_id[unique_id] = doc
    unique_columns: dict[str, list[str]] = {}
    for node in nodes.values():
        if node.get("resource_type") != "test" or node.get("attached_node") not in by_id:
            continue
        doc = by_id[node["attached_node"]]
        test = node.get("test_metadata") or {}
        kwargs = test.get("kwargs") or {}
        if test.get("name") == "unique_combination_of_columns" and not doc.grain:
            doc.grain = list(kwargs.get("combination_of_columns") or [])
        elif test.get("name") == "unique" and node.get("column_name"):
            unique_columns.setdefault(node["attached_node"], []).append(node["column_name"])
        elif test.get("name") == "relationships" and node.get("column_name"):
            target = _REF.search(str(kwargs.get("to", "")))
            if target:
                doc.relationships.append((node["column_name"], target.group(1), str(kwargs.get("field", ""))))
    for unique_id, columns in unique_columns.items():
        doc = by_id[unique_id]
        doc.unique = sorted(set(columns))
        if not doc.grain:  # a dimension: its key column (the first declared one when several are unique)
            order = list(doc.columns)
            doc.grain = [min(columns, key=lambda c: order.index(c) if c in order else len(order))]
    for doc in docs.values():
        doc.relationships.sort()
    return docs


def tables_in(con: duckdb.DuckDBPyConnection, schema: str) -> list[str]:
    """Tables and views of a warehouse schema, by name (none when the schema does not exist)."""
    return [r[0] for r in con.execute(
        """SELECT table_name FROM information_schema.tables
           WHERE table_schema = ? AND table_catalog = current_database() ORDER BY table_name""",
        [schema]).fetchall()]


def column_types(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[tuple[str, str]]:
    """(column, DuckDB type) in table order."""
    return [(r[0], r[1]) for r in con.execute(
        """SELECT column_name, data_type FROM information_schema.columns
           WHERE table_schema = ? AND table_name = ? AND table_catalog = current_database()
           ORDER BY ordinal_position""", [schema, table]).fetchall()]


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())
