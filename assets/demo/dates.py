"""Calendar facts the demo needs: working days, delivery times of files.

Quarter arithmetic itself lives in `assets.common.quarters` (one place for the quarter rule).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from functools import lru_cache

import numpy as np

from .sampling import rng_for

#: Dutch public holidays 2021–2024 on which nobody books campus shifts.
HOLIDAYS = np.array(
    [
        "2021-01-01", "2021-04-05", "2021-04-27", "2021-05-13", "2021-05-24", "2021-12-27", "2021-12-28",
        "2022-04-18", "2022-04-27", "2022-05-26", "2022-06-06", "2022-12-26",
        "2023-04-10", "2023-04-27", "2023-05-18", "2023-05-29", "2023-12-25", "2023-12-26",
        "2024-01-01", "2024-04-01", "2024-05-09", "2024-05-20", "2024-12-25", "2024-12-26",
    ],
    dtype="datetime64[D]",
)

#: Relative amount of campus work per calendar month: open days in Nov and Mar, a deep summer dip.
MONTH_WEIGHT = np.array([1.0, 0.95, 1.1, 0.95, 1.0, 0.9, 0.35, 0.45, 1.1, 1.1, 1.15, 0.75])


def month_key(year: int, month: int) -> int:
    return year * 100 + month


def month_start(key: int) -> np.datetime64:
    return np.datetime64(f"{key // 100:04d}-{key % 100:02d}-01")


def next_month(key: int) -> int:
    year, month = divmod(key, 100)
    return month_key(year + 1, 1) if month == 12 else month_key(year, month + 1)


@lru_cache(maxsize=None)
def working_days(key: int) -> np.ndarray:
    """Weekdays of a month that are not public holidays."""
    start = month_start(key)
    end = month_start(next_month(key))
    days = np.arange(start, end, dtype="datetime64[D]")
    return days[np.is_busday(days, holidays=HOLIDAYS)]


def to_timestamp(moment: datetime) -> float:
    """Seconds since the epoch for a naive datetime read as UTC, so mtimes do not depend on the machine's zone."""
    return moment.replace(tzinfo=timezone.utc).timestamp()


def delivery_time(seed: int, what: str, after: date, min_days: int, max_days: int) -> datetime:
    """When a source plausibly dropped a file: a seeded working-hours moment some days after `after`."""
    rng = rng_for(seed, "delivery", what, after.isoformat())
    day = after + timedelta(days=int(rng.integers(min_days, max_days + 1)))
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, int(rng.integers(7, 18)), int(rng.integers(0, 60)), int(rng.integers(0, 60)))
