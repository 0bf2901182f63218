"""The landing sensor asks for exactly the partitions a new file touches; the schedules for the right ones.

On the hand-made landing zone of tests/e2e (hours 2023-03.csv holds 2023-Q1 and one line of 2023-Q2,
2023-06.xlsx holds 2023-Q2; a pool and a DUO file), evaluated with Dagster's sensor context and executed
in-process on a real warehouse.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest
from dagster import (
    DagsterInstance, DagsterRunStatus, RunRequest, SkipReason, build_run_status_sensor_context, build_schedule_context,
    build_sensor_context, instance_for_test,
)

from assets.common.resource import WarehouseResource
from assets.common.warehouse import connect
from orchestration.definitions import defs
from assets.ingest.partitions import contiguous_ranges
from orchestration.landing_sensor import build_after_loads, landing_files
from assets.ingest.partitions import quarter_partitions
from orchestration.schedules import weekly_current_quarter, yearly_survey_cycle
from orchestration.tags import RANGE_END, RANGE_START, TRIGGER_TAG
from tests.operations.conftest import warehouse_locked_by_another_process


def evaluate(cursor: str | None = None):
    context = build_sensor_context(cursor=cursor, resources={"warehouse": WarehouseResource()})
    result = landing_files(context)
    return result.run_requests or [], result.cursor


def summary(requests: list[RunRequest]) -> set[tuple]:
    return {(r.job_name, r.tags.get(RANGE_START), r.tags.get(RANGE_END)) for r in requests}


def write_hours(data_dir: Path, name: str, lines: list[str]) -> None:
    body = "record_id;student_number;programme_code;location;work_date;hours\n" + "\n".join(lines) + "\n"
    (data_dir / "landing" / "participation" / "hours" / name).write_text(body, encoding="utf-8")


def test_contiguous_ranges_follow_the_partition_order():
    keys = ["2023-07-01", "2023-01-01", "2023-04-01", "2024-01-01"]
    assert contiguous_ranges(keys, quarter_partitions) == [("2023-01-01", "2023-07-01"), ("2024-01-01", "2024-01-01")]
    assert contiguous_ranges([], quarter_partitions) == []


def test_first_look_requests_the_held_quarters_and_the_unpartitioned_sources(data_dir):
    requests, cursor = evaluate()
    # hours: Q1 and Q2 of 2023 (31-03 in Q1, 01-04 and 30-06 in Q2) in one run; pool and DUO via ingest_landing
    assert summary(requests) == {("refresh_participation_hours", "2023-01-01", "2023-04-01"),
                                 ("ingest_landing", None, None)}
    ingest = next(r for r in requests if r.job_name == "ingest_landing")
    assert "participation/pool/pool_2023Q1.csv" in ingest.tags["wellbeing/files"]
    assert all(r.tags[TRIGGER_TAG] == "landing_sensor" for r in requests)
    # nothing new: nothing requested
    again, cursor_again = evaluate(cursor)
    assert again == [] and cursor_again == cursor


def test_a_new_hours_file_requests_exactly_its_quarters(data_dir):
    _, cursor = evaluate()
    # a September file with a late correction of February: 2023-Q3 and 2023-Q1, not the Q2 between them
    write_hours(data_dir, "2023-09.csv", ["n1;700005;34145;Haarlem;12-09-2023;4", "n2;700002;34145;Haarlem;01-02-2023;-2,5"])
    requests, cursor = evaluate(cursor)
    assert summary(requests) == {("refresh_participation_hours", "2023-01-01", "2023-01-01"),
                                 ("refresh_participation_hours", "2023-07-01", "2023-07-01")}
    # a changed file (same name, new content) is new again; a file of next year's first quarter
    write_hours(data_dir, "2024-01.csv", ["m1;700006;34145;Haarlem;15-01-2024;3,25"])
    requests, _ = evaluate(cursor)
    assert summary(requests) == {("refresh_participation_hours", "2024-01-01", "2024-01-01")}


def test_files_whose_masked_names_are_the_same_are_each_seen_once(data_dir):
    """hours_202401.csv and hours_202501.csv are both shown as hours_****01.csv: the cursor keys them by their
    real path, hashed, so each is looked at once and no raw name is stored in the cursor."""
    _, cursor = evaluate()
    write_hours(data_dir, "hours_202401.csv", ["p1;700005;34145;Haarlem;12-01-2024;4"])
    write_hours(data_dir, "hours_202501.csv", ["p2;700006;34145;Haarlem;13-01-2025;4,5", "p3;700006;34145;Haarlem;14-01-2025;1"])
    requests, cursor = evaluate(cursor)
    assert summary(requests) == {("refresh_participation_hours", "2024-01-01", "2024-01-01"),
                                 ("refresh_participation_hours", "2025-01-01", "2025-01-01")}
    assert "202401" not in cursor and "202501" not in cursor and "****" not in cursor
    assert evaluate(cursor) == ([], cursor)


def test_an_unreadable_file_goes_to_the_ingest_job_which_rejects_it(data_dir):
    _, cursor = evaluate()
    (data_dir / "landing" / "participation" / "hours" / "2023-10.csv").write_bytes(b"\x00\x01garbage\xff" * 50)
    requests, _ = evaluate(cursor)
    assert summary(requests) == {("ingest_landing", None, None)}
    assert requests[0].tags["wellbeing/files"] == "participation/hours/2023-10.csv"


def test_the_requested_runs_load_exactly_those_quarters(data_dir):
    """Executing the sensor's requests in-process: the first run loads Q1–Q2; the next only Q3."""
    with instance_for_test() as instance:
        requests, cursor = evaluate()
        for request in sorted(requests, key=lambda r: r.job_name):  # ingest_landing first, as the queue would
            result = defs.resolve_job_def(request.job_name).execute_in_process(
                instance=instance, tags=request.tags, raise_on_error=False)
            assert result.success, request.job_name
        assert quarters_loaded(data_dir) == {"2023-Q1": 5, "2023-Q2": 2}  # h1,h3,h4,h5,h6 / h2,x1
        write_hours(data_dir, "2023-09.csv", ["n1;700005;34145;Haarlem;12-09-2023;4"])
        (request,), _ = evaluate(cursor)
        result = defs.resolve_job_def(request.job_name).execute_in_process(
            instance=instance, tags=request.tags, raise_on_error=False)
        assert result.success
        materialized = {(e.asset_key.to_user_string(), e.partition) for e in result.get_asset_materialization_events()
                        for e in [e.event_specific_data.materialization]}
        assert materialized == {("landing/participation_hours", None), ("raw/participation_hours", "2023-07-01")}
    assert quarters_loaded(data_dir) == {"2023-Q1": 5, "2023-Q2": 2, "2023-Q3": 1}
    # a daemon started after the files were loaded (by these runs or `wellbeing materialize`) asks for nothing
    assert evaluate(None)[0] == []


def test_a_busy_warehouse_postpones_new_files(data_dir):
    warehouse = data_dir / "warehouse" / "wellbeing.duckdb"
    with connect(warehouse):
        pass
    with warehouse_locked_by_another_process(warehouse):  # a run writing the warehouse
        context = build_sensor_context(cursor=None, resources={"warehouse": WarehouseResource()})
        result = landing_files(context)
    assert isinstance(result, SkipReason) and "busy" in result.skip_message
    assert evaluate(None)[0]  # the next tick sees the files


def quarters_loaded(data_dir: Path) -> dict[str, int]:
    with duckdb.connect(str(data_dir / "warehouse" / "wellbeing.duckdb"), read_only=True) as con:
        rows = con.execute("""SELECT year(work_date) || '-Q' || quarter(work_date), count(*)
                              FROM raw.participation_hours GROUP BY 1""").fetchall()
    return dict(rows)


def test_a_successful_load_is_followed_by_one_build(tmp_path):
    with instance_for_test() as instance:
        load = instance.create_run_for_job(defs.resolve_job_def("refresh_participation_hours"),
                                           tags={TRIGGER_TAG: "landing_sensor"})
        context = build_run_status_sensor_context(
            sensor_name="build_after_loads", dagster_instance=instance, dagster_run=load,
            dagster_event=_success_event(instance, load))
        request = build_after_loads(context)
        assert isinstance(request, RunRequest) and request.run_key == f"build-after-{load.run_id}"
        # what is stale: in an instance that never built anything, everything: the whole job (with the checks
        # of the raw tables that dbt runs), not a selection
        assert request.asset_selection is None

        # a build not yet started, or running, is waited for: no second build now ...
        queued = instance.create_run_for_job(defs.resolve_job_def("build_warehouse"), status=DagsterRunStatus.NOT_STARTED)
        assert isinstance(build_after_loads(context), SkipReason)
        instance.report_run_canceled(queued)
        running = instance.create_run_for_job(defs.resolve_job_def("build_warehouse"), status=DagsterRunStatus.STARTED)
        assert "under way" in build_after_loads(context).skip_message
        instance.report_run_canceled(running)
        # ... and when a build succeeds, what is still stale is built
        built = instance.create_run_for_job(defs.resolve_job_def("build_warehouse"), status=DagsterRunStatus.SUCCESS)
        after_build = build_after_loads(build_run_status_sensor_context(
            sensor_name="build_after_loads", dagster_instance=instance, dagster_run=built,
            dagster_event=_success_event(instance, built)))
        assert isinstance(after_build, RunRequest) and after_build.run_key == f"build-after-{built.run_id}"

        # `wellbeing materialize` builds the warehouse itself
        cli = instance.create_run_for_job(defs.resolve_job_def("ingest_landing"), tags={TRIGGER_TAG: "materialize"})
        context = build_run_status_sensor_context(
            sensor_name="build_after_loads", dagster_instance=instance, dagster_run=cli,
            dagster_event=_success_event(instance, cli))
        assert isinstance(build_after_loads(context), SkipReason)


def _success_event(instance: DagsterInstance, run):
    from dagster import DagsterEvent, DagsterEventType

    return DagsterEvent(event_type_value=DagsterEventType.RUN_SUCCESS.value, job_name=run.job_name)


AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@pytest.mark.parametrize(("when", "partition"), [
    (dt.datetime(2026, 12, 7, 5, 0, tzinfo=AMSTERDAM), "2026-10-01"),   # a Monday in Q4
    (dt.datetime(2027, 1, 4, 5, 0, tzinfo=AMSTERDAM), "2027-01-01"),    # first Monday of a new quarter
    (dt.datetime(2026, 3, 30, 5, 0, tzinfo=AMSTERDAM), "2026-01-01"),   # last Monday of Q1
])
def test_weekly_schedule_refreshes_the_running_quarter(when, partition):
    request = weekly_current_quarter(build_schedule_context(scheduled_execution_time=when))
    assert request.partition_key == partition
    assert request.job_name in (None, "refresh_participation_hours")
    assert partition in quarter_partitions.get_partition_keys(current_time=when)


def test_yearly_survey_cycle_loads_this_years_survey():
    when = dt.datetime(2026, 6, 20, 6, 0, tzinfo=AMSTERDAM)
    request = yearly_survey_cycle(build_schedule_context(scheduled_execution_time=when))
    assert request.partition_key == "2026"
    assert yearly_survey_cycle.cron_schedule == "0 6 20 6 *"
    assert weekly_current_quarter.execution_timezone == yearly_survey_cycle.execution_timezone == "Europe/Amsterdam"


def test_schedules_and_sensors_are_in_the_code_location():
    assert {s.name for s in defs.schedules} == {"weekly_current_quarter", "yearly_survey_cycle",
                                                 "daily_landing_freshness"}
    assert {s.name for s in defs.sensors} >= {"landing_files", "build_after_loads", "alert_on_run_failure",
                                               "alert_on_failed_checks"}


def test_a_survey_export_requests_its_survey_year(data_dir):
    from expectations.survey_codebook import PART_A_ITEMS

    _, cursor = evaluate()
    header = ["response_id", "student_number", "started_at", "submitted_at", "finished", "programme_code", "location",
              *PART_A_ITEMS]
    rows = [["r1", "700001", "2024-05-13 10:00", "2024-05-13 10:20", "1", "34145", "Haarlem", *["3"] * len(PART_A_ITEMS)],
            ["r2", "700002", "2024-05-14 09:00", "2024-05-14 09:25", "1", "34116", "Den Haag", *[""] * len(PART_A_ITEMS)]]
    folder = data_dir / "landing" / "survey"
    folder.mkdir(parents=True)
    (folder / "swm_2024.csv").write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n", encoding="utf-8")
    requests, _ = evaluate(cursor)
    assert summary(requests) == {("refresh_survey_responses", "2024", "2024")}
