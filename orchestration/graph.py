"""The asset graph of the code location in one list, and the part of it a build makes (`build_warehouse`'s
assets: the dbt models and everything downstream of them). The definitions, `wellbeing materialize` and the
`build_after_loads` sensor read it from here."""

from __future__ import annotations

from dagster import AssetKey, AssetSpec

from assets.common.stale import downstream_of
from assets.exports.assets import EXPORT_ASSETS
from assets.ingest.landing_zone import LANDING_ZONE_ASSETS
from assets.ingest.raw_assets import RAW_ASSETS
from orchestration.dbt import warehouse_dbt_models

ASSETS = [*LANDING_ZONE_ASSETS, *RAW_ASSETS, warehouse_dbt_models, *EXPORT_ASSETS]


def asset_specs() -> list[AssetSpec]:
    return [spec for assets_def in ASSETS for spec in assets_def.specs]


def build_candidates() -> set[AssetKey]:
    """What `wellbeing materialize` and `build_after_loads` build where it is stale (assets/common/stale.py)."""
    return downstream_of(asset_specs(), warehouse_dbt_models.keys)


def build_selection(stale, candidates: set[AssetKey]) -> list[AssetKey] | None:
    """The asset selection of a `build_warehouse` run that builds `stale`: None (the whole job) when all of it is
    stale (a first build, `--full`), so that dbt's tests of the raw tables run as their checks too."""
    return None if set(stale) == candidates else list(stale)
