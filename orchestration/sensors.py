"""Alerts from the orchestration: failed checks, failed runs, and sources that stopped delivering.

Every alert goes through `assets.common.alerts.record_alert` (recorded in `ops.alerts`, mailed when SMTP is
configured). Who raises what:

- rejected files: the ingestion engine, while it scans (`assets/ingest/engine.py`);
- failed checks of `expectations/checks.py`: the checks themselves, in the run;
- other failed checks (dbt tests arrive as asset checks) and failed steps: the hooks below, attached to every
  job by `with_alert_hooks`, so `wellbeing materialize` (runs in-process, no daemon) alerts within the run;
- the same again from the sensors below when a daemon runs them (`dagster dev`, a deployment): a failed
  non-blocking check does not fail a run, so `alert_on_failed_checks` reads the check evaluations of every
  finished run; `alert_on_run_failure` covers runs that died outside a step; both also retry unsent mail.
  What the hooks recorded already is not recorded twice (alerts are de-duplicated per run and check).
- a source that has not delivered within its expected interval: its Dagster freshness check fails in the run
  of `observe_landing_zone` (`expectations/freshness.py`), and the hook alerts it like any failed check, as
  a `freshness` alert once per overdue delivery.

The warehouse is DuckDB (one writer at a time): hooks and sensors open it only when there is something to
record, and a sensor waits briefly for a run that holds it.

No `from __future__ import annotations` here: Dagster reads the `context` annotations at definition time.
"""

import contextlib
import logging
import time
from collections.abc import Iterator

import duckdb
from dagster import (
    DagsterEventType, DagsterInstance, DagsterRunStatus, HookContext,
    RunFailureSensorContext, RunStatusSensorContext, define_asset_job, failure_hook, run_failure_sensor,
    run_status_sensor, success_hook,
)
from assets.common.alerts import mail_pending, record_alert, record_check_alert
from assets.common.resource import WarehouseResource
from assets.common.settings import Settings
from assets.common.warehouse import connect
from expectations.checks import ACTION_NL, OWN_CHECKS
from expectations.freshness import FRESHNESS_CHECK, record_freshness_alert
from orchestration.automation import sensor_status
from orchestration.failures import describe_failures, root_cause

log = logging.getLogger(__name__)

#: Checks whose failures are alerted elsewhere: the engine alerts every rejected file itself.
ENGINE_CHECKS = frozenset({"files_accepted"})
LOCK_WAIT_S = 30

ACTION_CHECK = ("Bekijk de controle in de Dagster UI (Assets → Checks). Bij een blokkerende controle zijn de exports "
                "niet bijgewerkt; de vorige blijven staan tot de oorzaak is verholpen.")
ACTION_RUN = ("Bekijk de run in de Dagster UI (Runs) of de uitvoer van `wellbeing materialize`. De vorige marts en "
              "exports blijven staan; draai opnieuw zodra de oorzaak is verholpen.")


@contextlib.contextmanager
def _warehouse(settings: Settings, wait_s: float = LOCK_WAIT_S) -> Iterator[duckdb.DuckDBPyConnection]:
    """The warehouse for writing alerts; waits up to `wait_s` for a run that holds DuckDB's lock."""
    deadline = time.monotonic() + wait_s
    with contextlib.ExitStack() as stack:
        while True:
            try:
                con = stack.enter_context(connect(settings.warehouse_path))
                break
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                    raise
                time.sleep(1)
        yield con


# --- what a run says -------------------------------------------------------------------------------------------


def failed_foreign_checks(instance: DagsterInstance, run_id: str) -> list:
    """Failed check evaluations of a run that nobody has alerted yet (dbt tests and other checks)."""
    records = instance.get_records_for_run(run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION).records
    evaluations = [r.event_log_entry.dagster_event.event_specific_data for r in records
                   if r.event_log_entry.dagster_event is not None]
    return [e for e in evaluations if not e.passed and e.check_name not in OWN_CHECKS | ENGINE_CHECKS]


def run_has_failed_checks(instance: DagsterInstance, run_id: str) -> bool:
    records = instance.get_records_for_run(run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION).records
    return any(not r.event_log_entry.dagster_event.event_specific_data.passed for r in records
               if r.event_log_entry.dagster_event is not None
               and r.event_log_entry.dagster_event.event_specific_data.severity.value == "ERROR")


def step_problems(instance: DagsterInstance, run_id: str) -> list[str]:
    """Failed steps of a run, by their root cause (a failed blocking check is reported as that check)."""
    records = instance.get_records_for_run(run_id, of_type=DagsterEventType.STEP_FAILURE).records
    events = [r.event_log_entry.dagster_event for r in records if r.event_log_entry.dagster_event is not None]
    if not events:
        return []
    return [p for p in describe_failures(events) if p.startswith("step ") and "blocking asset check" not in p]


def _check_message(evaluation) -> str:
    text = (evaluation.description or "").strip()
    numbers = {k: getattr(v, "value", v) for k, v in (evaluation.metadata or {}).items()
               if "row_count" in k or k in ("failed_rows", "failures")}
    if numbers:
        text += (" " if text else "") + "(" + ", ".join(f"{k}: {v}" for k, v in numbers.items()) + ")"
    return text or "the check failed (see its result in the Dagster UI)"


#: (run, asset, check) alerted by this process: the hooks run after every step and need not look twice.
_ALERTED: set[tuple[str, str, str]] = set()


def record_run_alerts(instance: DagsterInstance, run_id: str, job_name: str, settings: Settings,
                      extra_problems: list[str] | None = None, check_steps: bool = True) -> int:
    """Alert failed foreign checks and (when no failed check explains it) failed steps of a run.

    Opens the warehouse only when there is something to record. Returns the alerts recorded or found.
    """
    checks = [e for e in failed_foreign_checks(instance, run_id)
              if (run_id, e.asset_key.to_user_string(), e.check_name) not in _ALERTED]
    problems = list(extra_problems or [])
    if check_steps:
        problems += step_problems(instance, run_id)
    if problems and run_has_failed_checks(instance, run_id):
        problems = []  # the failed checks are the alert (each names its asset and what it found)
    if not checks and not problems:
        return 0
    n = 0
    with _warehouse(settings) as con:
        for evaluation in checks:
            asset = evaluation.asset_key.to_user_string()
            if evaluation.check_name == FRESHNESS_CHECK:
                record_freshness_alert(con, evaluation, settings, run_id)
            else:
                record_check_alert(
                    con, error=evaluation.severity.value == "ERROR", asset=asset, check_name=evaluation.check_name,
                    message=_check_message(evaluation), action=ACTION_NL.get(evaluation.check_name, ACTION_CHECK),
                    run_id=run_id, settings=settings)
            _ALERTED.add((run_id, asset, evaluation.check_name))
            n += 1
        if problems:
            record_alert(con, severity="error", kind="run_failure", subject=f"Run mislukt: {job_name}",
                         message="; ".join(dict.fromkeys(problems)), action=ACTION_RUN, source=job_name,
                         run_id=run_id, settings=settings, dedupe_on=("kind", "run_id"))
            n += 1
        mail_pending(con, settings)
    return n


# --- hooks: within the run (also for `wellbeing materialize`) ------------------------------------------------------


def _hook(context: HookContext, problems: list[str]) -> None:
    try:
        record_run_alerts(context.instance, context.run_id, context.job_name, context.resources.warehouse.settings(),
                          extra_problems=problems, check_steps=False)
    except Exception as exc:  # an alert that cannot be recorded must not hide the run's own outcome
        log.warning("could not record alerts for run %s: %s", context.run_id, exc)


@success_hook(name="alert_on_failed_checks_hook", required_resource_keys={"warehouse"})
def alert_on_failed_checks_hook(context: HookContext) -> None:
    _hook(context, [])


#: what Dagster raises in the step after a blocking check failed (its class is not public API: by name; the tests
#: of tests/quality/test_sensors.py fail when an upgrade renames it)
BLOCKING_CHECK_FAILED = "DagsterAssetCheckFailedError"


@failure_hook(name="alert_on_step_failure_hook", required_resource_keys={"warehouse"})
def alert_on_step_failure_hook(context: HookContext) -> None:
    error = context.op_exception
    if type(error).__name__ == BLOCKING_CHECK_FAILED:
        problems = []  # a blocking check failed: the check itself is the alert
    else:
        root = root_cause(error)
        text = str(root).strip().splitlines() if root is not None else []
        kind = root.__class__.__name__ if root is not None else "unknown error"
        problems = [f"step {context.step_key} failed: {kind}{': ' + text[0] if text else ''}"]
    _hook(context, problems)


ALERT_HOOKS = frozenset({alert_on_failed_checks_hook, alert_on_step_failure_hook})


def with_alert_hooks(jobs: list) -> list:
    """The asset jobs with the alert hooks attached to every step (same selection, executor, tags)."""
    hooked = []
    for job in jobs:
        hooked.append(define_asset_job(
            job.name, selection=job.selection, config=job.config, description=job.description, tags=job.tags,
            run_tags=job.run_tags, metadata=job.metadata, executor_def=job.executor_def,
            hooks={*(job.hooks or ()), *ALERT_HOOKS}, op_retry_policy=job.op_retry_policy))
    return hooked


# --- sensors: when a daemon runs them ---------------------------------------------------------------------------


@run_failure_sensor(name="alert_on_run_failure", default_status=sensor_status(),
                    description="Alerts a failed run (failed checks, failed steps, or a run that died).")
def alert_on_run_failure(context: RunFailureSensorContext, warehouse: WarehouseResource):
    run = context.dagster_run
    extra = []
    if not step_problems(context.instance, run.run_id) and not run_has_failed_checks(context.instance, run.run_id):
        extra = [f"the run failed: {context.failure_event.message or 'see the Dagster UI'}"]
    record_run_alerts(context.instance, run.run_id, run.job_name, warehouse.settings(), extra_problems=extra)


@run_status_sensor(run_status=DagsterRunStatus.SUCCESS, name="alert_on_failed_checks",
                   default_status=sensor_status(),
                   description="A failed non-blocking check does not fail a run: alert the failed checks of "
                               "every successful run.")
def alert_on_failed_checks(context: RunStatusSensorContext, warehouse: WarehouseResource):
    run = context.dagster_run
    record_run_alerts(context.instance, run.run_id, run.job_name, warehouse.settings())


SENSORS = [alert_on_run_failure, alert_on_failed_checks]
