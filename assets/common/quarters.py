"""Calendar quarters: the one Python home of the quarter rule (dbt has its twin in macros/quarters.sql).

A quarter key is `YYYY-Qn`. A DUO count for study year Y (peildatum 1 October Y) stands for Y-Q4 up to and
including (Y+1)-Q3 (landing contract, students/duo).
"""

from __future__ import annotations

import re
from datetime import date

_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


def quarter_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def parse_quarter(key: str) -> tuple[int, int]:
    match = _QUARTER.match(key.strip())
    if not match:
        raise ValueError(f"not a quarter (expected e.g. 2023-Q1): {key!r}")
    return int(match.group(1)), int(match.group(2))


def quarter_start(key: str) -> date:
    year, q = parse_quarter(key)
    return date(year, 3 * (q - 1) + 1, 1)


def quarter_end(key: str) -> date:
    """Last day of the quarter."""
    year, q = parse_quarter(key)
    if q == 4:
        return date(year, 12, 31)
    nxt = date(year, 3 * q + 1, 1)
    return date.fromordinal(nxt.toordinal() - 1)


def next_quarter(key: str) -> str:
    year, q = parse_quarter(key)
    return f"{year + 1}-Q1" if q == 4 else f"{year}-Q{q + 1}"


def quarter_range(first: str, last: str) -> list[str]:
    """All quarters from `first` to `last`, inclusive."""
    if parse_quarter(first) > parse_quarter(last):
        return []
    keys = [first]
    while keys[-1] != last:
        keys.append(next_quarter(keys[-1]))
    return keys


def quarters_of_study_year(study_year: int) -> list[str]:
    """The four quarters a DUO count of 1 October `study_year` stands for."""
    return quarter_range(f"{study_year}-Q4", f"{study_year + 1}-Q3")


def study_year_of_quarter(key: str) -> int:
    """The DUO study year whose count stands for this quarter (inverse of `quarters_of_study_year`)."""
    year, q = parse_quarter(key)
    return year if q == 4 else year - 1


def quarter_sql(date_expr: str) -> str:
    """The same rule as `quarter_of`, as DuckDB SQL for bulk work during ingestion."""
    return f"(CAST(year({date_expr}) AS VARCHAR) || '-Q' || CAST(quarter({date_expr}) AS VARCHAR))"
