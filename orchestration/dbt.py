"""dbt inside Dagster: one translator, the `@dbt_assets` (dbt tests become asset checks), the dbt resource.

The project itself (`dbt_project`, its manifest, the models in it) is assets/common/dbt_project.py; what is kept
of dbt per warehouse (its parse, the build folders) is assets/common/dbt_state.py.
"""


import contextlib
import json
import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from dagster import AssetCheckKey, AssetCheckResult, AssetExecutionContext, AssetKey
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from assets.common.dbt_command import (
    child_env, dbt_executable, dbt_parse_command, dbt_subprocess_env,
)
from assets.common.dbt_project import dbt_asset_key, dbt_project, ensure_manifest
from assets.common.dbt_state import build_target, partial_parse_path, prune_build_targets, save_partial_parse
from assets.common.resource import WarehouseResource
from assets.common.settings import DBT_PROJECT_DIR, Settings
from assets.ingest.raw_assets import WRITER_POOL
from orchestration import build_plan
from orchestration.tags import FULL_REFRESH_TAG

#: what the pipeline's `dbt build` leaves out (see warehouse_dbt_models)
DBT_BUILD_ARGS = ("--exclude", "resource_type:unit_test")

ensure_manifest()  # the one work at import: dagster-dbt reads the manifest below


class WarehouseDbtTranslator(DagsterDbtTranslator):
    """Asset keys follow the warehouse's schemas (`dbt_asset_key`); groups its schemas, seeds `reference`."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        return dbt_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        return dbt_resource_props.get("config", {}).get("schema") or "dbt"


#: dbt's tests of its sources (raw tables) are asset checks on the raw assets, run by the dbt build
TRANSLATOR = WarehouseDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_source_tests_as_checks=True))


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=TRANSLATOR,
            pool=WRITER_POOL)
def warehouse_dbt_models(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    """`dbt build`: seeds, models and their data tests, in dependency order.

    dbt's unit tests check the SQL on fixed fixtures, not the data: they run in the test suite (`make test`,
    tests/dbt), not in every materialisation, where they cost half a minute whatever the data."""
    settings = warehouse.settings()
    run_id = context.run.run_id
    selected = context.selected_asset_keys
    incremental = [unique_id for key, unique_id in incremental_models().items() if key in selected]
    full_refresh = context.run.tags.get(FULL_REFRESH_TAG) == "true"
    # a warehouse locked by another process: retry the step rather than fail in dbt
    with warehouse.connect() as con:
        if incremental:
            state = build_plan.current_state(con, settings)
            full_refresh = full_refresh or build_plan.needs_full_refresh(con, state)
            build_plan.begin_incremental_build(con, state, run_id, full_refresh)
    os.environ.update({**settings.dbt_env(), **child_env()})  # dagster-dbt gives dbt this process's environment
    # dbt's parse of the last build on this warehouse, or of EarlyParse before its first (same profile): dbt
    # re-parses only what changed, if anything; the parse saved at install has another warehouse path in its
    # profile, so dbt would not use it.
    target = build_target(settings, run_id)
    if partial_parse_path(settings).exists():
        shutil.copyfile(partial_parse_path(settings), target / "partial_parse.msgpack")
    # incremental models take the raw rows loaded since their last build, or all of them (build_plan.py)
    args = ["build", *DBT_BUILD_ARGS, *(["--full-refresh"] if full_refresh else [])]
    if incremental:
        context.log.info("dbt build: incremental models rebuilt whole (--full-refresh)" if full_refresh else
                         "dbt build: incremental models take the raw rows loaded since their last build")
    invocation = dbt.cli(args, context=context, target_path=target)
    selected_checks = context.selected_asset_check_keys
    try:
        for event in invocation.stream():  # raises at the end when a model or test failed
            # dagster-dbt also runs the source tests upstream of a subset's models (an increment); where the run
            # did not select them as checks, they guard the build (a failure fails this step) unrecorded
            if isinstance(event, AssetCheckResult) and \
                    AssetCheckKey(event.asset_key, event.check_name) not in selected_checks:
                continue
            yield event
    finally:
        # a test that failed after the models were built leaves them consistent: their own status counts
        if incremental and models_succeeded(invocation.target_path, incremental):
            with warehouse.connect() as con:
                build_plan.finish_incremental_build(con, run_id)
    save_partial_parse(settings, invocation.target_path)  # for dbt docs generate and the next build
    prune_build_targets(settings)


@cache
def incremental_models() -> dict[AssetKey, str]:
    """The project's incremental models (materialized='incremental' in the manifest): asset key → dbt unique_id."""
    manifest = json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))
    translator = WarehouseDbtTranslator()
    return {translator.get_asset_key(node): unique_id for unique_id, node in manifest["nodes"].items()
            if node["resource_type"] == "model" and node["config"].get("materialized") == "incremental"}


def models_succeeded(target: Path, unique_ids: Iterable[str]) -> bool:
    """Whether dbt's run_results.json in `target` has every model of `unique_ids` built ('success')."""
    path = target / "run_results.json"
    if not path.exists():
        return False
    status = {r["unique_id"]: r["status"] for r in json.loads(path.read_text(encoding="utf-8"))["results"]}
    return all(status.get(unique_id) == "success" for unique_id in unique_ids)


class EarlyParse:
    """dbt's parse of the project for a warehouse that has none saved yet, in a subprocess started before the
    landing files are validated and loaded (`wellbeing materialize`), so that it runs beside them.

    dbt keys its saved parse on the profile, which holds the warehouse path: the parse made at install never
    serves a new warehouse, and its first `dbt build` would parse the whole project first (5–12 s). `dbt parse`
    does not open the warehouse, so it can run while ingestion holds it. `finish()` waits for it and saves the
    parse where the build takes it from (`partial_parse_path`); a failed parse saves nothing and the build parses
    as before. A warehouse that has a saved parse starts nothing. What a killed run left (`parse-*` folders older
    than STALE_PARSE_S: a parse takes seconds, and is given up after 600) is removed by the next one."""

    STALE_PARSE_S = 3600

    def __init__(self, settings: Settings):
        self.settings = settings
        self.process: subprocess.Popen | None = None
        self.target = partial_parse_path(settings).parent / f"parse-{uuid.uuid4().hex[:8]}"
        for left in self.target.parent.glob("parse-*") if self.target.parent.is_dir() else []:
            with contextlib.suppress(OSError):
                if time.time() - left.stat().st_mtime > self.STALE_PARSE_S:
                    shutil.rmtree(left, ignore_errors=True)
        if partial_parse_path(settings).exists():
            return
        self.target.mkdir(parents=True)
        self.process = subprocess.Popen(
            [*dbt_parse_command(self.target), "--log-path", str(self.target)], env=dbt_subprocess_env(settings),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=DBT_PROJECT_DIR)

    def finish(self, timeout: float = 600) -> bool:
        """Wait for the parse and keep it for the build; whether a parse was saved."""
        if self.process is None:
            return False
        try:
            saved = self.process.wait(timeout) == 0 and (self.target / "partial_parse.msgpack").exists()
        except subprocess.TimeoutExpired:
            self.process.kill()
            saved = False
        if saved:
            save_partial_parse(self.settings, self.target)
        shutil.rmtree(self.target, ignore_errors=True)
        self.process = None
        return saved

    def cancel(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None
        shutil.rmtree(self.target, ignore_errors=True)


def dbt_resource() -> DbtCliResource:
    """dagster-dbt's resource with dbt from this environment (the venv's `bin/`), whether or not the venv is on
    PATH. Its executable, `wellbeing-dbt`, answers dagster-dbt's `dbt --version` itself instead of starting dbt
    for it (orchestration/dbt_child.py)."""
    return DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())
