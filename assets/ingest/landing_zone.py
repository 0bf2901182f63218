"""The landing zone's source folders as observable source assets: what has been delivered, and when.

Observing lists each source's folder (names, sizes and modification times of its settled regular files; no file
is opened) and reports

- the newest delivery's time as `dagster/last_updated_timestamp`, which Dagster's freshness checks read
  (`expectations/freshness.py`): a source that stopped delivering fails its check;
- a data version of the listing, so that a new or changed file shows the source's load as stale in the UI.

A delivery is a file in the folder, accepted or not (a rejected file raises its own alert). The job
`observe_landing_zone` observes every folder and evaluates the freshness checks (daily schedule, or from the
UI). Nothing here names a file: names may hold student numbers.

No `from __future__ import annotations` here: Dagster reads the `context` annotation at definition time.
"""

import hashlib
import warnings
from collections.abc import Iterator

from dagster import (
    AssetExecutionContext, AssetKey, AssetSpec, BetaWarning, DataVersion, MetadataValue, ObserveResult,
    multi_observable_source_asset,
)

from assets.ingest import duo, participation, students, survey
from assets.ingest.engine import Source, delivery

#: The sources whose folders are observed, in the order the UI lists them.
SOURCES: tuple[Source, ...] = (participation.HOURS, participation.POOL, students.COUNTS, students.REGISTER,
                               duo.ENROLMENT, survey.RESPONSES)
BY_NAME = {source.name: source for source in SOURCES}


def landing_zone_key(source_name: str) -> AssetKey:
    return AssetKey(["landing_zone", source_name])


def observe(source: Source, settings) -> ObserveResult:
    """The observation of one source folder (settled regular files only; refused entries are not deliveries)."""
    files = delivery(source, settings).files
    listing = hashlib.sha256()
    for path, info in sorted(files, key=lambda item: item[0]):
        listing.update(f"{path.relative_to(settings.landing_dir).as_posix()}\0{info.st_size}\0"
                       f"{info.st_mtime_ns}\n".encode("utf-8", "surrogateescape"))
    metadata = {"files": len(files)}
    if files:
        metadata["dagster/last_updated_timestamp"] = MetadataValue.timestamp(max(i.st_mtime for _, i in files))
    return ObserveResult(asset_key=landing_zone_key(source.name), metadata=metadata,
                         data_version=DataVersion(listing.hexdigest()[:16] if files else "empty"))


def _spec(source: Source) -> AssetSpec:
    return AssetSpec(
        landing_zone_key(source.name), group_name="landing_zone", kinds={"file"},
        description=f"Files delivered in landing/{source.spec.landing_subdir}/: {source.spec.description} Observed: "
                    "the newest delivery's time and a version of the folder's listing (no file is opened).")


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
