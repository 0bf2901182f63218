"""The Dagster resource every Python asset uses to reach settings and the warehouse.

It lives beside the rules it wraps (not in orchestration/) so that assets can name it as a type; the code
location builds the instance in `orchestration/resources.py`.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
from dagster import ConfigurableResource

from assets.common.settings import Settings
from assets.common.warehouse import connect


class WarehouseResource(ConfigurableResource):
    """Settings come from the environment when the run starts (`WB_*`), so one deployment serves any data dir."""

    data_dir: str | None = None

    def settings(self) -> Settings:
        settings = Settings.from_env()
        if self.data_dir:
            settings = dataclasses.replace(settings, data_dir=Path(os.path.abspath(self.data_dir)))
        return settings

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with connect(self.settings().warehouse_path) as con:
            yield con
