"""Run tags the code location sets and reads (one place, so runner, sensors and schedules agree)."""

#: A run over a range of partitions (a single-run backfill): Dagster's own tags.
RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"

#: Who started a run: `materialize` (the CLI builds the warehouse itself), `landing_sensor`, a schedule's name.
TRIGGER_TAG = "wellbeing/trigger"

#: "true": dbt rebuilds its incremental models whole (`dbt build --full-refresh`): `wellbeing materialize --full`;
#: a build without it decides by itself (orchestration/build_plan.py `needs_full_refresh`).
FULL_REFRESH_TAG = "wellbeing/full_refresh"
