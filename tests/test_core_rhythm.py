"""The one purchase-rhythm rule of custvalue._core.rhythm."""

from __future__ import annotations

import statistics

import numpy as np
import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from custvalue._core.rhythm import fallback_rhythm
from custvalue._core.rhythm import overdue_ratio
from custvalue._core.rhythm import purchase_rhythm
from custvalue.errors import InputValueError


@settings(max_examples=100, deadline=None)
@given(rows=st.lists(st.tuples(st.integers(0, 20), st.integers(1, 400)), min_size=1, max_size=40))
def test_purchase_rhythm_matches_reference(rows):
    frequency = np.array([float(f) for f, _ in rows])
    recency = np.array([float(r) if f > 0 else 0.0 for f, r in rows])
    own = [r / f for f, r in zip(frequency, recency, strict=True) if f > 0]
    fallback = statistics.median(own) if own else 1.0
    expected = [r / f if f > 0 else fallback for f, r in zip(frequency, recency, strict=True)]
    got = purchase_rhythm(frequency, recency, if_no_repeats=1.0)
    np.testing.assert_allclose(got, expected, rtol=1e-15)


def test_fallback_precedence():
    f = np.array([2.0, 0.0])
    r = np.array([10.0, 0.0])
    assert fallback_rhythm(f, r) == 5.0
    assert fallback_rhythm(f, r, default_rhythm=3.0) == 3.0
    np.testing.assert_array_equal(purchase_rhythm(f, r, default_rhythm=3.0), [5.0, 3.0])
    nobody = np.zeros(2)
    assert fallback_rhythm(nobody, nobody, if_no_repeats=1.0) == 1.0
    assert fallback_rhythm(nobody, nobody, default_rhythm=7.0, if_no_repeats=1.0) == 7.0
    with pytest.raises(InputValueError, match="default_rhythm"):
        fallback_rhythm(nobody, nobody)
    with pytest.raises(InputValueError, match="default_rhythm"):
        purchase_rhythm(nobody, nobody)
    with pytest.raises(InputValueError, match="default_rhythm"):
        fallback_rhythm(f, r, default_rhythm=0.0)


def test_overdue_ratio():
    np.testing.assert_allclose(
        overdue_ratio(np.array([40.0, 0.0]), np.array([50.0, 5.0]), np.array([10.0, 10.0])),
        [1.0, 0.5],
    )
