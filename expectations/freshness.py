"""Freshness of the landing sources: has each source delivered within its expected interval?

Expected intervals (days between deliveries) default to: hours monthly, pool quarterly, survey yearly; a data
engineer changes them, or adds a source, in `$WB_DATA_DIR/config/freshness.yml` (config, not code):

    participation_hours: 31      # days; a source set to 0 or null is not watched
    participation_pool: 92
    survey_responses: 366
    student_counts: 366
    grace_days: 7                # allowed lateness on top of every interval

A delivery is a file in the source's landing folder (accepted or not: a rejected file raises its own alert);
its time is the file's modification time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import yaml

from assets.common.settings import Settings

DEFAULT_INTERVAL_DAYS = {"participation_hours": 31, "participation_pool": 92, "survey_responses": 366}
DEFAULT_GRACE_DAYS = 7
INTERVAL_NL = {31: "maandelijks", 92: "elk kwartaal", 366: "jaarlijks"}


@dataclass(frozen=True)
class Freshness:
    source: str
    landing_subdir: str
    interval_days: int
    grace_days: int
    last_delivery: dt.datetime | None   # None: never delivered
    now: dt.datetime

    @property
    def overdue(self) -> bool:
        if self.last_delivery is None:
            return True
        return self.now - self.last_delivery > dt.timedelta(days=self.interval_days + self.grace_days)

    def message(self) -> str:
        every = INTERVAL_NL.get(self.interval_days, f"elke {self.interval_days} dagen")
        if self.last_delivery is None:
            return (f"Bron {self.source} (landing/{self.landing_subdir}/) heeft nog nooit een bestand geleverd; "
                    f"verwacht: {every}.")
        days = (self.now - self.last_delivery).days
        return (f"Bron {self.source} (landing/{self.landing_subdir}/) leverde het laatst op "
                f"{self.last_delivery:%d-%m-%Y} ({days} dagen geleden); verwacht: {every} "
                f"(binnen {self.interval_days} + {self.grace_days} dagen).")


def landing_sources() -> dict:
    """The ingestion engine's sources by name (their folders and file rules)."""
    from assets.ingest import duo, participation, students, survey

    return {s.name: s for s in (participation.HOURS, participation.POOL, students.COUNTS, students.REGISTER,
                                duo.ENROLMENT, survey.RESPONSES)}


def config_path(settings: Settings) -> Path:
    return settings.data_dir / "config" / "freshness.yml"


def intervals(settings: Settings) -> tuple[dict[str, int], int]:
    """(source -> interval days, grace days): the defaults with the data engineer's file on top."""
    days = dict(DEFAULT_INTERVAL_DAYS)
    grace = DEFAULT_GRACE_DAYS
    path = config_path(settings)
    if path.is_file():
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        grace = int(data.pop("grace_days", grace))
        for source, value in data.items():
            days[str(source)] = int(value or 0)
    return {s: d for s, d in days.items() if d > 0}, grace


def freshness(settings: Settings, now: dt.datetime | None = None) -> list[Freshness]:
    """The state of every watched source (set-based over its files' metadata; file contents are not read)."""
    from assets.ingest.engine import discover

    now = now or dt.datetime.now()
    watched, grace = intervals(settings)
    out = []
    for name, interval in sorted(watched.items()):
        source = landing_sources().get(name)
        if source is None:
            continue
        files = discover(source, settings)
        last = max((dt.datetime.fromtimestamp(p.stat().st_mtime) for p in files), default=None)
        out.append(Freshness(name, source.spec.landing_subdir, interval, grace, last, now))
    return out
