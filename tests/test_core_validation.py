"""The one-pass input checks against their rules written out row by row.

``as_float_array`` copies and checks a column in one pass and
``check_histories`` checks the three history rules in one pass; both must
refuse exactly the inputs that break a rule, whatever the row holding the
break, and return the values unchanged otherwise.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from custvalue._core.summary import check_histories
from custvalue._core.validation import as_float_array
from custvalue.errors import InputValueError

VALUES = st.sampled_from([0.0, 1.0, 2.0, 0.5, -1.0, -0.25, 7.0, math.nan, math.inf, -math.inf])


def _breaks(v: float, positive: bool, nonnegative: bool, integer: bool) -> bool:
    if not math.isfinite(v):
        return True
    if positive and v <= 0:
        return True
    if nonnegative and v < 0:
        return True
    return integer and v != round(v)


@settings(max_examples=300, deadline=None)
@given(
    values=st.lists(VALUES, min_size=1, max_size=40),
    positive=st.booleans(),
    nonnegative=st.booleans(),
    integer=st.booleans(),
    dtype=st.sampled_from(["float64", "float32", "object"]),
)
def test_as_float_array_refuses_exactly_the_values_that_break_a_rule(
    values: list[float], positive: bool, nonnegative: bool, integer: bool, dtype: str
) -> None:
    raw = np.array(values, dtype=dtype)
    flags = {"positive": positive, "nonnegative": nonnegative, "integer": integer}
    if any(_breaks(float(v), **flags) for v in raw):
        with pytest.raises(InputValueError, match="`col`"):
            as_float_array(raw, "col", **flags)
        return
    before = raw.copy()
    got = as_float_array(raw, "col", **flags)
    assert got.dtype == np.float64 and got.flags.c_contiguous
    assert got.tolist() == [float(v) for v in raw]
    got[:] = -1.0  # a new array: the caller's is untouched
    np.testing.assert_array_equal(raw, before)


def test_as_float_array_reads_strided_and_integer_columns() -> None:
    grid = np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(as_float_array(grid[:, 1], "col"), [1.0, 5.0, 9.0])
    np.testing.assert_array_equal(as_float_array(np.arange(3), "col", integer=True), [0, 1, 2])
    with pytest.raises(InputValueError, match="`col` must be >= 0"):
        as_float_array(grid[:, 1] - 6.0, "col", nonnegative=True)


HISTORY = st.tuples(
    st.integers(0, 3).map(float),
    st.sampled_from([0.0, 0.5, 2.0, 5.0]),
    st.sampled_from([0.0, 1.0, 2.0, 6.0]),
)


@settings(max_examples=300, deadline=None)
@given(rows=st.lists(HISTORY, min_size=1, max_size=40))
def test_check_histories_refuses_exactly_the_impossible_rows(
    rows: list[tuple[float, float, float]],
) -> None:
    x, rec, t_obs = (np.array(c) for c in zip(*rows, strict=True))
    # the rules in the order they are reported; the message names the first row of the first
    rules = [
        [r > t for f, r, t in rows],
        [f > 0 and r == 0 for f, r, t in rows],
        [f == 0 and r > 0 for f, r, t in rows],
    ]
    broken = [rule for rule in rules if any(rule)]
    if broken:
        first = broken[0].index(True)
        with pytest.raises(InputValueError, match=f"first at position {first}"):
            check_histories(x, rec, t_obs)
    else:
        check_histories(x, rec, t_obs)
