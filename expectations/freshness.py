"""Freshness of the landing sources, by Dagster's own freshness checks: has each source delivered within its
expected interval?

Each source folder is an observable source asset (`assets/ingest/landing_zone.py`) whose observation carries
the newest delivery's time; `build_last_update_freshness_checks` makes that a check, `freshness_check` on
`landing_zone/<source>` (severity WARN), which the job `observe_landing_zone` evaluates right after observing
the folders (daily schedule, or from the UI). A failed check becomes one `freshness` alert per overdue delivery
(`record_freshness_alert`, called for every failed check of a run by orchestration/sensors.py).

Expected intervals (days between deliveries) default to: hours monthly, pool quarterly, survey yearly; a data
engineer changes them, or adds a source, in `$WB_DATA_DIR/config/freshness.yml` (config, not code), read when
the code location loads (reload it in the UI, or restart the deployment, after a change):

    participation_hours: 31      # days; a source set to 0 or null is not watched
    participation_pool: 92
    survey_responses: 366
    student_counts: 366
    grace_days: 7                # allowed lateness on top of every interval
"""

from __future__ import annotations

import datetime as dt
import logging
import warnings
from pathlib import Path

import duckdb
import yaml
from dagster import AssetCheckSeverity, SupersessionWarning, build_last_update_freshness_checks

from assets.common.alerts import record_alert
from assets.common.masking import safe_text
from assets.common.settings import Settings
from assets.ingest.landing_zone import BY_NAME, landing_zone_key

DEFAULT_INTERVAL_DAYS = {"participation_hours": 31, "participation_pool": 92, "survey_responses": 366}
DEFAULT_GRACE_DAYS = 7
INTERVAL_NL = {31: "maandelijks", 92: "elk kwartaal", 366: "jaarlijks"}
#: The name Dagster gives a last-update freshness check.
FRESHNESS_CHECK = "freshness_check"
LAST_UPDATED = "dagster/last_updated_timestamp"

log = logging.getLogger(__name__)


def config_path(settings: Settings) -> Path:
    return settings.data_dir / "config" / "freshness.yml"


def intervals(settings: Settings) -> tuple[dict[str, int], int]:
    """(source -> interval days, grace days): the defaults with the data engineer's file on top. A file that is
    not such a mapping of whole numbers is ignored with a warning: the code location must load whatever it says."""
    days = dict(DEFAULT_INTERVAL_DAYS)
    grace = DEFAULT_GRACE_DAYS
    path = config_path(settings)
    if path.is_file():
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            configured = {str(source): int(value or 0) for source, value in data.items()}
        except (OSError, ValueError, TypeError, AttributeError, yaml.YAMLError) as exc:
            log.warning("%s ignored (the default intervals apply): %s", path, safe_text(str(exc)))
        else:
            grace = configured.pop("grace_days", grace)
            days.update(configured)
    return {s: d for s, d in days.items() if d > 0 and s in BY_NAME}, grace


def freshness_checks(settings: Settings | None = None) -> list:
    """One Dagster freshness check per watched source: its newest delivery at most interval + grace days old."""
    watched, grace = intervals(settings or Settings.from_env())
    checks = []
    with warnings.catch_warnings():
        # Dagster 1.13 points to its FreshnessPolicy (preview, evaluated by a daemon and not an asset check);
        # the checks are what the UI lists beside every other check and what our alerts read, so they stay
        warnings.simplefilter("ignore", SupersessionWarning)
        for source, days in sorted(watched.items()):
            checks += build_last_update_freshness_checks(
                assets=[landing_zone_key(source)], lower_bound_delta=dt.timedelta(days=days + grace),
                severity=AssetCheckSeverity.WARN)
    return checks


def overdue_message(source: str, last_delivery: dt.datetime | None, now: dt.datetime, settings: Settings) -> str:
    """What an overdue source means, in Dutch: when it last delivered, and what is expected."""
    watched, grace = intervals(settings)
    interval = watched.get(source, DEFAULT_INTERVAL_DAYS.get(source, 0))
    subdir = BY_NAME[source].spec.landing_subdir
    every = INTERVAL_NL.get(interval, f"elke {interval} dagen")
    if last_delivery is None:
        return f"Bron {source} (landing/{subdir}/) heeft nog nooit een bestand geleverd; verwacht: {every}."
    return (f"Bron {source} (landing/{subdir}/) leverde het laatst op {last_delivery:%d-%m-%Y} "
            f"({(now - last_delivery).days} dagen geleden); verwacht: {every} (binnen {interval} + {grace} dagen).")


def record_freshness_alert(con: duckdb.DuckDBPyConnection, evaluation, settings: Settings, run_id: str,
                           now: dt.datetime | None = None) -> str:
    """The alert of a failed freshness check (`evaluation`: Dagster's AssetCheckEvaluation), once per overdue
    delivery: a later evaluation of the same overdue state finds it recorded."""
    source = evaluation.asset_key.path[-1]
    stamp = (evaluation.metadata or {}).get(LAST_UPDATED)
    last = dt.datetime.fromtimestamp(stamp.value) if stamp is not None else None
    episode = last.isoformat(timespec="seconds") if last else "nooit geleverd"
    return record_alert(
        con, severity="warning", kind="freshness", subject=f"Levering ontbreekt: {source}",
        message=overdue_message(source, last, now or dt.datetime.now(), settings), source=source,
        file=f"laatste levering: {episode}", check_name=FRESHNESS_CHECK, run_id=run_id, settings=settings,
        action=f"Vraag de bron om de levering in landing/{BY_NAME[source].spec.landing_subdir}/ te zetten, of pas "
               "het verwachte interval aan in $WB_DATA_DIR/config/freshness.yml.",
        dedupe_on=("kind", "source", "file"))
