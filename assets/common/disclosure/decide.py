"""From the cells of the published tables (dbt's models tagged `disclosure_cells`) to one decision per cell and
pattern: suppressed or not, and why.

Problems are built per family, period and pattern (all levels of one period together). Participation's `hours`
pattern starts from its `counts` pattern (a suppressed row hides its hours too) and adds what the magnitude rule
needs. Rows must come in a stable order (the caller sorts), so that DuckDB and PostgreSQL give the same input and
HiGHS the same answer; values are rounded to 1e-6 for the same reason.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from assets.common.disclosure.protect import protect
from assets.common.disclosure.rules import COMPLEMENTARY, EXACT, NO_COUNT, DisclosureRules
from assets.common.disclosure.tables import Cell, Measure, Problem, hierarchy_relations

#: the columns of dbt's cells models (int_participation_cells_unpivoted, int_wellbeing_cells_unioned), in order
CELL_COLUMNS = ("family", "period", "pattern", "measure", "level", "group_name", "location", "domain", "base",
                "value", "unit_low", "unit_high", "n_contributors", "largest", "second_largest")
#: the columns of the decisions (dbt's int_<family>_cells_protected), in this order
DECISION_COLUMNS = ("family", "period", "pattern", "level", "group_name", "location", "suppressed", "reason",
                    "input_hash")
#: patterns decided after another of the same period, starting from its suppression
FOLLOWS = {"hours": "counts"}
#: levels whose cells are breakdowns read after the main rows: hiding one costs this share of the persons in it,
#: so complements are taken there before an institution, location, domain or programme row is hidden for it (the
#: per-domain comparison serves a derived figure only; target groups per location and domain are read after)
SECONDARY_LEVELS = {"comparison_domain": 0.1, "group_location": 0.5, "group_domain": 0.5}


@dataclass(frozen=True)
class CellRow:
    family: str
    period: str
    pattern: str
    measure: str
    level: str
    group_name: str
    location: str | None
    domain: str | None
    base: float | None
    value: float | None
    unit_low: float | None
    unit_high: float | None
    n_contributors: int | None
    largest: float | None
    second_largest: float | None

    @property
    def is_magnitude(self) -> bool:
        return self.n_contributors is not None


@dataclass
class Built:
    """A problem with its primary cells."""

    problem: Problem
    primary: np.ndarray
    reasons: list[str | None]


def read_rows(rows: Iterable[tuple]) -> list[CellRow]:
    out = []
    for row in rows:
        values = dict(zip(CELL_COLUMNS, row))
        for name in ("base", "value", "unit_low", "unit_high", "largest", "second_largest"):
            if values[name] is not None:
                values[name] = round(float(values[name]), 6)
        if values["n_contributors"] is not None:
            values["n_contributors"] = int(values["n_contributors"])
        out.append(CellRow(**values))
    return out


def build(rows: list[CellRow], rules: DisclosureRules) -> Built:
    """The problem of one family, period and pattern (rows: one per cell × measure)."""
    keys: dict[tuple, int] = {}
    first: list[CellRow] = []
    for row in rows:
        key = (row.level, row.group_name, row.location)
        if key not in keys:
            keys[key] = len(first)
            first.append(row)
    n = len(first)
    by_measure: dict[str, list[CellRow | None]] = {}
    for row in rows:
        by_measure.setdefault(row.measure, [None] * n)[keys[(row.level, row.group_name, row.location)]] = row
    active = np.zeros(n, dtype=bool)  # anyone in the cell (a base of 0 without anyone has no data)
    for measure_rows in by_measure.values():
        active |= np.array([bool(r is not None and r.value) for r in measure_rows])
    bases = [r.base for r in first]
    largest_count = np.zeros(n)
    cells = []
    for i, row in enumerate(first):
        share = SECONDARY_LEVELS.get(row.level)
        weight = None if share is None or bases[i] is None else share * (1.0 + bases[i])
        cells.append(Cell(row.level, row.group_name, row.location, row.domain, bases[i], weight))
    primary = np.zeros(n, dtype=bool)
    reasons: list[str | None] = [None] * n
    measures = []
    for name, measure_rows in by_measure.items():
        value = np.array([np.nan if r is None or r.value is None else r.value for r in measure_rows])
        if np.isnan(value).all():
            continue  # no data for this measure in this period
        value = np.nan_to_num(value)
        low, high, required = np.zeros(n), np.zeros(n), np.zeros(n)
        measure_primary: list[str | None] = [None] * n
        magnitude = any(r is not None and r.is_magnitude for r in measure_rows)
        template = next(r for r in measure_rows if r is not None)
        for i, r in enumerate(measure_rows):
            v = value[i]
            if magnitude:
                low[i], high[i] = min(0.0, v), (max(0.0, v) if bases[i] == 0 and not active[i] else math.inf)
                if r is not None and r.n_contributors:
                    measure_primary[i] = rules.magnitude_primary(r.n_contributors, r.largest or 0.0,
                                                                 r.second_largest or 0.0, v)
                    if measure_primary[i]:
                        required[i] = rules.magnitude_required(r.largest or 0.0)
            else:
                unit_low = template.unit_low or 0.0
                unit_high = math.inf if template.unit_high is None else template.unit_high
                if bases[i] is None:
                    low[i], high[i] = min(0.0, v), math.inf
                    largest_count[i] = max(largest_count[i], v)
                else:
                    low[i], high[i] = min(bases[i] * unit_low, v), max(bases[i] * unit_high, v)
                measure_primary[i] = rules.frequency_primary(bases[i], bool(active[i]))
                if measure_primary[i]:
                    required[i] = rules.frequency_required(low[i], high[i])
            if not required[i] and high[i] > low[i]:
                required[i] = EXACT  # a complement: never a single value
        measures.append(Measure(name, value, low, high, required, measure_primary,
                                unit_low=0.0 if magnitude else (template.unit_low or 0.0),
                                unit_high=math.inf if magnitude or template.unit_high is None else template.unit_high))
        for i, reason in enumerate(measure_primary):
            if reason and not primary[i]:
                primary[i], reasons[i] = True, reason
    if not any(r.is_magnitude for r in rows):
        for i in range(n):  # a small base is sensitive whatever it measures (also with no data this period)
            reason = rules.frequency_primary(bases[i], bool(active[i]))
            if reason and not primary[i]:
                primary[i], reasons[i] = True, reason
    for i, cell in enumerate(cells):
        if cell.base is None:  # unknown base: the persons known to be there
            cells[i] = Cell(cell.level, cell.group_name, cell.location, cell.domain, None, 1.0 + largest_count[i])
    problem = Problem(cells, hierarchy_relations(cells), measures)
    return Built(problem, primary, reasons)


#: the version of the method (solver and audit): another version decides every pattern again
METHOD_VERSION = "2"


def input_hash(rows: list[CellRow], rules: DisclosureRules) -> str:
    """What a pattern's decisions are a function of: its cells, the rules and the method (and, for a pattern that
    follows another, that one's input: see decide)."""
    return hashlib.sha256(repr((METHOD_VERSION, rules, rows)).encode("utf-8")).hexdigest()


def decide(rows: Iterable[tuple], rules: DisclosureRules, previous: dict[tuple, tuple[str, list[tuple]]] | None = None,
           progress: Callable[[str], None] | None = None) -> tuple[list[tuple], dict[str, dict]]:
    """The decision rows (DECISION_COLUMNS) for every cell of every pattern, and a summary per family.

    `previous`: the decisions made before, per (family, period, pattern): (input hash, rows). A pattern whose
    input hash is unchanged keeps its rows instead of being solved again (the decisions are a function of the
    input, so this changes no outcome). `progress` hears about every tenth of the periods. (Periods are
    independent, but worker processes do not pay here: inside dbt each would import dbt again.)"""
    previous = previous or {}
    grouped: dict[tuple[str, str, str], list[CellRow]] = {}
    # one order on every database (PostgreSQL may sort text by a locale's collation): the order of the cells is
    # the order of the solver's variables, which breaks its ties
    for row in sorted(read_rows(rows), key=lambda r: (r.family, r.period, r.pattern, r.measure, r.level,
                                                      r.group_name, r.location is not None, r.location or "")):
        grouped.setdefault((row.family, row.period, row.pattern), []).append(row)
    periods: dict[tuple[str, str], list[tuple[tuple, list[CellRow]]]] = {}
    for key in sorted(grouped, key=lambda k: (k[0], k[1], k[2] in FOLLOWS, k[2])):
        periods.setdefault(key[:2], []).append((key, grouped[key]))
    tasks = [(patterns, rules, {key: previous[key] for key, _ in patterns if key in previous})
             for patterns in periods.values()]
    results: list[list[tuple]] = []
    for number, task in enumerate(tasks, start=1):
        results.append(_decide_period(task))
        if progress and (number == 1 or number * 10 // len(tasks) != (number - 1) * 10 // len(tasks)):
            family, period = task[0][0][0][:2]
            progress(f"disclosure control: period {number} of {len(tasks)} ({family} {period})")
    out: list[tuple] = []
    summary: dict[str, dict] = {}
    for result in results:
        for key, rows_out, stats in result:
            out += rows_out
            total = summary.setdefault(key[0], {"cells": 0, "primary": 0, "complementary": 0,
                                                "persons_hidden_beyond_primary": 0.0, "patterns_solved": 0})
            for name, value in stats.items():
                total[name] += value
    return out, summary


def _decide_period(task) -> list[tuple[tuple, list[tuple], dict]]:
    """The patterns of one family and period, in order (a pattern that follows another starts from its
    suppression): per pattern its key, its decision rows and its statistics."""
    patterns, rules, previous = task
    decided: dict[str, tuple[str, dict[tuple, tuple[bool, str | None]]]] = {}
    out = []
    for key, cell_rows in patterns:
        family, period, pattern = key
        built = build(cell_rows, rules)
        before = FOLLOWS.get(pattern)
        earlier_hash, earlier = decided.get(before, ("", {})) if before else ("", {})
        digest = input_hash(cell_rows, rules) + earlier_hash[:16]
        solved = not (key in previous and previous[key][0] == digest)
        if not solved:
            rows_out = [tuple(r) for r in previous[key][1]]
        else:
            primary, reasons = built.primary.copy(), list(built.reasons)
            for i, cell in enumerate(built.problem.cells):
                suppressed_before, reason_before = earlier.get(cell.key, (False, None))
                if suppressed_before and not primary[i]:
                    primary[i], reasons[i] = True, reason_before
            result = protect(built.problem, primary, reasons)
            rows_out = [(family, period, pattern, cell.level, cell.group_name, cell.location,
                         bool(result.suppressed[i]), result.reasons[i] if result.suppressed[i] else
                         (NO_COUNT if cell.base is None and family == "participation" else None), digest)
                        for i, cell in enumerate(built.problem.cells)]
        decided[pattern] = (digest, {(r[3], r[4], r[5]): (r[6], r[7]) for r in rows_out})
        stats = {"cells": len(rows_out), "primary": int(built.primary.sum()), "complementary": 0,
                 "persons_hidden_beyond_primary": 0.0, "patterns_solved": int(solved)}
        index = {cell.key: i for i, cell in enumerate(built.problem.cells)}
        for row in rows_out:
            i = index[(row[3], row[4], row[5])]
            if row[6] and not built.primary[i]:
                stats["complementary"] += int(row[7] == COMPLEMENTARY)
                stats["persons_hidden_beyond_primary"] += float(built.problem.cells[i].base or 0)
        out.append((key, rows_out, stats))
    return out
