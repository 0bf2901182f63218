"""Primary and foreign keys of the published tables, from dbt's documentation of them: the grain (a primary key
where the contract makes every one of its columns not null), the columns with a `unique` test, and the
`relationships` tests (foreign keys). Power BI and SQL clients draw relationships between tables from these
keys; the DuckDB copy and the PostgreSQL serving schema declare them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from assets.exports.catalog import TableDoc


@dataclass(frozen=True)
class TableKeys:
    primary: tuple[str, ...] = ()                         # empty: a grain column may be null (no primary key)
    unique: tuple[str, ...] = ()                          # single columns unique besides the primary key
    foreign: tuple[tuple[str, str, str], ...] = ()        # (column, referenced table, referenced column)


def table_keys(tables: Sequence[str], docs: dict[str, TableDoc]) -> dict[str, TableKeys]:
    """The keys of `tables`; a foreign key is declared only to a published table's primary key or unique
    column."""
    table_docs = {table: docs.get(table) or TableDoc(schema="", name=table) for table in tables}
    primary, unique = {}, {}
    for table, doc in table_docs.items():
        primary[table] = tuple(doc.grain) if doc.grain and set(doc.grain) <= set(doc.not_null) else ()
        unique[table] = tuple(c for c in doc.unique if (c,) != primary[table])
    keys = {}
    for table, doc in table_docs.items():
        foreign = tuple((column, target, field) for column, target, field in doc.relationships
                        if target in primary and ((field,) == primary[target] or field in unique[target]))
        keys[table] = TableKeys(primary[table], unique[table], foreign)
    return keys


def creation_order(keys: dict[str, TableKeys]) -> list[str]:
    """The tables with every referenced table before the tables that reference it."""
    order: list[str] = []

    def visit(table: str, path: tuple[str, ...] = ()) -> None:
        if table in order or table in path:
            return
        for _column, target, _field in keys[table].foreign:
            visit(target, (*path, table))
        order.append(table)

    for table in sorted(keys):
        visit(table)
    return order
