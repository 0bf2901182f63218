"""Dagster assets of the exports (warehouse contract, "Exports").

Each export depends on the dbt mart assets `marts/<table>` it reads (found in dbt's manifest, so new marts
join by themselves). A failed dbt test fails the dbt step and a failed blocking check on a mart stops
everything downstream: the exports are then not rewritten, and what was published before stays as it was.
Each export writes into its run's export set, and `exports/published`, after all of them, switches readers to
that set in one step (sets.py): a run's exports appear together or not at all.

An export is made again when Dagster finds it stale (assets/common/stale.py): a mart it reads holds other rows
(the marts' data versions are their contents) or its own code changed (its code version: the modules that write
it, `_code_version`). An export that is not selected stands in the run's set as it was published. One that was
selected because a mart it reads was to be rebuilt asks again when it runs (`_standing`): rebuilt with the same
rows, the mart leaves the export as it was, and the export says so (`unchanged`) instead of writing the same
files again.
"""

import os
from pathlib import Path

import psycopg
from dagster import (AssetExecutionContext, AssetKey, Config, DagsterInstance, Failure, MaterializeResult,
                     MetadataValue, RetryRequested, asset)
from pydantic import Field
from dagster_dbt import DbtCliResource
from matplotlib.figure import Figure

from assets.common.dbt_project import dbt_models, dbt_project, dbt_project_files
from assets.common.dbt_state import latest_build_manifest
from assets.common.fingerprint import files_fingerprint, fingerprint
from assets.common.private import private_file
from assets.common.resource import WarehouseResource
from assets.common.settings import data_group, redact_dsn
from assets.common.stale import latest_record, run_succeeded, unchanged_since_last
from assets.exports import charts, sets
from assets.exports.catalog import TableDoc, table_docs, tables_in
from assets.exports.dbt_docs import generate_docs
from assets.exports.publish import Publication
from assets.exports.keys import table_keys
from assets.exports.render import render
from assets.exports.serving import publish_marts
from assets.exports.tables import DICTIONARY_NAME, export_table, write_data_dictionary, write_duckdb_copy
from assets.ingest.raw_assets import WRITER_POOL

GROUP = "exports"
MARTS, RESTRICTED = "marts", "restricted"
COPY_NAME = "wellbeing_marts.duckdb"
PUBLISHED_KEY = AssetKey([GROUP, "published"])
CHART_DPI = 120        # the PNG files
PREVIEW_DPI = 60       # the previews inlined in the asset's metadata (Dagster UI)


def _code_version(*modules: str, **settings: object) -> str:
    """An export's code version: this module and the export modules that write it (by content, wherever the
    checkout lies), and the settings it depends on."""
    here = Path(__file__)
    return fingerprint(code=files_fingerprint([here, *(here.with_name(f"{m}.py") for m in modules)]), **settings)


def _model_keys(schema: str) -> list[AssetKey]:
    return sorted((model.key for model in dbt_models().values() if model.key.path[0] == schema), key=lambda k: k.path)


MARTS_KEYS = _model_keys(MARTS)
RESTRICTED_KEYS = _model_keys(RESTRICTED)


def _marts(*tables: str) -> list[AssetKey]:
    """The mart keys of these tables that dbt has; all marts while none of them exists yet (so the asset still
    runs after the marts and says that there is nothing to export)."""
    return [key for key in MARTS_KEYS if key.path[-1] in tables] or MARTS_KEYS


def _exported_tables(context: AssetExecutionContext, con, schema: str, docs: dict[str, TableDoc]) -> list[str]:
    """Tables of `schema` built by a dbt model of the current project (and so gated by its tests and checks);
    a leftover table of a removed model is not exported."""
    present = tables_in(con, schema)
    leftovers = [t for t in present if t not in docs]
    if leftovers:
        context.log.warning(f"not exported, no dbt model builds them (leftovers?): "
                            f"{', '.join(f'{schema}.{t}' for t in leftovers)}")
    return [t for t in present if t in docs]


def run_in_progress(instance: DagsterInstance) -> sets.RunAlive:
    """Whether a run is still in progress in `instance`'s run history (sets.py: a set is its run's)."""
    def alive(run_id: str) -> bool:
        run = instance.get_run_by_id(run_id)
        return run is not None and not run.is_finished

    return alive


class ExportConfig(Config):
    rewrite: bool = Field(default=False, description="Write the export even when what it is made from is "
                                                    "unchanged (`wellbeing materialize --full` sets it).")


def _published_after(context: AssetExecutionContext, record) -> bool:
    """Whether the export's materialisation `record` was published: `exports/published` ran after it, and the
    run it came from succeeded (an export made without `published`, from the UI, was never seen by readers)."""
    publication = latest_record(context.instance, PUBLISHED_KEY)
    return publication is not None and publication.storage_id > record.storage_id and \
        run_succeeded(context.instance, record.run_id)


def _own_spec(context: AssetExecutionContext):
    return next(spec for spec in context.assets_def.specs if spec.key == context.asset_key)


def _standing(context: AssetExecutionContext, settings, part: str, config: ExportConfig) -> dict | None:
    """The metadata of this export's last materialisation, when nothing it reads or is made of changed since
    (assets/common/stale.py `unchanged_since_last`), it was published and its published files are all there;
    else None."""
    if config.rewrite:
        return None
    record = unchanged_since_last(context.instance, _own_spec(context))
    if record is None or not _published_after(context, record):
        return None
    metadata = dict(record.asset_materialization.metadata)
    files = getattr(metadata.get("files"), "value", None)
    if files is None or not all((settings.exports_dir / part / name).exists() for name in files):
        return None
    context.log.info(f"what {context.asset_key.to_user_string()} is made from is unchanged: the published files stand")
    return {**metadata, "unchanged": True}


def _set_part(context: AssetExecutionContext, settings, name: str) -> tuple[Path, Path]:
    """The run's export set (made by its first export) and its folder `name`."""
    alive = run_in_progress(context.instance)
    return (sets.staging(settings, context.run.run_id, alive=alive),
            sets.part(settings, context.run.run_id, name, alive=alive))


def _table_exports(context: AssetExecutionContext, warehouse: WarehouseResource, config: ExportConfig, schema: str,
                   part: str, dictionary: bool) -> MaterializeResult:
    """Every table of `schema` as Parquet and CSV (and, for `dictionary`, the data dictionary)."""
    settings = warehouse.settings()
    if (standing := _standing(context, settings, part, config)) is not None:
        return MaterializeResult(metadata=standing)
    _export_set, folder = _set_part(context, settings, part)
    docs = table_docs(dbt_project.manifest_path, schema)
    with warehouse.connect() as con:
        tables = _exported_tables(context, con, schema, docs)
        with Publication(folder, prune=["*.parquet", "*.csv"]) as publication:
            rows = {table: export_table(con, schema, table, docs.get(table), publication) for table in tables}
            if dictionary:
                write_data_dictionary(con, schema, tables, docs, publication.temp(DICTIONARY_NAME), rows)
    if part in sets.PRIVATE_PARTS:
        for path in publication.published:
            private_file(path, data_group())
    if not tables:  # expected for restricted until its models exist; for marts a sign of trouble
        (context.log.warning if schema == MARTS else context.log.info)(f"schema {schema} holds no table to export")
    return MaterializeResult(metadata={
        "path": MetadataValue.path(str(settings.exports_dir / part)),
        "tables": len(tables),
        "rows": MetadataValue.json(rows),
        "files": MetadataValue.json([path.name for path in publication.published]),
        "unchanged": False,
    })


TABLES_CODE = _code_version("tables", "csv_dialect", "catalog", "keys", "publish")


@asset(key=AssetKey([GROUP, "bi_tables"]), deps=MARTS_KEYS, group_name=GROUP, pool=WRITER_POOL,
       kinds={"parquet", "csv"}, code_version=TABLES_CODE,
       description="exports/bi/<table>.parquet (Power BI, dbt's descriptions in the field metadata) and "
                   "<table>.csv (Excel, Dutch locale) for every marts table, and DATA_DICTIONARY.md.")
def bi_tables(context: AssetExecutionContext, config: ExportConfig, warehouse: WarehouseResource) -> MaterializeResult:
    return _table_exports(context, warehouse, config, MARTS, "bi", dictionary=True)


@asset(key=AssetKey([GROUP, "bi_duckdb"]), deps=MARTS_KEYS, group_name=GROUP, pool=WRITER_POOL,
       kinds={"duckdb"}, code_version=TABLES_CODE,
       description="exports/bi/wellbeing_marts.duckdb: the marts schema only, in DuckDB 1.4's storage format, "
                   "for analysts' SQL; swapped in whole, so an open connection keeps the old copy.")
def bi_duckdb(context: AssetExecutionContext, config: ExportConfig, warehouse: WarehouseResource) -> MaterializeResult:
    settings = warehouse.settings()
    if (standing := _standing(context, settings, "bi", config)) is not None:
        return MaterializeResult(metadata=standing)
    _export_set, folder = _set_part(context, settings, "bi")
    docs = table_docs(dbt_project.manifest_path, MARTS)
    with warehouse.connect() as con, Publication(folder) as publication:
        tables = _exported_tables(context, con, MARTS, docs)
        write_duckdb_copy(con, MARTS, tables, docs, publication.temp(COPY_NAME), table_keys(tables, docs))
    return MaterializeResult(metadata={"path": MetadataValue.path(str(settings.exports_dir / "bi" / COPY_NAME)),
                                       "tables": len(tables), "files": MetadataValue.json([COPY_NAME]),
                                       "size_bytes": (folder / COPY_NAME).stat().st_size, "unchanged": False})


@asset(key=AssetKey([GROUP, "restricted"]), deps=RESTRICTED_KEYS or MARTS_KEYS, group_name=GROUP,
       pool=WRITER_POOL, kinds={"parquet", "csv"}, code_version=TABLES_CODE,
       description="exports/restricted/<table>.parquet and .csv for the restricted.* tables (individual "
                   "feedback), apart from the BI exports. Never in exports/bi.")
def restricted_tables(context: AssetExecutionContext, config: ExportConfig,
                      warehouse: WarehouseResource) -> MaterializeResult:
    return _table_exports(context, warehouse, config, RESTRICTED, "restricted", dictionary=False)


@asset(key=AssetKey([GROUP, "dbt_docs"]), deps=MARTS_KEYS + RESTRICTED_KEYS, group_name=GROUP, pool=WRITER_POOL,
       kinds={"dbt"}, code_version=_code_version("dbt_docs"),
       description="exports/docs/: dbt's documentation site (index.html opens from a file share), "
                   "manifest.json and catalog.json.")
def dbt_docs(context: AssetExecutionContext, config: ExportConfig, warehouse: WarehouseResource,
             dbt: DbtCliResource) -> MaterializeResult:
    """The site shows the project and the built tables' columns, not their rows: when both are what the last
    published site was made from (its materialisation's `docs_version`) and its files are in the set, the site
    stands (`dbt docs generate` takes seconds; new rows in a mart change nothing in it)."""
    settings = warehouse.settings()
    export_set, folder = _set_part(context, settings, "docs")
    with warehouse.connect() as con:
        version = fingerprint(project=files_fingerprint(dbt_project_files()), columns=built_columns(con))
    index = str(settings.exports_dir / "docs" / "index.html")  # where readers find it, wherever the folder moved
    last = latest_record(context.instance, context.asset_key)
    shown = last.asset_materialization.metadata if last is not None and _published_after(context, last) else {}
    files = getattr(shown.get("files"), "value", None) or []
    if not config.rewrite and getattr(shown.get("docs_version"), "value", None) == version and files and \
            all((folder / name).exists() for name in files):
        context.log.info("dbt project and the built tables' columns unchanged: the published docs stand")
        unchanged = True
    else:
        files = [f.name for f in generate_docs(settings, folder, dbt.dbt_executable, Path(dbt.project_dir),
                                               Path(dbt.profiles_dir or dbt.project_dir),
                                               build_manifest=latest_build_manifest(settings))]
        unchanged = False
    return MaterializeResult(metadata={"path": MetadataValue.path(index), "files": MetadataValue.json(files),
                                       "docs_version": version, "unchanged": unchanged})


def built_columns(con) -> list[tuple]:
    """Every column of the tables and views dbt builds (all schemas but the loaders' raw and ops)."""
    return con.execute("""SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns
                          WHERE table_catalog = current_database() AND table_schema NOT IN ('raw', 'ops')
                          ORDER BY ALL""").fetchall()


def _charts(context: AssetExecutionContext, warehouse: WarehouseResource, config: ExportConfig, draw,
            prune: str) -> MaterializeResult:
    """Draw charts from the marts and publish them, with previews for the Dagster UI."""
    settings = warehouse.settings()
    if (standing := _standing(context, settings, "charts", config)) is not None:
        return MaterializeResult(metadata=standing)
    _export_set, folder = _set_part(context, settings, "charts")
    with warehouse.connect() as con:
        figures = draw(con, settings.min_cell, log=context.log.warning)
    previews = {}
    rendered = render(figures, CHART_DPI, PREVIEW_DPI / CHART_DPI)  # in worker processes when there are many
    with Publication(folder, prune=[prune]) as publication:
        for chart, (png, preview) in rendered.items():
            publication.temp(f"{chart}.png").write_bytes(png)
            previews[chart] = preview
    context.log.info(f"{len(figures)} charts made for {settings.exports_dir / 'charts'}")
    return MaterializeResult(metadata=_charts_metadata(settings.exports_dir / "charts", sorted(figures), previews))


def _charts_metadata(folder: Path, charts_made: list[str], previews: dict[str, str]) -> dict:
    files = [f"{chart}.png" for chart in charts_made]
    metadata = {"path": MetadataValue.path(str(folder)), "charts": MetadataValue.json(files),
                "files": MetadataValue.json(files), "unchanged": False}
    for chart, markdown in previews.items():
        metadata[chart] = MetadataValue.md(markdown)
    return metadata


CHARTS_CODE = _code_version("charts", "render", "publish", dpi=[CHART_DPI, PREVIEW_DPI])


@asset(key=AssetKey([GROUP, "participation_charts"]),
       deps=_marts("participation_institution", "participation_by_location", "participation_by_domain"),
       group_name=GROUP, pool=WRITER_POOL, kinds={"matplotlib"}, code_version=CHARTS_CODE,
       description="exports/charts/participation_by_location.png, participation_by_domain.png (the latest "
                   "complete calendar year, per quarter, participated beside available) and "
                   "participation_trend.png (the institution over all quarters).")
def participation_charts(context: AssetExecutionContext, config: ExportConfig,
                         warehouse: WarehouseResource) -> MaterializeResult:
    return _charts(context, warehouse, config, charts.participation_charts, "participation_*.png")


@asset(key=AssetKey([GROUP, "wellbeing_charts"]), deps=_marts("wellbeing_indicators", "dim_indicator"),
       group_name=GROUP, pool=WRITER_POOL, kinds={"matplotlib"}, code_version=CHARTS_CODE,
       description="exports/charts/wellbeing_<indicator>.png: per indicator the trend over the survey years, "
                   "the institution and each location (and wellbeing_groups_<indicator>.png: each target "
                   "group), with 95 % confidence intervals; suppressed cells marked; titles from dim_indicator.")
def wellbeing_charts(context: AssetExecutionContext, config: ExportConfig,
                     warehouse: WarehouseResource) -> MaterializeResult:
    return _charts(context, warehouse, config, charts.wellbeing_charts, "wellbeing_*.png")


@asset(key=AssetKey([GROUP, "serving_postgres"]), deps=[*MARTS_KEYS, AssetKey([GROUP, "published"])],
       group_name=GROUP, pool=WRITER_POOL, kinds={"postgres"},
       # another serving database (or one set for the first time) is served at the next build
       code_version=_code_version("serving", "keys", "catalog",
                                  database=redact_dsn(os.environ.get("WB_SERVING_DSN", "")),
                                  reader=os.environ.get("WB_SERVING_READER", "")),
       description="Every marts table published into schema `marts` of the PostgreSQL serving database "
                   "(WB_SERVING_DSN), replaced in one transaction, for many BI users at once, after the files "
                   "(exports/published), so it never shows a state the files do not. Does nothing while "
                   "WB_SERVING_DSN is unset.")
def serving_postgres(context: AssetExecutionContext, config: ExportConfig,
                     warehouse: WarehouseResource) -> MaterializeResult:
    settings = warehouse.settings()
    if not config.rewrite and (record := unchanged_since_last(context.instance, _own_spec(context))) is not None:
        context.log.info("the marts are unchanged since they were served: the serving database stands")
        return MaterializeResult(metadata={**record.asset_materialization.metadata, "unchanged": True})
    if not settings.serving_dsn:
        context.log.info("WB_SERVING_DSN is not set: no serving database to publish to")
        return MaterializeResult(metadata={"published": False, "reason": "WB_SERVING_DSN is not set"})
    docs = table_docs(dbt_project.manifest_path, MARTS)
    try:
        with warehouse.connect() as con:
            tables = _exported_tables(context, con, MARTS, docs)
            rows = publish_marts(con, settings.serving_dsn, tables, docs, reader_role=settings.serving_reader,
                                 keys=table_keys(tables, docs))
    except psycopg.OperationalError as exc:  # server away, lock timeout behind a long BI query: transient
        context.log.warning(f"serving database {redact_dsn(settings.serving_dsn)}: {str(exc).strip()[:300]}")
        raise RetryRequested(max_retries=3, seconds_to_wait=60) from exc
    return MaterializeResult(metadata={"published": True, "database": redact_dsn(settings.serving_dsn),
                                       "schema": "marts", "tables": len(rows), "rows": MetadataValue.json(rows)})


FILE_EXPORTS = [bi_tables, bi_duckdb, restricted_tables, dbt_docs, participation_charts, wellbeing_charts]


@asset(key=PUBLISHED_KEY, deps=FILE_EXPORTS, group_name=GROUP, pool=WRITER_POOL,
       code_version=_code_version("sets"),
       description="Switches exports/ to the set this run's file exports made (exports/current -> .sets/<run>, "
                   "with MANIFEST.json): together or not at all; runs only when every file export succeeded.")
def published(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    settings = warehouse.settings()
    try:
        manifest = sets.publish(settings, context.run.run_id, alive=run_in_progress(context.instance))
    except sets.SetChanged as exc:
        raise Failure(description=str(exc)) from exc
    if manifest is None:
        context.log.info("no file export ran in this run: the published set stands")
        return MaterializeResult(metadata={"published": False})
    return MaterializeResult(metadata={
        "published": True, "set": manifest["set"], "path": MetadataValue.path(str(settings.exports_dir / sets.CURRENT)),
        "files": MetadataValue.json({part: len(files) for part, files in manifest["files"].items()})})


EXPORT_ASSETS = [*FILE_EXPORTS, published, serving_postgres]
#: the exports that may keep what they made before (ExportConfig `rewrite` makes them write it again)
REWRITABLE = [*FILE_EXPORTS, serving_postgres]
