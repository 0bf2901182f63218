"""Participation figures computed straight from the generated files, as the warehouse contract defines them.

pct_participated = 100 × students with net hours > 0 in the quarter (by work_date) / n_students;
pct_available = 100 × students with a pool registration overlapping the quarter / n_students;
n_students = the DUO count of the study year in force (2023-Q1..Q3 → 2022, 2023-Q4 → 2023).
"""

from __future__ import annotations

import pandas as pd
import pytest

PUBLISHED_2023 = {
    "2023Q1": (3.7, 4.8),
    "2023Q2": (3.5, 5.1),
    "2023Q3": (3.2, 5.3),
    "2023Q4": (3.6, 6.3),
}


def _study_year(quarter: str) -> int:
    period = pd.Period(quarter, "Q")
    return period.year if period.quarter == 4 else period.year - 1


def _participated(hours: pd.DataFrame) -> pd.Series:
    net = hours.groupby(["quarter", "student"])["hours"].sum()
    return (net > 1e-9).groupby(level="quarter").sum()


def _available(pool: pd.DataFrame, quarter: str) -> int:
    period = pd.Period(quarter, "Q")
    start, end = period.start_time.normalize(), period.end_time.normalize()
    overlap = (pool["from"] <= end) & (pool["until"].isna() | (pool["until"] >= start))
    return pool.loc[overlap, "student"].nunique()


def test_duo_denominators_are_the_real_counts(duo_1):
    assert duo_1[2022] == 27_182
    assert duo_1[2023] == 25_874


@pytest.mark.parametrize("quarter", sorted(PUBLISHED_2023))
def test_2023_reproduces_published_figures(quarter, hours_1, pool_1, duo_1):
    n = duo_1[_study_year(quarter)]
    participated = 100 * _participated(hours_1)[quarter] / n
    available = 100 * _available(pool_1, quarter) / n
    want_participated, want_available = PUBLISHED_2023[quarter]
    assert participated == pytest.approx(want_participated, abs=0.1)
    assert available == pytest.approx(want_available, abs=0.1)
    # Exact after rounding the counts (the generator targets the published value, not just the band).
    assert round(participated, 1) == want_participated
    assert round(available, 1) == want_available


def test_other_years_are_plausible_and_participation_grows(hours_1, pool_1, duo_1):
    part = _participated(hours_1)
    yearly = {}
    for quarter in part.index:
        n = duo_1[_study_year(quarter)]
        pct_p = 100 * part[quarter] / n
        pct_a = 100 * _available(pool_1, quarter) / n
        assert 2.0 <= pct_p <= 5.0, quarter
        assert pct_p < pct_a <= 8.0, quarter
        yearly.setdefault(quarter[:4], []).append(pct_p)
    assert sorted(yearly) == ["2021", "2022", "2023", "2024"]
    means = [sum(v) / len(v) for _, v in sorted(yearly.items())]
    assert means == sorted(means)


def test_corrections_and_unknown_codes_are_present_but_do_not_count(hours_1):
    net = hours_1.groupby(["quarter", "student"])["hours"].sum()
    zero_net = net[net.abs() < 1e-9]
    assert len(zero_net) > 0  # students whose quarter nets to zero
    assert (hours_1["hours"] < 0).sum() > 100
    negative = hours_1[hours_1["hours"] < 0]
    later_file = negative["file"].str[5:12] != negative["work_date"].dt.strftime("%Y-%m")
    assert later_file.sum() > 0  # some corrections arrive in the next month's file
    assert (hours_1["programme_code"] == "99999").sum() > 0
    # A correction never drives a student's quarter below zero.
    assert (net > -1e-9).all()


def test_hours_shapes(hours_1):
    positive = hours_1[hours_1["hours"] > 0]
    assert positive["hours"].between(2, 8).all()
    assert positive["hours"].between(3, 5).mean() > 0.5  # mostly 3–5 h shifts
    assert hours_1["hours"].between(-24, 24).all()
    assert (hours_1["work_date"].dt.dayofweek < 5).all()
    monthly = positive.groupby(positive["work_date"].dt.month)["hours"].sum()
    assert monthly[7] < 0.6 * monthly[[1, 2, 3, 4, 5, 6, 10, 11]].mean()  # summer dip
    assert hours_1["work_date"].min() >= pd.Timestamp("2021-01-01")
    assert hours_1["work_date"].max() <= pd.Timestamp("2024-12-31")
    programmes = hours_1.groupby(["quarter", "student"])["programme_code"].nunique()
    assert (programmes > 1).sum() > 0  # students changing programme inside a quarter
    assert hours_1[["role", "department"]].notna().all().all()


def test_workers_are_mostly_in_the_pool(hours_1, pool_1):
    quarter = "2023Q2"
    net = hours_1[hours_1["quarter"] == quarter].groupby("student")["hours"].sum()
    workers = set(net[net > 0].index)
    period = pd.Period(quarter, "Q")
    overlap = (pool_1["from"] <= period.end_time) & (pool_1["until"].isna() | (pool_1["until"] >= period.start_time))
    in_pool = workers & set(pool_1.loc[overlap, "student"])
    assert 0.85 <= len(in_pool) / len(workers) < 1.0
