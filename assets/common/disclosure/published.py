"""The audit of what is actually published: every suppressed cell's feasible interval, computed from the
published marts only, all tables of a family together (docs/disclosure.md).

The attacker's knowledge is the published marts (values, base counts, which cells are suppressed) and the public
bounds of every cell. The pipeline also knows what the rules need to say how much protection each suppressed
cell must have (which cells are sensitive, a magnitude cell's largest contribution): that comes from dbt's cells
models of the family (store.CELLS), never into the attacker's programme.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

import numpy as np

from assets.common.disclosure.audit import intervals
from assets.common.disclosure.decide import CELL_COLUMNS, METHOD_VERSION, build, read_rows
from assets.common.disclosure.rules import EXACT, DisclosureRules
from assets.common.disclosure.store import CELLS

def _total(value: str, base: str) -> str:
    """SQL: a wellbeing value as a total (mean × n, or share × n / 100)."""
    return (f"CASE WHEN indicator LIKE '%\\_mean' ESCAPE '\\' THEN {value} * {base} "
            f"ELSE {value} * {base} / 100 END")


def _comparison_cells(mart: str, level: str, side: str, per_domain: bool) -> str:
    """SQL: one group (`participants` / `non_participants`) of a comparison mart as cells."""
    group = f"'{side}:' || domain" if per_domain else f"'{side}'"
    return (f"SELECT CAST(survey_year AS VARCHAR), indicator, indicator, '{level}', {group}, NULL, "
            f"{_total('value_' + side, 'n_' + side)}, n_{side} FROM {{{mart}}}")


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
    "wellbeing": "\nUNION ALL\n".join([
        # a target group per domain is the cell `<group>|<domain>` (dbt macro wellbeing_cell_group_name)
        "SELECT CAST(survey_year AS VARCHAR), indicator, indicator, level, "
        "CASE WHEN level = 'group_domain' THEN group_name || '|' || domain ELSE group_name END, location, "
        f"{_total('value', 'n_respondents')}, n_respondents FROM {{wellbeing_indicators}} "
        "WHERE indicator <> 'response_rate_pct'",
        *(_comparison_cells(mart, level, side, per_domain)
          for mart, level, per_domain in (("wellbeing_by_participation", "comparison", False),
                                          ("wellbeing_by_participation_and_domain", "comparison_domain", True))
          for side in ("participants", "non_participants")),
    ]),
}
#: the marts of each family (also the names in PUBLISHED_CELLS)
FAMILY_MARTS = {
    "participation": ("participation_institution", "participation_by_location", "participation_by_domain",
                      "participation_by_programme"),
    "wellbeing": ("wellbeing_indicators", "wellbeing_by_participation", "wellbeing_by_participation_and_domain"),
}
#: measures that are sums of individuals' magnitudes (their protection requirement is not public)
MAGNITUDES = frozenset({"hours_total"})
#: the mart each level's cells are published in
MART_OF_LEVEL = {
    "participation": {"institution": "participation_institution", "location": "participation_by_location",
                      "domain": "participation_by_domain", "programme": "participation_by_programme"},
    "wellbeing": {"comparison": "wellbeing_by_participation",
                  "comparison_domain": "wellbeing_by_participation_and_domain"},
}


#: the memo of audits (see audit_family): one row per family, period and pattern
MEMO = "ops.disclosure_audits"
MEMO_DDL = f"""CREATE TABLE IF NOT EXISTS {MEMO} (
    family VARCHAR NOT NULL, period VARCHAR NOT NULL, pattern VARCHAR NOT NULL, input_hash VARCHAR NOT NULL,
    result VARCHAR NOT NULL, audited_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (family, period, pattern))"""
#: the numbers of the audit per mart, summed over the patterns (the narrowest ratio: the minimum)
STATS = ("cells_audited", "cells_primary", "cells_secondary", "persons_hidden_beyond_primary")


@dataclass
class FamilyAudit:
    """The audit of one family: what is wrong per mart, and the numbers per mart."""

    family: str
    failing: list[tuple[str, str]] = field(default_factory=list)  # (mart, what is wrong)
    numbers: dict[str, dict[str, float | None]] = field(default_factory=dict)  # per mart

    def failures(self, mart: str) -> list[str]:
        return [line for m, line in self.failing if m == mart]

    def add(self, part: dict) -> None:
        """Add one pattern's audit (`_audit_pattern`)."""
        self.failing += [tuple(item) for item in part["failing"]]
        for mart, numbers in part["numbers"].items():
            total = self.numbers.setdefault(mart, {**dict.fromkeys(STATS, 0), "narrowest_interval_ratio": None})
            for name in STATS:
                total[name] += numbers[name]
            ratio = numbers["narrowest_interval_ratio"]
            if ratio is not None and (total["narrowest_interval_ratio"] is None
                                      or ratio < total["narrowest_interval_ratio"]):
                total["narrowest_interval_ratio"] = ratio


def audit_family(con, family: str, relations: dict[str, str], rules: DisclosureRules,
                 cells_relation: str | None = None, remember: bool = False) -> FamilyAudit:
    """Audit the published marts of `family` (`relations`: mart name → schema.table) together.

    With `remember`, a pattern whose published rows, protection requirements, rules and method are exactly those
    of an audit before (the same SHA-256) takes that audit's result from `ops.disclosure_audits` instead of
    solving its linear programmes again: the audit is a function of those inputs alone, so this changes no
    outcome (an increment changes a quarter or two of a family's two dozen). Deleting the table only costs time."""
    sql = PUBLISHED_CELLS[family].format(**relations)
    published: dict[tuple, dict[tuple, tuple[float | None, float | None]]] = {}
    for period, pattern, measure, level, group_name, location, value, base in con.execute(sql).fetchall():
        published.setdefault((period, pattern), {})[(measure, level, group_name, location)] = (
            None if value is None else round(float(value), 6), None if base is None else float(base))
    private = con.execute(f"SELECT {', '.join(CELL_COLUMNS)} FROM {cells_relation or CELLS[family]} "
                          "WHERE family = ? ORDER BY period, pattern, measure, level, group_name, location NULLS FIRST",
                          [family]).fetchall()
    grouped: dict[tuple, list] = {}
    for row in read_rows(private):
        grouped.setdefault((row.period, row.pattern), []).append(row)
    memo = _remembered(con, family) if remember else {}
    result = FamilyAudit(family)
    for mart in FAMILY_MARTS[family]:
        result.add({"failing": [], "numbers": {mart: {**dict.fromkeys(STATS, 0), "narrowest_interval_ratio": None}}})
    audited = []
    for (period, pattern), rows in grouped.items():
        seen = published.get((period, pattern), {})
        inputs = (METHOD_VERSION, rules, rows, sorted(seen.items(), key=repr))
        digest = hashlib.sha256(repr(inputs).encode("utf-8")).hexdigest()
        known = memo.get((period, pattern))
        if known is not None and known[0] == digest:
            part = json.loads(known[1])
        else:
            part = _audit_pattern(family, period, pattern, rows, seen, rules)
            audited.append((family, period, pattern, digest, json.dumps(part)))
        result.add(part)
    if remember and audited:
        con.execute(MEMO_DDL)
        con.executemany(f"INSERT OR REPLACE INTO {MEMO} (family, period, pattern, input_hash, result) "
                        "VALUES (?, ?, ?, ?, ?)", audited)
    return result


def _remembered(con, family: str) -> dict[tuple[str, str], tuple[str, str]]:
    con.execute(MEMO_DDL)
    return {(period, pattern): (digest, part) for period, pattern, digest, part in con.execute(
        f"SELECT period, pattern, input_hash, result FROM {MEMO} WHERE family = ?", [family]).fetchall()}


def _audit_pattern(family: str, period: str, pattern: str, rows: list, published: dict[tuple, tuple],
                   rules: DisclosureRules) -> dict:
    """The audit of one period and pattern, as JSON-ready data: {"failing": [(mart, line)], "numbers": {mart:
    {...}}}. `published`: (measure, level, group_name, location) → (published total or None, base)."""
    built = build(rows, rules)
    problem = built.problem
    suppressed = np.zeros(len(problem.cells), dtype=bool)
    for measure in problem.measures:
        for i, cell in enumerate(problem.cells):
            value, _base = published.get((measure.name, *cell.key), (None, None))
            if value is None:
                suppressed[i] = True  # the attacker does not see it
                measure.value[i] = 0.0
            else:
                measure.value[i] = value
    marts_of_level = MART_OF_LEVEL[family]
    default_mart = FAMILY_MARTS[family][0]
    failing: list[tuple[str, str]] = []
    numbers: dict[str, dict] = {}

    def where(i: int) -> tuple[str, str, dict]:
        cell = problem.cells[i]
        mart = marts_of_level.get(cell.level, default_mart)
        label = f"{cell.level} {cell.group_name}" + (f" ({cell.location})" if cell.location and
                                                    cell.location != cell.group_name else "")
        stats = numbers.setdefault(mart, {**dict.fromkeys(STATS, 0), "narrowest_interval_ratio": None})
        return mart, f"{period} {pattern} {label}", stats

    for i, cell in enumerate(problem.cells):
        mart, label, stats = where(i)
        stats["cells_audited"] += 1
        if built.primary[i]:
            stats["cells_primary"] += 1
            if not suppressed[i] and any(m.required[i] > 0 for m in problem.measures):
                failing.append((mart, f"{label}: sensitive but published"))
        elif suppressed[i] and problem.measures:
            stats["cells_secondary"] += 1
            stats["persons_hidden_beyond_primary"] += float(cell.base or 0)
    for interval in intervals(problem, suppressed):
        if interval.required <= 0:
            continue
        mart, label, stats = where(interval.cell)
        # a magnitude's requirement is a share of one student's hours: never printed (nor its ratio)
        public = interval.required > EXACT and interval.measure not in MAGNITUDES
        if not interval.protected:
            need = f", needs {interval.required:.3g}" if public else ""
            failing.append((mart, f"{label}: the published tables pin it to {interval.low:.3g} … "
                                  f"{interval.high:.3g} (width {interval.width:.2g}{need})"))
        if public:
            ratio = float(interval.width / interval.required)
            if stats["narrowest_interval_ratio"] is None or ratio < stats["narrowest_interval_ratio"]:
                stats["narrowest_interval_ratio"] = ratio
    return {"failing": failing, "numbers": numbers}
