"""DUO's public enrolment files (`students/duo/`), in either layout DUO has published.

- the current *long* layout: one row per study year × … × programme × municipality, `AANTAL_INGESCHREVENEN`
  (also the flattened open-data copy with `croho_code`, `is_onderdrukt`);
- the older *wide* layout: one column per year (`2015;2016;…`), `;`-separated, blank lines in the body.

Both become one long text table that the generic validation checks against `DUO_ENROLMENT`
(expectations/specs.py). Rows of other institutions are dropped
(BRIN from `WB_BRIN`; a file without a BRIN column is taken to be the institution's own extract). Suppressed
cells (`<5`, `-1`, or empty with `is_onderdrukt`) stay unknown: `n_enrolled` null, `is_suppressed` true.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from assets.common.landing_files import read_landing_file
from assets.common.settings import Settings
from assets.ingest.engine import Source
from expectations.column_mapping import load_mapping
from expectations.specs import DUO_ENROLMENT, DUO_SUPPRESSED
from expectations.validate import ValidationResult, validate

#: Columns that split a programme × municipality count further; kept so no source row is lost.
BREAKDOWN_COLUMNS = ("geslacht", "opleidingsvorm", "opleidingsfase_actueel", "opleidingsfase", "soort_instelling")


def read_duo(path: Path, con: duckdb.DuckDBPyConnection, settings: Settings,
             defer_suite: bool = False) -> tuple[str | None, ValidationResult]:
    table = read_landing_file(path, con, "duo_src", mapping=load_mapping(settings, DUO_ENROLMENT.name),
                              limits=settings.landing, root=settings.landing_dir)
    cols = table.columns
    measure = "eerstejaars" if "eerstejaars" in path.name.lower() else "ingeschrevenen"
    breakdown_cols = [c for c in BREAKDOWN_COLUMNS if c in cols]
    breakdown = ("concat_ws('|', " + ", ".join(f"'{c}=' || coalesce(\"{c}\", '')" for c in breakdown_cols) + ")"
                 if breakdown_cols else "''")

    def col(name: str) -> str:
        return f'"{name}"' if name in cols else "NULL"

    common = (f"_row, {col('brin')} AS brin, {col('programme_code')} AS programme_code, "
              f"{col('programme_name')} AS programme_name, {col('municipality')} AS municipality, "
              f"{col('municipality_code')} AS municipality_code, coalesce({col('level')}, '') AS level, "
              f"{breakdown} AS breakdown, '{measure}' AS measure")
    year_cols = [c for c in cols if re.fullmatch(r"\d{4}", c)]
    flag = ("CASE WHEN lower(coalesce(is_onderdrukt, 'false')) IN ('true', '1', 'ja') THEN 'true' ELSE 'false' END"
            if "is_onderdrukt" in cols else "'false'")
    if year_cols:  # wide layout: one column per study year
        selects = [f"SELECT {common}, '{y}' AS study_year, \"{y}\" AS n_text, {flag} AS suppressed_flag FROM duo_src"
                   for y in year_cols]
        body = " UNION ALL ".join(selects)
    else:
        body = f"SELECT {common}, {col('study_year')} AS study_year, {col('n_enrolled')} AS n_text, " \
               f"{flag} AS suppressed_flag FROM duo_src"
    brin_filter = f"WHERE brin IS NULL OR upper(brin) = '{settings.brin}'"
    con.execute(f"CREATE OR REPLACE TABLE duo AS SELECT * FROM ({body}) {brin_filter}")
    table.name = "duo"
    table.columns = [r[0] for r in con.execute("DESCRIBE duo").fetchall() if r[0] != "_row"]
    if not year_cols and "n_enrolled" not in cols:
        table.columns.remove("n_text")  # the required-column check then names the missing count column
    result = validate(table, DUO_ENROLMENT, defer_suite=defer_suite)
    if not result.ok:
        return None, result
    con.execute(
        f"""CREATE OR REPLACE TABLE duo_typed AS
            SELECT t._row, t.study_year::INTEGER AS study_year, t.brin, t.programme_code, t.programme_name,
                   t.municipality, t.municipality_code, t.level, t.breakdown, t.measure,
                   CASE WHEN t.n_text IN {DUO_SUPPRESSED} OR t.n_text IS NULL THEN NULL
                        ELSE CAST(t.n_text AS INTEGER) END AS n_enrolled,
                   (t.n_text IN {DUO_SUPPRESSED} OR t.n_text IS NULL) AS is_suppressed
            FROM duo_typed t""")
    return "duo_typed", result


ENROLMENT = Source(DUO_ENROLMENT, reader=read_duo)
