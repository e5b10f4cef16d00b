"""The one percentile rank of custvalue._core.ranks against a slow reference."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from reference import percentile_rank as ref_percentile

from custvalue._core.ranks import percentile_rank
from custvalue._core.ranks import rank_from_counts

values = st.lists(
    st.one_of(
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from([0.0, -0.0, 1.5, -2.0, math.nan, 1e300, -1e300, 5e-324, math.inf]),
        st.integers(-20, 20).map(float),
    ),
    max_size=80,
)


@settings(max_examples=200, deadline=None)
@given(values=values, higher=st.booleans())
def test_percentile_rank_matches_reference(values, higher):
    got = percentile_rank(np.array(values, dtype=np.float64), higher)
    np.testing.assert_allclose(got, ref_percentile(values, higher), rtol=1e-12, atol=1e-12)


def test_percentile_rank_hand_values():
    # n = 4: worst 0, best 100, the tied pair (1 + 2) / 2 / 3 = 50.
    np.testing.assert_allclose(
        percentile_rank(np.array([3.0, 1.0, 2.0, 2.0]), True), [100.0, 0.0, 50.0, 50.0]
    )
    np.testing.assert_allclose(
        percentile_rank(np.array([-0.0, 0.0, 1.0]), True), [25.0, 25.0, 100.0]
    )
    assert np.isnan(percentile_rank(np.array([np.nan]), True)).all()
    np.testing.assert_allclose(
        percentile_rank(np.array([3.0, 1.0, np.nan]), False), [0.0, 100.0, np.nan]
    )
    np.testing.assert_allclose(percentile_rank(np.array([7.0]), True), [50.0])
    np.testing.assert_allclose(percentile_rank(np.array([4.0, 4.0, 4.0]), True), [50.0] * 3)
    # A wide integer range takes the sorting path; same rule.
    np.testing.assert_allclose(
        percentile_rank(np.array([0.0, 1e12, 5.0]), True), [0.0, 100.0, 50.0]
    )


@settings(max_examples=100, deadline=None)
@given(values=st.lists(st.integers(-50, 50), min_size=1, max_size=80), higher=st.booleans())
def test_percentile_rank_counting_path_matches_reference(values, higher):
    arr = np.array(values, dtype=np.float64)
    np.testing.assert_allclose(
        percentile_rank(arr, higher), ref_percentile(values, higher), rtol=1e-12, atol=1e-12
    )


@settings(max_examples=100, deadline=None)
@given(
    values=st.lists(st.integers(-5, 5).map(float), min_size=1, max_size=40),
    higher=st.booleans(),
)
def test_ranks_from_counts_match_the_reference(values, higher):
    # counts found one value at a time (as a pass over partitions would give them)
    below = np.array([sum(w < v for w in values) for v in values], dtype=np.float64)
    equal = np.array([sum(w == v for w in values) for v in values], dtype=np.float64)
    got = rank_from_counts(below, equal, len(values), higher)
    np.testing.assert_allclose(got, ref_percentile(values, higher), rtol=1e-12, atol=1e-12)
