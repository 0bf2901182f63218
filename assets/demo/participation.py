"""Who is in the staffing agency's pool and who works, quarter by quarter (the people, not yet the hours).

A quarter-by-quarter simulation with memory: pool registrations run for several quarters until they end
(hazard, or the student leaves the institution at the end of a study year), workers tend to keep working.
Each quarter's head counts hit `targets` exactly:

- available: registrations carried over + new registrations = target, per location. Because carried-over
  registrations only shrink by ending, the endings of quarter q are chosen looking ahead at q+1's target,
  leaving room for a share of new registrations every quarter.
- participated: continuing + new workers = target; most (92 %) of them are in the pool that quarter.
- zero-net: a few pool students whose only shifts of the quarter are cancelled later (net zero hours), so
  that the "net hours > 0" rule is exercised without changing the count.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np

from assets.common.quarters import quarter_end, quarter_start

from .population import Population
from .reference import DOMAINS, LOCATIONS
from .sampling import random_dates, rng_for, round_half_up, sample_k, sample_per_group
from .targets import DOMAIN_WEIGHT, QUARTERS, QuarterTarget

REGISTRATION_END_HAZARD = 0.11  # per quarter
MIN_NEW_SHARE = 0.08  # of each quarter's pool, registered that quarter
WORKERS_IN_POOL = 0.92
WORKER_CONTINUES = 0.70
ZERO_NET_SHARE = 0.025  # of the quarter's participants


@dataclass
class QuarterParticipation:
    quarter: str
    study_year: int
    # Registrations overlapping the quarter (the agency's snapshot at quarter end).
    reg_student: np.ndarray  # int32 student index
    reg_cell: np.ndarray  # int16 cell at registration
    reg_from: np.ndarray  # datetime64[D]
    reg_until: np.ndarray  # datetime64[D]; NaT = still registered at the snapshot
    workers: np.ndarray  # int32 students with net hours > 0 in the quarter
    zero_net: np.ndarray  # int32 students whose hours of the quarter are all cancelled


def _domain_weight(pop: Population) -> np.ndarray:
    w = np.array([DOMAIN_WEIGHT[d] for d in DOMAINS] + [1.0])  # index -1 = unknown domain
    return w[pop.cells["domain_id"].to_numpy()]


def simulate(pop: Population, targets: dict[str, QuarterTarget], seed: int) -> Iterator[QuarterParticipation]:
    n_all = pop.n_students_total
    cell_weight = _domain_weight(pop)
    n_loc = len(LOCATIONS)
    st_student = np.zeros(0, np.int32)
    st_cell = np.zeros(0, np.int16)
    st_from = np.zeros(0, "datetime64[D]")
    prev_workers = np.zeros(0, np.int32)
    per_year: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def year_arrays(sy: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if sy not in per_year:
            if len(per_year) > 2:  # at most two study years are in use at a time; keep memory bounded
                per_year.clear()
            per_year[sy] = (pop.location_of(sy), pop.cell_of(sy), pop.lookup(sy, pop.years[sy].study_year))
        return per_year[sy]

    for i, quarter in enumerate(QUARTERS):
        t = targets[quarter]
        rng = rng_for(seed, "participation", quarter)
        q_start = np.datetime64(quarter_start(quarter))
        q_end = np.datetime64(quarter_end(quarter))
        loc_now, cell_now, year_now = year_arrays(t.study_year)
        enrolled = pop.years[t.study_year].student

        # --- pool: carried-over registrations + new ones, per location --------------------------------
        carried_loc = np.bincount(loc_now[st_student], minlength=n_loc)
        if (loc_now[st_student] < 0).any() or (carried_loc > t.available_by_location).any():
            raise AssertionError(f"{quarter}: carried-over pool does not fit the target")  # guarded below
        need = t.available_by_location - carried_loc
        taken = np.zeros(n_all, bool)
        taken[st_student] = True
        eligible = enrolled[~taken[enrolled]]
        weight = cell_weight[cell_now[eligible]] * np.where((quarter.endswith("Q4")) & (year_now[eligible] == 1), 1.4, 1.0)
        pick = sample_per_group(loc_now[eligible].astype(np.int64), need, rng, weight)
        new_student = eligible[pick]
        new_from = random_dates(np.full(len(new_student), q_start), np.full(len(new_student), q_end), rng)
        if i == 0:  # the pool existed before the demo's first quarter: most registrations are older
            old = rng.random(len(new_student)) < 0.8
            first_year = year_now[new_student[old]] == 1  # enrolled since September 2020 only
            earliest = np.where(first_year, np.datetime64("2020-09-01"), np.datetime64("2019-09-01"))
            new_from[old] = random_dates(earliest, np.full(old.sum(), np.datetime64("2020-12-31")), rng)
        reg_student = np.r_[st_student, new_student].astype(np.int32)
        reg_cell = np.r_[st_cell, cell_now[new_student]].astype(np.int16)
        reg_from = np.r_[st_from, new_from].astype("datetime64[D]")
        in_pool = np.zeros(n_all, bool)
        in_pool[reg_student] = True

        # --- workers --------------------------------------------------------------------------------------
        target_p = t.participated
        k_in = int(min(round_half_up(WORKERS_IN_POOL * target_p), len(reg_student)))
        k_out = target_p - k_in
        cont = prev_workers[loc_now[prev_workers] >= 0]
        cont = cont[rng.random(len(cont)) < WORKER_CONTINUES]
        chosen = np.zeros(n_all, bool)
        parts = []
        for k, from_pool in ((k_in, True), (k_out, False)):
            c = cont[in_pool[cont] == from_pool]
            c = c[sample_k(len(c), k, rng)]
            chosen[c] = True
            group = reg_student if from_pool else enrolled[~in_pool[enrolled]]
            rest = group[~chosen[group]]
            extra = rest[sample_k(len(rest), k - len(c), rng, cell_weight[cell_now[rest]])]
            chosen[extra] = True
            parts += [c, extra]
        workers = np.sort(np.concatenate(parts)).astype(np.int32)
        if len(workers) != target_p:  # pragma: no cover - only if the population were smaller than the target
            raise AssertionError(f"{quarter}: {len(workers)} workers for a target of {target_p}")
        idle = reg_student[~chosen[reg_student]]
        zero_net = np.sort(idle[sample_k(len(idle), int(round_half_up(ZERO_NET_SHARE * target_p)), rng)]).astype(np.int32)

        # --- endings, looking ahead at the next quarter's target --------------------------------------
        ends = rng.random(len(reg_student)) < REGISTRATION_END_HAZARD
        if i + 1 < len(QUARTERS):
            nt = targets[QUARTERS[i + 1]]
            loc_next = year_arrays(nt.study_year)[0][reg_student]
            ends |= loc_next < 0  # left the institution: the agency deregisters them by 30 September
            keep = ~ends
            carried_next = np.bincount(loc_next[keep], minlength=n_loc)
            room = nt.available_by_location - np.ceil(MIN_NEW_SHARE * nt.available_by_location).astype(np.int64)
            excess = np.maximum(carried_next - np.maximum(room, 0), 0)
            extra_end = sample_per_group(loc_next[keep].astype(np.int64), excess, rng)
            ends[np.flatnonzero(keep)[extra_end]] = True
        reg_until = np.full(len(reg_student), np.datetime64("NaT"), "datetime64[D]")
        lo = np.maximum(reg_from[ends], q_start)
        reg_until[ends] = random_dates(lo, np.full(len(lo), q_end), rng)

        yield QuarterParticipation(quarter, t.study_year, reg_student, reg_cell, reg_from, reg_until, workers, zero_net)

        st_student, st_cell, st_from = reg_student[~ends], reg_cell[~ends], reg_from[~ends]
        prev_workers = workers
