"""The code location loads, and its asset graph is the one we mean: a change to it shows up here."""

from __future__ import annotations

import pytest
from dagster import AssetKey
from dagster._core.definitions.backfill_policy import BackfillPolicyType

from orchestration.definitions import defs
from assets.ingest.partitions import quarter_label, quarter_partition_key, quarter_partitions, survey_year_partitions

ASSETS = {
    *(f"landing_zone/{source}" for source in ("participation_hours", "participation_pool", "student_counts",
                                              "programme_register", "duo_enrolment", "survey_responses")),
    "landing/participation_hours", "landing/survey_responses",
    "raw/participation_hours", "raw/participation_pool", "raw/student_counts", "raw/duo_enrolment",
    "raw/programme_register", "raw/survey_responses",
    "reference/programmes", "reference/location_aliases",
    "staging/stg_participation__hours", "staging/stg_participation__pool", "staging/stg_reference__programmes",
    "staging/stg_students__counts", "staging/stg_students__duo_enrolment", "staging/stg_survey__responses",
    "marts/participation_institution", "marts/participation_by_location", "marts/participation_by_domain",
    "marts/participation_by_programme", "marts/dim_quarter", "marts/dim_location", "marts/dim_domain",
    "marts/dim_programme", "marts/dim_indicator", "marts/wellbeing_indicators", "marts/wellbeing_by_participation",
    "marts/wellbeing_by_participation_and_domain", "marts/wellbeing_changes", "marts/wellbeing_representativeness",
    "restricted/student_feedback",
    "exports/bi_tables", "exports/bi_duckdb", "exports/restricted", "exports/dbt_docs",
    "exports/participation_charts", "exports/wellbeing_charts", "exports/serving_postgres", "exports/published",
}


@pytest.fixture(scope="module")
def graph():
    return defs.resolve_asset_graph()


def keys(graph) -> set[str]:
    return {k.to_user_string() for k in graph.get_all_asset_keys()}


def test_every_contract_asset_is_in_the_graph(graph):
    assert ASSETS <= keys(graph)
    assert {k for k in keys(graph) if k.split("/")[0] not in ("intermediate",)} == ASSETS


def test_partitioned_sources_load_in_single_runs(graph):
    hours = graph.get(AssetKey(["raw", "participation_hours"]))
    survey = graph.get(AssetKey(["raw", "survey_responses"]))
    assert hours.partitions_def == quarter_partitions
    assert survey.partitions_def == survey_year_partitions
    for node in (hours, survey):
        assert node.backfill_policy.policy_type == BackfillPolicyType.SINGLE_RUN
    assert {p.to_user_string() for p in hours.parent_keys} == {"landing/participation_hours"}


def test_marts_read_the_raw_assets(graph):
    upstream = {k.to_user_string() for k in graph.get(AssetKey(["staging", "stg_participation__hours"])).parent_keys}
    assert upstream >= {"raw/participation_hours"}
    upstream = {k.to_user_string() for k in graph.get(AssetKey(["staging", "stg_survey__responses"])).parent_keys}
    assert upstream >= {"raw/survey_responses"}


def test_exports_wait_for_every_mart(graph):
    marts = {k for k in keys(graph) if k.startswith("marts/")}
    parents = {k.to_user_string() for k in graph.get(AssetKey(["exports", "bi_tables"])).parent_keys}
    assert parents == marts


def test_blocking_checks_guard_sources_and_marts(graph):
    checks = {(c.asset_key.to_user_string(), c.name) for c in graph.asset_check_keys}
    for source in ("landing/participation_hours", "landing/survey_responses", "raw/participation_pool",
                   "raw/student_counts", "raw/duo_enrolment", "raw/programme_register"):
        assert (source, "files_accepted") in checks
    for mart in ("marts/participation_institution", "marts/participation_by_location"):
        assert (mart, "rates_within_0_100") in checks
        assert (mart, "no_raw_identifiers") in checks


JOBS = {"ingest_landing", "load_participation_hours", "load_survey_responses", "build_warehouse",
        "refresh_participation_hours", "refresh_survey_responses", "observe_landing_zone"}


def test_jobs_sensors_and_schedules():
    jobs = {j.name: j for j in defs.resolve_all_job_defs() if not j.name.startswith("__")}
    assert set(jobs) == JOBS
    for job in jobs.values():  # in-process (DuckDB has one writer), failures alerted within the run
        assert job.executor_def.name == "in_process"
        assert {h.name for h in job.hook_defs} == {"alert_on_failed_checks_hook", "alert_on_step_failure_hook"}
    assert jobs["refresh_participation_hours"].partitions_def == quarter_partitions
    assert jobs["refresh_survey_responses"].partitions_def == survey_year_partitions
    assert {s.name for s in defs.sensors} == {"landing_files", "build_after_loads", "alert_on_failed_checks",
                                               "alert_on_run_failure"}
    assert {s.name for s in defs.schedules} == {"weekly_current_quarter", "yearly_survey_cycle",
                                                 "daily_landing_freshness"}


def test_everything_that_writes_the_warehouse_is_in_one_pool(graph):
    from assets.ingest.raw_assets import WRITER_POOL

    # observing the landing folders lists files and writes nothing
    pools = {node.key.to_user_string(): node.pools for node in graph.asset_nodes if node.is_materializable}
    assert pools and all(p == {WRITER_POOL} for p in pools.values()), pools


def test_quarter_partition_keys_round_trip():
    assert quarter_partitions.get_first_partition_key() == "2015-01-01"
    assert quarter_label("2023-04-01") == "2023-Q2"
    assert quarter_partition_key("2023-Q4") == "2023-10-01"
    assert quarter_partition_key("2012-Q3") == "2015-01-01"  # earlier quarters load with the first partition


@pytest.mark.parametrize("setting, status", [(None, "STOPPED"), ("on", "RUNNING")])
def test_sensors_and_schedules_run_only_where_automation_is_on(setting, status):
    """`make ui` (WB_AUTOMATION unset) must never load a file or send a mail by being opened; the deployment
    (`deploy/serve`: WB_AUTOMATION=on) runs every sensor and schedule."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "WB_AUTOMATION"} | ({"WB_AUTOMATION": setting} if setting else {})
    code = ("from orchestration.definitions import defs\n"
            "for d in [*defs.sensors, *defs.schedules]: print(d.name, d.default_status.value)")
    out = subprocess.run([sys.executable, "-W", "ignore", "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout.split()
    statuses = dict(zip(out[::2], out[1::2]))
    assert len(statuses) == 7 and set(statuses.values()) == {status}, statuses
