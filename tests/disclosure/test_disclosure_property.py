"""Properties on random tables: the pattern the optimisation chooses passes the audit, and a weaker one does not.

Each example is one quarter of a random hierarchy (2–4 locations × 2–3 domains, 3–12 programmes placed at
random, bases 0–60 so that some are sensitive, counts within their base). The audit is the independent one:
exact intervals by linear programming over the published cells only (assets/common/disclosure/audit.py).
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assets.common.disclosure.audit import intervals
from assets.common.disclosure.decide import build, decide, read_rows
from assets.common.disclosure.rules import DisclosureRules
from tests.disclosure.helpers import participation_rows

RULES = DisclosureRules()
SETTINGS = settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def hierarchies(draw):
    locations = [f"L{i}" for i in range(draw(st.integers(2, 4)))]
    domains = [f"D{i}" for i in range(draw(st.integers(2, 3)))]
    programmes = []
    for number in range(draw(st.integers(3, 12))):
        base = draw(st.one_of(st.integers(1, 9), st.integers(10, 60)))
        programmes.append((f"P{number}", draw(st.sampled_from(locations)), draw(st.sampled_from(domains)), base,
                           draw(st.integers(0, base))))
    return programmes


def audit(rows, suppressed_groups: set[str]) -> tuple[bool, bool]:
    """(every sensitive cell suppressed, every suppressed cell wide enough) for a pattern."""
    built = build(read_rows(rows), RULES)
    suppressed = np.array([c.group_name in suppressed_groups for c in built.problem.cells])
    primaries_hidden = bool(np.all(suppressed[built.primary]))
    return primaries_hidden, all(i.protected for i in intervals(built.problem, suppressed))


@SETTINGS
@given(hierarchies())
def test_the_chosen_pattern_passes_the_audit(programmes):
    rows = participation_rows("2024-Q1", programmes)
    decisions, _ = decide(rows, RULES)
    hidden = {row[4] for row in decisions if row[6]}
    assert audit(rows, hidden) == (True, True)


@SETTINGS
@given(hierarchies())
def test_primary_suppression_alone_fails_the_audit_whenever_complements_were_chosen(programmes):
    rows = participation_rows("2024-Q1", programmes)
    decisions, _ = decide(rows, RULES)
    primary = {row[4] for row in decisions if row[6] and row[7] != "complementary"}
    complements = {row[4] for row in decisions if row[6] and row[7] == "complementary"}
    hidden_ok, wide_enough = audit(rows, primary)
    assert hidden_ok
    assert wide_enough == (not complements)


@SETTINGS
@given(hierarchies(), st.data())
def test_publishing_a_sensitive_cell_fails_the_audit(programmes, data):
    rows = participation_rows("2024-Q1", programmes)
    decisions, _ = decide(rows, RULES)
    primary = sorted(row[4] for row in decisions if row[6] and row[7] == "small_base")
    if not primary:
        return
    shown = data.draw(st.sampled_from(primary))
    hidden = {row[4] for row in decisions if row[6]} - {shown}
    assert audit(rows, hidden)[0] is False
