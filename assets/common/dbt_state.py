"""What the pipeline keeps of dbt per warehouse, beside its other state (`<data dir>/state/dbt/`): the parse
of the project and the target folders of the latest builds. The dbt asset writes them; the early parse and
the documentation export read them."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

from assets.common.settings import Settings

#: dbt target folders kept per warehouse (the latest builds' compiled SQL and run_results.json, for debugging)
KEPT_BUILD_TARGETS = 3


def partial_parse_path(settings: Settings) -> Path:
    """Where the pipeline keeps dbt's parse of the project for this warehouse (`partial_parse.msgpack`).

    dbt re-parses the whole project when the profile differs (the warehouse path is part of it), so the parse
    saved at install (`make manifest`) never serves a run; the one of this warehouse's last `dbt build` does,
    and before the first build the one `wellbeing materialize` made beside ingestion (orchestration/dbt.py:
    EarlyParse)."""
    return settings.data_dir / "state" / "dbt" / "partial_parse.msgpack"


def save_partial_parse(settings: Settings, target_path: Path) -> None:
    source = Path(target_path) / "partial_parse.msgpack"
    if source.exists():
        destination = partial_parse_path(settings)
        destination.parent.mkdir(parents=True, exist_ok=True)
        tmp = destination.with_suffix(".tmp")
        shutil.copyfile(source, tmp)
        tmp.replace(destination)


def build_targets_dir(settings: Settings) -> Path:
    return settings.data_dir / "state" / "dbt" / "builds"


def build_target(settings: Settings, run_id: str) -> Path:
    """A new dbt target folder for one build of this warehouse (beside its other state, not in the project).

    Builds of one warehouse never run at once (writer pool, DuckDB's file lock); other warehouses have their own
    folder. Each build leaves ~10 MB (compiled SQL, manifest): prune_build_targets keeps the latest few."""
    target = build_targets_dir(settings) / f"{run_id[:8]}-{uuid.uuid4().hex[:7]}"
    target.mkdir(parents=True)
    return target


def build_targets_newest_first(settings: Settings) -> list[Path]:
    """This warehouse's build target folders, the latest build first (none before the first build)."""
    folder = build_targets_dir(settings)
    return sorted((p for p in folder.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime_ns,
                  reverse=True) if folder.is_dir() else []


def latest_build_manifest(settings: Settings) -> Path | None:
    """The manifest.json of this warehouse's latest dbt build that wrote one (None before the first)."""
    return next((p / "manifest.json" for p in build_targets_newest_first(settings)
                 if (p / "manifest.json").is_file()), None)


def prune_build_targets(settings: Settings, keep: int = KEPT_BUILD_TARGETS) -> list[Path]:
    """Remove all but this warehouse's `keep` latest build target folders; returns what was removed."""
    folders = build_targets_newest_first(settings)
    for folder in folders[keep:]:
        shutil.rmtree(folder, ignore_errors=True)
    return folders[keep:]
