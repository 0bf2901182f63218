"""`wellbeing materialize`'s line after each step says what the run did, counted from the run's own events
(orchestration/runner.py: step_counts), on a real in-process run."""

from __future__ import annotations

from dagster import (
    AssetCheckResult, AssetCheckSeverity, AssetCheckSpec, Definitions,
    MaterializeResult, StaticPartitionsDefinition, asset, define_asset_job, instance_for_test,
)

from orchestration.runner import step_counts


@asset(check_specs=[AssetCheckSpec("files_accepted", asset="hours")])
def hours() -> MaterializeResult:
    return MaterializeResult(metadata={"files_seen": 3, "files_accepted": 2, "files_rejected": 1,
                                       "files_waiting": "none", "rows_upserted": 1_234_567},
                             check_results=[AssetCheckResult(passed=True)])


@asset(check_specs=[AssetCheckSpec("register", asset="pool"), AssetCheckSpec("counts", asset="pool")])
def pool() -> MaterializeResult:
    return MaterializeResult(metadata={"files_unchanged": 1, "rows_upserted": 0}, check_results=[
        AssetCheckResult(check_name="register", passed=False, severity=AssetCheckSeverity.WARN),
        AssetCheckResult(check_name="counts", passed=True)])


@asset
def mart() -> int:
    return 1


@asset(partitions_def=StaticPartitionsDefinition(["2024-Q3", "2024-Q4"]))
def quarters(context) -> MaterializeResult:
    return MaterializeResult(metadata={"rows_upserted": 10_066})


def _counts(*selection: str, tags: dict | None = None) -> str:
    job = Definitions(assets=[hours, pool, mart, quarters], jobs=[define_asset_job("j", selection=list(selection))])
    with instance_for_test() as instance:
        return step_counts(job.resolve_job_def("j").execute_in_process(instance=instance, tags=tags))


def test_a_load_counts_files_rows_and_checks():
    assert _counts("hours", "pool") == "2 files accepted, 1 file rejected, 1 file unchanged; 1,234,567 rows upserted; " \
                                      "2 checks passed, 1 warning"


def test_a_build_counts_its_assets():
    assert _counts("mart") == "1 asset materialised"


def test_a_range_of_partitions_counts_its_rows_once():
    """One run over two partitions records a materialisation per partition, each with the run's metadata."""
    tags = {"dagster/asset_partition_range_start": "2024-Q3", "dagster/asset_partition_range_end": "2024-Q4"}
    assert _counts("quarters", tags=tags) == "10,066 rows upserted; 1 asset materialised"
