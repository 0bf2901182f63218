"""Reading one landing file into a table of text cells (landing contract, "File formats").

CSV (`,` or `;`; UTF-8 with or without BOM, or UTF-16 LE with BOM; LF, CRLF or CR line endings) or XLSX (first
sheet), each within `LandingLimits` checked before the body is parsed. Every cell is read as text;
typing and validation happen afterwards in one place (`expectations.validate`). The table is loaded into a
private in-memory DuckDB connection, never into the warehouse, so raw student numbers stay out of it.

Problems with the file as a whole (not text, wrong delimiter, broken quoting, a line too long) raise
`FileFormatError` with a message a data engineer can act on.
"""

from __future__ import annotations

import codecs
import datetime as dt
import os
import re
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from assets.common.masking import count_text, has_escapes
from assets.common.settings import LandingLimits
from assets.common.workbook_bounds import WorkbookTooLarge, measure_workbook

#: A line longer than this is not a plausible export row (guards memory; a 100 MB line is rejected).
MAX_LINE_BYTES = 1_000_000
_CHUNK = 1 << 20


class FileFormatError(ValueError):
    """The file cannot be read as a table at all."""

    def __init__(self, message: str, row: int | None = None):
        super().__init__(message)
        self.row = row


@dataclass
class LandingTable:
    """A file read as text: relation `name` in `con` has the normalised columns plus `_row` (the spreadsheet
    row number a person sees: the header is row 1)."""

    con: duckdb.DuckDBPyConnection
    name: str
    columns: list[str]
    file_format: str  # csv | xlsx
    delimiter: str | None
    header_rows_skipped: int = 0
    encoding: str | None = None  # csv: utf-8 | utf-16
    newline: str | None = None   # csv: LF | CRLF | CR

    def count(self) -> int:
        return int(self.con.execute(f"SELECT count(*) FROM {self.name}").fetchone()[0])


def ident(name: str) -> str:
    """A column name from a delivered file as a SQL identifier: quoted, embedded quotes doubled, so a header
    can never be read as SQL."""
    return '"' + str(name).replace('"', '""') + '"'


def normalise_column_name(name: object) -> str:
    """Case-insensitive, trimmed; inner white space becomes `_` (DUO's old files say `BRIN NUMMER ACTUEEL`)."""
    text = "" if name is None else str(name)
    return re.sub(r"\s+", "_", text.replace("\ufeff", "").strip().lower())


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_FOLDER = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _NOFOLLOW | _CLOEXEC
_FILE = os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0) | _CLOEXEC


def open_regular(path: Path, root: Path | None = None) -> BinaryIO:
    """Open a delivered file for reading bytes without following any link: below `root` (the landing zone) each
    folder is opened from its parent's descriptor with O_NOFOLLOW, so a folder swapped for a link is refused as a
    file is; the file itself is opened O_NOFOLLOW | O_NONBLOCK (a named pipe put in its place never blocks) and
    refused unless fstat says it is a regular file. Raises OSError (with no name in its text)."""
    if root is None or not path.is_relative_to(root):
        fd = os.open(path, _FILE)
    else:
        parts = path.relative_to(root).parts
        parent = os.open(root, os.O_RDONLY | _CLOEXEC)
        try:
            for part in parts[:-1]:
                folder = os.open(part, _FOLDER, dir_fd=parent)
                os.close(parent)
                parent = folder
            fd = os.open(parts[-1], _FILE, dir_fd=parent)
        finally:
            os.close(parent)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError("the landing file is no longer a regular file")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _reader_path(fh: BinaryIO, path: Path) -> str:
    """A name by which other readers (DuckDB, calamine) open the very file `fh` has open, not whatever `path`
    names by now (Linux: /proc/self/fd)."""
    proc = f"/proc/self/fd/{fh.fileno()}"
    return proc if os.path.exists(proc) else str(path)


def read_landing_file(
    path: Path, con: duckdb.DuckDBPyConnection, name: str = "landing", mapping: dict[str, str] | None = None,
    limits: LandingLimits | None = None, root: Path | None = None,
) -> LandingTable:
    """Read `path` into relation `name` of `con` (text cells, mapped column names, `_row`), within `limits`.

    The file is opened once (`open_regular`, no link followed below `root`) and every reader reads that open
    file."""
    limits = limits or LandingLimits()
    suffix = path.suffix.lower()
    if has_escapes(str(path)):
        raise FileFormatError("the file's name has bytes that are not UTF-8 text or control characters: rename it "
                              "(letters, digits, '-', '_', '.')")
    if suffix not in (".xlsx", ".xlsm", ".csv", ".txt"):
        raise FileFormatError(f"unsupported file type '{path.suffix}': deliver CSV (.csv) or Excel (.xlsx)")
    with open_regular(path, root) as fh:
        size = os.fstat(fh.fileno()).st_size
        if size > limits.max_file_bytes:
            raise FileFormatError(f"the file is {size:,} bytes, more than the limit of {limits.max_file_mb:,} MB "
                                  f"({limits.max_file_bytes:,} bytes, WB_MAX_FILE_MB)")
        if suffix in (".xlsx", ".xlsm"):
            table = _read_xlsx(fh, _reader_path(fh, path), size, con, name, limits)
        else:
            table = _read_csv(fh, _reader_path(fh, path), con, name, limits)
    _apply_mapping(table, mapping or {})
    _skip_qualtrics_header_rows(table)
    return table


# --- CSV -------------------------------------------------------------------------------------------------


@dataclass
class TextShape:
    """What one pass over a CSV's bytes found: the header line, the encoding and line ending DuckDB is told."""

    header: str
    encoding: str      # utf-8 | utf-16 (little-endian, with its BOM)
    newline: str       # LF | CRLF | CR
    longest_line: int  # bytes (of the file as UTF-8)


_NEWLINE_BYTES = {"LF": b"\n", "CRLF": b"\n", "CR": b"\r"}


def _check_text(fh: BinaryIO, limits: LandingLimits) -> TextShape:
    """One pass over the file: UTF-8 (BOM or not) or UTF-16 LE with BOM, no NUL bytes, lines (LF, CRLF or CR)
    within `MAX_LINE_BYTES`, data rows and header columns within `limits`. Other encodings are refused with
    their likely name (Windows-1252 is never guessed into text: a wrong guess would load wrong letters)."""
    fh.seek(0)
    start = fh.read(4)
    fh.seek(0)
    if start.startswith(codecs.BOM_UTF16_BE):
        raise FileFormatError("the file is UTF-16 big-endian: export it as 'CSV UTF-8' (Excel: Save as > CSV UTF-8)")
    encoding = "utf-16" if start.startswith(codecs.BOM_UTF16_LE) and not start.startswith(codecs.BOM_UTF32_LE) \
        else "utf-8"
    recode = codecs.getincrementaldecoder("utf-16")() if encoding == "utf-16" else None
    decoder = codecs.getincrementaldecoder("utf-8")()
    line_no, carry, header, newline, first, longest = 1, 0, b"", None, True, 0
    while raw := fh.read(_CHUNK):
        if recode is not None:
            try:
                chunk = recode.decode(raw).encode("utf-8")
            except UnicodeDecodeError:
                raise FileFormatError("the file starts as UTF-16 but is not valid UTF-16 (truncated or "
                                      "corrupt)") from None
        else:
            chunk = raw[len(codecs.BOM_UTF8):] if first and raw.startswith(codecs.BOM_UTF8) else raw
        if b"\x00" in chunk:
            raise FileFormatError("the file contains binary data (NUL bytes): it is not a CSV text file")
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            sep = _NEWLINE_BYTES[newline or ("CR" if b"\n" not in chunk and b"\r" in chunk else "LF")]
            bad_line = line_no + chunk.count(sep, 0, exc.start)
            raise FileFormatError(
                f"the file is not UTF-8 (byte 0x{chunk[exc.start]:02x} on line {count_text(bad_line)}): "
                "probably Windows-1252 ('CSV (comma delimited)' in Excel); export it as 'CSV UTF-8' "
                "(Excel: Save as > CSV UTF-8)", row=bad_line) from None
        if first:
            newline = "CR" if b"\n" not in chunk and b"\r" in chunk else \
                "CRLF" if chunk.split(b"\n", 1)[0].endswith(b"\r") else "LF"
            header = chunk.split(_NEWLINE_BYTES[newline], 1)[0]
            _check_columns(header, limits)
            first = False
        lengths = [len(piece) for piece in chunk.split(_NEWLINE_BYTES[newline])]
        lengths[0] += carry
        at = max(range(len(lengths)), key=lengths.__getitem__)
        longest = max(longest, lengths[at])
        if lengths[at] > MAX_LINE_BYTES:
            raise FileFormatError(
                f"line {count_text(line_no + at)} is longer than {MAX_LINE_BYTES:,} bytes: not a plausible "
                "export row (a broken quote or a corrupt file)", row=line_no + at)
        carry = lengths[-1]
        line_no += len(lengths) - 1
        if line_no - 2 > limits.max_rows:
            raise FileFormatError(f"the file has more than {limits.max_rows:,} data rows (the limit, "
                                  "WB_MAX_ROWS)")
    try:
        decoder.decode(b"", final=True)
        if recode is not None:
            recode.decode(b"", final=True)
    except UnicodeDecodeError:
        raise FileFormatError(f"the file ends in the middle of a {encoding.upper()} character "
                              "(truncated?)") from None
    if not header.strip():
        raise FileFormatError("the file is empty: it has no header row")
    return TextShape(header.rstrip(b"\r").decode("utf-8"), encoding, newline, longest)


def _check_columns(header: bytes, limits: LandingLimits) -> None:
    """Refuse a header of more than `max_columns` fields before anything parses the body (an upper bound: a
    delimiter inside quotes counts too, so the exact count is only taken when the rough one is too high)."""
    text = header.decode("utf-8", "replace")
    if max(text.count(","), text.count(";")) + 1 <= limits.max_columns:
        return
    fields = len(_header_columns(text, _sniff_delimiter(text)))
    if fields > limits.max_columns:
        raise FileFormatError(f"the header has {fields:,} columns, more than the limit of {limits.max_columns:,} "
                              "(WB_MAX_COLUMNS)", row=1)


def _sniff_delimiter(header: str) -> str:
    """`;` or `,`, whichever separates the header (outside quotes)."""
    unquoted = re.sub(r'"[^"]*"', "", header)
    semi, comma = unquoted.count(";"), unquoted.count(",")
    if semi == 0 and comma == 0:
        for other, label in (("\t", "tabs"), ("|", "'|'")):
            if other in unquoted:
                raise FileFormatError(
                    f"the header is separated by {label}: deliver a CSV separated by ',' or ';'", row=1)
        return ","  # a one-column file; the required-columns check will say what is missing
    return ";" if semi >= comma else ","


def _read_csv(fh: BinaryIO, path: str, con: duckdb.DuckDBPyConnection, name: str,
              limits: LandingLimits) -> LandingTable:
    shape = _check_text(fh, limits)
    delimiter = _sniff_delimiter(shape.header)
    options = (", new_line='\\r'" if shape.newline == "CR" else "") + \
        (", encoding='utf-16'" if shape.encoding == "utf-16" else "")
    try:
        con.execute(
            f"""CREATE OR REPLACE TABLE {name}_src AS SELECT * FROM read_csv(?, delim=?, header=true, quote='"',
                escape='"', all_varchar=true, strict_mode=true, null_padding=false, auto_detect=false,
                columns=?, max_line_size={MAX_LINE_BYTES + 2}{options})""",
            [path, delimiter, _header_columns(shape.header, delimiter)],
        )
    except (duckdb.IOException, duckdb.OutOfMemoryException):
        raise  # the machine (memory, disk), not the file
    except duckdb.Error as exc:
        raise FileFormatError(_explain_csv_error(str(exc), delimiter)) from None
    source_cols = [r[0] for r in con.execute(f"DESCRIBE {name}_src").fetchall()]
    if shape.longest_line > limits.max_cell_chars:  # only a line that long can hold a cell that long
        _check_cell_lengths(con, f"{name}_src", source_cols, limits)
    table = _finish(con, name, source_cols, "csv", delimiter)
    table.encoding, table.newline = shape.encoding, shape.newline
    return table


def _check_cell_lengths(con: duckdb.DuckDBPyConnection, relation: str, columns: list[str],
                        limits: LandingLimits) -> None:
    longest = ", ".join(f"max(length({ident(c)}))" for c in columns)
    lengths = con.execute(f"SELECT greatest({longest}) FROM {relation}").fetchone()[0] or 0
    if lengths > limits.max_cell_chars:
        raise FileFormatError(f"a cell holds {lengths:,} characters, more than the limit of "
                              f"{limits.max_cell_chars:,} (WB_MAX_CELL_CHARS)")


def _header_columns(header: str, delimiter: str) -> dict[str, str]:
    """Column names from the header, de-duplicated, all typed as text (DuckDB then never guesses)."""
    import csv

    try:
        names = next(csv.reader([header], delimiter=delimiter, quotechar='"'))
    except csv.Error as exc:
        raise FileFormatError(f"the header cannot be read as CSV ({exc})", row=1) from None
    seen: dict[str, int] = {}
    cols: dict[str, str] = {}
    for raw in names:
        label = raw.strip() or "unnamed"
        if label in seen:
            seen[label] += 1
            label = f"{label}__dup{seen[label]}"
        else:
            seen[label] = 0
        cols[label] = "VARCHAR"
    return cols


def _explain_csv_error(message: str, delimiter: str) -> str:
    line = re.search(r"[Ll]ine:? ?(\d+)", message)
    where = f" (near line {line.group(1)})" if line else ""
    if "Expected Number of Columns" in message or "columns" in message.lower():
        return (f"a row does not have as many '{delimiter}'-separated fields as the header{where}: a truncated "
                "or malformed line")
    if "quote" in message.lower():
        return f"a quoted field is not closed{where}: the file is truncated or its quoting is broken"
    if "line size" in message.lower():
        return f"a line is too long{where}"
    first = message.strip().splitlines()[0] if message.strip() else "unknown error"
    return f"the CSV cannot be parsed{where}: {first}"


# --- XLSX ------------------------------------------------------------------------------------------------


def _cell_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return text if text.strip() else None


def _read_xlsx(fh: BinaryIO, path: str, size: int, con: duckdb.DuckDBPyConnection, name: str,
               limits: LandingLimits) -> LandingTable:
    """The first sheet, read with calamine (Rust; ~10× faster than openpyxl on a national-scale workbook), once
    every sheet's used range and the strings are known to be within `limits` (`workbook_bounds`: a reader
    allocates the whole range).

    A workbook calamine cannot read goes to openpyxl, which either reads it or says what is wrong with it."""
    from python_calamine import CalamineWorkbook

    try:
        measure_workbook(fh, size, limits)
    except WorkbookTooLarge as exc:
        raise FileFormatError(str(exc)) from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, zlib.error, NotImplementedError, RuntimeError,
            UnicodeError) as exc:  # a corrupt, encrypted or oddly compressed zip
        raise FileFormatError(f"the file is not a readable Excel workbook (.xlsx): {exc.__class__.__name__}") from None
    try:
        workbook = CalamineWorkbook.from_path(path)
        try:
            grid = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
        finally:
            workbook.close()
    except Exception:  # calamine's errors are less telling than openpyxl's for a corrupt file
        grid = _openpyxl_grid(path)
    header = grid[0] if grid else None
    if header is None or all(_cell_text(v) is None for v in header):
        raise FileFormatError("the first sheet is empty: it has no header row")
    width = len(header)
    columns = list(_header_columns(",".join(
        '"' + (_cell_text(h) or "unnamed").replace('"', '""') + '"' for h in header), ",").keys())
    rows = grid[1:]
    while rows and all(_cell_text(v) is None for v in rows[-1][:width]):  # trailing formatted-but-empty rows
        rows.pop()
    rows = [row if len(row) >= width else list(row) + [None] * (width - len(row)) for row in rows]
    cells = pa.table({name: _column_text([row[i] for row in rows]) for i, name in enumerate(columns)})
    longest = max((pc.max(pc.utf8_length(c)).as_py() or 0 for c in cells.columns), default=0)
    if longest > limits.max_cell_chars:
        raise FileFormatError(f"a cell holds {longest:,} characters, more than the limit of "
                              f"{limits.max_cell_chars:,} (WB_MAX_CELL_CHARS)")
    con.register(f"{name}_frame", cells)
    con.execute(f"CREATE OR REPLACE TABLE {name}_src AS SELECT * FROM {name}_frame")
    con.unregister(f"{name}_frame")
    return _finish(con, name, columns, "xlsx", None)


def _column_text(values: list) -> pa.Array:
    """One column of a sheet as text, as `_cell_text` writes each cell, with the common cells (text, numbers,
    dates) written inline rather than by a call per cell: a national-scale workbook has millions of cells, and
    answer columns mix numbers with blank text. Text stays as delivered (blanks become NULL in `_finish`)."""
    if set(map(type, values)) <= {str, type(None)}:
        return pa.array(values, pa.string())
    return pa.array([
        v if v is None or (kind := type(v)) is str
        else (str(int(v)) if v.is_integer() else str(v)) if kind is float
        else v.isoformat() if kind is dt.date
        else _cell_text(v)
        for v in values], pa.string())


def _openpyxl_grid(path: str) -> list[tuple]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a corrupt file
        raise FileFormatError(f"the file is not a readable Excel workbook (.xlsx): {exc.__class__.__name__}") from None
    try:
        return list(workbook.worksheets[0].iter_rows(values_only=True))
    finally:
        workbook.close()


# --- shared ----------------------------------------------------------------------------------------------


def _finish(con, name, source_cols, file_format, delimiter) -> LandingTable:
    normalised = [normalise_column_name(c) for c in source_cols]
    select = ", ".join(
        f"NULLIF(TRIM(CAST({ident(src)} AS VARCHAR)), '') AS {ident(dst)}" for src, dst in zip(source_cols, normalised)
    )
    # rowid follows insertion order, i.e. file order: +2 makes it the row number a spreadsheet shows.
    con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT rowid + 2 AS _row, {select} FROM {name}_src")
    con.execute(f"DROP TABLE {name}_src")
    return LandingTable(con, name, normalised, file_format, delimiter)


def _apply_mapping(table: LandingTable, mapping: dict[str, str]) -> None:
    """Rename source columns onto contract names (config: expectations/column_mapping.yml)."""
    wanted = {normalise_column_name(k): normalise_column_name(v) for k, v in mapping.items()}
    renames = {c: wanted[c] for c in table.columns if c in wanted and wanted[c] not in table.columns}
    for src, dst in renames.items():
        table.con.execute(f"ALTER TABLE {table.name} RENAME COLUMN {ident(src)} TO {ident(dst)}")
    table.columns = [renames.get(c, c) for c in table.columns]


def _skip_qualtrics_header_rows(table: LandingTable) -> None:
    """Qualtrics puts question texts and `{"ImportId":…}` under the column names: drop those two rows."""
    cols = [c for c in table.columns]
    if not cols:
        return
    probe = " OR ".join(f"{ident(c)} LIKE '{{\"ImportId\"%'" for c in cols)
    hit = table.con.execute(f"SELECT min(_row) FROM {table.name} WHERE _row <= 3 AND ({probe})").fetchone()[0]
    if hit == 3:
        table.con.execute(f"DELETE FROM {table.name} WHERE _row IN (2, 3)")
        table.header_rows_skipped = 2
