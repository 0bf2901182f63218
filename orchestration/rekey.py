"""`wellbeing rekey`: a deliberate change of the pseudonymisation key, by loading everything again under it.

Pseudonyms cannot be translated from one key to another (that would need the raw numbers, which the warehouse
never holds), but the landing zone keeps every delivered file. So re-keying keeps the raw tables and what the
loads remember aside (schema `rekey_backup`, and the pseudonymised copies of accepted files under
`state/rekey_backup/`), empties them, records the new key's fingerprint, all in one transaction, and then runs
`wellbeing materialize --full`: every file is validated, pseudonymised and loaded again, every model rebuilt
and the exports published anew. Only when that run succeeded and every file accepted before is accepted
again is the backup dropped (`finish`); otherwise the old rows, records and key are put back and the files not
loaded again are named (`restore`), so a file rejected now, or one that could not be read, loses no row.

What is in the landing zone is what the loads would read: each source's own delivery listing
(assets/ingest/engine.py), so hidden files, folders no source reads and other files of reference/ do not count.
Refused while an accepted file is no longer delivered with the content that was loaded (its rows would be
lost), unless the operator accepts that (`--accept-missing`).

`wellbeing rekey --adopt` records the key of a warehouse from before the fingerprint without loading anything
again, when the operator knows it is the key its rows were made with and no file in the landing zone can prove
it (key_guard.py); refused once a fingerprint is recorded.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable

import duckdb

from assets.common.key_guard import fingerprint, record_fingerprint, stored_fingerprint
from assets.common.masking import safe_text
from assets.common.settings import ConfigurationError, Settings
from assets.common.warehouse import RAW_TABLES, connect
from assets.ingest import duo, participation, students, survey
from assets.ingest.engine import Source, accepted_path, delivery, sha256_of, shown_name

SOURCES: tuple[Source, ...] = (participation.HOURS, participation.POOL, students.COUNTS, students.REGISTER,
                               duo.ENROLMENT, survey.RESPONSES)
BACKUP = "rekey_backup"
#: what the loads remember about earlier runs, forgotten so that every file loads again (and kept aside)
FORGOTTEN = {"landing_files": "status = 'accepted'", "loaded_partitions": "true"}
_ACCEPTED = "SELECT source, file, file_sha256 FROM ops.landing_files WHERE status = 'accepted'"


def present_contents(settings: Settings) -> tuple[dict[str, set[str]], list[str]]:
    """Per source, the SHA-256 of every file its loads would read now; and the files that could not be read
    (their names as messages show them)."""
    present: dict[str, set[str]] = {}
    unreadable: list[str] = []
    for source in SOURCES:
        shas = present.setdefault(source.name, set())
        for path, _info in delivery(source, settings).files:
            try:
                shas.add(sha256_of(path))
            except OSError:
                unreadable.append(shown_name(settings, path))
    return present, unreadable


def missing_contents(settings: Settings, accepted: list[tuple[str, str, str]]) -> list[str]:
    """Accepted files (source, name as recorded, SHA-256) whose content its source no longer delivers.

    Found by content, not by name: the recorded name is the masked one (assets/common/masking.py), and a file
    renamed since holds the same rows."""
    present, _unreadable = present_contents(settings)
    return [rel for source, rel, sha in accepted if sha not in present.get(source, set())]


def adopt_key(settings: Settings, out: Callable[[str], None] = print) -> None:
    """Record WB_PSEUDONYM_KEY as the key of a warehouse that has no record of its key (the operator's word)."""
    key = settings.require_key()
    with connect(settings.warehouse_path) as con:
        stored = stored_fingerprint(con)
        if stored is not None:
            raise ConfigurationError(
                "this warehouse's key is recorded already"
                + (" and it is this WB_PSEUDONYM_KEY: nothing to adopt" if stored == fingerprint(key) else
                   ", and WB_PSEUDONYM_KEY is another: `--adopt` only records the key of a warehouse from before "
                   "the fingerprint; to change the key run `wellbeing rekey` without it") + ".")
        record_fingerprint(con, key)
    out("WB_PSEUDONYM_KEY recorded as the key of this warehouse's pseudonyms (on your word: nothing was checked).")


def _backup_dir(settings: Settings):
    return settings.data_dir / "state" / "rekey_backup"


def reset_for_new_key(settings: Settings, accept_missing: bool = False, out: Callable[[str], None] = print) -> bool:
    """Keep the pseudonymised rows aside, forget them and record the new key; False when the warehouse already
    has this key."""
    key = settings.require_key()
    with connect(settings.warehouse_path) as con:
        if con.execute("SELECT count(*) FROM information_schema.schemata WHERE schema_name = ?",
                       [BACKUP]).fetchone()[0]:
            if stored_fingerprint(con) == fingerprint(key):
                out("Finishing a re-keying to this key that was interrupted: loading everything again …")
                return True
            raise ConfigurationError(
                f"an earlier `wellbeing rekey` did not finish (schema {BACKUP} holds the rows from before it) and "
                "WB_PSEUDONYM_KEY is not its new key: run `wellbeing rekey` with that key to finish it.")
        if stored_fingerprint(con) == fingerprint(key):
            out("The warehouse's pseudonyms are already made with this WB_PSEUDONYM_KEY: nothing to re-key.")
            return False
        accepted = con.execute(f"{_ACCEPTED} ORDER BY file").fetchall()
        present, unreadable = present_contents(settings)
        missing = [rel for source, rel, sha in accepted if sha not in present.get(source, set())]
        if missing and not accept_missing:
            raise ConfigurationError(safe_text(
                f"{len(missing)} loaded file(s) are no longer in the landing zone as loaded, so re-keying would "
                f"lose their rows: {', '.join(missing[:10])}{' …' if len(missing) > 10 else ''}"
                + (f" (files that could not be read: {', '.join(unreadable[:10])})" if unreadable else "")
                + ". Put them back (from a backup), or run `wellbeing rekey --accept-missing` to load only what "
                "is there."))
        con.execute("BEGIN TRANSACTION")
        con.execute(f"CREATE SCHEMA {BACKUP}")
        for table in RAW_TABLES:
            con.execute(f"CREATE TABLE {BACKUP}.raw_{table} AS SELECT * FROM raw.{table}")
            con.execute(f"DELETE FROM raw.{table}")
        for table, where in (*FORGOTTEN.items(), ("pseudonym_key", "true")):
            con.execute(f"CREATE TABLE {BACKUP}.ops_{table} AS SELECT * FROM ops.{table} WHERE {where}")
            con.execute(f"DELETE FROM ops.{table} WHERE {where}")
        record_fingerprint(con, key)
        con.execute("COMMIT")
    backup = _backup_dir(settings)
    for source, _rel, sha in accepted:  # after the commit; the reload writes copies under the new key
        copy = accepted_path(settings, source, sha)
        if copy.exists():
            (backup / source).mkdir(parents=True, exist_ok=True)
            copy.replace(backup / source / copy.name)
    out(f"Re-keying: {len(accepted)} accepted file(s) set aside, raw tables emptied, the new key's fingerprint "
        f"recorded{f'; {len(missing)} file(s) no longer in the landing zone are left out' if missing else ''}. "
        "Loading everything again …")
    return True


def not_accepted_again(settings: Settings) -> list[str]:
    """Files accepted before the re-keying and delivered still that the reload did not accept again."""
    with connect(settings.warehouse_path) as con:
        before = con.execute(f"SELECT source, file, file_sha256 FROM {BACKUP}.ops_landing_files").fetchall()
        now = {(source, sha) for source, _rel, sha in con.execute(_ACCEPTED).fetchall()}
    present, _unreadable = present_contents(settings)
    return [rel for source, rel, sha in before if sha in present.get(source, set()) and (source, sha) not in now]


def finish(settings: Settings) -> None:
    """The reload succeeded: drop what was kept aside."""
    with connect(settings.warehouse_path) as con:
        con.execute(f"DROP SCHEMA {BACKUP} CASCADE")
    shutil.rmtree(_backup_dir(settings), ignore_errors=True)


def restore(settings: Settings) -> None:
    """The reload failed: the rows, the records and the key from before the re-keying, in one transaction."""
    with connect(settings.warehouse_path) as con:
        reloaded = con.execute(f"{_ACCEPTED} AND source || '/' || file_sha256 NOT IN "
                               f"(SELECT source || '/' || file_sha256 FROM {BACKUP}.ops_landing_files)").fetchall()
        con.execute("BEGIN TRANSACTION")
        for table in RAW_TABLES:
            con.execute(f"DELETE FROM raw.{table}")
            con.execute(f"INSERT INTO raw.{table} SELECT * FROM {BACKUP}.raw_{table}")
        for table in (*FORGOTTEN, "pseudonym_key"):
            con.execute(f"DELETE FROM ops.{table}" + (
                " WHERE status = 'accepted' OR source || '/' || file_sha256 IN "
                f"(SELECT source || '/' || file_sha256 FROM {BACKUP}.ops_landing_files)"
                if table == "landing_files" else ""))
            con.execute(f"INSERT INTO ops.{table} SELECT * FROM {BACKUP}.ops_{table}")
        con.execute(f"DROP SCHEMA {BACKUP} CASCADE")
        con.execute("COMMIT")
    for source, _rel, sha in reloaded:  # files first accepted by the reload: forgotten again, with their copies
        accepted_path(settings, source, sha).unlink(missing_ok=True)
    backup = _backup_dir(settings)
    for copy in backup.rglob("*.parquet") if backup.is_dir() else []:
        copy.replace(accepted_path(settings, copy.parent.name, copy.stem))
    shutil.rmtree(backup, ignore_errors=True)


def rekey(settings: Settings, accept_missing: bool, reload: Callable[[], int],
          out: Callable[[str], None] = print) -> int:
    """Re-key and reload (`reload`: `wellbeing materialize --full`); the old state back unless all loaded again."""
    if not reset_for_new_key(settings, accept_missing=accept_missing, out=out):
        return 0
    try:
        code = reload()
        lost = not_accepted_again(settings)
    except BaseException:
        restore(settings)
        out("Re-keying failed: the rows and the key from before it are back.")
        raise
    if code == 0 and not lost:
        finish(settings)
        return 0
    restore(settings)
    out(safe_text(
        "Re-keying undone: the rows, the records and the key from before it are back"
        + (f"; {len(lost)} file(s) accepted before were not accepted again: {', '.join(lost[:10])}"
           f"{' …' if len(lost) > 10 else ''} (see ops.alerts and quarantine/)" if lost else
           "; the reload did not succeed (see above)")
        + ". The exports may show the reload: run `wellbeing materialize --full` with the old key to publish the "
        "old state again, fix the cause, then re-key."))
    return 1
