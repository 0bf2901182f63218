"""The Dagster resource every Python asset uses to reach settings and the warehouse.

It lives beside the rules it wraps (not in orchestration/) so that assets can name it as a type; the code
location builds the instance in `orchestration/resources.py`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path

import duckdb
from dagster import ConfigurableResource, RetryRequested

from assets.common.key_guard import guard_key
from assets.common.settings import Settings
from assets.common.warehouse import connect

#: A warehouse held by another process (a run outside the writer pool, a DBA's shell) is a transient failure:
#: the step is retried every LOCK_WAIT_S seconds, LOCK_RETRIES times, before the run fails. Any other error
#: fails at once: bad input stays bad, and retrying it would only delay the alert.
LOCK_RETRIES = 6
LOCK_WAIT_S = 10


def is_lock_error(exc: BaseException) -> bool:
    return isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower()


class WarehouseResource(ConfigurableResource):
    """Settings come from the environment when the run starts (`WB_*`), so one deployment serves any data dir."""

    data_dir: str | None = None
    lock_wait_s: float = LOCK_WAIT_S

    def settings(self) -> Settings:
        settings = Settings.from_env()
        if self.data_dir:
            settings = dataclasses.replace(settings, data_dir=Path(os.path.abspath(self.data_dir)))
        return settings

    @contextlib.contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The warehouse; when another process holds its lock, Dagster retries the step (see LOCK_RETRIES).
        With a pseudonymisation key set, it must be the warehouse's (key_guard.py), whoever started the run."""
        settings = self.settings()
        with contextlib.ExitStack() as stack:
            try:
                con = stack.enter_context(connect(settings.warehouse_path))
            except duckdb.IOException as exc:
                if is_lock_error(exc):
                    raise RetryRequested(max_retries=LOCK_RETRIES, seconds_to_wait=self.lock_wait_s) from exc
                raise
            if settings.pseudonym_key is not None:
                guard_key(con, settings)
            yield con
