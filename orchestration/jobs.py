"""Jobs: each a slice of the asset graph with one partitioning, run in-process (DuckDB has one writer)."""

from __future__ import annotations

from dagster import AssetSelection, define_asset_job, in_process_executor

from assets.ingest.raw_assets import raw_participation_hours
from orchestration.dbt import warehouse_dbt_models

#: Unpartitioned sources, and the validation of new hours files (which tells the quarters they hold).
ingest_job = define_asset_job(
    "ingest_landing",
    selection=AssetSelection.groups("raw") - AssetSelection.assets(raw_participation_hours),
    executor_def=in_process_executor,
    description="Validate and load every new landing file of the unpartitioned sources; scan new hours files.",
)

#: Hours per quarter; a backfill over many quarters runs as one run (BackfillPolicy.single_run).
hours_job = define_asset_job(
    "load_participation_hours",
    selection=AssetSelection.assets(raw_participation_hours),
    executor_def=in_process_executor,
    description="Upsert the accepted hours of the selected quarters into raw.participation_hours.",
)

#: Everything downstream of raw: dbt build (models + tests as checks), then exports.
transform_job = define_asset_job(
    "build_warehouse",
    selection=AssetSelection.assets(warehouse_dbt_models).downstream(),
    executor_def=in_process_executor,
    description="dbt build of staging, intermediate and marts with their tests; then the exports.",
)

JOBS = [ingest_job, hours_job, transform_job]
