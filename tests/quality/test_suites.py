"""The great-expectations suites: one per landing source, built from the SourceSpecs, readable (every expectation
says what it protects), exact in chunks, merged into a rejected file's findings; and the bulk SQL checks, which
the ingestion runs once on every row, pass exactly the files the suites pass."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from assets.common.landing_files import read_landing_file
from assets.common.settings import LandingLimits, Settings
from assets.common.warehouse import connect
from assets.ingest import duo, participation, students, survey
from assets.ingest.engine import scan
from expectations.specs import ANSWER, DATE, STUDENT_NUMBER
from expectations.suites import ExpectationOutcome, SuiteOutcome, build_suite, landing_specs, run_suite
from expectations.validate import ValidationResult, Violation, merge_suite, validate
from tests.landing_zones import write
from quality_corpus import KEY, SURVEY_HEADER, TODAY, survey_file, survey_row

REFERENCE = Path(__file__).resolve().parents[2] / "assets" / "demo" / "data"
SIX = {"participation_hours", "participation_pool", "student_counts", "duo_enrolment", "survey_responses",
       "programme_register"}


def test_one_suite_per_landing_source_each_expectation_saying_what_it_protects():
    specs = landing_specs()
    assert set(specs) == SIX
    for name, spec in specs.items():
        suite = build_suite(spec, TODAY)
        assert suite.name == f"landing_{name}"
        types = [e.expectation_type for e in suite.expectations]
        for e in suite.expectations:
            assert e.meta["source"] == name and e.meta["rule"] and e.meta["protects"], (name, e)
        # every rule of the spec is there, written once (in the spec)
        for col in spec.columns:
            guarded = [e for e in suite.expectations if col.name in e.meta["columns"]]
            if col.required:
                assert any(e.expectation_type == "expect_column_to_exist" for e in guarded), col.name
            if col.minimum is not None or col.maximum is not None:
                assert any(e.expectation_type == "expect_column_values_to_be_between"
                           and e.configuration.kwargs.get("min_value") == col.minimum for e in guarded), col.name
            if col.kind == DATE:
                assert any(str(e.configuration.kwargs.get("max_value")).startswith(f"{TODAY.isoformat()} 23:59:59")
                           for e in guarded), col.name
            if col.kind == ANSWER:
                [in_set] = [e for e in guarded if e.expectation_type == "expect_column_values_to_be_in_set"
                            and not e.configuration.kwargs["column"].startswith("_rule__")]  # a row rule's
                assert set(in_set.configuration.kwargs["value_set"]) == set(col.answers)
            if col.kind == STUDENT_NUMBER:
                assert "expect_column_values_to_match_regex" in [e.expectation_type for e in guarded]
        assert ("expect_column_values_to_be_unique" if len(spec.key) == 1
                else "expect_compound_columns_to_be_unique") in types
        assert len([e for e in suite.expectations if e.meta["columns"] and e.expectation_type
                    == "expect_column_values_to_be_in_set" and e.configuration.kwargs["column"].startswith("_rule__")]
                   ) == len(spec.row_rules)


VALID = [
    (participation.HOURS, "participation/hours/h.csv",
     "record_id;student_number;programme_code;location;work_date;hours;role\n"
     "h1;0612345;34116;Den Haag;31-03-2023;7,5;bar\nh2;612345;34116;Den Haag;01-04-2023;-2,25;\n"),
    (participation.POOL, "participation/pool/p.csv",
     "student_number,programme_code,location,available_from,available_until\n"
     "612345,34116,Delft,2023-05-01,\n612345,34116,Delft,2023-09-01,2023-12-31\n"),
    (students.COUNTS, "students/c.csv",
     "reference_date;programme_code;location;n_students\n15-11-2024;34116;Den Haag;480\n2024-01-01;34116;Delft;0\n"),
    (students.REGISTER, "reference/programmes.csv",
     "programme_code,programme_name,domain,location,duo_municipality\n34116,B Social Work,GSW,Den Haag,'s-Gravenhage\n"),
    (survey.RESPONSES, "survey/swm_2024.csv", survey_file([survey_row("R1", "612345"), survey_row("R2", "700001")])),
]


@pytest.mark.parametrize("source,rel,content", VALID, ids=[v[0].name for v in VALID])
def test_valid_files_pass_every_expectation(tmp_path, source, rel, content):
    settings = Settings(data_dir=tmp_path, pseudonym_key=KEY, landing=LandingLimits(settle_seconds=0))
    write(settings.landing_dir / rel, content)
    with connect(settings.warehouse_path) as con:
        report = scan(source, settings, con, today=TODAY)
    assert [f.status for f in report.files] == ["accepted"], report.files[0].message


def test_the_real_duo_files_pass_their_suite(tmp_path, monkeypatch):
    """Both DUO layouts as published (the wide layout turns one row into one per year: rows pair up by rowid)."""
    import expectations.validate

    settings = Settings(data_dir=tmp_path, pseudonym_key=KEY, landing=LandingLimits(settle_seconds=0))
    outcomes: list[SuiteOutcome] = []
    monkeypatch.setattr(expectations.validate, "run_suite",
                        lambda *a, **kw: outcomes.append(run_suite(*a, **kw)) or outcomes[-1])
    for name in ("duo_eerstejaars_hbo_2019_inholland.csv", "duo_inholland_ingeschrevenen_2020_2024.csv"):
        _typed, result = duo.read_duo(REFERENCE / name, duckdb.connect(), settings)
        assert result.ok, result.summary()
    assert len(outcomes) == 2
    for outcome in outcomes:
        assert outcome.success and not outcome.errors and outcome.evaluated > 10


def test_suite_run_has_no_unevaluated_expectations_on_a_valid_file(tmp_path):
    path = write(tmp_path / "h.csv", "record_id,student_number,programme_code,location,work_date,hours\n"
                                      "h1,612345,34116,Delft,2023-01-02,5\n")
    con = duckdb.connect()
    result = validate(read_landing_file(path, con), participation.HOURS.spec, today=TODAY)
    assert result.ok and result.suite is not None
    assert result.suite.evaluated >= 15 and not result.suite.failed and not result.suite.errors


def test_chunks_by_key_keep_uniqueness_exact(tmp_path):
    """Duplicates far apart in the file land in the same chunk (chunks by a hash of the key)."""
    lines = [f"h{i},{600000 + i},34116,Delft,2023-01-02,1" for i in range(1, 41)] + ["h7,612345,34116,Delft,2023-01-03,2"]
    path = write(tmp_path / "h.csv", "record_id,student_number,programme_code,location,work_date,hours\n"
                  + "\n".join(lines) + "\n")
    con = duckdb.connect()
    table = read_landing_file(path, con)
    result = validate(table, participation.HOURS.spec, today=TODAY, suite=False)
    outcome = run_suite(con, participation.HOURS.spec, text_relation=table.name, cells_relation=result.cells_relation,
                        present=table.columns, today=TODAY, chunk_rows=5)
    assert outcome.chunks == 9
    [unique] = outcome.failed
    assert unique.expectation == "expect_column_values_to_be_unique" and unique.unexpected == 2
    assert sorted(r for r, _ in unique.examples) == [8, 42]


def test_what_only_the_suite_finds_is_merged_into_the_findings():
    result = ValidationResult(typed=None, rows=3, violations=[Violation(2, "hours", "not a number", "x")],
                              counts={("hours", "not a number"): 1})
    outcome = SuiteOutcome("landing_participation_hours", evaluated=3, outcomes=[
        ExpectationOutcome("expect_column_values_to_not_be_null", "hours", "not a number", "p", False, 1, [(2, "x")]),
        ExpectationOutcome("expect_column_values_to_be_unique", "record_id", "duplicate natural key inside the file",
                           "p", False, 2, [(3, "h1"), (4, "h1")]),
        ExpectationOutcome("expect_column_to_exist", "record_id", "required column missing", "p", True),
    ])
    merge_suite(result, outcome)
    assert result.counts == {("hours", "not a number"): 1, ("record_id", "duplicate natural key inside the file"): 2}
    assert [(v.row, v.column) for v in result.violations] == [(2, "hours"), (3, "record_id"), (4, "record_id")]
    assert "record_id: duplicate natural key inside the file (2 rows; rows 3, 4)" in result.summary()
    assert outcome.report_lines()[0].startswith("Expectation suite `landing_participation_hours` (great-expectations): "
                                                "2 of 3 expectations failed")


def test_student_numbers_gx_reports_are_masked(tmp_path):
    path = write(tmp_path / "p.csv", "student_number,programme_code,location,available_from\n"
                                      "612345,34116,Delft,2023-05-01\n612345,34116,Delft,2023-05-01\n")
    con = duckdb.connect()
    result = validate(read_landing_file(path, con), participation.POOL.spec, today=TODAY)
    [unique] = result.suite.failed
    assert [v for _r, v in unique.examples] == ["****45 / 2023-05-01", "****45 / 2023-05-01"]
    assert "612345" not in "\n".join(result.suite_lines)


def test_validating_a_large_file_stays_set_based(tmp_path):
    """300,000 rows in two chunks: well within seconds (no Python loop over rows)."""
    con = duckdb.connect()
    path = tmp_path / "big.csv"
    con.execute(f"""COPY (SELECT 'r' || i AS record_id, CAST(600000 + i % 5000 AS VARCHAR) AS student_number,
                          '34116' AS programme_code, 'Delft' AS location,
                          DATE '2023-01-01' + CAST(i % 700 AS INTEGER) AS work_date, (i % 16) / 2.0 AS hours
                   FROM range(300000) t(i)) TO '{path}' (HEADER, DELIMITER ',')""")
    started = dt.datetime.now()
    result = validate(read_landing_file(path, con), participation.HOURS.spec, today=TODAY)
    assert result.ok and result.suite.chunks == 2
    assert (dt.datetime.now() - started).total_seconds() < 30


def test_qualtrics_header_rows_do_not_shift_rows(tmp_path):
    """Qualtrics' two extra header rows are dropped by the reader: rows keep their spreadsheet numbers."""
    import csv

    settings = Settings(data_dir=tmp_path, pseudonym_key=KEY, landing=LandingLimits(settle_seconds=0))
    path = settings.landing_dir / "survey/swm_2024_qualtrics.csv"
    path.parent.mkdir(parents=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerows([SURVEY_HEADER, ["Vraag"] * len(SURVEY_HEADER),
                     ['{"ImportId":"' + c + '"}' for c in SURVEY_HEADER],
                     survey_row("R1", "612345"), survey_row("R2", "700001", k10_1="9"), survey_row("R3", "700002")])
    with connect(settings.warehouse_path) as con:
        [outcome] = scan(survey.RESPONSES, settings, con, today=TODAY).files
    assert outcome.status == "rejected"
    assert outcome.message.startswith("k10_1: not an answer of the codebook")
    assert outcome.message.endswith("(1 row; rows 5)")
    assert [(v.row, v.value) for v in outcome.violations] == [(5, "9")]


HOURS_HEADER = "record_id,student_number,programme_code,location,work_date,hours\n"


def test_accepted_files_are_checked_once_and_a_rejected_file_gets_its_suite(tmp_path, monkeypatch):
    """Every row is checked once, by the bulk SQL checks: GX runs for the rejected file only, and its report
    carries the suite's result."""
    import expectations.suites

    settings = Settings(data_dir=tmp_path, pseudonym_key=KEY, landing=LandingLimits(settle_seconds=0))
    for month, ids in (("01", ("h1", "h2")), ("02", ("h1", "h3")), ("03", ("h4", "h4"))):
        write(settings.landing_dir / f"participation/hours/uren_2023-{month}.csv",
               HOURS_HEADER + "".join(f"{i},612345,34116,Delft,2023-{month}-02,2\n" for i in ids))
    validations = []
    real_run = expectations.suites._Runner.run
    monkeypatch.setattr(expectations.suites._Runner, "run",
                        lambda self, suite, frame, fmt: validations.append(len(frame)) or real_run(self, suite, frame, fmt))
    with connect(settings.warehouse_path) as con:
        report = scan(participation.HOURS, settings, con, today=TODAY)
    assert [(f.file.rsplit("/", 1)[1], f.status, f.rows) for f in report.files] == [
        ("uren_2023-01.csv", "accepted", 2), ("uren_2023-02.csv", "accepted", 2), ("uren_2023-03.csv", "rejected", 2)]
    assert validations and set(validations) == {2}  # the rejected file's two rows (and detail for its failure)
    [rejected] = [f for f in report.files if f.status == "rejected"]
    assert rejected.message == "record_id: duplicate natural key inside the file (2 rows; rows 2, 3)"
    assert rejected.suite[0].startswith("Expectation suite `landing_participation_hours` (great-expectations): "
                                        "1 of ")


#: One cell of a valid file at a time replaced by these (column → values): empty, unparsable, out of range,
#: implausible, a broken row rule, a duplicate key; and values that are fine.
HOURS_ROW = {"record_id": "h1", "student_number": "612345", "programme_code": "34116", "location": "Delft",
             "work_date": "2023-01-02", "hours": "5", "role": "bar"}
HOURS_CELLS = {
    "record_id": ["", "h2", "h9"],
    "student_number": ["", "12", "612345x", "0612345", "9999999"],
    "programme_code": ["", "34116", "x"],
    "location": ["", "Delft"],
    "work_date": ["", "2023-02-30", "1999-12-31", "2000-01-01", "2026-11-25", "2026-11-26", "31-12-2023", "45000"],
    "hours": ["", "abc", "7,5", "-24", "24", "24.5", "-30", "0"],
    "role": ["", "bar"],
}
POOL_ROW = {"student_number": "612345", "programme_code": "34116", "location": "Delft",
            "available_from": "2023-05-01", "available_until": "2023-12-31"}
POOL_CELLS = {
    "available_from": ["", "2024-01-01", "2023-12-31", "x"],
    "available_until": ["", "2023-04-30", "2023-05-01", "2026-12-31"],
    "student_number": ["700001"],
}
VARIANTS = ([(participation.HOURS, HOURS_ROW, c, v) for c, values in HOURS_CELLS.items() for v in values]
            + [(participation.POOL, POOL_ROW, c, v) for c, values in POOL_CELLS.items() for v in values])


@pytest.mark.parametrize("source,row,column,value", VARIANTS,
                         ids=[f"{s.name}-{c}-{v or 'empty'}" for s, _r, c, v in VARIANTS])
def test_the_bulk_checks_pass_exactly_what_the_suite_passes(tmp_path, source, row, column, value):
    """What lets the ingestion check each row once (in SQL): on every variant of a file, the bulk checks
    derived from the spec and the GX suite built from it agree, file and column."""
    second = {**row, **{c: v for c, v in (("record_id", "h2"), ("work_date", "2023-01-03"),
                                          ("student_number", "612346")) if c in row}}
    rows = [{**row, column: value}, second]
    header = list(row)
    path = write(tmp_path / "f.csv", ";".join(header) + "\n"
                  + "".join(";".join(r[c] for c in header) + "\n" for r in rows))
    con = duckdb.connect()
    table = read_landing_file(path, con)
    sql = validate(table, source.spec, today=TODAY, suite=False)
    gx = validate(table, source.spec, today=TODAY)
    assert sql.ok == gx.suite.success, (sql.summary(), gx.suite_lines)
    assert {c for c, _rule in sql.counts} == {o.column for o in gx.suite.failed}, (sql.summary(), gx.suite_lines)


#: The survey's timestamps and answers, one cell of its first row at a time (TODAY is 2026-11-25).
SURVEY_CELLS = {
    "submitted_at": ["2026-11-25 23:59:59.5", "2026-11-26 00:00:00", "1999-12-31 23:00", "2000-01-01 00:00", "",
                     "25-11-2026 10:00", "x"],
    "started_at": ["", "2026-11-26 08:00"],
    "finished": ["", "ja", "misschien"],
    "k10_1": ["", "0", "5", "6", "x"],
}


@pytest.mark.parametrize("column,value", [(c, v) for c, values in SURVEY_CELLS.items() for v in values])
def test_the_bulk_checks_pass_exactly_what_the_suite_passes_on_a_survey(tmp_path, column, value):
    index = SURVEY_HEADER.index(column)
    first = survey_row("R1", "612345")
    first[index] = value
    con = duckdb.connect()
    path = write(tmp_path / "swm_2024.csv", survey_file([first, survey_row("R2", "700001")]))
    table = read_landing_file(path, con, "survey")
    derived = {"survey_year": "COALESCE(2024, year(submitted_at))"}
    sql = validate(table, survey.SURVEY_RESPONSES, today=TODAY, suite=False, derived=derived)
    gx = validate(table, survey.SURVEY_RESPONSES, today=TODAY, derived=derived)
    assert sql.ok == gx.suite.success, (sql.summary(), gx.suite_lines)
    assert {c for c, _rule in sql.counts} == {o.column for o in gx.suite.failed}, (sql.summary(), gx.suite_lines)


def test_a_wide_frame_in_narrow_slices_gives_the_same_outcome(tmp_path, monkeypatch):
    """The survey's ~130 columns go to GX in slices of at most NARROW_COLUMNS: the same expectations, the same
    failures with the same rows as one validation of the whole frame."""
    import expectations.suites as suites

    path = write(tmp_path / "swm_2024.csv", survey_file([survey_row("R1", "612345"),
                                                          survey_row("R2", "700001", k10_1="9"),
                                                          survey_row("R1", "700002")]))
    con = duckdb.connect()
    table = read_landing_file(path, con, "survey")
    result = validate(table, survey.SURVEY_RESPONSES, today=TODAY, suite=False,
                      derived={"survey_year": "COALESCE(2024, year(submitted_at))"})
    outcomes, default = {}, suites.NARROW_COLUMNS
    for narrow in (default, 10_000):
        monkeypatch.setattr(suites, "NARROW_COLUMNS", narrow)
        outcome = run_suite(con, survey.SURVEY_RESPONSES, text_relation=table.name,
                            cells_relation=result.cells_relation, present=table.columns, today=TODAY,
                            derived=("survey_year",))
        outcomes[narrow] = sorted((o.key, o.success, o.unexpected, tuple(o.examples)) for o in outcome.outcomes)
    sliced, whole = outcomes.values()
    assert sliced == whole and len(sliced) > 2 * default
    failed = [(key.split(":")[0], n, examples) for key, ok, n, examples in sliced if not ok]
    assert ("expect_column_values_to_be_in_set", 1, ((3, "9"),)) in failed
    assert any(name == "expect_compound_columns_to_be_unique" and n == 2 for name, n, _ in failed)
