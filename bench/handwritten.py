"""Runs the hand-written DuckDB script (`handwritten.sql`) on a landing zone: the benchmark's practical limit.

Python only lists the files, reads workbooks (DuckDB's excel extension cannot be installed here), computes the
HMAC of each distinct student number, and fills in the script's parameters; all the rest is the SQL.

    python -m bench.handwritten LANDING_DIR [--out results.parquet-dir]
"""

from __future__ import annotations

import string
from pathlib import Path

import duckdb
import pandas as pd

from expectations.survey_codebook import FREQUENCY_5
from bench.landing_io import (
    aliases_file, baseline_main, delimiter, is_qualtrics, landing_files, pseudonym_table, register_file,
    xlsx_arrow,
)

SCRIPT = Path(__file__).with_name("handwritten.sql")
#: optional columns a source may leave out (then empty)
OPTIONAL = {"counts_text": ("quarter", "reference_date"), "survey_text": ("survey_year",),
            "pool_text": ("available_until",)}
K10_ITEMS = [f"k10_{i}" for i in range(1, 11)]


def _k10_parameters() -> dict[str, str]:
    whens = " ".join(f"when '{label}' then {code}" for label, code in FREQUENCY_5.items())
    codes = ", ".join(f"(case lower(trim({c})) {whens} end) as {c}" for c in K10_ITEMS)
    answered = " + ".join(f"(case when {c} between 1 and 5 then 1 else 0 end)" for c in K10_ITEMS)
    total = " + ".join(f"coalesce(case when {c} between 1 and 5 then {c} end, 0)" for c in K10_ITEMS)
    return {"k10_codes": codes, "k10_answered": answered, "k10_sum": total}


def _load_text(con: duckdb.DuckDBPyConnection, table: str, files: list[Path]) -> None:
    """All files of one source as one table of text cells (+ `path`), CSVs read by DuckDB, workbooks by Python."""
    parts: list[str] = []
    csvs = [p for p in files if p.suffix.lower() in (".csv", ".txt")]
    groups: dict[tuple[str, bool], list[str]] = {}
    for p in csvs:
        groups.setdefault((delimiter(p), is_qualtrics(p)), []).append(str(p))
    for (delim, qualtrics), paths in groups.items():
        for chunk in ([[p] for p in paths] if qualtrics else [paths]):
            listed = "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in chunk) + "]"
            sql = (f"select * from read_csv({listed}, delim='{delim}', header=true, all_varchar=true, quote='\"', "
                   f"escape='\"', filename='path', union_by_name=true, normalize_names=false)")
            parts.append(f"(select * from ({sql}) offset 2)" if qualtrics else f"({sql})")
    for i, p in enumerate(p for p in files if p.suffix.lower() in (".xlsx", ".xlsm")):
        name = f"_{table}_xlsx_{i}"
        con.register(name, xlsx_arrow(p))
        parts.append(f"(select * from {name})")
    if not parts:
        raise FileNotFoundError(f"no files for {table}")
    con.execute(f"create or replace table {table} as " + " union all by name ".join(parts))
    cols = [r[0] for r in con.execute(f"describe {table}").fetchall()]
    renames = {c: c.strip().lower() for c in cols if c != c.strip().lower()}
    for old, new in renames.items():
        con.execute(f'alter table {table} rename column "{old}" to "{new}"')
    for optional in OPTIONAL.get(table, ()):
        if optional not in {renames.get(c, c) for c in cols}:
            con.execute(f"alter table {table} add column {optional} varchar")


def run(landing: Path, key: str, min_cell: int = 10, brin: str = "27PZ",
        con: duckdb.DuckDBPyConnection | None = None) -> dict[str, pd.DataFrame]:
    """The participation rows of every level and the wellbeing indicators, as data frames."""
    landing = Path(landing)
    con = con or duckdb.connect()
    sources = {s: landing_files(landing, s) for s in ("hours", "pool", "counts", "duo", "survey")}
    # DUO's long layout only (the old wide files hold first-year counts, which never become n_students)
    sources["duo"] = [p for p in sources["duo"] if "AANTAL_INGESCHREVENEN" in open(p, encoding="utf-8-sig").readline().upper()]
    files = pd.DataFrame([(str(p), p.name, p.stat().st_mtime) for ps in sources.values() for p in ps],
                         columns=["path", "name", "mtime"])
    con.register("files", files)
    for source, paths in sources.items():
        _load_text(con, f"{source}_text", paths)
    con.execute(f"create or replace table aliases as select * from read_csv('{aliases_file()}', all_varchar=true)")
    con.execute(f"create or replace table register_text as select * from read_csv('{register_file(landing)}', "
                "all_varchar=true)")

    # HMAC of each distinct normalised student number (Python: DuckDB has no HMAC)
    norm = ("case when ltrim(trim(student_number), '0') = '' and trim(student_number) <> '' then '0' "
            "else ltrim(trim(student_number), '0') end")
    distinct = [r[0] for r in con.execute(
        " union ".join(f"select {norm} from {t}_text" for t in ("hours", "pool", "survey"))).fetchall()
        if r[0] is not None]
    con.register("pseudonyms", pseudonym_table(distinct, key))

    script = string.Template(SCRIPT.read_text(encoding="utf-8")).substitute(
        min_cell=int(min_cell), brin=brin.replace("'", ""), **_k10_parameters())
    con.execute(script)
    return {
        "participation": con.execute("select * from participation order by level, quarter, group_name, location").df(),
        "wellbeing_indicators": con.execute(
            "select * from wellbeing_indicators order by survey_year, level, group_name, indicator").df(),
    }


def main(argv: list[str] | None = None) -> int:
    return baseline_main(run, "handwritten duckdb", __doc__, argv)


if __name__ == "__main__":
    raise SystemExit(main())
