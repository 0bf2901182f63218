"""`wellbeing rekey`: a deliberate change of the pseudonymisation key, by loading everything again under it.

Pseudonyms cannot be translated from one key to another (that would need the raw numbers, which the warehouse
never holds), but the landing zone keeps every delivered file. So re-keying empties the raw tables, forgets
which files were accepted and loaded (with their pseudonymised copies in `state/accepted/`) and what the last
build was made from, records the new key's fingerprint, all in one transaction, and then runs
`wellbeing materialize --full`: every file is validated, pseudonymised and loaded again, every model rebuilt
and the exports published anew. Rejected files stay rejected (their content has not changed).

`wellbeing rekey --adopt` records the key of a warehouse from before the fingerprint without loading anything
again, when the operator knows it is the key its rows were made with and no file in the landing zone can prove
it (key_guard.py); refused once a fingerprint is recorded.

Refused while an accepted file is no longer in the landing zone with the content that was loaded (its rows would
be lost), unless the operator accepts that (`--accept-missing`).
"""

from __future__ import annotations

from collections.abc import Callable

from assets.common.key_guard import fingerprint, record_fingerprint, stored_fingerprint
from assets.common.settings import ConfigurationError, Settings
from assets.common.warehouse import RAW_TABLES, connect
from assets.ingest.engine import accepted_path, sha256_of

#: what the loads remember about earlier runs, forgotten so that every file loads again
FORGOTTEN = ("DELETE FROM ops.landing_files WHERE status = 'accepted'", "DELETE FROM ops.loaded_partitions",
             "DELETE FROM ops.builds", "DELETE FROM ops.incremental_builds")


def missing_contents(settings: Settings, accepted: list[tuple[str, str, str]]) -> list[str]:
    """Accepted files (source, name as recorded, SHA-256) whose content is no longer in the landing zone.

    Found by content, not by name: the recorded name is the masked one (assets/common/masking.py), and a file
    renamed since holds the same rows."""
    present = {sha256_of(path) for path in settings.landing_dir.rglob("*") if path.is_file() and not path.is_symlink()}
    return [rel for _source, rel, sha in accepted if sha not in present]


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


def reset_for_new_key(settings: Settings, accept_missing: bool = False, out: Callable[[str], None] = print) -> bool:
    """Forget every pseudonymised row and record the new key; False when the warehouse already has this key."""
    key = settings.require_key()
    with connect(settings.warehouse_path) as con:
        if stored_fingerprint(con) == fingerprint(key):
            out("The warehouse's pseudonyms are already made with this WB_PSEUDONYM_KEY: nothing to re-key.")
            return False
        accepted = con.execute("SELECT source, file, file_sha256 FROM ops.landing_files WHERE status = 'accepted' "
                               "ORDER BY file").fetchall()
        missing = missing_contents(settings, accepted)
        if missing and not accept_missing:
            raise ConfigurationError(
                f"{len(missing)} loaded file(s) are no longer in the landing zone as loaded, so re-keying would "
                f"lose their rows: {', '.join(missing[:10])}{' …' if len(missing) > 10 else ''}. Put them back "
                "(from a backup), or run `wellbeing rekey --accept-missing` to load only what is there.")
        con.execute("BEGIN TRANSACTION")
        for table in RAW_TABLES:
            con.execute(f"DELETE FROM raw.{table}")
        for statement in FORGOTTEN:
            con.execute(statement)
        record_fingerprint(con, key)
        con.execute("COMMIT")
    for source, _rel, sha in accepted:  # after the commit: until then the old rows and their copies belong together
        accepted_path(settings, source, sha).unlink(missing_ok=True)
    out(f"Re-keying: {len(accepted)} accepted file(s) forgotten, raw tables emptied, the new key's fingerprint "
        f"recorded{f'; {len(missing)} file(s) no longer in the landing zone are left out' if missing else ''}. "
        "Loading everything again …")
    return True
