"""Which entries of a landing folder count as delivered files, and how a delivered file is opened.

Only regular files inside the landing zone are read. A symbolic link (to a file anywhere on the machine), a
named pipe, a socket or a device is refused without ever being opened: its content is never read, copied or
shown. A regular file counts as delivered once it has not been modified for the settle time
(`WB_SETTLE_SECONDS`): a file still being written waits for a later run. The test is the age of its
modification time, so files copied or hard-linked with their original times count at once.
"""

from __future__ import annotations

import os
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path

from assets.common.landing_files import open_regular

__all__ = ["Delivery", "entry_kind", "identity", "list_delivery", "open_regular", "unchanged_since"]

#: What a refused entry is, in the words of the rejection message.
_KINDS = ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))


@dataclass
class Delivery:
    """A source folder's entries: delivered regular files (oldest first), files still changing, refused ones."""

    files: list[tuple[Path, os.stat_result]] = field(default_factory=list)
    waiting: list[Path] = field(default_factory=list)
    refused: list[tuple[Path, os.stat_result, str]] = field(default_factory=list)


def entry_kind(mode: int) -> str:
    return next((label for test, label in _KINDS if test(mode)), "not a regular file")


def list_delivery(folder: Path, *, recursive: bool, names: tuple[str, ...] | None, settle_seconds: float,
                  now: float | None = None, root: Path | None = None) -> Delivery:
    """Classify the entries of `folder` (and below when `recursive`) without following any link; with `root`
    (the landing zone) every folder between it and `folder` must be a folder too, not a link to one.

    Hidden names (`.x`, Excel's `~$x` lock files) are skipped. `names` keeps only those file names."""
    now = time.time() if now is None else now
    found = Delivery()
    steps = [folder] if root is None else [root / Path(*folder.relative_to(root).parts[:i + 1])
                                           for i in range(len(folder.relative_to(root).parts))]
    for step in steps or [folder]:
        try:
            top = os.lstat(step)
        except FileNotFoundError:
            return found
        if not stat.S_ISDIR(top.st_mode):
            found.refused.append((step, top, entry_kind(top.st_mode)))
            return found
    pending = [folder]
    while pending:
        current = pending.pop()
        try:
            entries = os.scandir(current)
        except PermissionError:
            found.refused.append((current, os.lstat(current), "a folder this process may not read"))
            continue
        with entries:
            for entry in entries:
                if entry.name.startswith((".", "~$")):
                    continue
                try:
                    info = entry.stat(follow_symlinks=False)
                except FileNotFoundError:  # removed while listed
                    continue
                if stat.S_ISDIR(info.st_mode):
                    if recursive:
                        pending.append(Path(entry.path))
                    continue
                if names is not None and entry.name.lower() not in names:
                    continue
                if not stat.S_ISREG(info.st_mode):
                    found.refused.append((Path(entry.path), info, entry_kind(info.st_mode)))
                elif settle_seconds > 0 and now - info.st_mtime < settle_seconds:  # also a future mtime
                    found.waiting.append(Path(entry.path))
                else:
                    found.files.append((Path(entry.path), info))
    found.files.sort(key=lambda f: (f[1].st_mtime, f[0].name))
    found.waiting.sort()
    found.refused.sort(key=lambda r: r[0])
    return found


def identity(info: os.stat_result) -> tuple[int, int, int, int, int]:
    """What changes when a file is rewritten, replaced or swapped for a link: also its ctime, which no writer can
    set back (a swap and swap-back keeps device, inode, size and a restored mtime, not the ctime)."""
    return info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns


def unchanged_since(path: Path, info: os.stat_result) -> bool:
    try:
        return identity(os.lstat(path)) == identity(info)
    except OSError:
        return False
