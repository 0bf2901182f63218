"""`wellbeing materialize` rebuilds what depends on the raw tables that changed since its last build: the
comparison (ops.builds, a real warehouse file) and the selection it makes in the asset graph."""

from __future__ import annotations

import dataclasses

from dagster import AssetKey

from assets.common.settings import Settings
from assets.common.warehouse import connect
from orchestration.build_plan import changed_raw_tables, current_state, last_state, record_build
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
        # another disclosure threshold changes every mart: everything
        assert changed(con, dataclasses.replace(settings, min_cell=5)) is None
        assert [r[0] for r in con.execute("SELECT selected FROM ops.builds ORDER BY built_at").fetchall()] == [
            "everything", "participation_pool"]


def test_new_hours_rebuild_participation_not_the_survey_marts():
    selected = {k.to_user_string() for k in build_selection(defs, ["participation_hours"])}
    assert {"staging/stg_participation__hours", "marts/participation_institution", "marts/participation_by_programme",
            "marts/wellbeing_by_participation", "exports/bi_tables", "exports/participation_charts"} <= selected
    assert not selected & {"staging/stg_survey__responses", "marts/wellbeing_indicators",
                           "staging/stg_participation__pool", "raw/participation_hours"}
    survey = {k.to_user_string() for k in build_selection(defs, ["survey_responses"])}
    assert "marts/wellbeing_indicators" in survey and "marts/participation_institution" not in survey
    # every export, always: each finds out itself whether its inputs changed, and a deleted file comes back
    exports = {k for k in build_selection(defs, []) if k.path[0] == "exports"}
    assert {k.to_user_string() for k in build_selection(defs, [])} == {k.to_user_string() for k in exports}
    assert AssetKey(["exports", "wellbeing_charts"]) in exports and len(exports) == 7
    assert exports <= set(build_selection(defs, ["participation_hours"]))
