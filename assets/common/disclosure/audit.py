"""The audit: for every suppressed cell, the interval of values consistent with everything published.

Per measure, the unknowns are the suppressed cells and the hidden remainders; every relation is an equation
over them (published cells are constants), every unknown has its bounds. A cell's interval is
[min, max] of its value over that polytope: two linear programmes. Both are solved at once as one programme over
two copies of the polytope (maximise value in one copy minus value in the other gives the width), and the
programmes of all suppressed cells that share unknowns (a connected component) as one block-diagonal programme
for HiGHS, so a period costs a handful of solver calls, not two per cell. Before that, four cheap programmes per
component (random signed directions) prove most cells wide; only the others, and every cell narrower than
twice its requirement, get exact intervals (so a failure, and the narrowest interval, are always exact).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

from assets.common.disclosure.tables import Measure, Problem


@dataclass(frozen=True)
class Interval:
    cell: int
    measure: str
    low: float
    high: float
    required: float

    @property
    def width(self) -> float:
        return self.high - self.low

    @property
    def protected(self) -> bool:
        return self.width + 1e-9 >= self.required


def intervals(problem: Problem, suppressed: np.ndarray) -> list[Interval]:
    """The feasible interval of every suppressed cell with a value, for every measure."""
    out: list[Interval] = []
    for measure in problem.measures:
        out += _measure_intervals(problem, measure, suppressed)
    return out


def _measure_intervals(problem: Problem, measure: Measure, suppressed: np.ndarray) -> list[Interval]:
    n, k = len(problem.cells), len(problem.relations)
    has_value = ~np.isnan(measure.value)
    hidden = np.flatnonzero(suppressed & has_value)
    if not len(hidden):
        return []
    true_rest, rest_low, rest_high = problem.remainders(measure)
    value = np.nan_to_num(measure.value)
    equations = problem.equations().tocsc()
    # unknowns: the hidden cells, then every remainder (a known remainder has equal bounds)
    unknown_cols = np.concatenate([hidden, n + np.arange(k)])
    a_unknown = equations[:, unknown_cols].tocsr()
    published = np.ones(n + k, dtype=bool)
    published[unknown_cols] = False
    b = -(equations[:, np.flatnonzero(published)] @ np.concatenate([value, true_rest])[published])
    low = np.concatenate([measure.low[hidden], rest_low])
    high = np.concatenate([measure.high[hidden], rest_high])
    result = []
    for component in _components(a_unknown, len(hidden)):
        rows = np.flatnonzero(np.asarray(abs(a_unknown[:, component]).sum(axis=1)).ravel() > 0)
        block = a_unknown[rows][:, component]
        targets = [j for j, col in enumerate(component) if col < len(hidden)]
        required = np.array([float(measure.required[hidden[component[j]]]) for j in targets])
        lows, highs = _proven_spans(block, b[rows], low[component], high[component], targets)
        # exact programmes for the cells not proven at least twice as wide as they need
        exact = [t for t in range(len(targets)) if highs[t] - lows[t] < 2 * required[t] + 1e-9]
        if exact:
            exact_low, exact_high = _solve_widths(block, b[rows], low[component], high[component],
                                                  [targets[t] for t in exact])
            for t, lo, hi in zip(exact, exact_low, exact_high):
                lows[t], highs[t] = lo, hi
        for t, j in enumerate(targets):
            result.append(Interval(int(hidden[component[j]]), measure.name, float(lows[t]), float(highs[t]),
                                   float(required[t])))
    return result


def _proven_spans(a: sparse.csr_matrix, b: np.ndarray, low: np.ndarray, high: np.ndarray, targets: list[int],
                  directions: int = 2) -> tuple[list[float], list[float]]:
    """For every target, two values it can take (so its interval is at least that wide): the extremes of a few
    programmes that push random (fixed-seed) signed combinations of all unknowns up and down, solved as one
    block-diagonal programme. The cells these do not prove wide get exact programmes."""
    rng = np.random.default_rng(20121)
    signs = rng.choice([-1.0, 1.0], size=(directions, a.shape[1]))
    points = _block_solve(a, b, low, high, np.vstack([signs, -signs]))
    if points is None:
        return [0.0] * len(targets), [0.0] * len(targets)  # unproven (unbounded): the exact programmes decide
    values = points[:, targets]
    return values.min(axis=0).tolist(), values.max(axis=0).tolist()


def _block_solve(a: sparse.csr_matrix, b: np.ndarray, low: np.ndarray, high: np.ndarray,
                 objectives: np.ndarray) -> np.ndarray | None:
    """Minimise each row of `objectives` over {a·z = b, low ≤ z ≤ high}, all in one block-diagonal programme:
    the optimal z of each (one row each), or None when one is unbounded."""
    copies, size = objectives.shape
    a_eq = b_eq = None
    if a.shape[0]:
        coo = a.tocoo()
        block = np.repeat(np.arange(copies), coo.nnz)
        a_eq = sparse.csr_matrix((np.tile(coo.data, copies),
                                  (np.tile(coo.row, copies) + block * a.shape[0],
                                   np.tile(coo.col, copies) + block * size)),
                                 shape=(a.shape[0] * copies, size * copies))
        b_eq = np.tile(b, copies)
    bounds = np.column_stack([np.tile(low, copies), np.tile(high, copies)])
    res = linprog(objectives.ravel(), A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    if res.status in (3, 4):  # unbounded (or HiGHS cannot tell unbounded from infeasible): one by one
        return None
    if res.status != 0:
        raise RuntimeError(f"disclosure audit: the published relations are inconsistent ({res.message})")
    return res.x.reshape(copies, size)


def _components(a: sparse.csr_matrix, n_targets: int) -> list[np.ndarray]:
    """Groups of unknowns linked by equations, each holding at least one hidden cell (remainders alone: none)."""
    m = a.shape[1]
    parent = list(range(m))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for row in range(a.shape[0]):
        cols = a.indices[a.indptr[row]:a.indptr[row + 1]]
        for col in cols[1:]:
            parent[find(col)] = find(cols[0])
    groups: dict[int, list[int]] = {}
    for col in range(m):
        groups.setdefault(find(col), []).append(col)
    return [np.array(g) for g in groups.values() if any(c < n_targets for c in g)]


def _solve_widths(a: sparse.csr_matrix, b: np.ndarray, low: np.ndarray, high: np.ndarray,
                  targets: list[int]) -> tuple[list[float], list[float]]:
    """(min, max) of each target unknown over {a·z = b, low ≤ z ≤ high}, in one block-diagonal programme."""
    objectives = np.zeros((2 * len(targets), a.shape[1]))
    rows = np.arange(len(targets))
    objectives[2 * rows, targets] = 1.0  # minimise each target in one copy
    objectives[2 * rows + 1, targets] = -1.0  # and maximise it in the next
    points = _block_solve(a, b, low, high, objectives)
    if points is None:  # unbounded above: some target has no upper limit
        return _solve_each(a, b, low, high, targets)
    return points[2 * rows, targets].tolist(), points[2 * rows + 1, targets].tolist()


def _solve_each(a, b, low, high, targets) -> tuple[list[float], list[float]]:
    bounds = [(lo, None if np.isinf(hi) else hi) for lo, hi in zip(low, high)]
    lows, highs = [], []
    for target in targets:
        c = np.zeros(a.shape[1])
        c[target] = 1.0
        res_low = linprog(c, A_eq=a if a.shape[0] else None, b_eq=b if a.shape[0] else None, bounds=bounds,
                          method="highs")
        res_high = linprog(-c, A_eq=a if a.shape[0] else None, b_eq=b if a.shape[0] else None, bounds=bounds,
                           method="highs")
        if res_low.status != 0 or res_high.status not in (0, 3):
            raise RuntimeError(f"disclosure audit: the published relations are inconsistent ({res_low.message})")
        lows.append(float(res_low.x[target]))
        highs.append(float("inf") if res_high.status == 3 else float(res_high.x[target]))
    return lows, highs
