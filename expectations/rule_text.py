"""What each rule of a `SourceSpec` says when a row breaks it: one text per rule, for both checks that enforce it.

The bulk SQL checks (`expectations.validate`) and the great-expectations suites (`expectations.suites`) report
the same rule with the same words, so a finding reads alike whichever found it, and a suite's finding on a
column the SQL checks already named is recognised as the same (`validate.merge_suite`).
"""

from __future__ import annotations

import datetime as dt

from expectations.specs import (
    ANSWER, BOOLEAN, DATE, DECIMAL, EARLIEST_DATE, INTEGER, QUARTER, TIMESTAMP, Column, RowRule,
)

#: The regex a student number must match.
STUDENT_NUMBER_REGEX = r"^[0-9A-Za-z]{1,20}$"

RULE_LABELS = {
    "missing": "required column missing",
    "no_rows": "the file has a header but no data rows",
    "empty": "empty",
    "student_number": "not a plausible student number (letters and digits, at most 20)",
    "key": "duplicate natural key inside the file",
}

_KIND_LABEL = {
    INTEGER: "not a whole number",
    DECIMAL: "not a number",
    DATE: "not a date (YYYY-MM-DD or DD-MM-YYYY)",
    TIMESTAMP: "not a timestamp (ISO 8601 or DD-MM-YYYY HH:MM[:SS])",
    BOOLEAN: "not a yes/no value (1/0, true/false, ja/nee)",
    QUARTER: "not a quarter (YYYY-Qn, e.g. 2023-Q1)",
    ANSWER: "not an answer of the codebook",
}


def kind_label(col: Column) -> str:
    """The rule a value of a typed column breaks when it does not parse."""
    rule = _KIND_LABEL[col.kind]
    if col.kind == ANSWER:
        rule += f" (allowed: {', '.join(col.answers)})"
    return rule


def range_label(col: Column) -> str:
    """The rule a value outside the column's minimum … maximum breaks."""
    lo = "-inf" if col.minimum is None else f"{col.minimum:g}"
    hi = "inf" if col.maximum is None else f"{col.maximum:g}"
    return f"outside the allowed range {lo} … {hi}"


def date_range_label(col: Column, today: dt.date) -> str:
    """The rule a date or timestamp before EARLIEST_DATE or after `today` breaks."""
    word = "date" if col.kind == DATE else "timestamp"
    return f"{word} before {EARLIEST_DATE} or after today ({today.isoformat()})"


def row_rule_holds_sql(rule: RowRule) -> str:
    """Whether a row rule holds for a row of the typed table (a rule that cannot be evaluated, null, holds)."""
    return f"coalesce(({rule.condition}), TRUE)"
