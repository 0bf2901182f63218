"""A landing zone of hostile files through `wellbeing materialize` (its own process, as an operator runs it): the
run ends non-zero naming every rejected file (safely), the valid file beside them is judged and accepted, the
file still being written waits with a note, and no raw student number reaches the output, `ops.*`, the
quarantine reports or Dagster's run storage – only the landing zone and the quarantine copies hold one."""

from __future__ import annotations

import os
import re
from pathlib import Path

import duckdb
from dagster import DagsterInstance

from hostile_files import HOURS_HEADER, far_cell_workbook, settled, text_file
from quality_corpus import run_materialize

NUMBERS = ("612345", "700001", "700002", "8123456")
LONG = "u" * 241 + ".csv"


def test_hostile_landing_zone_leaks_nothing_and_blocks_nothing(tmp_path: Path):
    data_dir = tmp_path / "data"
    hours, pool = data_dir / "landing/participation/hours", data_dir / "landing/participation/pool"
    secret = text_file(tmp_path / "elsewhere.csv", "student_number,programme_code\n8123456,34116\n")
    delivered = [
        text_file(hours / "noheader.csv", "h1,612345,34116,Delft,2023-01-02,5\nh2,700001,34116,Delft,2023-01-03,4\n"),
        far_cell_workbook(hours / "far.xlsx"),
        text_file(hours / "mac.csv", HOURS_HEADER + "\nm1,700002,34116,Delft,2023-02-01,3\n", newline="\r"),
        text_file(hours / LONG, HOURS_HEADER + "\nl1,612345,34116,Delft,2023-02-02,25\n"),
    ]
    pool.mkdir(parents=True)
    (pool / "link.csv").symlink_to(secret)
    settled(*delivered, pool / "link.csv")
    text_file(pool / "fresh.csv", "student_number,programme_code,location,available_from,available_until\n700001,")

    result = run_materialize(data_dir, WB_SETTLE_SECONDS="60")
    output = result.stdout + result.stderr

    assert result.returncode == 1, output[-3000:]
    for rejected in ("participation/hours/noheader.csv rejected: record_id: required column missing (columns found: "
                     "h1, ****45, 34116, delft, 2023-01-02, 5)",
                     "participation/hours/far.xlsx rejected: a sheet uses 16,384 columns, more than the limit "
                     "of 1,000 (WB_MAX_COLUMNS)",
                     f"participation/hours/{LONG} rejected: hours: outside the allowed range -24 … 24 (1 row; rows 2)",
                     "participation/pool/link.csv rejected: a symbolic link: only regular files"):
        assert rejected in output, output[-3000:]
    assert ("participation_pool: 1 file(s) still being written or changed while read, left for the next run: "
            "participation/pool/fresh.csv") in output

    con = duckdb.connect(str(data_dir / "warehouse/wellbeing.duckdb"), read_only=True)
    try:
        assert dict(con.execute("SELECT file, status FROM ops.landing_files").fetchall()) == {
            "participation/hours/noheader.csv": "rejected", "participation/hours/far.xlsx": "rejected",
            f"participation/hours/{LONG}": "rejected", "participation/pool/link.csv": "rejected",
            "participation/hours/mac.csv": "accepted"}
        stored = {table: con.execute(f"SELECT * FROM ops.{table}").fetchall()
                  for table in ("alerts", "landing_files", "load_log")}
    finally:
        con.close()
    assert len(stored["alerts"]) == 4

    reports = sorted((data_dir / "quarantine").glob("*.report.*"))
    assert len(reports) == 6  # Markdown and JSON for the three regular files; nothing of the link
    copies = [p for p in (data_dir / "quarantine").iterdir() if p not in reports]
    assert sorted(p.read_bytes() for p in copies) == sorted(p.read_bytes() for p in delivered if p.name != "mac.csv")

    instance = DagsterInstance.from_config(str(data_dir / "dagster_home"))
    try:
        runs = instance.get_runs()
        events = [repr(record) for run in runs for record in instance.all_logs(run.run_id)]
        run_texts = [repr(run.tags) + repr(run.run_config) for run in runs]
    finally:
        instance.dispose()
    assert runs and any("far.xlsx" in e for e in events)  # the rejections are in the event log, safely

    # every byte the pipeline wrote outside the landing zone and the quarantine copies
    written = [p for p in data_dir.rglob("*") if p.is_file() and not p.is_symlink()
               and "landing" not in p.relative_to(data_dir).parts and p not in copies]
    assert any(p.suffix == ".duckdb" for p in written) and any("dagster_home" in p.parts for p in written)
    for number in NUMBERS:
        assert number not in output
        assert number not in repr(stored)
        assert not any(number in r.read_text(encoding="utf-8") for r in reports)
        # as a number of its own: not the digits inside an event's timestamp (1765137412.700001) or a run id
        alone = re.compile(rf"(?<![0-9a-f.]){number}(?![0-9a-f])")
        assert not any(alone.search(text) for text in events + run_texts)
        assert not [p for p in written if number.encode() in p.read_bytes()]
    assert "8123456" not in "".join(p.read_bytes().decode("latin-1") for p in copies)  # the link's target: never read
    assert oct(os.stat(data_dir / "quarantine").st_mode & 0o777) == "0o700"
