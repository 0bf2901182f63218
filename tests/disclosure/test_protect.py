"""Complementary suppression by optimisation, on tables whose safe pattern is worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from assets.common.disclosure.audit import intervals
from assets.common.disclosure.decide import build, decide, read_rows
from assets.common.disclosure.protect import ProtectionError, protect
from assets.common.disclosure.rules import (
    COMPLEMENTARY, DOMINANCE, FEW_CONTRIBUTORS, NO_COUNT, NO_DATA, SMALL_BASE, DisclosureRules,
)
from assets.common.disclosure.tables import Cell, Measure, Problem, hierarchy_relations
from tests.disclosure.helpers import dict_row, participation_rows

RULES = DisclosureRules()

# The hierarchical example: programmes (code, location, domain, students, participated).
#   L1: A (D1, 5, 1), B (D2, 12, 2), G (D2, 70, 7)      L2: C (D1, 15, 3), F (D1, 60, 6), E (D2, 50, 5)
# A is sensitive (5 < 10). A's location L1 and domain D1 are published, so A needs another suppressed cell in
# L1 (B or G) and one in D1 (C or F), and those need a partner in D2 and L2: the cheapest cycle through A is
# A–B (L1), B–E (D2), E–C (L2), C–A (D1), hiding 12 + 50 + 15 = 77 students (A–B–E–F: 122; A–G–…: more).
# Moving A up by y moves B down, E up, C down: A ≤ 5 − 1, B ≥ 0 − 2 … so A lies anywhere in 0 … 3 given
# the published cells (3 ≥ 10 % of its 5 students), and so do the complements (never a single value).
HIERARCHY = [("A", "L1", "D1", 5, 1), ("B", "L1", "D2", 12, 2), ("G", "L1", "D2", 70, 7),
             ("C", "L2", "D1", 15, 3), ("F", "L2", "D1", 60, 6), ("E", "L2", "D2", 50, 5)]


def suppressed_of(decisions, pattern="counts") -> dict[str, str | None]:
    return {row[4]: row[7] for row in decisions if row[2] == pattern and row[6]}


def test_hierarchical_example_gets_the_cheapest_cycle():
    decisions, summary = decide(participation_rows("2023-Q1", HIERARCHY), RULES)
    assert suppressed_of(decisions) == {"A": SMALL_BASE, "B": COMPLEMENTARY, "E": COMPLEMENTARY, "C": COMPLEMENTARY}
    assert summary["participation"]["persons_hidden_beyond_primary"] == 77
    # the locations, domains and the institution stay published
    assert {row[4] for row in decisions if not row[6]} == {"G", "F", "L1", "L2", "D1", "D2", "all"}


def test_hierarchical_example_intervals_worked_out_by_hand():
    built = build(read_rows(participation_rows("2023-Q1", HIERARCHY)), RULES)
    keys = [c.group_name for c in built.problem.cells]
    suppressed = np.array([k in {"A", "B", "C", "E"} for k in keys])
    found = {keys[i.cell]: (round(i.low, 3), round(i.high, 3)) for i in intervals(built.problem, suppressed)}
    # A = 1 + y, B = 2 − y, E = 5 + y, C = 3 − y with −1 ≤ y ≤ 2 (A ≥ 0 and B ≥ 0 bind)
    assert found == {"A": (0, 3), "B": (0, 3), "E": (4, 7), "C": (1, 4)}


def test_two_way_table_textbook_rectangle():
    """A 2 × 2 table with margins (Hundepool et al. 2012, §4.2): one sensitive cell needs three complements,
    the rectangle; nothing less protects it."""
    rows = participation_rows("2023-Q1", [("r1c1", "r1", "c1", 40, 20), ("r1c2", "r1", "c2", 6, 3),
                                          ("r2c1", "r2", "c1", 30, 15), ("r2c2", "r2", "c2", 60, 30)])
    decisions, _ = decide(rows, RULES)
    assert suppressed_of(decisions) == {"r1c2": SMALL_BASE, "r1c1": COMPLEMENTARY, "r2c1": COMPLEMENTARY,
                                        "r2c2": COMPLEMENTARY}


def test_no_complement_when_the_sensitive_cell_is_protected_by_another():
    """Two sensitive programmes in one location and one domain protect each other (the margins give only their
    sum): no complement."""
    rows = participation_rows("2023-Q1", [("A", "L1", "D1", 5, 2), ("B", "L1", "D1", 6, 3), ("G", "L1", "D1", 80, 8),
                                          ("C", "L2", "D2", 90, 9)])
    decisions, _ = decide(rows, RULES)
    assert suppressed_of(decisions) == {"A": SMALL_BASE, "B": SMALL_BASE}


def test_unknown_base_is_not_small_and_drags_nothing():
    """A programme whose count is unknown is published (its percentage is not: the mart says no_count) and
    does not make its location or domain a complement."""
    rows = participation_rows("2023-Q1", [("A", "L1", "D1", 40, 2), ("X", "L1", "D1", 0, 1), ("C", "L2", "D2", 90, 9)])
    rows = [tuple(None if (r[5] == "X" and c == "base") else v for c, v in zip(
        ("family", "period", "pattern", "measure", "level", "group_name", "location", "domain", "base"), r)) + r[9:]
        for r in rows]
    decisions, _ = decide(rows, RULES)
    assert suppressed_of(decisions) == {}
    assert {row[4]: row[7] for row in decisions}["X"] == NO_COUNT


def test_empty_cell_has_nothing_to_protect():
    rows = participation_rows("2023-Q1", [("A", "L1", "D1", 0, 0), ("B", "L1", "D1", 40, 4), ("C", "L2", "D2", 90, 9)])
    decisions, _ = decide(rows, RULES)
    assert suppressed_of(decisions) == {"A": NO_DATA}


def test_protection_level_is_configurable():
    """At 10 % a sensitive count of 3 students (range 0 … 3) needs an interval of 0.3: the cycle A–B–E–C gives
    it 0 … 2 (each holds 1: A, E ≥ 0 and B, C ≥ 0 bind at one step either way). At 90 % it needs 2.7, which no
    cycle of programmes gives; the cheapest pattern that does hides A's location and domain and the institution
    (4 + 16 + 24 + 66 = 110 > 65 persons): then A is anywhere in 0 … 3, its whole range."""
    table = [("A", "L1", "D1", 3, 1), ("B", "L1", "D2", 12, 1), ("C", "L2", "D1", 20, 1), ("E", "L2", "D2", 30, 1)]
    decisions, _ = decide(participation_rows("2023-Q1", table), RULES)
    assert set(suppressed_of(decisions)) == {"A", "B", "C", "E"}
    decisions, _ = decide(participation_rows("2023-Q1", table), DisclosureRules(protection=0.9))
    assert suppressed_of(decisions) == {"A": SMALL_BASE, "L1": COMPLEMENTARY, "D1": COMPLEMENTARY,
                                        "all": COMPLEMENTARY}
    built = build(read_rows(participation_rows("2023-Q1", table)), RULES)
    keys = [c.group_name for c in built.problem.cells]
    found = intervals(built.problem, np.array([k in {"A", "L1", "D1", "all"} for k in keys]))
    assert {keys[i.cell]: (round(i.low, 3), round(i.high, 3)) for i in found}["A"] == (0, 3)


def test_a_cell_that_cannot_be_protected_is_named():
    """A sensitive cell alone in its table with a published total equal to itself has no complement."""
    cells = [Cell("programme", "A", "L", "D", 4.0), Cell("location", "L", "L", None, 4.0)]
    problem = Problem(cells, hierarchy_relations(cells), [Measure(
        "n", np.array([1.0, 1.0]), np.zeros(2), np.array([4.0, 4.0]), np.array([0.4, 1e-3]), [SMALL_BASE, None])])
    problem.candidates = np.array([True, False])  # the location may not be hidden
    with pytest.raises(ProtectionError, match="programme A"):
        protect(problem, np.array([True, False]), [SMALL_BASE, None])


def test_magnitude_rules():
    assert RULES.magnitude_primary(1, 30.0, 0.0, 30.0) == FEW_CONTRIBUTORS
    assert RULES.magnitude_primary(2, 20.0, 10.0, 30.0) == FEW_CONTRIBUTORS
    # p % rule, p = 10: the rest (100 − 95 − 3 = 2) is less than 10 % of the largest (9.5): dominated
    assert RULES.magnitude_primary(5, 95.0, 3.0, 100.0) == DOMINANCE
    # 100 − 50 − 30 = 20 ≥ 5: safe
    assert RULES.magnitude_primary(5, 50.0, 30.0, 100.0) is None
    assert RULES.magnitude_primary(0, 0.0, 0.0, 0.0) is None
    assert RULES.magnitude_required(95.0) == pytest.approx(9.5)
    assert DisclosureRules(dominance_p=20).magnitude_primary(5, 50.0, 30.0, 100.0) is None
    assert DisclosureRules(dominance_p=50).magnitude_primary(5, 50.0, 30.0, 100.0) == DOMINANCE


def test_hours_follow_the_counts_and_protect_one_students_hours():
    """Hours are decided after the counts of the same quarter: a suppressed row hides its hours too, and hours
    of fewer than 3 students are suppressed with a complement of their own (here G, whose counts stay
    published): the hours of B (one student, 8 h) are then not the location's total minus G's."""
    counts = participation_rows("2023-Q1", [("B", "L1", "D1", 40, 1), ("G", "L1", "D1", 80, 6),
                                            ("C", "L2", "D2", 90, 5), ("E", "L2", "D2", 95, 7)])
    hours = []
    contributors = {"B": (1, 8.0, 0.0, 8.0), "G": (6, 12.0, 11.0, 60.0), "C": (5, 20.0, 15.0, 70.0),
                    "E": (7, 10.0, 10.0, 65.0)}
    for row in counts:
        values = dict(zip(("family", "period", "pattern", "measure", "level", "group_name", "location", "domain",
                           "base"), row))
        level, group = values["level"], values["group_name"]
        members = ([group] if level == "programme" else ["B", "G"] if group in ("L1", "D1") else
                   ["C", "E"] if group in ("L2", "D2") else ["B", "G", "C", "E"])
        parts = [contributors[m] for m in members]
        largest = sorted([p[1] for p in parts] + [p[2] for p in parts], reverse=True)
        hours.append(dict_row(**{**values, "pattern": "hours", "measure": "hours_total",
                                 "value": sum(p[3] for p in parts), "unit_low": 0, "unit_high": None,
                                 "n_contributors": sum(p[0] for p in parts), "largest": largest[0],
                                 "second_largest": largest[1]}))
    decisions, _ = decide(counts + hours, RULES)
    assert suppressed_of(decisions, "counts") == {}
    assert suppressed_of(decisions, "hours") == {"B": FEW_CONTRIBUTORS, "G": COMPLEMENTARY}


def test_audit_catches_cells_pinned_at_zero():
    """The attack of the issue that started this: a published location minus its published programmes leaves
    the suppressed ones at exactly 0. Two suppressed programmes of 3 and 1 students, both 0 participants: the
    audit finds both intervals [0, 0]."""
    cells = [Cell("programme", "P1", "L", "D", 3.0), Cell("programme", "P2", "L", "D", 1.0),
             Cell("programme", "P3", "L", "D", 50.0), Cell("location", "L", "L", None, 54.0),
             Cell("domain", "D", None, "D", 54.0), Cell("institution", "all", None, None, 54.0)]
    value = np.array([0.0, 0.0, 5.0, 5.0, 5.0, 5.0])
    base = np.array([3.0, 1.0, 50.0, 54.0, 54.0, 54.0])
    required = np.array([0.3, 0.1, 1e-3, 1e-3, 1e-3, 1e-3])
    problem = Problem(cells, hierarchy_relations(cells),
                      [Measure("n", value, np.zeros(6), base, required, [SMALL_BASE, SMALL_BASE] + [None] * 4)])
    found = intervals(problem, np.array([True, True, False, False, False, False]))
    assert [(i.low, i.high, i.protected) for i in found] == [(0.0, pytest.approx(1e-4, abs=1e-4), False)] * 2
    # suppressing P3 as well gives them room: P1 + P2 + P3 = 5, so P1 may be 0 … 3
    pattern = protect(problem, np.array([True, True, False, False, False, False]),
                      [SMALL_BASE, SMALL_BASE] + [None] * 4)
    assert list(pattern.suppressed) == [True, True, True, False, False, False]
    assert all(i.protected for i in pattern.audit)
