"""Fixtures of tests/wellbeing (helpers: wellbeing_harness.py)."""

from __future__ import annotations

import pytest

from wellbeing_harness import CompiledProject


@pytest.fixture(scope="session")
def compiled_project(tmp_path_factory) -> CompiledProject:
    return CompiledProject(tmp_path_factory.mktemp("compiled"), min_cell=10)
