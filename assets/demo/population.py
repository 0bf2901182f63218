"""The enrolled population: individual students per DUO study year, matching DUO's counts × scale per cell.

Students persist from year to year (so the same student number turns up in participation and survey files
of several years), a few percent change programme, the rest leave and new first-years fill every cell up to
its DUO count. Per study year the population of each cell is exactly round(DUO count × scale): the demo's
denominators are then the ones the warehouse reads back from the generated DUO file.

Memory: a handful of small numpy arrays per student (about 2.8 M students at scale 50).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import reference
from .sampling import rank_in_group, rng_for, round_half_up

GENDERS = ("man", "vrouw", "anders", "zeg ik liever niet")

#: Probability of still being enrolled a year later, by level and study year (1, 2, 3, 4+). Rough hbo
#: figures: first-year dropout ~25 %, bachelors graduate in year 4+, associate degrees after 2, masters 1–2.
_CONTINUE = {
    "bachelor": (0.76, 0.91, 0.90, 0.52),
    "associate degree": (0.72, 0.35, 0.20, 0.20),
    "master": (0.55, 0.25, 0.20, 0.20),
}
#: Study-year mix of the first (2020) population, by level.
_INITIAL_MIX = {
    "bachelor": (0.25, 0.21, 0.20, 0.34),
    "associate degree": (0.56, 0.38, 0.06, 0.0),
    "master": (0.62, 0.33, 0.05, 0.0),
}
PROGRAMME_SWITCH_RATE = 0.03
FIRST_STUDENT_NUMBER = 500_000
MAX_STUDENT_NUMBER = 9_999_999


@dataclass
class StudyYear:
    """Students enrolled on 1 October of one study year (arrays aligned by position)."""

    student: np.ndarray  # int32 index into Population's per-student arrays
    cell: np.ndarray  # int16 cell id (programme × DUO municipality)
    study_year: np.ndarray  # int8: 1, 2, 3, 4 (= 4+)
    prev_cell: np.ndarray  # int16 cell a year earlier, -1 for new students


@dataclass
class Population:
    cells: pd.DataFrame
    counts: dict[int, np.ndarray]  # per study year: students per cell (= DUO count × scale, rounded)
    suppressed: dict[int, np.ndarray]  # per study year: cells DUO suppressed
    number: np.ndarray  # int64 student number per student
    gender: np.ndarray  # int8 index into GENDERS
    international: np.ndarray  # bool
    first_generation: np.ndarray  # bool
    years: dict[int, StudyYear]

    @property
    def n_students_total(self) -> int:
        return len(self.number)

    def n_enrolled(self, study_year: int) -> int:
        return len(self.years[study_year].student)

    def lookup(self, study_year: int, values: np.ndarray, fill: int = -1) -> np.ndarray:
        """Per-student array (length = all students) of `values` for those enrolled in `study_year`."""
        year = self.years[study_year]
        out = np.full(self.n_students_total, fill, dtype=np.asarray(values).dtype)
        out[year.student] = values
        return out

    def cell_of(self, study_year: int) -> np.ndarray:
        return self.lookup(study_year, self.years[study_year].cell.astype(np.int16))

    def location_of(self, study_year: int) -> np.ndarray:
        loc = self.cells["loc_id"].to_numpy(np.int8)
        return self.lookup(study_year, loc[self.years[study_year].cell])


def scaled_counts(scale: float, seed: int) -> tuple[dict[int, np.ndarray], dict[int, np.ndarray]]:
    """DUO count × scale per cell and study year; a suppressed cell gets a seeded true value of 1–4 first."""
    counts, suppressed = {}, {}
    for sy in reference.STUDY_YEARS:
        real, supp = reference.cell_counts(sy)
        if supp.any():
            real = real.copy()
            real[supp] = rng_for(seed, "suppressed", sy).integers(1, 5, size=int(supp.sum()))
        counts[sy] = round_half_up(real * scale)
        suppressed[sy] = supp
    return counts, suppressed


class _Numbers:
    """Hands out increasing student numbers with random gaps (numbers go to applicants who never enrol too)."""

    def __init__(self, rng: np.random.Generator, expected_total: int):
        self.rng = rng
        room = (MAX_STUDENT_NUMBER - FIRST_STUDENT_NUMBER) // max(expected_total, 1)
        self.max_gap = int(np.clip(room, 1, 20))
        self.last = FIRST_STUDENT_NUMBER

    def take(self, n: int) -> np.ndarray:
        gaps = self.rng.integers(1, self.max_gap + 1, size=n)
        out = self.last + np.cumsum(gaps)
        if n:
            self.last = int(out[-1])
        return out.astype(np.int64)


def build_population(scale: float, seed: int) -> Population:
    cells = reference.cells()
    counts, suppressed = scaled_counts(scale, seed)
    level = cells["level"].to_numpy()
    level_names = list(_CONTINUE)
    level_id = np.array([level_names.index(x) if x in level_names else 0 for x in level], dtype=np.int8)
    cont_table = np.array([_CONTINUE[name] for name in level_names])
    numbers = _Numbers(rng_for(seed, "numbers"), expected_total=int(sum(c.sum() for c in counts.values())))

    # Per-student attributes, appended cohort by cohort.
    number_parts, gender_parts, intl_parts, firstgen_parts = [], [], [], []
    n_total = 0

    def enrol(cell_of_new: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        nonlocal n_total
        n = len(cell_of_new)
        number_parts.append(numbers.take(n))
        female = cells["female_share"].to_numpy()[cell_of_new]
        u = rng.random(n)
        gender = np.where(u < 0.012, 2, np.where(u < 0.025, 3, np.where(rng.random(n) < female, 1, 0)))
        gender_parts.append(gender.astype(np.int8))
        intl_parts.append(rng.random(n) < cells["international_share"].to_numpy()[cell_of_new])
        firstgen_parts.append(rng.random(n) < 0.36)
        idx = np.arange(n_total, n_total + n, dtype=np.int32)
        n_total += n
        return idx

    years: dict[int, StudyYear] = {}
    first = reference.STUDY_YEARS[0]
    rng = rng_for(seed, "population", first)
    cell0 = np.repeat(np.arange(len(cells), dtype=np.int16), counts[first])
    sy0 = np.empty(len(cell0), dtype=np.int8)
    for name, mix in _INITIAL_MIX.items():
        mask = level[cell0] == name
        sy0[mask] = rng.choice(np.arange(1, 5), size=int(mask.sum()), p=mix)
    # Older students first: they got their (lower) numbers earlier.
    order = np.lexsort((rng.random(len(cell0)), -sy0))
    cell0, sy0 = cell0[order], sy0[order]
    years[first] = StudyYear(enrol(cell0, rng), cell0, sy0, np.full(len(cell0), -1, np.int16))

    for sy in reference.STUDY_YEARS[1:]:
        rng = rng_for(seed, "population", sy)
        prev = years[sy - 1]
        target = counts[sy]
        p = cont_table[level_id[prev.cell], prev.study_year - 1]
        stay = rng.random(len(p)) < p
        student, old_cell = prev.student[stay], prev.cell[stay]
        new_sy = np.minimum(prev.study_year[stay] + 1, 4).astype(np.int8)
        cell = old_cell.copy()
        switch = rng.random(len(cell)) < PROGRAMME_SWITCH_RATE
        if switch.any() and target.sum():
            cell[switch] = rng.choice(len(cells), size=int(switch.sum()), p=target / target.sum())
            new_sy[switch & (cell != old_cell)] = 1  # a switcher starts again in year 1 of the new programme
        # No cell may hold more students than DUO counts: the surplus leaves.
        keep = rank_in_group(cell.astype(np.int64), rng.random(len(cell))) < target[cell]
        student, cell, old_cell, new_sy = student[keep], cell[keep], old_cell[keep], new_sy[keep]
        # New students fill every cell up to its count; a few enter in year 2 (transfers, exemptions).
        short = target - np.bincount(cell, minlength=len(cells))
        new_cell = np.repeat(np.arange(len(cells), dtype=np.int16), short)
        new_year = np.where(rng.random(len(new_cell)) < 0.07, 2, 1).astype(np.int8)
        new_student = enrol(new_cell, rng)
        years[sy] = StudyYear(
            np.r_[student, new_student].astype(np.int32),
            np.r_[cell, new_cell].astype(np.int16),
            np.r_[new_sy, new_year].astype(np.int8),
            np.r_[old_cell, np.full(len(new_cell), -1, np.int16)].astype(np.int16),
        )

    number = np.concatenate(number_parts)
    if len(number) and number.max() > MAX_STUDENT_NUMBER:  # pragma: no cover - guarded by _Numbers' gap size
        raise RuntimeError("ran out of 7-digit student numbers")
    return Population(
        cells=cells,
        counts=counts,
        suppressed=suppressed,
        number=number,
        gender=np.concatenate(gender_parts),
        international=np.concatenate(intl_parts),
        first_generation=np.concatenate(firstgen_parts),
        years=years,
    )
