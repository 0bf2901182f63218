"""The rules behind the blocking mart checks and the load warnings, on real DuckDB files with hand-made tables."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from expectations import mart_rules as rules
from expectations.checks import MART_RULES
from expectations.mart_rules import Breakdown, Disclosure

HMAC = "a" * 64


@pytest.fixture
def con(tmp_path: Path):
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    for schema in ("marts", "restricted", "staging", "intermediate", "raw"):
        connection.execute(f"CREATE SCHEMA {schema}")
    yield connection
    connection.close()


def participation(con, table: str, rows: list[tuple], group: str | None = None) -> None:
    """rows: (quarter, [group,] n_students, n_available, n_participated, hours_total, suppressed)."""
    group_col = f"{group} VARCHAR, " if group else ""
    con.execute(f"""CREATE TABLE marts.{table} (quarter VARCHAR, quarter_start DATE, {group_col} n_students INTEGER,
                    n_available INTEGER, n_participated INTEGER, hours_total DECIMAL(18,2), pct_available DOUBLE,
                    pct_participated DOUBLE, suppressed BOOLEAN)""")
    for row in rows:
        quarter, *rest = row
        g, rest = (rest[0], rest[1:]) if group else (None, rest)
        n, avail, part, hours, suppressed = rest
        pct = (lambda x: None if x is None or not n else 100 * x / n)
        values = [quarter, f"{quarter[:4]}-{3 * int(quarter[-1]) - 2:02d}-01", *([g] if group else []), n, avail, part,
                  hours, pct(avail), pct(part), suppressed]
        con.execute(f"INSERT INTO marts.{table} VALUES ({', '.join('?' for _ in values)})", values)


# --- rates -------------------------------------------------------------------------------------------------------


def test_rates_outside_0_100_fail_and_say_where(con):
    participation(con, "participation_institution", [("2023-Q1", 100, 20, 10, 30, False), ("2023-Q2", 10, 12, 3, 9, False),
                                                     ("2023-Q3", 5, None, None, None, True)])
    finding = rules.rates_within_bounds(con, "marts.participation_institution", MART_RULES["participation_institution"].rates)
    assert not finding.passed
    assert finding.description == ("marts.participation_institution: 1 rate cell(s) outside 0–100 "
                                   "(pct_available: 1 row(s) outside 0–100, e.g. 120)")
    con.execute("UPDATE marts.participation_institution SET pct_available = 'NaN'::DOUBLE WHERE quarter = '2023-Q2'")
    assert not rules.rates_within_bounds(con, "marts.participation_institution",
                                         MART_RULES["participation_institution"].rates).passed
    con.execute("UPDATE marts.participation_institution SET pct_available = 100 WHERE quarter = '2023-Q2'")
    assert rules.rates_within_bounds(con, "marts.participation_institution",
                                     MART_RULES["participation_institution"].rates).passed


def test_a_missing_contract_column_fails_the_check_rather_than_passing(con):
    con.execute("CREATE TABLE marts.wellbeing_indicators (survey_year INTEGER, value DOUBLE)")
    finding = rules.rates_within_bounds(con, "marts.wellbeing_indicators", MART_RULES["wellbeing_indicators"].rates)
    assert not finding.passed and "lacks the column(s) ci_high, ci_low" in finding.description


# --- raw identifiers ------------------------------------------------------------------------------------------


def test_raw_identifiers_are_found_and_never_shown(con):
    con.execute("CREATE TABLE restricted.student_feedback (survey_year INTEGER, response_id VARCHAR, pseudo_id VARCHAR)")
    con.execute("INSERT INTO restricted.student_feedback VALUES (2024, 'R_abc', ?), (2024, 'SWM24-00002', ?)", [HMAC, HMAC])
    assert rules.no_raw_identifiers(con, "restricted.student_feedback").passed
    con.execute("INSERT INTO restricted.student_feedback VALUES (2024, ' 0612345 ', ?), (2024, 'R_x', '612345')", [HMAC])
    finding = rules.no_raw_identifiers(con, "restricted.student_feedback")
    assert not finding.passed
    assert finding.lines == ["response_id: 1 cell(s) looks like a raw student number (6–8 digits)",
                             "pseudo_id: 1 cell(s) not a 64-hex pseudonym (HMAC-SHA256)"]
    assert "612345" not in finding.description + str(finding.metadata())


def test_programme_codes_and_quarters_are_not_student_numbers(con):
    participation(con, "participation_by_programme", [("2023-Q1", "34116", 100, 1, 1, 1, False)], group="programme_code")
    assert rules.no_raw_identifiers(con, "marts.participation_by_programme").passed


# --- disclosure --------------------------------------------------------------------------------------------------


def _disclosure(name: str) -> Disclosure:
    rule = MART_RULES[name].disclosure
    return Disclosure(rule.cells, rule.partition, tuple(
        Breakdown(b.name, b.parent, b.children, f"marts.{b.parent_relation}" if b.parent_relation else None,
                  b.parent_rows) for b in rule.breakdowns), rule.suppressed)


def test_primary_suppression_must_hold(con):
    participation(con, "participation_institution", [("2023-Q1", 8, 2, 1, 3, False)])
    finding = rules.disclosure_holds(con, "marts.participation_institution", _disclosure("participation_institution"), 10)
    assert not finding.passed
    assert finding.description.startswith("marts.participation_institution breaks the disclosure rules (WB_MIN_CELL=10): "
                                          "1 row(s) with n_students below 10 publish")
    con.execute("UPDATE marts.participation_institution SET n_available = NULL, n_participated = NULL, hours_total = NULL,"
                " pct_available = NULL, pct_participated = NULL, suppressed = TRUE")
    assert rules.disclosure_holds(con, "marts.participation_institution", _disclosure("participation_institution"), 10).passed
    # a null base count is below the threshold too
    con.execute("UPDATE marts.participation_institution SET n_students = NULL, suppressed = FALSE")
    assert not rules.disclosure_holds(con, "marts.participation_institution",
                                      _disclosure("participation_institution"), 10).passed


def test_no_published_parent_with_exactly_one_suppressed_child(con):
    participation(con, "participation_institution", [("2023-Q1", 350, 3, 2, 10, False)])
    participation(con, "participation_by_location", [("2023-Q1", "Den Haag", 200, 3, 2, 10, False),
                                                     ("2023-Q1", "Haarlem", 145, 0, 0, 0, False),
                                                     ("2023-Q1", "Groningen", 5, None, None, None, True)], group="location")
    finding = rules.disclosure_holds(con, "marts.participation_by_location", _disclosure("participation_by_location"), 10)
    assert not finding.passed
    assert "parent institution 2023-Q1 is published with exactly one suppressed child (of 3)" in finding.description
    con.execute("UPDATE marts.participation_by_location SET n_available = NULL, n_participated = NULL, hours_total = NULL,"
                " pct_available = NULL, pct_participated = NULL, suppressed = TRUE WHERE location = 'Haarlem'")
    assert rules.disclosure_holds(con, "marts.participation_by_location", _disclosure("participation_by_location"), 10).passed


def test_a_suppressed_parent_reveals_nothing(con):
    participation(con, "participation_institution", [("2023-Q1", 9, None, None, None, True)])
    participation(con, "participation_by_location", [("2023-Q1", "Delft", 4, None, None, None, True),
                                                     ("2023-Q1", "Haarlem", 5, None, None, None, True)], group="location")
    participation(con, "participation_by_domain", [("2023-Q1", "GSW", 9, None, None, None, True)], group="domain")
    assert rules.disclosure_holds(con, "marts.participation_by_location", _disclosure("participation_by_location"), 10).passed


def test_wellbeing_marts_are_guarded_when_they_exist(con):
    con.execute("""CREATE TABLE marts.wellbeing_indicators (survey_year INTEGER, level VARCHAR, group_name VARCHAR,
                   location VARCHAR, domain VARCHAR, indicator VARCHAR, n_respondents INTEGER, value DOUBLE,
                   ci_low DOUBLE, ci_high DOUBLE, suppressed BOOLEAN)""")
    rows = [(2024, "institution", "all", None, None, "k10_high_pct", 400, 30.0, 25.0, 35.0, False),
            (2024, "location", "Delft", "Delft", None, "k10_high_pct", 390, 31.0, 26.0, 36.0, False),
            (2024, "location", "Haarlem", "Haarlem", None, "k10_high_pct", 10, None, None, None, True),
            (2024, "location", "Alkmaar", "Alkmaar", None, "k10_high_pct", 0, None, None, None, True),
            (2024, "domain", "GSW", None, "GSW", "k10_high_pct", 400, 30.0, 25.0, 35.0, False),
            (2024, "programme", "34116", "Delft", "GSW", "k10_high_pct", 390, 31.0, 26.0, 36.0, False),
            (2024, "institution", "all", None, None, "response_rate_pct", 400, 104.0, None, None, False),
            (2023, "institution", "all", None, None, "k10_high_pct", 300, 104.0, 99.0, 109.0, False)]
    con.executemany("INSERT INTO marts.wellbeing_indicators VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    disclosure = rules.disclosure_holds(con, "marts.wellbeing_indicators", _disclosure("wellbeing_indicators"), 10)
    assert not disclosure.passed
    # Haarlem is the one suppressed location with respondents (Alkmaar has none: nothing to recover)
    assert disclosure.lines == ["parent institution (locations) 2024 / k10_high_pct is published with exactly one "
                                "suppressed child (of 2): that child can be recovered by subtraction"]
    rates = rules.rates_within_bounds(con, "marts.wellbeing_indicators", MART_RULES["wellbeing_indicators"].rates)
    assert not rates.passed
    assert rates.lines == ["value: 1 row(s) outside 0–100, e.g. 104", "ci_high: 1 row(s) outside 0–100, e.g. 109"]

    con.execute("""CREATE TABLE marts.wellbeing_by_participation (survey_year INTEGER, indicator VARCHAR,
                   n_participants INTEGER, value_participants DOUBLE, n_non_participants INTEGER,
                   value_non_participants DOUBLE, difference DOUBLE, ci_low DOUBLE, ci_high DOUBLE, suppressed BOOLEAN)""")
    con.execute("INSERT INTO marts.wellbeing_by_participation VALUES (2024, 'k10_high_pct', 6, 20.0, 300, 30.0, -10, -20, 0, TRUE)")
    finding = rules.disclosure_holds(con, "marts.wellbeing_by_participation", _disclosure("wellbeing_by_participation"), 10)
    assert not finding.passed
    assert finding.numbers["primary_violations_n_participants"] == 1
    assert finding.numbers["primary_violations_n_participants_n_non_participants"] == 1
    assert finding.numbers["primary_violations_n_non_participants"] == 0


# --- reconciliation -----------------------------------------------------------------------------------------------


def test_institution_reconciles_with_raw_rows(con):
    con.execute("CREATE TABLE staging.hours (pseudo_id VARCHAR, quarter VARCHAR, hours DECIMAL(8,2))")
    con.execute("""INSERT INTO staging.hours VALUES ('a', '2023-Q1', 4.5), ('a', '2023-Q1', 1), ('b', '2023-Q1', 5),
                   ('b', '2023-Q1', -5), ('c', '2023-Q2', 6)""")
    con.execute("CREATE TABLE intermediate.pool_quarters (pseudo_id VARCHAR, quarter VARCHAR)")
    con.execute("INSERT INTO intermediate.pool_quarters VALUES ('a', '2023-Q1'), ('e', '2023-Q1'), ('e', '2023-Q2')")
    participation(con, "participation_institution", [("2023-Q1", 350, 2, 1, 5.5, False), ("2023-Q2", 350, 1, 1, 6, False)])
    args = (con, "marts.participation_institution", "staging.hours", "intermediate.pool_quarters")
    assert rules.participation_reconciles(*args).passed
    con.execute("UPDATE marts.participation_institution SET n_participated = 2 WHERE quarter = '2023-Q1'")
    con.execute("INSERT INTO staging.hours VALUES ('d', '2023-Q3', 1)")
    finding = rules.participation_reconciles(*args)
    assert not finding.passed
    assert finding.lines == ["2023-Q1: n_participated 2 vs 1 students with net hours > 0 in the raw rows",
                             "2023-Q3: timesheet or pool rows exist but the quarter is missing from the mart"]
    # a suppressed quarter publishes nothing to compare
    con.execute("UPDATE marts.participation_institution SET suppressed = TRUE WHERE quarter = '2023-Q1'")
    assert [line[:7] for line in rules.participation_reconciles(*args).lines] == ["2023-Q3"]


# --- warnings -----------------------------------------------------------------------------------------------------


def test_programmes_and_locations_not_in_the_register(con):
    con.execute("CREATE TABLE staging.register AS SELECT * FROM (VALUES ('34116', 'Den Haag'), ('34145', 'Haarlem')) "
                "t(programme_code, location)")
    con.execute("""CREATE TABLE staging.hours AS SELECT * FROM (VALUES ('34116', 'Den Haag'), ('34116', 'Haarlem'),
                   ('99999', 'Den Haag'), ('34145', 'Zwolle'), ('612345', 'Delft'), ('612345', 'Delft'))
                   t(programme_code, location)""")
    finding = rules.not_in_register(con, "staging.hours", "staging.register")
    assert not finding.passed
    assert finding.lines == ["****45 × Delft: programme and location unknown (2 rows)",
                             "34116 × Haarlem: programme not offered at this location (1 row)",
                             "34145 × Zwolle: location unknown (1 row)",
                             "99999 × Den Haag: programme unknown (1 row)"]
    assert "612345" not in finding.description
    con.execute("DELETE FROM staging.hours WHERE programme_code <> '34116' OR location <> 'Den Haag'")
    assert rules.not_in_register(con, "staging.hours", "staging.register").passed


def test_participation_without_a_student_count(con):
    con.execute("CREATE TABLE staging.hours AS SELECT * FROM (VALUES ('2023-Q1', '34116', 'Den Haag'), "
                "('2023-Q1', '34116', 'Den Haag'), ('2024-Q1', '34116', 'Den Haag')) t(quarter, programme_code, location)")
    con.execute("CREATE TABLE intermediate.pool AS SELECT * FROM (VALUES ('2024-Q2', '34145', 'Haarlem')) "
                "t(quarter, programme_code, location)")
    con.execute("CREATE TABLE intermediate.counts AS SELECT * FROM (VALUES ('2023-Q1', '34116', 'Den Haag', 200)) "
                "t(quarter, programme_code, location, n_students)")
    finding = rules.activity_without_counts(con, "staging.hours", "intermediate.pool", "intermediate.counts")
    assert not finding.passed
    assert finding.lines == ["2024-Q1 34116 × Den Haag: 1 hours line(s), 0 pool registration(s)",
                             "2024-Q2 34145 × Haarlem: 0 hours line(s), 1 pool registration(s)"]
    assert "(2024-Q1 … 2024-Q2)" in finding.description


def test_survey_year_with_under_half_the_responses(con):
    con.execute("CREATE TABLE raw.survey_responses AS SELECT 2022 + (i % 3) AS survey_year FROM range(300) t(i)")
    assert rules.survey_response_drop(con, "raw.survey_responses").passed
    con.execute("DELETE FROM raw.survey_responses WHERE survey_year = 2024 AND rowid % 5 <> 0")
    finding = rules.survey_response_drop(con, "raw.survey_responses")
    assert not finding.passed
    assert finding.lines == ["2024: 20 responses, 100 in 2023 (20 %)"]


def test_shown_masks_anything_shaped_like_a_student_number():
    assert rules.shown("612345") == "****45"
    assert rules.shown("34116") == "34116"
    assert rules.shown(None) == "∅"
    assert rules.shown("student 0612345 at 2023-01-02") == "student *****45 at 2023-01-02"
