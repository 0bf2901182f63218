"""Table exports: Parquet (Power BI) and CSV (Dutch Excel) per table, the data dictionary, the DuckDB copy.

Functions take an open warehouse connection and a `Publication` (publish.py): they write temporary files,
and the caller's publication swaps them in together.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from assets.exports.catalog import TableDoc, column_types
from assets.exports.csv_dialect import format_column, open_csv, write_csv_columns
from assets.exports.keys import TableKeys, creation_order
from assets.exports.publish import Publication

#: The DuckDB storage format of the published copy: what DuckDB 1.4 clients (ODBC, BI connectors) open.
COPY_STORAGE_VERSION = "v1.4.0"
DICTIONARY_NAME = "DATA_DICTIONARY.md"


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def read_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> pa.Table:
    """The whole table in a stable row order (so exports of unchanged data are identical)."""
    return con.sql(f"SELECT * FROM {_quote(schema)}.{_quote(table)} ORDER BY ALL").to_arrow_table()


def with_descriptions(arrow: pa.Table, doc: TableDoc | None, source: str) -> pa.Table:
    """Attach dbt's descriptions: field metadata `description`, schema metadata `table`, `description`, `grain`."""
    doc = doc or TableDoc(schema="", name="")
    fields = [f.with_metadata({"description": doc.columns[f.name]}) if doc.columns.get(f.name) else f
              for f in arrow.schema]
    meta = {"table": source, "description": doc.description, "grain": ", ".join(doc.grain)}
    schema = pa.schema(fields, metadata={k: v for k, v in meta.items() if v})
    return pa.Table.from_arrays(arrow.columns, schema=schema)


def _formatted_batches(arrow: pa.Table) -> Iterator[list[list[str]]]:
    """The table's cells in the CSV dialect, 10,000 rows at a time, a column at a time."""
    kinds = [_cell_kind(field.type) for field in arrow.schema]
    for batch in arrow.to_batches(max_chunksize=10_000):
        yield [format_column(column.to_pylist(), kind) for column, kind in zip(batch.columns, kinds)]


def _cell_kind(arrow_type: pa.DataType) -> str:
    """Which `format_column` path a column takes (every other type: cell by cell)."""
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return "text"
    if pa.types.is_boolean(arrow_type):
        return "bool"
    if pa.types.is_integer(arrow_type):
        return "int"
    if pa.types.is_floating(arrow_type):
        return "float"
    return "other"


def export_table(con: duckdb.DuckDBPyConnection, schema: str, table: str, doc: TableDoc | None,
                 publication: Publication) -> int:
    """`<table>.parquet` and `<table>.csv` (the one CSV dialect) into the publication; returns the row count."""
    arrow = with_descriptions(read_table(con, schema, table), doc, f"{schema}.{table}")
    pq.write_table(arrow, publication.temp(f"{table}.parquet"), compression="snappy")
    with open_csv(publication.temp(f"{table}.csv")) as fh:
        write_csv_columns(fh, arrow.column_names, _formatted_batches(arrow))
    return arrow.num_rows


def write_data_dictionary(con: duckdb.DuckDBPyConnection, schema: str, tables: Sequence[str],
                          docs: dict[str, TableDoc], path: Path, rows: dict[str, int]) -> None:
    """Markdown: per table its description, grain, relationships (the star schema) and columns."""
    lines = [
        f"# Data dictionary: schema `{schema}`",
        "",
        f"Generated {dt.date.today().isoformat()} from the dbt documentation of the warehouse. Files per table: "
        "`<table>.parquet` (Power BI; descriptions are in the Parquet field metadata), `<table>.csv` (Excel, "
        "Dutch locale: UTF-8 with BOM, `;`, decimal comma, ISO dates, booleans WAAR/ONWAAR, text starting with "
        "`= + - @` prefixed with `'`), and the same tables in `wellbeing_marts.duckdb` (schema `marts`).",
        "",
        "Suppressed cells (`suppressed` = true, `hours_suppressed` for hours) are empty, never zero: their base "
        "count was below the disclosure threshold (or their hours were one or two students'), or they were withheld "
        "so that no suppressed value can be narrowed down by combining the published tables; "
        "`suppression_reason` says which. A number missing for a quarter outside a source's data is empty too "
        "(`no_data`), never 0.",
        "",
        *_disclosure_audit(con),
        *_indicators(con, schema),
        "| table | rows | grain | description |",
        "|---|---:|---|---|",
    ]
    for table in tables:
        doc = docs.get(table) or TableDoc(schema=schema, name=table)
        lines.append(f"| [`{table}`](#{table}) | {rows.get(table, 0):,} | {_cell(', '.join(doc.grain))} | "
                     f"{_cell(doc.description)} |")
    for table in tables:
        doc = docs.get(table) or TableDoc(schema=schema, name=table)
        lines += ["", f"## {table}", ""]
        if doc.description:
            lines += [doc.description, ""]
        lines.append(f"- **Grain:** {doc.grain_text or 'not declared'}")
        for column, to_table, to_column in doc.relationships:
            lines.append(f"- **Relationship:** `{column}` → `{to_table}.{to_column}` (many-to-one)")
        lines += ["", "| column | type | description |", "|---|---|---|"]
        for column, data_type in column_types(con, schema, table):
            key = " (key)" if column in doc.grain else ""
            lines.append(f"| `{column}`{key} | {data_type} | {_cell(doc.columns.get(column, ''))} |")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _disclosure_audit(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The latest disclosure audit of each published table (the check disclosure_rules_hold), for the dictionary."""
    try:
        rows = con.execute("""
            SELECT asset, details FROM ops.check_results
            WHERE check_name = 'disclosure_rules_hold'
            QUALIFY row_number() OVER (PARTITION BY asset ORDER BY checked_at DESC) = 1
            ORDER BY asset""").fetchall()
    except duckdb.Error:
        return []
    if not rows:
        return []
    return ["## Disclosure audit", "",
            "Every suppressed cell's interval, computed by linear programming from all published tables together, "
            "is at least the protection level (docs/disclosure.md). The latest audit:", "",
            *[f"- `{asset}`: {_cell(details or '')}" for asset, details in rows], ""]


def _indicators(con: duckdb.DuckDBPyConnection, schema: str) -> list[str]:
    """The wellbeing indicators with their labels, unit, scale and direction (`dim_indicator`), for the dictionary."""
    try:
        rows = con.execute(f"""
            SELECT indicator, label_nl, label_en, unit, scale_low, scale_high, direction, survey_years_answered
            FROM {_quote(schema)}.dim_indicator ORDER BY sort_order""").fetchall()
    except duckdb.Error:
        return []
    lines = ["## Wellbeing indicators", "",
             "The `indicator` codes of the wellbeing tables, as `dim_indicator` describes them (charts use these "
             "labels).", "",
             "| indicator | label (nl) | label (en) | unit | scale | direction | survey years answered |",
             "|---|---|---|---|---|---|---|"]
    for code, nl, en, unit, low, high, direction, years in rows:
        lines.append(f"| `{code}` | {_cell(nl)} | {_cell(en)} | {unit} | {low:g}–{high:g} | "
                     f"{direction.replace('_', ' ')} | {years or '-'} |")
    return [*lines, ""]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def write_duckdb_copy(con: duckdb.DuckDBPyConnection, schema: str, tables: Sequence[str],
                      docs: dict[str, TableDoc], path: Path, keys: dict[str, TableKeys] | None = None) -> None:
    """A DuckDB file holding only `schema` (its tables, with dbt's descriptions as comments and their primary and
    foreign keys, keys.py), written in the storage format DuckDB 1.4 opens. `path` must not exist (a
    publication's temporary name)."""
    alias = "wb_published_copy"
    keys = {t: k for t, k in (keys or {}).items() if t in tables}
    ordered = creation_order(keys) + [t for t in tables if t not in keys]
    con.execute(f"ATTACH {_literal(str(path))} AS {alias} (STORAGE_VERSION {_literal(COPY_STORAGE_VERSION)})")
    try:
        con.execute(f"CREATE SCHEMA {alias}.{_quote(schema)}")
        for table in ordered:
            target = f"{alias}.{_quote(schema)}.{_quote(table)}"
            columns = [f"{_quote(c)} {t}" for c, t in column_types(con, schema, table)]
            key = keys.get(table) or TableKeys()
            if key.primary:
                columns.append(f"PRIMARY KEY ({', '.join(map(_quote, key.primary))})")
            columns += [f"UNIQUE ({_quote(c)})" for c in key.unique]
            columns += [f"FOREIGN KEY ({_quote(c)}) REFERENCES {alias}.{_quote(schema)}.{_quote(t)} ({_quote(f)})"
                        for c, t, f in key.foreign]
            con.execute(f"CREATE TABLE {target} ({', '.join(columns)})")
            con.execute(f"INSERT INTO {target} SELECT * FROM {_quote(schema)}.{_quote(table)} ORDER BY ALL")
            doc = docs.get(table)
            if doc is None:
                continue
            if doc.description:
                con.execute(f"COMMENT ON TABLE {target} IS {_literal(doc.description)}")
            present = {c for c, _ in column_types(con, schema, table)}
            for column, description in doc.columns.items():
                if description and column in present:
                    con.execute(f"COMMENT ON COLUMN {target}.{_quote(column)} IS {_literal(description)}")
    finally:
        con.execute(f"DETACH {alias}")
