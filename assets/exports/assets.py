"""Dagster assets of the exports (warehouse contract, "Exports").

Each export depends on the dbt mart assets `marts/<table>` it reads (found in dbt's manifest, so new marts
join by themselves). A failed dbt test fails the dbt step and a failed blocking check on a mart stops
everything downstream: the exports are then not rewritten, and what was published before stays as it was.
Each export writes into its run's export set, and `exports/published`, after all of them, switches readers to
that set in one step (sets.py): a run's exports appear together or not at all.
"""

from datetime import date
from pathlib import Path

import psycopg
from dagster import (AssetExecutionContext, AssetKey, DagsterInstance, Failure, MaterializeResult, MetadataValue,
                     RetryRequested, asset)
from dagster_dbt import DbtCliResource
from matplotlib.figure import Figure

from assets.common.dbt_project import dbt_models, dbt_project, dbt_project_files
from assets.common.dbt_state import latest_build_manifest
from assets.common.fingerprint import files_fingerprint, fingerprint
from assets.common.private import private_file
from assets.common.resource import WarehouseResource
from assets.common.settings import data_group, redact_dsn
from assets.exports import charts, sets
from assets.exports.catalog import TableDoc, table_docs, tables_in
from assets.exports.dbt_docs import generate_docs
from assets.exports.publish import Publication
from assets.exports.render import render
from assets.exports.serving import publish_marts
from assets.exports import unchanged
from assets.exports.tables import DICTIONARY_NAME, export_table, write_data_dictionary, write_duckdb_copy
from assets.ingest.raw_assets import WRITER_POOL

GROUP = "exports"
MARTS, RESTRICTED = "marts", "restricted"
COPY_NAME = "wellbeing_marts.duckdb"
CHART_DPI = 120        # the PNG files
PREVIEW_DPI = 60       # the previews inlined in the asset's metadata (Dagster UI)


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


def _set_part(context: AssetExecutionContext, settings, name: str) -> tuple[Path, Path]:
    """The run's export set (made by its first export) and its folder `name`."""
    alive = run_in_progress(context.instance)
    return (sets.staging(settings, context.run.run_id, alive=alive),
            sets.part(settings, context.run.run_id, name, alive=alive))


def _table_exports(context: AssetExecutionContext, warehouse: WarehouseResource, schema: str,
                   part: str, dictionary: bool) -> MaterializeResult:
    """Every table of `schema` as Parquet and CSV, unless the tables, their descriptions and the code that
    writes them are what the published files were made from (a new quarter of hours leaves the 344,000 rows
    of restricted.student_feedback at national scale as they were)."""
    settings = warehouse.settings()
    export_set, folder = _set_part(context, settings, part)
    docs = table_docs(dbt_project.manifest_path, schema)
    name = f"tables_{schema}"
    with warehouse.connect() as con:
        tables = _exported_tables(context, con, schema, docs)
        current = fingerprint(
            tables={t: unchanged.table_fingerprint(con, schema, t) for t in tables},
            docs={t: repr(docs.get(t)) for t in tables}, schema=schema, dictionary=dictionary,
            code=files_fingerprint([Path(__file__).with_name(f) for f in ("tables.py", "csv_dialect.py")]))
        shown = unchanged.unchanged(export_set, name, current)
        reused = shown is not None
        if not reused:
            with Publication(folder, prune=["*.parquet", "*.csv"]) as publication:
                rows = {table: export_table(con, schema, table, docs.get(table), publication) for table in tables}
                if dictionary:
                    write_data_dictionary(con, schema, tables, docs, publication.temp(DICTIONARY_NAME), rows)
            if part in sets.PRIVATE_PARTS:
                for path in publication.published:
                    private_file(path, data_group())
            shown = {"rows": rows, "files": [path.name for path in publication.published]}
            unchanged.record(export_set, name, current, publication.published, shown)
        else:
            context.log.info(f"the tables of {schema} are unchanged since they were exported: the files stand")
    if not tables:  # expected for restricted until its models exist; for marts a sign of trouble
        (context.log.warning if schema == MARTS else context.log.info)(f"schema {schema} holds no table to export")
    return MaterializeResult(metadata={
        "path": MetadataValue.path(str(settings.exports_dir / part)),
        "tables": len(tables),
        "rows": MetadataValue.json(shown["rows"]),
        "files": MetadataValue.json(shown["files"]),
        "unchanged": reused,
    })


@asset(key=AssetKey([GROUP, "bi_tables"]), deps=MARTS_KEYS, group_name=GROUP, pool=WRITER_POOL,
       kinds={"parquet", "csv"},
       description="exports/bi/<table>.parquet (Power BI, dbt's descriptions in the field metadata) and "
                   "<table>.csv (Excel, Dutch locale) for every marts table, and DATA_DICTIONARY.md.")
def bi_tables(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    return _table_exports(context, warehouse, MARTS, "bi", dictionary=True)


@asset(key=AssetKey([GROUP, "bi_duckdb"]), deps=MARTS_KEYS, group_name=GROUP, pool=WRITER_POOL,
       kinds={"duckdb"},
       description="exports/bi/wellbeing_marts.duckdb: the marts schema only, in DuckDB 1.4's storage format, "
                   "for analysts' SQL; swapped in whole, so an open connection keeps the old copy.")
def bi_duckdb(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    settings = warehouse.settings()
    _export_set, folder = _set_part(context, settings, "bi")
    docs = table_docs(dbt_project.manifest_path, MARTS)
    with warehouse.connect() as con, Publication(folder) as publication:
        tables = _exported_tables(context, con, MARTS, docs)
        write_duckdb_copy(con, MARTS, tables, docs, publication.temp(COPY_NAME))
    return MaterializeResult(metadata={"path": MetadataValue.path(str(settings.exports_dir / "bi" / COPY_NAME)),
                                       "tables": len(tables),
                                       "size_bytes": (folder / COPY_NAME).stat().st_size})


@asset(key=AssetKey([GROUP, "restricted"]), deps=RESTRICTED_KEYS or MARTS_KEYS, group_name=GROUP,
       pool=WRITER_POOL, kinds={"parquet", "csv"},
       description="exports/restricted/<table>.parquet and .csv for the restricted.* tables (individual "
                   "feedback), apart from the BI exports. Never in exports/bi.")
def restricted_tables(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    return _table_exports(context, warehouse, RESTRICTED, "restricted", dictionary=False)


@asset(key=AssetKey([GROUP, "dbt_docs"]), deps=MARTS_KEYS + RESTRICTED_KEYS, group_name=GROUP, pool=WRITER_POOL,
       kinds={"dbt"},
       description="exports/docs/: dbt's documentation site (index.html opens from a file share), "
                   "manifest.json and catalog.json.")
def dbt_docs(context: AssetExecutionContext, warehouse: WarehouseResource, dbt: DbtCliResource) -> MaterializeResult:
    settings = warehouse.settings()
    export_set, folder = _set_part(context, settings, "docs")
    with warehouse.connect() as con:  # the site shows the project and the built tables' columns, not the rows
        current = fingerprint(project=files_fingerprint(dbt_project_files()),
                                        columns=built_columns(con))
    index = str(settings.exports_dir / "docs" / "index.html")  # where readers find it, wherever the folder moved
    if (shown := unchanged.unchanged(export_set, "dbt_docs", current)) is not None:
        context.log.info("dbt project and the built tables' columns unchanged: the published docs stand")
        return MaterializeResult(metadata={"path": MetadataValue.path(index),
                                           "files": MetadataValue.json(shown["files"]), "unchanged": True})
    files = generate_docs(settings, folder, dbt.dbt_executable, Path(dbt.project_dir),
                          Path(dbt.profiles_dir or dbt.project_dir), build_manifest=latest_build_manifest(settings))
    shown = {"path": index, "files": [f.name for f in files]}
    unchanged.record(export_set, "dbt_docs", current, files, shown)
    return MaterializeResult(metadata={"path": MetadataValue.path(shown["path"]),
                                       "files": MetadataValue.json(shown["files"]), "unchanged": False})


def built_columns(con) -> list[tuple]:
    """Every column of the tables and views dbt builds (all schemas but the loaders' raw and ops)."""
    return con.execute("""SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns
                          WHERE table_catalog = current_database() AND table_schema NOT IN ('raw', 'ops')
                          ORDER BY ALL""").fetchall()


def _charts(context: AssetExecutionContext, warehouse: WarehouseResource, name: str, tables: list[str],
            draw, prune: str, **inputs) -> MaterializeResult:
    """Draw and publish charts from marts `tables`, unless those tables, the drawing code and `inputs` are what
    the published charts were drawn from (then the same charts and previews are shown again)."""
    settings = warehouse.settings()
    export_set, folder = _set_part(context, settings, "charts")
    with warehouse.connect() as con:
        current = fingerprint(
            tables={t: unchanged.table_fingerprint(con, MARTS, t) for t in tables}, min_cell=settings.min_cell,
            code=files_fingerprint([Path(charts.__file__)]), dpi=[CHART_DPI, PREVIEW_DPI], **inputs)
        shown = unchanged.unchanged(export_set, name, current)
        if shown is None:
            figures = draw(con, settings.min_cell, log=context.log.warning)
    if shown is not None:
        context.log.info(f"{', '.join(tables)} unchanged since the charts were drawn: the published charts stand")
        return MaterializeResult(metadata=_charts_metadata(settings.exports_dir / "charts", shown, unchanged_inputs=True))
    previews = {}
    rendered = render(figures, CHART_DPI, PREVIEW_DPI / CHART_DPI)  # in worker processes when there are many
    with Publication(folder, prune=[prune]) as publication:
        for chart, (png, preview) in rendered.items():
            publication.temp(f"{chart}.png").write_bytes(png)
            previews[chart] = preview
    shown = {"charts": sorted(figures), "previews": previews}
    unchanged.record(export_set, name, current, [folder / f"{chart}.png" for chart in figures], shown)
    context.log.info(f"{len(figures)} charts made for {settings.exports_dir / 'charts'}")
    return MaterializeResult(metadata=_charts_metadata(settings.exports_dir / "charts", shown, unchanged_inputs=False))


def _charts_metadata(folder: Path, shown: dict, unchanged_inputs: bool) -> dict:
    metadata = {"path": MetadataValue.path(str(folder)),
                "charts": MetadataValue.json([f"{chart}.png" for chart in shown["charts"]]),
                "unchanged": unchanged_inputs}
    for chart, markdown in shown["previews"].items():
        metadata[chart] = MetadataValue.md(markdown)
    return metadata


@asset(key=AssetKey([GROUP, "participation_charts"]),
       deps=_marts("participation_institution", "participation_by_location", "participation_by_domain"),
       group_name=GROUP, pool=WRITER_POOL, kinds={"matplotlib"},
       description="exports/charts/participation_by_location.png, participation_by_domain.png (the latest "
                   "complete calendar year, per quarter, participated beside available) and "
                   "participation_trend.png (the institution over all quarters).")
def participation_charts(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    # which year is the latest complete one depends on the date too
    return _charts(context, warehouse, "participation_charts",
                   ["participation_institution", "participation_by_location", "participation_by_domain"],
                   charts.participation_charts, "participation_*.png", today=date.today())


@asset(key=AssetKey([GROUP, "wellbeing_charts"]), deps=_marts("wellbeing_indicators"), group_name=GROUP,
       pool=WRITER_POOL, kinds={"matplotlib"},
       description="exports/charts/wellbeing_<indicator>.png: per indicator the trend over the survey years, "
                   "the institution and each location, with 95 % confidence intervals; suppressed cells marked.")
def wellbeing_charts(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    return _charts(context, warehouse, "wellbeing_charts", ["wellbeing_indicators"], charts.wellbeing_charts,
                   "wellbeing_*.png")


@asset(key=AssetKey([GROUP, "serving_postgres"]), deps=[*MARTS_KEYS, AssetKey([GROUP, "published"])],
       group_name=GROUP, pool=WRITER_POOL, kinds={"postgres"},
       description="Every marts table published into schema `marts` of the PostgreSQL serving database "
                   "(WB_SERVING_DSN), replaced in one transaction, for many BI users at once, after the files "
                   "(exports/published), so it never shows a state the files do not. Does nothing while "
                   "WB_SERVING_DSN is unset.")
def serving_postgres(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    settings = warehouse.settings()
    if not settings.serving_dsn:
        context.log.info("WB_SERVING_DSN is not set: no serving database to publish to")
        return MaterializeResult(metadata={"published": False, "reason": "WB_SERVING_DSN is not set"})
    docs = table_docs(dbt_project.manifest_path, MARTS)
    try:
        with warehouse.connect() as con:
            rows = publish_marts(con, settings.serving_dsn, _exported_tables(context, con, MARTS, docs), docs,
                                 reader_role=settings.serving_reader)
    except psycopg.OperationalError as exc:  # server away, lock timeout behind a long BI query: transient
        context.log.warning(f"serving database {redact_dsn(settings.serving_dsn)}: {str(exc).strip()[:300]}")
        raise RetryRequested(max_retries=3, seconds_to_wait=60) from exc
    return MaterializeResult(metadata={"published": True, "database": redact_dsn(settings.serving_dsn),
                                       "schema": "marts", "tables": len(rows), "rows": MetadataValue.json(rows)})


FILE_EXPORTS = [bi_tables, bi_duckdb, restricted_tables, dbt_docs, participation_charts, wellbeing_charts]


@asset(key=AssetKey([GROUP, "published"]), deps=FILE_EXPORTS, group_name=GROUP, pool=WRITER_POOL,
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
