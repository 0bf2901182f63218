"""The dbt project on PostgreSQL gives what it gives on DuckDB.

A small hand-made landing zone (tests/landing_zones/surveys.py: every source, two survey years) goes through the real ingestion
(assets/ingest: validation, pseudonymisation, upsert; the code the Dagster assets run) into a DuckDB warehouse;
its `raw.*` is copied into a fresh PostgreSQL database (assets/common/postgres_raw.py), and `dbt build` runs on
both, at the same time: on DuckDB (the default target) and with `--target postgres` (in two steps around
`wellbeing disclose`: PostgreSQL has no Python models, docs/disclosure.md). Both must pass, data tests
and unit tests included, and every marts.* and restricted.* table must hold the same rows on both (floats
within 1e-9 relative).

Also: pg_copy.copy_table round-trips awkward values exactly.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import duckdb
import psycopg
import pytest

from assets.common.pg_copy import copy_table, pg_type
from assets.common.postgres_raw import copy_raw_schema
from assets.common.settings import DBT_PROJECT_DIR, PROJECT_ROOT, LandingLimits, Settings
from assets.common.warehouse import connect
from assets.ingest import duo, participation, students, survey
from assets.ingest.engine import load, scan
from pg_harness import conninfo, differences, table_names
from tests.landing_zones.surveys import build_landing

KEY = "postgres-test-key-0123456789abcdef0123456789"  # 32 characters at least (settings.require_key)
SOURCES = [students.REGISTER, students.COUNTS, duo.ENROLMENT, participation.HOURS, participation.POOL,
           survey.RESPONSES]
PUBLISHED_SCHEMAS = ("marts", "restricted")


def _dbt(work_dir: Path, env: dict[str, str], *args: str) -> subprocess.Popen:
    project = str(DBT_PROJECT_DIR.relative_to(PROJECT_ROOT))
    return subprocess.Popen(
        [str(Path(sys.executable).with_name("dbt")), "build", *args, "--project-dir", project,
         "--profiles-dir", project, "--target-path", str(work_dir / "target"), "--log-path", str(work_dir / "logs")],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _results(work_dir: Path) -> dict[str, str]:
    """What a target's build ran (PostgreSQL: its two dbt steps around `wellbeing disclose`)."""
    out = {}
    for target in sorted(work_dir.glob("*/target")):
        run_results = json.loads((target / "run_results.json").read_text())
        out.update({r["unique_id"]: r["status"] for r in run_results["results"]})
    return out


@pytest.fixture(scope="module")
def built(tmp_path_factory, pg_database):
    tmp = tmp_path_factory.mktemp("pg")
    settings = Settings(data_dir=tmp / "data", pseudonym_key=KEY, landing=LandingLimits(settle_seconds=0))
    build_landing(settings.landing_dir)
    with connect(settings.warehouse_path) as con:
        for source in SOURCES:
            report = scan(source, settings, con)
            assert all(f.status == "accepted" for f in report.files), [(f.file, f.message) for f in report.files]
            load(source, settings, con)

    database = pg_database()
    with psycopg.connect(conninfo(database)) as pg:
        copied = copy_raw_schema(settings.warehouse_path, pg)

    env = {**os.environ, **settings.dbt_env(), "WB_PG_DATABASE": database,
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DBT_USE_COLORS": "false"}
    # DuckDB: one `dbt build` (its Python models decide disclosure control). PostgreSQL has no Python models:
    # the models up to the disclosure cells, `wellbeing disclose` (the same library), then the rest
    with ThreadPoolExecutor(1) as beside:  # DuckDB's build runs while PostgreSQL's steps do
        duckdb_build = _dbt(tmp / "duckdb" / "all", env)
        duckdb_output = beside.submit(duckdb_build.communicate, timeout=900)
        for step, selection in (("cells", "--select"), ("rest", "--exclude")):
            postgres_build = _dbt(tmp / "postgres" / step, env, "--target", "postgres", selection,
                                  "+tag:disclosure_cells")
            output = postgres_build.communicate(timeout=900)[0]
            assert postgres_build.returncode == 0, f"dbt build ({step}) on postgres failed:\n{output[-8000:]}"
            if step == "cells":
                done = subprocess.run([str(Path(sys.executable).with_name("wellbeing")), "disclose"], env=env,
                                      capture_output=True, text=True, timeout=900)
                assert done.returncode == 0, f"wellbeing disclose failed:\n{done.stdout}{done.stderr}"
        output = duckdb_output.result()[0]
    assert duckdb_build.returncode == 0, f"dbt build on duckdb failed:\n{output[-8000:]}"
    return {"settings": settings, "database": database, "copied": copied, "tmp": tmp}


def test_raw_tables_copied_whole(built):
    with duckdb.connect(str(built["settings"].warehouse_path), read_only=True) as duck, \
            psycopg.connect(conninfo(built["database"])) as pg:
        tables = table_names(duck, "raw")
        assert set(built["copied"]) == set(tables)
        for table in tables:
            (n,) = duck.execute(f"SELECT count(*) FROM raw.{table}").fetchone()
            assert built["copied"][table] == n
            assert not differences(duck, pg, "raw", table)
    assert built["copied"]["survey_responses"] == 100
    assert built["copied"]["participation_hours"] > 100


def test_dbt_build_passes_on_postgres_with_every_test(built):
    on_duckdb, on_postgres = _results(built["tmp"] / "duckdb"), _results(built["tmp"] / "postgres")
    # the same nodes (the disclosure decisions: a Python model on DuckDB, a SQL model of the same name on
    # PostgreSQL, which has no Python models)
    assert set(on_postgres) == set(on_duckdb)
    failed = {node: status for node, status in on_postgres.items() if status not in ("success", "pass")}
    assert not failed
    assert sum(node.startswith("unit_test.") for node in on_postgres) >= 20
    tests = [node for node in on_postgres if node.startswith("test.")]
    assert len(tests) >= 120  # column rules are grouped: one not_null_columns, one column_values_allowed per model
    assert sum("_columns_not_null." in node for node in tests) >= 25
    assert sum("_values_allowed." in node for node in tests) >= 15


def test_every_published_table_equal_on_both(built):
    with duckdb.connect(str(built["settings"].warehouse_path), read_only=True) as duck, \
            psycopg.connect(conninfo(built["database"])) as pg:
        for schema in PUBLISHED_SCHEMAS:
            tables = table_names(duck, schema)
            on_postgres = [r[0] for r in pg.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s ORDER BY 1",
                [schema]).fetchall()]
            assert on_postgres == tables
            for table in tables:
                assert not differences(duck, pg, schema, table)
        # the comparison means something: every mart has rows, wellbeing values are published and suppressed
        for table in table_names(duck, "marts") + ["restricted.student_feedback"]:
            name = table if "." in table else f"marts.{table}"
            assert duck.execute(f"SELECT count(*) FROM {name}").fetchone()[0] > 0, name
        published, suppressed = duck.execute(
            "SELECT count(*) FILTER (WHERE NOT suppressed), count(*) FILTER (WHERE suppressed) "
            "FROM marts.wellbeing_indicators").fetchone()
        assert published > 20 and suppressed > 20


AWKWARD = """
    SELECT * FROM (VALUES
        (1, 'tab\there', 'new\nline\r\n', 'quote '' " end', 'back\\slash \\N \\t', 'één ∑ 🙂', DATE '2023-12-31',
         TIMESTAMP '2024-02-29 23:59:59.123456', true, 12345678.90::DECIMAL(18,2), 0.1::DOUBLE, 42::SMALLINT,
         9007199254740993::BIGINT, ['a', 'b,c', NULL, '{x}']),
        (2, '', 'NULL', '\\N', ',;|', 'ß', DATE '0001-01-01', TIMESTAMP '1970-01-01 00:00:00', false,
         -0.01::DECIMAL(18,2), 1e-300::DOUBLE, (-32768)::SMALLINT, -1::BIGINT, []::VARCHAR[]),
        (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)
    ) AS t(id, tabbed, newlines, quotes, backslashes, unicode, day, moment, flag, amount, ratio, small, big, tags)
"""


def test_pg_copy_round_trips_awkward_values(pg_database):
    duck = duckdb.connect()
    duck.execute(f"CREATE TABLE awkward AS {AWKWARD}")
    expected = duck.execute("SELECT * FROM awkward ORDER BY id").fetchall()
    with psycopg.connect(conninfo(pg_database())) as pg:
        assert copy_table(duck, pg, "awkward", "raw", "awkward") == 3
        assert copy_table(duck, pg, "SELECT id, day FROM awkward WHERE flag", "ser ving", "Select") == 1
        pg.commit()
        assert pg.execute("SELECT * FROM raw.awkward ORDER BY id").fetchall() == expected
        assert pg.execute('SELECT * FROM "ser ving"."Select"').fetchall() == [(1, dt.date(2023, 12, 31))]
        types = dict(pg.execute("""SELECT column_name, format_type(atttypid, atttypmod)
                                   FROM information_schema.columns
                                   JOIN pg_attribute ON attrelid = 'raw.awkward'::regclass AND attname = column_name
                                   WHERE table_schema = 'raw' AND table_name = 'awkward'""").fetchall())
        assert types == {"id": "integer", "tabbed": "text", "newlines": "text", "quotes": "text",
                         "backslashes": "text", "unicode": "text", "day": "date",
                         "moment": "timestamp without time zone", "flag": "boolean", "amount": "numeric(18,2)",
                         "ratio": "double precision", "small": "smallint", "big": "bigint", "tags": "text[]"}
        assert pg.execute("SELECT amount FROM raw.awkward WHERE id = 1").fetchone() == (Decimal("12345678.90"),)

        # a copy replaces the table, and commits nothing itself
        duck.execute("DELETE FROM awkward WHERE id > 1")
        assert copy_table(duck, pg, "awkward", "raw", "awkward") == 1
        pg.rollback()
        assert pg.execute("SELECT count(*) FROM raw.awkward").fetchone() == (3,)


def test_pg_type_mapping():
    assert pg_type("DECIMAL(8,2)") == "numeric(8,2)"
    assert pg_type("VARCHAR[]") == "text[]"
    assert pg_type("INTEGER[3]") == "integer[]"
    assert pg_type("INTEGER[][]") == "jsonb"
    assert pg_type("STRUCT(a INTEGER, b VARCHAR)") == "jsonb"
    assert pg_type("TIMESTAMP WITH TIME ZONE") == "timestamptz"
    with pytest.raises(ValueError):
        pg_type("GEOMETRY")
