"""Runs the jobs in order for `wellbeing materialize`, and turns failures into sentences a user can act on.

Order: ingest (unpartitioned sources, hours scan) → hours for the quarters that new files hold (one run per
range of neighbouring quarters) → the same for the survey years → what the asset graph says is stale among the
dbt models, their checks and the exports (assets/common/stale.py: everything the first time; with `--full`,
everything). A failed blocking check stops the chain, so nothing downstream of bad input is rebuilt.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable

from dagster import AssetKey, DagsterInstance

from assets.common.masking import count_text
from assets.common.settings import Settings
from assets.common.warehouse import connect
from assets.ingest.raw_assets import pending_partitions
from orchestration.dbt import EarlyParse
from orchestration.failures import describe_failures
from orchestration.graph import asset_specs, build_candidates, build_selection
from assets.common.stale import stale_assets
from orchestration.stale_runs import fail_abandoned_runs, process_tags
from assets.exports.assets import REWRITABLE, run_in_progress
from assets.exports.sets import remove_abandoned, remove_unpublished
from assets.ingest.partitions import (
    contiguous_ranges, quarter_label, quarter_partition_key, quarter_partitions, survey_year_partitions,
)
from orchestration.tags import RANGE_END, RANGE_START, TRIGGER_TAG



def run_everything(settings: Settings, out: Callable[[str], None] = print, full: bool = False) -> list[str]:
    """`full`: rebuild every model and export, stale or not."""
    from orchestration.definitions import defs  # builds dbt's manifest first when it is stale

    instance = DagsterInstance.get()  # Dagster's own storage as configured: durable, as the UI and daemon read it
    fail_abandoned_runs(instance, out)
    remove_abandoned(settings.exports_dir, alive=run_in_progress(instance))  # what ended runs left of exports
    return _run_everything(defs, instance, settings, out, full)


def _run_everything(defs, instance: DagsterInstance, settings: Settings, out: Callable[[str], None],
                    full: bool) -> list[str]:
    parse = EarlyParse(settings)  # a new warehouse: dbt parses the project while the files are loaded
    try:
        problems = _load(defs, instance, settings, out)
    except BaseException:
        parse.cancel()
        raise
    parse.finish()
    if problems:
        return problems

    candidates = build_candidates()
    selection = sorted(candidates, key=lambda k: k.path) if full else stale_assets(asset_specs(), instance, candidates)
    if not selection:
        out("4/4 build: nothing is stale (no raw table, dbt model, setting or export code changed since the last "
            "build): the marts and exports stand (`wellbeing materialize --full` rebuilds everything)")
        return []
    models = sum(1 for key in selection if key.path[0] != "exports")
    exports = len(selection) - models
    out(f"4/4 build: {'everything: ' if full else ''}{_count(models, 'table')} with their tests and checks, "
        f"{_count(exports, 'export')} …")
    # `--full`: the exports write their files again even where what they are made from is unchanged
    ops = {"ops": {assets_def.op.name: {"config": {"rewrite": True}} for assets_def in REWRITABLE}} if full else {}
    problems, run_id = _run(defs, "build_warehouse", instance, {}, out,
                            asset_selection=build_selection(selection, candidates), run_config=ops)
    if problems:  # a build whose publication a check blocked leaves no unpublished set behind
        remove_unpublished(settings.exports_dir, run_id)
    return problems


def _load(defs, instance: DagsterInstance, settings: Settings, out: Callable[[str], None]) -> list[str]:
    """Steps 1–3: validate new landing files and load the sources (hours and survey: the partitions that new
    files hold, `pending_partitions`)."""
    out("1/4 ingest: validating new landing files, loading the unpartitioned sources …")
    problems, _run_id = _run(defs, "ingest_landing", instance, {}, out)
    if problems:
        return problems

    with connect(settings.warehouse_path) as con:
        quarters = pending_partitions(con, "participation_hours")
        years = pending_partitions(con, "survey_responses")
    steps = [
        ("2/4 hours", "load_participation_hours", quarters, quarter_partitions, quarter_partition_key, quarter_label),
        ("3/4 survey", "load_survey_responses", years, survey_year_partitions, str, str),
    ]
    for label, job_name, pending, partitions_def, to_key, to_label in steps:
        if not pending:
            out(f"{label}: nothing new to load")
            continue
        # a partition before the first key loads with the first, one after the last with the last
        first, last = partitions_def.get_first_partition_key(), partitions_def.get_last_partition_key()
        keys = {min(max(to_key(p), first), last) for p in pending}
        for start, end in contiguous_ranges(keys, partitions_def):
            shown = to_label(start) + (f" … {to_label(end)}" if end != start else "")
            out(f"{label}: loading {shown} …")
            problems, _run_id = _run(defs, job_name, instance, {RANGE_START: start, RANGE_END: end}, out)
            if problems:
                return problems
    return []


def _run(defs, job_name: str, instance: DagsterInstance, tags: dict[str, str], out: Callable[[str], None],
         asset_selection: list[AssetKey] | None = None, run_config: dict | None = None) -> tuple[list[str], str]:
    """Run the job in this process and say what it did in counts: (what went wrong, as sentences; the run's
    id)."""
    started = time.monotonic()
    job = defs.resolve_job_def(job_name)
    # The full event log is in the Dagster instance (UI); the terminal shows warnings and our progress lines.
    level = os.environ.get("WB_LOG_LEVEL", "WARNING").upper()
    tags = {**tags, TRIGGER_TAG: "materialize", **process_tags()}
    result = job.execute_in_process(instance=instance, tags=tags, raise_on_error=False, asset_selection=asset_selection,
                                    run_config={**(run_config or {}),
                                                "loggers": {"console": {"config": {"log_level": level}}}})
    if result.success:
        out(f"    {time.monotonic() - started:.1f} s: {step_counts(result)}")
    return (describe_failures(result.all_events) if not result.success else []), result.run_id


def step_counts(result) -> str:
    """What a finished run did, from its own events: files judged, rows upserted, assets built, checks."""
    files: Counter[str] = Counter()
    rows = 0
    materializations = result.get_asset_materialization_events()
    # a run over a range of partitions records one materialisation per partition, each with the run's metadata
    once = {event.asset_key: event for event in materializations}
    for event in once.values():
        for key, value in event.materialization.metadata.items():
            value = getattr(value, "value", value)
            if key.startswith("files_") and key not in ("files_seen", "files_waiting") and isinstance(value, int):
                files[key.removeprefix("files_")] += value
            elif key == "rows_upserted" and isinstance(value, int):
                rows += value
    checks = Counter("passed" if e.passed else ("failed" if e.severity.value == "ERROR" else "warning")
                     for e in result.get_asset_check_evaluations())
    parts = []
    if files:
        parts.append(", ".join(f"{_count(n, 'file')} {status}" for status, n in sorted(files.items())))
    if files or rows:
        parts.append(f"{_count(rows, 'row')} upserted")
    if not files:
        parts.append(f"{_count(len(once), 'asset')} materialised")
    if checks:
        parts.append(", ".join(f"{_count(checks[k], 'check')} {k}" if k != "warning" else _count(checks[k], k)
                               for k in ("passed", "warning", "failed") if checks[k]))
    return "; ".join(parts)


def _count(n: int, noun: str) -> str:
    return f"{count_text(n)} {noun}{'' if n == 1 else 's'}"
