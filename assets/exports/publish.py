"""Publishing files so that readers never see a half-written one.

Every file is written under a hidden temporary name in its final folder and swapped in with `os.replace`
(atomic on one file system) only when all files of the publication are written. A reader that has the old
file open keeps reading the old file (POSIX: the old inode lives until it is closed); a reader that opens the
name afterwards gets the new file. Nothing is swapped in when writing fails: the previous exports stay.
"""

from __future__ import annotations

import fnmatch
import os
import time
import uuid
from pathlib import Path

#: Temporary files older than this are leftovers of a crashed run and are removed.
STALE_TEMP_SECONDS = 6 * 3600


class Publication:
    """Files of one folder, published together.

    >>> with Publication(folder, prune=["*.csv"]) as pub:
    ...     write(pub.temp("a.csv"))          # written under a temporary name
    ...                                       # on exit: swapped in; other *.csv files removed
    """

    def __init__(self, folder: Path, prune: list[str] | None = None):
        self.folder = Path(folder)
        self.prune = prune or []
        self._pending: dict[str, Path] = {}
        self.published: list[Path] = []

    def __enter__(self) -> Publication:
        self.folder.mkdir(parents=True, exist_ok=True)
        _remove_stale_temps(self.folder)
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.discard()

    def temp(self, name: str) -> Path:
        """The temporary path to write `name` to (hidden, and matching no export pattern)."""
        if name in self._pending:
            raise ValueError(f"{name} is already part of this publication")
        path = self.folder / f".{name}.{uuid.uuid4().hex[:8]}.tmp"
        self._pending[name] = path
        return path

    def commit(self) -> list[Path]:
        for name, temp in sorted(self._pending.items()):
            final = self.folder / name
            os.replace(temp, final)
            self.published.append(final)
        for path in self.folder.iterdir():
            if path.is_file() and path.name not in self._pending and any(
                    fnmatch.fnmatch(path.name, pattern) for pattern in self.prune):
                path.unlink()  # an export of a table (or chart) that no longer exists
        self._pending.clear()
        return self.published

    def discard(self) -> None:
        for temp in self._pending.values():
            for leftover in (temp, temp.with_name(temp.name + ".wal")):
                leftover.unlink(missing_ok=True)
        self._pending.clear()


def _remove_stale_temps(folder: Path) -> None:
    cutoff = time.time() - STALE_TEMP_SECONDS
    for path in folder.glob(".*.tmp*"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except FileNotFoundError:
            pass
