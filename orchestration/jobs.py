"""Jobs: each a slice of the asset graph with one partitioning, run in-process (DuckDB has one writer)."""

from __future__ import annotations

from dagster import AssetSelection, define_asset_job, in_process_executor

from assets.ingest.raw_assets import PARTITIONED_RAW_ASSETS, raw_participation_hours, raw_survey_responses
from orchestration.dbt import warehouse_dbt_models

#: Unpartitioned sources, and the validation of new hours and survey files (which tells what they hold).
ingest_job = define_asset_job(
    "ingest_landing",
    selection=AssetSelection.groups("raw") - AssetSelection.assets(*PARTITIONED_RAW_ASSETS),
    executor_def=in_process_executor,
    description="Validate every new landing file; load the unpartitioned sources.",
)

#: Hours per quarter; a backfill over many quarters runs as one run (BackfillPolicy.single_run).
hours_job = define_asset_job(
    "load_participation_hours", selection=AssetSelection.assets(raw_participation_hours),
    executor_def=in_process_executor,
    description="Upsert the accepted hours of the selected quarters into raw.participation_hours.",
)

survey_job = define_asset_job(
    "load_survey_responses", selection=AssetSelection.assets(raw_survey_responses),
    executor_def=in_process_executor,
    description="Upsert the accepted survey responses of the selected survey years into raw.survey_responses.",
)

#: Everything downstream of raw: dbt build (models + tests as checks), then exports.
transform_job = define_asset_job(
    "build_warehouse", selection=AssetSelection.assets(warehouse_dbt_models).downstream(),
    executor_def=in_process_executor,
    description="dbt build of staging, intermediate and marts with their tests; then the exports.",
)

JOBS = [ingest_job, hours_job, survey_job, transform_job]
