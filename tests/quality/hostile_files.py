"""Hostile and odd landing files, written byte for byte as a source system or a careless colleague makes them."""

from __future__ import annotations

import os
import time
import warnings
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
    return xlsx(path, parts)


def xlsx(path: Path, parts: dict[str, str | bytes] | list[tuple[str, str | bytes]]) -> Path:
    """A zip of `parts` (name -> XML) in that order; a list of pairs may name an entry twice."""
    path.parent.mkdir(parents=True, exist_ok=True)
    items = list(parts.items()) if isinstance(parts, dict) else list(parts)
    with warnings.catch_warnings(), zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        warnings.simplefilter("ignore")  # zipfile warns of a duplicate name, which is the point
        for name, text in items:
            z.writestr(name, text)
    return path


def sheet_xml(cells: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_MAIN}"><sheetData>{cells}</sheetData></worksheet>'


def hours_rows() -> str:
    """The hours header and one valid row (student 700009), as inline strings."""
    return "".join(f'<row r="{r}">' + "".join(f'<c r="{col}{r}" t="inlineStr"><is><t>{value}</t></is></c>'
                                              for col, value in zip("ABCDEF", line.split(","))) + "</row>"
                   for r, line in ((1, HOURS_HEADER), (2, "h9,700009,34116,Delft,2023-01-04,3")))


def two_sheet_workbook(path: Path, sheets: str, rels: str, second: str, duplicate: str | None = None,
                       shared_strings: str | None = None) -> Path:
    """A workbook whose workbook.xml lists `sheets` (the `<sheets>` content, r: = relationships), whose
    workbook.xml.rels holds `rels` (Relationship elements), with xl/worksheets/first.xml (the hours header and a row) and
    xl/worksheets/second.xml (`second`: sheetData content); `duplicate` adds a second zip entry of that name
    (holding `second`); `shared_strings` adds xl/sharedStrings.xml."""
    r = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    base = dict(_parts_of(path))
    base["xl/workbook.xml"] = (f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_MAIN}" xmlns:r="{r}">'
                               f"<sheets>{sheets}</sheets></workbook>")
    base["xl/_rels/workbook.xml.rels"] = (f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_RELS}">'
                                          f"{rels}</Relationships>")
    del base["xl/worksheets/sheet1.xml"]
    base["xl/worksheets/first.xml"] = sheet_xml(hours_rows())
    base["xl/worksheets/second.xml"] = sheet_xml(second)
    if shared_strings is not None:
        base["xl/sharedStrings.xml"] = shared_strings
    items = list(base.items())
    if duplicate:
        items.append((duplicate, sheet_xml(second)))
    return xlsx(path, items)


def lie_about_size(path: Path, name: str, declared: int) -> Path:
    """Make the zip's headers say entry `name` inflates to `declared` bytes (with the CRC of that many), while
    its deflated data inflates to all it held: a reader trusting the headers measures only the start."""
    import struct
    import zlib

    with zipfile.ZipFile(path) as z:
        info = z.getinfo(name)
        crc = zlib.crc32(z.read(name)[:declared])
    data = bytearray(path.read_bytes())
    struct.pack_into("<I", data, info.header_offset + 14, crc)
    struct.pack_into("<I", data, info.header_offset + 22, declared)
    central = data.find(b"PK\x01\x02" + data[info.header_offset + 4:info.header_offset + 10])
    while data[central + 46:central + 46 + len(name)] != name.encode():
        central = data.find(b"PK\x01\x02", central + 4)
    struct.pack_into("<I", data, central + 16, crc)
    struct.pack_into("<I", data, central + 24, declared)
    path.write_bytes(bytes(data))
    return path


def relationship(ident: str, target: str, kind: str = "worksheet") -> str:
    return (f'<Relationship Id="{ident}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            f'relationships/{kind}" Target="{target}"/>')


def _parts_of(path: Path) -> dict[str, str]:
    """The parts of `workbook` (written to a scratch file beside `path`, then removed)."""
    scratch = workbook(path.with_name(".scratch.xlsx"), "")
    with zipfile.ZipFile(scratch) as z:
        parts = {n: z.read(n).decode("utf-8") for n in z.namelist()}
    scratch.unlink()
    return parts


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
