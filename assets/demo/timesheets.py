"""Timesheet lines for one quarter: shifts of the quarter's workers, plus the agency's corrections.

Realistic shapes the warehouse must cope with:
- shifts of 2–8 h (mostly 3–5 h) on working days, fewer in the summer months;
- corrections: a later line with negative hours on the same work date, cancelling or reducing a shift,
  sometimes only in the next month's file (it still counts towards the quarter of its work date);
- zero-net students: every shift they had in the quarter is cancelled, so they do not count as participating;
- programme changes inside a quarter (a switcher's October lines still carry last year's programme, a
  February switcher's January lines the old one) and a few unknown programme codes (`99999`).

The count of students with net hours > 0 stays exactly the worker count: a worker's first shift is never
cancelled in full, and partial corrections always leave at least half an hour.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from assets.common.quarters import parse_quarter, study_year_of_quarter

from .dates import MONTH_WEIGHT, month_key, next_month, working_days
from .population import Population
from .reference import DOMAINS
from .sampling import rng_for

#: (role, department or None = the domain of the student's programme, share of workers)
ROLES = (
    ("studentassistent", None, 0.33),
    ("student-ambassadeur", "Marketing & Communicatie", 0.15),
    ("open dag medewerker", "Marketing & Communicatie", 0.10),
    ("peer coach", "Studentsucces Centrum", 0.10),
    ("onderzoeksassistent", None, 0.08),
    ("servicedeskmedewerker", "ICT Servicedesk", 0.08),
    ("bibliotheekmedewerker", "Bibliotheek", 0.07),
    ("surveillant", "Examenbureau", 0.09),
)
DOMAIN_DEPARTMENT = {
    "AFL": "Domein Agri, Food & Life Sciences",
    "BFL": "Domein Business, Finance & Law",
    "CRB": "Domein Creative Business",
    "GSW": "Domein Gezondheid, Sport en Welzijn",
    "ONI": "Domein Onderwijs & Innovatie",
    "TOI": "Domein Techniek, Ontwerpen & Informatica",
    "Verloskunde": "Verloskunde Academie",
}
DEPARTMENTS = tuple(dict.fromkeys([d for _, d, _ in ROLES if d] + list(DOMAIN_DEPARTMENT.values()) + ["Centrale diensten"]))
ROLE_NAMES = tuple(r for r, _, _ in ROLES)
HOURS = np.arange(2.0, 8.01, 0.5)
HOURS_P = np.array([4, 5, 14, 14, 16, 12, 11, 6, 6, 3, 3, 2, 4], dtype=float)  # 2.0 … 8.0; mostly 3–5 h
HOURS_P /= HOURS_P.sum()
UNKNOWN_PROGRAMME = "99999"
LAST_FILE_MONTH = month_key(2024, 12)

COLUMNS = ("file_month", "kind", "student", "cell", "unknown_programme", "work_date", "hours", "role", "department")


def role_of_students(n_students: int, seed: int) -> np.ndarray:
    """Each student's usual role (stable across quarters, as campus jobs are)."""
    p = np.array([w for _, _, w in ROLES])
    return rng_for(seed, "roles").choice(len(ROLES), size=n_students, p=p / p.sum()).astype(np.int8)


def _department(role: np.ndarray, cell: np.ndarray, pop: Population) -> np.ndarray:
    fixed = np.array([DEPARTMENTS.index(d) if d else -1 for _, d, _ in ROLES])
    domain_dept = np.array(
        [DEPARTMENTS.index(DOMAIN_DEPARTMENT[d]) for d in DOMAINS] + [DEPARTMENTS.index("Centrale diensten")]
    )
    dept = fixed[role]
    by_domain = dept < 0
    dept[by_domain] = domain_dept[pop.cells["domain_id"].to_numpy()[cell[by_domain]]]
    return dept.astype(np.int16)


def _dates(months: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    out = np.empty(len(months), "datetime64[D]")
    for key in np.unique(months):
        days = working_days(int(key))
        sel = months == key
        out[sel] = days[(rng.random(int(sel.sum())) * len(days)).astype(np.int64)]
    return out


def quarter_lines(
    quarter: str, workers: np.ndarray, zero_net: np.ndarray, pop: Population, role_of: np.ndarray, seed: int
) -> pd.DataFrame:
    """All lines whose work date falls in `quarter`, each with the month of the file it is delivered in."""
    rng = rng_for(seed, "hours", quarter)
    year, q = parse_quarter(quarter)
    months = np.array([month_key(year, 3 * (q - 1) + m) for m in (1, 2, 3)])
    month_p = MONTH_WEIGHT[3 * (q - 1) : 3 * q] / MONTH_WEIGHT[3 * (q - 1) : 3 * q].sum()
    sy = study_year_of_quarter(quarter)
    cell_now = pop.cell_of(sy)

    # Shifts of workers (mean ~9 a quarter, long tail; fewer in the summer quarter, so that monthly volumes
    # follow MONTH_WEIGHT) and of zero-net students (1–2, all to be cancelled).
    mean_extra = 8.0 * MONTH_WEIGHT[3 * (q - 1) : 3 * q].mean() / MONTH_WEIGHT.mean()
    n_shift = np.r_[1 + rng.negative_binomial(2, 2 / (2 + mean_extra), len(workers)), rng.integers(1, 3, len(zero_net))]
    people = np.r_[workers, zero_net].astype(np.int32)
    student = np.repeat(people, n_shift)
    starts = np.cumsum(n_shift) - n_shift
    first = np.zeros(len(student), bool)
    first[starts] = True
    zero = np.repeat(np.r_[np.zeros(len(workers), bool), np.ones(len(zero_net), bool)], n_shift)
    month = months[rng.choice(3, size=len(student), p=month_p)]
    work_date = _dates(month, rng)
    hours = rng.choice(HOURS, size=len(student), p=HOURS_P)
    role = role_of[student].copy()
    other = rng.random(len(student)) < 0.1  # the odd shift in another role (open days, exams)
    role[other] = rng.integers(0, len(ROLES), int(other.sum()))

    # Programme on the line: the current one, except just before a programme change.
    cell = cell_now[student].astype(np.int16)
    yp = pop.years[sy]
    if q == 4:  # agency records lag the 1 October switch by some weeks
        prev_cell = pop.lookup(sy, yp.prev_cell)[student]
        switched = (prev_cell >= 0) & (prev_cell != cell)
        switch_day = np.datetime64(f"{year}-10-01") + rng.integers(0, 61, len(student)).astype("timedelta64[D]")
        late = switched & (work_date < switch_day)
        cell[late] = prev_cell[late]
    elif q == 1:  # February switchers: January lines carry the programme they left
        movers = np.unique(student)[rng.random(len(np.unique(student))) < 0.015]
        if len(movers):
            other_cell = rng.choice(len(pop.cells), size=len(movers), p=pop.counts[sy] / pop.counts[sy].sum())
            lookup = dict(zip(movers.tolist(), other_cell.tolist()))
            early = np.isin(student, movers) & (work_date < np.datetime64(f"{year}-02-01"))
            cell[early] = np.array([lookup[s] for s in student[early].tolist()], dtype=np.int16)
    unknown = rng.random(len(student)) < 0.0025
    dept = _department(role, cell, pop)

    # Corrections: full cancellations (never a worker's first shift) and partial reductions.
    u = rng.random(len(student))
    full = zero | ((u < 0.02) & ~first)
    partial = ~full & (u >= 0.02) & (u < 0.06)
    amount = np.minimum(rng.choice([0.5, 1.0, 1.5, 2.0], size=len(student)), hours - 0.5)
    corr = full | partial
    corr_hours = np.where(full, -hours, -amount)[corr]
    corr_month = month[corr].copy()
    later = (rng.random(len(corr_month)) < 0.4) & (corr_month != LAST_FILE_MONTH)
    corr_month[later] = np.array([next_month(int(m)) for m in corr_month[later]], dtype=corr_month.dtype)

    n_orig, n_corr = len(student), int(corr.sum())
    return pd.DataFrame(
        {
            "file_month": np.r_[month, corr_month].astype(np.int32),
            "kind": np.r_[np.zeros(n_orig, np.int8), np.ones(n_corr, np.int8)],
            "student": np.r_[student, student[corr]],
            "cell": np.r_[cell, cell[corr]],
            "unknown_programme": np.r_[unknown, unknown[corr]],
            "work_date": np.r_[work_date, work_date[corr]],
            "hours": np.r_[hours, corr_hours],
            "role": np.r_[role, role[corr]],
            "department": np.r_[dept, dept[corr]],
        }
    )
