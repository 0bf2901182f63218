"""Fingerprints of what something is made from: files by their content and their path within the project, and
any JSON-able parts. The same inputs give the same fingerprint wherever the checkout or the data folder lies."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from assets.common.settings import PROJECT_ROOT


def files_fingerprint(paths: list[Path]) -> str:
    """The files' contents and their paths within the project: a checkout moved to another folder keeps its
    fingerprints."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(_within_project(path).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _within_project(path: Path) -> str:
    try:
        return path.resolve().relative_to(PROJECT_ROOT).as_posix()
    except ValueError:  # outside the project (a test's own file): its name
        return path.name


def fingerprint(**parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()
