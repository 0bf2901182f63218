"""The code location: explicit `Definitions` of every asset, check, job, schedule, sensor and resource."""

from __future__ import annotations

from dagster import Definitions

from assets.ingest.raw_assets import RAW_ASSETS
from orchestration.dbt import warehouse_dbt_models
from orchestration.jobs import JOBS
from orchestration.resources import build_resources

defs = Definitions(
    assets=[*RAW_ASSETS, warehouse_dbt_models],
    jobs=JOBS,
    resources=build_resources(),
)
