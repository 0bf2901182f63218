"""A run's exports are published as one unit: a set, switched in with one atomic rename.

    exports/bi         -> current/bi          (fixed relative links: the paths readers use)
    exports/charts     -> current/charts
    exports/docs       -> current/docs
    exports/restricted -> current/restricted
    exports/current    -> .sets/<run id>      (the one link switched: `os.replace` of a symlink, atomic)
    exports/.sets/<run id>/{bi,charts,docs,restricted,MANIFEST.json}

The first export of a run makes the run's set (`staging`) out of hard links to the published set's files (no
byte is copied; milliseconds), so an export that is not selected (not stale) stands in the new set as it
was. Each export then replaces its own files there (publish.py: a new file, never a write into a linked one)
and the asset `exports/published`, downstream of every file export, writes the set's manifest and switches
`current` (`publish`). A failed or killed run switches nothing: readers keep the complete previous set.

A set belongs to its run (the run id names it), not to a process: Dagster may run each step in a process of
its own. So whether a set is still being made is the run's status in the Dagster instance (`alive`, from
`instance.get_run_by_id`): a set without a manifest is removed (`remove_abandoned`, when a run starts its
exports, and by `wellbeing materialize`) only once its run has ended, or when the instance knows no such run.
A set records which set was published when it was begun (`.base`); `publish` refuses (`SetChanged`, the step
fails, the published set stays) when another run has published since: the set would mix two states of the
warehouse, or take readers back to an older one. The check and the switch are one step under a lock held for
the few milliseconds of the switch. The previous set is kept besides the current one, so a reader that resolved
`current` before a switch reads on.

The first publication after the layout before sets (real folders `exports/bi` ...) switches `current` first and
only then replaces each folder by its link, moving the folder aside (`.sets/.not-a-link-<part>-*`); what was
moved aside is removed only once every link resolves, and a set begun while a link does not resolve takes that
part from the folder moved aside. A kill at any point loses nothing.

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
from collections.abc import Callable
from pathlib import Path

from assets.common.private import private_dir, private_file
from assets.common.settings import Settings, data_group

SETS, CURRENT, MANIFEST = ".sets", "current", "MANIFEST.json"
PARTS = ("bi", "charts", "docs", "restricted")
PRIVATE_PARTS = ("restricted",)  # individual data: owner only (assets/common/private.py)


BASE = ".base"  # in a set: the set that was published when it was begun ("" for none)
NOT_A_LINK = ".not-a-link-"
#: whether run `run_id` is still in progress (queued, started, ...); False for a run that ended or is unknown
RunAlive = Callable[[str], bool]


class SetChanged(RuntimeError):
    """Another run published its set after this run began its own."""


def published(exports: Path) -> Path | None:
    """The set readers see now (None before the first publication)."""
    link = exports / CURRENT
    return link.resolve() if link.is_symlink() and link.resolve().is_dir() else None


def staging(settings: Settings, run_id: str, *, alive: RunAlive) -> Path:
    """The set run `run_id` is making: made (from the published set) by its first export."""
    exports = settings.exports_dir
    path = exports / SETS / run_id
    if path.is_dir():
        return path
    remove_abandoned(exports, alive=alive)
    tmp = exports / SETS / f".{run_id}.{uuid.uuid4().hex[:8]}.tmp"
    tmp.mkdir(parents=True)
    base = published(exports)
    for name in PARTS:
        source = _source_of(exports, base, name)
        if source is not None:
            _link_tree(source, tmp / name)
    for name in PRIVATE_PARTS:  # files linked from an older set keep their inode's mode: tightened here
        if (tmp / name).is_dir():
            private_dir(tmp / name, data_group())
            for file in (tmp / name).rglob("*"):
                if file.is_file() and not file.is_symlink():
                    private_file(file, data_group())
    (tmp / BASE).write_text(base.name if base is not None else "", encoding="utf-8")
    os.rename(tmp, path)
    return path


def _source_of(exports: Path, base: Path | None, name: str) -> Path | None:
    """Where a new set takes folder `name` from: the published set; before the first set, the layout before
    sets; a link that does not resolve (a first publication killed half-way), the folder moved aside."""
    if base is not None and (base / name).is_dir():
        return base / name
    if base is None and (exports / name).is_dir() and not (exports / name).is_symlink():
        return exports / name
    aside = sorted((exports / SETS).glob(f"{NOT_A_LINK}{name}-*"), key=lambda p: p.stat().st_mtime)
    return aside[-1] if aside else None


def part(settings: Settings, run_id: str, name: str, *, alive: RunAlive) -> Path:
    """Folder `name` (one of PARTS) of the run's set, created; individual data readable by the owner only."""
    folder = staging(settings, run_id, alive=alive) / name
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


def publish(settings: Settings, run_id: str, *, alive: RunAlive) -> dict | None:
    """Switch readers to run `run_id`'s set (its manifest first); None when the run made none. Raises SetChanged
    when another set was published after this one was begun (nothing is switched)."""
    exports = settings.exports_dir
    path = exports / SETS / run_id
    if not path.is_dir():
        return None
    for name in PARTS:  # every documented folder resolves, even one no export has written to yet
        part(settings, run_id, name, alive=alive)
    manifest = {"set": run_id, "run_id": run_id, "published_at": dt.datetime.now().isoformat(timespec="seconds"),
                "files": {name: sorted(p.relative_to(path / name).as_posix() for p in (path / name).rglob("*")
                                       if p.is_file()) for name in PARTS}}
    base = (path / BASE).read_text(encoding="utf-8") if (path / BASE).is_file() else ""
    fd = os.open(exports / SETS, os.O_RDONLY)  # the lock is on the folder of sets: no file to leave behind
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # the check and the switch, as one step among runs publishing at once
        previous = published(exports)
        if (previous.name if previous is not None else "") != base:
            raise SetChanged(
                f"the published exports changed while this run made its own (run {previous.name if previous else '?'} "
                f"published after this run began its set from {base or 'none'}): publishing it would mix two states "
                "of the warehouse or take readers back, so nothing was switched and the published set stands. Run "
                "the exports again.")
        tmp = path / f".{MANIFEST}.tmp"
        tmp.write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        os.replace(tmp, path / MANIFEST)
        _switch(exports, f"{SETS}/{run_id}")
    finally:
        os.close(fd)
    _ensure_links(exports)  # after the switch: every link resolves at once
    _prune(exports, keep=previous, alive=alive)
    return manifest


def _switch(exports: Path, target: str) -> None:
    """`exports/current -> target` by one atomic rename; a folder in its place (a copy of the data folder that
    followed the links) moves aside first."""
    current = exports / CURRENT
    if current.exists() and not current.is_symlink():
        os.rename(current, exports / SETS / f"{NOT_A_LINK}{CURRENT}-{uuid.uuid4().hex[:8]}")
    link = exports / f".{CURRENT}.{uuid.uuid4().hex[:8]}.tmp"
    os.symlink(target, link)
    os.replace(link, current)  # the switch


def _ensure_links(exports: Path) -> None:
    """The fixed links `exports/<part> -> current/<part>`, `current` switched already. A folder in the place of a
    link (the layout before sets, or a copy that followed the links) moves aside into .sets, and is removed
    once every link resolves (`remove_abandoned`)."""
    for name in PARTS:
        link = exports / name
        if link.is_symlink():
            continue
        tmp = exports / f".{name}.{uuid.uuid4().hex[:8]}.tmp"
        os.symlink(f"{CURRENT}/{name}", tmp)
        if link.exists():
            os.rename(link, exports / SETS / f"{NOT_A_LINK}{name}-{uuid.uuid4().hex[:8]}")
        os.replace(tmp, link)


def _links_resolve(exports: Path) -> bool:
    return published(exports) is not None and all(
        (exports / name).is_symlink() and (exports / name).resolve().is_dir() for name in PARTS)


def remove_abandoned(exports: Path, *, alive: RunAlive) -> list[Path]:
    """Remove what runs that failed or were killed left: sets never published (no manifest) of runs that ended,
    folders of the layout before sets once every link resolves, temporary files. Returns what was removed."""
    folder = exports / SETS
    folder.mkdir(parents=True, exist_ok=True)
    current, linked = published(exports), _links_resolve(exports)
    abandoned = [p for p in folder.iterdir() if p.resolve() != current and not (p / MANIFEST).is_file()
                 and (linked if p.name.startswith(NOT_A_LINK) else not alive(_run_of(p)))]
    return _remove([*abandoned, *exports.glob(".*.*.tmp")])


def remove_unpublished(exports: Path, run_id: str) -> list[Path]:
    """Remove the set of run `run_id` (which has ended) when it was never published; nothing of other runs."""
    entry = exports / SETS / run_id
    if not entry.is_dir() or entry.resolve() == published(exports) or (entry / MANIFEST).is_file():
        return []
    return _remove([entry])


def _run_of(entry: Path) -> str:
    """The run id a set or its temporary folder belongs to (`.<run id>.<random>.tmp`)."""
    return entry.name[1:].split(".")[0] if entry.name.endswith(".tmp") else entry.name


def _prune(exports: Path, keep: Path | None, *, alive: RunAlive) -> list[Path]:
    """Remove every set but the published one and `keep` (the one published before it), and sets being made."""
    kept = {p for p in (published(exports), keep) if p is not None}
    linked = _links_resolve(exports)
    return _remove([p for p in (exports / SETS).iterdir() if p.resolve() not in kept and (
        linked if p.name.startswith(NOT_A_LINK) else (p / MANIFEST).is_file() or not alive(_run_of(p)))])


def _remove(paths: list[Path]) -> list[Path]:
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    return paths
