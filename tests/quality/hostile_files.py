"""Hostile and odd landing files, written byte for byte as a source system or a careless colleague makes them."""

from __future__ import annotations

import os
import time
import zipfile
from pathlib import Path

HOURS_HEADER = "record_id,student_number,programme_code,location,work_date,hours"
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"


def workbook(path: Path, sheet_data: str, dimension: str | None = None) -> Path:
    """A minimal .xlsx whose first sheet holds `sheet_data` (the `<sheetData>` content) as given."""
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
            'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.worksheet+xml"/></Types>'),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_RELS}"><Relationship Id="rId1" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_MAIN}" xmlns:r="http://schemas.openxmlformats'
            '.org/officeDocument/2006/relationships"><sheets><sheet name="Blad1" sheetId="1" r:id="rId1"/></sheets>'
            '</workbook>'),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_RELS}"><Relationship Id="rId1" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>'),
        "xl/worksheets/sheet1.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_MAIN}">{dim}<sheetData>{sheet_data}'
            '</sheetData></worksheet>'),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text)
    return path


def far_cell_workbook(path: Path) -> Path:
    """The 1.8 KB workbook whose only cell is at XFD1048576: a dense reader would allocate 512 GiB."""
    return workbook(path, '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>', dimension="XFD1048576")


def lying_workbook(path: Path) -> Path:
    """A header in A1, the dimension tag saying A1:F1, and a cell at XFD1048576 nevertheless."""
    header = "".join(f'<c r="{col}1" t="inlineStr"><is><t>{name}</t></is></c>'
                     for col, name in zip("ABCDEF", HOURS_HEADER.split(",")))
    return workbook(path, f'<row r="1">{header}</row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>',
                    dimension="A1:F1")


def text_file(path: Path, text: str, encoding: str = "utf-8", newline: str = "\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    return path


def settled(*paths: Path, seconds_ago: float = 3600) -> None:
    """Give files a modification time in the past (delivered a while ago)."""
    stamp = time.time() - seconds_ago
    for path in paths:
        os.utime(path, (stamp, stamp), follow_symlinks=False)
