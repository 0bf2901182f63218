"""The landing zone's source folders as observable source assets: what has been delivered, and when.

Observing lists each source's folder (sizes and modification times of its settled regular files; no file is
opened) and reports the number of files and the newest delivery's time as `dagster/last_updated_timestamp`, which
Dagster's freshness checks read (`expectations/freshness.py`): a source that stopped delivering fails its check.
(No data version: the loads do not observe the folder, so a version would show a load as stale after the next
observation of files it has loaded.)

A delivery is a file in the folder, accepted or not (a rejected file raises its own alert). The job
`observe_landing_zone` observes every folder and evaluates the freshness checks (daily schedule, or from the
UI). Nothing here names a file: names may hold student numbers.

No `from __future__ import annotations` here: Dagster reads the `context` annotation at definition time.
"""

import warnings
from collections.abc import Iterator

from dagster import (
    AssetExecutionContext, AssetKey, AssetSpec, BetaWarning, MetadataValue, ObserveResult,
    multi_observable_source_asset,
)

from assets.common.masking import safe_text
from assets.ingest import duo, participation, students, survey
from assets.ingest.engine import Source, delivery

#: Every landing source (observed here, listed by the landing sensor), partitioned ones first.
SOURCES: tuple[Source, ...] = (participation.HOURS, survey.RESPONSES, participation.POOL, students.COUNTS,
                               duo.ENROLMENT, students.REGISTER)
BY_NAME = {source.name: source for source in SOURCES}


def landing_zone_key(source_name: str) -> AssetKey:
    return AssetKey(["landing_zone", source_name])


def observe(source: Source, settings) -> ObserveResult:
    """The observation of one source folder (settled regular files only; refused entries are not deliveries)."""
    try:
        files = delivery(source, settings).files
    except OSError as exc:  # its text names the path, which may hold a student number
        raise OSError(safe_text(f"cannot list landing/{source.spec.landing_subdir}/: {exc}")) from None
    metadata = {"files": len(files)}
    if files:
        metadata["dagster/last_updated_timestamp"] = MetadataValue.timestamp(max(i.st_mtime for _, i in files))
    return ObserveResult(asset_key=landing_zone_key(source.name), metadata=metadata)


def _spec(source: Source) -> AssetSpec:
    return AssetSpec(
        landing_zone_key(source.name), group_name="landing_zone", kinds={"file"},
        description=f"Files delivered in landing/{source.spec.landing_subdir}/: {source.spec.description} Observed: "
                    "the number of files and the newest delivery's time (no file is opened).")


def _landing_folders():
    def observe_landing_folders(context: AssetExecutionContext) -> Iterator[ObserveResult]:
        settings = context.resources.warehouse.settings()
        for key in sorted(context.selected_asset_keys, key=lambda k: k.to_user_string()):
            yield observe(BY_NAME[key.path[-1]], settings)

    with warnings.catch_warnings():
        # beta in dagster 1.13, and the one decorator that observes several source assets in one step without
        # the deprecated SourceAsset conversion; nothing an operator could act on
        warnings.simplefilter("ignore", BetaWarning)
        return multi_observable_source_asset(
            specs=[_spec(source) for source in SOURCES], can_subset=True, required_resource_keys={"warehouse"},
            description="Lists every landing folder (no file is opened).")(observe_landing_folders)


landing_folders = _landing_folders()
LANDING_ZONE_ASSETS = [landing_folders]
