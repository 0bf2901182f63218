"""Folders and files holding individual data (the warehouse, the restricted exports) are readable by their
owner only: 0o700 / 0o600 whatever the umask; with `WB_DATA_GROUP` set, by that group too (0o750 / 0o640).
Applied where the pipeline creates them and to the files it writes there; the warehouse folder, made by an
operator or an older version, is tightened on every connection (`tighten_dir`)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from assets.common.settings import ConfigurationError


def _restrict(path: Path, group: str | None, owner_only: int, with_group: int) -> None:
    if group:
        try:
            shutil.chown(path, group=group)
        except LookupError as exc:
            raise ConfigurationError(f"WB_DATA_GROUP names no group of this machine: {group!r}") from exc
    mode = with_group if group else owner_only
    if path.stat().st_mode & 0o777 != mode:
        os.chmod(path, mode)


def private_dir(path: Path, group: str | None) -> Path:
    """`path`, created (with its parents) and restricted."""
    path.mkdir(parents=True, exist_ok=True)
    _restrict(path, group, 0o700, 0o750)
    return path


def private_file(path: Path, group: str | None) -> Path:
    _restrict(path, group, 0o600, 0o640)
    return path


def tighten_dir(path: Path, group: str | None) -> Path:
    """An existing folder of ours stripped of what private_dir would not allow (a stat; a chmod only when it is
    looser): DuckDB makes its write-ahead log and spill files with the umask, and they inherit nothing else."""
    info = path.stat()
    allowed = 0o750 if group else 0o700
    if info.st_uid == os.geteuid() and info.st_mode & 0o777 & ~allowed:
        os.chmod(path, info.st_mode & 0o777 & allowed)
    return path
