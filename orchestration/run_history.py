"""Dagster's SQLite run history, made cheap for `wellbeing materialize`, which records about a thousand events
per build (a planned event and an evaluation per check, a materialisation per asset, step and log events).

Dagster's default SQLite storage creates a SQLAlchemy engine and opens a connection for every event it stores
(`SqliteEventLogStorage`) and every run update (`SqliteRunStorage`), and SQLite waits for the disk on every
commit. Measured on a scale-1 incremental build: fsyncs made up 40 % of the run (before they were turned off),
engines and connections 2–3 s of CPU. What is done here changes how this process writes, never what: the same
files, the same rows, read by the UI and the daemon with Dagster's own storage classes. A PostgreSQL instance
(dagster-postgres) and any other storage are left alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from dagster import DagsterInstance
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.runs.sqlite.sqlite_run_storage import SqliteRunStorage
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from sqlalchemy import event
from sqlalchemy.engine import Engine


def _sqlite_engine(conn_string: str, **connect_args) -> Engine:
    """An engine on one of the run history's SQLite files, with SQLAlchemy's default pool for a file (QueuePool,
    usable from any thread), whose connections do not wait for the disk (`PRAGMA synchronous=OFF`).

    Without the fsync an operating-system crash (not a failed run) could lose or damage the latest run
    history; the warehouse, its load log (ops.*) and the landing zone do not depend on it."""
    engine = create_engine(conn_string, connect_args=connect_args)

    @event.listens_for(engine, "connect")
    def _no_fsync(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.close()

    return engine


@contextmanager
def _transaction(engine: Engine) -> Iterator:
    """A pooled connection in one transaction, committed on leaving (as Dagster's own storages do per call)."""
    with engine.connect() as conn:
        with conn.begin():
            yield conn


class PooledShards:
    """One engine per SQLite shard (run database, index) of a `SqliteEventLogStorage`, its connection kept in
    the pool between events, instead of an engine created and disposed of per event.

    Everything else is Dagster's: the storage's lock (one event at a time), the first connection to a shard
    creating its tables (`_initdb`), a transaction per event committed before the next. `close()` disposes of
    the engines (their files are closed; the next event would open them again)."""

    def __init__(self, storage: SqliteEventLogStorage):
        self.storage = storage
        self.engines: dict[str, Engine] = {}

    @contextmanager
    def connect(self, shard: str) -> Iterator:
        storage = self.storage
        with storage._db_lock:
            engine = self.engines.get(shard)
            if engine is None:  # the same busy time-out as Dagster's own engines
                engine = _sqlite_engine(storage.conn_string_for_shard(shard), timeout=SQLITE_BUSY_TIMEOUT_SECONDS)
                self.engines[shard] = engine
            if shard not in storage._initialized_dbs:
                storage._initdb(engine)
                storage._initialized_dbs.add(shard)
            with _transaction(engine) as conn:
                yield conn

    def close(self) -> None:
        with self.storage._db_lock:
            for engine in self.engines.values():
                engine.dispose()
            self.engines.clear()


class PooledRuns:
    """One engine for a `SqliteRunStorage` (runs.db: a run's status, tags, step statistics), its connections
    kept in the pool, instead of an engine per call."""

    def __init__(self, storage: SqliteRunStorage):
        self.engine = _sqlite_engine(storage._conn_string)

    def connect(self):
        return _transaction(self.engine)

    def close(self) -> None:
        self.engine.dispose()


@contextmanager
def fast_run_history(instance: DagsterInstance) -> Iterator[DagsterInstance]:
    """The instance with its default SQLite run and event storage writing through pooled connections
    (`PooledRuns`, `PooledShards`) for as long as the block runs; other storages are left as they are."""
    pooled = []  # (storage, the method replaced, its pooled replacement)
    if type(instance.event_log_storage) is SqliteEventLogStorage:  # not PostgreSQL, nor a subclass
        shards = PooledShards(instance.event_log_storage)
        pooled.append((instance.event_log_storage, "_connect", shards))  # run_connection, index_connection
    if type(instance.run_storage) is SqliteRunStorage:
        runs = PooledRuns(instance.run_storage)
        pooled.append((instance.run_storage, "connect", runs))
    for storage, method, replacement in pooled:
        setattr(storage, method, replacement.connect)
    try:
        yield instance
    finally:
        for storage, method, replacement in pooled:
            delattr(storage, method)  # Dagster's own method again
            replacement.close()
