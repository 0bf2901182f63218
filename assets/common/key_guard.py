"""The pseudonymisation key is the one the warehouse's pseudonyms were made with, or nothing is loaded.

Another key gives every student another pseudonym: a run with it would load students who match none of their
earlier records, and the marts would change without an error. So the warehouse keeps a fingerprint of its key
in `ops.pseudonym_key` (the first run records it) and every writing run compares (`guard_key`); another key
is refused with what to do. Changing the key on purpose is `wellbeing rekey` (orchestration/rekey.py).

The fingerprint is HMAC-SHA256(key, a fixed label), never the key. It tells nothing a pseudonym does not: both
are HMACs under the key, and the label is no student number, so the fingerprint is nobody's pseudonym. Trying
keys against it is as hard as against any pseudonym, which is why weak keys are refused (settings.require_key).

A warehouse from before the fingerprint (pseudonymised rows, no `ops.pseudonym_key`) does not simply take the
next run's key: that key must first be proven to be the one its rows were made with (`proves_key`). A file the
warehouse accepted that is still in the landing zone (found by its SHA-256) is read, some of its student numbers
are pseudonymised with the key, and one of them must be a pseudonym of the raw table (an HMAC under another key
matches none, but for a chance of 2^-256). Without such proof the run is refused: `wellbeing rekey` loads
everything again under the key, or `wellbeing rekey --adopt` records it when the operator knows it is the one.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import stat

from pathlib import Path

import duckdb

from assets.common.landing_files import read_landing_file
from assets.common.pseudonym import pseudonymise
from assets.common.settings import ConfigurationError, Settings
from expectations.column_mapping import load_mapping
from expectations.specs import SOURCES, STUDENT_NUMBER, SourceSpec
from expectations.survey_codebook import SURVEY_RESPONSES

LABEL = b"wellbeing-warehouse: fingerprint of the pseudonymisation key, v1"
#: student numbers of a file pseudonymised to prove a key (one found is proof; more only survive upserts)
SAMPLE = 50


def fingerprint(key: str) -> str:
    """32 hex characters (128 bits: enough to tell keys apart, half of the HMAC withheld)."""
    return hmac.new(key.encode("utf-8"), LABEL, hashlib.sha256).hexdigest()[:32]


def stored_fingerprint(con: duckdb.DuckDBPyConnection) -> str | None:
    row = con.execute("SELECT fingerprint FROM ops.pseudonym_key ORDER BY recorded_at DESC LIMIT 1").fetchone()
    return row[0] if row else None


def record_fingerprint(con: duckdb.DuckDBPyConnection, key: str) -> None:
    """The warehouse's key from now on (its first run, or a re-keying)."""
    con.execute("DELETE FROM ops.pseudonym_key")
    con.execute("INSERT INTO ops.pseudonym_key (fingerprint) VALUES (?)", [fingerprint(key)])


def _pseudonymised_specs() -> list[SourceSpec]:
    """The sources whose raw table holds pseudonyms (`pseudo_id`): those with a student-number column."""
    specs = [*SOURCES.values(), SURVEY_RESPONSES]
    return [spec for spec in specs if any(c.kind == STUDENT_NUMBER for c in spec.columns)]


def holds_pseudonyms(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether any raw table holds a pseudonym (a key is then the warehouse's, recorded or not)."""
    return any(con.execute(f"SELECT EXISTS (SELECT 1 FROM raw.{spec.name})").fetchone()[0]
               for spec in _pseudonymised_specs())


def _sha256(path: Path) -> str:
    """The content's SHA-256; a regular file only (never waits on a pipe put in a file's place)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError("not a regular file")
    digest = hashlib.sha256()
    with os.fdopen(fd, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def proves_key(con: duckdb.DuckDBPyConnection, settings: Settings, key: str) -> bool | None:
    """Whether `key` made the raw tables' pseudonyms, judged on accepted files still in the landing zone:
    True (a pseudonym of theirs found), False (such a file read, none found), None (no file could tell)."""
    verdict = None
    for spec in _pseudonymised_specs():
        accepted = {sha for (sha,) in con.execute(
            "SELECT file_sha256 FROM ops.landing_files WHERE source = ? AND status = 'accepted'",
            [spec.name]).fetchall()}
        folder = settings.landing_dir / spec.landing_subdir
        if not accepted or not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_symlink() or not path.is_file() or path.name.startswith("."):
                continue
            try:
                if _sha256(path) not in accepted:
                    continue
                numbers = _student_numbers(path, settings, spec)
            except (OSError, ValueError, duckdb.Error):
                continue  # unreadable now: another file may tell
            if not numbers:
                continue
            pseudonyms = [pseudonymise(number, key) for number in numbers]
            found = con.execute(f"SELECT count(*) FROM raw.{spec.name} WHERE pseudo_id IN "
                                f"(SELECT unnest(?::VARCHAR[]))", [pseudonyms]).fetchone()[0]
            if found:
                return True
            verdict = False
    return verdict


def _student_numbers(path: Path, settings: Settings, spec: SourceSpec) -> list[str]:
    """Up to SAMPLE distinct student numbers of a landing file, read as the loads read it (in memory only)."""
    column = next(c.name for c in spec.columns if c.kind == STUDENT_NUMBER)
    con = duckdb.connect()
    try:
        table = read_landing_file(path, con, mapping=load_mapping(settings, spec.name), limits=settings.landing)
        if column not in table.columns:
            return []
        rows = con.execute(f'SELECT DISTINCT trim("{column}") FROM {table.name} WHERE trim("{column}") <> \'\' '
                           f'LIMIT {SAMPLE}').fetchall()
        return [number for (number,) in rows]
    finally:
        con.close()


def guard_key(con: duckdb.DuckDBPyConnection, settings: Settings) -> str:
    """The key, after checking it is fit (settings.require_key) and the warehouse's own. A warehouse without a
    fingerprint takes this key's when it holds no pseudonym yet, or when accepted files prove the key
    (`proves_key`). Raises ConfigurationError, saying how to proceed, for another or an unproven key."""
    key = settings.require_key()
    stored = stored_fingerprint(con)
    if stored is None:
        if holds_pseudonyms(con):
            proof = proves_key(con, settings, key)
            if proof is not True:
                raise ConfigurationError(
                    "this warehouse holds pseudonymised rows but no record of the key they were made with (it "
                    "predates the key's fingerprint), and "
                    + ("a file it loaded, still in the landing zone, shows that WB_PSEUDONYM_KEY is not that key"
                       if proof is False else
                       "no file it loaded is still in the landing zone to prove that WB_PSEUDONYM_KEY is that key")
                    + ": nothing was loaded. Run with the warehouse's key; or run `wellbeing rekey` to load "
                    "everything again under this key, or `wellbeing rekey --adopt` if you know it is the key the "
                    "rows were made with (docs/operations.md).")
        record_fingerprint(con, key)
        return key
    if not hmac.compare_digest(stored, fingerprint(key)):
        raise ConfigurationError(
            "WB_PSEUDONYM_KEY is not the key this warehouse's pseudonyms were made with (their fingerprints "
            "differ): with it no student would match their earlier records, so nothing was loaded. Run with the "
            "warehouse's key; to change the key on purpose, run `wellbeing rekey` with the new one (it "
            "re-pseudonymises everything from the landing zone; docs/operations.md).")
    return key
