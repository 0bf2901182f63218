"""Compare a baseline's results (hand-written DuckDB, pandas) with the pipeline's marts, value by value.

Every participation row of every level must exist in both with the same `n_students`; the measures
(`n_available`, `n_participated`, `hours_total`, `pct_*`) must be equal wherever the pipeline publishes them (the
baselines apply only the primary disclosure rule, a base below the threshold; the pipeline also suppresses
complementary cells and small hours, and publishes no number for a quarter outside a source's data). At the
institution level the `suppressed` flag must be equal too. The wellbeing indicators the
baselines compute must have the pipeline's `n_respondents` and, where published, its value.
"""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import pandas as pd

GROUP = {"institution": [], "location": ["location"], "domain": ["domain"], "programme": ["programme_code", "location"]}
MART = {"institution": "participation_institution", "location": "participation_by_location",
        "domain": "participation_by_domain", "programme": "participation_by_programme"}
MEASURES = ("n_available", "n_participated", "hours_total", "pct_available", "pct_participated")


def pipeline_marts(warehouse: Path) -> dict[str, pd.DataFrame]:
    """The pipeline's participation marts (one frame with `level` and `group_name`) and wellbeing indicators."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        frames = []
        for level, mart in MART.items():
            frame = con.execute(f"select * from marts.{mart}").df()
            frame["level"] = level
            frame["group_name"] = {"institution": "all", "location": frame.get("location"),
                                   "domain": frame.get("domain"), "programme": frame.get("programme_code")}[level]
            frames.append(frame)
        wellbeing = con.execute(
            "select survey_year, level, group_name, indicator, n_respondents, value, suppressed "
            "from marts.wellbeing_indicators where level in ('institution', 'location')").df()
    finally:
        con.close()
    return {"participation": pd.concat(frames, ignore_index=True), "wellbeing_indicators": wellbeing}


def _same(a, b, tol: float = 1e-9) -> bool:
    a_na, b_na = a is None or pd.isna(a), b is None or pd.isna(b)
    if a_na or b_na:
        return a_na and b_na
    return math.isclose(float(a), float(b), rel_tol=tol, abs_tol=tol)


def compare(pipeline: dict[str, pd.DataFrame], baseline: dict[str, pd.DataFrame]) -> dict:
    """A summary: rows compared per table, and the first mismatches (empty when everything agrees)."""
    problems: list[str] = []
    checked = {"participation_rows": 0, "participation_values": 0, "wellbeing_rows": 0}
    p_all, b_all = pipeline["participation"], baseline["participation"].copy()
    if "programme_code" not in b_all:
        b_all["programme_code"] = b_all["group_name"].where(b_all["level"] == "programme")
    for level, keys in GROUP.items():
        cols = ["quarter", *keys]
        p = p_all[p_all["level"] == level].set_index(cols)
        b = b_all[b_all["level"] == level].set_index(cols)
        missing, extra = p.index.difference(b.index), b.index.difference(p.index)
        if len(missing) or len(extra):
            problems.append(f"{level}: rows only in the pipeline {list(missing[:3])}, only in the baseline "
                            f"{list(extra[:3])} ({len(missing)} / {len(extra)})")
        for idx in p.index.intersection(b.index):
            prow, brow = p.loc[idx], b.loc[idx]
            checked["participation_rows"] += 1
            if not _same(prow["n_students"], brow["n_students"]):
                problems.append(f"{level} {idx}: n_students {prow['n_students']} vs {brow['n_students']}")
            if level == "institution" and bool(prow["suppressed"]) != bool(brow["suppressed"]):
                problems.append(f"{level} {idx}: suppressed {prow['suppressed']} vs {brow['suppressed']}")
            if bool(prow["suppressed"]):
                if not bool(brow["suppressed"]) and level == "institution":
                    problems.append(f"{level} {idx}: suppressed only in the pipeline")
                continue
            for m in MEASURES:
                if pd.isna(prow[m]):
                    continue  # not published (hours of few students, a quarter without data, no count)
                checked["participation_values"] += 1
                tol = 0.005 if m == "hours_total" else 1e-9
                if not _same(prow[m], brow[m], tol):
                    problems.append(f"{level} {idx}: {m} {prow[m]} vs {brow[m]}")
    pw, bw = pipeline["wellbeing_indicators"], baseline["wellbeing_indicators"]
    keys = ["survey_year", "level", "group_name", "indicator"]
    pw = pw[pw["indicator"].isin(set(bw["indicator"]))].set_index(keys)
    bw = bw.set_index(keys)
    missing, extra = pw.index.difference(bw.index), bw.index.difference(pw.index)
    if len(missing) or len(extra):
        problems.append(f"wellbeing: rows only in the pipeline {list(missing[:3])}, only in the baseline "
                        f"{list(extra[:3])} ({len(missing)} / {len(extra)})")
    for idx in pw.index.intersection(bw.index):
        prow, brow = pw.loc[idx], bw.loc[idx]
        checked["wellbeing_rows"] += 1
        if int(prow["n_respondents"]) != int(brow["n_respondents"]):
            problems.append(f"wellbeing {idx}: n_respondents {prow['n_respondents']} vs {brow['n_respondents']}")
        elif not bool(prow["suppressed"]) and not _same(prow["value"], brow["value"]):
            problems.append(f"wellbeing {idx}: value {prow['value']} vs {brow['value']}")
    return {"equal": not problems, "checked": checked, "mismatches": len(problems), "first_mismatches": problems[:10]}
