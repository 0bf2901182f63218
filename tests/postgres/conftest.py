"""Fixtures of tests/postgres (helpers: pg_harness.py; the landing zone: tests/landing_zones/surveys.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from pg_harness import create_database, drop_database


@pytest.fixture(scope="module")
def pg_database() -> Iterator[Callable[[], str]]:
    """new_database() -> the name of a new, empty database on the test server; all dropped after the module."""
    created: list[str] = []

    def new_database() -> str:
        created.append(create_database())
        return created[-1]

    yield new_database
    for name in created:
        drop_database(name)
