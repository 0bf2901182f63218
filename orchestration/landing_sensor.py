"""The landing sensor: a new file starts runs for exactly the partitions it touches.

Every `minimum_interval_seconds` the sensor lists the landing zone (sizes and modification times only) and,
for a file it has not seen in that state, reads it in memory with the ingestion's own reader
(`engine.partitions_of`, nothing is loaded or recorded) to learn which quarters or survey years it holds:

- an hours file → `refresh_participation_hours` for its quarters (one run per contiguous range);
- a survey export → `refresh_survey_responses` for its survey years;
- a pool, count, DUO or register file, or a file that cannot be read → `ingest_landing`, which validates it
  (and rejects a bad file whole, with a report and an alert);
- a link or other special file (never opened here) → `ingest_landing`, which refuses it with an alert.

Files still being written (`WB_SETTLE_SECONDS`) are not listed yet, so they are looked at once they settle.

The sensor `build_after_loads` then builds what the loads made stale (assets/common/stale.py). The cursor keeps what was
seen (the hashed real path → size and mtime), and a file the warehouse has validated already (same SHA-256 in
`ops.landing_files`) starts nothing, so a file leads to runs once; a corrected file (new content) to new ones.
"""

import hashlib
import json
import os
from pathlib import Path

import duckdb
from dagster import (
    DagsterRunStatus, RunRequest, RunsFilter, RunStatusSensorContext,
    SensorEvaluationContext, SensorResult, SkipReason, run_status_sensor, sensor,
)

from assets.common.resource import WarehouseResource, is_lock_error
from assets.common.settings import Settings
from assets.common.warehouse import connect
from assets.ingest import participation, survey
from assets.ingest.engine import delivery, partitions_of, sha256_of, shown_name
from assets.ingest.landing_zone import SOURCES
from orchestration.automation import sensor_status
from orchestration.graph import asset_specs, build_candidates, build_selection
from assets.common.stale import stale_assets
from orchestration.jobs import LOAD_JOBS, ingest_job, refresh_hours_job, refresh_survey_job, transform_job
from assets.ingest.partitions import (
    contiguous_ranges, quarter_partition_key, quarter_partitions, survey_year_partitions,
)
from orchestration.tags import RANGE_END, RANGE_START, TRIGGER_TAG

LANDING_INTERVAL_S = 60

#: source → (job, partitions definition, partition label → Dagster key); None: unpartitioned (ingest_landing)
PARTITIONED = {
    participation.HOURS.name: (refresh_hours_job, quarter_partitions, quarter_partition_key),
    survey.RESPONSES.name: (refresh_survey_job, survey_year_partitions, str),
}


def _key(settings: Settings, path: Path) -> str:
    """A file's key in the cursor: its real path below the landing zone, hashed (the shown name is masked, so
    `hours_202401.csv` and `hours_202501.csv` would share one; the hash keeps raw names out of the cursor)."""
    return hashlib.sha256(os.fsencode(path.relative_to(settings.landing_dir))).hexdigest()[:32]


def recorded_files(settings: Settings) -> set[tuple[str, str]] | None:
    """(source, SHA-256) of every file the warehouse has validated already; None while a run holds it."""
    if not settings.warehouse_path.exists():
        return set()
    try:
        with connect(settings.warehouse_path, read_only=True) as con:
            return set(con.execute("SELECT source, file_sha256 FROM ops.landing_files").fetchall())
    except duckdb.IOException as exc:
        if is_lock_error(exc):
            return None
        raise
    except duckdb.CatalogException:  # a warehouse from before the first ingestion
        return set()


def landing_run_requests(settings: Settings, seen: dict[str, str]) -> tuple[list[RunRequest], dict[str, str]] | None:
    """The runs the landing zone's new files ask for, and the new cursor (file → size:mtime); None when the
    warehouse is busy and new files have to wait for the next tick.

    A file counts as new when its size or mtime changed since the cursor and its content is not in
    `ops.landing_files` yet (so files `wellbeing materialize` loaded, or a rejected file dropped again, start
    nothing)."""
    wanted: dict[str, set[str]] = {name: set() for name in PARTITIONED}
    unpartitioned: list[str] = []
    now: dict[str, str] = {}
    recorded: set[tuple[str, str]] | None = None
    for source in SOURCES:
        found = delivery(source, settings)
        for path, info, _kind in found.refused:  # never read here: the scan refuses it with an alert
            key = _key(settings, path)
            now[key] = f"{info.st_ino}:{info.st_mtime_ns}"
            if seen.get(key) != now[key]:
                unpartitioned.append(shown_name(settings, path))
        for path, info in found.files:
            rel, key = shown_name(settings, path), _key(settings, path)
            now[key] = f"{info.st_size}:{info.st_mtime_ns}"
            if seen.get(key) == now[key]:
                continue
            if recorded is None and (recorded := recorded_files(settings)) is None:
                return None
            try:
                sha = sha256_of(path, settings.landing_dir)
            except OSError:  # removed or replaced since it was listed: looked at again on the next tick
                del now[key]
                continue
            if (source.name, sha) in recorded:
                continue
            plan = PARTITIONED.get(source.name)
            labels = partitions_of(source, settings, path) if plan else None
            if plan and labels:
                _job, partitions_def, to_key = plan
                valid = set(partitions_def.get_partition_keys())
                keys = {to_key(label) for label in labels}
                wanted[source.name] |= {k for k in keys if k in valid}
                if keys - valid:  # outside the partitions (e.g. a future year): let the scan report the file
                    unpartitioned.append(rel)
            else:
                unpartitioned.append(rel)

    tick = hashlib.sha256(json.dumps(now, sort_keys=True).encode()).hexdigest()[:16]
    requests = []
    for name, keys in wanted.items():
        job, partitions_def, _ = PARTITIONED[name]
        for first, last in contiguous_ranges(keys, partitions_def):
            requests.append(RunRequest(
                job_name=job.name, run_key=f"{name}:{first}:{last}:{tick}",
                tags={RANGE_START: first, RANGE_END: last, TRIGGER_TAG: "landing_sensor"}))
    if unpartitioned:
        requests.append(RunRequest(job_name=ingest_job.name, run_key=f"ingest:{tick}",
                                   tags={TRIGGER_TAG: "landing_sensor", "wellbeing/files": ", ".join(unpartitioned)[:1000]}))
    return requests, now


@sensor(name="landing_files", minimum_interval_seconds=LANDING_INTERVAL_S, default_status=sensor_status(),
        jobs=[refresh_hours_job, refresh_survey_job, ingest_job],
        description="A new or changed landing file starts runs for exactly the quarters / survey years it holds "
                    "(other sources: ingest_landing). build_after_loads then builds what they made stale.")
def landing_files(context: SensorEvaluationContext, warehouse: WarehouseResource):
    seen = json.loads(context.cursor or "{}")
    planned = landing_run_requests(warehouse.settings(), seen)
    if planned is None:
        return SkipReason("the warehouse is busy (a run holds it); new files are looked at on the next tick")
    requests, now = planned
    if not requests:
        return SensorResult(skip_reason=SkipReason("no new landing files"), cursor=json.dumps(now, sort_keys=True))
    return SensorResult(run_requests=requests, cursor=json.dumps(now, sort_keys=True))


@run_status_sensor(run_status=DagsterRunStatus.SUCCESS, name="build_after_loads",
                   monitored_jobs=[*LOAD_JOBS, transform_job], request_job=transform_job,
                   default_status=sensor_status(),
                   description="After a successful load, one build_warehouse run of what is stale (dbt models with "
                               "their tests, checks, exports). While a build is queued or running, it waits for "
                               "that build's success and then builds what is still stale.")
def build_after_loads(context: RunStatusSensorContext):
    run = context.dagster_run
    if run.tags.get(TRIGGER_TAG) == "materialize":
        return SkipReason("wellbeing materialize builds the warehouse itself")
    # a build in progress may hold models whose checks have not run yet: what is stale is decided after it
    building = context.instance.get_run_ids(RunsFilter(
        job_name=transform_job.name,
        statuses=[DagsterRunStatus.QUEUED, DagsterRunStatus.NOT_STARTED, DagsterRunStatus.STARTING,
                  DagsterRunStatus.STARTED]), limit=1)
    if building:
        return SkipReason(f"build {building[0]} is under way; when it succeeds, what is still stale is built")
    candidates = build_candidates()
    stale = stale_assets(asset_specs(), context.instance, candidates)
    if not stale:
        return SkipReason(f"nothing the warehouse is built from changed since {run.job_name} ({run.run_id})")
    return RunRequest(run_key=f"build-after-{run.run_id}", asset_selection=build_selection(stale, candidates),
                      tags={TRIGGER_TAG: f"after {run.run_id}"})


SENSORS = [landing_files, build_after_loads]
