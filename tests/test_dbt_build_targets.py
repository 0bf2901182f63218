"""dbt's target folders of the pipeline's builds live under the warehouse's state and are pruned
(orchestration/dbt.py: build_target, prune_build_targets): each build leaves ~10 MB of compiled SQL."""

import os

from assets.common.settings import Settings
from orchestration.dbt import build_target, build_targets_dir, prune_build_targets


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
