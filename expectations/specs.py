"""What a valid row of each landing source is: the one place for the landing contract's column rules.

A `SourceSpec` names the required and optional columns, how each is typed and which values are allowed, the
natural key, and the row rules across columns. `expectations.validate` turns a spec into bulk SQL checks
(types, ranges, keys) and the GX suites (`expectations.suites`) are built from the same specs, so a rule is
written once.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

# Column kinds understood by expectations.validate.
TEXT, STUDENT_NUMBER, INTEGER, DECIMAL, DATE, TIMESTAMP, BOOLEAN, QUARTER, ANSWER = (
    "text", "student_number", "integer", "decimal", "date", "timestamp", "boolean", "quarter", "answer",
)

EARLIEST_DATE = "2000-01-01"  # landing contract: a date before 2000 or after today is out of range


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    required: bool = True
    nullable: bool = False
    minimum: float | None = None
    maximum: float | None = None
    #: for ANSWER columns: accepted text labels (lower case) and numeric codes, each mapped to the stored code
    answers: dict[str, int] | None = None
    protects: str = ""  # why the rule exists, shown in reports and in the GX suite


@dataclass(frozen=True)
class RowRule:
    """A rule across columns, as a SQL condition on the typed columns that must hold (or be null)."""

    name: str
    condition: str
    columns: tuple[str, ...]
    message: str
    #: checked only in a file that lacks one of these columns (they are then null in every row)
    when_absent: tuple[str, ...] = ()


@dataclass(frozen=True)
class SourceSpec:
    name: str               # raw table name, e.g. participation_hours
    landing_subdir: str     # below landing/, e.g. participation/hours
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    row_rules: tuple[RowRule, ...] = ()
    #: groups of alternatives of which at least one column must be present (students: quarter or reference_date)
    one_of: tuple[tuple[str, ...], ...] = ()
    description: str = ""
    extra: dict = field(default_factory=dict)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def for_file(self, present) -> SourceSpec:
        """The spec as it applies to a file with these columns: a rule `when_absent` drops out when the file has
        all of its columns."""
        present = set(present)
        rules = tuple(r for r in self.row_rules if not r.when_absent or not set(r.when_absent) <= present)
        return self if rules == self.row_rules else dataclasses.replace(self, row_rules=rules)


PARTICIPATION_HOURS = SourceSpec(
    name="participation_hours",
    landing_subdir="participation/hours",
    description="Staffing agency timesheet lines: one row per line; negative hours correct an earlier line.",
    columns=(
        Column("record_id", TEXT, protects="natural key: a line counted twice would double its hours"),
        Column("student_number", STUDENT_NUMBER, protects="who worked; pseudonymised before loading"),
        Column("programme_code", TEXT, protects="attribution to a programme"),
        Column("location", TEXT, protects="attribution to a campus"),
        Column("work_date", DATE, protects="the quarter the hours count towards"),
        Column("hours", DECIMAL, minimum=-24, maximum=24,
               protects="a day has at most 24 hours; negatives are corrections of at most a day"),
        Column("role", TEXT, required=False, nullable=True),
        Column("department", TEXT, required=False, nullable=True),
    ),
    key=("record_id",),
)

PARTICIPATION_POOL = SourceSpec(
    name="participation_pool",
    landing_subdir="participation/pool",
    description="Students registered with the agency as available for work: one row per registration period.",
    columns=(
        Column("student_number", STUDENT_NUMBER, protects="who is available; pseudonymised before loading"),
        Column("programme_code", TEXT, protects="attribution to a programme"),
        Column("location", TEXT, protects="attribution to a campus"),
        Column("available_from", DATE, protects="the quarters a registration overlaps"),
        Column("available_until", DATE, required=False, nullable=True,
               protects="empty means still registered"),
    ),
    key=("student_number", "available_from"),
    row_rules=(
        RowRule("until_not_before_from", "available_until >= available_from", ("available_from", "available_until"),
                "available_until is before available_from"),
    ),
)

STUDENT_COUNTS = SourceSpec(
    name="student_counts",
    landing_subdir="students",
    description="The institution's own student counts per quarter, programme and location.",
    columns=(
        Column("quarter", QUARTER, required=False, nullable=True, protects="the quarter counted"),
        Column("reference_date", DATE, required=False, nullable=True,
               protects="a date standing for its calendar quarter"),
        Column("programme_code", TEXT, protects="the programme counted"),
        Column("location", TEXT, protects="the campus counted"),
        Column("n_students", INTEGER, minimum=0, protects="a count cannot be negative"),
    ),
    key=("quarter", "programme_code", "location"),
    one_of=(("quarter", "reference_date"),),
    row_rules=(
        RowRule("quarter_or_reference_date", "quarter IS NOT NULL", ("quarter", "reference_date"),
                "neither quarter nor reference_date is filled in"),
    ),
)

PROGRAMME_REGISTER = SourceSpec(
    name="programme_register",
    landing_subdir="reference",
    description="Programme × location register replacing the shipped one (landing/reference/programmes.csv).",
    columns=(
        Column("programme_code", TEXT),
        Column("programme_name", TEXT),
        Column("domain", TEXT),
        Column("location", TEXT),
        Column("duo_municipality", TEXT, required=False, nullable=True),
    ),
    key=("programme_code", "location"),
)

#: DUO's marks of a suppressed cell (fewer than five students), as a SQL list; its reader reads them too.
DUO_SUPPRESSED = "('<5', '-1')"

DUO_ENROLMENT = SourceSpec(
    name="duo_enrolment",
    landing_subdir="students/duo",
    description="DUO open data: enrolled (or first-year) students per study year, programme and municipality.",
    columns=(
        Column("study_year", INTEGER, minimum=1990, maximum=2100, protects="the 1 October the count is of"),
        Column("brin", TEXT, required=False, nullable=True),
        Column("programme_code", TEXT, protects="CROHO programme"),
        Column("programme_name", TEXT, required=False, nullable=True),
        Column("municipality", TEXT, protects="maps the count onto a campus"),
        Column("municipality_code", TEXT, required=False, nullable=True),
        Column("level", TEXT, required=False, nullable=True),
        Column("breakdown", TEXT, nullable=True),
        Column("measure", TEXT),
        Column("n_text", TEXT, nullable=True),
        Column("suppressed_flag", BOOLEAN),
    ),
    key=("study_year", "programme_code", "municipality", "level", "breakdown", "measure"),
    row_rules=(
        RowRule("count_or_suppressed",
                f"n_text IN {DUO_SUPPRESSED} OR TRY_CAST(n_text AS BIGINT) >= 0 OR (n_text IS NULL AND suppressed_flag)",
                ("n_text",), "not a count ≥ 0 nor a suppressed cell (<5, -1)"),
    ),
)

SOURCES: dict[str, SourceSpec] = {
    spec.name: spec for spec in (PARTICIPATION_HOURS, PARTICIPATION_POOL, STUDENT_COUNTS, PROGRAMME_REGISTER)
}
