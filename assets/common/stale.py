"""What is stale, in Dagster's own terms: the one rule by which `wellbeing materialize` and the
`build_after_loads` sensor build.

With every materialisation Dagster records the code version it was made with and, for every input, the data
version it read and the event it read it from (`DataProvenance`). Dagster's stale status ("unsynced" in the UI)
compares those with the present, but has no public call outside its daemon; this module reads the same records
through the public API (`fetch_materializations`, `DataProvenance.from_tags`, `get_run_records`) and applies the
same comparison. An asset is stale when

- it was never materialised;
- its code version differs from the one its latest materialisation was made with (a dbt model's SQL,
  configuration, descriptions, the project's macros and the settings the models read: orchestration/dbt.py; an
  export's code: assets/exports/assets.py);
- a parent is stale itself (it will be rebuilt first);
- an unpartitioned parent has another data version than the one it read (raw tables: rows and latest load;
  marts: their contents; the rest: Dagster's hash of code and inputs), or a partitioned parent (hours per
  quarter, survey years) has a materialisation of any partition after the one it read;
- or its latest materialisation came from a run that did not succeed (failed, cancelled, or still running).
  Dagster leaves this out; it matters when a blocking check failed: the checked asset then holds its new
  inputs, and a rule by versions alone would build its children next time without checking it again. What a
  failed run made is rebuilt, with its checks, until a run succeeds.

The third rule is a plan: a parent rebuilt with the same rows keeps its data version. So an asset planned stale
for its parent's sake asks again when it runs (`unchanged_since_last`: the rules without the third), and an
export that finds its marts unchanged keeps its published files. A new quarter of hours thus redraws the
participation charts and leaves the wellbeing charts, the restricted exports and the documentation as they are.
"""

from __future__ import annotations

import graphlib
from collections.abc import Iterable

from dagster import (
    AssetKey, AssetSpec, DagsterInstance, DagsterRunStatus, DataProvenance, EventLogRecord, RunsFilter,
)

#: the tags Dagster gives a materialisation (its data version; `DataProvenance` reads the rest)
DATA_VERSION_TAG = "dagster/data_version"


def downstream_of(specs: Iterable[AssetSpec], roots: Iterable[AssetKey]) -> set[AssetKey]:
    """`roots` and every asset that depends on them, directly or not."""
    children: dict[AssetKey, set[AssetKey]] = {}
    for spec in specs:
        for dep in spec.deps:
            children.setdefault(dep.asset_key, set()).add(spec.key)
    found, todo = set(), list(roots)
    while todo:
        key = todo.pop()
        if key not in found:
            found.add(key)
            todo.extend(children.get(key, ()))
    return found


def stale_assets(specs: Iterable[AssetSpec], instance: DagsterInstance,
                 candidates: Iterable[AssetKey]) -> list[AssetKey]:
    """The stale assets among `candidates` (module docstring), in dependency order; `specs`: the whole graph."""
    specs: dict[AssetKey, AssetSpec] = {spec.key: spec for spec in specs}
    partitioned = {key for key, spec in specs.items() if spec.partitions_def is not None}
    candidates = set(candidates)
    order = graphlib.TopologicalSorter({key: {d.asset_key for d in specs[key].deps} for key in candidates})
    latest = _Latest(instance)
    stale: list[AssetKey] = []
    for key in order.static_order():
        if key not in candidates:
            continue
        if any(dep.asset_key in stale for dep in specs[key].deps) or \
                latest.unchanged(specs[key], partitioned) is None:
            stale.append(key)
    return stale


def unchanged_since_last(instance: DagsterInstance, spec: AssetSpec,
                         partitioned: Iterable[AssetKey] = ()) -> EventLogRecord | None:
    """The latest materialisation of `spec` when, as its parents stand now, it is not stale (the module's rules
    without the third); else None. Asked at run time by an asset planned stale because a parent was to be
    rebuilt: with the parent's rows unchanged, it would make what it made before. `partitioned`: its parents
    that are partitioned."""
    return _Latest(instance).unchanged(spec, set(partitioned))


def run_succeeded(instance: DagsterInstance, run_id: str) -> bool:
    return bool(instance.get_run_records(RunsFilter(run_ids=[run_id], statuses=[DagsterRunStatus.SUCCESS]),
                                         limit=1))


def latest_record(instance: DagsterInstance, key: AssetKey) -> EventLogRecord | None:
    """The asset's latest materialisation (of any partition)."""
    found = instance.fetch_materializations(key, limit=1).records
    return found[0] if found else None


class _Latest:
    """Each asset's latest materialisation (of any partition) and the runs that failed, read once."""

    def __init__(self, instance: DagsterInstance):
        self.instance = instance
        self.records: dict[AssetKey, EventLogRecord | None] = {}
        self.succeeded: dict[str, bool] = {}

    def record(self, key: AssetKey) -> EventLogRecord | None:
        if key not in self.records:
            self.records[key] = latest_record(self.instance, key)
        return self.records[key]

    def run_succeeded(self, run_id: str) -> bool:
        if run_id not in self.succeeded:
            self.succeeded[run_id] = run_succeeded(self.instance, run_id)
        return self.succeeded[run_id]

    def unchanged(self, spec: AssetSpec, partitioned: set[AssetKey]) -> EventLogRecord | None:
        record = self.record(spec.key)
        if record is None or not self.run_succeeded(record.run_id):
            return None
        provenance = DataProvenance.from_tags(record.asset_materialization.tags or {})
        if provenance is None or (spec.code_version is not None and spec.code_version != provenance.code_version):
            return None
        for dep in spec.deps:
            parent = dep.asset_key
            parent_record = self.record(parent)
            if parent_record is None:
                continue  # nothing to read yet (a source that never delivered): nothing changed
            if parent in partitioned:
                if parent_record.storage_id > (provenance.input_storage_ids.get(parent) or 0):
                    return None
            else:
                read = provenance.input_data_versions.get(parent)
                if (parent_record.asset_materialization.tags or {}).get(DATA_VERSION_TAG) != \
                        (read.value if read is not None else None):
                    return None
        return record
