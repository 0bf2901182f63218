"""The dbt project as the pipeline knows it: one `DbtProject`, its files, its manifest and the models in it.

Plain parts only, beneath everything that reads dbt's manifest (the dbt assets in orchestration/dbt.py, the
checks in expectations/checks.py, the exports): `@dbt_assets`, its translator and the dbt resource stay in
orchestration/dbt.py and take their asset keys from `dbt_asset_key` here.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from dagster import AssetKey
from dagster_dbt import DbtProject

from assets.common.dbt_command import child_env, dbt_parse_command
from assets.common.settings import DBT_PROJECT_DIR

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def ensure_manifest() -> None:
    """(Re)build dbt's manifest when it is missing or older than the project's files (`dbt parse`, seconds).

    `dagster dev` does this itself (`prepare_if_dev`); the definitions (orchestration/dbt.py), the CLI and tests
    call this before reading the manifest.
    """
    manifest = dbt_project.manifest_path
    sources = dbt_project_files()
    if manifest.exists() and manifest.stat().st_mtime >= max(p.stat().st_mtime for p in sources):
        return
    env = {**os.environ, **child_env(),
           "WB_WAREHOUSE_PATH": os.environ.get("WB_WAREHOUSE_PATH", str(manifest.parent / "parse.duckdb"))}
    subprocess.run(dbt_parse_command(manifest.parent), check=True, env=env)


def dbt_project_files() -> list[Path]:
    """The files that make the dbt project (what its manifest and documentation are built from)."""
    files = [p for d in ("models", "macros", "seeds", "tests") for p in (DBT_PROJECT_DIR / d).rglob("*") if p.is_file()]
    return files + [DBT_PROJECT_DIR / "dbt_project.yml", DBT_PROJECT_DIR / "profiles.yml"]


def dbt_asset_key(dbt_resource_props: Mapping[str, Any]) -> AssetKey:
    """Asset keys follow the warehouse's schemas: `raw/<table>` for sources, `reference/<seed>` for seeds,
    `<schema>/<model>` for models (the translator of orchestration/dbt.py gives these keys to Dagster)."""
    kind = dbt_resource_props["resource_type"]
    if kind == "source":
        return AssetKey(["raw", dbt_resource_props["name"]])
    if kind == "seed":
        return AssetKey(["reference", dbt_resource_props["name"]])
    schema = dbt_resource_props.get("config", {}).get("schema") or dbt_resource_props.get("schema")
    return AssetKey([schema, dbt_resource_props["name"]])


@dataclass(frozen=True)
class Model:
    name: str
    key: AssetKey
    relation: str           # schema.table in the warehouse
    sources: tuple[str, ...]  # raw tables it reads directly


@lru_cache(maxsize=1)
def dbt_models() -> dict[str, Model]:
    """The project's models by name, from its manifest (built first when stale)."""
    ensure_manifest()
    manifest = json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))
    models = {}
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") != "model":
            continue
        sources = tuple(dep.rsplit(".", 1)[-1] for dep in node.get("depends_on", {}).get("nodes", [])
                        if dep.startswith("source."))
        models[node["name"]] = Model(node["name"], dbt_asset_key(node),
                                     f"{node['schema']}.{node.get('alias') or node['name']}", sources)
    return models
