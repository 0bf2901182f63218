"""A Dagster deployment on the real PostgreSQL of this machine: a fresh database per test module, the
deployment's own dagster.yaml (deploy/), a data folder with the hand-made landing zone of tests/e2e."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from assets.common.settings import PROJECT_ROOT
from orchestration.deploy import ensure_database, prepare_home
from tests.landing_zones.hand_worked import KEY, build_landing
from tests.postgres.pg_harness import conninfo, create_database, drop_database

@dataclass
class Deployment:
    home: Path
    data_dir: Path
    pg_url: str
    env: dict[str, str]

    def instance(self):
        from dagster import DagsterInstance

        return DagsterInstance.from_config(str(self.home))


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    """$WB_DATA_DIR with the hand-made landing zone, for runs in this process."""
    monkeypatch.setenv("WB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("WB_PSEUDONYM_KEY", KEY)
    for var in ("WB_SMTP_HOST", "WB_ALERT_TO", "WB_SERVING_DSN"):
        monkeypatch.delenv(var, raising=False)
    build_landing(tmp_path / "data" / "landing")
    return tmp_path / "data"


@pytest.fixture(scope="module")
def pg_database() -> Iterator[str]:
    """A fresh, empty PostgreSQL database on this machine (its libpq connection string), dropped afterwards."""
    name = create_database()
    try:
        yield conninfo(name)
    finally:
        drop_database(name)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory) -> Iterator[Deployment]:
    root = tmp_path_factory.mktemp("deployment")
    name = f"wb_test_dagster_{uuid.uuid4().hex[:8]}"
    url = f"postgresql+psycopg2://postgres@127.0.0.1:5432/{name}"
    assert ensure_database(url) is True and ensure_database(url) is False
    home, data_dir = root / "dagster_home", root / "data"
    prepare_home(home)
    build_landing(data_dir / "landing")
    env = {**os.environ, "DAGSTER_HOME": str(home), "WB_DAGSTER_PG_URL": url, "WB_DATA_DIR": str(data_dir),
           "WB_PSEUDONYM_KEY": KEY, "GX_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1",
           "WB_AUTOMATION": "on"}  # as /etc/wellbeing/env of docs/deploy.md: sensors and schedules running
    for var in ("WB_SMTP_HOST", "WB_ALERT_TO", "WB_SERVING_DSN"):
        env.pop(var, None)
    saved = {k: os.environ.get(k) for k in ("DAGSTER_HOME", "WB_DAGSTER_PG_URL")}
    os.environ.update(DAGSTER_HOME=str(home), WB_DAGSTER_PG_URL=url)  # for DagsterInstance in this process
    try:
        yield Deployment(home, data_dir, url, env)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        drop_database(name)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout_s: float, every_s: float = 2.0, what: str = "condition"):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every_s)
    raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    handle = log.open("w")
    return subprocess.Popen(args, cwd=PROJECT_ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT,
                            start_new_session=True)


def stop(process: subprocess.Popen) -> None:
    """Stop the process and everything in its session: a code server the daemon or webserver started while
    shutting down would otherwise outlive the test (seen: a `dagster api grpc` left running after the suite)."""
    if process.poll() is None:
        os.killpg(process.pid, 15)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait(timeout=10)
    try:
        os.killpg(process.pid, 9)  # start_new_session: the group is the process's pid; stragglers only
    except ProcessLookupError:
        pass


@contextlib.contextmanager
def warehouse_locked_by_another_process(path: Path, release_after_s: float | None = None) -> Iterator[None]:
    """Another process holds DuckDB's write lock on `path` (as a second writer would) until the block ends,
    or only for `release_after_s` seconds."""
    wait = "time.sleep(%r)" % release_after_s if release_after_s is not None else "sys.stdin.read()"
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import duckdb, sys, time
        con = duckdb.connect({str(path)!r})
        print("locked", flush=True)
        {wait}
        con.close()
    """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        yield
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)
