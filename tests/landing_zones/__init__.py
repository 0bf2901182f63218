"""The tests' landing zones, one module per hand-made zone, written with the one writer below.

- `hand_worked`: every participation rule with its figures worked out by hand (tests/e2e, tests/operations);
- `exports`: names and values that exercise every export rule (tests/exports);
- `surveys`: every source with two survey years (tests/postgres).
"""

from __future__ import annotations

import os
from pathlib import Path


def write(path: Path, text: str, encoding: str = "utf-8", mtime: int | None = None) -> Path:
    """A landing file with `text` (bytes in `encoding`, line ends as given), its folders made; `mtime`: its
    modification time (seconds since the epoch)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path
