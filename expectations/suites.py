"""great-expectations 1.x suites, one per landing source, built from the `SourceSpec`s (a rule is written once).

`build_suite(spec)` turns a spec into an `ExpectationSuite` a data engineer can read: every expectation carries
`meta` saying which rule of the landing contract it is (`rule`), what it protects (`protects`) and the source.
`run_suite` validates the typed table of one landing file (the relation `expectations.validate` builds) with an
ephemeral GX context on pandas frames, in chunks for large files, and returns what failed. The ingestion runs
it for the files its bulk SQL checks reject, for their quarantine reports; the tests run it on valid and broken
files to show that the bulk checks (derived from the same spec) pass exactly what the suite passes.

How the spec's kinds become expectations (on the typed frame; `<col>__text` is the cell as delivered):

| rule of the landing contract ("Bad input")    | expectation                                                  |
|---|---|
| required column present                      | `expect_column_to_exist`                                      |
| the file has data rows                       | `expect_table_row_count_to_be_between(min_value=1)`          |
| a required cell is filled in                 | `expect_column_values_to_not_be_null` (on the text)          |
| a value parses (number, date, yes/no, …)     | `expect_column_values_to_be_in_set([True])` on "text empty or typed value set" |
| a value within its range (hours, n_students) | `expect_column_values_to_be_between`                          |
| a date not before 2000 nor after today       | `expect_column_values_to_be_between` (ISO bounds)             |
| an answer of the codebook                    | `expect_column_values_to_be_in_set` (on the text, lower case) |
| a plausible student number                   | `expect_column_values_to_match_regex`                         |
| a rule across columns (until ≥ from, …)      | `expect_column_values_to_be_in_set([True])` on the rule       |
| no duplicate natural key inside the file     | `expect_column_values_to_be_unique` / `expect_compound_columns_to_be_unique` |

Problems with the file as a whole (not text, broken quoting, a 100 MB line) are found by the reader before
there is a table to validate (`assets.common.landing_files.FileFormatError`).

Chunks are formed by a hash of the natural key, so every duplicate of a key falls into the same chunk and the
uniqueness expectations stay exact. GX's own usage analytics are switched off; nothing reaches the internet.
Values GX reports never leave this module unmasked: student numbers are masked before they become findings.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import os
from dataclasses import dataclass, field
from functools import lru_cache

import duckdb

from assets.common.pseudonym import mask
from expectations.rule_text import (
    RULE_LABELS, STUDENT_NUMBER_REGEX, date_range_label, kind_label, range_label, row_rule_holds_sql,
)
from expectations import questionnaires
from expectations.specs import (
    ANSWER, DATE, DUO_ENROLMENT, EARLIEST_DATE, SOURCES, STUDENT_NUMBER, TEXT, TIMESTAMP, SourceSpec,
)
from expectations.survey_codebook import SURVEY_RESPONSES

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

log = logging.getLogger(__name__)

#: Rows per pandas frame handed to GX (a frame of the widest source stays well under 1 GB).
CHUNK_ROWS = 200_000
#: Examples (row numbers) collected per failed expectation.
MAX_EXAMPLES = 50

def text_column(name: str) -> str:
    """The frame column holding the cell as delivered (trimmed text; lower case for answers)."""
    return f"{name}__text"


def rule_column(name: str) -> str:
    """The frame column holding whether a row rule holds."""
    return f"_rule__{name}"


def parses_column(name: str) -> str:
    """The frame column holding whether a typed cell parsed (its text was empty or its typed value is set).

    A column rather than GX's `row_condition`: the pandas engine evaluates a row condition by copying the whole
    frame per expectation (`DataFrame.query`), which on the survey's ~100 columns cost more than every other
    expectation together."""
    return f"_parses__{name}"




# --- building ------------------------------------------------------------------------------------------------


def _gx():
    import great_expectations as gx
    import great_expectations.expectations as gxe

    return gx, gxe


def build_suite(spec: SourceSpec, today: dt.date | None = None, derived: tuple[str, ...] = ()):
    """The suite of one landing source. `derived` names columns filled from others when empty (not required)."""
    gx, gxe = _gx()
    today = today or dt.date.today()

    def meta(rule: str, protects: str, columns: tuple[str, ...] = (), **extra) -> dict:
        return {"source": spec.name, "rule": rule, "protects": protects or "the landing contract's column rules",
                "columns": list(columns), "contract": "landing.md, Loading rules: Bad input", **extra}

    expectations = [
        gxe.ExpectTableRowCountToBeBetween(
            min_value=1, meta=meta(RULE_LABELS["no_rows"], "an empty delivery would silently replace nothing",
                                   ("(all)",), scope="table")),
    ]
    for col in spec.columns:
        if col.required:
            expectations.append(gxe.ExpectColumnToExist(
                column=col.name, meta=meta(RULE_LABELS["missing"], col.protects, (col.name,), scope="table")))
    for col in spec.columns:
        protects, typed_kind = col.protects, col.kind not in (TEXT, STUDENT_NUMBER)
        if not col.nullable and col.name not in derived:
            on = text_column(col.name) if typed_kind else col.name
            expectations.append(gxe.ExpectColumnValuesToNotBeNull(
                column=on, meta=meta(RULE_LABELS["empty"], protects, (col.name,))))
        if col.kind == ANSWER:
            expectations.append(gxe.ExpectColumnValuesToBeInSet(
                column=text_column(col.name), value_set=sorted(col.answers or {}),
                meta=meta(kind_label(col), protects, (col.name,))))
        elif typed_kind:
            expectations.append(gxe.ExpectColumnValuesToBeInSet(
                column=parses_column(col.name), value_set=[True], meta=meta(kind_label(col), protects, (col.name,))))
        if col.kind == STUDENT_NUMBER:
            expectations.append(gxe.ExpectColumnValuesToMatchRegex(
                column=col.name, regex=STUDENT_NUMBER_REGEX,
                meta=meta(RULE_LABELS["student_number"], protects, (col.name,))))
        if col.minimum is not None or col.maximum is not None:
            expectations.append(gxe.ExpectColumnValuesToBeBetween(
                column=col.name, min_value=col.minimum, max_value=col.maximum,
                meta=meta(range_label(col), protects, (col.name,))))
        if col.kind in (DATE, TIMESTAMP):
            expectations.append(gxe.ExpectColumnValuesToBeBetween(
                # both bounds as timestamps: GX compares the frame's datetime64 cells with them; the whole of
                # today, to the microsecond, as the bulk check's "on or before today" (it compares dates)
                column=col.name, min_value=f"{EARLIEST_DATE}T00:00:00",
                max_value=f"{today.isoformat()}T23:59:59.999999",
                meta=meta(date_range_label(col, today), protects, (col.name,))))
    for rule in spec.row_rules:
        extra = {"applies_when_absent": list(rule.when_absent)} if rule.when_absent else {}
        expectations.append(gxe.ExpectColumnValuesToBeInSet(
            column=rule_column(rule.name), value_set=[True],
            meta=meta(rule.message, f"row rule {rule.name}: {rule.condition}", rule.columns, **extra)))
    key_meta = meta(RULE_LABELS["key"], f"natural key ({', '.join(spec.key)}): a row counted once", spec.key)
    if len(spec.key) == 1:
        expectations.append(gxe.ExpectColumnValuesToBeUnique(column=spec.key[0], meta=key_meta))
    else:
        expectations.append(gxe.ExpectCompoundColumnsToBeUnique(column_list=list(spec.key), meta=key_meta))
    return gx.ExpectationSuite(
        name=f"landing_{spec.name}", expectations=expectations,
        meta={"source": spec.name, "landing_subdir": spec.landing_subdir, "description": spec.description,
              "built_from": "expectations.specs SourceSpec (one place for the rules)"})


def landing_specs() -> dict[str, SourceSpec]:
    """The six landing sources' specs (the survey's with the shipped questionnaires' rules)."""
    return {**SOURCES, SURVEY_RESPONSES.name: questionnaires.survey_spec(questionnaires.load()),
            DUO_ENROLMENT.name: DUO_ENROLMENT}


# --- running -------------------------------------------------------------------------------------------------


@dataclass
class ExpectationOutcome:
    """One expectation of a suite after validating a file."""

    expectation: str        # e.g. expect_column_values_to_be_between
    column: str             # the spec column(s) it guards
    rule: str
    protects: str
    success: bool
    unexpected: int = 0
    examples: list[tuple[int | None, str | None]] = field(default_factory=list)  # (row, value shown)
    error: str | None = None  # the expectation could not be evaluated (a bug of ours, not of the file)
    key: str = ""

    def as_line(self) -> str:
        if self.error:
            return f"- {self.expectation} on {self.column}: not evaluated ({self.error})"
        rows = ", ".join(str(r) for r, _ in self.examples[:10] if r is not None)
        more = f" (rows {rows}{' …' if self.unexpected > 10 else ''})" if rows else ""
        n = f"{self.unexpected} row{'s' if self.unexpected != 1 else ''}" if self.unexpected else "failed"
        return f"- {self.expectation} on {self.column}: {self.rule} – {n}{more}. Protects: {self.protects}"


@dataclass
class SuiteOutcome:
    suite: str
    evaluated: int = 0
    outcomes: list[ExpectationOutcome] = field(default_factory=list)
    chunks: int = 0

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success and not o.error]

    @property
    def errors(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if o.error]

    @property
    def success(self) -> bool:
        return not self.failed

    def report_lines(self) -> list[str]:
        head = (f"Expectation suite `{self.suite}` (great-expectations): {len(self.failed)} of {self.evaluated} "
                f"expectations failed" + (f", {len(self.errors)} not evaluated" if self.errors else "") + ".")
        return [head, *(o.as_line() for o in self.failed + self.errors)]


class _Runner:
    """An ephemeral GX context with one pandas batch definition, reused for every file of a process."""

    def __init__(self):
        gx, _ = _gx()
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self.gx = gx
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        asset = self.context.data_sources.add_pandas("landing_frames").add_dataframe_asset("frame")
        self.batch = asset.add_batch_definition_whole_dataframe("whole_frame")

    def run(self, suite, frame, result_format: dict):
        """Validate `frame`; a frame wider than NARROW_COLUMNS (the survey: ~130 columns) in narrow slices of
        the columns the expectations need. GX's pandas engine selects the rows of the *whole* frame for every expectation
        (dropping missing values of its column), so on a wide frame the cost grows with expectations × columns:
        slices of at most NARROW_COLUMNS make it linear again. Same expectations, same results."""
        groups = _column_groups(suite.expectations, frame.columns) if len(frame.columns) > NARROW_COLUMNS else None
        if not groups:
            return self._validate(suite, frame, result_format)
        results = []
        for columns, expectations in groups:
            part = self.gx.ExpectationSuite(name=suite.name, expectations=[_copy(e) for e in expectations])
            results += self._validate(part, frame[columns], result_format).results
        return _Results(results)

    def _validate(self, suite, frame, result_format: dict):
        return self.batch.get_batch(batch_parameters={"dataframe": frame}).validate(suite, result_format=result_format)


#: Columns per slice of a frame handed to GX (`_Runner.run`). Every expectation copies its slice's rows (GX
#: drops its column's gaps over the whole slice), while each slice adds one validation (~0.1 s): on the scale-50
#: survey (4 × 86,000 rows, 125 columns) 8 columns scanned in 27.5–29.7 s against 36–41 s with 32, and the
#: hours (15 columns, GX on this thread while files are read in others) took the same time either way.
NARROW_COLUMNS = 8


@dataclass
class _Results:
    """The results of a suite validated in slices (what callers read of GX's validation result)."""

    results: list


def _column_groups(expectations, present) -> list[tuple[list[str], list]] | None:
    """Expectations grouped, in order, so that each group needs at most NARROW_COLUMNS columns of the frame
    (plus `_row`, which the reports' row numbers come from). None when an expectation names a column the frame
    does not have (then the whole frame is validated, and GX says what is missing)."""
    present = set(present)
    groups: list[tuple[list[str], list]] = []
    for expectation in expectations:
        kwargs = expectation.configuration.kwargs
        needs = [kwargs["column"]] if "column" in kwargs else list(kwargs.get("column_list") or [])
        if any(c not in present for c in needs):
            return None
        if groups and len(set(groups[-1][0]) | set(needs)) <= NARROW_COLUMNS:
            columns, members = groups[-1]
            columns += [c for c in needs if c not in columns]
            members.append(expectation)
        else:
            groups.append(([c for c in dict.fromkeys(needs)], [expectation]))
    return [((["_row"] if "_row" in present and "_row" not in cols else []) + cols, members)
            for cols, members in groups]


@lru_cache(maxsize=1)
def _runner() -> _Runner:
    return _Runner()


def run_suite(con: duckdb.DuckDBPyConnection, spec: SourceSpec, *, text_relation: str, cells_relation: str | None,
              present: list[str], today: dt.date | None = None, derived: tuple[str, ...] = (),
              chunk_rows: int = CHUNK_ROWS) -> SuiteOutcome:
    """Validate one file's table with the source's suite.

    `cells_relation` holds every spec column typed beside the text it came from (`<col>__text`, see
    `expectations.validate`); None when typing never happened (a required column is missing, or there are no
    rows): then only the table-level expectations are evaluated, on the columns as delivered (`text_relation`).
    """
    spec = spec.for_file(present)
    suite = build_suite(spec, today, derived)
    runner = _runner()
    outcome = SuiteOutcome(suite.name)
    kinds = {c.name: c.kind for c in spec.columns}

    if cells_relation is None:
        table_level = [e for e in suite.expectations if e.meta.get("scope") == "table"]
        columns = ", ".join(f'"{c}"' for c in present) or "1 AS _none"
        frame = con.execute(f"SELECT {columns} FROM {text_relation} LIMIT 1").df()  # the names and any row
        sub = runner.gx.ExpectationSuite(name=suite.name, expectations=[_copy(e) for e in table_level])
        _collect(outcome, runner.run(sub, frame, {"result_format": "BASIC"}))
        outcome.chunks = 1
        return outcome

    rows = con.execute(f"SELECT count(*) FROM {cells_relation}").fetchall()[0][0]
    chunks = max(1, math.ceil(rows / chunk_rows))
    key = ", ".join(f'"{k}"' for k in spec.key)
    base = frame_sql(spec, cells_relation)

    by_key = {_key(e.configuration): e for e in suite.expectations}
    totals: dict[str, ExpectationOutcome] = {}
    with_examples: set[str] = set()
    for chunk in range(chunks):
        where = f" WHERE hash({key}) % {chunks} = {chunk}" if chunks > 1 else ""
        frame = _vectorisable(_frame(con, base + where))
        if frame.empty:  # a hash bucket without rows (the table has rows: typing happened)
            continue
        result = runner.run(suite, frame, {"result_format": "BASIC"})
        need = []
        for r in result.results:
            k = _key(r.expectation_config)
            _merge(totals, k, r)
            if not r.success and k not in with_examples and not totals[k].error:
                need.append(k)
        if need:  # row numbers from the first chunk each expectation failed in (SUMMARY is slow on failures)
            sub = runner.gx.ExpectationSuite(name=suite.name, expectations=[_copy(by_key[k]) for k in need])
            detail = runner.run(sub, frame, {"result_format": "SUMMARY", "unexpected_index_column_names": ["_row"],
                                             "partial_unexpected_count": MAX_EXAMPLES})
            for r in detail.results:
                k = _key(r.expectation_config)
                totals[k].examples = _examples(r, kinds)
                with_examples.add(k)
    order = list(by_key)
    outcome.outcomes = sorted(totals.values(), key=lambda o: order.index(o.key))
    outcome.evaluated = len(outcome.outcomes)
    outcome.chunks = chunks
    return outcome


def frame_sql(spec: SourceSpec, cells_relation: str) -> str:
    """The frame GX validates: typed columns, the delivered text of every typed column (lower case for answers),
    whether each typed cell parsed, and whether every row rule holds."""
    selects = ["_row"]
    for col in spec.columns:
        selects.append(f'"{col.name}"')
        if col.kind not in (TEXT, STUDENT_NUMBER):
            text = f'"{text_column(col.name)}"'
            selects.append(f'lower({text}) AS {text}' if col.kind == ANSWER else text)
            if col.kind != ANSWER:
                selects.append(f'({text} IS NULL OR "{col.name}" IS NOT NULL) AS "{parses_column(col.name)}"')
    selects += [f'{row_rule_holds_sql(rule)} AS "{rule_column(rule.name)}"' for rule in spec.row_rules]
    return f"SELECT {', '.join(selects)} FROM {cells_relation}"


def _frame(con: duckdb.DuckDBPyConnection, sql: str):
    """The query's rows as the pandas frame DuckDB's `.df()` gives, built through Arrow, which hands whole
    columns over (about twice as fast on a national-scale file; `.df()` converts text cell by cell).
    Decimals become float64, whole numbers and yes/no values with gaps pandas' nullable types, as `.df()`
    makes them."""
    import pyarrow as pa
    import pyarrow.compute as pc

    cursor = con.cursor()  # its own result: the file's connection may still hold an unfetched one
    try:
        table = cursor.sql(sql).to_arrow_table()
    finally:
        cursor.close()
    for i, field in enumerate(table.schema):
        if pa.types.is_decimal(field.type):
            table = table.set_column(i, field.name, pc.cast(table.column(i), pa.float64()))
    frame = table.to_pandas(date_as_object=False)
    for field in table.schema:
        if not table.column(field.name).null_count:
            continue
        if pa.types.is_integer(field.type):
            unsigned = "U" if pa.types.is_unsigned_integer(field.type) else ""
            frame[field.name] = frame[field.name].astype(f"{unsigned}Int{field.type.bit_width}")
        elif pa.types.is_boolean(field.type):
            frame[field.name] = frame[field.name].astype("boolean")
    return frame


def _vectorisable(frame):
    """Column types for which GX's pandas metrics take their vectorised path rather than a Python function per
    cell (`expect_column_values_to_be_between` vectorises int64/float64 and datetime64[ns] only): DuckDB hands
    dates over as datetime64[us] and SMALLINT answers as int16. Same values, same outcome, far less time."""
    import numpy as np
    import pandas as pd

    for name, dtype in frame.dtypes.items():
        column = frame[name]
        if isinstance(dtype, np.dtype) and dtype.kind == "M" and dtype != "datetime64[ns]":
            lo, hi = column.min(), column.max()
            if pd.isna(lo) or (pd.Timestamp.min <= lo and hi <= pd.Timestamp.max):
                frame[name] = column.astype("datetime64[ns]")
        elif isinstance(dtype, np.dtype) and dtype.kind in "iu" and dtype.itemsize < 8:  # no NA: exact
            frame[name] = column.astype("int64")
    return frame


def _copy(expectation):
    """A fresh expectation with the same configuration (an expectation belongs to one suite)."""
    return expectation.configuration.to_domain_obj()


def _key(config) -> str:
    """Identifies an expectation of a suite in GX's results (which come back in another order)."""
    kwargs = {k: v for k, v in config.kwargs.items() if k != "batch_id"}
    return f"{config.type}:{json.dumps(kwargs, sort_keys=True, default=str)}"


def _exception(info) -> str | None:
    """The first exception GX caught while evaluating (its info is flat or keyed by metric)."""
    if not info:
        return None
    for item in ([info] if "raised_exception" in info else list(info.values())):
        if isinstance(item, dict) and item.get("raised_exception"):
            return str(item.get("exception_message") or "exception").splitlines()[0][:200]
    return None


def _describe(result) -> ExpectationOutcome:
    config = result.expectation_config
    meta = config.meta or {}
    column = ", ".join(meta.get("columns") or []) or str(config.kwargs.get("column", "(table)"))
    unexpected = int((result.result or {}).get("unexpected_count") or 0)
    return ExpectationOutcome(config.type, column, meta.get("rule", config.type), meta.get("protects", ""),
                              bool(result.success), unexpected, [], _exception(result.exception_info),
                              _key(config))


def _collect(outcome: SuiteOutcome, result) -> None:
    outcome.outcomes = [_describe(r) for r in result.results]
    outcome.evaluated = len(outcome.outcomes)


def _merge(totals: dict[str, ExpectationOutcome], key: str, result) -> None:
    this = _describe(result)
    if key not in totals:
        totals[key] = this
        return
    total = totals[key]
    total.success = total.success and this.success
    total.unexpected += this.unexpected
    total.error = total.error or this.error


def _examples(result, kinds: dict[str, str]) -> list[tuple[int | None, str | None]]:
    """(row, value shown) of the unexpected rows GX lists; student numbers masked."""
    config = result.expectation_config
    column = config.kwargs.get("column")
    out = []
    for item in (result.result or {}).get("partial_unexpected_index_list") or []:
        row = item.get("_row")
        if column is not None:
            value = item.get(column)
            shown = _shown(column, value, kinds)
        else:  # compound key: the key's cells, each shown as its kind allows
            shown = " / ".join(str(_shown(c, item.get(c), kinds)) for c in config.kwargs.get("column_list", []))
        out.append((int(row) if row is not None else None, shown))
    return out


def _shown(column: str | None, value, kinds: dict[str, str]) -> str | None:
    try:
        if value is None or (isinstance(value, float) and math.isnan(value)) or str(value) in ("<NA>", "NaT", "nan"):
            return None
    except TypeError:
        pass
    base = (column or "").removesuffix("__text")
    if kinds.get(base) == STUDENT_NUMBER:
        return mask(str(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date().isoformat()
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    return str(value)
