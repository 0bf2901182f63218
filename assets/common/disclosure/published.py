"""The audit of what is actually published: every suppressed cell's feasible interval, computed from the
published marts only, all tables of a family together (docs/disclosure.md).

The attacker's knowledge is the published marts (values, base counts, which cells are suppressed) and the public
bounds of every cell. The pipeline also knows what the rules need to say how much protection each suppressed
cell must have (which cells are sensitive, a magnitude cell's largest contribution): that comes from dbt's cells
models of the family (store.CELLS), never into the attacker's programme.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from assets.common.disclosure.audit import Interval, intervals
from assets.common.disclosure.decide import CELL_COLUMNS, build, read_rows
from assets.common.disclosure.rules import EXACT, DisclosureRules
from assets.common.disclosure.store import CELLS

#: the published marts of each family, with the SQL that turns their rows into cells × measures as totals:
#: (period, pattern, measure, level, group_name, location, published total or null, base)
PUBLISHED_CELLS = {
    "participation": """
        WITH rows AS (
            SELECT quarter, 'institution' AS level, 'all' AS group_name, CAST(NULL AS VARCHAR) AS location,
                   n_students, n_available, n_participated, hours_total FROM {participation_institution}
            UNION ALL
            SELECT quarter, 'location', location, location, n_students, n_available, n_participated, hours_total
                FROM {participation_by_location}
            UNION ALL
            SELECT quarter, 'domain', domain, NULL, n_students, n_available, n_participated, hours_total
                FROM {participation_by_domain}
            UNION ALL
            SELECT quarter, 'programme', programme_code, location, n_students, n_available, n_participated,
                   hours_total FROM {participation_by_programme})
        SELECT quarter, 'counts', 'n_available', level, group_name, location, n_available, n_students FROM rows
        UNION ALL
        SELECT quarter, 'counts', 'n_participated', level, group_name, location, n_participated, n_students FROM rows
        UNION ALL
        SELECT quarter, 'hours', 'hours_total', level, group_name, location, hours_total, n_students FROM rows""",
    "wellbeing": """
        SELECT CAST(survey_year AS VARCHAR), indicator, indicator, level, group_name, location,
               CASE WHEN indicator LIKE '%\\_mean' ESCAPE '\\' THEN value * n_respondents
                    ELSE value * n_respondents / 100 END,
               n_respondents
        FROM {wellbeing_indicators}
        WHERE indicator <> 'response_rate_pct'
        UNION ALL
        SELECT CAST(survey_year AS VARCHAR), indicator, indicator, 'comparison', 'participants', NULL,
               CASE WHEN indicator LIKE '%\\_mean' ESCAPE '\\' THEN value_participants * n_participants
                    ELSE value_participants * n_participants / 100 END,
               n_participants
        FROM {wellbeing_by_participation}
        UNION ALL
        SELECT CAST(survey_year AS VARCHAR), indicator, indicator, 'comparison', 'non_participants', NULL,
               CASE WHEN indicator LIKE '%\\_mean' ESCAPE '\\' THEN value_non_participants * n_non_participants
                    ELSE value_non_participants * n_non_participants / 100 END,
               n_non_participants
        FROM {wellbeing_by_participation}""",
}
#: the marts of each family (also the names in PUBLISHED_CELLS)
FAMILY_MARTS = {
    "participation": ("participation_institution", "participation_by_location", "participation_by_domain",
                      "participation_by_programme"),
    "wellbeing": ("wellbeing_indicators", "wellbeing_by_participation"),
}
#: measures that are sums of individuals' magnitudes (their protection requirement is not public)
MAGNITUDES = frozenset({"hours_total"})
#: the mart each level's cells are published in
MART_OF_LEVEL = {
    "participation": {"institution": "participation_institution", "location": "participation_by_location",
                      "domain": "participation_by_domain", "programme": "participation_by_programme"},
    "wellbeing": {"comparison": "wellbeing_by_participation"},
}


@dataclass
class FamilyAudit:
    """The audit of one family: every suppressed cell's interval, and what is wrong."""

    family: str
    intervals: list[tuple[str, str, str, str, Interval]] = field(default_factory=list)  # mart, period, pattern, label
    unprotected_primary: list[tuple[str, str, str, str]] = field(default_factory=list)  # mart, period, pattern, label
    numbers: dict[str, dict[str, float]] = field(default_factory=dict)  # per mart

    def failures(self, mart: str) -> list[str]:
        lines = [f"{period} {pattern} {label}: sensitive but published" for m, period, pattern, label
                 in self.unprotected_primary if m == mart]
        for m, period, pattern, label, interval in self.intervals:
            if m == mart and not interval.protected:
                # what an attacker computes, and the requirement only where it is public (a base × a scale): a
                # magnitude's requirement is a share of one student's hours
                need = ("" if interval.measure in MAGNITUDES or interval.required <= EXACT
                        else f", needs {interval.required:.3g}")
                lines.append(f"{period} {pattern} {label}: the published tables pin it to "
                             f"{interval.low:.3g} … {interval.high:.3g} (width {interval.width:.2g}{need})")
        return lines


def audit_family(con, family: str, relations: dict[str, str], rules: DisclosureRules,
                 cells_relation: str | None = None) -> FamilyAudit:
    """Audit the published marts of `family` (`relations`: mart name → schema.table) together."""
    sql = PUBLISHED_CELLS[family].format(**relations)
    published: dict[tuple, tuple[float | None, float | None]] = {}
    for period, pattern, measure, level, group_name, location, value, base in con.execute(sql).fetchall():
        published[(period, pattern, measure, level, group_name, location)] = (
            None if value is None else round(float(value), 6), base)
    private = con.execute(f"SELECT {', '.join(CELL_COLUMNS)} FROM {cells_relation or CELLS[family]} "
                          "WHERE family = ? ORDER BY period, pattern, measure, level, group_name, location NULLS FIRST",
                          [family]).fetchall()
    rows = read_rows(private)
    grouped: dict[tuple, list] = {}
    for row in rows:
        grouped.setdefault((row.period, row.pattern), []).append(row)
    result = FamilyAudit(family)
    marts_of_level = MART_OF_LEVEL[family]
    default_mart = FAMILY_MARTS[family][0]
    stats = {mart: {"cells_audited": 0, "cells_primary": 0, "cells_secondary": 0, "persons_hidden_beyond_primary": 0,
                    "narrowest_interval_ratio": math.inf} for mart in FAMILY_MARTS[family]}
    for (period, pattern), problem_rows in grouped.items():
        built = build(problem_rows, rules)
        problem = built.problem
        suppressed = np.zeros(len(problem.cells), dtype=bool)
        for measure in problem.measures:
            for i, cell in enumerate(problem.cells):
                value, _base = published.get((period, pattern, measure.name, *cell.key), (None, None))
                if value is None:
                    suppressed[i] = True  # the attacker does not see it
                    measure.value[i] = 0.0
                else:
                    measure.value[i] = value
        for i, cell in enumerate(problem.cells):
            mart = marts_of_level.get(cell.level, default_mart)
            label = f"{cell.level} {cell.group_name}" + (f" ({cell.location})" if cell.location and
                                                        cell.location != cell.group_name else "")
            stats[mart]["cells_audited"] += 1
            if built.primary[i]:
                stats[mart]["cells_primary"] += 1
                if not suppressed[i] and any(m.required[i] > 0 for m in problem.measures):
                    result.unprotected_primary.append((mart, period, pattern, label))
            elif suppressed[i] and problem.measures:
                stats[mart]["cells_secondary"] += 1
                stats[mart]["persons_hidden_beyond_primary"] += float(cell.base or 0)
        for interval in intervals(problem, suppressed):
            if interval.required <= 0:
                continue
            cell = problem.cells[interval.cell]
            mart = marts_of_level.get(cell.level, default_mart)
            label = f"{cell.level} {cell.group_name}" + (f" ({cell.location})" if cell.location and
                                                        cell.location != cell.group_name else "")
            result.intervals.append((mart, period, pattern, label, interval))
            if interval.required > EXACT and interval.measure not in MAGNITUDES:  # see failures()
                ratio = float(interval.width / interval.required)
                stats[mart]["narrowest_interval_ratio"] = min(stats[mart]["narrowest_interval_ratio"], ratio)
    for mart, numbers in stats.items():
        if math.isinf(numbers["narrowest_interval_ratio"]):
            numbers["narrowest_interval_ratio"] = None
        result.numbers[mart] = numbers
    return result
