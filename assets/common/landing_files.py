"""Reading one landing file into a table of text cells (landing contract, "File formats").

CSV (`,` or `;`, UTF-8 with or without BOM, LF or CRLF) or XLSX (first sheet). Every cell is read as text;
typing and validation happen afterwards in one place (`expectations.validate`). The table is loaded into a
private in-memory DuckDB connection, never into the warehouse, so raw student numbers stay out of it.

Problems with the file as a whole (not text, wrong delimiter, broken quoting, a line too long) raise
`FileFormatError` with a message a data engineer can act on.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

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


def read_landing_file(
    path: Path, con: duckdb.DuckDBPyConnection, name: str = "landing", mapping: dict[str, str] | None = None
) -> LandingTable:
    """Read `path` into relation `name` of `con` (text cells, mapped column names, `_row`)."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        table = _read_xlsx(path, con, name)
    elif suffix in (".csv", ".txt"):
        table = _read_csv(path, con, name)
    else:
        raise FileFormatError(f"unsupported file type '{path.suffix}': deliver CSV (.csv) or Excel (.xlsx)")
    _apply_mapping(table, mapping or {})
    _skip_qualtrics_header_rows(table)
    return table


# --- CSV -------------------------------------------------------------------------------------------------


def _check_text(path: Path) -> bytes:
    """Check the bytes are UTF-8 text with sane line lengths; return the first line (the header)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line_no, carry, header, first = 1, 0, b"", True
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            if first and chunk.startswith(codecs.BOM_UTF8):
                chunk = chunk[len(codecs.BOM_UTF8):]
            if b"\x00" in chunk:
                raise FileFormatError("the file contains binary data (NUL bytes): it is not a CSV text file")
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                bad_line = line_no + chunk.count(b"\n", 0, exc.start)
                raise FileFormatError(
                    f"the file is not valid UTF-8 (byte 0x{chunk[exc.start]:02x} on line {bad_line}); "
                    "export it as 'CSV UTF-8' (Excel: Save as > CSV UTF-8)",
                    row=bad_line,
                ) from None
            if first:
                header, first = chunk.split(b"\n", 1)[0], False
            lengths = [len(piece) for piece in chunk.split(b"\n")]
            lengths[0] += carry
            longest = max(range(len(lengths)), key=lengths.__getitem__)
            if lengths[longest] > MAX_LINE_BYTES:
                raise FileFormatError(
                    f"line {line_no + longest} is longer than {MAX_LINE_BYTES:,} bytes: not a plausible export "
                    "row (a broken quote or a corrupt file)", row=line_no + longest)
            carry = lengths[-1]
            line_no += len(lengths) - 1
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise FileFormatError("the file ends in the middle of a UTF-8 character (truncated?)") from None
    if not header.strip():
        raise FileFormatError("the file is empty: it has no header row")
    return header.rstrip(b"\r")


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


def _read_csv(path: Path, con: duckdb.DuckDBPyConnection, name: str) -> LandingTable:
    header = _check_text(path).decode("utf-8")
    delimiter = _sniff_delimiter(header)
    try:
        con.execute(
            f"""CREATE OR REPLACE TABLE {name}_src AS SELECT * FROM read_csv(?, delim=?, header=true, quote='"',
                escape='"', all_varchar=true, strict_mode=true, null_padding=false, auto_detect=false,
                columns=?, max_line_size={MAX_LINE_BYTES + 2})""",
            [str(path), delimiter, _header_columns(header, delimiter)],
        )
    except duckdb.Error as exc:
        raise FileFormatError(_explain_csv_error(str(exc), delimiter)) from None
    source_cols = [r[0] for r in con.execute(f"DESCRIBE {name}_src").fetchall()]
    return _finish(con, name, source_cols, "csv", delimiter)


def _header_columns(header: str, delimiter: str) -> dict[str, str]:
    """Column names from the header, de-duplicated, all typed as text (DuckDB then never guesses)."""
    import csv

    names = next(csv.reader([header], delimiter=delimiter, quotechar='"'))
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


def _read_xlsx(path: Path, con: duckdb.DuckDBPyConnection, name: str) -> LandingTable:
    """The first sheet, read with calamine (Rust; ~10× faster than openpyxl on a national-scale workbook).

    A workbook calamine cannot read goes to openpyxl, which either reads it or says what is wrong with it."""
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
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


def _openpyxl_grid(path: Path) -> list[tuple]:
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
