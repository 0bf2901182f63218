"""Quarantine: a rejected file's exact copy and a readable report beside it, readable by the owner only.

The copy holds raw student numbers, so `quarantine/` is created 0o700 and every file in it 0o600. Names are
bounded (a copy's name keeps well under the 255 bytes a file system allows, whatever the delivered name) and
unique (time, source and the start of the content's SHA-256), and they contain nothing `safe_text` would mask,
so the name an alert shows is the name on disk. Every text of the report passes `safe_text`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

from assets.common.masking import count_text, safe_text
from assets.common.settings import Settings
from assets.ingest.delivery import open_regular
from expectations.validate import Violation

#: Bytes of the delivered name kept in the copy's name (the rest of the name: ~50 bytes; suffixes ~12).
NAME_BYTES = 120
PRIVATE_DIR, PRIVATE_FILE = 0o700, 0o600


def private_dir(folder: Path) -> Path:
    """`folder`, created (or tightened) to be readable by its owner only."""
    folder.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    os.chmod(folder, PRIVATE_DIR)
    return folder


def _private_file(path: Path):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), PRIVATE_FILE)
    os.fchmod(fd, PRIVATE_FILE)
    return os.fdopen(fd, "wb")


def bounded_name(name: str, limit: int = NAME_BYTES) -> str:
    """`name` shown safely, cut to `limit` UTF-8 bytes keeping its extension; no path separators."""
    shown = safe_text(name).replace("/", "_")
    if len(shown.encode("utf-8")) <= limit:
        return shown
    stem, dot, ext = shown.rpartition(".")
    ext = f".{ext}" if dot and len(ext) <= 10 else ""
    keep = (stem if ext else shown).encode("utf-8")[: limit - len(ext.encode("utf-8")) - 1]
    return keep.decode("utf-8", "ignore") + "~" + ext


def copy_name(source: str, sha256: str, delivered: str, now: dt.datetime) -> str:
    """`2026-12-07T05-23-38_<source>_<sha 8 hex in two halves>_<delivered name, bounded>`."""
    return f"{now:%Y-%m-%dT%H-%M-%S}_{source}_{sha256[:4]}-{sha256[4:8]}_{bounded_name(delivered)}"


class SourceGone(OSError):
    """The rejected file is no longer there to copy (removed, or replaced by a link or a pipe, since it was read)."""


def quarantine(settings: Settings, path: Path, *, source: str, subdir: str, file: str, sha256: str, message: str,
               violations: list[Violation], suite: list[str]) -> Path:
    """Copy the rejected file to quarantine/ with a report (Markdown and JSON) beside it; return the report.
    Raises `SourceGone` (no name in its text) when the file cannot be opened any more."""
    try:
        source_file = open_regular(path, settings.landing_dir)
    except OSError:
        raise SourceGone("the rejected file is no longer there as a regular file") from None
    with source_file:
        return _quarantine(settings, path, source_file, source=source, subdir=subdir, file=file, sha256=sha256,
                           message=message, violations=violations, suite=suite)


def _quarantine(settings: Settings, path: Path, source_file, *, source: str, subdir: str, file: str, sha256: str,
                message: str, violations: list[Violation], suite: list[str]) -> Path:
    folder = private_dir(settings.quarantine_dir)
    now = dt.datetime.now()
    copy = folder / copy_name(source, sha256, path.name, now)
    partial = copy.with_name(copy.name + ".partial")  # a killed copy is cleaned up by a later scan
    with _private_file(partial) as dst:
        shutil.copyfileobj(source_file, dst, 1 << 20)
    partial.replace(copy)
    report = copy.with_name(copy.name + ".report.md")
    lines = [
        f"# Rejected: {safe_text(file)}",
        "",
        f"- source: {source} ({subdir})",
        f"- file SHA-256: {sha256}",
        f"- rejected at: {now.isoformat(timespec='seconds')}",
        f"- copy of the file: {copy.name}",
        "",
        "The whole file was rejected: none of its rows was loaded and everything published before stays as it was.",
        "Correct the file and drop the corrected version into the landing zone; the next run loads it.",
        "",
        "## Problems",
        "",
        safe_text(message),
    ]
    if violations:
        lines += ["", "| row | column | rule | value |", "|---|---|---|---|"]
        for v in violations:
            value = "" if v.value is None else safe_text(v.value).replace("|", "\\|")[:200]
            row = "" if v.row is None else count_text(v.row)
            lines.append(f"| {row} | {safe_text(v.column)} | {safe_text(v.rule)} | {value} |")
    if suite:
        lines += ["", "## Expectation suite", "", *(safe_text(line) for line in suite)]
    with _private_file(report) as fh:
        fh.write(("\n".join(lines) + "\n").encode("utf-8"))
    shown = [{"row": v.row, "column": safe_text(v.column), "rule": safe_text(v.rule),
              "value": None if v.value is None else safe_text(v.value)} for v in violations]
    with _private_file(report.with_suffix(".json")) as fh:
        fh.write(json.dumps({"file": safe_text(file), "sha256": sha256, "source": source, "message": safe_text(message),
                             "violations": shown, "suite": [safe_text(line) for line in suite]},
                            indent=2).encode("utf-8"))
    return report
