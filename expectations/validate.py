"""Bulk validation of a landing file against its `SourceSpec`, in SQL on the file's private DuckDB table.

Each rule of the spec becomes one set-based query (no Python loop over rows), so a file of millions of rows
validates in seconds. The result is the typed table (for loading) and every violation with its spreadsheet
row number, column, rule and offending value (student numbers masked).

The source's great-expectations suite (`expectations.suites`, built from the same spec) can validate the same
typed table; what it finds beyond the SQL checks is merged into the violations, and its summary goes into the
quarantine report. The ingestion runs it only for files the SQL checks reject (each row of an accepted file is
checked once); tests/quality/test_suites.py shows that the SQL checks pass exactly the files the suite passes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from assets.common.landing_files import LandingTable
from assets.common.masking import count_text
from assets.common.pseudonym import mask_sql
from expectations.rule_text import (
    RULE_LABELS, STUDENT_NUMBER_REGEX, date_range_label, kind_label, range_label, row_rule_holds_sql,
)
from expectations.specs import (
    ANSWER, BOOLEAN, DATE, DECIMAL, EARLIEST_DATE, INTEGER, QUARTER, STUDENT_NUMBER, TEXT, TIMESTAMP,
    Column, SourceSpec,
)
from expectations.suites import SuiteOutcome, run_suite, text_column

TRUE_WORDS = ("1", "true", "ja", "waar", "yes", "y", "j")
FALSE_WORDS = ("0", "false", "nee", "onwaar", "no", "n")

_SQL_TYPE = {TEXT: "VARCHAR", STUDENT_NUMBER: "VARCHAR", INTEGER: "BIGINT", DECIMAL: "DECIMAL(18,4)",
             DATE: "DATE", TIMESTAMP: "TIMESTAMP", BOOLEAN: "BOOLEAN", QUARTER: "VARCHAR", ANSWER: "SMALLINT"}


@dataclass
class Violation:
    row: int | None
    column: str
    rule: str
    value: str | None

    def as_text(self) -> str:
        where = f"row {count_text(self.row)}" if self.row is not None else "file"
        shown = "" if self.value is None else f": {self.value!r}"
        return f"{where}, column {self.column}: {self.rule}{shown}"


@dataclass
class PendingSuite:
    """What the source's GX suite needs to validate a file after its bulk SQL checks (`defer_suite`)."""

    con: object                            # the file's DuckDB connection (its tables stay there)
    spec: SourceSpec
    text_relation: str
    cells_relation: str | None
    present: list[str]
    today: dt.date
    derived: tuple[str, ...]
    max_examples: int


@dataclass
class ValidationResult:
    typed: str | None                      # relation with typed columns, `_row`, when the file is valid
    rows: int = 0
    violations: list[Violation] = field(default_factory=list)
    counts: dict[tuple[str, str], int] = field(default_factory=dict)   # (column, rule) -> rows affected
    typed_relation: str | None = None      # the typed table, also when the file is invalid
    cells_relation: str | None = None      # typed columns beside the text they came from (for the GX suite)
    suite: SuiteOutcome | None = None      # what the source's GX suite found
    pending_suite: PendingSuite | None = None  # validate(defer_suite=True): the suite is still to run

    @property
    def suite_lines(self) -> list[str]:
        return self.suite.report_lines() if self.suite else []

    @property
    def ok(self) -> bool:
        return not self.violations

    def summary(self, limit: int = 3) -> str:
        """One line per rule broken: what a user reads in an error message."""
        parts = []
        for (column, rule), n in sorted(self.counts.items(), key=lambda kv: -kv[1]):
            examples = [v for v in self.violations if v.column == column and v.rule.startswith(rule)][:limit]
            rows = ", ".join(count_text(v.row) for v in examples if v.row is not None)
            if examples and not rows:  # a finding about the file, not its rows (a missing column): say it whole
                parts.append(f"{column}: {examples[0].rule}")
                continue
            parts.append(f"{column}: {rule} ({count_text(n)} row{'s' if n != 1 else ''}{'; rows ' + rows if rows else ''})")
        return "; ".join(parts)


def _typed_expr(col: Column) -> str:
    v = f'"{col.name}"'
    if col.kind in (TEXT, STUDENT_NUMBER):
        return v
    if col.kind == INTEGER:
        return f"TRY_CAST({v} AS BIGINT)"
    if col.kind == DECIMAL:
        return f"TRY_CAST(REPLACE({v}, ',', '.') AS DECIMAL(18,4))"
    if col.kind == DATE:
        return f"CAST(COALESCE(TRY_STRPTIME({v}, '%Y-%m-%d'), TRY_STRPTIME({v}, '%d-%m-%Y')) AS DATE)"
    if col.kind == TIMESTAMP:
        return (f"COALESCE(TRY_CAST({v} AS TIMESTAMP), TRY_STRPTIME({v}, '%d-%m-%Y %H:%M:%S'), "
                f"TRY_STRPTIME({v}, '%d-%m-%Y %H:%M'), CAST(TRY_CAST({v} AS TIMESTAMPTZ) AS TIMESTAMP))")
    if col.kind == BOOLEAN:
        t = ", ".join(f"'{w}'" for w in TRUE_WORDS)
        f = ", ".join(f"'{w}'" for w in FALSE_WORDS)
        return f"CASE WHEN lower({v}) IN ({t}) THEN TRUE WHEN lower({v}) IN ({f}) THEN FALSE END"
    if col.kind == QUARTER:
        return f"CASE WHEN regexp_full_match(upper({v}), '\\d{{4}}-Q[1-4]') THEN upper({v}) END"
    if col.kind == ANSWER:
        assert col.answers, col.name
        whens = " ".join(f"WHEN '{label}' THEN {code}" for label, code in col.answers.items())
        return f"CAST(CASE lower({v}) {whens} END AS SMALLINT)"
    raise ValueError(f"unknown column kind {col.kind}")


def validate(table: LandingTable, spec: SourceSpec, today: dt.date | None = None,
             derived: dict[str, str] | None = None, max_examples: int = 50, suite: bool = True,
             defer_suite: bool = False) -> ValidationResult:
    """Check `table` against `spec`; on success `result.typed` names the typed relation.

    `derived` maps a spec column to a SQL expression over typed columns that fills it when empty (e.g. the
    quarter from a reference date). With `suite` (the default) the source's GX suite validates the file too;
    with `defer_suite` only the bulk SQL checks run now and `result.pending_suite` keeps what the suite needs
    for `complete_suite` (the ingestion calls it for a rejected file's report).
    """
    today = today or dt.date.today()
    spec = spec.for_file(table.columns)
    result = _validate_sql(table, spec, today, derived, max_examples)
    if suite:
        result.pending_suite = PendingSuite(table.con, spec, table.name, result.cells_relation, list(table.columns),
                                            today, tuple(derived or ()), max_examples)
        if not defer_suite:
            complete_suite(result)
    result.typed = result.typed_relation if result.ok else None
    return result


def complete_suite(result: ValidationResult) -> None:
    """Run the deferred suite of one file and merge what it found."""
    pending = result.pending_suite
    if pending is None:
        return
    outcome = run_suite(pending.con, pending.spec, text_relation=pending.text_relation,
                        cells_relation=pending.cells_relation, present=pending.present, today=pending.today,
                        derived=pending.derived)
    merge_suite(result, outcome, pending.max_examples)
    result.pending_suite = None
    result.typed = result.typed_relation if result.ok else None


def merge_suite(result: ValidationResult, outcome: SuiteOutcome, max_examples: int = 50) -> None:
    """Add what the suite found that the SQL checks did not report for the same column(s)."""
    result.suite = outcome
    reported = {column for column, _rule in result.counts}
    for failed in outcome.failed:
        if failed.column in reported:
            continue  # the SQL checks already name these rows, with the same rule
        result.counts[(failed.column, failed.rule)] = failed.unexpected or 1
        examples = failed.examples[:max_examples] or [(None, None)]
        result.violations += [Violation(row, failed.column, failed.rule, value) for row, value in examples]


def _validate_sql(table: LandingTable, spec: SourceSpec, today: dt.date, derived: dict[str, str] | None,
                  max_examples: int) -> ValidationResult:
    con, name = table.con, table.name
    present = set(table.columns)
    result = ValidationResult(typed=None)

    missing = [c.name for c in spec.columns if c.required and c.name not in present]
    for group in spec.one_of:
        if not any(g in present for g in group):
            missing.append(" or ".join(group))
    if missing:
        found = ", ".join(c for c in table.columns) or "(none)"
        for m in missing:
            result.violations.append(Violation(None, m, f"{RULE_LABELS['missing']} (columns found: {found})", None))
            result.counts[(m, RULE_LABELS["missing"])] = 1
        return result

    result.rows = table.count()
    if result.rows == 0:
        result.violations.append(Violation(None, "(all)", RULE_LABELS["no_rows"], None))
        result.counts[("(all)", RULE_LABELS["no_rows"])] = 1
        return result

    # 1. the cells: every spec column typed, beside the text it was typed from (absent optional columns are
    #    NULL; derived columns filled from typed ones). Every rule then reads one row, never a join back to the
    #    text: a reader may drop rows (Qualtrics' header rows) or turn one into several (DUO's wide layout).
    selects = []
    for c in spec.columns:
        selects.append(f'{_typed_expr(c) if c.name in present else f"CAST(NULL AS {_SQL_TYPE[c.kind]})"} AS "{c.name}"')
        if c.kind not in (TEXT, STUDENT_NUMBER):
            text = f'"{c.name}"' if c.name in present else "CAST(NULL AS VARCHAR)"
            selects.append(f'{text} AS "{text_column(c.name)}"')
    replace = ", ".join(f'COALESCE("{c}", {e}) AS "{c}"' for c, e in (derived or {}).items())
    cells, typed = f"{name}_cells", f"{name}_typed"
    con.execute(f"CREATE OR REPLACE TABLE {cells} AS SELECT * {f'REPLACE ({replace})' if replace else ''} "
                f"FROM (SELECT _row, {', '.join(selects)} FROM {name})")
    con.execute(f"CREATE OR REPLACE TABLE {typed} AS SELECT _row, "
                + ", ".join(f'"{c.name}"' for c in spec.columns) + f" FROM {cells}")
    result.cells_relation, result.typed_relation = cells, typed

    # 2. one query per rule
    checks: list[tuple[str, str, str]] = []  # (column, rule, SQL returning _row, value)
    base = f"FROM {cells} t"
    for col in spec.columns:
        if col.name not in present:
            continue
        val = f't."{col.name}"'
        raw = val if col.kind in (TEXT, STUDENT_NUMBER) else f't."{text_column(col.name)}"'
        out = mask_sql(raw) if col.kind == STUDENT_NUMBER else raw  # what a report may show
        if not col.nullable and not (derived and col.name in derived):
            checks.append((col.name, RULE_LABELS["empty"], f"SELECT t._row, {out} {base} WHERE {raw} IS NULL"))
        if col.kind not in (TEXT, STUDENT_NUMBER):
            checks.append((col.name, kind_label(col), f"SELECT t._row, {out} {base} WHERE {raw} IS NOT NULL AND {val} IS NULL"))
        if col.kind == STUDENT_NUMBER:
            checks.append((col.name, RULE_LABELS["student_number"],
                           f"SELECT t._row, {out} {base} WHERE NOT regexp_matches({raw}, '{STUDENT_NUMBER_REGEX}')"))
        if col.minimum is not None or col.maximum is not None:
            cond = " OR ".join(
                ([f"{val} < {col.minimum}"] if col.minimum is not None else [])
                + ([f"{val} > {col.maximum}"] if col.maximum is not None else []))
            checks.append((col.name, range_label(col), f"SELECT t._row, {out} {base} WHERE {cond}"))
        if col.kind == DATE:
            checks.append((col.name, date_range_label(col, today),
                           f"SELECT t._row, {out} {base} WHERE {val} < DATE '{EARLIEST_DATE}' "
                           f"OR {val} > DATE '{today.isoformat()}'"))
        if col.kind == TIMESTAMP:
            checks.append((col.name, date_range_label(col, today),
                           f"SELECT t._row, {out} {base} WHERE CAST({val} AS DATE) < DATE '{EARLIEST_DATE}' "
                           f"OR CAST({val} AS DATE) > DATE '{today.isoformat()}'"))
    shown = {c.name: (mask_sql(f't."{c.name}"') if c.kind == STUDENT_NUMBER else f'CAST(t."{c.name}" AS VARCHAR)')
             for c in spec.columns}
    for rule in spec.row_rules:
        cols = ", ".join(shown[c] for c in rule.columns)
        checks.append((", ".join(rule.columns), rule.message,
                       f"SELECT t._row, concat_ws(' / ', {cols}) FROM {typed} t WHERE NOT {row_rule_holds_sql(rule)}"))
    key = ", ".join(f'"{k}"' for k in spec.key)
    checks.append((", ".join(spec.key), RULE_LABELS["key"],
                   f"""SELECT t._row, concat_ws(' / ', {', '.join(shown[k] for k in spec.key)})
                       FROM {typed} t JOIN (SELECT {key} FROM {typed} GROUP BY {key} HAVING count(*) > 1) d
                       USING ({key})"""))

    for column, rule, sql in checks:
        n = con.execute(f"SELECT count(*) FROM ({sql})").fetchone()[0]
        if not n:
            continue
        result.counts[(column, rule)] = int(n)
        for row, value in con.execute(f"SELECT * FROM ({sql}) ORDER BY 1 LIMIT {max_examples}").fetchall():
            result.violations.append(Violation(row, column, _hint(rule, value), value))
    return result


def _hint(rule: str, value: str | None) -> str:
    """Add what to do for a mistake people make often."""
    if value and rule.startswith("not a date") and value.replace(".", "", 1).isdigit() and 20000 < float(value) < 80000:
        return rule + " – this looks like an Excel serial date number: format the column as a date"
    return rule


