"""The pseudonymisation key is the one the warehouse's pseudonyms were made with, or nothing is loaded.

Another key gives every student another pseudonym: a run with it would load students who match none of their
earlier records, and the marts would change without an error. So the warehouse keeps a fingerprint of its key
in `ops.pseudonym_key` (the first run records it) and every writing run compares (`guard_key`); another key
is refused with what to do. Changing the key on purpose is `wellbeing rekey` (orchestration/rekey.py).

The fingerprint is HMAC-SHA256(key, a fixed label), never the key. It tells nothing a pseudonym does not: both
are HMACs under the key, and the label is no student number, so the fingerprint is nobody's pseudonym. Trying
keys against it is as hard as against any pseudonym, which is why weak keys are refused (settings.require_key).
"""

from __future__ import annotations

import hashlib
import hmac

import duckdb

from assets.common.settings import ConfigurationError, Settings

LABEL = b"wellbeing-warehouse: fingerprint of the pseudonymisation key, v1"


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


def guard_key(con: duckdb.DuckDBPyConnection, settings: Settings) -> str:
    """The key, after checking it is fit (settings.require_key) and the warehouse's own; a warehouse without a
    fingerprint takes this key's. Raises ConfigurationError, saying how to proceed, for another key."""
    key = settings.require_key()
    stored = stored_fingerprint(con)
    if stored is None:
        record_fingerprint(con, key)
        return key
    current = fingerprint(key)
    if not hmac.compare_digest(stored, current):
        raise ConfigurationError(
            f"WB_PSEUDONYM_KEY is not the key this warehouse's pseudonyms were made with (fingerprint "
            f"{current[:8]}…, the warehouse's {stored[:8]}…): with it no student would match their earlier "
            "records, so nothing was loaded. Run with the warehouse's key; to change the key on purpose, run "
            "`wellbeing rekey` with the new one (it re-pseudonymises everything from the landing zone; "
            "docs/operations.md).")
    return key
