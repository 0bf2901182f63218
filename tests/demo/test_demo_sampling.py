"""The exact-size sampling helpers the published figures depend on."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from assets.demo.sampling import largest_remainder, rng_for, round_half_up, sample_per_group


@given(st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=30), st.integers(0, 100_000))
@settings(max_examples=200, deadline=None)
def test_largest_remainder_adds_up(weights, total):
    out = largest_remainder(np.array(weights), total)
    assert out.sum() == (total if sum(weights) > 0 else 0)
    assert (out >= 0).all()


@given(st.lists(st.integers(0, 4), min_size=1, max_size=300), st.lists(st.integers(0, 50), min_size=5, max_size=5))
@settings(max_examples=200, deadline=None)
def test_sample_per_group_takes_exactly_k_or_all(groups, k):
    groups = np.array(groups)
    k = np.array(k)
    mask = sample_per_group(groups, k, rng_for(1, "t"), weights=np.linspace(0.1, 2, len(groups)))
    for g in range(5):
        assert mask[groups == g].sum() == min(k[g], (groups == g).sum())


def test_round_half_up_and_keyed_streams():
    assert list(round_half_up(np.array([2.5, 3.5, 1304.736, 0.49]))) == [3, 4, 1305, 0]
    a = rng_for(42, "hours", "2023-Q1").random(3)
    assert np.array_equal(a, rng_for(42, "hours", "2023-Q1").random(3))
    assert not np.array_equal(a, rng_for(42, "hours", "2023-Q2").random(3))
