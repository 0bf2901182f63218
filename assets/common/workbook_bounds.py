"""The used range of every sheet of a workbook, and the size of its strings, measured from its XML before any
reader parses it.

A spreadsheet reader builds a sheet as a dense grid from A1 to the last cell: one cell at `XFD1048576` makes it
allocate 17 billion cells and the process dies. The `<dimension>` tag cannot be trusted (it is optional and
may lie), so the sheet's XML is streamed once and every row and cell reference is accounted for; the bounding
box must keep within `LandingLimits`. Cells or rows without a reference (positions implied by order) are
refused: every spreadsheet program writes references.

Which part is which sheet is not guessed: `xl/workbook.xml` and its relationships are parsed with an XML parser
(comments are comments; a DTD, duplicate relationship Ids and duplicate zip entry names are refused, so no two
readers can disagree about a part), and every worksheet part of the zip is measured, not only the first sheet:
a workbook any sheet of which is out of bounds is refused.

Sizes (zip bombs): the parts together may inflate to at most `MAX_INFLATION` (100) times the file's real size
on disk (Apache POI's rule; an XLSX compresses 5-15 times), with a floor of `MIN_INFLATED_BYTES` for tiny
files, and never to more than `MAX_INFLATED_BYTES`. The shared strings (`xl/sharedStrings.xml`) are streamed:
at most `max_sheet_cells` strings, each of at most `max_cell_chars` characters; in a sheet no text (`<v>`,
an inline `<t>`) may be longer than `max_cell_chars` characters either.

The pass costs a fraction of the reading: the first row is measured exactly, then each chunk by one
regular-expression search for a reference beyond the range seen so far (a row or column "greater than"
pattern, run in C) and the last row element; only a chunk where that search hits, or that is laid out
unusually, is measured exactly.
"""

from __future__ import annotations

import os
import posixpath
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from xml.parsers import expat

from assets.common.settings import LandingLimits

#: The parts of a workbook may inflate to this many times the file's size on disk (a zip bomb beyond) ...
MAX_INFLATION = 100
#: ... but a tiny file may always inflate to this much ...
MIN_INFLATED_BYTES = 4 << 20
#: ... and no file to more than this (25 million cells of XML take ~1.5 GB).
MAX_INFLATED_BYTES = 4 << 30
_CHUNK = 1 << 22
_LOCAL_HEADER = struct.Struct("<4s22xHH")  # a zip entry's local header: signature … name and extra lengths
_ROW_REF = re.compile(rb'<(?:\w+:)?row\s[^>]*?\br="(\d{1,9})"')
_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>/]")
_CELL_REF = re.compile(rb'<(?:\w+:)?c\s[^>]*?\br="([A-Z]{1,4})(\d{1,9})"')
_CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s>/]")
_SI = re.compile(rb"<(?:\w+:)?si(/?>|\s[^>]*?(/?)>)|</(?:\w+:)?si\s*>")
_SST = re.compile(rb"<(?:\w+:)?sst\b[^>]*>")
_SST_COUNT = re.compile(rb'\b(?:count|uniqueCount)\s*=\s*["\']\s*(\d+)')
_TAG = re.compile(rb"<[^>]*>")
_ENTITY = re.compile(rb"&[^;<&]*;")
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#: Folders whose parts are sheets, whatever workbook.xml says.
_SHEET_FOLDERS = ("xl/worksheets/", "xl/chartsheets/", "xl/macrosheets/", "xl/dialogsheets/")
_SHEET_TYPES = ("/worksheet", "/chartsheet", "/macrosheet", "/dialogsheet", "/xlMacrosheet", "/xlIntlMacrosheet")


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


def _elements(data: bytes, name: str) -> list[tuple[str, dict[str, str]]]:
    """The (local name, attributes by local name; a namespaced attribute also as `{ns}name`) of every element
    of the XML document `data`, parsed by expat: comments and processing instructions are skipped; a DTD
    (entities) is refused."""
    found: list[tuple[str, dict[str, str]]] = []
    parser = expat.ParserCreate(namespace_separator="}")

    def start(tag: str, attrs: dict[str, str]) -> None:
        shown: dict[str, str] = {}
        for key, value in attrs.items():
            ns, sep, local = key.rpartition("}")
            shown[local if not sep else "{" + ns + "}" + local] = value
            if sep:
                shown.setdefault("@" + local, value)  # a namespaced attribute by its local name
        found.append((tag.rpartition("}")[2], shown))

    def doctype(*_args) -> None:
        raise WorkbookTooLarge(f"the workbook's {name} declares a DTD, which spreadsheet programs never write")

    parser.StartElementHandler = start
    parser.StartDoctypeDeclHandler = doctype
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise WorkbookTooLarge(f"the workbook's {name} is not well-formed XML ({expat.ErrorString(exc.code)})") \
            from None
    return found


def _relationships(z: _Package, name: str) -> dict[str, tuple[str, str]]:
    """Relationship Id -> (type, target) of a `.rels` part; a duplicate Id is refused (readers differ on it)."""
    rels: dict[str, tuple[str, str]] = {}
    for tag, attrs in _elements(_small(z, name), name):
        if tag != "Relationship":
            continue
        ident = attrs.get("Id")
        if ident is None or ident in rels:
            raise WorkbookTooLarge(f"the workbook's {name} has a relationship without an Id or an Id twice")
        if attrs.get("TargetMode", "Internal") == "Internal":
            rels[ident] = (attrs.get("Type", ""), attrs.get("Target", ""))
    return rels


def _resolved(target: str) -> set[str]:
    """The zip entry names a relationship target of xl/workbook.xml may mean (the standard resolution, and
    the one some readers use: `xl/` + the target as written)."""
    if target.startswith("/"):
        return {target.lstrip("/")}
    return {posixpath.normpath(posixpath.join("xl", target)), "xl/" + target, target}


def _sheet_parts(z: _Package) -> list[str]:
    """Every zip entry that is a sheet: the targets of the sheets workbook.xml lists (in its order) and every
    part under a sheet folder."""
    rels = _relationships(z, "xl/_rels/workbook.xml.rels")
    names = set(z.namelist())
    parts: list[str] = []
    for tag, attrs in _elements(_small(z, "xl/workbook.xml"), "xl/workbook.xml"):
        if tag != "sheet":
            continue
        ident = attrs.get("@id")
        if ident is None or ident not in rels:
            raise WorkbookTooLarge("a sheet of the workbook refers to no part (a broken relationship)")
        candidates = sorted(_resolved(rels[ident][1]) & names)
        if not candidates:
            raise WorkbookTooLarge("a sheet of the workbook refers to a part the file does not hold")
        parts.extend(c for c in candidates if c not in parts)
    if not parts:
        raise WorkbookTooLarge("the workbook has no worksheet")
    for kind, target in rels.values():
        if kind.endswith(_SHEET_TYPES):
            parts.extend(c for c in sorted(_resolved(target) & names) if c not in parts)
    parts.extend(n for n in sorted(names) if n.startswith(_SHEET_FOLDERS) and n.endswith(".xml") and n not in parts)
    return parts


def _string_parts(z: _Package) -> list[str]:
    """The shared-string parts: xl/sharedStrings.xml (where readers look) and whatever the workbook points to."""
    names = set(z.namelist())
    parts = {n for n in names if posixpath.basename(n).lower() == "sharedstrings.xml"}
    for kind, target in _relationships(z, "xl/_rels/workbook.xml.rels").values():
        if kind.endswith("/sharedStrings"):
            parts |= _resolved(target) & names
    return sorted(parts)


def _small(z: _Package, name: str) -> bytes:
    try:
        info = z.getinfo(name)
    except KeyError:
        raise WorkbookTooLarge(f"the workbook has no {name}") from None
    if info.file_size > 16 << 20:
        raise WorkbookTooLarge(f"the workbook's {name} is implausibly large")
    return z.read(info)


def inflation_limit(file_bytes: int) -> int:
    """How many bytes the parts of a workbook of `file_bytes` on disk may inflate to (see the module text)."""
    return min(MAX_INFLATED_BYTES, max(MIN_INFLATED_BYTES, MAX_INFLATION * file_bytes))


class _Package:
    """A zip's entries as the central directory lists them, each inflated here from its raw bytes: never to
    more than the size the directory declares (a reader that ignores the declared size would otherwise inflate
    a part far beyond what was measured), by deflate or stored only, not encrypted."""

    def __init__(self, fh: BinaryIO):
        self.fh = fh
        self.zip = zipfile.ZipFile(fh)

    def namelist(self) -> list[str]:
        return self.zip.namelist()

    def infolist(self) -> list[zipfile.ZipInfo]:
        return self.zip.infolist()

    def getinfo(self, name: str) -> zipfile.ZipInfo:
        return self.zip.getinfo(name)

    def read(self, info: zipfile.ZipInfo) -> bytes:
        return b"".join(self.inflate(info.filename))

    def inflate(self, name: str):
        info = self.zip.getinfo(name)
        if info.flag_bits & 0x1:
            raise WorkbookTooLarge("the workbook is encrypted: save it without a password")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise WorkbookTooLarge("a part of the workbook is compressed in a way Excel never uses")
        self.fh.seek(info.header_offset)
        signature, name_len, extra_len = _LOCAL_HEADER.unpack(self.fh.read(_LOCAL_HEADER.size))
        if signature != b"PK\x03\x04":
            raise WorkbookTooLarge("the workbook is not a valid zip file")
        self.fh.seek(info.header_offset + _LOCAL_HEADER.size + name_len + extra_len)
        inflater = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
        left, total = info.compress_size, 0
        while left > 0:
            raw = self.fh.read(min(1 << 16, left))
            if not raw:
                raise WorkbookTooLarge("the workbook is truncated")
            left -= len(raw)
            while raw:
                data = raw if inflater is None else inflater.decompress(raw, _CHUNK)
                raw = b"" if inflater is None else inflater.unconsumed_tail
                total += len(data)
                if total > info.file_size:
                    raise WorkbookTooLarge("a part of the workbook inflates to more than its zip entry declares "
                                           "(a zip bomb?)")
                if data:
                    yield data
        if total != info.file_size or (inflater is not None and not inflater.eof):
            raise WorkbookTooLarge("a part of the workbook is truncated or corrupt")


def used_range(path: Path, limits: LandingLimits) -> UsedRange:
    """Measure every sheet and the shared strings of the workbook at `path` and return the first sheet's used
    range; raise `WorkbookTooLarge` as soon as a limit is passed (rows, columns, cells, cell text, number of
    strings, inflated size) or the zip is laid out ambiguously."""
    with open(path, "rb") as raw:
        return measure_workbook(raw, os.fstat(raw.fileno()).st_size, limits)


def measure_workbook(fh: BinaryIO, file_bytes: int, limits: LandingLimits) -> UsedRange:
    """`used_range` of the workbook open as `fh`, of `file_bytes` bytes."""
    z = _Package(fh)
    infos = z.infolist()
    if len({i.filename for i in infos}) != len(infos):
        raise WorkbookTooLarge("the workbook holds two zip entries with the same name (readers differ on which "
                               "one counts): save it again with Excel")
    inflated, allowed = sum(i.file_size for i in infos), inflation_limit(file_bytes)
    if inflated > allowed:
        raise WorkbookTooLarge(f"the workbook inflates to {inflated:,} bytes, more than the {allowed:,} allowed "
                               f"for a file of {file_bytes:,} bytes ({MAX_INFLATION} times its size, at least "
                               f"{MIN_INFLATED_BYTES >> 20} MiB, at most {MAX_INFLATED_BYTES >> 30} GiB): a zip bomb?")
    for part in _string_parts(z):
        _measure_strings(z, part, limits)
    first = None
    for sheet in _sheet_parts(z):
        used = _measure_sheet(z, sheet, limits)
        first = first or used
    return first


def _chunks(z: _Package, part: str):
    """The part's XML in chunks of about `_CHUNK` bytes that each end before a `<` (a tag split across chunks
    goes with the next)."""
    tail, pending = b"", []
    for piece in z.inflate(part):
        pending.append(piece)
        if sum(map(len, pending)) < _CHUNK:
            continue
        data = tail + b"".join(pending)
        pending = []
        cut = data.rfind(b"<")
        data, tail = (data[:cut], data[cut:]) if cut > 0 else (data, b"")
        yield data
    yield tail + b"".join(pending)


def text_chars(xml: bytes) -> int:
    """The characters of text in a piece of XML: tags left out, an entity (`&amp;`, `&#233;`) one character,
    UTF-8 counted by characters."""
    text = _ENTITY.sub(b"&", _TAG.sub(b"", xml))
    return len(text) - sum(text.count(bytes([b])) for b in range(0x80, 0xC0))


def _long_text(data: bytes, limit: int) -> int:
    """The length in characters of the longest text between two tags of `data` if one may be longer than
    `limit` characters, else 0. A run of more than `limit` bytes without a `<` holds a multiple of `limit`, so
    probing every `limit` bytes finds each candidate without a Python object per cell."""
    longest = 0
    for probe in range(limit, len(data), limit):
        if data[probe] == 0x3C:  # "<"
            continue
        tag, end = data.rfind(b"<", 0, probe), data.find(b"<", probe)
        end = len(data) if end < 0 else end
        start = data.find(b">", tag + 1, end) + 1 if tag >= 0 else 0  # the text after the tag before the probe
        start = start or tag + 1
        if end - start > limit:
            longest = max(longest, text_chars(data[start:end]))
    return longest if longest > limit else 0


def _measure_sheet(z: _Package, sheet: str, limits: LandingLimits) -> UsedRange:
    rows = columns = 0
    for data in _chunks(z, sheet):
        rows, columns = _fast(data, rows, columns) or _measure(data, rows, columns)
        _check(UsedRange(rows, columns), limits)
        if longest := _long_text(data, limits.max_cell_chars):
            raise WorkbookTooLarge(f"a cell holds {longest:,} characters, more than the limit of "
                                   f"{limits.max_cell_chars:,} (WB_MAX_CELL_CHARS)")
    return UsedRange(rows, columns)


def _measure_strings(z: _Package, part: str, limits: LandingLimits) -> None:
    """Stream the shared strings: their declared and actual number within `max_sheet_cells` (a reader reserves
    room for the declared count), each string (all its runs) within `max_cell_chars` characters."""
    limit, count, open_at, chars = limits.max_cell_chars, 0, None, 0
    too_many = WorkbookTooLarge(f"the workbook has more shared strings than the limit of "
                                f"{limits.max_sheet_cells:,} cells (WB_MAX_SHEET_CELLS)")

    def too_long(n: int) -> WorkbookTooLarge:
        return WorkbookTooLarge(f"a shared string holds {n:,} characters, more than the limit of {limit:,} "
                                "(WB_MAX_CELL_CHARS)")

    first = True
    for data in _chunks(z, part):
        if first and (sst := _SST.search(data)):
            if any(int(n) > limits.max_sheet_cells for n in _SST_COUNT.findall(sst.group(0))):
                raise too_many
        first = False
        for m in _SI.finditer(data):
            if m.group(0).startswith(b"</"):  # the end of a string: its text since `open_at`
                if open_at is None:
                    raise WorkbookTooLarge("the workbook's shared strings are not well-formed")
                piece = data[open_at:m.start()]
                if chars + len(piece) > limit and (chars := chars + text_chars(piece)) > limit:
                    raise too_long(chars)
                open_at, chars = None, 0
            else:
                if open_at is not None:
                    raise WorkbookTooLarge("the workbook's shared strings are not well-formed")
                count += 1
                if count > limits.max_sheet_cells:
                    raise too_many
                if not (m.group(1) == b"/>" or m.group(2) == b"/"):
                    open_at = m.end()
        if open_at is not None:  # a string continued in the next chunk: counted exactly so far
            if (chars := chars + text_chars(data[open_at:])) > limit:
                raise too_long(chars)
            open_at = 0


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
        raise WorkbookTooLarge(f"a sheet uses {used.rows:,} rows, more than the limit of "
                               f"{limits.max_rows:,} data rows (WB_MAX_ROWS)")
    if used.columns > limits.max_columns:
        raise WorkbookTooLarge(f"a sheet uses {used.columns:,} columns, more than the limit of "
                               f"{limits.max_columns:,} (WB_MAX_COLUMNS)")
    if used.rows * used.columns > limits.max_sheet_cells:
        raise WorkbookTooLarge(f"a sheet's used range is {used.rows:,} rows × {used.columns:,} columns, "
                               f"more than the limit of {limits.max_sheet_cells:,} cells (WB_MAX_SHEET_CELLS)")
