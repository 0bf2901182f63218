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


def test_the_pseudonymised_copies_of_accepted_files_are_the_owners_only(tmp_path, monkeypatch):
    """Ingestion keeps each accepted file's pseudonymised rows under state/accepted/: individual data."""
    import datetime as dt

    from assets.common.settings import LandingLimits, Settings
    from assets.ingest import participation
    from assets.ingest.engine import accepted_path, scan

    monkeypatch.delenv("WB_DATA_GROUP", raising=False)
    settings = Settings(data_dir=tmp_path / "data", pseudonym_key="k" * 32, landing=LandingLimits(settle_seconds=0))
    hours = settings.landing_dir / "participation" / "hours" / "uren_2023-01.csv"
    hours.parent.mkdir(parents=True)
    hours.write_text("record_id;student_number;programme_code;location;work_date;hours\n"
                     "h1;700001;34116;Den Haag;31-01-2023;4\n", encoding="utf-8")
    with connect(settings.warehouse_path) as con:
        [outcome] = scan(participation.HOURS, settings, con, today=dt.date(2026, 11, 25)).files
    copy = accepted_path(settings, "participation_hours", outcome.sha256)
    assert outcome.status == "accepted" and copy.is_file()
    assert (_mode(copy.parent.parent), _mode(copy.parent), _mode(copy)) == (0o700, 0o700, 0o600)


def test_a_warehouse_folder_made_with_the_umask_is_tightened_on_every_connection(tmp_path, monkeypatch):
    """A folder from before (or made by the operator) with the umask: the next connection takes away what others
    could read, and DuckDB's write-ahead log and spill folder, made with the umask, stay inside it."""
    monkeypatch.delenv("WB_DATA_GROUP", raising=False)
    path = tmp_path / "data" / "warehouse" / "wellbeing.duckdb"
    path.parent.mkdir(parents=True)
    os.chmod(path.parent, 0o755)
    with connect(path) as con:
        assert _mode(path.parent) == 0o700
        assert con.execute("SELECT current_setting('temp_directory')").fetchone()[0] == str(path) + ".tmp"
    os.chmod(path.parent, 0o777)
    with connect(path, read_only=True):
        assert _mode(path.parent) == 0o700  # a reader of ours tightens it too
