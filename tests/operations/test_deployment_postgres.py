"""The deployment on the real PostgreSQL: Dagster's storage lives there, and the daemon launches runs by
itself — the landing sensor sees the landing zone, the queue launches the loads, `build_after_loads` the
build — until the marts hold the hand-worked figures of tests/e2e/test_participation_end_to_end.py."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
from dagster import DagsterRunStatus, RunsFilter
from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage, PostgresScheduleStorage

from tests.operations.conftest import start, stop, wait_for

BIN = Path(sys.executable).parent


def test_dagster_storage_is_on_postgres(deployment):
    instance = deployment.instance()
    assert isinstance(instance.run_storage, PostgresRunStorage)
    assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
    assert isinstance(instance.schedule_storage, PostgresScheduleStorage)
    assert instance.run_coordinator.__class__.__name__ == "QueuedRunCoordinator"
    assert instance.get_concurrency_config().pool_config.default_pool_limit == 1  # the DuckDB writer pool
    assert instance.run_retries_enabled and instance.run_retries_max_retries == 2
    assert instance.run_monitoring_enabled


def test_the_daemon_runs_the_landing_zone_into_the_marts(deployment, tmp_path):
    daemon = start([str(BIN / "dagster-daemon"), "run", "-w", "workspace.yaml"], deployment.env, tmp_path / "daemon.log")
    try:
        instance = deployment.instance()

        def finished(job: str):
            runs = instance.get_runs(RunsFilter(job_name=job))
            failed = [r for r in runs if r.status in (DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED)]
            assert not failed, f"{job} failed; daemon log:\n{(tmp_path / 'daemon.log').read_text()[-3000:]}"
            return [r for r in runs if r.status == DagsterRunStatus.SUCCESS]

        wait_for(lambda: finished("refresh_participation_hours") and finished("ingest_landing"), 420,
                 what="the landing sensor's runs")
        wait_for(lambda: finished("build_warehouse"), 600, what="the build after the loads")
    finally:
        stop(daemon)

    (hours_run,) = finished("refresh_participation_hours")
    assert hours_run.tags["dagster/asset_partition_range_start"] == "2023-01-01"
    assert hours_run.tags["dagster/asset_partition_range_end"] == "2023-04-01"
    assert hours_run.tags["wellbeing/trigger"] == "landing_sensor"
    with duckdb.connect(str(deployment.data_dir / "warehouse" / "wellbeing.duckdb"), read_only=True) as con:
        rows = con.execute("""SELECT quarter, n_participated, n_available, hours_total
                              FROM marts.participation_institution ORDER BY quarter""").fetchall()
    by_quarter = {q: (p, a, h) for q, p, a, h in rows}
    # two students' hours in each quarter: withheld (disclosure control's magnitude rule)
    assert by_quarter["2023-Q1"] == (2, 2, None)
    assert by_quarter["2023-Q2"] == (2, 1, None)
    assert (deployment.data_dir / "exports" / "bi" / "participation_institution.parquet").exists()
