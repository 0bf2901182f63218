"""The code location: explicit `Definitions` of every asset, check, job, schedule, sensor and resource.

Every run executes its steps in one process (`in_process_executor`, as the jobs do), also a selection
materialised from the UI: the steps share the DuckDB writer one at a time anyway, and a run's export set is
made and published by one run worker (assets/exports/sets.py)."""

from __future__ import annotations

from dagster import Definitions, in_process_executor

from expectations.checks import quality_checks
from expectations.freshness import freshness_checks
from orchestration import landing_sensor, sensors
from orchestration.graph import ASSETS
from orchestration.jobs import JOBS
from orchestration.resources import build_resources
from orchestration.schedules import SCHEDULES

defs = Definitions(
    assets=ASSETS,
    asset_checks=[*quality_checks(), *freshness_checks()],
    jobs=JOBS,
    schedules=SCHEDULES,
    sensors=[*landing_sensor.SENSORS, *sensors.SENSORS],
    resources=build_resources(),
    executor=in_process_executor,
)
