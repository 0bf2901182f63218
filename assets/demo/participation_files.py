"""The staffing agency's files: monthly timesheet exports and quarterly pool snapshots.

Timesheets are a Dutch Excel export (`;`, decimal comma, `DD-MM-YYYY`, student numbers as text with leading
zeros, BOM, CRLF); every fourth month the agency sent the workbook itself (real dates and numbers, numeric
student numbers). Record ids run per file in entry order: the month's shifts by work date, then the
corrections entered afterwards. Pool snapshots are a plain comma-separated system export with ISO dates.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from assets.common.quarters import quarter_end

from .dates import delivery_time, month_start, next_month
from .participation import QuarterParticipation
from .population import Population
from .timesheets import DEPARTMENTS, ROLE_NAMES, UNKNOWN_PROGRAMME
from .writers import Column, write_csv, write_xlsx, zero_pad

HOURS_COLUMNS = ("record_id", "student_number", "programme_code", "location", "work_date", "hours", "role", "department")
XLSX_MONTHS = (4, 8, 12)


def _ordered(lines: pd.DataFrame, pop: Population) -> pd.DataFrame:
    number = pop.number[lines["student"].to_numpy()]
    order = np.lexsort((number, lines["work_date"].to_numpy(), lines["kind"].to_numpy()))
    return lines.iloc[order].reset_index(drop=True)


def hours_file(lines: pd.DataFrame, month: int, pop: Population, out_dir: Path, seed: int) -> tuple[Path, int]:
    """Write one month's timesheet file (CSV or XLSX) and return its path and row count."""
    lines = _ordered(lines, pop)
    n = len(lines)
    year, mon = divmod(month, 100)
    record_id = np.array([f"{month}-{i:07d}" for i in range(1, n + 1)], dtype=object)
    cell = lines["cell"].to_numpy()
    programme = pop.cells["programme_code"].to_numpy()[cell].astype(object)
    programme[lines["unknown_programme"].to_numpy()] = UNKNOWN_PROGRAMME
    location = pop.cells["location"].to_numpy()[cell]
    number = pop.number[lines["student"].to_numpy()]
    role = np.array(ROLE_NAMES, dtype=object)[lines["role"].to_numpy()]
    dept = np.array(DEPARTMENTS, dtype=object)[lines["department"].to_numpy()]
    work_date = lines["work_date"].to_numpy().astype("datetime64[D]")
    hours = lines["hours"].to_numpy()
    delivered = delivery_time(seed, "hours", month_start(next_month(month)).astype(object), 2, 8)
    folder = out_dir / "participation" / "hours"
    if mon in XLSX_MONTHS:
        path = folder / f"uren_{year}-{mon:02d}.xlsx"
        write_xlsx(
            path,
            [
                Column("record_id", record_id),
                Column("student_number", number, "int"),
                Column("programme_code", programme),
                Column("location", location),
                Column("work_date", work_date, "date"),
                Column("hours", hours, "num"),
                Column("role", role),
                Column("department", dept),
            ],
            delivered=delivered,
            sheet="Urenexport",
        )
    else:
        path = folder / f"uren_{year}-{mon:02d}.csv"
        text_hours = np.array([("%g" % h).replace(".", ",") for h in hours.tolist()], dtype=object)
        table = pd.DataFrame(
            {
                "record_id": record_id,
                "student_number": zero_pad(number, 7),
                "programme_code": programme,
                "location": location,
                "work_date": pd.DatetimeIndex(work_date).strftime("%d-%m-%Y"),
                "hours": text_hours,
                "role": role,
                "department": dept,
            }
        )
        write_csv(path, table, sep=";", delivered=delivered, bom=True, crlf=True)
    return path, n


def pool_file(qp: QuarterParticipation, pop: Population, out_dir: Path, seed: int) -> tuple[Path, int]:
    number = pop.number[qp.reg_student]
    order = np.lexsort((qp.reg_from, number))
    cell = qp.reg_cell[order]
    until = qp.reg_until[order]
    table = pd.DataFrame(
        {
            "student_number": number[order].astype(str),
            "programme_code": pop.cells["programme_code"].to_numpy()[cell],
            "location": pop.cells["location"].to_numpy()[cell],
            "available_from": pd.DatetimeIndex(qp.reg_from[order]).strftime("%Y-%m-%d"),
            "available_until": np.where(np.isnat(until), "", pd.DatetimeIndex(until).strftime("%Y-%m-%d").fillna("")),
        }
    )
    path = out_dir / "participation" / "pool" / f"pool_{qp.quarter}.csv"
    delivered = delivery_time(seed, "pool", quarter_end(qp.quarter), 3, 12)
    return path, write_csv(path, table, sep=",", delivered=delivered)
