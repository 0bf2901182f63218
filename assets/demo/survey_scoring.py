"""Institution-wide indicators of the SWM codebook, computed on numeric item codes (NaN = unanswered).

The generator uses these to calibrate its answer model: each year's answers are shifted until the indicator
lands on the year's target. It is the codebook's scoring for a whole sample, not the warehouse's (dbt
macros own that); the tests check the generated files with their own small computation.
"""

from __future__ import annotations

import numpy as np

K10 = [f"k10_{i}" for i in range(1, 11)]
BRS = [f"brs_{i}" for i in range(1, 7)]
DJG = [f"djg_{i}" for i in range(1, 7)]
EE = [f"ee_{i}" for i in range(1, 6)]
UWES = [f"uwes_{i}" for i in range(1, 10)]
BELONG = [f"belong_{i}" for i in range(1, 5)]
TEACHER = [f"teacher_{i}" for i in range(1, 4)]
PART_A = K10 + BRS + DJG + ["life_sat"] + EE + UWES + BELONG + TEACHER + ["study_stress"]
PART_B = ["ssc_known", "ssc_used", "quit_intention", "support_wanted"]
ITEMS = PART_A + PART_B


def _mean_if(a: np.ndarray, min_answered: int) -> np.ndarray:
    answered = (~np.isnan(a)).sum(axis=1)
    total = np.nansum(a, axis=1)
    return np.where(answered >= min_answered, total / np.maximum(answered, 1), np.nan)


def k10_score(a: np.ndarray) -> np.ndarray:
    return _mean_if(a, 8) * 10


def brs_score(a: np.ndarray) -> np.ndarray:
    a = a.copy()
    a[:, [1, 3, 5]] = 6 - a[:, [1, 3, 5]]
    return _mean_if(a, 5)


def djg_total(a: np.ndarray) -> np.ndarray:
    """a holds codes 1 ja / 2 min of meer / 3 nee."""
    lonely = np.where(np.isnan(a), np.nan, 0.0)
    neg = a[:, [0, 3, 5]]
    pos = a[:, [1, 2, 4]]
    lonely[:, [0, 3, 5]] = np.where(np.isnan(neg), np.nan, (neg <= 2).astype(float))
    lonely[:, [1, 2, 4]] = np.where(np.isnan(pos), np.nan, (pos >= 2).astype(float))
    answered = (~np.isnan(lonely)).sum(axis=1)
    return np.where(answered >= 5, np.nansum(lonely, axis=1), np.nan)


def ee_score(a: np.ndarray) -> np.ndarray:
    return _mean_if(a, 4)


def uwes_score(a: np.ndarray) -> np.ndarray:
    return _mean_if(a, 7)


def belong_score(a: np.ndarray) -> np.ndarray:
    a = a.copy()
    a[:, 3] = 6 - a[:, 3]
    return _mean_if(a, 3)


def teacher_score(a: np.ndarray) -> np.ndarray:
    return _mean_if(a, 3)


def pct(flag: np.ndarray, valid: np.ndarray) -> float:
    return float(100 * flag[valid].mean()) if valid.any() else float("nan")


def share_at_least(score: np.ndarray, bound: float) -> float:
    valid = ~np.isnan(score)
    return pct(score >= bound, valid)


def share_below(score: np.ndarray, bound: float) -> float:
    valid = ~np.isnan(score)
    return pct(score < bound, valid)


def mean(score: np.ndarray) -> float:
    valid = ~np.isnan(score)
    return float(score[valid].mean()) if valid.any() else float("nan")
