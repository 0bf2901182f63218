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
import warnings
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from dagster import (
    AssetCheckKey, AssetCheckResult, AssetExecutionContext, AssetKey, AssetSpec, BetaWarning, DataVersion, Output,
)
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets

from assets.common.dbt_command import (
    child_env, dbt_executable, dbt_parse_command, dbt_subprocess_env,
)
from assets.common.dbt_project import dbt_asset_key, dbt_project, ensure_manifest
from assets.common.dbt_state import build_target, partial_parse_path, prune_build_targets, save_partial_parse
from assets.common.disclosure import rules as disclosure_rules
from assets.common.disclosure.rules import DisclosureRules
from assets.common.fingerprint import files_fingerprint, fingerprint
from assets.common.resource import WarehouseResource
from assets.common.settings import DBT_PROJECT_DIR, Settings
from assets.common.warehouse import table_content_version
from assets.ingest.raw_assets import WRITER_POOL

#: what the pipeline's `dbt build` leaves out (see warehouse_dbt_models)
DBT_BUILD_ARGS = ("--exclude", "resource_type:unit_test")

#: the schemas whose models report their content as their data version (small tables, read by the exports)
CONTENT_VERSIONED_SCHEMAS = ("marts", "restricted")

DISCLOSURE_LIBRARY = Path(disclosure_rules.__file__).parent

ensure_manifest()  # the one work at import: dagster-dbt reads the manifest below


def settings_version() -> str:
    """What the models read besides the raw tables and the project: the disclosure threshold and rules (dbt's
    Python models read them from the environment) and the institution's BRIN. Paths and memory are not what is
    built: a data folder moved elsewhere, or given more memory, builds nothing again."""
    try:
        rules = repr(DisclosureRules.from_env())
    except ValueError:  # the run reports the bad setting; the version only has to differ
        rules = repr({k: v for k, v in os.environ.items() if k.startswith(("WB_MIN_", "WB_PROTECTION", "WB_DOM"))})
    return fingerprint(rules=rules, brin=os.environ.get("WB_BRIN", "27PZ").strip().upper())


class WarehouseDbtTranslator(DagsterDbtTranslator):
    """Asset keys follow the warehouse's schemas (`dbt_asset_key`); groups its schemas, seeds `reference`.

    Code versions: dagster-dbt versions a model by its own SQL only. A model's result also depends on its
    configuration, the project's macros and variables and the settings the models read (`settings_version`), and
    what it publishes on its descriptions (the exports carry them), so each of those is part of its code version:
    Dagster then sees a changed macro or threshold as a change of every model it reaches, and rebuilds them
    (assets/common/stale.py)."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        return dbt_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        return dbt_resource_props.get("config", {}).get("schema") or "dbt"

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None) -> AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        if spec.code_version is None:  # sources: the raw assets version their own data
            return spec
        node = self.get_resource_props(manifest, unique_id)
        docs = [node.get("description", ""), {c: v.get("description", "") for c, v in node.get("columns", {}).items()}]
        # its tests (a new or stricter test is run), and what a Python model calls (disclosure control)
        tests = sorted(json.dumps([t.get("raw_code"), t.get("test_metadata"), t.get("config")], sort_keys=True,
                                  default=str)
                       for t in (manifest["nodes"].get(c, {}) for c in manifest.get("child_map", {}).get(unique_id, []))
                       if t.get("resource_type") == "test")
        library = disclosure_library_version() if node.get("language") == "python" else ""
        return spec.replace_attributes(code_version=fingerprint(
            own=spec.code_version, config=node.get("config", {}), docs=docs, tests=tests, library=library,
            project=self._project_version(manifest)))

    def _project_version(self, manifest: Mapping[str, Any]) -> str:
        """The project's own macros, its dbt_project.yml (variables) and the settings: once per manifest."""
        cached = getattr(self, "_project_versions", {})
        if id(manifest) not in cached:
            name = manifest["metadata"].get("project_name", "")
            macros = {key: macro["macro_sql"] for key, macro in manifest["macros"].items()
                      if macro.get("package_name") == name}
            cached[id(manifest)] = fingerprint(macros=macros, settings=settings_version(),
                                               project=files_fingerprint([DBT_PROJECT_DIR / "dbt_project.yml"]))
            self._project_versions = cached
        return cached[id(manifest)]


@cache
def disclosure_library_version() -> str:
    """The disclosure library the Python models call (assets/common/disclosure/)."""
    return files_fingerprint(sorted(DISCLOSURE_LIBRARY.glob("*.py")))


#: dbt's tests of its sources (raw tables) are asset checks on the raw assets, run by the dbt build
TRANSLATOR = WarehouseDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_source_tests_as_checks=True))


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=TRANSLATOR,
            pool=WRITER_POOL)
def warehouse_dbt_models(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    """`dbt build` of the selected models: seeds, models and their data tests, in dependency order.

    dbt's unit tests check the SQL on fixed fixtures, not the data: they run in the test suite (`make test`,
    tests/dbt), not in every materialisation, where they cost half a minute whatever the data."""
    settings = warehouse.settings()
    os.environ.update({**settings.dbt_env(), **child_env()})  # dagster-dbt gives dbt this process's environment
    # dbt's parse of the last build on this warehouse, or of EarlyParse before its first (same profile): dbt
    # re-parses only what changed, if anything; the parse saved at install has another warehouse path in its
    # profile, so dbt would not use it.
    target = build_target(settings, context.run.run_id)
    if partial_parse_path(settings).exists():
        shutil.copyfile(partial_parse_path(settings), target / "partial_parse.msgpack")
    invocation = dbt.cli(["build", *DBT_BUILD_ARGS], context=context, target_path=target)
    selected_checks = context.selected_asset_check_keys
    held: list[Output] = []
    held_checks: list[AssetCheckResult] = []
    try:
        for event in invocation.stream():  # raises at the end when a model or test failed
            # dagster-dbt also runs the source tests upstream of a subset's models (an increment); where the run
            # did not select them as checks, they guard the build (a failure fails this step) unrecorded
            if isinstance(event, AssetCheckResult) and \
                    AssetCheckKey(event.asset_key, event.check_name) not in selected_checks:
                continue
            if isinstance(event, Output) and _content_versioned(context.asset_key_for_output(event.output_name)):
                held.append(event)  # versioned once dbt has let go of the warehouse (DuckDB: one writer)
                continue
            if isinstance(event, AssetCheckResult) and _content_versioned(event.asset_key):
                held_checks.append(event)  # after the materialisation it checks
                continue
            yield event
    except Exception:
        yield from _with_content_versions(context, warehouse, held)  # what was built is recorded as built
        yield from held_checks
        raise
    finally:
        save_partial_parse(settings, invocation.target_path)  # for dbt docs generate and the next build
        prune_build_targets(settings)
    yield from _with_content_versions(context, warehouse, held)
    yield from held_checks


def _content_versioned(key: AssetKey) -> bool:
    return key.path[0] in CONTENT_VERSIONED_SCHEMAS


def _with_content_versions(context: AssetExecutionContext, warehouse: WarehouseResource,
                           outputs: list[Output]) -> Iterator[Output]:
    """The marts' materialisations with their contents (and code versions) as data versions: a mart rebuilt with
    the same rows keeps its version, and what reads it (the exports) is not stale (assets/common/stale.py).
    Marts and restricted tables are small (thousands of rows), so hashing them costs milliseconds."""
    if not outputs:
        return
    code_versions = context.assets_def.code_versions_by_key
    with warehouse.connect() as con:
        versions = {}
        for event in outputs:
            key = context.asset_key_for_output(event.output_name)
            versions[event.output_name] = fingerprint(rows=table_content_version(con, *key.path),
                                                      code=code_versions.get(key))
    for event in outputs:
        with warnings.catch_warnings():
            # `data_version` of an Output is beta in dagster 1.13: it is how an op-based asset reports its data
            # version, and the warning is nothing an operator could act on
            warnings.simplefilter("ignore", BetaWarning)
            versioned = Output(event.value, output_name=event.output_name, metadata=event.metadata, tags=event.tags,
                               data_version=DataVersion(versions[event.output_name]))
        yield versioned


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
