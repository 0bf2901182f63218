"""A snapshot of the whole code location: every asset with its group, partitions, kinds and parents, every check
(blocking or not), job, schedule and sensor. A change to the asset graph shows up here as a diff to review;
after a deliberate change, rewrite the snapshot with `WB_UPDATE_SNAPSHOT=1 .venv/bin/python -m pytest
tests/test_defs.py` and commit it with the change."""

from __future__ import annotations

import os
from pathlib import Path

from orchestration.definitions import defs

SNAPSHOT = Path(__file__).parent / "snapshots" / "definitions.txt"


def describe(definitions) -> str:
    graph = definitions.resolve_asset_graph()
    specs = {spec.key: spec for assets_def in graph.assets_defs for spec in assets_def.check_specs}
    lines = []
    for key in sorted(graph.get_all_asset_keys()):
        node = graph.get(key)
        partitions = type(node.partitions_def).__name__ if node.partitions_def else "-"
        automation = node.automation_condition.get_label() or "custom" if node.automation_condition else "-"
        lines.append(f"asset {key.to_user_string()}  group={node.group_name} partitions={partitions} "
                     f"kinds={','.join(sorted(node.kinds)) or '-'} automation={automation}")
        lines += [f"  <- {parent.to_user_string()}" for parent in sorted(node.parent_keys)]
        for check in sorted(node.check_keys, key=lambda c: c.name):
            spec = specs.get(check)
            blocking = "blocking" if spec is not None and spec.blocking else "non-blocking"
            lines.append(f"  check {check.name} ({blocking})")
    for job in sorted(definitions.jobs, key=lambda j: j.name):
        selected = sorted(k.to_user_string() for k in job.selection.resolve(graph))
        checks = sorted(k.to_user_string() for k in job.selection.resolve_checks(graph))
        lines.append(f"job {job.name}: {len(selected)} assets: {', '.join(selected)}")
        lines.append(f"  {len(checks)} checks: {', '.join(checks)}")
    for schedule in sorted(definitions.schedules, key=lambda s: s.name):
        lines.append(f"schedule {schedule.name}: {schedule.cron_schedule} {schedule.execution_timezone} "
                     f"-> {schedule.job_name}")
    for sensor in sorted(definitions.sensors, key=lambda s: s.name):
        jobs = sorted(job.name for job in sensor.jobs) if sensor.has_jobs else []
        lines.append(f"sensor {sensor.name} ({type(sensor).__name__})" + (f" -> {', '.join(jobs)}" if jobs else ""))
    return "\n".join(lines) + "\n"


def test_the_code_location_is_the_snapshot():
    now = describe(defs)
    if os.environ.get("WB_UPDATE_SNAPSHOT") == "1":
        SNAPSHOT.write_text(now, encoding="utf-8")
    assert now == SNAPSHOT.read_text(encoding="utf-8"), (
        "the code location changed: review `git diff` after WB_UPDATE_SNAPSHOT=1 (see this module's docstring)")
