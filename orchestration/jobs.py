"""Jobs: each a slice of the asset graph with one partitioning, run in-process (DuckDB has one writer).

`wellbeing materialize` and backfills use the first four; the landing sensor and the schedules use the
`refresh_*` jobs, which validate new files and load exactly the partitions asked for, and the
`build_after_loads` sensor follows every successful load with one `build_warehouse` run.
"""

from __future__ import annotations

from dagster import AssetSelection, define_asset_job, in_process_executor

from assets.ingest.raw_assets import (
    PARTITIONED_RAW_ASSETS, RAW_ASSETS, landing_participation_hours, landing_survey_responses, raw_participation_hours,
    raw_survey_responses,
)
from assets.ingest.landing_zone import LANDING_ZONE_ASSETS
from expectations.checks import survey_response_drop
from orchestration.dbt import warehouse_dbt_models
from orchestration.sensors import ALERT_HOOKS


#: dbt's tests of its sources (the raw tables): checks of the raw assets that dbt runs, in `build_warehouse`
SOURCE_TEST_CHECKS = AssetSelection.checks(
    *[key for key in warehouse_dbt_models.check_keys if key.asset_key not in warehouse_dbt_models.keys])


def _loads(*assets_defs, checks=()) -> AssetSelection:
    """Load assets with their own checks and `checks`; dbt's tests of the raw tables are left to the build that
    follows (in a load they would start dbt for a few queries)."""
    return AssetSelection.assets(*assets_defs).without_checks() | AssetSelection.checks(*assets_defs, *checks)


def _job(name: str, selection: AssetSelection, description: str):
    """In-process (DuckDB has one writer; no per-step process start), failed checks and steps alerted within
    the run by the hooks of orchestration/sensors.py (also for `wellbeing materialize`, which has no daemon)."""
    return define_asset_job(name, selection=selection, executor_def=in_process_executor, hooks=set(ALERT_HOOKS),
                            description=description)


#: Unpartitioned sources, and the validation of new hours and survey files (which tells what they hold).
ingest_job = _job(
    "ingest_landing", _loads(*[a for a in RAW_ASSETS if a not in PARTITIONED_RAW_ASSETS]),
    "Validate every new landing file; load the unpartitioned sources.")

#: Hours per quarter; a backfill over many quarters runs as one run (BackfillPolicy.single_run).
hours_job = _job(
    "load_participation_hours", _loads(raw_participation_hours),
    "Upsert the accepted hours of the selected quarters into raw.participation_hours.")

survey_job = _job(
    "load_survey_responses", _loads(raw_survey_responses, checks=[survey_response_drop]),
    "Upsert the accepted survey responses of the selected survey years into raw.survey_responses.")

#: Everything downstream of raw: dbt build (models + tests as checks), then exports; dbt's tests of the raw tables
#: (its sources) run in the same build, as checks of the raw assets.
BUILD_SELECTION = AssetSelection.assets(warehouse_dbt_models).downstream() | SOURCE_TEST_CHECKS
transform_job = _job(
    "build_warehouse", BUILD_SELECTION,
    "dbt build of staging, intermediate and marts with their tests; then the exports.")

#: What a new hours file or the weekly schedule asks for: validate new files, load the quarter(s).
refresh_hours_job = _job(
    "refresh_participation_hours", _loads(landing_participation_hours, raw_participation_hours),
    "Validate new hours files, then upsert the selected quarters (landing sensor, weekly schedule).")

refresh_survey_job = _job(
    "refresh_survey_responses",
    _loads(landing_survey_responses, raw_survey_responses, checks=[survey_response_drop]),
    "Validate new survey exports, then upsert the selected survey years (landing sensor, yearly schedule).")

#: The landing folders observed (number of files, newest delivery) and their freshness checks evaluated.
observe_job = _job(
    "observe_landing_zone", AssetSelection.assets(*LANDING_ZONE_ASSETS),
    "List every landing folder (no file is opened) and check that each source delivered within its interval.")

#: Jobs after whose success the warehouse is rebuilt (sensor `build_after_loads`).
LOAD_JOBS = [ingest_job, hours_job, survey_job, refresh_hours_job, refresh_survey_job]
JOBS = [*LOAD_JOBS, transform_job, observe_job]
