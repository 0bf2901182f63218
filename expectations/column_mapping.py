"""The per-source column mapping (config, not code): shipped defaults plus the data engineer's overrides."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from assets.common.settings import Settings

DEFAULTS = Path(__file__).with_name("column_mapping.yml")


@lru_cache(maxsize=8)
def _read(path: Path, mtime: float) -> dict[str, dict[str, str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(src): {str(k): str(v) for k, v in (cols or {}).items()} for src, cols in data.items()}


def load_mapping(settings: Settings, source: str) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for path in (DEFAULTS, settings.column_mapping_path):
        if path.is_file():
            mapping.update(_read(path, path.stat().st_mtime).get(source, {}))
    return mapping
