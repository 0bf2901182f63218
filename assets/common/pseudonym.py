"""Pseudonymisation of student numbers (landing contract, "Loading rules").

The same normalised number gives the same pseudonym in every source, so sources join without the raw number
ever reaching the warehouse. Callers pseudonymise *distinct* numbers and join back: HMAC per distinct value,
not per row.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable


def normalise_student_number(raw: str) -> str:
    """Trim and drop leading zeros (`' 0612345 '` → `'612345'`); an all-zero number stays `'0'`."""
    text = str(raw).strip()
    stripped = text.lstrip("0")
    return stripped if stripped else ("0" if text else "")


def pseudonymise(raw: str, key: str) -> str:
    """HMAC-SHA256(key, normalised number) as 64 hex characters."""
    return hmac.new(key.encode("utf-8"), normalise_student_number(raw).encode("utf-8"), hashlib.sha256).hexdigest()


def pseudonymise_many(raw_numbers: Iterable[str], key: str) -> list[str]:
    """`pseudonymise` of each value in order (the keyed HMAC state is built once, then copied per value)."""
    return Pseudonymiser(key).many(raw_numbers)


class Pseudonymiser:
    """Pseudonyms that are remembered: one HMAC per distinct number for a whole scan, where a student's
    number recurs in every month's file (at national scale 60 files hold ~2.7 M file-distinct numbers of a few
    hundred thousand students). The raw numbers live only in this object, in memory, for the scan."""

    def __init__(self, key: str):
        self._base = hmac.new(key.encode("utf-8"), digestmod=hashlib.sha256)
        self._known: dict[str, str] = {}

    def many(self, raw_numbers: Iterable[str]) -> list[str]:
        out = []
        for raw in raw_numbers:
            pseudo = self._known.get(raw)
            if pseudo is None:
                h = self._base.copy()
                h.update(normalise_student_number(raw).encode("utf-8"))
                pseudo = self._known[raw] = h.hexdigest()
            out.append(pseudo)
        return out


def pseudonym_map(raw_numbers: Iterable[str], key: str) -> dict[str, str]:
    """Pseudonyms for the distinct raw values given (as they appear in the file)."""
    return {raw: pseudonymise(raw, key) for raw in set(raw_numbers)}


def mask(raw: str) -> str:
    """What a report may show of a student number: its length and last two characters only."""
    text = str(raw).strip()
    if len(text) <= 2:
        return "*" * len(text)
    return "*" * (len(text) - 2) + text[-2:]


def mask_sql(expr: str) -> str:
    """The SQL twin of `mask`, for reports built in bulk."""
    return (f"CASE WHEN length({expr}) <= 2 THEN repeat('*', length({expr})) "
            f"ELSE repeat('*', length({expr}) - 2) || right({expr}, 2) END")
