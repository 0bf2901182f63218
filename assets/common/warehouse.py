"""The DuckDB warehouse file: connection, the raw and ops tables' DDL, and the upsert of raw rows.

Only the pipeline writes this file (one writer at a time: DuckDB locks it). Analysts read published copies
(see assets/exports).
"""

from __future__ import annotations

import hashlib
from contextlib import contextmanager
from pathlib import Path
from collections.abc import Iterator

import duckdb

from assets.common.private import private_dir, private_file, tighten_dir
from assets.common.settings import data_group, duckdb_memory_limit
from expectations.survey_codebook import PART_A_ITEMS, PART_B_ITEMS

SURVEY_ITEMS = (*PART_A_ITEMS, *PART_B_ITEMS)

LOAD_META = """
    _source_file VARCHAR NOT NULL,
    _file_sha256 VARCHAR NOT NULL,
    _file_mtime TIMESTAMP NOT NULL,
    _loaded_at TIMESTAMP NOT NULL
"""

#: raw tables: name -> (column DDL, natural key). docs/design.md documents them for dbt.
RAW_TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "participation_hours": (
        """record_id VARCHAR NOT NULL, pseudo_id VARCHAR NOT NULL, programme_code VARCHAR NOT NULL,
        location VARCHAR NOT NULL, work_date DATE NOT NULL, hours DECIMAL(8,2) NOT NULL,
        role VARCHAR, department VARCHAR""",
        ("record_id",),
    ),
    "participation_pool": (
        """pseudo_id VARCHAR NOT NULL, programme_code VARCHAR NOT NULL, location VARCHAR NOT NULL,
        available_from DATE NOT NULL, available_until DATE""",
        ("pseudo_id", "available_from"),
    ),
    "student_counts": (
        """quarter VARCHAR NOT NULL, programme_code VARCHAR NOT NULL, location VARCHAR NOT NULL,
        n_students INTEGER NOT NULL""",
        ("quarter", "programme_code", "location"),
    ),
    "duo_enrolment": (
        """study_year INTEGER NOT NULL, brin VARCHAR, programme_code VARCHAR NOT NULL, programme_name VARCHAR,
        municipality VARCHAR NOT NULL, municipality_code VARCHAR, level VARCHAR NOT NULL,
        breakdown VARCHAR NOT NULL, measure VARCHAR NOT NULL, n_enrolled INTEGER, is_suppressed BOOLEAN NOT NULL""",
        ("study_year", "programme_code", "municipality", "level", "breakdown", "measure"),
    ),
    "survey_responses": (
        """survey_year INTEGER NOT NULL, response_id VARCHAR NOT NULL, pseudo_id VARCHAR NOT NULL,
        started_at TIMESTAMP, submitted_at TIMESTAMP, finished BOOLEAN NOT NULL, programme_code VARCHAR NOT NULL,
        location VARCHAR NOT NULL, study_year VARCHAR, gender VARCHAR, international BOOLEAN,
        first_generation BOOLEAN, """ + ", ".join(f"{item} SMALLINT" for item in SURVEY_ITEMS),
        ("survey_year", "response_id"),
    ),
    "programme_register": (
        """programme_code VARCHAR NOT NULL, programme_name VARCHAR NOT NULL, domain VARCHAR NOT NULL,
        location VARCHAR NOT NULL, duo_municipality VARCHAR""",
        ("programme_code", "location"),
    ),
}

OPS_DDL = [
    """CREATE TABLE IF NOT EXISTS ops.load_log (
        source VARCHAR NOT NULL, file VARCHAR NOT NULL, file_sha256 VARCHAR NOT NULL, file_mtime TIMESTAMP,
        status VARCHAR NOT NULL,          -- loaded | unchanged | rejected
        rows_in_file BIGINT, rows_upserted BIGINT, message VARCHAR, run_id VARCHAR,
        logged_at TIMESTAMP NOT NULL DEFAULT current_timestamp)""",
    """CREATE TABLE IF NOT EXISTS ops.alerts (
        alert_id VARCHAR NOT NULL, raised_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
        severity VARCHAR NOT NULL,        -- error | warning
        kind VARCHAR NOT NULL,            -- rejected_file | failed_check | warning | freshness | run_failure
        subject VARCHAR NOT NULL, source VARCHAR, file VARCHAR, check_name VARCHAR,
        message VARCHAR NOT NULL, action VARCHAR, run_id VARCHAR, mailed_at TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS ops.landing_files (
        source VARCHAR NOT NULL, file VARCHAR NOT NULL, file_sha256 VARCHAR NOT NULL,
        file_mtime TIMESTAMP NOT NULL, status VARCHAR NOT NULL,  -- accepted | rejected
        rows BIGINT, partitions VARCHAR[], message VARCHAR, report VARCHAR,
        seen_at TIMESTAMP NOT NULL DEFAULT current_timestamp, PRIMARY KEY (source, file_sha256))""",
    """CREATE TABLE IF NOT EXISTS ops.loaded_partitions (
        source VARCHAR NOT NULL, file_sha256 VARCHAR NOT NULL, partition VARCHAR NOT NULL,
        loaded_at TIMESTAMP NOT NULL, run_id VARCHAR)""",
    # what the pipeline once decided rebuilds from; Dagster's code and data versions decide now
    "DROP TABLE IF EXISTS ops.builds",
    "DROP TABLE IF EXISTS ops.incremental_builds",
    """CREATE TABLE IF NOT EXISTS ops.pseudonym_key (
        fingerprint VARCHAR NOT NULL,     -- of the key the pseudonyms were made with (assets/common/key_guard.py)
        recorded_at TIMESTAMP NOT NULL DEFAULT current_timestamp)""",
    """CREATE TABLE IF NOT EXISTS ops.check_results (
        checked_at TIMESTAMP NOT NULL DEFAULT current_timestamp, asset VARCHAR NOT NULL,
        check_name VARCHAR NOT NULL, passed BOOLEAN NOT NULL, severity VARCHAR, details VARCHAR,
        run_id VARCHAR)""",
]


@contextmanager
def connect(path: Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the warehouse file; creates the folder and the raw/ops tables on first write.

    The folder and the file are readable by the owner only (private.py): a folder made before, with the umask,
    is tightened on every connection, as DuckDB makes its write-ahead log (`wellbeing.duckdb.wal`) and its spill
    folder with the umask; the spill folder is set inside the warehouse folder (`wellbeing.duckdb.tmp/`), whatever
    DuckDB's defaults."""
    if not read_only and not path.parent.exists():
        private_dir(path.parent, data_group())
    elif path.parent.exists():
        tighten_dir(path.parent, data_group())
    config = {"memory_limit": duckdb_memory_limit(), "temp_directory": str(path.with_name(path.name + ".tmp"))}
    con = duckdb.connect(str(path), read_only=read_only, config=config)
    try:
        if not read_only:
            private_file(path, data_group())
            ensure_schema(con)
        yield con
    finally:
        con.close()


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the schemas and the raw/ops tables dbt reads as sources (idempotent)."""
    for schema in ("raw", "ops"):
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    for name, (columns, _key) in RAW_TABLES.items():
        con.execute(f"CREATE TABLE IF NOT EXISTS raw.{name} ({columns}, {LOAD_META})")
    for ddl in OPS_DDL:
        con.execute(ddl)


def upsert(con: duckdb.DuckDBPyConnection, table: str, staged_relation: str) -> dict[str, int]:
    """Upsert the rows of `staged_relation` into `raw.<table>` by the table's natural key.

    Newest file wins: a staged row replaces a stored row with the same key only when its file is newer (by
    modification time, then name); a stored row from a newer file is kept; among staged rows with the same key
    (several files loaded at once) the newest file's row is the one written. Returns the rows written per file
    (`_file_sha256`).
    """
    _columns, key = RAW_TABLES[table]
    on = " AND ".join(f"t.{k} IS NOT DISTINCT FROM s.{k}" for k in key)
    newer = "(s._file_mtime, s._source_file) >= (t._file_mtime, t._source_file)"
    staged = staged_relation
    duplicates = con.execute(f"SELECT count(*) - count(DISTINCT ({', '.join(key)})) FROM {staged}").fetchone()[0]
    if duplicates:  # the same key in several files loaded together (a file itself has none: validation)
        staged = (f"(SELECT * FROM {staged_relation} QUALIFY row_number() OVER (PARTITION BY {', '.join(key)} "
                  "ORDER BY _file_mtime DESC, _source_file DESC) = 1)")
    stored = con.execute(f"SELECT count(*) FROM (SELECT 1 FROM raw.{table} LIMIT 1)").fetchall()[0][0]
    if stored:
        # A hash join on the key (`NOT EXISTS` with the file-order condition inside ran as a far slower plan); a
        # stored row is never null in _file_mtime, so no match reads as null there.
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _upsert AS
                SELECT s.* FROM {staged} s LEFT JOIN raw.{table} t ON {on}
                WHERE t._file_mtime IS NULL OR {newer}"""
        )
        con.execute(f"DELETE FROM raw.{table} t USING _upsert s WHERE {on}")
        rows = "_upsert"
    else:  # a first load (a full refresh): every staged row is new, no join and no copy of millions of rows
        rows = staged
    target = [r[0] for r in con.execute(f"DESCRIBE raw.{table}").fetchall()]
    staged_columns = {r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {rows}").fetchall()}
    cols = ", ".join(f'"{c}"' for c in target if c in staged_columns)  # extra source columns are not raw data
    con.execute(f"INSERT INTO raw.{table} ({cols}) SELECT {cols} FROM {rows}")
    written = dict(con.execute(f"SELECT _file_sha256, count(*) FROM {rows} GROUP BY 1").fetchall())
    if stored:
        con.execute("DROP TABLE _upsert")
    return {sha: int(n) for sha, n in written.items()}


def table_content_version(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> str:
    """A table's columns and rows, whatever their order, as one hash ("absent" for no table): equal contents,
    equal versions."""
    columns = con.execute(
        """SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = ? AND table_name = ?
           AND table_catalog = current_database() ORDER BY ordinal_position""", [schema, table]).fetchall()
    if not columns:
        return "absent"
    [(rows, content)] = con.execute(
        f'SELECT count(*), coalesce(sum(hash(t)::HUGEINT), 0) FROM "{schema}"."{table}" AS t').fetchall()
    return hashlib.sha256(f"{columns}|{rows}|{content}".encode()).hexdigest()


def load_version(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """A raw table's version without reading its rows: its row count and latest `_loaded_at`. Every upsert
    stamps the rows it writes later than any row the table holds (assets/ingest/engine.py `load_stamp`), so a
    load that wrote anything changes it, and a run that loaded nothing keeps it."""
    rows, latest = con.execute(f"SELECT count(*), max(_loaded_at) FROM raw.{table}").fetchone()
    return f"{rows}:{latest}"
