"""Runs the jobs in order for `wellbeing materialize`, and turns failures into sentences a user can act on.

Order: ingest (unpartitioned sources, hours scan) → hours for every quarter the landing zone holds (one
single run over the range) → dbt build and everything downstream. A failed blocking check stops the chain,
so nothing downstream of bad input is rebuilt.
"""

from __future__ import annotations

from collections.abc import Callable

from dagster import DagsterEventType, DagsterInstance

from assets.common.settings import Settings
from assets.common.warehouse import connect
from orchestration.partitions import quarter_partition_key, quarter_partitions

RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"


def run_everything(settings: Settings, out: Callable[[str], None] = print) -> list[str]:
    from orchestration.definitions import defs

    instance = DagsterInstance.get()
    out("1/3 ingest: validating and loading new landing files …")
    problems = _run(defs, "ingest_landing", instance, {})
    if problems:
        return problems

    quarters = held_quarters(settings)
    if quarters:
        first, last = quarter_partition_key(quarters[0]), quarter_partition_key(quarters[-1])
        last = min(last, quarter_partitions.get_last_partition_key())
        out(f"2/3 hours: loading quarters {quarters[0]} … {quarters[-1]} in one run …")
        problems = _run(defs, "load_participation_hours", instance, {RANGE_START: first, RANGE_END: last})
        if problems:
            return problems
    else:
        out("2/3 hours: the landing zone holds no hours files")

    out("3/3 build: dbt build (models and tests), checks and exports …")
    return _run(defs, "build_warehouse", instance, {})


def held_quarters(settings: Settings) -> list[str]:
    """The quarters of every accepted hours file."""
    with connect(settings.warehouse_path) as con:
        rows = con.execute(
            """SELECT DISTINCT unnest(partitions) AS q FROM ops.landing_files
               WHERE source = 'participation_hours' AND status = 'accepted' ORDER BY q""").fetchall()
    return [r[0] for r in rows]


def _run(defs, job_name: str, instance: DagsterInstance, tags: dict[str, str]) -> list[str]:
    job = defs.resolve_job_def(job_name)
    result = job.execute_in_process(instance=instance, tags=tags, raise_on_error=False)
    return describe_failures(result.all_events) if not result.success else []


def describe_failures(events) -> list[str]:
    """Failed checks (with their description, which names file and problem) and failed steps."""
    problems: list[str] = []
    for event in events:
        if event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            if not evaluation.passed and evaluation.severity.value == "ERROR":
                key = "/".join(evaluation.asset_key.path)
                text = evaluation.description or ""
                problems.append(f"check {evaluation.check_name} on {key} failed: {text}".rstrip(": "))
        elif event.event_type == DagsterEventType.STEP_FAILURE:
            error = event.event_specific_data.error
            message = error.message.strip().splitlines()[0] if error and error.message else "unknown error"
            if "blocking" in message.lower() and problems:
                continue  # the check above already says why
            problems.append(f"step {event.step_key} failed: {message}")
    return problems or ["the run failed (see the Dagster UI for the event log)"]
