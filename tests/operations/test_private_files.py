"""Files and folders holding individual data are their owner's only (assets/common/private.py), on real files."""

from __future__ import annotations

import grp
import os

import pytest

from assets.common.settings import ConfigurationError
from assets.common.warehouse import connect


def _mode(path) -> int:
    return path.stat().st_mode & 0o777


@pytest.fixture(autouse=True)
def permissive_umask():
    old = os.umask(0o022)  # what a careless service account has: new files world-readable
    yield
    os.umask(old)


def test_the_warehouse_folder_and_file_are_the_owners_only(tmp_path, monkeypatch):
    monkeypatch.delenv("WB_DATA_GROUP", raising=False)
    path = tmp_path / "data" / "warehouse" / "wellbeing.duckdb"
    with connect(path):
        pass
    assert (_mode(path.parent), _mode(path)) == (0o700, 0o600)


def test_a_data_group_may_read_them_too(tmp_path, monkeypatch):
    group = grp.getgrgid(os.getgid()).gr_name if os.geteuid() != 0 else "daemon"
    monkeypatch.setenv("WB_DATA_GROUP", group)
    path = tmp_path / "data" / "warehouse" / "wellbeing.duckdb"
    with connect(path):
        pass
    assert (_mode(path.parent), _mode(path)) == (0o750, 0o640)
    assert path.parent.stat().st_gid == path.stat().st_gid == grp.getgrnam(group).gr_gid


def test_an_unknown_group_is_a_configuration_error(tmp_path, monkeypatch):
    monkeypatch.setenv("WB_DATA_GROUP", "no-such-group-wb")
    with pytest.raises(ConfigurationError, match="WB_DATA_GROUP"), connect(tmp_path / "w" / "wellbeing.duckdb"):
        pass
