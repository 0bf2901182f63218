"""The one CSV dialect of every CSV export: Excel in a Dutch locale (warehouse contract, "Exports").

- UTF-8 with a BOM (Excel otherwise reads the bytes as Windows-1252), `;` between fields, CRLF line ends,
  a header row with the column names;
- numbers with a decimal comma and no thousands separator (`12,5`, `-2,25`), floats in their shortest exact
  form and never in exponent notation; decimals as stored (`10,00`);
- dates ISO (`2023-01-01`), timestamps `2023-01-01 08:30:00` (both read by Excel as dates);
- booleans `WAAR` / `ONWAAR`, the logical values of Dutch Excel; null (and NaN) is an empty cell;
- a text cell starting with `=`, `+`, `-`, `@` (or a tab or carriage return) is neutralised with a leading `'`
  so that Excel never evaluates it as a formula (OWASP "CSV injection"). Numbers are never neutralised:
  `-2,25` in a numeric column stays a number.

DuckDB's own `COPY … (FORMAT csv)` writes neither a BOM nor a decimal comma, hence this writer.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import IO, Any

import numpy as np

DELIMITER = ";"
LINE_END = "\r\n"
ENCODING = "utf-8-sig"  # writes the BOM
TRUE, FALSE = "WAAR", "ONWAAR"
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """`=1+1` → `'=1+1`: a leading `'` keeps Excel from evaluating a text cell as a formula."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def format_cell(value: Any) -> str:
    """One value as a cell of the dialect; text (and anything shown as text) is neutralised."""
    if isinstance(value, list | tuple):  # a list column: one text cell, items separated by `, `
        return neutralise(", ".join(_scalar(v) for v in value))
    text = _scalar(value)
    return text if isinstance(value, _NOT_TEXT) else neutralise(text)


_NOT_TEXT = (type(None), bool, np.bool_, int, np.integer, float, np.floating, Decimal, dt.date, dt.time)


def _scalar(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool | np.bool_):
        return TRUE if value else FALSE
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        if not math.isfinite(value):
            return ""
        return np.format_float_positional(float(value), unique=True, trim="-").replace(".", ",")
    if isinstance(value, Decimal):
        return format(value, "f").replace(".", ",") if value.is_finite() else ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def format_column(values: Sequence[Any], kind: str = "other") -> list[str]:
    """`format_cell` of every value of a column whose values are all of one `kind` (or None): "text", "bool",
    "int", "float", or "other" (cell by cell). The same cells, several times faster for a large table's columns
    (tests/exports/test_csv_dialect.py checks each path against format_cell)."""
    if kind == "text":
        return ["" if v is None else neutralise(v) for v in values]
    if kind == "bool":
        return ["" if v is None else (TRUE if v else FALSE) for v in values]
    if kind == "int":
        return ["" if v is None else str(v) for v in values]
    if kind == "float":
        return [_float_cell(v) for v in values]
    return [format_cell(v) for v in values]


def _float_cell(value: float | None) -> str:
    """`_scalar` of a float by `repr` (the shortest exact digits, as format_float_positional(unique=True)), with
    numpy only where repr would use an exponent or the value is not finite."""
    if value is None:
        return ""
    text = repr(value)
    if "e" in text or "n" in text:  # 1e-07, inf, nan
        return _scalar(value)
    if text.endswith(".0"):
        text = text[:-2]
    return text.replace(".", ",")


def write_csv_columns(fh: IO[str], header: Sequence[str], batches: Iterable[Sequence[list[str]]]) -> int:
    """Write a header and the cells of `batches` (each a list of columns of cells formatted by `format_column`)
    to a text file from `open_csv`; returns the rows written."""
    writer = csv.writer(fh, delimiter=DELIMITER, lineterminator=LINE_END, quoting=csv.QUOTE_MINIMAL)
    writer.writerow([neutralise(str(h)) for h in header])
    count = 0
    for columns in batches:
        rows = list(zip(*columns))
        writer.writerows(rows)
        count += len(rows)
    return count


def open_csv(path) -> IO[str]:
    """A file opened for `write_csv_columns`: UTF-8 with BOM, newlines untranslated (the writer writes CRLF)."""
    return open(path, "w", encoding=ENCODING, newline="")

