"""What is stale (assets/common/stale.py), on a small graph materialised in a real Dagster instance, and the
versions the pipeline gives Dagster to decide by: raw tables by their loads, dbt models by their SQL, macros
and settings (orchestration/dbt.py)."""

from __future__ import annotations

import shutil

import dagster as dg
import pytest
from dagster import AssetKey

from assets.common.settings import Settings
from assets.common.stale import downstream_of, stale_assets, unchanged_since_last
from assets.common.warehouse import connect, load_version

QUARTERS = dg.StaticPartitionsDefinition(["2024-Q1", "2024-Q2"])
VERSIONS = {"counts": "c1"}  # the data version the source `counts` reports when it runs


def _graph(code: str = "1", check_passes: bool = True):
    @dg.asset(partitions_def=QUARTERS)
    def hours() -> dg.MaterializeResult:
        return dg.MaterializeResult()

    @dg.asset
    def counts() -> dg.MaterializeResult:
        return dg.MaterializeResult(data_version=dg.DataVersion(VERSIONS["counts"]))

    @dg.asset(deps=[hours, counts], code_version=code,
              check_specs=[dg.AssetCheckSpec("sane", asset="mart", blocking=True)])
    def mart() -> dg.MaterializeResult:
        return dg.MaterializeResult(check_results=[dg.AssetCheckResult(check_name="sane", passed=check_passes)])

    @dg.asset(deps=[mart], code_version="1")
    def chart() -> dg.MaterializeResult:
        return dg.MaterializeResult()

    return [hours, counts, mart, chart]


def _specs(assets_defs) -> list[dg.AssetSpec]:
    return [spec for assets_def in assets_defs for spec in assets_def.specs]


def _stale(instance, assets_defs) -> list[str]:
    candidates = downstream_of(_specs(assets_defs), [AssetKey("mart")])
    return [key.to_user_string() for key in stale_assets(_specs(assets_defs), instance, candidates)]


def test_stale_by_code_data_versions_partitions_and_failed_runs():
    graph = _graph()
    hours, counts, mart, chart = graph
    with dg.instance_for_test() as instance:
        assert _stale(instance, graph) == ["mart", "chart"]  # never materialised
        dg.materialize(graph, instance=instance, partition_key="2024-Q1", selection=[hours])
        dg.materialize(graph, instance=instance, selection=[counts, mart, chart])
        assert _stale(instance, graph) == []

        # a source run that loaded nothing reports the same data version: nothing downstream is stale
        dg.materialize(graph, instance=instance, selection=[counts])
        assert _stale(instance, graph) == []
        # one that loaded rows reports another: the mart, and the chart after it
        VERSIONS["counts"] = "c2"
        try:
            dg.materialize(graph, instance=instance, selection=[counts])
            assert _stale(instance, graph) == ["mart", "chart"]
            dg.materialize(graph, instance=instance, selection=[mart, chart])
            assert _stale(instance, graph) == []
        finally:
            VERSIONS["counts"] = "c1"
        # the new data version was read: the old one coming back is a change too
        dg.materialize(graph, instance=instance, selection=[counts])
        assert _stale(instance, graph) == ["mart", "chart"]
        dg.materialize(graph, instance=instance, selection=[mart, chart])

        # any partition of a partitioned parent loaded after the mart read it
        dg.materialize(graph, instance=instance, partition_key="2024-Q2", selection=[hours])
        assert _stale(instance, graph) == ["mart", "chart"]
        dg.materialize(graph, instance=instance, selection=[mart, chart])
        assert _stale(instance, graph) == []

        # another code version of the mart (its SQL, a macro, a setting): the mart and what reads it
        assert _stale(instance, _graph(code="2")) == ["mart", "chart"]


def test_a_failed_blocking_check_keeps_the_asset_stale_until_a_run_succeeds():
    """The mart's check fails: the run fails and the chart is not built. With the parents unchanged, the mart is
    still stale (its run failed), so the next build checks it again before the chart reads it."""
    failing = _graph(check_passes=False)
    with dg.instance_for_test() as instance:
        dg.materialize(failing, instance=instance, partition_key="2024-Q1", selection=[failing[0]])
        result = dg.materialize(failing, instance=instance, selection=failing[1:], raise_on_error=False)
        assert not result.success
        assert _stale(instance, failing) == ["mart", "chart"]
        passing = _graph()
        dg.materialize(passing, instance=instance, selection=passing[1:])
        assert _stale(instance, passing) == []


def test_a_child_planned_stale_finds_at_run_time_that_its_parent_kept_its_version():
    """The chart was planned stale because the mart was to be rebuilt; the mart, rebuilt, reports the data version
    it had: asked at run time, the chart is unchanged (the exports' `unchanged`)."""
    @dg.asset
    def mart() -> dg.MaterializeResult:
        return dg.MaterializeResult(data_version=dg.DataVersion("rows-1"))

    seen = {}

    @dg.asset(deps=[mart], code_version="1")
    def chart(context) -> dg.MaterializeResult:
        spec = next(iter(context.assets_def.specs))
        seen["unchanged"] = unchanged_since_last(context.instance, spec) is not None
        return dg.MaterializeResult()

    with dg.instance_for_test() as instance:
        dg.materialize([mart, chart], instance=instance)
        assert seen["unchanged"] is False  # never made
        dg.materialize([mart, chart], instance=instance)
        assert seen["unchanged"] is True


def test_a_raw_tables_version_changes_with_every_load_that_wrote_a_row(tmp_path):
    settings = Settings(data_dir=tmp_path, pseudonym_key="k")

    def add(con, student):
        con.execute("""INSERT INTO raw.participation_pool (pseudo_id, programme_code, location, available_from,
                       _source_file, _file_sha256, _file_mtime, _loaded_at)
                       VALUES (?, '34116', 'Delft', DATE '2024-01-08', 'pool.csv', 'abc', TIMESTAMP '2024-01-09',
                               current_timestamp)""", [student])

    with connect(settings.warehouse_path) as con:
        empty = load_version(con, "participation_pool")
        assert empty == "0:None" and load_version(con, "participation_pool") == empty
        add(con, "p1")
        one = load_version(con, "participation_pool")
        assert one != empty and one.startswith("1:")
        add(con, "p2")
        assert load_version(con, "participation_pool") not in (empty, one)


def test_dbt_code_versions_take_settings_macros_and_docs(monkeypatch):
    """Every model's code version holds the settings the models read: another disclosure threshold makes every
    model stale; the data folder's place and dbt's memory do not."""
    from assets.common.dbt_project import dbt_project
    from orchestration.dbt import WarehouseDbtTranslator, settings_version
    import json

    manifest = json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))
    model = "model.wellbeing_warehouse.participation_institution"

    def version() -> str:
        return WarehouseDbtTranslator().get_asset_spec(manifest, model, dbt_project).code_version

    before, settings = version(), settings_version()
    monkeypatch.setenv("WB_DATA_DIR", "/elsewhere")
    monkeypatch.setenv("WB_DUCKDB_MEMORY_LIMIT", "1GB")
    assert version() == before and settings_version() == settings
    monkeypatch.setenv("WB_MIN_CELL", "5")
    assert settings_version() != settings and version() != before
    monkeypatch.delenv("WB_MIN_CELL")
    macro = next(key for key in manifest["macros"] if key.startswith("macro.wellbeing_warehouse."))
    manifest["macros"][macro]["macro_sql"] += " "
    assert version() != before  # a fresh manifest: another macro text
    manifest["macros"][macro]["macro_sql"] = manifest["macros"][macro]["macro_sql"][:-1]
    manifest["nodes"][model]["description"] += "."
    assert version() != before  # the description travels with the exports


def test_fingerprints_do_not_depend_on_where_the_checkout_lies(tmp_path, monkeypatch):
    """The dbt project's files fingerprinted from a copy of the project elsewhere: the same fingerprint (a moved
    checkout rebuilds nothing); one changed byte: another."""
    from assets.common.dbt_project import dbt_project_files
    from assets.common.settings import PROJECT_ROOT
    from assets.common import fingerprint

    here = dbt_project_files()
    copy = tmp_path / "elsewhere"
    for path in here:
        target = copy / path.relative_to(PROJECT_ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    there = [copy / path.relative_to(PROJECT_ROOT) for path in here]
    original = fingerprint.files_fingerprint(here)
    monkeypatch.setattr(fingerprint, "PROJECT_ROOT", copy)
    assert fingerprint.files_fingerprint(there) == original
    there[0].write_bytes(there[0].read_bytes() + b" ")
    assert fingerprint.files_fingerprint(there) != original


@pytest.mark.parametrize("source", ["participation_hours", "survey_responses"])
def test_the_build_reaches_every_export_from_either_partitioned_source(source):
    """What a build may rebuild (`build_candidates`): every dbt model and export; a new quarter of hours reaches
    the participation marts and the comparison with the survey, not the survey's staging nor the individual
    feedback (restricted); new survey responses reach every export but the participation charts."""
    from orchestration.graph import asset_specs, build_candidates

    candidates = {key.to_user_string() for key in build_candidates()}
    reached = {key.to_user_string() for key in downstream_of(asset_specs(), [AssetKey(["raw", source])])}
    exports = {k for k in candidates if k.startswith("exports/")}
    assert len(exports) == 8  # 6 files, published, serving
    assert reached <= candidates | {f"raw/{source}"}
    if source == "participation_hours":
        assert {k for k in reached if k.startswith("exports/")} == exports - {"exports/restricted"}
        assert {"staging/stg_participation__hours", "marts/participation_institution",
                "intermediate/int_wellbeing_cells_protected", "marts/wellbeing_indicators"} <= reached
        assert not reached & {"staging/stg_survey__responses", "staging/stg_participation__pool"}
    else:
        assert {k for k in reached if k.startswith("exports/")} == exports - {"exports/participation_charts"}
        assert "marts/wellbeing_indicators" in reached and "marts/participation_institution" not in reached


def test_no_model_outside_the_content_versioned_schemas_reads_one_inside():
    """The dbt asset yields the marts' (and restricted tables') materialisations after dbt has finished, to
    version them by their contents; Dagster wants a multi-asset's outputs in dependency order, so no model it
    yields earlier may read one of them."""
    import json

    from assets.common.dbt_project import dbt_asset_key, dbt_project
    from orchestration.dbt import CONTENT_VERSIONED_SCHEMAS

    manifest = json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))
    nodes = manifest["nodes"]
    held = {uid for uid, node in nodes.items() if node["resource_type"] in ("model", "seed")
            and dbt_asset_key(node).path[0] in CONTENT_VERSIONED_SCHEMAS}
    assert held, "the marts are content-versioned"
    readers = {uid: [d for d in node["depends_on"].get("nodes", []) if d in held] for uid, node in nodes.items()
               if node["resource_type"] in ("model", "seed") and uid not in held}
    assert {uid: deps for uid, deps in readers.items() if deps} == {}
