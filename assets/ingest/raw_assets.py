"""Dagster assets that load the landing zone into `raw.*`.

Each source gets a blocking check `files_accepted`: a rejected file fails it, so nothing downstream (marts,
exports) is rebuilt in that run and what was published before stays as it was.
"""

from __future__ import annotations

from dagster import (
    AssetCheckResult, AssetCheckSeverity, AssetCheckSpec, AssetExecutionContext, AssetKey, BackfillPolicy,
    MaterializeResult, asset,
)

from assets.common.quarters import quarter_sql
from assets.common.resource import WarehouseResource
from assets.ingest import duo, participation, students
from assets.ingest.engine import IngestReport, Source, load, scan
from orchestration.partitions import FIRST_QUARTER, quarter_label, quarter_partitions

WRITER_POOL = "duckdb_writer"  # one writer at a time: DuckDB locks the warehouse file
FILES_ACCEPTED = "files_accepted"


def _files_check(asset_key: AssetKey, report: IngestReport) -> AssetCheckResult:
    rejected = report.rejected
    return AssetCheckResult(
        asset_key=asset_key,
        check_name=FILES_ACCEPTED,
        passed=not rejected,
        severity=AssetCheckSeverity.ERROR,
        description=("; ".join(f"{f.file} rejected: {f.message}" for f in rejected)
                     if rejected else "every new file passed validation"),
        metadata={"rejected_files": ", ".join(f.file for f in rejected) or "none",
                  "files_seen": len(report.files)},
    )


def _check_spec(key: AssetKey) -> AssetCheckSpec:
    return AssetCheckSpec(FILES_ACCEPTED, asset=key, blocking=True,
                          description="Every new file of this source was valid; a rejected file blocks downstream.")


def _unpartitioned_raw_asset(source: Source, description: str):
    key = AssetKey(["raw", source.name])

    @asset(key=key, group_name="raw", description=description, check_specs=[_check_spec(key)], pool=WRITER_POOL,
           kinds={"duckdb", "python"})
    def _load(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
        settings = warehouse.settings()
        with warehouse.connect() as con:
            scanned = scan(source, settings, con, run_id=context.run_id)
            loaded = load(source, settings, con, run_id=context.run_id)
            (total,) = con.execute(f"SELECT count(*) FROM raw.{source.name}").fetchone()
        context.log.info("%s: %s", source.name, scanned.metadata())
        return MaterializeResult(
            metadata={**scanned.metadata(), "rows_upserted": loaded.rows_upserted, "rows_in_table": int(total)},
            check_results=[_files_check(key, scanned)],
        )

    _load.__name__ = f"raw_{source.name}"
    return _load


raw_participation_pool = _unpartitioned_raw_asset(
    participation.POOL, "Pool registrations of the staffing agency (pseudonymised), upserted by student and start.")
raw_student_counts = _unpartitioned_raw_asset(
    students.COUNTS, "The institution's own student counts per quarter × programme × location.")
raw_duo_enrolment = _unpartitioned_raw_asset(
    duo.ENROLMENT, "DUO enrolment counts (1 October) of the institution, both DUO layouts, suppressed cells unknown.")
raw_programme_register = _unpartitioned_raw_asset(
    students.REGISTER, "Programme × location register delivered in landing/reference/ (replaces the shipped seed).")

LANDING_HOURS = AssetKey(["landing", "participation_hours"])


@asset(key=LANDING_HOURS, group_name="raw", check_specs=[_check_spec(LANDING_HOURS)], pool=WRITER_POOL,
       kinds={"python"},
       description="Validates every new hours file whole, pseudonymises it and keeps it for loading by quarter.")
def landing_participation_hours(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    settings = warehouse.settings()
    with warehouse.connect() as con:
        report = scan(participation.HOURS, settings, con, run_id=context.run_id)
    quarters = sorted({p for f in report.files if f.status in ("accepted", "unchanged") for p in f.partitions})
    return MaterializeResult(
        metadata={**report.metadata(), "quarters_held": ", ".join(quarters) or "none"},
        check_results=[_files_check(LANDING_HOURS, report)],
    )


@asset(key=AssetKey(["raw", "participation_hours"]), deps=[LANDING_HOURS], group_name="raw",
       partitions_def=quarter_partitions, backfill_policy=BackfillPolicy.single_run(), pool=WRITER_POOL,
       kinds={"duckdb", "python"},
       description="Timesheet lines (pseudonymised) of the quarter, upserted by record_id, newest file winning.")
def raw_participation_hours(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    quarters = [quarter_label(k) for k in context.partition_keys]
    if quarter_label(quarter_partitions.get_first_partition_key()) in quarters:
        quarters.append("*before*")  # the first partition also holds anything earlier
    settings = warehouse.settings()
    with warehouse.connect() as con:
        held = [r[0] for r in con.execute(
            "SELECT DISTINCT unnest(partitions) FROM ops.landing_files WHERE source = 'participation_hours' "
            "AND status = 'accepted'").fetchall()]
        if "*before*" in quarters:
            quarters += [q for q in held if q < FIRST_QUARTER]
        report = load(participation.HOURS, settings, con, partitions=quarters, run_id=context.run_id)
        placeholders = ", ".join("?" for _ in quarters)
        rows = con.execute(
            f"""SELECT {quarter_sql('work_date')} AS q, count(*), sum(hours)
                FROM raw.participation_hours GROUP BY q HAVING q IN ({placeholders}) ORDER BY q""",
            quarters).fetchall()
    return MaterializeResult(metadata={
        "quarters": ", ".join(q for q in quarters if q != "*before*"),
        "rows_upserted": report.rows_upserted,
        "rows_per_quarter": {q: int(n) for q, n, _h in rows},
        "hours_per_quarter": {q: float(h) for q, _n, h in rows},
    })


RAW_ASSETS = [
    landing_participation_hours, raw_participation_hours, raw_participation_pool, raw_student_counts,
    raw_duo_enrolment, raw_programme_register,
]
