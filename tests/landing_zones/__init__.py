"""The tests' landing zones, one module per hand-made zone, written with the one writer below.

- `hand_worked`: every participation rule with its figures worked out by hand (tests/e2e, tests/operations);
- `exports`: names and values that exercise every export rule (tests/exports);
- `surveys`: every source with two survey years (tests/postgres).
"""

from __future__ import annotations

from pathlib import Path


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """A landing file with `text`, its folders made."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding=encoding)
    return path
