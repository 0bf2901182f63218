"""Writing one export's files into a run's export set (sets.py) all or none.

Every file is written under a hidden temporary name in its folder and swapped in with `os.replace` only when
all files of the publication are written; nothing is swapped in when writing fails. A file is always replaced,
never written in place: the set's files start as hard links to the published set's, which must not change.
"""

from __future__ import annotations

import fnmatch
import os
import uuid
from pathlib import Path


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
        for leftover in self.folder.glob(".*.tmp*"):  # of an earlier attempt of the run's step (one at a time)
            leftover.unlink(missing_ok=True)
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
