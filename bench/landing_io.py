"""What the hand-written baselines share: finding the landing files and reading a workbook's first sheet as text.

Deliberately independent of the pipeline's reader (`assets.common.landing_files`): the baselines are what an
analyst would write, and the benchmark compares their results with the pipeline's marts.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pyarrow as pa

from assets.common.pseudonym import pseudonymise_many

#: landing source -> (folder below landing/, whether sub-folders count)
SOURCES = {
    "hours": ("participation/hours", False),
    "pool": ("participation/pool", False),
    "counts": ("students", False),
    "duo": ("students/duo", False),
    "survey": ("survey", True),
}
SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm")


def landing_files(landing: Path, source: str) -> list[Path]:
    """The source's files, oldest first (modification time, then name), as the pipeline orders them."""
    sub, recursive = SOURCES[source]
    folder = landing / sub
    if not folder.is_dir():
        return []
    found = folder.rglob("*") if recursive else folder.iterdir()
    files = [p for p in found if p.is_file() and p.suffix.lower() in SUFFIXES and not p.name.startswith((".", "~$"))]
    return sorted(files, key=lambda p: (p.stat().st_mtime, p.name))


def register_file(landing: Path) -> Path:
    """The programme register: the landing zone's when delivered, else the project's shipped seed."""
    delivered = landing / "reference" / "programmes.csv"
    return delivered if delivered.exists() else Path(__file__).resolve().parents[1] / "dbt_project/seeds/programmes.csv"


def aliases_file() -> Path:
    return Path(__file__).resolve().parents[1] / "dbt_project/seeds/location_aliases.csv"


def header_line(path: Path) -> str:
    with path.open("r", encoding="utf-8-sig", newline="") as fh:
        return fh.readline().rstrip("\r\n")


def delimiter(path: Path) -> str:
    head = re.sub(r'"[^"]*"', "", header_line(path))
    return ";" if head.count(";") >= head.count(",") else ","


def is_qualtrics(path: Path) -> bool:
    """Qualtrics exports carry question texts and `{"ImportId": …}` as rows 2 and 3."""
    with path.open("r", encoding="utf-8-sig", newline="") as fh:
        lines = [fh.readline() for _ in range(3)]
    return '{""ImportId""' in lines[2] or '{"ImportId"' in lines[2]


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def read_xlsx(path: Path) -> tuple[list[str], list[list[str | None]]]:
    """Header (lower case, trimmed) and rows of the first sheet, every cell as text."""
    try:
        from python_calamine import CalamineWorkbook

        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
        grid = sheet.to_python(skip_empty_area=False)
    except ImportError:
        import openpyxl

        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        grid = [list(r) for r in workbook.worksheets[0].iter_rows(values_only=True)]
        workbook.close()
    header = [str(h).strip().lower() for h in grid[0]]
    rows = [[_text(v) for v in row[: len(header)]] for row in grid[1:]]
    while rows and all(v is None for v in rows[-1]):
        rows.pop()
    return header, rows


def xlsx_arrow(path: Path) -> pa.Table:
    """A workbook as an Arrow table of text columns, with the file's path in `path`."""
    header, rows = read_xlsx(path)
    columns = {name: pa.array([r[i] if i < len(r) else None for r in rows], pa.string()) for i, name in enumerate(header)}
    columns["path"] = pa.array([str(path)] * len(rows), pa.string())
    return pa.table(columns)


def normalise(raw: str) -> str:
    text = str(raw).strip()
    stripped = text.lstrip("0")
    return stripped if stripped else ("0" if text else "")


def pseudonym_table(normalised: list[str], key: str) -> pa.Table:
    """HMAC-SHA256 of each distinct normalised number (the contract's pseudonym)."""
    return pa.table({"norm": pa.array(normalised, pa.string()),
                     "pseudo_id": pa.array(pseudonymise_many(normalised, key), pa.string())})


def baseline_main(run, label: str, doc: str, argv: list[str] | None = None) -> int:
    """The command line both baselines share: `python -m bench.<module> LANDING [--out DIR] [--min-cell N]`;
    `run(landing, key, min_cell, brin)` returns the result frames, written as Parquet to DIR."""
    import argparse
    import os
    import time

    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("landing", type=Path)
    parser.add_argument("--out", type=Path, help="folder for the results as Parquet")
    parser.add_argument("--min-cell", type=int, default=int(os.environ.get("WB_MIN_CELL", "10")))
    args = parser.parse_args(argv)
    started = time.perf_counter()
    results = run(args.landing, os.environ["WB_PSEUDONYM_KEY"], args.min_cell, os.environ.get("WB_BRIN", "27PZ"))
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        for name, frame in results.items():
            frame.to_parquet(args.out / f"{name}.parquet", index=False)
    print(f"{label}: {time.perf_counter() - started:.1f} s, "
          + ", ".join(f"{k}: {len(v)} rows" for k, v in results.items()))
    return 0
