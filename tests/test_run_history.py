"""orchestration/run_history.py: the run history written through pooled SQLite connections holds what
Dagster's own storage would, and Dagster's own storage reads it back."""

from __future__ import annotations

from dagster import (
    AssetCheckResult, DagsterEventType, DagsterInstance, Definitions, asset, asset_check, define_asset_job,
)
from dagster._core.instance.ref import InstanceRef
from sqlalchemy import event
from sqlalchemy.engine import Engine

from orchestration.run_history import PooledShards, fast_run_history


@asset
def numbers() -> list[int]:
    return [1, 2, 3]


@asset
def total(numbers: list[int]) -> int:
    return sum(numbers)


@asset_check(asset=total)
def total_is_six(total: int) -> AssetCheckResult:
    return AssetCheckResult(passed=total == 6, metadata={"total": total})


JOB = Definitions(assets=[numbers, total], asset_checks=[total_is_six],
                  jobs=[define_asset_job("sum_job")]).resolve_job_def("sum_job")


class _Connects:
    """Counts the DBAPI connections SQLAlchemy opens to SQLite files while it is registered."""

    def __init__(self):
        self.count = 0

    def __call__(self, dbapi_connection, _record) -> None:
        if type(dbapi_connection).__module__.startswith("sqlite3"):
            self.count += 1


def _run(home, pooled: bool):
    instance = DagsterInstance.from_ref(InstanceRef.from_dir(str(home)))
    connects = _Connects()
    event.listen(Engine, "connect", connects)
    try:
        if pooled:
            with fast_run_history(instance) as same:
                assert same is instance
                shards = instance.event_log_storage._connect.__self__
                assert isinstance(shards, PooledShards)
                result = JOB.execute_in_process(instance=instance)
                engines = set(shards.engines)
                with shards.engines[result.run_id].connect() as conn:
                    synchronous = conn.exec_driver_sql("PRAGMA synchronous").scalar()
            assert "_connect" not in vars(instance.event_log_storage)  # Dagster's own methods again
            assert "connect" not in vars(instance.run_storage)
            assert not shards.engines  # disposed of
        else:
            result = JOB.execute_in_process(instance=instance)
            engines, synchronous = None, None
    finally:
        event.remove(Engine, "connect", connects)
    assert result.success
    return result, connects.count, engines, synchronous


def _stored(home, run_id: str) -> list[tuple]:
    """The run's events as Dagster's default storage reads them, in another instance of the same home."""
    reader = DagsterInstance.from_ref(InstanceRef.from_dir(str(home)))
    records = reader.all_logs(run_id)
    return [(r.dagster_event.event_type_value, r.step_key) for r in records if r.dagster_event is not None]


def test_pooled_run_history_stores_every_event_through_one_engine_per_shard(tmp_path):
    plain_home, pooled_home = tmp_path / "plain", tmp_path / "pooled"
    plain_home.mkdir()
    pooled_home.mkdir()
    plain, plain_connects, _, _ = _run(plain_home, pooled=False)
    pooled, pooled_connects, engines, synchronous = _run(pooled_home, pooled=True)

    # the same events, in the same order, read back by Dagster's own SQLite storage
    stored = _stored(pooled_home, pooled.run_id)
    assert stored == _stored(plain_home, plain.run_id)
    assert len(stored) >= 20
    kinds = [kind for kind, _step in stored]
    assert kinds.count(DagsterEventType.ASSET_MATERIALIZATION.value) == 2
    assert kinds.count(DagsterEventType.ASSET_CHECK_EVALUATION.value) == 1
    assert kinds[-1] == DagsterEventType.RUN_SUCCESS.value

    # the asset index (index shard) has both materialisations: what the UI's asset pages read
    reader = DagsterInstance.from_ref(InstanceRef.from_dir(str(pooled_home)))
    for key in (numbers.key, total.key):
        assert reader.get_latest_materialization_event(key).run_id == pooled.run_id

    # the run's status as Dagster's own run storage reads it (runs.db, written through the pooled engine)
    assert reader.get_run_by_id(pooled.run_id).is_success

    # one engine for the run's database and one for the index: connections opened per engine (and by Dagster's
    # own checks of the index's tables), not per event or run update
    assert engines == {pooled.run_id, "index"}
    assert pooled_connects <= 10 < len(stored) < plain_connects
    assert synchronous == 0  # OFF: no fsync per event (_sqlite_engine)


def test_other_storages_are_left_alone():
    instance = DagsterInstance.ephemeral()  # in-memory event log
    with fast_run_history(instance) as same:
        assert same is instance
        assert "_connect" not in vars(instance.event_log_storage)
        assert "connect" not in vars(instance.run_storage)
        assert JOB.execute_in_process(instance=instance).success
