"""The demo landing zone (scale 1, seed 42) through the whole pipeline.

- Calendar 2023 reproduces the institution's published participation figures (published_figures.md) within
  0.1 point, computed by the marts.
- No raw student number of any landing file reaches any table of the warehouse.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import openpyxl
import pytest

from assets.demo import generate_landing

# Inholland participation dashboard 2023 (assets/demo/data/published_figures.md), percent of enrolled students.
PUBLISHED_2023 = {
    "2023-Q1": (3.7, 4.8), "2023-Q2": (3.5, 5.1), "2023-Q3": (3.2, 5.3), "2023-Q4": (3.6, 6.3),
}
KEY = "demo-pipeline-test-key-0123456789abcdef0123456789"  # 32 characters at least (settings.require_key)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    data_dir = tmp_path_factory.mktemp("demo") / "data"
    generate_landing(data_dir / "landing", scale=1, seed=42, progress=False)
    env = {**os.environ, "WB_DATA_DIR": str(data_dir), "WB_PSEUDONYM_KEY": KEY}
    env.pop("DAGSTER_HOME", None)
    result = subprocess.run([str(Path(sys.executable).with_name("wellbeing")), "materialize"], env=env,
                            capture_output=True, text=True, timeout=1200)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return data_dir


def _con(data_dir: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(data_dir / "warehouse" / "wellbeing.duckdb"), read_only=True)


def test_2023_reproduces_published_participation(demo):
    con = _con(demo)
    rows = con.execute("""SELECT quarter, pct_participated, pct_available, suppressed
                          FROM marts.participation_institution WHERE quarter LIKE '2023-Q_' ORDER BY quarter""").fetchall()
    con.close()
    assert [r[0] for r in rows] == list(PUBLISHED_2023)
    for quarter, participated, available, suppressed in rows:
        want_participated, want_available = PUBLISHED_2023[quarter]
        assert not suppressed
        assert abs(participated - want_participated) < 0.1, (quarter, participated)
        assert abs(available - want_available) < 0.1, (quarter, available)


def test_locations_add_up_to_the_institution(demo):
    con = _con(demo)
    diff = con.execute("""
        SELECT count(*) FROM marts.participation_institution i
        JOIN (SELECT quarter, sum(n_students) AS n FROM marts.participation_by_location GROUP BY quarter) l
        USING (quarter) WHERE i.n_students <> l.n""").fetchone()[0]
    con.close()
    assert diff == 0


def _landing_student_numbers(landing: Path) -> set[str]:
    numbers: set[str] = set()
    for path in landing.rglob("*"):
        if path.suffix == ".csv" and "duo" not in path.parts:
            text = path.read_text(encoding="utf-8-sig").splitlines()
            delimiter = ";" if text[0].count(";") > text[0].count(",") else ","
            reader = csv.DictReader(text, delimiter=delimiter)
            for row in reader:
                value = (row.get("student_number") or "").strip()
                if value.isdigit():
                    numbers.add(value.lstrip("0"))
        elif path.suffix == ".xlsx":
            sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
            rows = sheet.iter_rows(values_only=True)
            header = [str(h).strip().lower() for h in next(rows)]
            if "student_number" in header:
                index = header.index("student_number")
                numbers.update(str(r[index]).strip().lstrip("0") for r in rows if r[index] is not None)
    return numbers


def test_no_raw_student_number_in_any_table(demo):
    numbers = _landing_student_numbers(demo / "landing")
    assert len(numbers) > 10_000
    con = _con(demo)
    con.execute("CREATE TEMP TABLE raw_numbers (n VARCHAR)")
    con.executemany("INSERT INTO raw_numbers VALUES (?)", [(n,) for n in numbers])
    columns = con.execute("""SELECT table_schema, table_name, column_name FROM information_schema.columns
                             WHERE table_schema NOT IN ('temp') AND data_type IN ('VARCHAR', 'INTEGER', 'BIGINT')
                             AND table_name <> 'raw_numbers'""").fetchall()
    for schema, table, column in columns:
        hits = con.execute(f"""SELECT count(*) FROM "{schema}"."{table}" t JOIN raw_numbers r
                               ON ltrim(CAST(t."{column}" AS VARCHAR), '0') = r.n""").fetchone()[0]
        assert hits == 0, f"raw student numbers in {schema}.{table}.{column}"
    bad = con.execute("""SELECT count(*) FROM raw.participation_hours
                         WHERE NOT regexp_full_match(pseudo_id, '[0-9a-f]{64}')""").fetchone()[0]
    con.close()
    assert bad == 0


# National student monitor 2023, higher-education students (published_figures.md): (indicator, value, tolerance)
NATIONAL_2023 = [
    ("k10_high_pct", 44.0, 2.0),        # psychological complaints
    ("ee_high_pct", 59.0, 2.0),         # emotional exhaustion
    ("lonely_pct", 62.0, 2.0),          # lonely (any)
    ("lonely_severe_pct", 24.0, 2.0),   # strongly lonely
    ("life_sat_mean", 6.7, 0.2),        # life rating, mean 0-10
    ("brs_low_pct", 100 - 54.0, 2.0),   # 54 % average-to-high resilience (BRS mean >= 3)
]


def test_2023_wellbeing_in_the_national_monitor_ranges(demo):
    con = _con(demo)
    values = dict(con.execute("""SELECT indicator, value FROM marts.wellbeing_indicators
                                 WHERE survey_year = 2023 AND level = 'institution'""").fetchall())
    n = con.execute("""SELECT n_respondents FROM marts.wellbeing_indicators WHERE survey_year = 2023
                       AND level = 'institution' AND indicator = 'k10_high_pct'""").fetchone()[0]
    con.close()
    assert 1_400 <= n <= 2_000
    for indicator, national, tolerance in NATIONAL_2023:
        assert abs(values[indicator] - national) <= tolerance, (indicator, values[indicator])


def test_make_demo_summary_prints_the_sanity_table(demo):
    env = {**os.environ, "WB_DATA_DIR": str(demo)}
    out = subprocess.run([sys.executable, "-m", "orchestration.where"], env=env, capture_output=True, text=True,
                         timeout=120, check=True).stdout
    assert "marts.participation_institution" in out and "Survey year 2023" in out
    assert "k10_high_pct" in out and "make ui" in out


def test_demo_charts_are_kept_as_artefacts(demo):
    """The demo run's charts, saved beside the tests for a person to look at (tests/artifacts/demo_charts)."""
    charts = sorted((demo / "exports" / "charts").glob("*.png"))
    names = {p.stem for p in charts}
    assert {"participation_by_location", "participation_by_domain", "participation_trend"} <= names
    assert {"wellbeing_k10_high_pct", "wellbeing_life_sat_mean", "wellbeing_groups_k10_high_pct"} <= names
    target = Path(__file__).resolve().parents[1] / "artifacts" / "demo_charts"
    target.mkdir(parents=True, exist_ok=True)
    for chart in charts:
        data = chart.read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 10_000, chart.name
        (target / chart.name).write_bytes(data)


@pytest.mark.parametrize("baseline", ["handwritten", "pandas_impl"])
def test_benchmark_baselines_compute_the_pipelines_marts(demo, baseline):
    """The benchmark's hand-written DuckDB script and its pandas version (bench/) give the pipeline's participation
    marts at every level and its K10 / life-satisfaction indicators, value by value, on the same files."""
    import importlib

    from bench.compare import compare, pipeline_marts

    module = importlib.import_module(f"bench.{baseline}")
    results = module.run(demo / "landing", KEY)
    summary = compare(pipeline_marts(demo / "warehouse" / "wellbeing.duckdb"), results)
    assert summary["equal"], summary["first_mismatches"]
    assert summary["checked"]["participation_rows"] > 2_000 and summary["checked"]["wellbeing_rows"] >= 100


def test_demo_publishes_safe_and_complete_figures(demo):
    """Disclosure control on the demo build (docs/disclosure.md): its own audit passed on every mart; no location
    or domain of 100 students or more is hidden in a quarter with data; no hours of one or two students are
    published; a quarter without hours is not a quarter of 0 %."""
    con = _con(demo)
    try:
        audits = dict(con.execute("""
            SELECT asset, passed FROM ops.check_results WHERE check_name = 'disclosure_rules_hold'
            QUALIFY row_number() OVER (PARTITION BY asset ORDER BY checked_at DESC) = 1""").fetchall())
        assert audits == {f"marts/{m}": True for m in (
            "participation_institution", "participation_by_location", "participation_by_domain",
            "participation_by_programme", "wellbeing_indicators", "wellbeing_by_participation",
            "wellbeing_by_participation_and_domain")}
        for mart in ("participation_by_location", "participation_by_domain"):
            hidden = con.execute(f"""SELECT count(*) FROM marts.{mart} WHERE suppressed AND n_students >= 100
                                     AND has_hours_data AND has_pool_data""").fetchone()[0]
            assert hidden == 0, mart
        one_or_two = con.execute("""
            SELECT count(*) FROM marts.participation_by_programme AS m
            JOIN intermediate.int_participation_aggregated_to_levels AS a
              ON a.level = 'programme' AND a.quarter = m.quarter AND a.group_name = m.programme_code
             AND a.location = m.location
            WHERE a.n_hours_contributors BETWEEN 1 AND 2 AND m.hours_total IS NOT NULL""").fetchone()[0]
        assert one_or_two == 0
        before_hours = con.execute("""
            SELECT quarter, n_participated, pct_participated, suppression_reason FROM marts.participation_institution
            WHERE NOT has_hours_data ORDER BY quarter""").fetchall()
        assert before_hours and all(row[1:] == (None, None, "no_data") or row[3] == "no_count"
                                    for row in before_hours), before_hours
    finally:
        con.close()


def test_weighted_figures_follow_from_published_ones(demo):
    """docs/weighting.md: a weighted figure tells nobody more than the published tables do. Rebuilt here from the
    published rows of marts.wellbeing_indicators alone (the group's value and n, its published programme rows)
    and the student counts: every programme row published with students is a stratum, the rest of the group is
    one more, weights students / respondents capped at 5 × the group's mean."""
    con = _con(demo)
    try:
        rows = con.execute("""
            SELECT survey_year, level, group_name, location, domain, indicator, n_respondents, value,
                   value_weighted, n_effective
            FROM marts.wellbeing_indicators
            WHERE level IN ('institution', 'location', 'domain', 'programme') AND indicator <> 'response_rate_pct'
            """).fetchall()
        students = {(y, lvl, g, loc): n for y, lvl, g, loc, n in con.execute("""
            SELECT survey_year, level, group_name, location, n_students
            FROM intermediate.int_wellbeing_students_per_group""").fetchall()}
    finally:
        con.close()
    programmes = [r for r in rows if r[1] == "programme"]
    # published wherever the value is, for a group with students counted (and nowhere else)
    for year, level, group, location, _domain, indicator, n, value, weighted, _n_effective in rows:
        counted = (students.get((year, level, group, location)) or 0) > 0
        assert (weighted is not None) == (value is not None and counted), (year, level, group, indicator)
    checked = 0
    for year, level, group, location, _domain, indicator, n, value, weighted, n_effective in rows:
        if level == "programme" or weighted is None:
            continue
        scale = 1 if indicator.endswith("_mean") else 100

        def member(p):
            return p[0] == year and p[5] == indicator and (
                level == "institution" or (level == "location" and p[3] == group)
                or (level == "domain" and p[4] == group))

        strata = []
        for p in filter(member, programmes):
            n_students = students.get((year, "programme", p[2], p[3])) or 0
            if p[7] is not None and n_students > 0:
                strata.append((p[6], p[7] / scale * p[6], n_students))
        total_students = students[(year, level, group, location)]
        rest_n = n - sum(s[0] for s in strata)
        if rest_n:
            strata.append((rest_n, value / scale * n - sum(s[1] for s in strata),
                           max(total_students - sum(s[2] for s in strata), 0)))
        cap = 5 * total_students / n
        weights = [min(s[2] / s[0], cap) for s in strata]
        weight_sum = sum(w * s[0] for w, s in zip(weights, strata))
        rebuilt = scale * sum(w * s[1] for w, s in zip(weights, strata)) / weight_sum
        assert rebuilt == pytest.approx(weighted, rel=1e-6, abs=1e-6), (year, level, group, indicator)
        assert weight_sum ** 2 / sum(w * w * s[0] for w, s in zip(weights, strata)) == \
            pytest.approx(n_effective, rel=1e-6)
        checked += 1
    assert checked > 500


def test_a_year_that_did_not_ask_an_item_shows_a_gap(demo):
    """The demo's 2021 export has no loneliness (DJG) and no intention-to-quit columns, as the 2021 questionnaire
    had none (expectations/survey_questionnaires.yml): it loads, and those indicators show no data for 2021, never
    0, while 2022 has them."""
    con = _con(demo)
    try:
        rows = {(year, indicator): (n, value, reason) for year, indicator, n, value, reason in con.execute("""
            SELECT survey_year, indicator, n_respondents, value, suppression_reason FROM marts.wellbeing_indicators
            WHERE level = 'institution' AND indicator IN ('lonely_pct', 'quit_intention_pct', 'k10_mean')""").fetchall()}
        years = dict(con.execute("SELECT indicator, survey_years_answered FROM marts.dim_indicator").fetchall())
    finally:
        con.close()
    for indicator in ("lonely_pct", "quit_intention_pct"):
        assert rows[(2021, indicator)] == (0, None, "no_data")
        assert rows[(2022, indicator)][0] > 500 and rows[(2022, indicator)][1] is not None
        assert years[indicator] == "2022, 2023, 2024"
    assert rows[(2021, "k10_mean")][0] > 1000 and years["k10_mean"] == "2021, 2022, 2023, 2024"
