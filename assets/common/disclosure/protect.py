"""Secondary (complementary) suppression as an optimisation: the cheapest set of further cells to suppress so that
every suppressed cell keeps its protection interval (rules.py).

The model is the one of Fischetti & Salazar-González (Management Science 45, 1999; Hundepool et al.,
*Statistical Disclosure Control*, Wiley 2012, §4.3), solved by HiGHS (scipy.optimize.milp): binary x_i = 1
when cell i is suppressed, cost Σ wᵢ·xᵢ (the persons hidden). A cell c is protected when two attacker's
solutions exist that differ by its required width in c: deviations y⁺ and y⁻ from the true values that satisfy
every relation (A·y = 0), move only suppressed cells ((lowᵢ − vᵢ)·xᵢ ≤ yᵢ ≤ (highᵢ − vᵢ)·xᵢ) and a hidden
remainder within its bounds, with y⁺_c − y⁻_c ≥ required_c. Both are feasible points of the attacker's
programme, so the audit then finds c's interval at least that wide.

The cells that fail the audit are protected together in one programme (a shared x), at most `batch` at a time;
the audit runs again after each step (a new complement must itself not be exactly recoverable), until it
passes. Suppression only grows, so protection, once reached, holds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from assets.common.disclosure.audit import Interval, intervals
from assets.common.disclosure.rules import COMPLEMENTARY
from assets.common.disclosure.tables import ROUNDING, Measure, Problem


class ProtectionError(RuntimeError):
    """No pattern protects every cell (a cell's bounds allow less than its protection level)."""


@dataclass
class Pattern:
    suppressed: np.ndarray
    reasons: list[str | None]
    audit: list[Interval]


def protect(problem: Problem, primary: np.ndarray, reasons: list[str | None], batch: int = 40,
            max_rounds: int = 100, time_limit: float = 600.0) -> Pattern:
    """The suppression pattern: `primary` plus the cheapest complements; `reasons` name the primary cells."""
    suppressed = primary.copy()
    reasons = [r if primary[i] else None for i, r in enumerate(reasons)]
    for _ in range(max_rounds):
        audit = intervals(problem, suppressed)
        failing = [i for i in audit if not i.protected]
        if not failing:
            return Pattern(suppressed, reasons, audit)
        chosen = _complements(problem, suppressed, failing[:batch], time_limit)
        added = chosen & ~suppressed
        if not added.any():
            names = ", ".join(f"{problem.cells[i.cell].level} {problem.cells[i.cell].group_name} ({i.measure})"
                              for i in failing[:batch][:5])
            raise ProtectionError(f"no suppression pattern protects {names}: their bounds and relations leave "
                                  "no room for the protection level")
        for i in np.flatnonzero(added):
            reasons[i] = COMPLEMENTARY
        suppressed |= added
    raise ProtectionError(f"complementary suppression did not settle within {max_rounds} rounds")


def _complements(problem: Problem, suppressed: np.ndarray, failing: list[Interval], time_limit: float) -> np.ndarray:
    """The cheapest x ⊇ suppressed that protects every failing cell (one MILP; see the module's docstring)."""
    n, k = len(problem.cells), len(problem.relations)
    measures = {m.name: m for m in problem.measures}
    equations = problem.equations()
    size = n + k  # deviations of every cell and every remainder
    blocks = []  # per failing cell, two deviation vectors
    for interval in failing:
        measure = measures[interval.measure]
        blocks.append((interval, measure, _deviation_limits(problem, measure)))
    n_vars = n + 2 * size * len(blocks)
    lower, upper = np.zeros(n_vars), np.zeros(n_vars)
    lower[:n] = suppressed.astype(float)
    upper[:n] = np.where(suppressed | problem.candidates, 1.0, 0.0)
    integrality = np.zeros(n_vars)
    integrality[:n] = 1
    rows: list[sparse.spmatrix] = []
    row_low: list[np.ndarray] = []
    row_high: list[np.ndarray] = []
    for b, (interval, measure, (dev_low, dev_high, rest_low, rest_high)) in enumerate(blocks):
        for copy in range(2):
            offset = n + (2 * b + copy) * size
            lower[offset + n:offset + size] = rest_low
            upper[offset + n:offset + size] = rest_high
            lower[offset:offset + n] = np.minimum(dev_low, 0.0)
            upper[offset:offset + n] = np.maximum(dev_high, 0.0)
            # A·y = 0
            rows.append(_place(equations, offset, n_vars))
            row_low.append(np.zeros(k)), row_high.append(np.zeros(k))
            # y_i − (high_i − v_i)·x_i ≤ 0 and y_i − (low_i − v_i)·x_i ≥ 0
            y = sparse.eye(n, n_vars, k=offset, format="csr")
            rows.append(y - sparse.diags(dev_high, 0, shape=(n, n_vars), format="csr"))
            row_low.append(np.full(n, -np.inf)), row_high.append(np.zeros(n))
            rows.append(y - sparse.diags(dev_low, 0, shape=(n, n_vars), format="csr"))
            row_low.append(np.zeros(n)), row_high.append(np.full(n, np.inf))
        # y⁺_c − y⁻_c ≥ required_c
        target = np.zeros((1, n_vars))
        target[0, n + (2 * b) * size + interval.cell] = 1.0
        target[0, n + (2 * b + 1) * size + interval.cell] = -1.0
        rows.append(sparse.csr_matrix(target))
        # a margin over the audit's tolerance, so that the solver's proof survives the audit's rounding
        row_low.append(np.array([interval.required * (1 + 1e-6) + 1e-6])), row_high.append(np.array([np.inf]))
    cost = np.zeros(n_vars)
    cost[:n] = problem.weights
    res = milp(cost, integrality=integrality, bounds=Bounds(lower, upper),
               constraints=LinearConstraint(sparse.vstack(rows, format="csr"), np.concatenate(row_low),
                                            np.concatenate(row_high)),
               options={"time_limit": time_limit, "mip_rel_gap": 1e-4})  # a guard: these solve in well under 1 s
    if res.x is None:
        return suppressed.copy()  # infeasible: nothing protects the first failing cell (the caller says so)
    chosen = np.round(res.x[:n]).astype(bool)
    if not (chosen & ~suppressed).any():  # within HiGHS's integrality tolerance, a tiny x can carry the proof
        chosen = res.x[:n] > 1e-12
    return chosen | suppressed


def _deviation_limits(problem: Problem, measure: Measure):
    """How far each cell's value could move when suppressed (finite: hours have no upper bound, so the largest
    cell, the institution's total, bounds them: any finite cap keeps the proof valid), and the remainders'
    deviation bounds."""
    value = np.nan_to_num(measure.value)
    cap = max(float(np.max(np.abs(value))) if len(value) else 0.0, 1.0)
    high = np.where(np.isinf(measure.high), value + cap, measure.high)
    movable = ~np.isnan(measure.value)
    dev_high = np.where(movable, high - value, 0.0)
    dev_low = np.where(movable, measure.low - value, 0.0)
    true, rest_low, rest_high = problem.remainders(measure)
    exact = rest_high - rest_low <= 2 * ROUNDING
    return dev_low, dev_high, np.where(exact, 0.0, rest_low - true), np.where(exact, 0.0, rest_high - true)


def _place(matrix: sparse.csr_matrix, offset: int, width: int) -> sparse.csr_matrix:
    """`matrix` as columns offset … offset + its width of a matrix `width` wide."""
    coo = matrix.tocoo()
    return sparse.csr_matrix((coo.data, (coo.row, coo.col + offset)), shape=(matrix.shape[0], width))
