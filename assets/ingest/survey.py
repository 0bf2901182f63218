"""The wellbeing survey (`survey/`): one row per response, partitioned by survey year.

The survey year is the `survey_year` column, else the four-digit year in the file name, else the year of
`submitted_at` (landing contract). Background answers are stored as readable labels; items as codebook codes.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from assets.common.landing_files import read_landing_file
from assets.common.settings import Settings
from assets.ingest.engine import Source
from expectations import questionnaires
from expectations.column_mapping import load_mapping
from expectations.survey_codebook import GENDER_LABELS, PART_A_ITEMS, PART_B_ITEMS, SURVEY_RESPONSES
from expectations.validate import ValidationResult, validate

_YEAR_IN_NAME = re.compile(r"(?<!\d)(20\d{2})(?!\d)")


def read_survey(path: Path, con: duckdb.DuckDBPyConnection, settings: Settings,
                defer_suite: bool = False) -> tuple[str | None, ValidationResult]:
    table = read_landing_file(path, con, "survey", mapping=load_mapping(settings, SURVEY_RESPONSES.name),
                              limits=settings.landing, root=settings.landing_dir)
    match = _YEAR_IN_NAME.search(path.stem)
    from_name = match.group(1) if match else "NULL"
    result = validate(table, questionnaires.survey_spec(questionnaires.load(settings)),
                      derived={"survey_year": f"COALESCE({from_name}, year(submitted_at))"}, defer_suite=defer_suite)
    if not result.ok:
        return None, result
    gender = " ".join(f"WHEN {code} THEN '{label}'" for code, label in GENDER_LABELS.items())
    items = ", ".join(f"t.{item}" for item in (*PART_A_ITEMS, *PART_B_ITEMS))
    con.execute(f"""
        CREATE OR REPLACE TABLE survey_loaded AS
        SELECT t._row, CAST(t.survey_year AS INTEGER) AS survey_year, t.response_id, t.student_number,
               t.started_at, t.submitted_at, t.finished, t.programme_code, t.location,
               CASE t.study_year WHEN 4 THEN '4+' ELSE CAST(t.study_year AS VARCHAR) END AS study_year,
               CASE t.gender {gender} END AS gender,
               t.international = 1 AS international, t.first_generation = 1 AS first_generation, {items}
        FROM {result.typed} t""")
    return "survey_loaded", result


RESPONSES = Source(SURVEY_RESPONSES, reader=read_survey, partition_sql="CAST(t.survey_year AS VARCHAR)",
                   recursive=True)
