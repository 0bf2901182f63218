"""A corpus of bad landing files, each with the exact message a user sees, and a small good landing zone.

`CORPUS` entries write one file into a landing zone (`make(path)`); `message` is the rejection message exactly
as `wellbeing materialize`, `ops.load_log`, the alert and the quarantine report show it; `report` holds lines
(or fragments of lines) the quarantine report must contain: row numbers, column, rule, offending value with
student numbers masked.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl

from assets.ingest import participation, students, survey
from assets.ingest.engine import Source
from expectations.survey_codebook import PART_A_ITEMS
from tests.landing_zones import write

KEY = "quality-test-key-0123456789abcdef0123456789"  # 32 characters at least (settings.require_key)
TODAY = dt.date(2026, 11, 25)  # `scan(today=…)`: the date rules see this as today

HOURS_HEADER = "record_id,student_number,programme_code,location,work_date,hours\n"
POOL_HEADER = "student_number,programme_code,location,available_from,available_until\n"
COUNTS_HEADER = "quarter,programme_code,location,n_students\n"


def text(content: str, encoding: str = "utf-8") -> Callable[[Path], None]:
    def make(path: Path) -> None:
        path.write_bytes(content.encode(encoding))
    return make


def raw_bytes(content: bytes) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        path.write_bytes(content)
    return make


def xlsx_serial_dates(path: Path) -> None:
    """Excel with the work date column formatted as General: the dates arrive as serial numbers."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["record_id", "student_number", "programme_code", "location", "work_date", "hours"])
    ws.append(["x1", 612345, "34116", "Delft", 45017, 3.5])   # 45017 = 1 April 2023 as a serial number
    ws.append(["x2", 700001, "34116", "Delft", 45018, 8])
    wb.save(path)


def hundred_mb_line(path: Path) -> None:
    with path.open("wb") as fh:
        fh.write(HOURS_HEADER.encode())
        fh.write(b"h1,612345,34116,Delft,2023-01-02,")
        block = b"9" * (1 << 20)
        for _ in range(100):
            fh.write(block)
        fh.write(b"\n")


def survey_row(response_id: str, number: str, k10_1: str = "3") -> list[str]:
    items = {item: "1" for item in PART_A_ITEMS} | {"k10_1": k10_1}
    return [response_id, number, "2024-03-01 10:00", "2024-03-01 10:20", "1", "34116", "Den Haag",
            *(items[i] for i in PART_A_ITEMS)]


SURVEY_HEADER = ["response_id", "student_number", "started_at", "submitted_at", "finished", "programme_code",
                 "location", *PART_A_ITEMS]


def survey_file(rows: list[list[str]]) -> str:
    return "\n".join(",".join(r) for r in [SURVEY_HEADER, *rows]) + "\n"


@dataclass
class Bad:
    id: str
    source: Source
    rel: str
    make: Callable[[Path], None]
    message: str
    report: list[str] = field(default_factory=list)
    numbers: tuple[str, ...] = ()  # raw student numbers in the file: must appear nowhere outside the landing zone


CORPUS: list[Bad] = [
    Bad("empty_file", participation.HOURS, "participation/hours/empty.csv", text(""),
        "the file is empty: it has no header row"),
    Bad("only_header", participation.HOURS, "participation/hours/only_header.csv", text(HOURS_HEADER),
        "(all): the file has a header but no data rows",
        ["|  | (all) | the file has a header but no data rows |  |",
         "expect_table_row_count_to_be_between on (all): the file has a header but no data rows"]),
    Bad("wrong_delimiter", participation.HOURS, "participation/hours/tabs.csv",
        text(HOURS_HEADER.replace(",", "\t") + "h1\t612345\t34116\tDelft\t2023-01-02\t5\n"),
        "the header is separated by tabs: deliver a CSV separated by ',' or ';'", ["| 1 | (file) |"],
        ("612345",)),
    Bad("truncated_last_line", participation.HOURS, "participation/hours/truncated.csv",
        text(HOURS_HEADER + "h1,612345,34116,Delft,2023-01-02,5\nh2,700001,34116,Del"),
        "a row does not have as many ','-separated fields as the header (near line 3): a truncated or "
        "malformed line", [], ("612345", "700001")),
    Bad("latin1_bytes", participation.HOURS, "participation/hours/latin1.csv",
        text(HOURS_HEADER + "h1,612345,34116,Den Haag,2023-01-02,5\nh2,700001,34116,Zoëterwoude,2023-01-03,4\n",
             "latin-1"),
        "the file is not UTF-8 (byte 0xeb on line 3): probably Windows-1252 ('CSV (comma delimited)' in Excel); "
        "export it as 'CSV UTF-8' (Excel: Save as > CSV UTF-8)",
        ["| 3 | (file) |"], ("612345", "700001")),
    Bad("xlsx_serial_dates", participation.HOURS, "participation/hours/serial_dates.xlsx", xlsx_serial_dates,
        "work_date: not a date (YYYY-MM-DD or DD-MM-YYYY) (2 rows; rows 2, 3)",
        ["| 2 | work_date | not a date (YYYY-MM-DD or DD-MM-YYYY) – this looks like an Excel serial date number: "
         "format the column as a date | 45017 |"], ("612345", "700001")),
    Bad("duplicate_keys", participation.POOL, "participation/pool/duplicates.csv",
        text(POOL_HEADER + "612345,34116,Delft,2023-05-01,\n700001,34116,Delft,2023-05-01,\n"
                           "612345,34116,Delft,2023-05-01,2023-06-30\n"),
        "student_number, available_from: duplicate natural key inside the file (2 rows; rows 2, 4)",
        ["| 2 | student_number, available_from | duplicate natural key inside the file | ****45 / 2023-05-01 |",
         "| 4 | student_number, available_from | duplicate natural key inside the file | ****45 / 2023-05-01 |",
         "expect_compound_columns_to_be_unique on student_number, available_from"], ("612345", "700001")),
    Bad("survey_answer_out_of_range", survey.RESPONSES, "survey/swm_2024.csv",
        text(survey_file([survey_row("R1", "612345"), survey_row("R2", "700001", k10_1="7")])),
        "k10_1: not an answer of the codebook (allowed: 1, nooit, 2, af en toe, 3, soms, 4, meestal, 5, altijd) "
        "(1 row; rows 3)",
        ["| 3 | k10_1 | not an answer of the codebook (allowed: 1, nooit, 2, af en toe, 3, soms, 4, meestal, 5, "
         "altijd) | 7 |", "expect_column_values_to_be_in_set on k10_1"], ("612345", "700001")),
    Bad("negative_count", students.COUNTS, "students/counts_2024.csv",
        text(COUNTS_HEADER + "2024-Q1,34116,Delft,120\n2024-Q1,34145,Haarlem,-3\n"),
        "n_students: outside the allowed range 0 … inf (1 row; rows 3)",
        ["| 3 | n_students | outside the allowed range 0 … inf | -3 |",
         "expect_column_values_to_be_between on n_students: outside the allowed range 0 … inf – 1 row (rows 3)"]),
    Bad("date_in_future", participation.HOURS, "participation/hours/future.csv",
        text(HOURS_HEADER + "h1,612345,34116,Delft,2023-01-02,5\nh2,700001,34116,Delft,2099-01-02,5\n"),
        "work_date: date before 2000-01-01 or after today (2026-11-25) (1 row; rows 3)",
        ["| 3 | work_date | date before 2000-01-01 or after today (2026-11-25) | 2099-01-02 |"],
        ("612345", "700001")),
    Bad("missing_column", participation.HOURS, "participation/hours/no_hours.csv",
        text("record_id,student_number,programme_code,location,work_date\nh1,612345,34116,Delft,2023-01-02\n"),
        "hours: required column missing (columns found: record_id, student_number, programme_code, location, "
        "work_date)", ["expect_column_to_exist on hours: required column missing"], ("612345",)),
    Bad("hundred_mb_line", participation.HOURS, "participation/hours/huge_line.csv", hundred_mb_line,
        "line 2 is longer than 1,000,000 bytes: not a plausible export row (a broken quote or a corrupt file)",
        ["| 2 | (file) |"], ("612345",)),
    Bad("binary_garbage", participation.HOURS, "participation/hours/garbage.csv",
        raw_bytes(bytes(range(256)) * 64),
        "the file contains binary data (NUL bytes): it is not a CSV text file"),
    Bad("garbage_xlsx", participation.HOURS, "participation/hours/garbage.xlsx", raw_bytes(b"PK\x03\x04" + b"\xff" * 500),
        "the file is not a readable Excel workbook (.xlsx): BadZipFile"),
    Bad("unsupported_type", participation.HOURS, "participation/hours/hours.pdf", raw_bytes(b"%PDF-1.7\n"),
        "unsupported file type '.pdf': deliver CSV (.csv) or Excel (.xlsx)"),
    Bad("unparseable_number", participation.HOURS, "participation/hours/bad_number.csv",
        text(HOURS_HEADER + "h1,612345,34116,Delft,2023-01-02,7.5.1\n"),
        "hours: not a number (1 row; rows 2)", ["| 2 | hours | not a number | 7.5.1 |"], ("612345",)),
    Bad("hours_out_of_range", participation.HOURS, "participation/hours/too_many.csv",
        text(HOURS_HEADER + "h1,612345,34116,Delft,2023-01-02,25\n"),
        "hours: outside the allowed range -24 … 24 (1 row; rows 2)", ["| 2 | hours | outside the allowed range -24 … 24 | 25 |"],
        ("612345",)),
    Bad("until_before_from", participation.POOL, "participation/pool/reversed.csv",
        text(POOL_HEADER + "612345,34116,Delft,2023-05-01,2023-01-01\n"),
        "available_from, available_until: available_until is before available_from (1 row; rows 2)",
        ["| 2 | available_from, available_until | available_until is before available_from | 2023-05-01 / 2023-01-01 |"],
        ("612345",)),
    Bad("implausible_student_number", participation.HOURS, "participation/hours/bad_number_format.csv",
        text(HOURS_HEADER + "h1,61-2345,34116,Delft,2023-01-02,5\n"),
        "student_number: not a plausible student number (letters and digits, at most 20) (1 row; rows 2)",
        ["| 2 | student_number | not a plausible student number (letters and digits, at most 20) | *****45 |"]),
]

#: Loaded as plain text, never executed: SQL and spreadsheet formulas in text cells (CSV exports neutralise
#: formulas; the warehouse stores the text as it came).
HOSTILE_TEXT = {
    "record_id": "h1'); DROP TABLE raw.participation_hours; --",
    "role": "=HYPERLINK(\"http://example.invalid\",\"klik\")",
    "department": "@SUM(A1:A9)+cmd|' /C calc'!A0",
}


def hostile_text_file(path: Path) -> None:
    import csv

    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["record_id", "student_number", "programme_code", "location", "work_date", "hours", "role",
                    "department"])
        w.writerow([HOSTILE_TEXT["record_id"], "612345", "34116", "Delft", "2023-01-02", "5", HOSTILE_TEXT["role"],
                    HOSTILE_TEXT["department"]])
        w.writerow(["h2", "700001", "34116", "Delft", "2023-01-03", "-1", "+31 6 1234", "-- DELETE FROM marts.x"])


# --- a small good landing zone and the command --------------------------------------------------------------


def build_good_landing(landing: Path) -> None:
    """DUO counts for study year 2022 (2022-Q4 … 2023-Q3), hours and a pool in 2023: enough for every mart."""
    write(landing / "students/duo/ingeschrevenen_2022.csv",
          "STUDIEJAAR;INSTELLINGSCODE_ACTUEEL;OPLEIDINGSCODE_ACTUEEL;OPLEIDINGSNAAM_ACTUEEL;GEMEENTENAAM;"
          "GESLACHT;AANTAL_INGESCHREVENEN\n"
          "2022;27PZ;34116;B Social Work;'s-Gravenhage;man;120\n"
          "2022;27PZ;34116;B Social Work;'s-Gravenhage;vrouw;80\n"
          "2022;27PZ;34145;B Business Studies;Haarlem;vrouw;150\n")
    write(landing / "participation/hours/2023-03.csv",
          "record_id;student_number;programme_code;location;work_date;hours\n"
          "h1;0612345;34116;Den Haag;31-03-2023;4,5\n"
          "h2;700001;34145;Haarlem;10-03-2023;5\n"
          "h3;700002;34116;Den Haag;15-03-2023;3\n")
    write(landing / "participation/pool/pool_2023.csv",
          "student_number,programme_code,location,available_from,available_until\n"
          "0612345,34116,Den Haag,2023-02-01,2023-03-31\n"
          "700004,34116,Den Haag,2023-01-01,2023-06-30\n")


def free_port() -> int:
    """A port nothing listens on now (aiosmtpd's Controller needs a concrete free port, not 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_materialize(data_dir: Path, **extra_env: str) -> subprocess.CompletedProcess:
    """`wellbeing materialize` as a user runs it (its own process, the environment as configuration)."""
    env = {**os.environ, "WB_DATA_DIR": str(data_dir), "WB_PSEUDONYM_KEY": KEY, "GX_ANALYTICS_ENABLED": "false",
           **extra_env}
    env.pop("DAGSTER_HOME", None)
    return subprocess.run([str(Path(sys.executable).with_name("wellbeing")), "materialize"], env=env,
                          capture_output=True, text=True, timeout=600)
