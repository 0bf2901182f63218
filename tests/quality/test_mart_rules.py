"""The rules behind the blocking mart checks and the load warnings, on real DuckDB files with hand-made tables."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from expectations import mart_rules as rules
from expectations.checks import MART_RULES
from assets.common.disclosure.published import FAMILY_MARTS, audit_family
from assets.common.disclosure.rules import DisclosureRules

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


# --- disclosure (the audit by linear programming; its rules: tests/disclosure) ---------------------------------

HIERARCHY = [("A", "L1", "D1", 5, 1), ("B", "L1", "D2", 12, 2), ("G", "L1", "D2", 70, 7),
             ("C", "L2", "D1", 15, 3), ("F", "L2", "D1", 60, 6), ("E", "L2", "D2", 50, 5)]


def published_participation(con, suppressed: set[str]) -> None:
    """The four participation marts of the hierarchical example (tests/disclosure/test_protect.py) with the
    cells in `suppressed` withheld, and the cells table the audit takes its requirements from."""
    from assets.common.disclosure.decide import CELL_COLUMNS
    from tests.disclosure.helpers import participation_rows

    rows = participation_rows("2023-Q1", HIERARCHY)
    con.execute(f"CREATE TABLE intermediate.cells ({', '.join(f'{c} VARCHAR' for c in CELL_COLUMNS[:8])}, "
                f"{', '.join(f'{c} DOUBLE' for c in CELL_COLUMNS[8:])})")
    con.executemany(f"INSERT INTO intermediate.cells VALUES ({', '.join('?' for _ in CELL_COLUMNS)})", rows)
    by_level: dict[str, list[tuple]] = {}
    for row in rows:
        values = dict(zip(CELL_COLUMNS, row))
        hidden = values["group_name"] in suppressed
        count = None if hidden else int(values["value"])
        by_level.setdefault(values["level"], []).append(
            (values["group_name"], values["location"], values["domain"], int(values["base"]), count))
    participation(con, "participation_institution", [("2023-Q1", b, c, c, c, c is None) for _g, _l, _d, b, c
                                                     in by_level["institution"]])
    participation(con, "participation_by_location", [("2023-Q1", g, b, c, c, c, c is None) for g, _l, _d, b, c
                                                     in by_level["location"]], group="location")
    participation(con, "participation_by_domain", [("2023-Q1", g, b, c, c, c, c is None) for g, _l, _d, b, c
                                                   in by_level["domain"]], group="domain")
    con.execute("""CREATE TABLE marts.participation_by_programme AS
                   SELECT *, CAST(NULL AS VARCHAR) AS programme_code FROM marts.participation_by_location LIMIT 0""")
    for g, location, domain, b, c in by_level["programme"]:
        con.execute("INSERT INTO marts.participation_by_programme (quarter, location, n_students, n_available, "
                    "n_participated, hours_total, suppressed, programme_code) VALUES ('2023-Q1', ?, ?, ?, ?, ?, ?, ?)",
                    [location, b, c, c, c, c is None, g])


def audit(con, mart: str) -> rules.Finding:
    relations = {name: f"marts.{name}" for name in FAMILY_MARTS["participation"]}
    result = audit_family(con, "participation", relations, DisclosureRules(), "intermediate.cells")
    return rules.disclosure_audited(mart, result, DisclosureRules())


def test_the_optimal_pattern_passes_the_audit(con):
    published_participation(con, {"A", "B", "C", "E"})
    finding = audit(con, "participation_by_programme")
    assert finding.passed, finding.description
    assert finding.numbers["cells_primary"] == 1  # A
    assert finding.numbers["cells_secondary"] == 3  # B, C, E
    assert finding.numbers["persons_hidden_beyond_primary"] == 12 + 15 + 50
    assert finding.numbers["narrowest_interval_ratio"] == pytest.approx(3 / 0.5, rel=1e-3)  # A: 0 … 3, needs 0.5
    assert audit(con, "participation_by_location").passed


def test_a_pattern_with_a_complement_missing_fails_the_audit(con):
    """Without E, A–B–C no longer close a cycle: D2 minus G gives B, L1 minus G gives A."""
    published_participation(con, {"A", "B", "C"})
    finding = audit(con, "participation_by_programme")
    assert not finding.passed
    assert "2023-Q1 counts programme A (L1): the published tables pin it to 1 … 1 (width 0.0004" in finding.description
    assert "needs 0.5" in finding.description


def test_the_audit_remembers_a_pattern_only_while_its_inputs_are_unchanged(con):
    """With `remember`, a pattern audited before with the same published rows, requirements and rules takes that
    result from ops.disclosure_audits (seen here by a result planted under the same hash); any change to what is
    published audits it again."""
    from assets.common.disclosure.published import MEMO

    con.execute("CREATE SCHEMA ops")
    published_participation(con, {"A", "B", "C", "E"})
    relations = {name: f"marts.{name}" for name in FAMILY_MARTS["participation"]}

    def remembered(mart: str = "participation_by_programme") -> rules.Finding:
        result = audit_family(con, "participation", relations, DisclosureRules(), "intermediate.cells",
                              remember=True)
        return rules.disclosure_audited(mart, result, DisclosureRules())

    first = remembered()
    assert first.passed and first.numbers == audit(con, "participation_by_programme").numbers
    assert con.execute(f"SELECT family, period, pattern FROM {MEMO}").fetchall() == [
        ("participation", "2023-Q1", "counts")]
    planted = ('{"failing": [["participation_by_programme", "planted"]], "numbers": {"participation_by_programme": '
               '{"cells_audited": 1, "cells_primary": 0, "cells_secondary": 0, "persons_hidden_beyond_primary": 0, '
               '"narrowest_interval_ratio": null}}}')
    con.execute(f"UPDATE {MEMO} SET result = ?", [planted])
    assert remembered().lines == ["planted"]  # the same inputs: the remembered result
    # E published after all: another input, audited again (and now it fails for real)
    con.execute("UPDATE marts.participation_by_programme SET n_available = 5, n_participated = 5, hours_total = 5, "
                "suppressed = FALSE WHERE programme_code = 'E'")
    again = remembered()
    assert not again.passed and "planted" not in again.lines
    assert again.lines == audit(con, "participation_by_programme").lines


def test_a_sensitive_cell_published_fails_the_audit(con):
    published_participation(con, set())
    finding = audit(con, "participation_by_programme")
    assert not finding.passed
    assert finding.lines[0] == "2023-Q1 counts programme A (L1): sensitive but published"


def test_wellbeing_rates_are_guarded(con):
    con.execute("""CREATE TABLE marts.wellbeing_indicators (survey_year INTEGER, level VARCHAR, group_name VARCHAR,
                   location VARCHAR, domain VARCHAR, indicator VARCHAR, n_respondents INTEGER, value DOUBLE,
                   ci_low DOUBLE, ci_high DOUBLE, suppressed BOOLEAN)""")
    rows = [(2024, "institution", "all", None, None, "k10_high_pct", 400, 30.0, 25.0, 35.0, False),
            (2024, "institution", "all", None, None, "response_rate_pct", 400, 104.0, None, None, False),
            (2023, "institution", "all", None, None, "k10_high_pct", 300, 104.0, 99.0, 109.0, False)]
    con.executemany("INSERT INTO marts.wellbeing_indicators VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    rates = rules.rates_within_bounds(con, "marts.wellbeing_indicators", MART_RULES["wellbeing_indicators"].rates)
    assert not rates.passed
    assert rates.lines == ["value: 1 row(s) outside 0–100, e.g. 104", "ci_high: 1 row(s) outside 0–100, e.g. 109"]


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
    con.execute("UPDATE marts.participation_institution SET suppressed = TRUE, n_available = NULL, "
                "n_participated = NULL, hours_total = NULL WHERE quarter = '2023-Q1'")
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
