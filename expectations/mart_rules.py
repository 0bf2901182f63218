"""The rules that guard published marts, and the load warnings, as set-based SQL on the warehouse.

Each function takes a DuckDB connection and returns a `Finding`: whether the rule holds, one sentence a person
can act on, example lines and numbers for Dagster metadata. `expectations.checks` wraps them as Dagster asset
checks (blocking ones between marts and exports, non-blocking WARN ones for the load warnings); the functions
themselves know nothing of Dagster, so tests run them on real DuckDB files.

Published-table rules (warehouse contract): rates within 0–100; counts reconciling with raw rows; no raw
identifiers (every `pseudo_id` a 64-hex HMAC, no text cell of marts/restricted shaped like a student number);
disclosure control (every sensitive cell suppressed, and no suppressed cell narrowed down by the published
tables together below the protection level: an audit by linear programming, docs/disclosure.md). Warnings (landing contract, "Warnings,
not rejections"): programme or location not in the register; hours or pool registrations in a programme ×
location × quarter without a student count; a survey year with under half the previous year's responses.

No value that looks like a student number is ever shown: `shown()` masks it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import duckdb

from assets.common.disclosure.published import FamilyAudit
from assets.common.disclosure.rules import DisclosureRules
from assets.common.pseudonym import mask

#: A text cell that is a raw student number as the landing files carry them (6–8 digits).
STUDENT_NUMBER_SQL = "[0-9]{6,8}"
#: What a pseudonym is: HMAC-SHA256 as 64 lower-case hex characters (assets/common/pseudonym.py).
PSEUDONYM_SQL = "[0-9a-f]{64}"
_LOOKS_LIKE_NUMBER = re.compile(r"\d{6,}")
MAX_LINES = 20


def shown(value: object) -> str:
    """A cell as an alert or report may show it: anything shaped like a student number masked."""
    text = "∅" if value is None else str(value)
    return _LOOKS_LIKE_NUMBER.sub(lambda m: mask(m.group(0)), text)


@dataclass
class Finding:
    passed: bool
    description: str
    lines: list[str] = field(default_factory=list)
    numbers: dict[str, int | float] = field(default_factory=dict)

    def metadata(self) -> dict:
        out: dict = dict(self.numbers)
        if self.lines:
            out["findings"] = "\n".join(self.lines[:MAX_LINES]) + (
                f"\n… and {len(self.lines) - MAX_LINES} more" if len(self.lines) > MAX_LINES else "")
        return out


def columns_of(con: duckdb.DuckDBPyConnection, relation: str) -> dict[str, str]:
    """Column -> DuckDB type of `schema.table` (empty when it does not exist)."""
    schema, table = relation.split(".", 1)
    return {r[0]: r[1] for r in con.execute(
        """SELECT column_name, data_type FROM information_schema.columns
           WHERE table_schema = ? AND table_name = ? AND table_catalog = current_database()
           ORDER BY ordinal_position""", [schema, table]).fetchall()}


def _missing(con, relation: str, needed) -> Finding | None:
    present = columns_of(con, relation)
    if not present:
        return Finding(False, f"{relation} does not exist in the warehouse: the rule cannot be evaluated")
    missing = sorted(c for c in needed if c not in present)
    if missing:
        return Finding(False, f"{relation} lacks the column(s) {', '.join(missing)} that the warehouse contract "
                              "names: the rule cannot be evaluated")
    return None


# --- published tables ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rates:
    columns: tuple[str, ...]
    where: str = "TRUE"            # rows the rule applies to (e.g. percentage indicators only)
    low: float = 0
    high: float = 100


def rates_within_bounds(con: duckdb.DuckDBPyConnection, relation: str, rates: tuple[Rates, ...]) -> Finding:
    """Every rate cell within its bounds (null allowed: suppressed or no base)."""
    problem = _missing(con, relation, {c for r in rates for c in r.columns})
    if problem:
        return problem
    lines, total = [], 0
    for rate in rates:
        for column in rate.columns:
            # DuckDB orders NaN above every number, so `> high` also catches NaN
            bad = f"({rate.where}) AND {column} IS NOT NULL AND ({column} < {rate.low} OR {column} > {rate.high})"
            n = con.execute(f"SELECT count(*) FROM {relation} WHERE {bad}").fetchall()[0][0]
            if n:
                total += n
                examples = con.execute(f"SELECT {column} FROM {relation} WHERE {bad} LIMIT 3").fetchall()
                lines.append(f"{column}: {n} row(s) outside {rate.low:g}–{rate.high:g}, e.g. "
                             + ", ".join(f"{r[0]:.4g}" for r in examples))
    if total:
        return Finding(False, f"{relation}: {total} rate cell(s) outside 0–100 ({'; '.join(lines)})", lines,
                       {"cells_out_of_range": total})
    return Finding(True, f"{relation}: every rate within its bounds", numbers={"cells_out_of_range": 0})


def no_raw_identifiers(con: duckdb.DuckDBPyConnection, relation: str, text_cells: bool = True) -> Finding:
    """Every column named like a pseudonym holds 64-hex HMACs; (`text_cells`) no text cell is 6–8 digits."""
    columns = columns_of(con, relation)
    if not columns:
        return Finding(False, f"{relation} does not exist in the warehouse: the rule cannot be evaluated")
    probes = []
    for column, kind in columns.items():
        quoted = f'"{column}"'
        if "pseudo" in column.lower():
            probes.append((column, "not a 64-hex pseudonym (HMAC-SHA256)",
                           f"{quoted} IS NOT NULL AND NOT regexp_full_match(CAST({quoted} AS VARCHAR), '{PSEUDONYM_SQL}')"))
        elif text_cells and kind == "VARCHAR":
            probes.append((column, "looks like a raw student number (6–8 digits)",
                           f"regexp_full_match(trim({quoted}), '{STUDENT_NUMBER_SQL}')"))
    if not probes:
        return Finding(True, f"{relation}: no text or pseudonym columns", numbers={"columns_checked": 0})
    counts = con.execute("SELECT " + ", ".join(f"count(*) FILTER (WHERE {sql})" for _c, _r, sql in probes)
                         + f" FROM {relation}").fetchall()[0]
    lines = [f"{column}: {n} cell(s) {rule}" for (column, rule, _sql), n in zip(probes, counts) if n]
    numbers = {"columns_checked": len(probes), "cells_flagged": int(sum(counts))}
    if lines:
        return Finding(False, f"{relation} may hold raw student identifiers: {'; '.join(lines)}. Find where the "
                              "value comes from (a student number in a code or text column of a landing file?) "
                              "and correct the source; nothing is exported until then.", lines, numbers)
    return Finding(True, f"{relation}: no raw student identifiers ({len(probes)} columns checked)", numbers=numbers)


def disclosure_audited(mart: str, audit: FamilyAudit, rules: DisclosureRules) -> Finding:
    """Disclosure control holds for one published table, audited with all tables of its family together
    (assets/common/disclosure/published.py): every sensitive cell is suppressed, and every suppressed cell's
    interval, computed by linear programming from the published tables only, is wide enough."""
    lines = audit.failures(mart)
    numbers = {k: v for k, v in audit.numbers.get(mart, {}).items() if v is not None}
    numbers["cells_failing"] = len(lines)
    setting = (f"WB_MIN_CELL={rules.min_cell}, protection {rules.protection:.0%} of the range, hours: at least "
               f"{rules.min_contributors} students and the {rules.dominance_p:g} % rule")
    if lines:
        return Finding(False, f"{mart} can be narrowed down from the published tables ({setting}): {lines[0]}"
                              + (f" (+{len(lines) - 1} more)" if len(lines) > 1 else ""), lines, numbers)
    ratio = numbers.get("narrowest_interval_ratio")
    return Finding(True, f"{mart}: every suppressed cell keeps its protection interval against all published "
                         f"tables ({numbers.get('cells_primary', 0)} primary, {numbers.get('cells_secondary', 0)} "
                         f"secondary of {numbers.get('cells_audited', 0)} cells, hiding "
                         f"{numbers.get('persons_hidden_beyond_primary', 0):,.0f} persons beyond the primary cells"
                         + (f"; the narrowest {ratio:.2f}× its required width" if ratio else "") + f"; {setting})",
                   numbers=numbers)


def participation_reconciles(con: duckdb.DuckDBPyConnection, institution: str, hours: str,
                             pool_quarters: str) -> Finding:
    """The institution's participation per quarter equals what the timesheet and pool rows say.

    `hours` (pseudo_id, quarter, hours) are the timesheet lines as loaded; `pool_quarters` (pseudo_id, quarter)
    the pool registrations per quarter they overlap (how far an open registration runs is the dbt model's
    rule). Per quarter, for the numbers published (not suppressed, not outside a source's data): distinct students
    with net hours above zero = n_participated;
    net hours = hours_total; distinct students registered = n_available; and every quarter with hours appears
    in the mart. Attribution (one programme × location per student) must never gain or lose a student.
    """
    problem = _missing(con, institution, ("quarter", "n_available", "n_participated", "hours_total", "suppressed"))
    if problem:
        return problem
    sql = f"""
        WITH net AS (
            SELECT quarter, pseudo_id, sum(hours) AS net_hours FROM {hours} GROUP BY quarter, pseudo_id),
        from_hours AS (
            SELECT quarter, count(*) FILTER (WHERE net_hours > 0) AS n_participated, sum(net_hours) AS hours_total
            FROM net GROUP BY quarter),
        from_pool AS (
            SELECT quarter, count(DISTINCT pseudo_id) AS n_available FROM {pool_quarters} GROUP BY quarter)
        SELECT coalesce(m.quarter, h.quarter, a.quarter) AS quarter, m.quarter IS NULL AS missing_in_mart,
               m.n_participated, coalesce(h.n_participated, 0), m.hours_total, coalesce(h.hours_total, 0),
               m.n_available, coalesce(a.n_available, 0)
        FROM {institution} m
        FULL OUTER JOIN from_hours h ON h.quarter = m.quarter
        FULL OUTER JOIN from_pool a ON a.quarter = coalesce(m.quarter, h.quarter)
        WHERE m.quarter IS NULL
           OR (m.n_participated IS NOT NULL AND m.n_participated <> coalesce(h.n_participated, 0))
           OR (m.hours_total IS NOT NULL AND abs(m.hours_total - coalesce(h.hours_total, 0)) > 0.005)
           OR (m.n_available IS NOT NULL AND m.n_available <> coalesce(a.n_available, 0))
        ORDER BY 1"""
    rows = con.execute(sql).fetchall()
    quarters = con.execute(f"SELECT count(*) FROM {institution}").fetchall()[0][0]
    lines = []
    for quarter, missing, mp, rp, mh, rh, ma, ra in rows:
        if missing:
            lines.append(f"{quarter}: timesheet or pool rows exist but the quarter is missing from the mart")
            continue
        parts = []
        if mp is not None and mp != rp:
            parts.append(f"n_participated {mp} vs {rp} students with net hours > 0 in the raw rows")
        if mh is not None and abs(float(mh) - float(rh or 0)) > 0.005:
            parts.append(f"hours_total {mh} vs {rh} net hours in the raw rows")
        if ma is not None and ma != ra:
            parts.append(f"n_available {ma} vs {ra} students with a pool registration in the quarter")
        lines.append(f"{quarter}: " + "; ".join(parts))
    numbers = {"quarters_in_mart": int(quarters), "quarters_not_reconciling": len(rows)}
    if lines:
        return Finding(False, f"{institution} does not reconcile with the raw rows: {lines[0]}"
                              + (f" (+{len(lines) - 1} more quarters)" if len(lines) > 1 else ""), lines, numbers)
    return Finding(True, f"{institution} reconciles with the raw timesheet and pool rows in every quarter",
                   numbers=numbers)


# --- load warnings ------------------------------------------------------------------------------------------


def not_in_register(con: duckdb.DuckDBPyConnection, relation: str, register: str) -> Finding:
    """Programme × location combinations of `relation` that the register lacks (rows load; a warning)."""
    problem = _missing(con, relation, ("programme_code", "location"))
    if problem:
        return problem
    rows = con.execute(f"""
        WITH used AS (SELECT programme_code, location, count(*) AS n FROM {relation} GROUP BY ALL),
        reg AS (SELECT DISTINCT programme_code, location FROM {register})
        SELECT u.programme_code, u.location, u.n,
               u.programme_code NOT IN (SELECT programme_code FROM reg) AS unknown_programme,
               u.location NOT IN (SELECT location FROM reg) AS unknown_location
        FROM used u
        WHERE NOT EXISTS (SELECT 1 FROM reg WHERE reg.programme_code = u.programme_code
                                             AND reg.location = u.location)
        ORDER BY u.n DESC, 1, 2""").fetchall()
    lines = []
    for code, location, n, unknown_programme, unknown_location in rows:
        what = ("programme and location unknown" if unknown_programme and unknown_location else
                "programme unknown" if unknown_programme else
                "location unknown" if unknown_location else "programme not offered at this location")
        lines.append(f"{shown(code)} × {shown(location)}: {what} ({n} row{'s' if n != 1 else ''})")
    numbers = {"combinations_not_in_register": len(rows), "rows_affected": int(sum(r[2] for r in rows))}
    if lines:
        return Finding(False, f"{len(rows)} programme × location combination(s) in {relation} are not in the "
                              f"programme register: {'; '.join(lines[:5])}" + (" …" if len(lines) > 5 else ""),
                       lines, numbers)
    return Finding(True, f"every programme × location in {relation} is in the register", numbers=numbers)


def activity_without_counts(con: duckdb.DuckDBPyConnection, hours: str, pool_quarters: str, counts: str) -> Finding:
    """Programme × location × quarters with hours or pool registrations but no student count (a warning)."""
    rows = con.execute(f"""
        WITH activity AS (
            SELECT quarter, programme_code, location, count(*) AS n_hours, 0 AS n_pool FROM {hours} GROUP BY ALL
            UNION ALL
            SELECT quarter, programme_code, location, 0, count(*) FROM {pool_quarters} GROUP BY ALL)
        SELECT quarter, programme_code, location, sum(n_hours) AS n_hours, sum(n_pool) AS n_pool
        FROM activity a
        WHERE NOT EXISTS (SELECT 1 FROM {counts} c WHERE c.quarter = a.quarter
                          AND c.programme_code = a.programme_code AND c.location = a.location)
        GROUP BY ALL ORDER BY 1, 2, 3""").fetchall()
    lines = [f"{q} {shown(code)} × {shown(loc)}: {nh} hours line(s), {npool} pool registration(s)"
             for q, code, loc, nh, npool in rows]
    quarters = sorted({r[0] for r in rows})
    numbers = {"cells_without_count": len(rows), "quarters_affected": len(quarters)}
    if lines:
        span = quarters[0] if len(quarters) == 1 else f"{quarters[0]} … {quarters[-1]}"
        return Finding(False, f"{len(rows)} programme × location × quarter(s) ({span}) have hours or pool "
                              "registrations but no student count, so their percentages are unknown: "
                              + "; ".join(lines[:3]) + (" …" if len(lines) > 3 else ""), lines, numbers)
    return Finding(True, "every programme × location × quarter with participation has a student count",
                   numbers=numbers)


def survey_response_drop(con: duckdb.DuckDBPyConnection, responses: str, ratio: float = 0.5) -> Finding:
    """Survey years with fewer than `ratio` × the previous year's responses (a warning)."""
    rows = con.execute(f"""
        WITH per_year AS (SELECT survey_year, count(*) AS n FROM {responses} GROUP BY survey_year)
        SELECT y.survey_year, y.n, p.n FROM per_year y JOIN per_year p ON p.survey_year = y.survey_year - 1
        ORDER BY 1""").fetchall()
    drops = [(year, n, prev) for year, n, prev in rows if n < ratio * prev]
    lines = [f"{year}: {n} responses, {prev} in {year - 1} ({100 * n / prev:.0f} %)" for year, n, prev in drops]
    numbers = {"years_compared": len(rows), "years_below_half": len(drops)}
    if lines:
        return Finding(False, f"survey year(s) with under half the previous year's responses: {'; '.join(lines)}. "
                              "Check whether the export is complete (all response files delivered?).", lines, numbers)
    return Finding(True, "no survey year has under half the previous year's responses", numbers=numbers)
