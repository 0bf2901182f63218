"""How many students are available / participate per quarter: published for 2023, invented around it.

Calendar 2023 is the institution's published participation dashboard (assets/demo/data/published_figures.md);
the demo must reproduce it exactly after rounding the student counts, so targets are exact head counts:
round(pct × n_students / 100), where n_students is the DUO count (× scale) of the study year in force.
Other years drift plausibly around it (participation growing slowly, the pool growing faster, a dip in the
summer quarter). Per location the pool follows the published per-location series of 2023.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from assets.common.quarters import parse_quarter, quarter_range, study_year_of_quarter

from .population import Population
from .reference import LOCATIONS
from .sampling import largest_remainder, round_half_up

#: How likely a student of a domain registers with the agency (relative): midwifery students hardly have
#: time; education and creative students take many campus jobs.
DOMAIN_WEIGHT = {"AFL": 0.9, "BFL": 0.85, "CRB": 1.5, "GSW": 1.15, "ONI": 1.35, "TOI": 0.8, "Verloskunde": 0.04}

QUARTERS = tuple(quarter_range("2021-Q1", "2024-Q4"))

#: Institution-wide percentages per quarter (Q1..Q4). 2023 = published; the other years are invented.
PARTICIPATED = {
    2021: (2.4, 2.7, 2.5, 3.0),  # lockdown in Q1 2021: fewer events, fewer jobs
    2022: (3.2, 3.2, 2.9, 3.4),
    2023: (3.7, 3.5, 3.2, 3.6),
    2024: (3.8, 3.8, 3.4, 3.9),
}
AVAILABLE = {
    2021: (3.6, 3.8, 4.0, 4.6),
    2022: (4.3, 4.5, 4.7, 5.4),
    2023: (4.8, 5.1, 5.3, 6.3),
    2024: (6.0, 6.2, 6.4, 7.0),
}
#: Published 2023 "available" series per location (Groningen is not in the print: it follows the institution).
AVAILABLE_2023_BY_LOCATION = {
    "Alkmaar": (3.7, 3.8, 3.9, 3.9),
    "Amsterdam": (3.7, 4.4, 4.6, 5.4),
    "Delft": (6.1, 6.1, 7.3, 8.6),
    "Den Haag": (5.7, 6.0, 6.1, 7.7),
    "Diemen": (7.0, 7.7, 7.6, 8.9),
    "Dordrecht": (4.2, 4.6, 4.6, 4.7),
    "Haarlem": (5.7, 6.1, 6.2, 7.5),
    "Rotterdam": (3.8, 3.7, 4.2, 5.3),
}


def _location_factor(q: int, pop: Population, sy: int) -> np.ndarray:
    """Each location's 2023 level relative to the institution, for quarter q (1..4).

    A location missing from the print (Groningen: only midwifery) gets the level its programme mix implies
    under the pool's domain weights, so midwifery stays near the printed 0.2 %.
    """
    inst = AVAILABLE[2023][q - 1]
    cell_weight = np.array([DOMAIN_WEIGHT.get(d, 1.0) for d in pop.cells["domain"]])
    cells = pop.years[sy].cell
    loc = pop.cells["loc_id"].to_numpy()[cells]
    mix = np.bincount(loc, weights=cell_weight[cells], minlength=len(LOCATIONS)) / np.maximum(
        np.bincount(loc, minlength=len(LOCATIONS)), 1
    )
    mix /= cell_weight[cells].mean()
    return np.array(
        [AVAILABLE_2023_BY_LOCATION[name][q - 1] / inst if name in AVAILABLE_2023_BY_LOCATION else mix[i]
         for i, name in enumerate(LOCATIONS)]
    )


@dataclass(frozen=True)
class QuarterTarget:
    quarter: str
    study_year: int  # the DUO study year whose population is enrolled in this quarter
    n_students: int
    participated: int  # distinct students with net hours > 0
    available: int  # distinct students with a pool registration overlapping the quarter
    available_by_location: np.ndarray  # adds up to `available`, index = LOCATIONS


def quarter_target(pop: Population, quarter: str) -> QuarterTarget:
    year, q = parse_quarter(quarter)
    sy = study_year_of_quarter(quarter)
    n = pop.n_enrolled(sy)
    available = int(round_half_up(AVAILABLE[year][q - 1] * n / 100))
    participated = int(round_half_up(PARTICIPATED[year][q - 1] * n / 100))
    n_by_loc = np.bincount(pop.cells["loc_id"].to_numpy()[pop.years[sy].cell], minlength=len(LOCATIONS))
    # Location levels follow the 2023 print; scaled so that the locations add up to the institution exactly.
    by_loc = largest_remainder(n_by_loc * _location_factor(q, pop, sy), available)
    by_loc = np.minimum(by_loc, n_by_loc)
    if by_loc.sum() < available:  # only at toy scales: top up where there is room
        by_loc += largest_remainder(n_by_loc - by_loc, available - int(by_loc.sum()))
    return QuarterTarget(quarter, sy, n, participated, available, by_loc)


def all_targets(pop: Population) -> dict[str, QuarterTarget]:
    return {q: quarter_target(pop, q) for q in QUARTERS}
