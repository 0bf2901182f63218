"""The used range of a workbook's first sheet, measured from its XML before any reader parses it.

A spreadsheet reader builds a sheet as a dense grid from A1 to the last cell: one cell at `XFD1048576` makes it
allocate 17 billion cells and the process dies. The `<dimension>` tag cannot be trusted (it is optional and
may lie), so the sheet's XML is streamed once and every row and cell reference is accounted for; the bounding
box must keep within `LandingLimits`. Cells or rows without a reference (positions implied by order) are
refused: every spreadsheet program writes references.

The pass costs a fraction of the reading: the first row is measured exactly, then each chunk by one
regular-expression search for a reference beyond the range seen so far (a row or column "greater than"
pattern, run in C) and the last row element; only a chunk where that search hits, or that is laid out
unusually, is measured exactly.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from assets.common.settings import LandingLimits

#: Inflated XML may be this many times the limit on the file's size (zip bombs); XLSX compresses ~5-15x.
MAX_INFLATION = 20
_CHUNK = 1 << 22
_SHEET = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?\s(?:\w+:)id="([^"]+)"')
_REL = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>")
_ROW_REF = re.compile(rb'<(?:\w+:)?row\s[^>]*?\br="(\d{1,9})"')
_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>/]")
_CELL_REF = re.compile(rb'<(?:\w+:)?c\s[^>]*?\br="([A-Z]{1,4})(\d{1,9})"')
_CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s>/]")
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class WorkbookTooLarge(ValueError):
    """The workbook is outside the limits or not laid out as a spreadsheet program writes one."""


@dataclass(frozen=True)
class UsedRange:
    rows: int     # the last row used (1 = the header only)
    columns: int  # the last column used (1 = A)


def column_number(letters: bytes) -> int:
    n = 0
    for b in letters:
        n = n * 26 + (b - 64)
    return n


def _first_sheet(z: zipfile.ZipFile) -> str:
    """The XML part of the workbook's first sheet (workbook.xml order, as readers take it)."""
    workbook = _small(z, "xl/workbook.xml")
    rels = _small(z, "xl/_rels/workbook.xml.rels")
    first = _SHEET.search(workbook)
    if first:
        for tag in _REL.findall(rels):
            ident, target = re.search(rb'\bId="([^"]+)"', tag), re.search(rb'\bTarget="([^"]+)"', tag)
            if ident and target and ident.group(1) == first.group(1):
                name = target.group(1).decode("utf-8", "replace")
                return name.lstrip("/") if name.startswith("/") else posixpath.normpath(posixpath.join("xl", name))
    raise WorkbookTooLarge("the workbook has no worksheet")


def _small(z: zipfile.ZipFile, name: str) -> bytes:
    try:
        info = z.getinfo(name)
    except KeyError:
        raise WorkbookTooLarge(f"the workbook has no {name}") from None
    if info.file_size > 16 << 20:
        raise WorkbookTooLarge(f"the workbook's {name} is implausibly large")
    return z.read(info)


def used_range(path: Path, limits: LandingLimits) -> UsedRange:
    """Stream the first sheet's XML and return its used range; raise `WorkbookTooLarge` as soon as a limit is
    passed (rows, columns, cells, inflated size)."""
    inflated_limit = limits.max_file_bytes * MAX_INFLATION
    with zipfile.ZipFile(path) as z:
        if sum(i.file_size for i in z.infolist()) > inflated_limit:
            raise WorkbookTooLarge(f"the workbook inflates to more than {MAX_INFLATION} times the "
                                   f"{limits.max_file_mb:,} MB file limit (a zip bomb?)")
        sheet = _first_sheet(z)
        rows = columns = 0
        tail = b""
        with z.open(sheet) as fh:
            while chunk := fh.read(_CHUNK):
                data = tail + chunk
                cut = data.rfind(b"<")  # a tag split across chunks is read with the next one
                data, tail = (data[:cut], data[cut:]) if cut > 0 else (data, b"")
                rows, columns = _fast(data, rows, columns) or _measure(data, rows, columns)
                _check(UsedRange(rows, columns), limits)
        rows, columns = _measure(tail, rows, columns)
    used = UsedRange(rows, columns)
    _check(used, limits)
    return used


def _measure(data: bytes, rows: int, columns: int) -> tuple[int, int]:
    """The chunk's every row and cell reference read (a Python object per cell: the first chunk, odd ones)."""
    row_refs = _ROW_REF.findall(data)
    cell_refs = _CELL_REF.findall(data)
    n_cells = len(_CELL_TAG.findall(data))
    if len(row_refs) != len(_ROW_TAG.findall(data)) or len(cell_refs) != n_cells:
        raise WorkbookTooLarge("the sheet has rows or cells without a reference (r=\"…\"), which spreadsheet "
                               "programs always write: save it again with Excel")
    if row_refs:
        rows = max(rows, max(map(int, row_refs)))
    if cell_refs:
        letters, numbers = zip(*cell_refs)
        columns = max(columns, max(map(column_number, set(letters))))
        rows = max(rows, max(map(int, set(numbers))))
    return rows, columns


def _fast(data: bytes, rows: int, columns: int) -> tuple[int, int] | None:
    """The chunk measured with one search and no Python object per cell, or None when it needs `_measure`: a
    cell not written `<c r="…"` (no reference, another attribute first, a namespace prefix) or a reference
    beyond the columns seen so far and the last row element (rows come in order)."""
    if b":c " in data:
        return None
    if columns == 0:  # the first chunk: the first row measured exactly sets the range to check against
        first_row = data.find(b"</row>")
        if first_row < 0:
            return None
        rows, columns = _measure(data[:first_row], rows, columns)
        if columns == 0:
            return None
    last_row = data.rfind(b'<row r="')
    if last_row >= 0:
        digits = data[last_row + 8:data.find(b'"', last_row + 8)]
        if not digits.isdigit() or len(digits) > 9:
            return None
        rows = max(rows, int(digits))
    beyond = (b'<c(?:[>/]|\\s(?!r="[A-Z])| r="(?:' + _greater_letters(columns) + b')[0-9]| r="[A-Z]{1,4}(?:'
              + _greater_number(rows) + b')")')
    if re.search(beyond, data):
        return None
    return rows, columns


def _greater_letters(column: int) -> bytes:
    """A pattern matching exactly the column letters after column number `column` (1 = A)."""
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = _LETTERS[rest] + letters
    options = [f"[A-Z]{{{len(letters) + 1},}}"]
    for i, ch in enumerate(letters):
        if ch != "Z":
            options.append(f"{letters[:i]}[{chr(ord(ch) + 1)}-Z][A-Z]{{{len(letters) - i - 1}}}")
    return "|".join(options).encode()


def _greater_number(n: int) -> bytes:
    """A pattern matching exactly the decimal numbers (no leading zero) greater than `n`."""
    digits = str(n)
    options = [f"[1-9][0-9]{{{len(digits)},}}"]
    for i, ch in enumerate(digits):
        if ch != "9":
            options.append(f"{digits[:i]}[{int(ch) + 1}-9][0-9]{{{len(digits) - i - 1}}}")
    return "|".join(options).encode()


def _check(used: UsedRange, limits: LandingLimits) -> None:
    if used.rows - 1 > limits.max_rows:
        raise WorkbookTooLarge(f"the first sheet uses {used.rows:,} rows, more than the limit of "
                               f"{limits.max_rows:,} data rows (WB_MAX_ROWS)")
    if used.columns > limits.max_columns:
        raise WorkbookTooLarge(f"the first sheet uses {used.columns:,} columns, more than the limit of "
                               f"{limits.max_columns:,} (WB_MAX_COLUMNS)")
    if used.rows * used.columns > limits.max_sheet_cells:
        raise WorkbookTooLarge(f"the first sheet's used range is {used.rows:,} rows × {used.columns:,} columns, "
                               f"more than the limit of {limits.max_sheet_cells:,} cells (WB_MAX_SHEET_CELLS)")
