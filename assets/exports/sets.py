"""A run's exports are published as one unit: a set, switched in with one atomic rename.

    exports/bi         -> current/bi          (fixed relative links: the paths readers use)
    exports/charts     -> current/charts
    exports/docs       -> current/docs
    exports/restricted -> current/restricted
    exports/current    -> .sets/<run id>      (the one link switched: `os.replace` of a symlink, atomic)
    exports/.sets/<run id>/{bi,charts,docs,restricted,.state/,MANIFEST.json}

The first export of a run makes the run's set (`staging`) out of hard links to the published set's files (no
byte is copied; milliseconds), so an export that is unchanged, or not selected, stands in the new set as it
was. Each export then replaces its own files there (publish.py: a new file, never a write into a linked one)
and the asset `exports/published`, downstream of every file export, writes the set's manifest and switches
`current` (`publish`). A failed or killed run switches nothing: readers keep the complete previous set, and the
half-made set is removed when the next run's exports start (`remove_abandoned`), with any temporary file in it.
The previous set is kept besides the current one, so a reader that resolved `current` before a switch reads on.
A set being made is locked by the process making it (`flock` on `.sets/<run id>.lock`, released when the process
ends however it ends), so a second run starting meanwhile leaves it alone.

Readers: a Linux server's symlinks are followed by Samba (Windows file shares, Power BI) and NFS; the links
are relative, so the data folder may move. The set a reader sees is complete when it resolves `exports/current`
once (`MANIFEST.json` lists its files). Windows as the server is not supported (its symlinks need privileges).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import shutil
import uuid
from pathlib import Path

from assets.common.private import private_dir
from assets.common.settings import Settings, data_group

SETS, CURRENT, MANIFEST, STATE = ".sets", "current", "MANIFEST.json", ".state"
PARTS = ("bi", "charts", "docs", "restricted")
PRIVATE_PARTS = ("restricted",)  # individual data: owner only (assets/common/private.py)


#: lock file -> its descriptor, for the sets this process is making (held until published, or the process ends)
_held: dict[Path, int] = {}


def _lock_path(exports: Path, run_id: str) -> Path:
    return exports / SETS / f"{run_id}.lock"


def _hold(exports: Path, run_id: str) -> None:
    path = _lock_path(exports, run_id)
    if path not in _held:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        _held[path] = fd


def _release(exports: Path, run_id: str) -> None:
    path = _lock_path(exports, run_id)
    fd = _held.pop(path, None)
    if fd is not None:
        path.unlink(missing_ok=True)
        os.close(fd)


def _in_use(exports: Path, run_id: str) -> bool:
    """Whether a live process is making the set of `run_id` (holds its lock)."""
    path = _lock_path(exports, run_id)
    if path in _held:
        return True
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def published(exports: Path) -> Path | None:
    """The set readers see now (None before the first publication)."""
    link = exports / CURRENT
    return link.resolve() if link.is_symlink() and link.resolve().is_dir() else None


def staging(settings: Settings, run_id: str) -> Path:
    """The set run `run_id` is making: made (from the published set) by its first export."""
    exports = settings.exports_dir
    path = exports / SETS / run_id
    if path.is_dir():
        return path
    remove_abandoned(exports)
    _hold(exports, run_id)
    tmp = exports / SETS / f".{run_id}.{uuid.uuid4().hex[:8]}.tmp"
    source = published(exports) or exports  # before the first set: the folders of the layout before sets
    for name in (*PARTS, STATE):
        if (source / name).is_dir() and not (source / name).is_symlink():
            _link_tree(source / name, tmp / name)
    tmp.mkdir(parents=True, exist_ok=True)
    os.rename(tmp, path)
    return path


def part(settings: Settings, run_id: str, name: str) -> Path:
    """Folder `name` (one of PARTS) of the run's set, created; individual data readable by the owner only."""
    folder = staging(settings, run_id) / name
    if name in PRIVATE_PARTS:
        return private_dir(folder, data_group())
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _link_tree(source: Path, target: Path) -> None:
    """`target` with the same folders (and modes) as `source`, its files hard links to those of `source`."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copymode(source, target)
    for entry in os.scandir(source):
        if entry.name.endswith(".tmp") or entry.name.startswith(".") and ".tmp" in entry.name:
            continue  # a temporary file of a run that did not finish
        if entry.is_dir(follow_symlinks=False):
            _link_tree(Path(entry.path), target / entry.name)
        elif entry.is_file(follow_symlinks=False):
            os.link(entry.path, target / entry.name)


def publish(settings: Settings, run_id: str) -> dict | None:
    """Switch readers to run `run_id`'s set (its manifest first); None when the run made none."""
    exports = settings.exports_dir
    path = exports / SETS / run_id
    if not path.is_dir():
        return None
    for name in PARTS:  # every documented folder resolves, even one no export has written to yet
        part(settings, run_id, name)
    manifest = {"set": run_id, "run_id": run_id, "published_at": dt.datetime.now().isoformat(timespec="seconds"),
                "files": {name: sorted(p.relative_to(path / name).as_posix() for p in (path / name).rglob("*")
                                       if p.is_file()) for name in PARTS}}
    tmp = path / f".{MANIFEST}.tmp"
    tmp.write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    os.replace(tmp, path / MANIFEST)
    previous = published(exports)
    _ensure_links(exports)
    link = exports / f".{CURRENT}.{uuid.uuid4().hex[:8]}.tmp"
    os.symlink(f"{SETS}/{run_id}", link)
    os.replace(link, exports / CURRENT)  # the switch
    _release(exports, run_id)
    _prune(exports, keep=previous)
    return manifest


def _ensure_links(exports: Path) -> None:
    """The fixed links `exports/<part> -> current/<part>`. A folder in the place of a link (the layout before
    sets, or a copy of the data folder that followed the links) moves aside into .sets, removed with the
    abandoned sets."""
    for name in (CURRENT, *PARTS):
        link = exports / name
        if link.exists() and not link.is_symlink():
            os.rename(link, exports / SETS / f".not-a-link-{name}-{uuid.uuid4().hex[:8]}")
        if name != CURRENT and not link.is_symlink():
            os.symlink(f"{CURRENT}/{name}", link)


def remove_abandoned(exports: Path) -> list[Path]:
    """Remove what runs that failed or were killed left: sets never published (no manifest), folders of the
    layout before sets, temporary files. Returns what was removed."""
    folder = exports / SETS
    folder.mkdir(parents=True, exist_ok=True)
    current = published(exports)
    abandoned = [p for p in folder.iterdir() if p.resolve() != current and not (p / MANIFEST).is_file()
                 and not _in_use(exports, _run_of(p))]
    return _remove([*abandoned, *exports.glob(f".{CURRENT}.*.tmp")])


def _run_of(entry: Path) -> str:
    """The run id a set, its lock or its temporary folder belongs to (`.<run id>.<random>.tmp`)."""
    name = entry.name.removesuffix(".lock")
    return name[1:].split(".")[0] if name.endswith(".tmp") else name


def _prune(exports: Path, keep: Path | None) -> list[Path]:
    """Remove every set but the published one and `keep` (the one published before it)."""
    kept = {p for p in (published(exports), keep) if p is not None}
    return _remove([p for p in (exports / SETS).iterdir()
                    if p.resolve() not in kept and not _in_use(exports, _run_of(p))])


def _remove(paths: list[Path]) -> list[Path]:
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    return paths
