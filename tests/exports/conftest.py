"""Fixtures of the export tests (helpers and the landing zone: export_helpers.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from filelock import FileLock

from export_helpers import ARTIFACTS, run_materialize
from tests.landing_zones.exports import build_landing


@pytest.fixture(scope="session")
def built(tmp_path_factory, worker_id) -> Path:
    """A data dir after `wellbeing materialize` on the landing zone of export_helpers, built once for all xdist workers.

    Tests must not change it (copy it first, as the concurrency test does)."""
    root = tmp_path_factory.getbasetemp() if worker_id == "master" else tmp_path_factory.getbasetemp().parent
    data_dir = root / "exports_built" / "data"
    with FileLock(str(root / "exports_built.lock")):
        if not (data_dir.parent / "ok").exists():
            shutil.rmtree(data_dir.parent, ignore_errors=True)
            build_landing(data_dir / "landing")
            result = run_materialize(data_dir)
            assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
            (data_dir.parent / "ok").write_text("built")
    return data_dir


@pytest.fixture
def artifacts() -> Path:
    """tests/artifacts/: PNGs to look at after a run (ignored by git through its own .gitignore)."""
    ARTIFACTS.mkdir(exist_ok=True)
    ignore = ARTIFACTS / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n")
    return ARTIFACTS
