"""`generate_landing`: the seeded demo landing zone, written period by period.

Order: population (small arrays) → student counts → per quarter the pool snapshot and that quarter's
timesheet lines (written month by month; corrections delivered in the next month's file wait one quarter at
most) → survey exports. Only one quarter of hours lines is in memory at a time, so scale 50 (~1.3 M students
a year, ~7 M timesheet lines) runs in bounded memory (about 0.6 GB peak).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from assets.common.quarters import parse_quarter

from . import counts, survey_files
from .dates import month_key
from .participation import simulate
from .participation_files import hours_file, pool_file
from .population import build_population
from .targets import QUARTERS, all_targets
from .timesheets import quarter_lines, role_of_students


def generate_landing(out_dir: Path, scale: float = 1.0, seed: int = 42, progress: bool = True) -> dict:
    """Write a realistic demo landing zone into `out_dir` (the `landing/` folder) and return a summary.

    Same (scale, seed) → byte-identical files with the same modification times. Files of an earlier run
    with other settings are overwritten where names coincide, never deleted (the landing zone is append-only
    by contract); use an empty directory for a clean demo.
    """
    if not scale > 0:
        raise ValueError(f"scale must be positive, got {scale!r}")
    started = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    rows: dict[str, int] = {}

    steps = 2 + 3 * len(QUARTERS) + len(QUARTERS) + len(survey_files.SURVEY_YEARS)
    bar = tqdm(total=steps, desc="demo landing zone", unit="file", disable=not progress, leave=False)

    bar.set_postfix_str("population")
    pop = build_population(scale, seed)
    targets = all_targets(pop)
    duo_files, n_duo = counts.write_duo(pop, out_dir, scale, seed)
    own_files, n_own = counts.write_own_counts(pop, out_dir, seed)
    files += duo_files + own_files
    rows["students/duo"] = n_duo
    rows["students"] = n_own
    bar.update(2)

    role_of = role_of_students(pop.n_students_total, seed)
    worked = {year: np.zeros(pop.n_students_total, bool) for year in range(2021, 2025)}
    pending = pd.DataFrame()  # corrections delivered in the first month of the next quarter
    rows["participation/hours"] = rows["participation/pool"] = 0
    for qp in simulate(pop, targets, seed):
        bar.set_postfix_str(qp.quarter)
        path, n = pool_file(qp, pop, out_dir, seed)
        files.append(path)
        rows["participation/pool"] += n
        bar.update(1)
        worked[parse_quarter(qp.quarter)[0]][qp.workers] = True

        lines = quarter_lines(qp.quarter, qp.workers, qp.zero_net, pop, role_of, seed)
        if len(pending):
            lines = pd.concat([pending, lines], ignore_index=True)
        year, q = parse_quarter(qp.quarter)
        months = [month_key(year, 3 * (q - 1) + m) for m in (1, 2, 3)]
        for month in months:
            path, n = hours_file(lines[lines["file_month"] == month], month, pop, out_dir, seed)
            files.append(path)
            rows["participation/hours"] += n
            bar.update(1)
        pending = lines[~lines["file_month"].isin(months)]
        del lines
    if len(pending):  # pragma: no cover - corrections of the last month stay in its own file
        raise AssertionError("timesheet corrections left without a file")

    bar.set_postfix_str("survey")
    for year in survey_files.SURVEY_YEARS:
        path, n = survey_files.write_survey_year(pop, year, worked, out_dir, scale, seed)
        files.append(path)
        rows["survey"] = rows.get("survey", 0) + n
        bar.update(1)
    bar.close()

    return {
        "out_dir": str(out_dir),
        "scale": scale,
        "seed": seed,
        "files": [str(p.relative_to(out_dir)) for p in files],
        "rows": rows,
        "students_per_study_year": {sy: pop.n_enrolled(sy) for sy in sorted(pop.years)},
        "seconds": round(time.perf_counter() - started, 1),
    }
