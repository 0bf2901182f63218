"""Alerts from the orchestration, on real Dagster runs (in-process, a temporary instance) and a real warehouse:
the hooks alert failed checks and steps within the run, the sensors do so for runs a daemon watches, the
freshness checks of the landing zone alert a source that stopped delivering."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from dagster import (
    AssetCheckResult, AssetCheckSeverity, AssetKey, DagsterEventType, Definitions, asset, asset_check,
    build_run_status_sensor_context, define_asset_job, in_process_executor, instance_for_test,
)

from assets.common.resource import WarehouseResource
from assets.common.settings import Settings
from assets.common.warehouse import connect
from assets.ingest.landing_zone import LANDING_ZONE_ASSETS
from expectations.freshness import freshness_checks, intervals
from orchestration.jobs import observe_job
from orchestration.sensors import alert_on_failed_checks, alert_on_run_failure, with_alert_hooks


@asset
def thing() -> int:
    return 1


@asset(deps=[thing])
def downstream_export() -> int:
    return 2


@asset_check(asset=thing, name="dbt_like_warning")
def dbt_like_warning() -> AssetCheckResult:
    return AssetCheckResult(passed=False, severity=AssetCheckSeverity.WARN, description="3 rows are not unique",
                            metadata={"dagster_dbt/failed_row_count": 3})


@asset_check(asset=thing, name="dbt_like_error", blocking=True)
def dbt_like_error() -> AssetCheckResult:
    return AssetCheckResult(passed=False, severity=AssetCheckSeverity.ERROR, description="adds up to 349, not 350")


@asset
def broken() -> int:
    raise ValueError("kapot: de bron gaf onzin")


def definitions(data_dir: Path, hooked: bool) -> Definitions:
    jobs = [define_asset_job("checked", selection=["thing", "downstream_export"], executor_def=in_process_executor),
            define_asset_job("crashing", selection=["broken"], executor_def=in_process_executor)]
    return Definitions(assets=[thing, downstream_export, broken], asset_checks=[dbt_like_warning, dbt_like_error],
                       jobs=with_alert_hooks(jobs) if hooked else jobs,
                       resources={"warehouse": WarehouseResource()})


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    """Settings come from the environment, as in a deployment."""
    for var in ("WB_SMTP_HOST", "WB_ALERT_TO"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("WB_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def alerts(data_dir: Path) -> list[tuple]:
    with connect(Settings(data_dir=data_dir).warehouse_path) as con:
        return con.execute("SELECT kind, severity, subject, source, check_name, message FROM ops.alerts "
                           "ORDER BY kind, subject").fetchall()


def test_hooks_alert_failed_checks_and_steps_within_the_run(data_dir):
    defs = definitions(data_dir, hooked=True)
    with instance_for_test() as instance:
        checked = defs.resolve_job_def("checked").execute_in_process(instance=instance, raise_on_error=False)
        crashing = defs.resolve_job_def("crashing").execute_in_process(instance=instance, raise_on_error=False)
    assert not checked.success and not crashing.success
    assert [e.asset_key.to_user_string() for e in checked.get_asset_materialization_events()] == ["thing"]  # blocked
    assert alerts(data_dir) == [
        ("failed_check", "error", "Controle mislukt: dbt_like_error op thing", "thing", "dbt_like_error",
         "adds up to 349, not 350"),
        ("run_failure", "error", "Run mislukt: crashing", "crashing", None,
         "step broken failed: ValueError: kapot: de bron gaf onzin"),
        ("warning", "warning", "Waarschuwing: dbt_like_warning op thing", "thing", "dbt_like_warning",
         "3 rows are not unique (dagster_dbt/failed_row_count: 3)"),
    ]


def _context(instance, run_id: str, sensor_name: str, data_dir: Path):
    run = instance.get_run_by_id(run_id)
    [event] = [r.event_log_entry.dagster_event for r in instance.get_records_for_run(
        run_id, of_type={DagsterEventType.RUN_SUCCESS, DagsterEventType.RUN_FAILURE}).records]
    return build_run_status_sensor_context(sensor_name=sensor_name, dagster_event=event, dagster_instance=instance,
                                           dagster_run=run, resources={"warehouse": WarehouseResource()})


def test_sensors_alert_what_runs_without_hooks_left_unsaid(data_dir):
    """A failed non-blocking check does not fail the run: `alert_on_failed_checks` reads the evaluations of
    successful runs; `alert_on_run_failure` handles failed runs. Run twice, they record nothing new."""
    defs = definitions(data_dir, hooked=False)
    only_warning = define_asset_job("warned", selection=["thing"], executor_def=in_process_executor)
    with instance_for_test() as instance:
        warned = Definitions(assets=[thing], asset_checks=[dbt_like_warning], jobs=[only_warning]).resolve_job_def(
            "warned").execute_in_process(instance=instance)
        crashing = defs.resolve_job_def("crashing").execute_in_process(instance=instance, raise_on_error=False)
        assert warned.success and not crashing.success
        for _ in range(2):
            alert_on_failed_checks(_context(instance, warned.run_id, "alert_on_failed_checks", data_dir))
            alert_on_run_failure(_context(instance, crashing.run_id, "alert_on_run_failure", data_dir).for_run_failure())
    assert alerts(data_dir) == [
        ("run_failure", "error", "Run mislukt: crashing", "crashing", None,
         "step broken failed: ValueError: kapot: de bron gaf onzin"),
        ("warning", "warning", "Waarschuwing: dbt_like_warning op thing", "thing", "dbt_like_warning",
         "3 rows are not unique (dagster_dbt/failed_row_count: 3)"),
    ]


def _deliver(settings: Settings, rel: str, days_ago: float) -> None:
    path = settings.landing_dir / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("x\n")
    stamp = time.time() - days_ago * 86400
    os.utime(path, (stamp, stamp))


def _observe(settings: Settings, instance, checks=None):
    """The job `observe_landing_zone` as the daily schedule runs it (with its alert hooks), on the landing zone
    of `settings`: observations of every folder, then the freshness checks. Returns the check evaluations."""
    defs = Definitions(assets=LANDING_ZONE_ASSETS, asset_checks=checks or freshness_checks(settings),
                       jobs=[observe_job], resources={"warehouse": WarehouseResource()})
    result = defs.resolve_job_def(observe_job.name).execute_in_process(instance=instance)
    assert result.success
    return {e.asset_key.path[-1]: e for e in result.get_asset_check_evaluations()}


def _metadata(evaluation, key: str):
    return evaluation.metadata[key].value


def test_freshness_per_source_interval(data_dir):
    settings = Settings(data_dir=data_dir)
    _deliver(settings, "participation/hours/2026-10.csv", 20)      # monthly: fresh
    _deliver(settings, "participation/pool/pool.csv", 120)          # quarterly: overdue (92 + 7 days)
    with instance_for_test() as instance:
        found = _observe(settings, instance)
        [pool] = instance.fetch_observations(AssetKey(["landing_zone", "participation_pool"]), limit=1).records
    assert {source: e.passed for source, e in found.items()} == {
        "participation_hours": True, "participation_pool": False, "survey_responses": False}
    assert all(e.severity == AssetCheckSeverity.WARN for e in found.values())
    # the check's window is interval + grace: 31 + 7 days for the hours, 92 + 7 for the pool
    assert _metadata(found["participation_hours"], "dagster/freshness_params")["lower_bound_delta_seconds"] == 38 * 86400
    assert _metadata(found["participation_pool"], "dagster/freshness_params")["lower_bound_delta_seconds"] == 99 * 86400
    assert time.time() - _metadata(found["participation_pool"], "dagster/last_updated_timestamp") == \
        pytest.approx(120 * 86400, abs=60)
    assert "dagster/last_updated_timestamp" not in found["survey_responses"].metadata   # never delivered
    assert pool.asset_observation.metadata["files"].value == 1        # counted, never named
    assert {(kind, severity, check) for kind, severity, _subject, _source, check, _message in alerts(data_dir)} == {
        ("freshness", "warning", "freshness_check")}
    by_source = {source: message for kind, _sev, _subject, source, _check, message in alerts(data_dir)}
    assert set(by_source) == {"participation_pool", "survey_responses"}
    assert "leverde het laatst op" in by_source["participation_pool"]
    assert "verwacht: elk kwartaal (binnen 92 + 7 dagen)" in by_source["participation_pool"]
    assert "nog nooit een bestand geleverd; verwacht: jaarlijks" in by_source["survey_responses"]


def test_freshness_is_configurable(data_dir):
    settings = Settings(data_dir=data_dir)
    config = settings.data_dir / "config" / "freshness.yml"
    config.parent.mkdir(parents=True)
    config.write_text("participation_hours: 14\nsurvey_responses: 0\nstudent_counts: 92\ngrace_days: 2\n")
    assert intervals(settings) == ({"participation_hours": 14, "participation_pool": 92, "student_counts": 92}, 2)
    _deliver(settings, "participation/hours/h.csv", 20)     # 20 days > 14 + 2
    with instance_for_test() as instance:
        found = _observe(settings, instance)
    assert {source: e.passed for source, e in found.items()} == {
        "participation_hours": False, "participation_pool": False, "student_counts": False}


def test_stale_source_alert_is_raised_once_per_overdue_delivery(data_dir, smtp_server, monkeypatch):
    for key, value in smtp_server.env().items():
        monkeypatch.setenv(key, value)
    settings = Settings.from_env()
    _deliver(settings, "participation/hours/h.csv", 45)
    _deliver(settings, "participation/pool/p.csv", 10)
    _deliver(settings, "survey/swm_2026.csv", 10)

    def freshness_alerts() -> int:
        with connect(settings.warehouse_path) as con:
            return con.execute("SELECT count(*) FROM ops.alerts WHERE kind = 'freshness'").fetchone()[0]

    with instance_for_test() as instance:
        for _ in range(2):   # the daily schedule, two days in a row: one alert
            assert not _observe(settings, instance)["participation_hours"].passed
        assert smtp_server.subjects() == ["Levering ontbreekt: participation_hours"]
        assert freshness_alerts() == 1
        _deliver(settings, "participation/hours/h2.csv", 40)   # a new delivery, overdue too: a new alert
        _observe(settings, instance)
        assert freshness_alerts() == 2
        _deliver(settings, "participation/hours/h3.csv", 1)    # delivered: the check passes again
        assert _observe(settings, instance)["participation_hours"].passed
        assert freshness_alerts() == 2
    body = smtp_server.messages[0].get_content()
    assert "participation_hours (landing/participation/hours/) leverde het laatst op" in body
    assert "freshness.yml" in body


def test_a_malformed_freshness_file_leaves_the_defaults(data_dir, caplog):
    """The file is read when the code location loads: a wrong value must not stop the location (every job,
    sensor and alert), only be ignored with a warning that names the file."""
    settings = Settings(data_dir=data_dir)
    config = settings.data_dir / "config" / "freshness.yml"
    config.parent.mkdir(parents=True)
    for text in ("participation_hours: monthly\n", "- 31\n- 92\n", "participation_hours: [31\n"):
        config.write_text(text)
        caplog.clear()
        assert intervals(settings) == ({"participation_hours": 31, "participation_pool": 92,
                                        "survey_responses": 366}, 7)
        assert "freshness.yml ignored" in caplog.text
        assert len(freshness_checks(settings)) == 3
