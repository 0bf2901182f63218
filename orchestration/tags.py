"""Run tags the code location sets and reads (one place, so runner, sensors and schedules agree)."""

#: A run over a range of partitions (a single-run backfill): Dagster's own tags.
RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"

#: Who started a run: `materialize` (the CLI builds the warehouse itself), `landing_sensor`, a schedule's name.
TRIGGER_TAG = "wellbeing/trigger"

#: The process running a `wellbeing materialize` run: host, pid and the pid's start (Linux), so that the next run
#: can tell a run whose process is gone from one still running (orchestration/stale_runs.py).
HOST_TAG, PID_TAG, PROCESS_START_TAG = "wellbeing/host", "wellbeing/pid", "wellbeing/process_start"
#: ... and which kernel boot and pid namespace the pid belongs to: containers sharing a hostname (or a host name
#: reused) differ in these, and judge none of each other's runs
BOOT_TAG, PID_NAMESPACE_TAG = "wellbeing/boot_id", "wellbeing/pid_namespace"
