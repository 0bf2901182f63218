"""Hostile and odd files through the ingestion engine (`scan` + `load` on a real DuckDB warehouse): each is judged
alone, within bounds, and rejected with a reason naming it, quarantined (readable by the owner only) and
alerted – or waits, or loads – while the valid files beside it load."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import stat
import time
from decimal import Decimal
from pathlib import Path

import pytest

from assets.common.masking import count_text, safe_text
from assets.common.settings import ConfigurationError, LandingLimits, Settings
from assets.common.warehouse import connect
from assets.ingest import participation
from assets.ingest.engine import load, scan
from hostile_files import (
    HOURS_HEADER, far_cell_workbook, lie_about_size, lying_workbook, relationship, settled, text_file,
    two_sheet_workbook, workbook,
)
from quality_corpus import KEY, TODAY

HOURS = "participation/hours"
GOOD = HOURS_HEADER + "\nh1,612345,34116,Delft,2023-01-02,5\nh2,700001,34116,Delft,2023-01-03,4\n"


def make_settings(tmp_path: Path, **limits) -> Settings:
    return Settings(data_dir=tmp_path / "data", pseudonym_key=KEY,
                    landing=LandingLimits(**{"settle_seconds": 0, **limits}))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


def ingest(settings: Settings):
    with connect(settings.warehouse_path) as con:
        scanned = scan(participation.HOURS, settings, con, run_id="run-1", today=TODAY)
        loaded = load(participation.HOURS, settings, con)
    return scanned, loaded


def query(settings: Settings, sql: str):
    with connect(settings.warehouse_path) as con:
        return con.execute(sql).fetchall()


def outcomes(scanned) -> dict[str, tuple[str, str]]:
    return {f.file: (f.status, f.message) for f in scanned.files}


# --- the one masking function --------------------------------------------------------------------------------


def test_safe_text_masks_student_numbers_and_escapes_control_characters():
    assert safe_text("noheader_612345.csv") == "noheader_****45.csv"
    assert safe_text("s0612345 and 12345 and 2023-01-02") == "s*****45 and 12345 and 2023-01-02"
    assert safe_text("evil\x1b[2J\nname\t\u202e.csv") == "evil\\x1b[2J\\x0aname\\x09\\u202e.csv"
    assert safe_text("line 1\nline 2\t!", one_line=False) == "line 1\nline 2\t!"
    assert safe_text(b"caf\xe9".decode("utf-8", "surrogateescape")) == "caf\\xe9"
    assert safe_text(safe_text("612345\x07")) == "****45\\x07"  # idempotent: masking a masked text changes nothing
    assert count_text(1234567) == "1,234,567" and safe_text(count_text(1234567)) == "1,234,567"


def test_student_numbers_written_with_separators_are_masked():
    assert safe_text("nr 612.345 en 1.234.567") == "nr ****45 en *****67"
    assert safe_text("612 345|612\u00a0345|612\u202f345|0.612.345") == "****45|****45|****45|*****45"
    assert safe_text("12.345 and 12 345 and 3.500 and 2023-01-02 12:30:45") == \
        "12.345 and 12 345 and 3.500 and 2023-01-02 12:30:45"  # five digits or fewer: not a student number
    assert safe_text("1,234,567 rows; 612345.5") == "1,234,567 rows; ****45.5"
    assert safe_text(safe_text("612.345; 612 345")) == "****45; ****45"


def test_limits_come_from_the_environment_with_safe_defaults():
    assert LandingLimits.from_env({}) == LandingLimits(1024, 1000, 20_000_000, 32_767, 25_000_000, 5.0)
    env = {"WB_MAX_FILE_MB": "8", "WB_MAX_COLUMNS": "40", "WB_MAX_ROWS": "900", "WB_MAX_CELL_CHARS": "255",
           "WB_MAX_SHEET_CELLS": "36000", "WB_SETTLE_SECONDS": "0.5"}
    assert Settings.from_env(env).landing == LandingLimits(8, 40, 900, 255, 36_000, 0.5)
    for name, bad in (("WB_MAX_COLUMNS", "many"), ("WB_SETTLE_SECONDS", "-1"), ("WB_MAX_ROWS", "1.5")):
        with pytest.raises(ConfigurationError, match=name):
            LandingLimits.from_env({name: bad})


# --- 1. workbook dimensions ----------------------------------------------------------------------------------


def test_far_cell_workbooks_are_rejected_before_parsing_and_a_valid_file_beside_them_loads(settings: Settings):
    landing = settings.landing_dir / HOURS
    far_cell_workbook(landing / "far.xlsx")
    lying_workbook(landing / "lying.xlsx")
    assert (landing / "far.xlsx").stat().st_size < 2000
    text_file(landing / "good.csv", GOOD)
    scanned, loaded = ingest(settings)
    too_wide = "a sheet uses 16,384 columns, more than the limit of 1,000 (WB_MAX_COLUMNS)"
    assert outcomes(scanned) == {f"{HOURS}/far.xlsx": ("rejected", too_wide),
                                 f"{HOURS}/lying.xlsx": ("rejected", too_wide),
                                 f"{HOURS}/good.csv": ("accepted", "")}
    assert loaded.rows_upserted == 2
    assert query(settings, "SELECT file FROM ops.alerts ORDER BY file") == [(f"{HOURS}/far.xlsx",), (f"{HOURS}/lying.xlsx",)]
    assert len(list(settings.quarantine_dir.glob("*.report.md"))) == 2


def test_a_far_cell_deep_inside_a_large_sheet_is_found(settings: Settings):
    """The sheet's XML is streamed in chunks; a reference beyond the range in a later chunk is measured too."""
    def row(r: int) -> str:
        sneaky = '<c r="CV75000"><v>1</v></c>' if r == 75_000 else ""  # column 100, in the middle of ~9 MB of XML
        return f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="B{r}"><v>1</v></c>{sneaky}</row>'

    path = workbook(settings.landing_dir / HOURS / "deep.xlsx", "".join(map(row, range(1, 150_001))),
                    dimension="A1:B150000")
    limited = make_settings(settings.data_dir.parent, max_columns=50)
    scanned, _ = ingest(limited)
    assert outcomes(scanned) == {f"{HOURS}/{path.name}": (
        "rejected", "a sheet uses 100 columns, more than the limit of 50 (WB_MAX_COLUMNS)")}


def test_sheet_cells_rows_and_size_limits(tmp_path: Path):
    settings = make_settings(tmp_path, max_sheet_cells=17, max_rows=3, max_file_mb=1, max_cell_chars=20)
    landing = settings.landing_dir / HOURS
    row = "".join(f'<c r="{c}{{r}}"><v>1</v></c>' for c in "ABCDEF")
    workbook(landing / "cells.xlsx", "".join(f'<row r="{r}">{row.format(r=r)}</row>' for r in (1, 2, 3)))
    text_file(landing / "rows.csv", HOURS_HEADER + "\n" + "h,1,34116,Delft,2023-01-02,5\n" * 4)
    text_file(landing / "big.csv", HOURS_HEADER + "\n" + "x" * (1 << 20) + "\n")
    text_file(landing / "cell.csv", HOURS_HEADER + "\nh1,612345,34116,Delft,2023-01-02," + "7" * 21 + "\n")
    scanned, _ = ingest(settings)
    assert outcomes(scanned) == {
        f"{HOURS}/cells.xlsx": ("rejected", "a sheet's used range is 3 rows × 6 columns, more than the limit "
                                            "of 17 cells (WB_MAX_SHEET_CELLS)"),
        f"{HOURS}/rows.csv": ("rejected", "the file has more than 3 data rows (the limit, WB_MAX_ROWS)"),
        f"{HOURS}/big.csv": ("rejected", "the file is 1,048,642 bytes, more than the limit of 1 MB (1,048,576 bytes, "
                                         "WB_MAX_FILE_MB)"),
        f"{HOURS}/cell.csv": ("rejected", "a cell holds 21 characters, more than the limit of 20 (WB_MAX_CELL_CHARS)"),
    }


def test_ten_thousand_columns_are_rejected_from_the_header_in_a_moment(settings: Settings):
    header = ",".join(f"c{i}" for i in range(10_000))
    row = ",".join(str(i % 10) for i in range(10_000))
    path = text_file(settings.landing_dir / HOURS / "wide.csv", header + "\n" + (row + "\n") * 200)
    assert path.stat().st_size > 4_000_000
    started = time.process_time()
    scanned, _ = ingest(settings)
    assert time.process_time() - started < 5
    assert outcomes(scanned) == {f"{HOURS}/wide.csv": (
        "rejected", "the header has 10,000 columns, more than the limit of 1,000 (WB_MAX_COLUMNS)")}


FAR = '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
SMALL = '<row r="1"><c r="A1"><v>1</v></c></row>'
SHEETS = '<sheet name="a" sheetId="1" r:id="rId1"/><sheet name="b" sheetId="2" r:id="rId2"/>'
RELS = relationship("rId1", "worksheets/first.xml") + relationship("rId2", "worksheets/second.xml")


def test_every_sheet_is_measured_and_the_workbook_is_parsed_as_xml(settings: Settings):
    """Which part is the first sheet is read by an XML parser, so no comment or duplicate makes the check measure
    another part than the reader reads (an 18 KB far-cell file used to abort the process); and every sheet part is
    measured, listed or not. A valid two-sheet workbook beside them loads."""
    landing = settings.landing_dir / HOURS
    hidden = '<!-- <sheet name="x" sheetId="9" r:id="rId1"/> --><sheet name="a" sheetId="1" r:id="rId2"/>'
    two_sheet_workbook(landing / "comment.xlsx", hidden, RELS, FAR)
    two_sheet_workbook(landing / "dup_rel.xlsx", '<sheet name="a" sheetId="1" r:id="rId1"/>',
                       relationship("rId1", "worksheets/first.xml") + relationship("rId1", "worksheets/second.xml"),
                       FAR)
    two_sheet_workbook(landing / "second.xlsx", SHEETS, RELS, FAR)
    two_sheet_workbook(landing / "unlisted.xlsx", '<sheet name="a" sheetId="1" r:id="rId1"/>', RELS, FAR)
    two_sheet_workbook(landing / "dup_entry.xlsx", SHEETS, RELS, SMALL, duplicate="xl/worksheets/first.xml")
    two_sheet_workbook(landing / "valid.xlsx", SHEETS, RELS, SMALL)
    text_file(landing / "good.csv", GOOD)
    from assets.ingest.engine import partitions_of

    assert partitions_of(participation.HOURS, settings, landing / "comment.xlsx") is None  # the sensor: no abort
    scanned, loaded = ingest(settings)
    too_wide = "a sheet uses 16,384 columns, more than the limit of 1,000 (WB_MAX_COLUMNS)"
    assert outcomes(scanned) == {
        f"{HOURS}/comment.xlsx": ("rejected", too_wide),
        f"{HOURS}/dup_rel.xlsx": ("rejected", "the workbook's xl/_rels/workbook.xml.rels has a relationship "
                                              "without an Id or an Id twice"),
        f"{HOURS}/second.xlsx": ("rejected", too_wide),
        f"{HOURS}/unlisted.xlsx": ("rejected", too_wide),
        f"{HOURS}/dup_entry.xlsx": ("rejected", "the workbook holds two zip entries with the same name (readers "
                                                "differ on which one counts): save it again with Excel"),
        f"{HOURS}/valid.xlsx": ("accepted", ""),
        f"{HOURS}/good.csv": ("accepted", ""),
    }
    assert loaded.rows_upserted == 3


def _strings(*items: str, count: str = "") -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
            f'2006/main"{count}>' + "".join(items) + "</sst>")


def test_zip_bombs_and_long_strings_are_refused_before_the_reader(settings: Settings):
    """The parts may inflate to 100 times the file (at least 4 MiB); the shared strings are streamed (their
    number, each string's characters over all its runs, entities as one character), and so is every text of a
    sheet."""
    landing = settings.landing_dir / HOURS
    one = '<sheet name="a" sheetId="1" r:id="rId1"/>'
    rels = RELS + relationship("rId3", "sharedStrings.xml", "sharedStrings")
    bomb = two_sheet_workbook(landing / "bomb.xlsx", one, rels, SMALL,
                              shared_strings=_strings("<si><t>" + "a" * (8 << 20) + "</t></si>"))
    runs = "<si><r><t>" + "a" * 19_999 + "&amp;</t></r><r><t>" + "\u00e9" * 20_000 + "</t></r></si>"
    two_sheet_workbook(landing / "runs.xlsx", one, rels, SMALL, shared_strings=_strings("<si><t>x</t></si>", runs))
    two_sheet_workbook(landing / "count.xlsx", one, rels, SMALL,
                       shared_strings=_strings("<si><t>x</t></si>", count=' count="1" uniqueCount="4000000000"'))
    inline = f'<row r="2"><c r="A2" t="inlineStr"><is><t>{"x" * 40_000}</t></is></c></row>'
    two_sheet_workbook(landing / "inline.xlsx", SHEETS, RELS, inline)
    entities = "<si><t>" + "&amp;" * 30_000 + "</t></si>"  # 150,000 bytes, 30,000 characters: within the limit
    two_sheet_workbook(landing / "entities.xlsx", one, rels, SMALL, shared_strings=_strings(entities))
    lie_about_size(two_sheet_workbook(landing / "lying.xlsx", one, rels, SMALL, shared_strings=_strings(
        "<si><t>" + "a" * (6 << 20) + "</t></si>")), "xl/sharedStrings.xml", 1000)
    import zipfile

    size = bomb.stat().st_size
    inflated = sum(i.file_size for i in zipfile.ZipFile(bomb).infolist())
    assert size < 20_000 and inflated > 8 << 20
    scanned, _ = ingest(settings)
    assert outcomes(scanned) == {
        f"{HOURS}/bomb.xlsx": ("rejected", f"the workbook inflates to {count_text(inflated)} bytes, more than the "
                                           f"4,194,304 allowed for a file of {count_text(size)} bytes (100 times "
                                           "its size, at least 4 MiB, at most 4 GiB): a zip bomb?"),
        f"{HOURS}/runs.xlsx": ("rejected", "a shared string holds 40,000 characters, more than the limit of 32,767 "
                                           "(WB_MAX_CELL_CHARS)"),
        f"{HOURS}/count.xlsx": ("rejected", "the workbook has more shared strings than the limit of 25,000,000 "
                                            "cells (WB_MAX_SHEET_CELLS)"),
        f"{HOURS}/inline.xlsx": ("rejected", "a cell holds 40,000 characters, more than the limit of 32,767 "
                                             "(WB_MAX_CELL_CHARS)"),
        f"{HOURS}/entities.xlsx": ("accepted", ""),
        f"{HOURS}/lying.xlsx": ("rejected", "a part of the workbook inflates to more than its zip entry declares "
                                            "(a zip bomb?)"),
    }


# --- 2. line endings and encodings ---------------------------------------------------------------------------


@pytest.mark.parametrize(("encoding", "newline"), [
    ("utf-8", "\r"), ("utf-8", "\r\n"), ("utf-8-sig", "\n"), ("utf-16", "\r\n"), ("utf-16", "\r")],
    ids=["utf8-cr", "utf8-crlf", "utf8-bom-lf", "utf16-crlf", "utf16-cr"])
def test_line_endings_and_encodings_load(settings: Settings, encoding: str, newline: str):
    text = HOURS_HEADER + "\nh1,612345,34116,Zoëterwoude,2023-01-02,5\nh2,700001,34116,Delft,2023-01-03,4\n"
    text_file(settings.landing_dir / HOURS / "mac.csv", text, encoding, newline)
    scanned, loaded = ingest(settings)
    assert outcomes(scanned) == {f"{HOURS}/mac.csv": ("accepted", "")}
    assert query(settings, "SELECT record_id, location, hours FROM raw.participation_hours ORDER BY 1") == [
        ("h1", "Zoëterwoude", Decimal("5.00")), ("h2", "Delft", Decimal("4.00"))]


def test_other_encodings_are_rejected_naming_them(settings: Settings):
    text = HOURS_HEADER + "\nh1,612345,34116,Zoëterwoude,2023-01-02,5\n"
    text_file(settings.landing_dir / HOURS / "ansi.csv", text, "cp1252", "\r")
    text_file(settings.landing_dir / HOURS / "be.csv", "\ufeff" + text, "utf-16-be")
    scanned, _ = ingest(settings)
    assert outcomes(scanned) == {
        f"{HOURS}/ansi.csv": ("rejected", "the file is not UTF-8 (byte 0xeb on line 2): probably Windows-1252 "
                                          "('CSV (comma delimited)' in Excel); export it as 'CSV UTF-8' (Excel: "
                                          "Save as > CSV UTF-8)"),
        f"{HOURS}/be.csv": ("rejected", "the file is UTF-16 big-endian: export it as 'CSV UTF-8' (Excel: Save as > "
                                        "CSV UTF-8)"),
    }


# --- 3. quarantine names, 9. permissions ---------------------------------------------------------------------


def test_long_names_are_quarantined_under_bounded_unique_private_names(settings: Settings):
    settings.quarantine_dir.mkdir(parents=True)
    os.chmod(settings.quarantine_dir, 0o755)  # as an older version left it: tightened
    bad = GOOD.replace(",5\n", ",25\n")
    first = text_file(settings.landing_dir / HOURS / ("u" * 241 + ".csv"), bad)
    second = text_file(settings.landing_dir / HOURS / ("u" * 240 + "v.csv"), bad.replace("h1", "h9"))
    assert len(first.name) == 245
    scanned, _ = ingest(settings)
    assert [f.status for f in scanned.files] == ["rejected", "rejected"]
    names = sorted(p.name for p in settings.quarantine_dir.iterdir())
    assert len(names) == 6 and all(len(n.encode()) <= 200 for n in names)
    copies = [n for n in names if not n.endswith((".report.md", ".report.json"))]
    for path in (first, second):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        [copy] = [n for n in copies if f"_participation_hours_{digest[:4]}-{digest[4:8]}_" in n]
        assert copy.endswith("u" * 100 + "~.csv")
        assert (settings.quarantine_dir / copy).read_bytes() == path.read_bytes()
    assert stat.S_IMODE(settings.quarantine_dir.stat().st_mode) == 0o700
    assert {stat.S_IMODE(p.stat().st_mode) for p in settings.quarantine_dir.iterdir()} == {0o600}


# --- 6. symlinks and other file types ------------------------------------------------------------------------


def test_links_pipes_and_sockets_are_refused_unread(settings: Settings, tmp_path: Path):
    secret = text_file(tmp_path / "elsewhere" / "secret.csv", HOURS_HEADER + "\nSECRET,8123456,34116,Delft,2023-01-02,5\n")
    landing = settings.landing_dir / HOURS
    landing.mkdir(parents=True)
    (landing / "link.csv").symlink_to(secret)
    (landing / "dangling.csv").symlink_to(tmp_path / "missing.csv")
    os.mkfifo(landing / "pipe.csv")  # a reader opening it would block forever
    text_file(landing / "good.csv", GOOD)
    scanned, loaded = ingest(settings)
    how = (": only regular files in the landing zone itself, readable by the pipeline, are loaded (it was not read, "
           "copied or quarantined)")
    assert outcomes(scanned) == {f"{HOURS}/dangling.csv": ("rejected", "a symbolic link" + how),
                                 f"{HOURS}/link.csv": ("rejected", "a symbolic link" + how),
                                 f"{HOURS}/pipe.csv": ("rejected", "a named pipe" + how),
                                 f"{HOURS}/good.csv": ("accepted", "")}
    assert loaded.rows_upserted == 2
    alerts = query(settings, "SELECT file, message, action FROM ops.alerts ORDER BY file")
    assert [a[0] for a in alerts] == [f"{HOURS}/dangling.csv", f"{HOURS}/link.csv", f"{HOURS}/pipe.csv"]
    assert "geen symbolische link" in alerts[0][2] and "quarantine" not in alerts[0][2]
    assert query(settings, "SELECT count(*) FROM ops.landing_files WHERE report IS NOT NULL") == [(0,)]
    assert not settings.quarantine_dir.exists()  # nothing copied, no report showing a line of it
    shown = str(query(settings, "SELECT * FROM ops.alerts") + query(settings, "SELECT * FROM ops.landing_files")
                + query(settings, "SELECT * FROM ops.load_log"))
    assert "SECRET" not in shown and "8123456" not in shown
    again, _ = ingest(settings)  # reported once
    assert sorted(f.status for f in again.files) == ["previously_rejected"] * 3 + ["unchanged"]
    assert query(settings, "SELECT count(*) FROM ops.alerts") == [(3,)]


def test_a_linked_folder_in_the_middle_of_the_path_is_refused_unread(settings: Settings, tmp_path: Path):
    """landing/participation -> a folder elsewhere: its files are neither read nor loaded; the link is refused
    (with an alert) as a linked file is, by each source below it."""
    text_file(tmp_path / "elsewhere" / "hours" / "secret.csv",
              HOURS_HEADER + "\nSECRET,8123456,34116,Delft,2023-01-02,5\n")
    settings.landing_dir.mkdir(parents=True)
    (settings.landing_dir / "participation").symlink_to(tmp_path / "elsewhere")
    scanned, loaded = ingest(settings)
    how = (": only regular files in the landing zone itself, readable by the pipeline, are loaded (it was not read, "
           "copied or quarantined)")
    assert outcomes(scanned) == {"participation": ("rejected", "a symbolic link" + how)}
    assert loaded.rows_upserted == 0 and not settings.quarantine_dir.exists()
    assert "8123456" not in str(query(settings, "SELECT * FROM ops.alerts"))


def test_a_pipe_or_a_swap_after_listing_is_never_read_and_is_noticed(tmp_path: Path):
    """A named pipe put where a listed file was must not block a reader (O_NONBLOCK, fstat); a swap and swap-back
    keeps inode, size and mtime but not the ctime, which the file's identity includes."""
    from assets.common.landing_files import open_regular, read_landing_file
    from assets.ingest.delivery import unchanged_since

    pipe = tmp_path / "pipe.csv"
    os.mkfifo(pipe)
    started = time.monotonic()
    with pytest.raises(OSError, match="^the landing file is no longer a regular file$"):
        open_regular(pipe)
    import duckdb

    with pytest.raises(OSError):
        read_landing_file(pipe, duckdb.connect())
    assert time.monotonic() - started < 2
    path = text_file(tmp_path / "a.csv", GOOD)
    listed = os.lstat(path)
    time.sleep(0.01)
    os.rename(path, tmp_path / "b.csv")
    os.rename(tmp_path / "b.csv", path)
    after = os.lstat(path)
    assert (after.st_ino, after.st_size, after.st_mtime_ns) == (listed.st_ino, listed.st_size, listed.st_mtime_ns)
    assert not unchanged_since(path, listed)


def test_a_rejected_file_gone_before_its_quarantine_waits_and_machine_errors_fail_safely(tmp_path: Path):
    """The copy of a file that is gone raises `SourceGone`, which names nothing; a quarantine the machine cannot
    write (here: a file where the folder should be) fails the run with a masked text and records nothing, and the
    file is judged once the machine is fixed."""
    from assets.ingest.engine import ScanFailed
    from assets.ingest.quarantine import SourceGone, quarantine

    settings = Settings(data_dir=tmp_path / "data_1234567", pseudonym_key=KEY, landing=LandingLimits(settle_seconds=0))
    gone = settings.landing_dir / HOURS / "feedback_7654321.csv"
    with pytest.raises(SourceGone) as raised:
        quarantine(settings, gone, source="participation_hours", subdir=HOURS, file="x", sha256="0" * 64,
                   message="m", violations=[], suite=[])
    assert str(raised.value) == "the rejected file is no longer there as a regular file"
    text_file(gone, "record_id,student_number\nx,1\n")  # rejected: required columns missing
    settings.quarantine_dir.parent.mkdir(parents=True, exist_ok=True)
    settings.quarantine_dir.write_text("not a folder")
    with pytest.raises(ScanFailed) as failed:
        ingest(settings)
    assert "1234567" not in str(failed.value) and "data_*****67" in str(failed.value)
    assert str(failed.value).startswith("participation_hours: the scan stopped (FileExistsError: ")
    assert failed.value.__context__ is None and failed.value.__cause__ is None
    assert query(settings, "SELECT count(*) FROM ops.landing_files") == [(0,)]
    settings.quarantine_dir.unlink()
    scanned, _ = ingest(settings)
    assert [(f.file, f.status) for f in scanned.files] == [(f"{HOURS}/feedback_*****21.csv", "rejected")]


def test_leftovers_of_a_killed_run_are_cleaned_and_the_alert_names_the_configured_folder(tmp_path: Path):
    """A `.tmp` of the accepted rows or a `.partial` quarantine copy older than an hour was left by a killed run
    and goes; a fresh one may be a live run's and stays. The alert's action names the quarantine folder as
    configured, its digits unmasked, while the file's own name is masked."""
    settings = make_settings(tmp_path / "wb_123456")
    accepted = settings.data_dir / "state" / "accepted" / "participation_hours"
    accepted.mkdir(parents=True)
    settings.quarantine_dir.mkdir(parents=True)
    old = [text_file(accepted / "a.tmp", "x"), text_file(settings.quarantine_dir / "b.csv.partial", "612345")]
    fresh = [text_file(accepted / "c.tmp", "x"), text_file(settings.quarantine_dir / "d.csv.partial", "x")]
    settled(*old, seconds_ago=3601)
    text_file(settings.landing_dir / HOURS / "bad_7654321.csv", "record_id,student_number\nx,1\n")
    ingest(settings)
    assert [p.exists() for p in old + fresh] == [False, False, True, True]
    [(action,)] = query(settings, "SELECT action FROM ops.alerts")
    [report] = settings.quarantine_dir.glob("*.report.md")
    assert action.startswith(f"Lees het rapport {report.name} in {settings.quarantine_dir} (")
    assert "wb_123456" in action and "7654321" not in action and "bad_*****21.csv" in report.name


# --- 7. settle time ------------------------------------------------------------------------------------------


def test_a_file_still_being_written_waits_for_a_later_run(tmp_path: Path):
    settings = make_settings(tmp_path, settle_seconds=60)
    path = text_file(settings.landing_dir / HOURS / "half.csv", GOOD.split("h2")[0] + "h2,70")
    scanned, loaded = ingest(settings)
    assert (scanned.files, scanned.waiting, loaded.rows_upserted) == ([], [f"{HOURS}/half.csv"], 0)
    assert scanned.waiting_note() == ("participation_hours: 1 file(s) still being written or changed while read, "
                                      f"left for the next run: {HOURS}/half.csv")
    assert query(settings, "SELECT count(*) FROM ops.landing_files UNION ALL SELECT count(*) FROM ops.alerts") == [
        (0,), (0,)]
    text_file(path, GOOD)  # the writer finishes; a minute later the file has settled
    settled(path, seconds_ago=61)
    scanned, loaded = ingest(settings)
    assert (outcomes(scanned), scanned.waiting, loaded.rows_upserted) == ({f"{HOURS}/half.csv": ("accepted", "")}, [], 2)


# --- 8. any parser failure is that file's rejection ----------------------------------------------------------


def test_a_reader_panic_rejects_that_file_only(tmp_path: Path):
    """Limits raised far enough that the workbook reader gets the far cell, and fails (a Rust panic, which is no
    `Exception`): the file is rejected with the reader's reason, the good file beside it loads."""
    settings = make_settings(tmp_path, max_columns=20_000, max_rows=2_000_000, max_sheet_cells=10**11)
    far_cell_workbook(settings.landing_dir / HOURS / "far.xlsx")
    text_file(settings.landing_dir / HOURS / "good.csv", GOOD)
    scanned, loaded = ingest(settings)
    status, message = outcomes(scanned)[f"{HOURS}/far.xlsx"]
    assert (status, message) == ("rejected", "the file could not be read (PanicException: chunk size must be non-zero)")
    assert outcomes(scanned)[f"{HOURS}/good.csv"] == ("accepted", "") and loaded.rows_upserted == 2
    assert query(settings, "SELECT file FROM ops.alerts") == [(f"{HOURS}/far.xlsx",)]


def test_a_control_character_in_a_name_is_shown_escaped(settings: Settings):
    text_file(settings.landing_dir / HOURS / "bad\x1b[31m\nname_612345.csv", GOOD.replace(",5\n", ",25\n"))
    scanned, _ = ingest(settings)
    shown = f"{HOURS}/bad\\x1b[31m\\x0aname_****45.csv"
    assert [f.file for f in scanned.files] == [shown]
    assert query(settings, "SELECT file, subject FROM ops.alerts") == [(shown, f"Bestand afgewezen: {shown}")]
    [report] = settings.quarantine_dir.glob("*.report.md")
    assert report.read_text(encoding="utf-8").startswith(f"# Rejected: {shown}\n")
    assert "612345" not in report.name and "\x1b" not in report.name


def test_a_name_that_is_not_utf8_is_rejected_with_a_reason(settings: Settings):
    folder = settings.landing_dir / HOURS
    folder.mkdir(parents=True)
    with open(os.path.join(os.fsencode(folder), b"caf\xe9.csv"), "w", encoding="utf-8") as fh:
        fh.write(GOOD)
    scanned, _ = ingest(settings)
    assert outcomes(scanned) == {f"{HOURS}/caf\\xe9.csv": (
        "rejected", "the file's name has bytes that are not UTF-8 text or control characters: rename it (letters, "
                    "digits, '-', '_', '.')")}
    [copy] = [p for p in settings.quarantine_dir.iterdir() if p.name.endswith("caf\\xe9.csv")]
    assert copy.read_text(encoding="utf-8") == GOOD


def test_mtime_is_the_delivery_time_recorded(settings: Settings):
    path = text_file(settings.landing_dir / HOURS / "good.csv", GOOD)
    settled(path, seconds_ago=86400)
    ingest(settings)
    [(mtime,)] = query(settings, "SELECT file_mtime FROM ops.landing_files")
    assert abs(mtime - dt.datetime.fromtimestamp(path.stat().st_mtime)) < dt.timedelta(seconds=1)


def test_the_landing_sensor_sends_a_refused_link_to_the_ingest_job_once_without_reading_it(settings: Settings,
                                                                                            tmp_path: Path):
    from orchestration.landing_sensor import landing_run_requests

    secret = text_file(tmp_path / "secret.csv", "8123456\n")
    folder = settings.landing_dir / "participation/pool"
    folder.mkdir(parents=True)
    (folder / "link.csv").symlink_to(secret)
    requests, cursor = landing_run_requests(settings, {})
    assert [(r.job_name, r.tags["wellbeing/files"]) for r in requests] == [
        ("ingest_landing", "participation/pool/link.csv")]
    assert landing_run_requests(settings, cursor) == ([], cursor)
