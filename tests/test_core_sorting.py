"""The shared sorts of custvalue._core.sorting against numpy's stable sorts."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from custvalue._core.sorting import argsort_floats
from custvalue._core.sorting import counting_order
from custvalue._core.sorting import float_keys
from custvalue._core.sorting import group_rows
from custvalue._core.sorting import grouped_time_order
from custvalue._core.sorting import radix_sort_pairs
from custvalue._core.sorting import sort_floats

# NaN-free floats with the awkward cases drawn often: signed zeros, extremes, ties.
special = st.sampled_from(
    [
        0.0,
        -0.0,
        1.0,
        -1.0,
        5e-324,
        -5e-324,
        2.2250738585072014e-308,
        1e308,
        -1e308,
        1.7976931348623157e308,
        -1.7976931348623157e308,
        np.inf,
        -np.inf,
        2.0**53,
        2.0**53 + 2,
    ]
)
floats = st.lists(
    st.one_of(
        st.floats(allow_nan=False, allow_infinity=True), special, st.integers(-3, 3).map(float)
    ),
    max_size=400,
)


@settings(max_examples=150, deadline=None)
@given(values=floats)
def test_argsort_floats_is_numpy_stable_argsort(values):
    arr = np.array(values, dtype=np.float64)
    expected = np.argsort(arr + 0.0, kind="stable")  # +0.0 makes -0.0 equal to 0.0
    np.testing.assert_array_equal(argsort_floats(arr), expected)


@settings(max_examples=150, deadline=None)
@given(values=floats, descending=st.booleans())
def test_sort_floats_is_numpy_sort(values, descending):
    arr = np.array(values, dtype=np.float64)
    expected = np.sort(arr + 0.0, kind="stable")
    if descending:
        expected = expected[::-1]
    got = sort_floats(arr, descending)
    np.testing.assert_array_equal(got, expected)
    # Zero comes back as +0.0, never -0.0.
    assert not np.signbit(got[got == 0.0]).any()


@settings(max_examples=150, deadline=None)
@given(values=floats)
def test_float_keys_preserve_order(values):
    arr = np.array(values, dtype=np.float64)
    keys = float_keys(arr)
    a, b = np.meshgrid(arr, arr)
    ka, kb = np.meshgrid(keys, keys)
    np.testing.assert_array_equal(a < b, ka < kb)
    np.testing.assert_array_equal(a == b, ka == kb)


@settings(max_examples=150, deadline=None)
@given(
    keys=st.lists(
        st.one_of(
            st.integers(0, 2**64 - 1),
            st.integers(0, 5),
            st.sampled_from([2**63, 2**63 - 1, 2**64 - 1]),
        ),
        max_size=300,
    )
)
def test_radix_sort_pairs_is_numpy_stable_sort_of_uint64(keys):
    arr = np.array(keys, dtype=np.uint64)
    got_keys, got_pos = radix_sort_pairs(arr)
    expected = np.argsort(arr, kind="stable")
    np.testing.assert_array_equal(got_pos, expected)
    np.testing.assert_array_equal(got_keys, arr[expected])


@settings(max_examples=150, deadline=None)
@given(data=st.data(), n_keys=st.integers(1, 12))
def test_counting_order_is_numpy_stable_argsort(data, n_keys):
    keys = np.array(data.draw(st.lists(st.integers(0, n_keys - 1), max_size=200)), dtype=np.int64)
    order_in = np.array(data.draw(st.permutations(range(len(keys)))), dtype=np.int64)
    got = counting_order(keys, n_keys, order_in)
    expected = order_in[np.argsort(keys[order_in], kind="stable")]
    np.testing.assert_array_equal(got, expected)


@settings(max_examples=150, deadline=None)
@given(data=st.data(), n_groups=st.integers(1, 8))
def test_group_rows_and_time_order_match_lexsort(data, n_groups):
    n = data.draw(st.integers(0, 200))
    codes = np.array(
        data.draw(st.lists(st.integers(0, n_groups - 1), min_size=n, max_size=n)), dtype=np.int64
    )
    times = np.array(
        data.draw(st.lists(st.integers(-5, 5), min_size=n, max_size=n)), dtype=np.float64
    )
    start, rows = group_rows(codes, n_groups)
    np.testing.assert_array_equal(rows, np.argsort(codes, kind="stable"))
    np.testing.assert_array_equal(start, np.searchsorted(np.sort(codes), np.arange(n_groups + 1)))
    start2, rows2, t_sorted = grouped_time_order(codes, times, n_groups)
    expected = np.lexsort((np.arange(n), times, codes))  # by code, then time, then row
    np.testing.assert_array_equal(start2, start)
    np.testing.assert_array_equal(rows2, expected)
    np.testing.assert_array_equal(t_sorted, times[expected])


def test_grouped_time_order_long_groups_are_stable():
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 3, size=500).astype(np.int64)
    times = rng.integers(0, 10, size=500).astype(np.float64)
    _, rows, _ = grouped_time_order(codes, times, 3)
    np.testing.assert_array_equal(rows, np.lexsort((np.arange(500), times, codes)))
