"""Partitions: calendar quarters (participation hours) and survey years.

Dagster keys are the quarter's first day (`2023-04-01`); the warehouse speaks `2023-Q2`. The conversion lives
here and uses the quarter rule of assets/common/quarters.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from dagster import TimeWindowPartitionsDefinition

from assets.common.quarters import parse_quarter, quarter_of, quarter_start

FIRST_QUARTER = "2015-Q1"   # DUO's oldest published layout starts with study year 2015
FIRST_SURVEY_YEAR = 2021    # the SWM started in May 2021

#: end_offset=1: the running quarter is a partition too, so the weekly refresh can reload it.
quarter_partitions = TimeWindowPartitionsDefinition(
    start=quarter_start(FIRST_QUARTER).isoformat(), fmt="%Y-%m-%d", cron_schedule="0 0 1 1,4,7,10 *",
    end_offset=1,
)

survey_year_partitions = TimeWindowPartitionsDefinition(
    start=str(FIRST_SURVEY_YEAR), fmt="%Y", cron_schedule="0 0 1 1 *", end_offset=1,
)


def quarter_label(partition_key: str) -> str:
    """`2023-04-01` → `2023-Q2`."""
    return quarter_of(dt.date.fromisoformat(partition_key))


def quarter_partition_key(label: str) -> str:
    """`2023-Q2` → `2023-04-01`; quarters before the first partition belong to the first partition."""
    if parse_quarter(label) < parse_quarter(FIRST_QUARTER):
        label = FIRST_QUARTER
    return quarter_start(label).isoformat()


def contiguous_ranges(keys: Iterable[str], partitions_def) -> list[tuple[str, str]]:
    """Partition keys grouped into runs of neighbours, in the order of the partitions definition."""
    order = {key: i for i, key in enumerate(partitions_def.get_partition_keys())}
    ranges: list[list[str]] = []
    for key in sorted(set(keys), key=order.__getitem__):
        if ranges and order[key] == order[ranges[-1][-1]] + 1:
            ranges[-1].append(key)
        else:
            ranges.append([key])
    return [(r[0], r[-1]) for r in ranges]
