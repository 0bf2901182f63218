"""A warehouse locked by another process is a transient failure: the step is retried and the run succeeds.
Bad input is not transient: it fails at once, without retries."""

from __future__ import annotations

import contextlib
from pathlib import Path

from dagster import DagsterEventType, Definitions, instance_for_test

from assets.common.resource import WarehouseResource
from assets.common.warehouse import connect
from assets.ingest.raw_assets import RAW_ASSETS
from orchestration.jobs import ingest_job
from tests.operations.conftest import warehouse_locked_by_another_process

HOLD_S = 4


def ingest(before=lambda: None):
    """The code location's ingest job, with a short wait between retries; `before` runs just before it starts."""
    defs = Definitions(assets=RAW_ASSETS, jobs=[ingest_job], resources={"warehouse": WarehouseResource(lock_wait_s=1)})
    job = defs.resolve_job_def("ingest_landing")
    with instance_for_test() as instance:
        before()
        result = job.execute_in_process(instance=instance, raise_on_error=False)
        return result, [e.event_type for e in result.all_events]


def test_a_locked_warehouse_is_retried_until_free(data_dir):
    warehouse = data_dir / "warehouse" / "wellbeing.duckdb"
    with connect(warehouse):
        pass  # the file exists, as in a deployment
    with contextlib.ExitStack() as stack:
        result, events = ingest(
            lambda: stack.enter_context(warehouse_locked_by_another_process(warehouse, release_after_s=HOLD_S)))
    assert result.success
    assert DagsterEventType.STEP_UP_FOR_RETRY in events
    assert DagsterEventType.STEP_RESTARTED in events
    with connect(warehouse, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM raw.participation_pool").fetchone()[0] == 2


def test_bad_input_fails_without_retries(data_dir):
    (data_dir / "landing" / "participation" / "pool" / "broken.csv").write_text(
        "student_number,programme_code,location,available_from,available_until\n700009,34116,Den Haag,gisteren,\n",
        encoding="utf-8")
    result, events = ingest()
    assert not result.success
    assert DagsterEventType.STEP_UP_FOR_RETRY not in events
