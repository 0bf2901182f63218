"""`wellbeing materialize` rebuilds what depends on the raw tables that changed since its last build: the
comparison (ops.builds, a real warehouse file) and the selection it makes in the asset graph."""

from __future__ import annotations

import dataclasses
import os
import json

from dagster import AssetKey

from assets.common.settings import Settings
from assets.common.warehouse import connect
from orchestration.build_plan import (begin_incremental_build, changed_raw_tables, current_state,
                                      finish_incremental_build, last_state, needs_full_refresh, record_build)
from orchestration.dbt import incremental_models, models_succeeded
from orchestration.definitions import defs
from orchestration.runner import build_selection


def _pool_row(con, student: str) -> None:
    con.execute("""INSERT INTO raw.participation_pool (pseudo_id, programme_code, location, available_from,
                   _source_file, _file_sha256, _file_mtime, _loaded_at)
                   VALUES (?, '34116', 'Delft', DATE '2024-01-08', 'pool.csv', 'abc', TIMESTAMP '2024-01-09',
                           current_timestamp)""", [student])


def test_changed_raw_tables_since_the_last_build(tmp_path):
    settings = Settings(data_dir=tmp_path, pseudonym_key="k")

    def changed(con, settings):
        return changed_raw_tables(last_state(con), current_state(con, settings))

    def built(con, run_id, selected):
        record_build(con, current_state(con, settings), run_id, selected)

    with connect(settings.warehouse_path) as con:
        assert changed(con, settings) is None  # never built: everything
        built(con, "run-1", "everything")
        assert changed(con, settings) == []  # nothing changed: nothing to build
        _pool_row(con, "p1")
        assert changed(con, settings) == ["participation_pool"]
        built(con, "run-2", "participation_pool")
        assert changed(con, settings) == []
        # the same data folder moved elsewhere (or given more memory) builds nothing new
        assert changed(con, dataclasses.replace(settings, data_dir=tmp_path / "moved")) == []
        # another disclosure threshold changes every mart: everything
        assert changed(con, dataclasses.replace(settings, min_cell=5)) is None
        # and so does another protection level (read by the disclosure assets, not by dbt)
        os.environ["WB_PROTECTION_LEVEL"] = "0.2"
        try:
            assert changed(con, settings) is None
        finally:
            del os.environ["WB_PROTECTION_LEVEL"]
        assert [r[0] for r in con.execute("SELECT selected FROM ops.builds ORDER BY built_at").fetchall()] == [
            "everything", "participation_pool"]


def test_new_hours_rebuild_participation_not_the_survey_staging():
    selected = {k.to_user_string() for k in build_selection(defs, ["participation_hours"])}
    assert {"staging/stg_participation__hours", "marts/participation_institution", "marts/participation_by_programme",
            "intermediate/int_participation_cells_protected", "marts/wellbeing_by_participation",
            "exports/bi_tables", "exports/participation_charts"} <= selected
    # hours decide who participated, and so the comparison groups: they are cells of the wellbeing disclosure
    # patterns, so those patterns (and wellbeing_indicators) are decided again (the unchanged years' kept)
    assert {"intermediate/int_wellbeing_cells_protected", "marts/wellbeing_indicators"} <= selected
    assert not selected & {"staging/stg_survey__responses", "staging/stg_participation__pool", "raw/participation_hours"}
    survey = {k.to_user_string() for k in build_selection(defs, ["survey_responses"])}
    assert "marts/wellbeing_indicators" in survey and "marts/participation_institution" not in survey
    assert "intermediate/int_participation_cells_protected" not in survey
    # every export, always: each finds out itself whether its inputs changed, and a deleted file comes back
    exports = {k for k in build_selection(defs, []) if k.path[0] == "exports"}
    assert {k.to_user_string() for k in build_selection(defs, [])} == {k.to_user_string() for k in exports}
    assert AssetKey(["exports", "wellbeing_charts"]) in exports and len(exports) == 8  # 6 files, published, serving
    assert exports <= set(build_selection(defs, ["participation_hours"]))


def test_incremental_models_rebuilt_whole_unless_the_last_build_finished_from_the_same_project(tmp_path):
    """The dbt asset's decision (orchestration/dbt.py): `dbt build --full-refresh` unless the last build that
    selected the incremental models finished them from the same project and settings, and the raw tables only
    gained rows since."""
    settings = Settings(data_dir=tmp_path, pseudonym_key="k")
    with connect(settings.warehouse_path) as con:
        def build(run_id, finish=True):
            now = current_state(con, settings)
            full = needs_full_refresh(con, now)
            begin_incremental_build(con, now, run_id, full)
            if finish:
                finish_incremental_build(con, run_id)
            return full

        assert build("r1") is True                      # never built
        assert build("r2") is False                     # nothing changed
        _pool_row(con, "p1")
        assert build("r3", finish=False) is False       # new rows: incremental …
        assert build("r4") is True                      # … but r3 may have stopped half way: rebuild whole
        _pool_row(con, "p2")
        assert build("r5") is False
        con.execute("DELETE FROM raw.participation_pool WHERE pseudo_id = 'p1'")  # restored or edited by hand
        assert build("r6") is True
        assert build("r7") is False
        other_threshold = dataclasses.replace(settings, min_cell=5)
        assert needs_full_refresh(con, current_state(con, other_threshold)) is True
        assert con.execute("SELECT run_id, full_refresh, finished FROM ops.incremental_builds ORDER BY rowid"
                           ).fetchall() == [("r1", True, True), ("r2", False, True), ("r3", False, False),
                                            ("r4", True, True), ("r5", False, True), ("r6", True, True),
                                            ("r7", False, True)]


def test_incremental_models_and_their_status_from_dbt(tmp_path):
    hours, netted = "model.wellbeing_warehouse.stg_participation__hours", \
        "model.wellbeing_warehouse.int_hours_netted_to_student_quarters"
    assert incremental_models() == {AssetKey(["staging", "stg_participation__hours"]): hours}
    results = {"results": [{"unique_id": hours, "status": "success"}, {"unique_id": netted, "status": "error"}]}
    (tmp_path / "run_results.json").write_text(json.dumps(results))
    assert models_succeeded(tmp_path, [hours]) is True
    assert models_succeeded(tmp_path, [hours, netted]) is False
    results["results"][0]["status"] = "skipped"   # a failed upstream model: dbt left the table as it was
    (tmp_path / "run_results.json").write_text(json.dumps(results))
    assert models_succeeded(tmp_path, [hours]) is False
    assert models_succeeded(tmp_path / "no-build", [hours]) is False


def test_fingerprints_do_not_depend_on_where_the_checkout_lies(tmp_path, monkeypatch):
    """The dbt project's files fingerprinted from a copy of the project elsewhere: the same fingerprint (a moved
    checkout rebuilds nothing); one changed byte: another."""
    import shutil

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
