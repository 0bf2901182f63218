"""File dialects of the landing zone, written byte-for-byte reproducibly.

CSV goes through pandas with every value pre-formatted as text (so the dialect – separator, decimal comma,
date format, leading zeros – is decided by the caller, not by locale guessing). XLSX is written directly as
a minimal OOXML package: openpyxl stamps the current time into docProps and zip entries and is slow for
100k-row sheets, while this writer streams rows and fixes every timestamp, so the same seed gives the
same bytes. Each file's mtime is set to its plausible delivery time ("newest file wins" depends on it).
"""

from __future__ import annotations

import csv
import os
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Sequence
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd

from .dates import to_timestamp

_EXCEL_EPOCH = np.datetime64("1899-12-30", "s")


def zero_pad(values: np.ndarray | Sequence, width: int) -> np.ndarray:
    """Numbers as text with leading zeros (as some sources write student numbers); safe for empty input."""
    return pd.Series(np.asarray(values), dtype=object).astype(str).str.zfill(width).to_numpy(dtype=object)


def set_mtime(path: Path, moment: datetime) -> None:
    ts = to_timestamp(moment)
    os.utime(path, (ts, ts))


def write_csv(
    path: Path,
    table: pd.DataFrame,
    *,
    sep: str,
    delivered: datetime,
    bom: bool = False,
    crlf: bool = False,
    quote_all: bool = False,
    extra_header_rows: Sequence[Sequence[str]] = (),
) -> int:
    """Write text columns as CSV; `extra_header_rows` go between the column names and the data (Qualtrics)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if extra_header_rows:
        head = pd.DataFrame(list(extra_header_rows), columns=table.columns)
        table = pd.concat([head, table], ignore_index=True)
    table.to_csv(
        path,
        sep=sep,
        index=False,
        encoding="utf-8-sig" if bom else "utf-8",
        lineterminator="\r\n" if crlf else "\n",
        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
    )
    set_mtime(path, delivered)
    return len(table) - len(extra_header_rows)


# --------------------------------------------------------------------------------------------- XLSX


@dataclass(frozen=True)
class Column:
    """One sheet column: kind is `str`, `int`, `num`, `date` (datetime64[D]) or `datetime` (datetime64[s])."""

    name: str
    values: np.ndarray | Sequence
    kind: str = "str"


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    '<Override PartName="/docProps/app.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" '
    'Target="docProps/core.xml"/>'
    '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" '
    'Target="docProps/app.xml"/>'
    "</Relationships>"
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    'Target="styles.xml"/>'
    "</Relationships>"
)
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="dd-mm-yyyy"/>'
    '<numFmt numFmtId="165" formatCode="dd-mm-yyyy hh:mm"/></numFmts>'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_APP = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    "<Application>Microsoft Excel</Application></Properties>"
)


def _col_letter(i: int) -> str:
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


def _cells(col: Column, letter: str, first_row: int) -> list[str]:
    """The `<c>` elements of one column (empty string for a missing value)."""
    rows = range(first_row, first_row + len(col.values))
    if col.kind == "str":
        return [
            "" if v is None or v == "" or (isinstance(v, float) and np.isnan(v))
            else f'<c r="{letter}{r}" t="inlineStr"><is><t>{escape(str(v))}</t></is></c>'
            for r, v in zip(rows, col.values)
        ]
    if col.kind in ("int", "num"):
        arr = np.asarray(col.values, dtype=np.float64)
        text = [("%d" % v if col.kind == "int" else "%.10g" % v) if not np.isnan(v) else "" for v in arr.tolist()]
        return [f'<c r="{letter}{r}"><v>{t}</v></c>' if t else "" for r, t in zip(rows, text)]
    if col.kind in ("date", "datetime"):
        arr = np.asarray(col.values).astype("datetime64[s]")
        serial = (arr - _EXCEL_EPOCH).astype(np.float64) / 86400.0
        style = 1 if col.kind == "date" else 2
        return [
            "" if np.isnat(d) else f'<c r="{letter}{r}" s="{style}"><v>{s!r}</v></c>'
            for r, d, s in zip(rows, arr, serial.tolist())
        ]
    raise ValueError(f"unknown column kind {col.kind!r}")


def write_xlsx(path: Path, columns: Sequence[Column], *, delivered: datetime, sheet: str = "Blad1", chunk: int = 20_000) -> int:
    """A one-sheet workbook with a header row; returns the number of data rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    n = len(columns[0].values) if columns else 0
    stamp = delivered.strftime("%Y-%m-%dT%H:%M:%SZ")
    core = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f'<dc:creator>export</dc:creator><dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified></cp:coreProperties>'
    )
    workbook = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<sheets><sheet name="{escape(sheet)}" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    zip_time = (delivered.year, delivered.month, delivered.day, delivered.hour, delivered.minute, delivered.second)

    def entry(name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=zip_time)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        return info

    letters = [_col_letter(i) for i in range(len(columns))]
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in (
            ("[Content_Types].xml", _CONTENT_TYPES),
            ("_rels/.rels", _ROOT_RELS),
            ("docProps/app.xml", _APP),
            ("docProps/core.xml", core),
            ("xl/workbook.xml", workbook),
            ("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS),
            ("xl/styles.xml", _STYLES),
        ):
            zf.writestr(entry(name), text.encode("utf-8"))
        with zf.open(entry("xl/worksheets/sheet1.xml"), "w") as out:
            out.write(
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            )
            header = "".join(
                f'<c r="{L}1" t="inlineStr"><is><t>{escape(c.name)}</t></is></c>' for L, c in zip(letters, columns)
            )
            out.write(f'<row r="1">{header}</row>'.encode("utf-8"))
            for lo in range(0, n, chunk):
                hi = min(lo + chunk, n)
                parts = [
                    _cells(Column(c.name, c.values[lo:hi], c.kind), L, lo + 2) for L, c in zip(letters, columns)
                ]
                rows = (f'<row r="{lo + 2 + i}">{"".join(cells)}</row>' for i, cells in enumerate(zip(*parts)))
                out.write("".join(rows).encode("utf-8"))
            out.write(b"</sheetData></worksheet>")
    set_mtime(path, delivered)
    return n
