"""The loading rules of the landing contract, shared by every source.

Two steps, so that a partitioned source reads each file once:

1. `scan` finds the source's files, and for each content it has not seen (by SHA-256) reads it, validates it
   whole, pseudonymises it and keeps the accepted rows as Parquet under `state/accepted/` – or rejects the
   file whole: a copy and a readable report go to `quarantine/`, an alert is recorded, nothing is loaded.
2. `load` upserts accepted rows into `raw.<table>` by natural key, newest file winning, for the requested
   partitions (quarters, survey years) or all; each (file, partition) loads once, so re-running never
   duplicates a row and a file loaded before loads nothing new.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from assets.common.alerts import record_alert
from assets.common.landing_files import FileFormatError, read_landing_file
from assets.common.masking import safe_text
from assets.common.private import private_dir, private_file
from assets.common.pseudonym import Pseudonymiser
from assets.common.settings import ConfigurationError, Settings, data_group
from assets.common.warehouse import upsert
from assets.ingest.delivery import Delivery, list_delivery, open_regular, unchanged_since
from assets.ingest.quarantine import SourceGone, quarantine
from expectations.specs import STUDENT_NUMBER, SourceSpec
from expectations.validate import ValidationResult, Violation, complete_suite, validate

log = logging.getLogger(__name__)

ALL = "*"  # the partition of an unpartitioned source
#: The machine's problems, not the file's: they fail the run (the file is judged on a later run), never reject it.
MACHINE_ERRORS = (MemoryError, OSError, duckdb.IOException, duckdb.OutOfMemoryException)
#: A `.tmp` / `.partial` file this old was left by a killed run (a live one is still writing it).
LEFTOVER_SECONDS = 3600
SUPPORTED = (".csv", ".txt", ".xlsx", ".xlsm")
SAME_CONTENT = ("same content as an earlier file of this scan",)
#: New files read and checked ahead, in threads, while the previous one is validated by GX and written.
READ_AHEAD = 2


@dataclass
class Source:
    """How one landing source is read: where its files are and how rows become raw rows."""

    spec: SourceSpec
    #: SQL over the typed relation (`t`) giving each row's partition key; None for unpartitioned sources
    partition_sql: str | None = None
    #: columns to fill from others after typing (see expectations.validate)
    derived: dict[str, str] = field(default_factory=dict)
    #: files directly in the folder only (students/ must not pick up students/duo/)
    recursive: bool = False
    #: file names to read (reference/ reads programmes.csv only); None = every supported file
    names: tuple[str, ...] | None = None
    #: replaces read + validate for sources with their own layout (DUO); returns (relation, result)
    reader: Callable[[Path, duckdb.DuckDBPyConnection, Settings], tuple[str | None, ValidationResult]] | None = None

    @property
    def name(self) -> str:
        return self.spec.name


@dataclass
class FileOutcome:
    file: str
    sha256: str
    status: str          # accepted | unchanged | rejected | previously_rejected
    rows: int = 0
    message: str = ""
    partitions: list[str] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    suite: list[str] = field(default_factory=list)  # what the source's GX suite found (report lines)


@dataclass
class IngestReport:
    source: str
    files: list[FileOutcome] = field(default_factory=list)
    rows_upserted: int = 0
    partitions_loaded: list[str] = field(default_factory=list)
    #: files still being written (or changed while read): not judged now, they wait for a later run
    waiting: list[str] = field(default_factory=list)

    @property
    def rejected(self) -> list[FileOutcome]:
        return [f for f in self.files if f.status == "rejected"]

    def metadata(self) -> dict:
        counts: dict[str, int] = {}
        for f in self.files:
            counts[f.status] = counts.get(f.status, 0) + 1
        return {
            "files_seen": len(self.files), **{f"files_{k}": v for k, v in sorted(counts.items())},
            "rows_upserted": self.rows_upserted,
            "rejected": safe_text("; ".join(f"{f.file}: {f.message}" for f in self.rejected) or "none"),
            "files_waiting": safe_text(", ".join(self.waiting) or "none"),
        }

    def waiting_note(self) -> str | None:
        """The line the output shows for files left for a later run (not a rejection)."""
        if not self.waiting:
            return None
        return safe_text(f"{self.source}: {len(self.waiting)} file(s) still being written or changed while read, "
                         f"left for the next run: {', '.join(self.waiting)}")


# --- discovery ----------------------------------------------------------------------------------------------


def delivery(source: Source, settings: Settings) -> Delivery:
    """The source's entries: settled regular files (oldest first), files still changing, refused entries."""
    return list_delivery(settings.landing_dir / source.spec.landing_subdir, recursive=source.recursive,
                         names=source.names, settle_seconds=settings.landing.settle_seconds,
                         root=settings.landing_dir)


def discover(source: Source, settings: Settings) -> list[Path]:
    """The source's delivered files, oldest first (by modification time, then name): later files win upserts."""
    return [path for path, _info in delivery(source, settings).files]


def shown_name(settings: Settings, path: Path) -> str:
    """A landing file's name as every message, table and report shows it (`safe_text`)."""
    return safe_text(path.relative_to(settings.landing_dir).as_posix())


def sha256_of(path: Path, root: Path | None = None) -> str:
    digest = hashlib.sha256()
    with open_regular(path, root) as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


# --- step 1: scan -------------------------------------------------------------------------------------------


class ScanFailed(RuntimeError):
    """The scan could not go on (memory, disk, a file system error): its text has passed `safe_text`."""


def scan(source: Source, settings: Settings, con: duckdb.DuckDBPyConnection, run_id: str | None = None,
         today: dt.date | None = None) -> IngestReport:
    """Validate every new file of the source; accept (cache) or reject (quarantine + alert) it whole.

    Each file is read and checked in bulk SQL in its own in-memory database, once: every rule of the source's
    spec is one query there. A file the checks reject also gets the source's GX suite (built from the same
    spec), whose result goes into its quarantine report; an accepted file is not checked again (the test suite
    shows that the bulk checks accept exactly what the suite passes: tests/quality/test_suites.py). Files are
    recorded in the order found.

    Whatever stops the scan surfaces as `ScanFailed` with its text through `safe_text` (an OSError names the
    file, and a file's name may hold a student number); the files not recorded yet are judged on a later run."""
    try:
        return _scan(source, settings, con, run_id, today)
    except ConfigurationError:
        raise  # its own text, about the settings
    except ScanFailed as exc:
        failure = exc
    except Exception as exc:  # noqa: BLE001 - re-raised below, its text made safe
        first = (str(exc).strip().splitlines() or [""])[0][:300]
        failure = ScanFailed(safe_text(f"{source.name}: the scan stopped ({exc.__class__.__name__}: {first})"))
        failure = failure.with_traceback(exc.__traceback__)
    raise failure  # outside the handler: the original exception (and its raw text) is not attached


def _clean_leftovers(settings: Settings, source: Source) -> None:
    """Remove what a killed run left half-written: `state/accepted/<source>/*.tmp`, `quarantine/*.partial`."""
    stale = dt.datetime.now().timestamp() - LEFTOVER_SECONDS
    for folder, pattern in ((accepted_path(settings, source.name, "x").parent, "*.tmp"),
                            (settings.quarantine_dir, "*.partial")):
        for leftover in folder.glob(pattern) if folder.is_dir() else ():
            try:
                if os.lstat(leftover).st_mtime < stale:
                    leftover.unlink()
            except FileNotFoundError:
                pass


def _scan(source: Source, settings: Settings, con: duckdb.DuckDBPyConnection, run_id: str | None,
          today: dt.date | None) -> IngestReport:
    _clean_leftovers(settings, source)
    pseudonyms = Pseudonymiser(settings.require_key())
    report = IngestReport(source.name)

    def record(item: _FileRead, outcome: FileOutcome) -> None:
        _record(source, settings, con, report, item.path, item.mtime, outcome, run_id)

    found = delivery(source, settings)
    report.waiting = [shown_name(settings, p) for p in found.waiting]
    for path, info, kind in found.refused:
        _refuse(source, settings, con, report, path, info, kind, run_id)
    files = []  # (path, rel, sha, what ops.landing_files knows of that content or SAME_CONTENT, stat at listing)
    for path, info in found.files:
        rel = shown_name(settings, path)
        try:
            sha = sha256_of(path, settings.landing_dir)
        except PermissionError:
            _refuse(source, settings, con, report, path, info, "a file this process may not read", run_id)
            continue
        except OSError:  # removed, or replaced by something else, since it was listed
            report.waiting.append(rel)
            continue
        known = con.execute(
            "SELECT status, rows, partitions, message FROM ops.landing_files WHERE source = ? AND file_sha256 = ?",
            [source.name, sha]).fetchone()
        if not known and any(f[2] == sha for f in files):
            known = SAME_CONTENT  # a copy of a file found earlier in this scan: as that one turns out
        files.append((path, rel, sha, known, info))
    new = [i for i, (_p, _r, _h, known, _i) in enumerate(files) if not known]  # files to read, in order
    reads: dict[int, Future] = {}
    # Reading and the bulk SQL checks of the next files run in threads (DuckDB works outside the GIL) while this
    # thread pseudonymises and writes; besides the current file at most READ_AHEAD wait in memory.
    with ThreadPoolExecutor(max_workers=READ_AHEAD, thread_name_prefix="landing-read") as pool:
        for i, (path, rel, sha, known, _info) in enumerate(files):
            if known is SAME_CONTENT:
                earlier = next((f for f in report.files if f.sha256 == sha), None)
                if earlier is None:  # the earlier copy changed while it was read: both wait
                    report.waiting.append(rel)
                    continue
                known = ("accepted" if earlier.status == "accepted" else "rejected", earlier.rows, earlier.partitions,
                         earlier.message)
            if known:
                status = "unchanged" if known[0] == "accepted" else "previously_rejected"
                report.files.append(FileOutcome(rel, sha, status, known[1] or 0, known[3] or "", list(known[2] or [])))
                continue
            while new and len(reads) <= READ_AHEAD:  # submitted in file order, so file i is among them
                j = new.pop(0)
                p, r, h, _known, listed = files[j]
                mtime = dt.datetime.fromtimestamp(listed.st_mtime)
                reads[j] = pool.submit(_read, source, settings, p, r, h, mtime, listed, today)
            item = reads.pop(i).result()
            if item.changed:
                item.con.close()
                report.waiting.append(rel)
                continue
            if item.machine is not None:
                item.con.close()
                raise ScanFailed(item.machine)
            if item.result is not None and not item.result.ok:
                _report_suite(item)  # a rejected file's report has the suite's findings too
            record(item, _finish(source, settings, item, pseudonyms))
    return report


def _report_suite(item: _FileRead) -> None:
    """Run the GX suite of a rejected file for its report. The bulk checks' verdict and findings stand either
    way: a suite that fails to run only leaves its section out of the report (and says why in the log)."""
    if item.result is None or item.failure is not None:
        return
    try:
        complete_suite(item.result)
    except MACHINE_ERRORS:
        raise
    except Exception as exc:  # noqa: BLE001 - the report's extra section, not the verdict
        item.result.pending_suite = None
        log.warning("%s: the GX suite could not run for the report (%s)", safe_text(item.rel), exc.__class__.__name__)


def _refuse(source: Source, settings: Settings, con: duckdb.DuckDBPyConnection, report: IngestReport, path: Path,
            info: os.stat_result, kind: str, run_id: str | None) -> None:
    """Reject an entry that is not a regular file without opening it: no copy, no content, once per entry."""
    rel = shown_name(settings, path)
    # not a content hash (the entry is never read): what it is, where, and which inode, so it is reported once
    sha = hashlib.sha256(f"refused\0{kind}\0{rel}\0{info.st_ino}\0{info.st_mtime_ns}".encode()).hexdigest()
    if con.execute("SELECT 1 FROM ops.landing_files WHERE source = ? AND file_sha256 = ?",
                   [source.name, sha]).fetchone():
        report.files.append(FileOutcome(rel, sha, "previously_rejected", 0, ""))
        return
    message = (f"{kind}: only regular files in the landing zone itself, readable by the pipeline, are loaded "
               "(it was not read, copied or quarantined)")
    outcome = FileOutcome(rel, sha, "rejected", 0, message, [], [Violation(None, "(file)", message, None)])
    _record(source, settings, con, report, path, dt.datetime.fromtimestamp(info.st_mtime), outcome, run_id,
            copy=False)


def _record(source: Source, settings: Settings, con: duckdb.DuckDBPyConnection, report: IngestReport, path: Path,
            mtime: dt.datetime, outcome: FileOutcome, run_id: str | None, copy: bool = True) -> None:
    """Note a file's outcome in ops.landing_files and ops.load_log; a rejected file is alerted and (unless it is
    not a regular file) quarantined."""
    rel, sha = outcome.file, outcome.sha256
    if outcome.status == "rejected":
        try:
            report_path = quarantine(settings, path, source=source.name, subdir=source.spec.landing_subdir,
                                     file=rel, sha256=sha, message=outcome.message, violations=outcome.violations,
                                     suite=outcome.suite) if copy else None
        except SourceGone:  # removed or replaced since it was read: nothing recorded, it waits for the next run
            report.waiting.append(rel)
            return
        con.execute("INSERT INTO ops.landing_files VALUES (?, ?, ?, ?, 'rejected', 0, [], ?, ?, current_timestamp)",
                    [source.name, rel, sha, mtime, outcome.message, None if report_path is None else str(report_path)])
        if report_path is not None:
            action = (f"Lees het rapport {report_path.name} in {{folder}} (rijnummers, kolom, regel, "
                      "waarde), laat de bron het bestand verbeteren en zet de verbeterde versie in de landing "
                      "zone; de volgende run laadt die.")
        else:
            action = ("Zet het bestand zelf in de landing zone (geen symbolische link of ander speciaal bestand), "
                      "leesbaar voor de pipeline, en haal dit item weg; de volgende run laadt het.")
        record_alert(
            con, severity="error", kind="rejected_file", source=source.name, file=rel, run_id=run_id,
            settings=settings, subject=f"Bestand afgewezen: {rel}",
            message=f"{rel} is in zijn geheel afgewezen; er is niets van geladen. {outcome.message}", action=action,
            folder=settings.quarantine_dir)
    else:
        con.execute("INSERT INTO ops.landing_files VALUES (?, ?, ?, ?, 'accepted', ?, ?, NULL, NULL, current_timestamp)",
                    [source.name, rel, sha, mtime, outcome.rows, outcome.partitions])
    con.execute(
        """INSERT INTO ops.load_log (source, file, file_sha256, file_mtime, status, rows_in_file, message, run_id)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
        [source.name, rel, sha, mtime, outcome.status, outcome.rows, outcome.message or None, run_id])
    report.files.append(outcome)


def accepted_path(settings: Settings, source: str, sha: str) -> Path:
    return settings.data_dir / "state" / "accepted" / source / f"{sha}.parquet"


@dataclass
class _FileRead:
    """One new file, read into its own in-memory database and checked in bulk; its suite may still be due."""

    path: Path
    rel: str
    sha: str
    mtime: dt.datetime
    con: duckdb.DuckDBPyConnection
    typed: str | None = None
    result: ValidationResult | None = None
    failure: FileOutcome | None = None  # the file could not be read at all
    machine: str | None = None  # the machine failed reading it (memory, disk): the run fails, the file waits
    changed: bool = False  # modified, replaced or removed since it was listed: judged on a later run


def _read(source: Source, settings: Settings, path: Path, rel: str, sha: str, mtime: dt.datetime,
          listed: os.stat_result, today: dt.date | None) -> _FileRead:
    """Read and check one file; whatever goes wrong in its readers (a parser's error or panic) is its rejection."""
    item = _FileRead(path, rel, sha, mtime, duckdb.connect())
    try:
        item.typed, item.result = _typed(source, settings, path, item.con, today, defer_suite=True)
    except (KeyboardInterrupt, SystemExit):
        item.con.close()
        raise
    except MACHINE_ERRORS as exc:
        first = (str(exc).strip().splitlines() or [""])[0][:300]
        item.machine = safe_text(f"{rel}: the machine could not read the file ({exc.__class__.__name__}: {first}); "
                                 "it was not judged and is read again on the next run")
    except BaseException as exc:  # noqa: BLE001 - also a Rust reader's panic (pyo3's PanicException)
        item.failure = _failure(rel, sha, exc)
    item.changed = not unchanged_since(path, listed)
    return item


def _finish(source: Source, settings: Settings, item: _FileRead, pseudonyms: Pseudonymiser) -> FileOutcome:
    """Reject the file, or pseudonymise it and keep its accepted rows as Parquet; closes its database."""
    rel, sha, con, result = item.rel, item.sha, item.con, item.result
    try:
        if item.failure is not None:
            return item.failure
        if not result.ok:
            return FileOutcome(rel, sha, "rejected", result.rows, safe_text(result.summary()), [],
                               result.violations, result.suite_lines)
        rows = _pseudonymised(con, item.typed, source.spec, pseudonyms)
        part = source.partition_sql or f"'{ALL}'"
        out = accepted_path(settings, source.name, sha)
        private_dir(out.parent.parent, data_group())  # pseudonymised rows: individual data, owner only
        private_dir(out.parent, data_group())
        tmp = out.with_suffix(".tmp")
        con.execute(
            f"""COPY (SELECT t.* EXCLUDE (_row), {part} AS _partition, ? AS _source_file, ? AS _file_sha256,
                       CAST(? AS TIMESTAMP) AS _file_mtime FROM ({rows}) t) TO '{tmp}' (FORMAT parquet)""",
            [rel, sha, item.mtime])
        tmp.replace(out)
        private_file(out, data_group())
        parts = [r[0] for r in con.execute(
            f"SELECT DISTINCT _partition FROM read_parquet('{out}') ORDER BY 1").fetchall()]
        return FileOutcome(rel, sha, "accepted", result.rows, "", parts)
    except MACHINE_ERRORS:
        raise  # the warehouse's disk or memory, not the file: the run fails and says so (`scan`)
    except (duckdb.Error, ValueError, KeyError) as exc:
        return _failure(rel, sha, exc)
    finally:
        con.close()


def _failure(rel: str, sha: str, exc: BaseException) -> FileOutcome:
    """A file that could not be read as a rejection: the reason shown safely (`safe_text`)."""
    if isinstance(exc, FileFormatError):
        message = safe_text(exc)
        return FileOutcome(rel, sha, "rejected", 0, message, [], [Violation(exc.row, "(file)", message, None)])
    # Unexpected for a well-formed file; the class and first line only (no cell values reach the report).
    first = (str(exc).strip().splitlines() or [""])[0][:160]
    message = safe_text(f"the file could not be read ({exc.__class__.__name__}: {first})")
    return FileOutcome(rel, sha, "rejected", 0, message, [], [Violation(None, "(file)", message, None)])


def _typed(source: Source, settings: Settings, path: Path, con: duckdb.DuckDBPyConnection,
           today: dt.date | None = None, defer_suite: bool = False) -> tuple[str | None, ValidationResult]:
    """Read and validate one file into `con`: (the typed relation, the validation result)."""
    if path.suffix.lower() not in SUPPORTED:
        raise FileFormatError(f"unsupported file type '{path.suffix}': deliver CSV (.csv) or Excel (.xlsx)")
    if source.reader is not None:
        return source.reader(path, con, settings, defer_suite=defer_suite)
    table = read_landing_file(path, con, mapping=column_mapping(settings, source.name), limits=settings.landing,
                              root=settings.landing_dir)
    result = validate(table, source.spec, today=today, derived=source.derived or None, defer_suite=defer_suite)
    return result.typed, result


def partitions_of(source: Source, settings: Settings, path: Path) -> list[str] | None:
    """The partitions a landing file holds, read in memory without loading or recording anything (for the
    landing sensor); None when the file is not valid (the scan will reject and report it)."""
    con = duckdb.connect()
    try:
        typed, result = _typed(source, settings, path, con, defer_suite=True)  # the bulk checks decide
        if not result.ok:
            return None
        part = source.partition_sql or f"'{ALL}'"
        return [r[0] for r in con.execute(f"SELECT DISTINCT {part} FROM {typed} t ORDER BY 1").fetchall()]
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # noqa: BLE001 - any reader failure: the scan rejects and reports the file
        return None
    finally:
        con.close()


def _pseudonymised(con: duckdb.DuckDBPyConnection, typed: str, spec: SourceSpec, pseudonyms: Pseudonymiser) -> str:
    """A SELECT of `typed` with every student-number column replaced by `pseudo_id`: HMAC per distinct number,
    then a join, written straight into the accepted Parquet (no copy of the table in between).

    The distinct numbers go in and their pseudonyms come back as one Arrow table registered on `con` for the
    rest of the file's life (not a row-by-row insert: at national scale a file holds ~10^5 distinct numbers)."""
    import pyarrow as pa

    rows = f"SELECT * FROM {typed}"
    for i, col in enumerate(c.name for c in spec.columns if c.kind == STUDENT_NUMBER):
        distinct = con.execute(f'SELECT DISTINCT "{col}" FROM {typed} WHERE "{col}" IS NOT NULL').fetchall()
        raw = [number for (number,) in distinct]
        con.register(f"_pseudonyms_{i}", pa.table({"raw": pa.array(raw, pa.string()),
                                                   "pseudo_id": pa.array(pseudonyms.many(raw), pa.string())}))
        rows = (f'SELECT t.* EXCLUDE ("{col}"), p.pseudo_id FROM ({rows}) t '
                f'JOIN _pseudonyms_{i} p ON p.raw = t."{col}"')
    return rows


# --- step 2: load ------------------------------------------------------------------------------------------


def load(source: Source, settings: Settings, con: duckdb.DuckDBPyConnection, partitions: list[str] | None = None,
         run_id: str | None = None) -> IngestReport:
    """Upsert accepted rows of the requested partitions (None = all) that were not loaded before.

    Every file's rows to load go into one upsert, in one transaction (newest file winning per key, as if the
    files were loaded one after another, oldest first): one pass over raw.<table> however many files arrive."""
    report = IngestReport(source.name)
    wanted = None if partitions is None else set(partitions)
    todo: list[tuple[str, str, list[str]]] = []
    for rel, sha, parts in unloaded(con, source.name):
        these = [p for p in parts if wanted is None or p in wanted or p == ALL]
        if these:
            todo.append((rel, sha, these))
    if not todo:
        return report
    selects = " UNION ALL BY NAME ".join(
        f"SELECT * FROM read_parquet('{accepted_path(settings, source.name, sha)}') "
        f"WHERE _partition IN ({', '.join('?' for _ in parts)})" for _rel, sha, parts in todo)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _staged AS
                SELECT * EXCLUDE (_partition), ?::TIMESTAMP AS _loaded_at FROM ({selects})""",
            [load_stamp(con, source.name), *(p for _rel, _sha, parts in todo for p in parts)])
        written = upsert(con, source.name, "_staged")
        con.execute("DROP TABLE _staged")
        con.executemany("INSERT INTO ops.loaded_partitions VALUES (?, ?, ?, current_timestamp, ?)",
                        [(source.name, sha, p, run_id) for _rel, sha, parts in todo for p in parts])
        con.executemany(
            """INSERT INTO ops.load_log (source, file, file_sha256, status, rows_upserted, message, run_id)
               VALUES (?, ?, ?, 'loaded', ?, ?, ?)""",
            [(source.name, rel, sha, written.get(sha, 0), "partitions " + ", ".join(parts), run_id)
             for rel, sha, parts in todo])
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    report.rows_upserted = sum(written.values())
    for _rel, _sha, parts in todo:
        report.partitions_loaded.extend(p for p in parts if p not in report.partitions_loaded)
    return report


def unloaded(con: duckdb.DuckDBPyConnection, source: str) -> list[tuple[str, str, list[str]]]:
    """(file, SHA-256, partitions) of every accepted file of a source, oldest first, with the partitions not
    loaded from it yet (`ops.loaded_partitions`); files with none left out."""
    accepted = con.execute(
        """SELECT file, file_sha256, partitions FROM ops.landing_files
           WHERE source = ? AND status = 'accepted' ORDER BY file_mtime, file""", [source]).fetchall()
    loaded = {(sha, p) for sha, p in con.execute(
        "SELECT file_sha256, partition FROM ops.loaded_partitions WHERE source = ?", [source]).fetchall()}
    files = [(rel, sha, [p for p in (parts or []) if (sha, p) not in loaded]) for rel, sha, parts in accepted]
    return [(rel, sha, parts) for rel, sha, parts in files if parts]


def load_stamp(con: duckdb.DuckDBPyConnection, table: str):
    """The `_loaded_at` of a load into `raw.<table>`: now, and always later than every row the table holds.

    A raw table's data version is its row count and latest `_loaded_at` (assets/common/warehouse.py
    `load_version`): a stamp that never repeats nor goes back, even when the clock does (a time-server
    correction, a restored VM), is what makes every load that wrote a row change it."""
    return con.execute(f"""SELECT greatest(current_timestamp::TIMESTAMP,
                                           max(_loaded_at) + INTERVAL 1 MICROSECOND)
                           FROM raw.{table}""").fetchone()[0]


def column_mapping(settings: Settings, source: str) -> dict[str, str]:
    """The per-source column mapping: shipped defaults, then the data engineer's file on top."""
    from expectations.column_mapping import load_mapping

    return load_mapping(settings, source)
