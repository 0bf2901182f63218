"""The hand-worked landing zone: DUO counts, hours (CSV and XLSX, corrections, a changed programme, quarter
boundaries) and a pool, with every participation figure worked out by hand in
tests/e2e/test_participation_end_to_end.py's docstring."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl

from tests.landing_zones import write

RAW_NUMBERS = ["0612345", "612345", "700001", "700002", "700003", "700004"]
KEY = "e2e-test-key-0123456789abcdef0123456789"  # 32 characters at least (settings.require_key)


def build_landing(landing: Path) -> None:
    write(landing / "students/duo/ingeschrevenen_2022.csv",
          "STUDIEJAAR;INSTELLINGSCODE_ACTUEEL;OPLEIDINGSCODE_ACTUEEL;OPLEIDINGSNAAM_ACTUEEL;GEMEENTENAAM;"
          "GESLACHT;AANTAL_INGESCHREVENEN\n"
          "2022;27PZ;34116;B Social Work;'s-Gravenhage;man;120\n"
          "2022;27PZ;34116;B Social Work;'s-Gravenhage;vrouw;80\n"
          "2022;27PZ;34145;B Business Studies;Haarlem;vrouw;150\n"
          "2022;27PZ;34134;B Verloskunde;Groningen;vrouw;<5\n"
          "2022;21PB;34116;B Social Work;Utrecht;man;900\n")
    write(landing / "participation/hours/2023-03.csv",
          "record_id;student_number;programme_code;location;work_date;hours;role\r\n"
          "h1;0612345;34116;Den Haag;31-03-2023;4,5;bar\r\n"
          "h2;612345;34116;Den Haag;01-04-2023;3;bar\r\n"
          "h3;700001;34145;Haarlem;10-03-2023;5;balie\r\n"
          "h4;700001;34145;Haarlem;20-03-2023;-5;correctie\r\n"
          "h5;700002;34145;Haarlem;01-02-2023;2,5;balie\r\n"
          "h6;700002;34116;Den Haag;15-03-2023;3;balie\r\n")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["record_id", "student_number", "programme_code", "location", "work_date", "hours"])
    ws.append(["x1", 700003, "34145", "Haarlem", dt.datetime(2023, 6, 30), 6])
    (landing / "participation/hours").mkdir(parents=True, exist_ok=True)
    wb.save(landing / "participation/hours/2023-06.xlsx")
    write(landing / "participation/pool/pool_2023Q1.csv",
          "student_number,programme_code,location,available_from,available_until\n"
          "0612345,34116,Den Haag,2023-02-01,2023-03-31\n"
          "700004,34116,Den Haag,2023-01-01,\n")
