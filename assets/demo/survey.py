"""Survey responses of one SWM year: who responded, when, and what they answered (numeric item codes).

Respondents are drawn from the students enrolled that spring (study year Y−1), so they join to the same
student numbers as the participation files. Answers come from a small latent model: a general distress
factor shared by all scales plus scale-specific noise, group effects (gender, international, first
generation, first year, having worked through the agency) and a per-year shift. The shift is calibrated per
scale and year on the counted responses, so the institution-wide indicators land on the year's targets
(the national monitor's figures for 2021 and 2023, Inholland's published 2022 figures, plausible values
elsewhere). Non-counted rows (unfinished responses, a student's earlier finished response) come from the
same people and model, so they look real but do not move the counted results.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from . import survey_scoring as sc
from .population import Population
from .sampling import rng_for, round_half_up, sample_k

SURVEY_YEARS = (2021, 2022, 2023, 2024)
#: Counted respondents (× scale); 2021 and 2022 are the published numbers.
COUNTED = {2021: 1847, 2022: 1462, 2023: 1689, 2024: 1571}
UNFINISHED_SHARE = 0.035
SECOND_FINISHED_SHARE = 0.012
ITEM_NONRESPONSE = 0.015
PART_B_SKIP = {2021: 0.38, 2022: 0.36, 2023: 0.34, 2024: 0.31}
FIELDWORK_START = {2021: "2021-05-10", 2022: "2022-05-09", 2023: "2023-05-08", 2024: "2024-05-13"}
FIELDWORK_DAYS = 28

GROUPS = ("vrouw", "other_gender", "international", "first_gen", "first_year", "worked")


@dataclass(frozen=True)
class Scale:
    """An ordinal multi-item scale: answer = clip(round(center + spread × (latent + shift + sigma × noise)))."""

    name: str
    items: list[str]
    lo: int
    hi: int
    center: float
    spread: float
    sigma: float
    rho: float  # loading on the general distress factor (sign = direction of the scale's latent)
    indicator: Callable[[np.ndarray], float]
    targets: dict[int, float]
    reverse: tuple[int, ...] = ()
    effects: dict[str, float] = field(default_factory=dict)
    #: Years whose published figure is another indicator of the same scale: year → (indicator, target).
    other_indicator: dict[int, tuple[Callable[[np.ndarray], float], float]] = field(default_factory=dict)


SCALES = (
    Scale("k10", sc.K10, 1, 5, 2.6, 0.85, 0.7, 0.85, lambda a: sc.share_at_least(sc.k10_score(a), 30),
          {2021: 51, 2022: 48, 2023: 44, 2024: 43},
          effects={"vrouw": 0.15, "other_gender": 0.45, "international": 0.1, "first_gen": 0.1, "worked": -0.05}),
    Scale("brs", sc.BRS, 1, 5, 3.1, 0.7, 0.7, -0.55, lambda a: sc.share_at_least(sc.brs_score(a), 3.0),
          {2021: 53, 2022: 54, 2023: 54, 2024: 54}, reverse=(1, 3, 5),
          effects={"vrouw": -0.2, "other_gender": -0.3, "worked": 0.05}),
    Scale("ee", sc.EE, 1, 7, 3.6, 1.3, 0.6, 0.75, lambda a: sc.share_at_least(sc.ee_score(a), 3.21),
          {2021: 68, 2022: 63, 2023: 59, 2024: 58},
          effects={"vrouw": 0.2, "other_gender": 0.3, "first_year": -0.1, "first_gen": 0.1}),
    Scale("uwes", sc.UWES, 0, 6, 3.3, 1.0, 0.6, -0.35, lambda a: sc.mean(sc.uwes_score(a)),
          {2021: 3.2, 2022: 3.3, 2023: 3.3, 2024: 3.35}, effects={"first_year": 0.15, "worked": 0.15}),
    Scale("belong", sc.BELONG, 1, 5, 3.6, 0.75, 0.6, -0.45, lambda a: sc.share_below(sc.belong_score(a), 3.0),
          {2021: 24, 2022: 22, 2023: 21, 2024: 20}, reverse=(3,),
          effects={"international": -0.5, "first_gen": -0.1, "other_gender": -0.3, "first_year": -0.1, "worked": 0.3}),
    Scale("teacher", sc.TEACHER, 1, 5, 3.6, 0.7, 0.6, -0.2, lambda a: sc.share_at_least(sc.teacher_score(a), 4.0),
          {2021: 36, 2022: 38, 2023: 42, 2024: 44}, effects={"first_year": 0.1}),
    Scale("study_stress", ["study_stress"], 1, 5, 3.3, 1.0, 0.5, 0.6,
          lambda a: sc.share_at_least(a[:, 0], 4), {2021: 46, 2022: 47, 2023: 43, 2024: 41},
          effects={"vrouw": 0.2, "first_gen": 0.1}),
    Scale("life_sat", ["life_sat"], 0, 10, 6.5, 1.6, 0.4, -0.6, lambda a: sc.mean(a[:, 0]),
          {2021: 6.0, 2022: 6.7, 2023: 6.7, 2024: 6.7},
          effects={"other_gender": -0.4, "international": -0.1, "worked": 0.1},
          other_indicator={2022: (lambda a: sc.share_at_least(a[:, 0], 7), 54.0)}),  # Inholland 2022: 54 % ≥ 7
)
#: DJG-6 loneliness: share lonely (total ≥ 2) and severely lonely (≥ 5).
DJG_TARGETS = {2021: (79, 25), 2022: (70, 24.5), 2023: (62, 24), 2024: (61, 23.5)}
DJG_RHO = 0.5
DJG_EFFECTS = {"international": 0.45, "first_year": 0.15, "other_gender": 0.35, "worked": -0.15}
#: Part B yes/no items: (loading on distress, effects, target % ja per year).
PART_B = {
    "ssc_known": (-0.1, {"first_year": -0.3}, {2021: 52, 2022: 58, 2023: 63, 2024: 66}),
    "ssc_used": (0.35, {}, {2021: 9, 2022: 11, 2023: 12, 2024: 13}),
    "quit_intention": (0.45, {"first_year": 0.25, "first_gen": 0.1, "worked": -0.1}, {2021: 33, 2022: 30, 2023: 28, 2024: 27}),
    "support_wanted": (0.55, {"vrouw": 0.15, "other_gender": 0.3}, {2021: 38, 2022: 36, 2023: 33, 2024: 32}),
}


def calibrate(f: Callable[[float], float], target: float, lo: float = -6.0, hi: float = 6.0, iters: int = 36) -> float:
    """The shift at which the (monotone) indicator f crosses target, by bisection."""
    increasing = f(hi) > f(lo)
    for _ in range(iters):
        mid = (lo + hi) / 2
        if (f(mid) < target) == increasing:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def _ordinal(latent: np.ndarray, noise: np.ndarray, shift: float, s: Scale) -> np.ndarray:
    x = s.center + s.spread * (latent[:, None] + shift + s.sigma * noise)
    a = np.clip(np.rint(x), s.lo, s.hi)
    if s.reverse:
        a[:, list(s.reverse)] = s.lo + s.hi - a[:, list(s.reverse)]
    return a


def _djg(latent: np.ndarray, noise: np.ndarray, shift: float, sigma: float) -> np.ndarray:
    """Codes 1 ja / 2 min of meer / 3 nee; x > 0 means a lonely answer on that item."""
    x = latent[:, None] + shift + sigma * noise
    lonely_code_neg = np.where(x > 0.8 * sigma, 1, np.where(x > 0, 2, 3))  # items 1, 4, 6
    lonely_code_pos = np.where(x > 0.8 * sigma, 3, np.where(x > 0, 2, 1))  # items 2, 3, 5
    out = lonely_code_pos.astype(float)
    out[:, [0, 3, 5]] = lonely_code_neg[:, [0, 3, 5]]
    return out


def _djg_parameters(
    latent: np.ndarray, noise: np.ndarray, missing: np.ndarray, counted: np.ndarray, lonely_pct: float, severe_pct: float
) -> tuple[float, float]:
    """Item noise and shift that give the target shares of total ≥ 2 and total ≥ 5, in closed form.

    An item is a lonely answer when shift > −(latent + sigma × noise), so "total ≥ k" holds when the k-th
    smallest of those thresholds (over answered items) is below the shift: the shift for the lonely share is
    a quantile. More item noise makes answers less consistent, so the severe share falls as sigma grows:
    bisection on sigma.
    """
    valid = counted & (missing.sum(axis=1) <= 1)  # the codebook scores DJG with at most one item missing
    if not valid.any():
        return 1.0, 0.0

    def at(sigma: float) -> tuple[float, float]:
        t = np.sort(np.where(missing, np.inf, -(latent[:, None] + sigma * noise))[valid], axis=1)
        second, fifth = t[:, 1], t[:, 4]
        ordered = np.sort(second)
        k = int(np.clip(round(lonely_pct / 100 * len(ordered)), 1, max(len(ordered) - 1, 1)))
        shift = float((ordered[k - 1] + ordered[min(k, len(ordered) - 1)]) / 2)  # exactly k below
        return 100 * float((fifth < shift).mean()), shift

    lo, hi = 0.2, 3.0
    for _ in range(30):
        mid = (lo + hi) / 2
        if at(mid)[0] > severe_pct:
            lo = mid
        else:
            hi = mid
    sigma = (lo + hi) / 2
    return sigma, at(sigma)[1]


@dataclass
class YearResponses:
    """All rows of one survey year, in export order (by start time)."""

    year: int
    meta: pd.DataFrame  # student, kind, started_at, submitted_at, finished, cell, study_year, gender, international, first_generation
    answers: pd.DataFrame  # item columns, numeric codes (part B: 1 ja / 0 nee), NaN = unanswered


def _group_matrix(pop: Population, sy: int, students: np.ndarray, worked: np.ndarray) -> dict[str, np.ndarray]:
    study_year = pop.lookup(sy, pop.years[sy].study_year)[students]
    gender = pop.gender[students]
    return {
        "vrouw": (gender == 1).astype(float),
        "other_gender": (gender >= 2).astype(float),
        "international": pop.international[students].astype(float),
        "first_gen": pop.first_generation[students].astype(float),
        "first_year": (study_year == 1).astype(float),
        "worked": worked[students].astype(float),
    }


def _effect(groups: dict[str, np.ndarray], effects: dict[str, float], rows: np.ndarray) -> np.ndarray:
    out = np.zeros(len(rows))
    for name, size in effects.items():
        out += size * groups[name][rows]
    return out


def year_responses(pop: Population, year: int, worked: np.ndarray, scale: float, seed: int) -> YearResponses:
    rng = rng_for(seed, "survey", year)
    sy = year - 1  # the survey runs in May: students of the study year that started the October before
    enrolled = pop.years[sy].student
    n_counted = int(min(max(round_half_up(COUNTED[year] * scale), 1), len(enrolled)))

    # --- who responds ---------------------------------------------------------------------------------
    gender = pop.gender[enrolled]
    propensity = np.where(gender == 1, 1.3, 1.0) * np.where(pop.international[enrolled], 0.8, 1.0)
    chosen = sample_k(len(enrolled), n_counted, rng, propensity)
    counted = rng.permutation(enrolled[chosen])
    others = enrolled[~chosen]
    n_second = int(round_half_up(SECOND_FINISHED_SHARE * n_counted))
    n_unf = int(round_half_up(UNFINISHED_SHARE * n_counted))
    n_unf_same = n_unf // 2
    unf_other = others[sample_k(len(others), n_unf - n_unf_same, rng)]
    # Row layout: counted | earlier finished (first n_second counted) | unfinished (retries, then others).
    students = np.r_[counted, counted[:n_second], counted[n_second : n_second + n_unf_same], unf_other].astype(np.int32)
    kind = np.array(["counted"] * n_counted + ["earlier"] * n_second + ["unfinished"] * (len(students) - n_counted - n_second))
    n = len(students)
    is_counted = kind == "counted"

    # --- latent model ----------------------------------------------------------------------------------
    people, person_of_row = np.unique(students, return_inverse=True)
    groups_p = _group_matrix(pop, sy, people, worked)
    groups = {k: v[person_of_row] for k, v in groups_p.items()}
    d = rng.standard_normal(len(people))[person_of_row]
    rows = np.arange(n)

    def latent(rho: float, effects: dict[str, float]) -> np.ndarray:
        e = rng.standard_normal(len(people))[person_of_row]
        return rho * d + np.sqrt(1 - rho**2) * e + _effect(groups, effects, rows)

    answers: dict[str, np.ndarray] = {}
    missing_a = rng.random((n, len(sc.PART_A))) < ITEM_NONRESPONSE
    col = {name: i for i, name in enumerate(sc.PART_A)}

    def masked(a: np.ndarray, items: list[str]) -> np.ndarray:
        a = a.copy()
        a[missing_a[:, [col[i] for i in items]]] = np.nan
        return a

    for s in SCALES:
        lat = latent(s.rho, s.effects)
        noise = rng.standard_normal((n, len(s.items)))

        measure, target = s.other_indicator.get(year, (s.indicator, s.targets[year]))

        def indicator(sh: float, s: Scale = s, lat: np.ndarray = lat, noise: np.ndarray = noise, measure=measure) -> float:
            return measure(masked(_ordinal(lat, noise, sh, s), s.items)[is_counted])

        shift = calibrate(indicator, target)
        a = masked(_ordinal(lat, noise, shift, s), s.items)
        for j, item in enumerate(s.items):
            answers[item] = a[:, j]

    lat = latent(DJG_RHO, DJG_EFFECTS)
    noise = rng.standard_normal((n, 6))
    missing_djg = missing_a[:, [col[i] for i in sc.DJG]]
    sigma, shift = _djg_parameters(lat, noise, missing_djg, is_counted, *DJG_TARGETS[year])
    a = _djg(lat, noise, shift, sigma)
    a[missing_djg] = np.nan
    for j, item in enumerate(sc.DJG):
        answers[item] = a[:, j]

    # --- part B (optional): yes/no, probit on distress ----------------------------------------------------
    skip_b = rng.random(n) < PART_B_SKIP[year]
    missing_b = skip_b[:, None] | (rng.random((n, len(sc.PART_B))) < 0.02)
    known = None
    for j, (item, (rho, effects, targets)) in enumerate(PART_B.items()):
        lat = latent(rho, effects) + 0.6 * rng.standard_normal(n)
        valid = is_counted & ~missing_b[:, j]

        def yes(sh: float, lat: np.ndarray = lat, item: str = item, known: np.ndarray | None = known) -> np.ndarray:
            y = lat + sh > 0
            return y & known if item == "ssc_used" else y  # nobody uses the SSC without knowing it

        shift = calibrate(lambda sh: 100 * yes(sh)[valid].mean() if valid.any() else 0.0, targets[year])
        value = yes(shift).astype(float)
        if item == "ssc_known":
            known = value.astype(bool)
        value[missing_b[:, j]] = np.nan
        answers[item] = value

    # --- unfinished rows stop somewhere in part A ---------------------------------------------------------
    unfinished = kind == "unfinished"
    stop = rng.integers(0, len(sc.PART_A), n)
    for j, item in enumerate(sc.PART_A):
        answers[item][unfinished & (j >= stop)] = np.nan
    for item in sc.PART_B:
        answers[item][unfinished] = np.nan

    meta = _timestamps(year, kind, n_second, n_unf_same, n_counted, rng)
    cell = pop.cell_of(sy)[students]
    meta.insert(0, "student", students)
    meta.insert(1, "kind", kind)
    meta["cell"] = cell
    meta["study_year"] = pop.lookup(sy, pop.years[sy].study_year)[students]
    meta["gender"] = pop.gender[students]
    meta["international"] = pop.international[students]
    meta["first_generation"] = pop.first_generation[students]
    table = pd.DataFrame({item: answers[item] for item in sc.ITEMS})
    order = np.lexsort((students, meta["started_at"].to_numpy()))
    return YearResponses(year, meta.iloc[order].reset_index(drop=True), table.iloc[order].reset_index(drop=True))


def _timestamps(year: int, kind: np.ndarray, n_second: int, n_unf_same: int, n_counted: int, rng: np.random.Generator) -> pd.DataFrame:
    """Start and submit times inside the fieldwork weeks; a student's earlier attempt comes days before."""
    n = len(kind)
    start0 = np.datetime64(FIELDWORK_START[year], "s")
    day = np.floor(FIELDWORK_DAYS * rng.beta(1.0, 2.2, n)).astype(np.int64)  # invitation, then reminders
    # Students with two responses finished the counted one at least a week in.
    repeat = np.zeros(n, bool)
    repeat[: n_second] = True
    repeat[n_second : n_second + n_unf_same] = True
    day[repeat] = np.maximum(day[repeat], 7 + rng.integers(0, 14, int(repeat.sum())))
    earlier_of = np.r_[np.arange(n_second), np.arange(n_second, n_second + n_unf_same)]
    first = n_counted
    day[first : first + len(earlier_of)] = day[earlier_of] - rng.integers(1, 7, len(earlier_of))
    seconds = rng.integers(8 * 3600, 23 * 3600 + 59 * 60, n)
    started = start0 + (day * 86400 + seconds).astype("timedelta64[s]")
    minutes = np.clip(rng.lognormal(np.log(14), 0.45, n), 4, 90)
    minutes = np.where(kind == "unfinished", np.clip(minutes * rng.random(n), 1, 60), minutes)
    submitted = started + (minutes * 60).astype(np.int64).astype("timedelta64[s]")
    return pd.DataFrame({"started_at": started, "submitted_at": submitted, "finished": kind != "unfinished"})
