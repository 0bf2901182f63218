"""The benchmark's pieces (bench/): what it holds back for the incremental refresh, how it links the landing zone,
how it measures a process tree, and that its comparison finds a wrong value. No timings are asserted."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pandas as pd
import pytest

from bench import measure
from bench.benchmark import held_out, link_tree, scale_label
from bench.compare import compare


def _touch(path: Path, text: str = "x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_the_last_quarter_of_hours_and_its_pool_snapshot_are_held_out(tmp_path):
    hours = tmp_path / "participation" / "hours"
    for month in ("2024-06", "2024-07", "2024-09"):
        _touch(hours / f"uren_{month}.csv")
    _touch(hours / "uren_2024-08.xlsx")
    _touch(tmp_path / "participation" / "pool" / "pool_2024-Q2.csv")
    pool = _touch(tmp_path / "participation" / "pool" / "pool_2024-Q3.csv")
    assert held_out(tmp_path) == sorted([hours / "uren_2024-07.csv", hours / "uren_2024-08.xlsx",
                                         hours / "uren_2024-09.csv", pool])


def test_link_tree_keeps_bytes_and_modification_times(tmp_path):
    src = tmp_path / "src"
    a = _touch(src / "a" / "one.csv", "1")
    b = _touch(src / "b.csv", "2")
    os.utime(a, (1_600_000_000, 1_600_000_000))
    assert link_tree(src, tmp_path / "dst", skip={b}) == 1
    copy = tmp_path / "dst" / "a" / "one.csv"
    assert copy.read_text() == "1" and copy.stat().st_mtime == 1_600_000_000
    assert not (tmp_path / "dst" / "b.csv").exists()
    assert scale_label(0.05) == "0_05" and scale_label(50) == "50"


def test_measure_counts_the_memory_of_child_processes(tmp_path):
    # the parent holds little; its child allocates ~150 MB: the tree's peak must include the child
    child = "import time; b = bytearray(150 * 2**20); b[::4096] = b'x' * len(b[::4096]); time.sleep(1.5)"
    parent = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {child!r}])"
    result = measure.run([sys.executable, "-c", parent], log=tmp_path / "log.txt", interval=0.05)
    assert result.returncode == 0 and not result.timed_out
    assert result.peak_rss_mb > 150
    assert result.seconds >= 1.5


def test_measure_stops_a_run_at_its_time_out(tmp_path):
    result = measure.run([sys.executable, "-c", "import time; time.sleep(60)"], timeout=1, log=tmp_path / "l")
    assert result.timed_out and result.seconds < 30


def _frames(n_participated: int = 7, value: float = 20.0) -> dict[str, pd.DataFrame]:
    part = pd.DataFrame([
        {"level": "institution", "group_name": "all", "quarter": "2024-Q1", "location": None, "domain": None,
         "programme_code": None, "n_students": 100, "n_available": 9, "n_participated": n_participated,
         "hours_total": 50.5, "pct_available": 9.0, "pct_participated": float(n_participated), "suppressed": False},
        {"level": "location", "group_name": "Delft", "quarter": "2024-Q1", "location": "Delft", "domain": None,
         "programme_code": None, "n_students": 5, "n_available": None, "n_participated": None,
         "hours_total": None, "pct_available": None, "pct_participated": None, "suppressed": True},
    ])
    wellbeing = pd.DataFrame([{"survey_year": 2024, "level": "institution", "group_name": "all",
                               "indicator": "k10_mean", "n_respondents": 30, "value": value, "suppressed": False}])
    return {"participation": part, "wellbeing_indicators": wellbeing}


def test_compare_accepts_equal_results_and_names_a_wrong_value():
    assert compare(_frames(), _frames())["equal"]
    wrong = compare(_frames(), _frames(n_participated=8))
    assert not wrong["equal"] and any("n_participated" in m for m in wrong["first_mismatches"])
    wrong = compare(_frames(), _frames(value=20.5))
    assert not wrong["equal"] and any("value" in m for m in wrong["first_mismatches"])
    fewer = _frames()
    fewer["participation"] = fewer["participation"].iloc[:1]
    assert not compare(_frames(), fewer)["equal"]
