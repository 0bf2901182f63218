"""Dagster assets that load the landing zone into `raw.*`.

Each source gets a blocking check `files_accepted`: a rejected file fails it, so nothing downstream (marts,
exports) is rebuilt in that run and what was published before stays as it was.
"""

import warnings

from dagster import (
    AssetCheckResult, AssetCheckSeverity, AssetCheckSpec, AssetExecutionContext, AssetKey, BackfillPolicy,
    BetaWarning, DataVersion, MaterializeResult, asset,
)

from assets.common.masking import safe_text
from assets.common.resource import WarehouseResource
from assets.common.warehouse import load_version
from assets.ingest import duo, participation, students, survey
from assets.ingest.engine import IngestReport, Source, load, scan, unloaded
from assets.ingest.landing_zone import landing_zone_key
from assets.ingest.partitions import quarter_label, quarter_partitions, survey_year_partitions

WRITER_POOL = "duckdb_writer"  # one writer at a time: DuckDB locks the warehouse file
FILES_ACCEPTED = "files_accepted"


def _files_check(asset_key: AssetKey, report: IngestReport) -> AssetCheckResult:
    rejected = report.rejected
    return AssetCheckResult(
        asset_key=asset_key,
        check_name=FILES_ACCEPTED,
        passed=not rejected,
        severity=AssetCheckSeverity.ERROR,
        description=safe_text("; ".join(f"{f.file} rejected: {f.message}" for f in rejected)
                              if rejected else "every new file passed validation"),
        metadata={"rejected_files": safe_text(", ".join(f.file for f in rejected) or "none"),
                  "files_seen": len(report.files)},
    )


def _note_waiting(context: AssetExecutionContext, report: IngestReport) -> None:
    """Files still being written are no failure: a warning line in the output, judged on a later run."""
    if note := report.waiting_note():
        context.log.warning(note)


def _check_spec(key: AssetKey) -> AssetCheckSpec:
    return AssetCheckSpec(FILES_ACCEPTED, asset=key, blocking=True,
                          description="Every new file of this source was valid; a rejected file blocks downstream.")


def _unpartitioned_raw_asset(source: Source, description: str):
    key = AssetKey(["raw", source.name])

    @asset(key=key, deps=[landing_zone_key(source.name)], group_name="raw", description=description,
           check_specs=[_check_spec(key)], pool=WRITER_POOL, kinds={"duckdb", "python"})
    def _load(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
        settings = warehouse.settings()
        with warehouse.connect() as con:
            scanned = scan(source, settings, con, run_id=context.run_id)
            loaded = load(source, settings, con, run_id=context.run_id)
            (total,) = con.execute(f"SELECT count(*) FROM raw.{source.name}").fetchone()
            version = load_version(con, source.name)
        _note_waiting(context, scanned)
        context.log.info("%s: %s", source.name, scanned.metadata())
        # a run that loaded nothing keeps the table's version: what reads it is not stale (assets/common/stale.py)
        return MaterializeResult(
            metadata={**scanned.metadata(), "rows_upserted": loaded.rows_upserted, "rows_in_table": int(total)},
            check_results=[_files_check(key, scanned)], data_version=DataVersion(version),
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

def _partitioned_raw_assets(source: Source, partitions_def, to_label, description: str):
    """A scan asset (validates new files whole, records which partitions they hold) and a partitioned load."""
    landing_key, raw_key = AssetKey(["landing", source.name]), AssetKey(["raw", source.name])
    first = to_label(partitions_def.get_first_partition_key())

    @asset(key=landing_key, deps=[landing_zone_key(source.name)], group_name="raw",
           check_specs=[_check_spec(landing_key)], pool=WRITER_POOL, kinds={"python"},
           description=f"Validates every new {source.spec.landing_subdir} file whole, pseudonymises it and keeps "
                       "it for loading by partition.")
    def _scan(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
        with warehouse.connect() as con:
            report = scan(source, warehouse.settings(), con, run_id=context.run_id)
        _note_waiting(context, report)
        held = sorted({p for f in report.files if f.status in ("accepted", "unchanged") for p in f.partitions})
        return MaterializeResult(metadata={**report.metadata(), "partitions_held": ", ".join(held) or "none"},
                                 check_results=[_files_check(landing_key, report)])

    def _load(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
        wanted = [to_label(k) for k in context.partition_keys]
        last = to_label(partitions_def.get_last_partition_key())  # moves with the clock: read at run time
        with warehouse.connect() as con:
            held = held_partitions(con, source.name)
            if first in wanted:  # the first partition also holds anything earlier
                wanted += [p for p in held if p < first]
            if last in wanted:  # and the last anything later (a survey year ahead of the calendar)
                wanted += [p for p in held if p > last]
            report = load(source, warehouse.settings(), con, partitions=wanted, run_id=context.run_id)
            per_partition = dict(con.execute(
                f"""SELECT _partition, count(*) FROM (SELECT {source.partition_sql.replace('t.', '')} AS _partition
                    FROM raw.{source.name}) GROUP BY 1 ORDER BY 1""").fetchall())
        return MaterializeResult(metadata={
            "partitions": ", ".join(wanted),
            "rows_upserted": report.rows_upserted,
            "rows_per_partition": {p: int(n) for p, n in per_partition.items() if p in wanted},
        })

    _load.__name__ = f"raw_{source.name}"
    with warnings.catch_warnings():
        # BackfillPolicy is beta in dagster 1.13: a backfill of many partitions as one run is what the loads rely
        # on, and the warning is nothing an operator could act on (a clean run prints no framework warnings)
        warnings.simplefilter("ignore", BetaWarning)
        _load = asset(key=raw_key, deps=[landing_key], group_name="raw", partitions_def=partitions_def,
                      backfill_policy=BackfillPolicy.single_run(), pool=WRITER_POOL, kinds={"duckdb", "python"},
                      description=description)(_load)
    _scan.__name__ = f"landing_{source.name}"
    return _scan, _load


def held_partitions(con, source: str) -> list[str]:
    """Partitions of every accepted file of a source."""
    return [r[0] for r in con.execute(
        """SELECT DISTINCT unnest(partitions) AS p FROM ops.landing_files
           WHERE source = ? AND status = 'accepted' ORDER BY p""", [source]).fetchall()]


def pending_partitions(con, source: str) -> list[str]:
    """Partitions that an accepted file holds and that are not loaded from it yet (what `wellbeing materialize`
    loads: what `load` would take, by the same rule, `unloaded`)."""
    return sorted({p for _file, _sha, parts in unloaded(con, source) for p in parts})


landing_participation_hours, raw_participation_hours = _partitioned_raw_assets(
    participation.HOURS, quarter_partitions, quarter_label,
    "Timesheet lines (pseudonymised) of the quarter, upserted by record_id, newest file winning.")
landing_survey_responses, raw_survey_responses = _partitioned_raw_assets(
    survey.RESPONSES, survey_year_partitions, str,
    "Survey responses (pseudonymised) of the survey year, upserted by (survey_year, response_id).")

PARTITIONED_RAW_ASSETS = [raw_participation_hours, raw_survey_responses]
RAW_ASSETS = [
    landing_participation_hours, raw_participation_hours, raw_participation_pool, raw_student_counts,
    raw_duo_enrolment, raw_programme_register, landing_survey_responses, raw_survey_responses,
]
