"""Vectorised sampling helpers: exact-size draws per group, fair integer rounding, keyed random streams.

Exact sizes matter because the demo must hit published percentages to a tenth of a point; drawing
"each student with probability p" would only hit them on average.
"""

from __future__ import annotations

import zlib

import numpy as np


def rng_for(seed: int, *keys: object) -> np.random.Generator:
    """An independent random stream per (seed, purpose, period): generating one period never shifts another."""
    words = [int(seed) & 0xFFFFFFFF] + [zlib.crc32(str(k).encode()) for k in keys]
    return np.random.default_rng(np.random.SeedSequence(words))


def round_half_up(x: np.ndarray | float) -> np.ndarray:
    """Commercial rounding (2.5 → 3), as people round published counts; numpy's rint rounds half to even."""
    return np.floor(np.asarray(x, dtype=np.float64) + 0.5).astype(np.int64)


def largest_remainder(weights: np.ndarray, total: int) -> np.ndarray:
    """Integers proportional to `weights` that add up to exactly `total` (Hamilton's method)."""
    weights = np.asarray(weights, dtype=np.float64)
    if total <= 0 or weights.sum() <= 0:
        return np.zeros(len(weights), dtype=np.int64)
    raw = weights / weights.sum() * total
    base = np.floor(raw).astype(np.int64)
    short = total - int(base.sum())
    if short:
        order = np.argsort(-(raw - base), kind="stable")
        base[order[:short]] += 1
    return base


def rank_in_group(groups: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Rank (0 = best = smallest key) of every element within its group."""
    order = np.lexsort((keys, groups))
    sorted_groups = groups[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_groups)) + 1]
    run_start = np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    ranks = np.empty(len(order), dtype=np.int64)
    ranks[order] = np.arange(len(order)) - run_start
    return ranks


def sample_per_group(
    groups: np.ndarray, k_per_group: np.ndarray, rng: np.random.Generator, weights: np.ndarray | None = None
) -> np.ndarray:
    """Boolean mask choosing exactly min(k, group size) elements of every group, without replacement.

    Weighted draws use Efraimidis–Spirakis keys (−log U / w): the k smallest keys of a group are a weighted
    sample of size k, in one vectorised sort instead of a loop over groups.
    """
    n = len(groups)
    if n == 0:
        return np.zeros(0, dtype=bool)
    u = rng.random(n)
    if weights is None:
        keys = u
    else:
        w = np.maximum(np.asarray(weights, dtype=np.float64), 1e-12)
        keys = -np.log1p(-u) / w
    ranks = rank_in_group(groups, keys)
    return ranks < np.asarray(k_per_group)[groups]


def sample_k(n: int, k: int, rng: np.random.Generator, weights: np.ndarray | None = None) -> np.ndarray:
    """Boolean mask of exactly min(k, n) chosen out of n."""
    return sample_per_group(np.zeros(n, dtype=np.int64), np.array([k]), rng, weights)


def random_dates(start: np.ndarray, end: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Uniform dates in [start, end] (inclusive), elementwise, as datetime64[D]."""
    start = np.asarray(start, dtype="datetime64[D]")
    end = np.asarray(end, dtype="datetime64[D]")
    span = (end - start).astype(np.int64) + 1
    return start + (rng.random(len(start)) * span).astype(np.int64).astype("timedelta64[D]")
