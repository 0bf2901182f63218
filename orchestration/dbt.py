"""dbt inside Dagster: one `DbtProject`, one translator, the `@dbt_assets` (dbt tests become asset checks)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from dagster import AssetExecutionContext, AssetKey
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from assets.common.resource import WarehouseResource
from assets.common.settings import DBT_PROJECT_DIR
from assets.ingest.raw_assets import WRITER_POOL

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()


class WarehouseDbtTranslator(DagsterDbtTranslator):
    """Asset keys follow the warehouse's schemas: `raw/<table>` for sources, `<schema>/<model>` for models."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        kind = dbt_resource_props["resource_type"]
        if kind == "source":
            return AssetKey(["raw", dbt_resource_props["name"]])
        if kind == "seed":
            return AssetKey(["reference", dbt_resource_props["name"]])
        schema = dbt_resource_props.get("config", {}).get("schema") or dbt_resource_props.get("schema")
        return AssetKey([schema, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        return dbt_resource_props.get("config", {}).get("schema") or "dbt"


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project,
            dagster_dbt_translator=WarehouseDbtTranslator(), pool=WRITER_POOL)
def warehouse_dbt_models(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    """`dbt build`: seeds, models and their tests, in dependency order."""
    os.environ.update(warehouse.settings().dbt_env())
    yield from dbt.cli(["build"], context=context).stream()


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=dbt_project)
