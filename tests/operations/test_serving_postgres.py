"""The PostgreSQL serving database (WB_SERVING_DSN): `wellbeing materialize` publishes every mart into its
schema `marts`, equal to DuckDB's; a later run replaces them for a reader that stays connected; a failed
publication leaves the previous version whole."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import psycopg
import pytest

from assets.common.settings import PROJECT_ROOT
from assets.exports.serving import publish_marts
from tests.landing_zones.hand_worked import KEY, build_landing
from tests.postgres.pg_harness import differences, table_names

BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def served(pg_database, tmp_path_factory) -> dict:
    data_dir = tmp_path_factory.mktemp("serving") / "data"
    build_landing(data_dir / "landing")
    env = {"PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(data_dir.parent), "WB_DATA_DIR": str(data_dir),
           "WB_PSEUDONYM_KEY": KEY, "WB_SERVING_DSN": pg_database, "GX_ANALYTICS_ENABLED": "false",
           "DO_NOT_TRACK": "1", "WB_SETTLE_SECONDS": "0"}  # the files below are written whole at once
    materialize(env)
    return {"dsn": pg_database, "data_dir": data_dir, "env": env}


def materialize(env: dict) -> None:
    done = subprocess.run([str(BIN / "wellbeing"), "materialize"], cwd=PROJECT_ROOT, env=env, capture_output=True,
                          text=True, timeout=1200)
    assert done.returncode == 0, done.stderr[-3000:]


def warehouse(data_dir: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(data_dir / "warehouse" / "wellbeing.duckdb"), read_only=True)


def pg_rows(dsn: str, table: str) -> list[tuple]:
    with psycopg.connect(dsn) as con:
        return con.execute(f'SELECT * FROM marts."{table}"').fetchall()


def assert_published_as_in_duckdb(served: dict) -> None:
    with warehouse(served["data_dir"]) as duck, psycopg.connect(served["dsn"]) as pg:
        tables = table_names(duck, "marts")
        published = [r[0] for r in pg.execute("SELECT table_name FROM information_schema.tables "
                                              "WHERE table_schema = 'marts' ORDER BY 1").fetchall()]
        assert published == tables
        for table in tables:
            assert differences(duck, pg, "marts", table) == [], table


def test_every_mart_is_published_equal_to_duckdb(served):
    with warehouse(served["data_dir"]) as duck:
        tables = table_names(duck, "marts")
    assert {"participation_institution", "participation_by_location", "dim_quarter", "wellbeing_indicators"} <= set(tables)
    assert_published_as_in_duckdb(served)
    q1 = [r for r in pg_rows(served["dsn"], "participation_institution") if r[0] == "2023-Q1"]
    assert len(q1) == 1


def test_descriptions_travel_as_comments(served):
    with psycopg.connect(served["dsn"]) as con:
        (table_comment,) = con.execute("SELECT obj_description('marts.participation_institution'::regclass)").fetchone()
        (column_comment,) = con.execute(
            """SELECT col_description('marts.participation_institution'::regclass, ordinal_position::int)
               FROM information_schema.columns
               WHERE table_schema = 'marts' AND table_name = 'participation_institution'
                 AND column_name = 'n_participated'""").fetchone()
    assert table_comment and "quarter" in table_comment.lower()
    assert column_comment and "distinct students" in column_comment.lower()


def test_keys_for_power_bi_read_back_from_information_schema(served):
    """Power BI creates relationships from foreign keys: every fact relates to its dimensions, and every key is
    declared as dbt's grain, unique and relationships tests say (assets/exports/keys.py)."""
    with psycopg.connect(served["dsn"]) as con:
        rows = con.execute("""
            SELECT tc.table_name, tc.constraint_type, kcu.column_name, ccu.table_name, ccu.column_name
            FROM information_schema.table_constraints tc
            JOIN information_schema.key_column_usage kcu
              ON kcu.constraint_name = tc.constraint_name AND kcu.table_schema = tc.table_schema
            LEFT JOIN information_schema.constraint_column_usage ccu
              ON ccu.constraint_name = tc.constraint_name AND tc.constraint_type = 'FOREIGN KEY'
            WHERE tc.table_schema = 'marts' AND tc.constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY', 'UNIQUE')
            """).fetchall()
    foreign = {(t, c, rt, rc) for t, kind, c, rt, rc in rows if kind == "FOREIGN KEY"}
    primary = {(t, c) for t, kind, c, _rt, _rc in rows if kind == "PRIMARY KEY"}
    for table in ("participation_institution", "participation_by_location", "participation_by_domain",
                  "participation_by_programme"):
        assert (table, "quarter", "dim_quarter", "quarter") in foreign, table
        assert (table, "quarter") in primary, table
    assert ("participation_by_location", "location", "dim_location", "location") in foreign
    assert ("participation_by_domain", "domain", "dim_domain", "domain") in foreign
    assert ("participation_by_programme", "programme_location_key", "dim_programme",
            "programme_location_key") in foreign
    for table in ("wellbeing_indicators", "wellbeing_by_participation", "wellbeing_changes"):
        assert (table, "indicator", "dim_indicator", "indicator") in foreign, table
    assert {("dim_quarter", "quarter"), ("dim_location", "location"), ("dim_domain", "domain"),
            ("dim_indicator", "indicator")} <= primary
    # a grain with a column that is null in some rows (location of an institution row) has no primary key
    assert not any(t == "wellbeing_indicators" for t, _c in primary)


def test_a_later_run_replaces_the_marts_for_a_connected_reader(served):
    with psycopg.connect(served["dsn"], autocommit=True) as reader:  # a BI tool that stays connected
        q3 = """SELECT n_participated, hours_total FROM marts.participation_institution WHERE quarter = '2023-Q3'"""
        # counted students (DUO 2022 covers Q3), but the hours end in Q2: no data, not 0
        assert reader.execute(q3).fetchone() == (None, None)
        (served["data_dir"] / "landing" / "participation" / "hours" / "2023-09.csv").write_text(
            "record_id;student_number;programme_code;location;work_date;hours\n"
            "n1;700005;34145;Haarlem;12-09-2023;4\n", encoding="utf-8")
        materialize(served["env"])
        row = reader.execute(q3).fetchone()
    assert row == (1, None)  # one student worked: counted, but one student's hours are not published
    assert_published_as_in_duckdb(served)


def test_a_failed_publication_leaves_the_previous_version_whole(served):
    with warehouse(served["data_dir"]) as duck:
        before = {t: pg_rows(served["dsn"], t) for t in table_names(duck, "marts")}
        with pytest.raises(duckdb.CatalogException):
            publish_marts(duck, served["dsn"], ["participation_institution", "dim_quarter", "no_such_mart"], {})
    assert {t: pg_rows(served["dsn"], t) for t in before} == before  # nothing replaced, nothing dropped
