"""The resources of the code location; their settings come from the environment (`WB_*`)."""

from __future__ import annotations

from assets.common.resource import WarehouseResource
from orchestration.dbt import dbt_resource


def build_resources() -> dict:
    return {"warehouse": WarehouseResource(), "dbt": dbt_resource()}
