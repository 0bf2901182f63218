"""dbt's target folders of the pipeline's builds live under the warehouse's state and are pruned
(assets/common/dbt_state.py: build_target, prune_build_targets): each build leaves ~10 MB of compiled SQL."""

import os

from assets.common.settings import Settings
from assets.common.dbt_state import build_target, build_targets_dir, prune_build_targets


def test_each_build_gets_a_new_folder_under_the_warehouse_state(tmp_path, monkeypatch):
    monkeypatch.setenv("WB_DATA_DIR", str(tmp_path))
    settings = Settings.from_env()
    first, second = build_target(settings, "0123456789abcdef"), build_target(settings, "0123456789abcdef")
    assert first != second
    assert first.parent == second.parent == tmp_path / "state" / "dbt" / "builds"
    assert first.name.startswith("01234567-") and first.is_dir()


def test_only_the_latest_builds_are_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("WB_DATA_DIR", str(tmp_path))
    settings = Settings.from_env()
    folders = []
    for age, name in enumerate(["e", "d", "c", "b", "a"]):  # "e" newest, "a" oldest
        folder = build_targets_dir(settings) / name
        (folder / "compiled").mkdir(parents=True)
        (folder / "run_results.json").write_text("{}")
        os.utime(folder, (1_700_000_000 - age * 60,) * 2)
        folders.append(folder)
    removed = prune_build_targets(settings, keep=3)
    assert sorted(p.name for p in removed) == ["a", "b"]
    assert sorted(p.name for p in build_targets_dir(settings).iterdir()) == ["c", "d", "e"]
    assert prune_build_targets(settings, keep=3) == []


def test_a_new_warehouse_gets_its_parse_early_and_dbt_uses_it(tmp_path, monkeypatch):
    """EarlyParse (started by `wellbeing materialize` before ingestion) saves the parse of a warehouse that has
    none; dbt then re-parses nothing for that warehouse; a warehouse with a saved parse starts no process."""
    import subprocess

    from assets.common.dbt_command import dbt_executable
    from assets.common.dbt_state import partial_parse_path
    from assets.common.settings import DBT_PROJECT_DIR
    from orchestration.dbt import EarlyParse

    monkeypatch.setenv("WB_DATA_DIR", str(tmp_path))
    settings = Settings.from_env()
    early = EarlyParse(settings)
    assert early.process is not None
    assert early.finish() is True
    assert partial_parse_path(settings).is_file()
    assert not early.target.exists()  # its scratch folder is gone
    assert EarlyParse(settings).process is None  # parsed already: nothing to do

    # what the build does with it: dbt loads the saved parse for this warehouse's profile
    target = tmp_path / "build"
    target.mkdir()
    (target / "partial_parse.msgpack").write_bytes(partial_parse_path(settings).read_bytes())
    env = {**os.environ, **settings.dbt_env()}
    subprocess.run([dbt_executable(), "parse", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir",
                    str(DBT_PROJECT_DIR), "--target-path", str(target), "--log-path", str(target)],
                   env=env, check=True, capture_output=True, cwd=DBT_PROJECT_DIR)
    log = (target / "dbt.log").read_text()
    assert "Unable to do partial parsing" not in log
    assert "Partial parsing enabled, no changes found, skipping parsing" in log


def test_the_docs_reuse_a_build_manifest_only_when_it_compiled_every_model_and_test(tmp_path):
    import json

    from assets.exports.dbt_docs import compiled_manifest
    from assets.common.dbt_state import latest_build_manifest

    def manifest(folder: str, **compiled: str):
        path = tmp_path / "state" / "dbt" / "builds" / folder / "manifest.json"
        path.parent.mkdir(parents=True)
        nodes = {"seed.p.s": {"resource_type": "seed"}}
        nodes.update({f"{kind}.p.{kind}": {"resource_type": kind, "compiled_code": sql}
                      for kind, sql in compiled.items()})
        path.write_text(json.dumps({"nodes": nodes}))
        return path

    settings = Settings(data_dir=tmp_path)
    assert latest_build_manifest(settings) is None
    full = manifest("a", model="select 1", test="select 2")
    os.utime(full.parent, (1_700_000_000,) * 2)  # an earlier build's folder
    partial = manifest("b", model="select 1", test="")  # a selection: this test did not run
    assert latest_build_manifest(settings) == partial
    assert compiled_manifest(full) and not compiled_manifest(partial)
    assert not compiled_manifest(tmp_path / "missing.json")
