"""The scoring and interval macros (dbt_project/macros/scoring/) evaluated directly, compiled once by dbt.

Band boundaries that no combination of whole answers reaches (BRS exactly 4.30, EE exactly 3.21; the dbt unit
tests cover the reachable ones from the answers) are checked here on the band expressions themselves, with the
other boundaries. The intervals are checked against published worked examples and scipy.
"""

from __future__ import annotations

import math

import duckdb
import pytest

from expectations.survey_codebook import PART_A_ITEMS, PART_B_ITEMS

stats = pytest.importorskip("scipy.stats")

SNIPPET = """
select
    s,
    {{ swm_k10(score='s').band }} as k10_band,
    {{ swm_brs(score='s').band }} as brs_band,
    {{ swm_djg(score='s').band }} as djg_band,
    {{ swm_ee(score='s').band }} as ee_band,
    {{ swm_belong(score='s').band }} as belong_band,
    {{ swm_teacher(score='s').is_involved }} as teacher_involved,
    {{ swm_life_sat(score='s').is_7plus }} as life_sat_7plus,
    {{ swm_study_stress(score='s').is_often }} as study_stress_often,
    {{ t_quantile_975('df') }} as t,
    {{ wilson_interval('x1', 'n1').low }} as wilson_low,
    {{ wilson_interval('x1', 'n1').high }} as wilson_high,
    {{ newcombe_interval('x1', 'n1', 'x2', 'n2').low }} as newcombe_low,
    {{ newcombe_interval('x1', 'n1', 'x2', 'n2').high }} as newcombe_high,
    {{ welch_interval('m1', 'v1', 'n1', 'm2', 'v2', 'n2').low }} as welch_low,
    {{ welch_interval('m1', 'v1', 'n1', 'm2', 'v2', 'n2').high }} as welch_high,
    {{ mean_interval('m1', 'v1', 'n1').low }} as mean_low,
    {{ mean_interval('m1', 'v1', 'n1').high }} as mean_high,
    '{{ swm_items() | join(",") }}' as items
from points
"""
COLUMNS = "s DOUBLE, df DOUBLE, x1 INTEGER, n1 INTEGER, x2 INTEGER, n2 INTEGER, m1 DOUBLE, v1 DOUBLE, m2 DOUBLE, v2 DOUBLE"


@pytest.fixture(scope="module")
def evaluate(compiled_project):
    sql = compiled_project.inline(SNIPPET)

    def run(**columns):
        con = duckdb.connect()
        try:
            n = max(len(v) for v in columns.values())
            con.execute(f"CREATE TABLE points ({COLUMNS})")
            names = [c.split()[0] for c in COLUMNS.split(", ")]
            rows = [[columns.get(name, [None] * n)[i] for name in names] for i in range(n)]
            con.executemany(f"INSERT INTO points VALUES ({', '.join('?' for _ in names)})", rows)
            cursor = con.execute(sql)
            out = [d[0] for d in cursor.description]
            return [dict(zip(out, row)) for row in cursor.fetchall()]
        finally:
            con.close()

    return run


def bands(evaluate, column, scores):
    return {s: row[column] for s, row in zip(scores, evaluate(s=scores))}


def test_k10_bands_at_the_boundaries(evaluate):
    assert bands(evaluate, "k10_band", [10.0, 15.999999, 16.0, 29.999999, 30.0, 50.0]) == {
        10.0: "laag", 15.999999: "laag", 16.0: "matig", 29.999999: "matig", 30.0: "hoog", 50.0: "hoog"}


def test_brs_bands_at_the_boundaries(evaluate):
    # 4.30 itself is unreachable from whole answers (k/5 or k/6): here the expression is checked at it
    assert bands(evaluate, "brs_band", [2.999999, 3.0, 4.3, 21.5 / 5, 4.300001, 5.0]) == {
        2.999999: "laag", 3.0: "normaal", 4.3: "normaal", 4.300001: "hoog", 5.0: "hoog"}


def test_djg_ee_belonging_bands(evaluate):
    assert bands(evaluate, "djg_band", [0, 1, 2, 4, 5, 6]) == {
        0: "niet eenzaam", 1: "niet eenzaam", 2: "matig eenzaam", 4: "matig eenzaam", 5: "sterk eenzaam",
        6: "sterk eenzaam"}
    # 3.21 itself is unreachable from whole answers (k/4 or k/5)
    assert bands(evaluate, "ee_band", [3.2, 3.209999, 3.21, 3.25]) == {
        3.2: "normaal", 3.209999: "normaal", 3.21: "verhoogd", 3.25: "verhoogd"}
    assert bands(evaluate, "belong_band", [2.999999, 3.0]) == {2.999999: "laag", 3.0: "normaal"}


def test_flags(evaluate):
    assert bands(evaluate, "teacher_involved", [3.999999, 4.0, None]) == {3.999999: False, 4.0: True, None: None}
    assert bands(evaluate, "life_sat_7plus", [6, 7, 0]) == {6: False, 7: True, 0: False}
    assert bands(evaluate, "study_stress_often", [3, 4, 5]) == {3: False, 4: True, 5: True}


def test_item_list_matches_the_python_codebook(evaluate):
    (row,) = evaluate(s=[1.0])
    assert row["items"].split(",") == [*PART_A_ITEMS, *PART_B_ITEMS]


def test_t_quantiles(evaluate):
    dfs = [1, 2, 5, 9, 29, 30, 31, 45.5, 100, 1e6]
    got = {df: row["t"] for df, row in zip(dfs, evaluate(df=dfs))}
    for df in dfs:
        assert got[df] == pytest.approx(stats.t.ppf(0.975, df), abs=1e-7), df
    # fractional df below 30 (Welch): the table value at floor(df), slightly conservative
    (row,) = evaluate(df=[12.7])
    assert row["t"] == pytest.approx(stats.t.ppf(0.975, 12), abs=1e-8)
    assert evaluate(df=[0.5])[0]["t"] is None


def test_wilson_and_newcombe_against_newcombe_1998(evaluate):
    # Newcombe (1998), Stat Med 17: 873-890. Single proportions (Table I): 81/263 -> 0.2553-0.3662,
    # 0/10 -> 0-0.2775; difference 56/70 − 48/80 (Table II, method 10) -> 0.0524-0.3339.
    rows = evaluate(x1=[81, 0, 56], n1=[263, 10, 70], x2=[0, 0, 48], n2=[1, 1, 80])
    assert (rows[0]["wilson_low"], rows[0]["wilson_high"]) == pytest.approx((25.53, 36.62), abs=0.005)
    assert (rows[1]["wilson_low"], rows[1]["wilson_high"]) == pytest.approx((0.0, 27.75), abs=0.005)
    assert (rows[2]["newcombe_low"], rows[2]["newcombe_high"]) == pytest.approx((5.24, 33.39), abs=0.005)
    # degenerate: 0 of 0 has no interval; 10 of 10 includes 100 exactly
    zero, full = evaluate(x1=[0, 10], n1=[0, 10])
    assert (zero["wilson_low"], zero["wilson_high"]) == (None, None)
    assert full["wilson_high"] == 100.0 and full["wilson_low"] == pytest.approx(72.25, abs=0.005)


def test_welch_and_mean_intervals_against_scipy(evaluate):
    import random

    rng = random.Random(7)
    a = [rng.gauss(25, 8) for _ in range(60)]
    b = [rng.gauss(29, 11) for _ in range(45)]
    m1, m2, v1, v2 = sum(a) / 60, sum(b) / 45, stats.tvar(a), stats.tvar(b)
    (row,) = evaluate(m1=[m1], v1=[v1], n1=[60], m2=[m2], v2=[v2], n2=[45])
    exact = stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)  # Welch df ≈ 78: the expansion
    assert (row["welch_low"], row["welch_high"]) == pytest.approx((exact.low, exact.high), abs=1e-6)
    mean = stats.t.interval(0.95, 59, loc=m1, scale=math.sqrt(v1 / 60))
    assert (row["mean_low"], row["mean_high"]) == pytest.approx(mean, abs=1e-6)
    # one respondent: no spread, no interval; no spread at all: the interval is the difference itself
    one, flat = evaluate(m1=[5.0, 4.0], v1=[None, 0.0], n1=[1, 8], m2=[3.0, 2.0], v2=[1.0, 0.0], n2=[9, 8])
    assert (one["mean_low"], one["welch_low"]) == (None, None)
    assert (flat["welch_low"], flat["welch_high"]) == (2.0, 2.0)
