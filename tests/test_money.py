"""Tests of custvalue._core.money: rounding kernels, conversions, largest remainder."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN
from decimal import ROUND_HALF_UP
from decimal import Decimal
from decimal import localcontext
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from custvalue._core.money import HALF_EVEN
from custvalue._core.money import HALF_UP
from custvalue._core.money import MAX_MINOR
from custvalue._core.money import allocate_largest_remainder
from custvalue._core.money import allocate_largest_remainder_groups
from custvalue._core.money import minor_to_decimal
from custvalue._core.money import minor_to_decimals
from custvalue._core.money import mul_div_round
from custvalue._core.money import round_div
from custvalue._core.money import round_div_py
from custvalue._core.money import rounding_code
from custvalue._core.money import to_minor_units
from custvalue.errors import InputTypeError
from custvalue.errors import InputValueError

DEC = {HALF_EVEN: ROUND_HALF_EVEN, HALF_UP: ROUND_HALF_UP}
I62 = st.integers(-(2**62), 2**62)


def ref_round(num: int, den: int, mode: int) -> int:
    """Reference: Decimal division at ample precision, quantized with the rule."""
    # 80 significant digits: exact for every tie; otherwise far from the tie
    with localcontext() as ctx:
        ctx.prec = 80
        d = Decimal(num) / Decimal(den)
        return int(d.quantize(Decimal(1), rounding=DEC[mode]))


# --- hand-worked ties -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("num", "den", "even", "up"),
    [
        (5, 2, 2, 3),  # 2.5 -> 2 (even), 3 (away)
        (7, 2, 4, 4),  # 3.5 -> 4 both
        (-5, 2, -2, -3),  # -2.5 -> -2 (even), -3 (away from zero)
        (-7, 2, -4, -4),
        (1, 2, 0, 1),
        (-1, 2, 0, -1),
        (10, 4, 2, 3),  # 2.5
        (11, 4, 3, 3),  # 2.75
        (-11, 4, -3, -3),
        (9, 4, 2, 2),  # 2.25
        (0, 7, 0, 0),
    ],
)
def test_round_div_hand_examples(num: int, den: int, even: int, up: int) -> None:
    assert round_div(num, den, HALF_EVEN) == even
    assert round_div(num, den, HALF_UP) == up
    assert round_div_py(num, den, HALF_EVEN) == even
    assert round_div_py(num, den, HALF_UP) == up


@settings(max_examples=100, deadline=None)
@given(num=I62, den=st.integers(1, 2**40), mode=st.sampled_from([HALF_EVEN, HALF_UP]))
def test_round_div_matches_decimal(num: int, den: int, mode: int) -> None:
    expected = ref_round(num, den, mode)
    assert round_div(num, den, mode) == expected
    assert round_div_py(num, den, mode) == expected


@settings(max_examples=100, deadline=None)
@given(
    num=st.integers(-(10**6), 10**6),
    den=st.sampled_from([2, 4, 8, 10, 100]),
    mode=st.sampled_from([HALF_EVEN, HALF_UP]),
)
def test_round_div_many_ties_match_decimal(num: int, den: int, mode: int) -> None:
    # small even denominators make exact ties frequent
    assert round_div(num, den, mode) == ref_round(num, den, mode)


@settings(max_examples=100, deadline=None)
@given(
    a=st.integers(-(10**18), 10**18),
    d=st.integers(1, 3 * 10**9),
    frac=st.fractions(0, 1),
    mode=st.sampled_from([HALF_EVEN, HALF_UP]),
)
def test_mul_div_round_exact(a: int, d: int, frac: Fraction, mode: int) -> None:
    b = int(frac * d)
    assert mul_div_round(a, b, d, mode) == ref_round(a * b, d, mode)


def test_rounding_code() -> None:
    assert rounding_code("half_even") == HALF_EVEN
    assert rounding_code("half_up") == HALF_UP
    with pytest.raises(InputValueError, match="rounding"):
        rounding_code("bankers")


# --- conversions -------------------------------------------------------------------------


def test_float_conversion_reads_shortest_repr() -> None:
    # 2.675 is stored as 2.67499999999999982236431605997495353221893310546875,
    # but it means 2.675: half_even -> 2.68 (7 is odd), half_up -> 2.68.
    # 0.125 -> 0.12 (half_even, 2 is even) / 0.13 (half_up).
    assert to_minor_units([2.675, 0.125, -0.125], 2, "half_even").tolist() == [268, 12, -12]
    assert to_minor_units([2.675, 0.125, -0.125], 2, "half_up").tolist() == [268, 13, -13]
    assert to_minor_units([1.005], 2, "half_up").tolist() == [101]
    assert to_minor_units([12.34, 0.0, -0.01], 2).tolist() == [1234, 0, -1]
    assert to_minor_units([2.5, 3.5], 0, "half_even").tolist() == [2, 4]


@settings(max_examples=100, deadline=None)
@given(
    x=st.one_of(
        st.floats(-1e11, 1e11, allow_nan=False),
        st.integers(-(10**9), 10**9).map(lambda k: k / 1000),
        st.integers(-(10**9), 10**9).map(lambda k: k / 200),
    ),
    decimals=st.integers(0, 4),
    rounding=st.sampled_from(["half_even", "half_up"]),
)
def test_float_conversion_matches_decimal(x: float, decimals: int, rounding: str) -> None:
    mode = rounding_code(rounding)
    expected = int(Decimal(repr(x)).scaleb(decimals).quantize(Decimal(1), rounding=DEC[mode]))
    got = to_minor_units(np.array([x, x]), decimals, rounding)
    assert got.tolist() == [expected, expected]


def test_integer_decimal_and_minor_inputs() -> None:
    assert to_minor_units(np.array([3, -2]), 2).tolist() == [300, -200]
    obj = np.array([Decimal("1.235"), Decimal("1.245"), 7, 0.5], dtype=object)
    # Decimals rounded with the rule: 1.235 -> 1.24, 1.245 -> 1.24 (half_even)
    assert to_minor_units(obj, 2, "half_even").tolist() == [124, 124, 700, 50]
    assert to_minor_units(obj, 2, "half_up").tolist() == [124, 125, 700, 50]
    assert to_minor_units(pd.Series([1234, -5]), 2, units="minor").tolist() == [1234, -5]
    assert to_minor_units(pd.Series([12.0]), 2, units="minor").tolist() == [12]
    assert to_minor_units(pd.Series([1.5, 2.0], dtype="Float64"), 1).tolist() == [15, 20]


@pytest.mark.parametrize(
    ("values", "kwargs", "error", "pattern"),
    [
        (pd.Series([1.0, np.nan], name="x"), {}, InputValueError, "`amount`.*missing"),
        (np.array([1.0, np.inf]), {}, InputValueError, "`amount`.*non-finite"),
        (np.array(["1.0"]), {}, InputTypeError, "`amount`"),
        (np.array([True]), {}, InputTypeError, "`amount`.*boolean"),
        (np.array([1e16]), {}, InputValueError, "`amount`.*too large"),
        (np.array([10**14]), {}, InputValueError, "`amount`.*too large"),
        (np.array([1.5]), {"units": "minor"}, InputValueError, "`amount`.*whole minor"),
        (np.array([object()], dtype=object), {}, InputTypeError, "`amount`"),
        (np.array([None], dtype=object), {}, InputValueError, "`amount`.*missing"),
        (np.ones((2, 2)), {}, InputTypeError, "`amount`.*1-D"),
        (pd.Series(pd.Categorical([1.0])), {}, InputTypeError, "`amount`.*categorical"),
    ],
)
def test_conversion_errors_name_the_argument(
    values: object, kwargs: dict[str, str], error: type[Exception], pattern: str
) -> None:
    with pytest.raises(error, match=pattern):
        to_minor_units(values, 2, "half_even", name="amount", **kwargs)


def test_max_minor_is_accepted() -> None:
    assert to_minor_units(np.array([MAX_MINOR]), 0).tolist() == [MAX_MINOR]


def test_minor_to_decimal() -> None:
    assert minor_to_decimal(-1234, 2) == Decimal("-12.34")
    assert str(minor_to_decimal(0, 2)) == "0.00"
    assert str(minor_to_decimal(5, 3)) == "0.005"
    assert [str(d) for d in minor_to_decimals(np.array([0, 100, -7]), 2)] == [
        "0.00",
        "1.00",
        "-0.07",
    ]
    assert [str(d) for d in minor_to_decimals([42], 0)] == ["42"]


@settings(max_examples=100, deadline=None)
@given(v=st.integers(-(10**15), 10**15), d=st.integers(0, 6))
def test_minor_to_decimal_round_trip(v: int, d: int) -> None:
    dec = minor_to_decimal(v, d)
    assert dec == Decimal(v).scaleb(-d)
    assert dec.as_tuple().exponent == -d
    assert minor_to_decimals([v], d)[0] == dec


# --- largest remainder -----------------------------------------------------------------------


def ref_allocate(total: int, weights: list[int]) -> list[int]:
    """Reference with Fractions: floors, then leftovers by largest remainder, ties first."""
    t = abs(total)
    wsum = sum(weights)
    quotas = [Fraction(t * w, wsum) for w in weights]
    parts = [int(q) for q in quotas]  # floor (non-negative)
    left = t - sum(parts)
    ranked = sorted(range(len(weights)), key=lambda i: (-(quotas[i] - parts[i]), i))
    for i in ranked[:left]:
        parts[i] += 1
    return [-p for p in parts] if total < 0 else parts


def test_allocate_hand_examples() -> None:
    # 1 cent three ways: quotas 1/3 each, all remainders equal -> first listed gets it
    assert allocate_largest_remainder(1, [1, 1, 1]) == [1, 0, 0]
    # 100 three ways: 33 each, 1 left -> first; a reversal mirrors it
    assert allocate_largest_remainder(100, [1, 1, 1]) == [34, 33, 33]
    assert allocate_largest_remainder(-100, [1, 1, 1]) == [-34, -33, -33]
    # 10 at 25/25/50: quotas 2.5, 2.5, 5 -> one unit left, tie -> first
    assert allocate_largest_remainder(10, [25, 25, 50]) == [3, 2, 5]
    # 7 at 1/2: quotas 2.333, 4.667 -> floors 2, 4, leftover to the second
    assert allocate_largest_remainder(7, [1, 2]) == [2, 5]
    assert allocate_largest_remainder(5, [0, 3]) == [0, 5]


def test_allocate_errors() -> None:
    with pytest.raises(InputValueError, match="weights"):
        allocate_largest_remainder(10, [0, 0])
    with pytest.raises(InputValueError, match="weights"):
        allocate_largest_remainder(10, [2, -1])


@settings(max_examples=100, deadline=None)
@given(
    total=st.integers(-(10**15), 10**15),
    weights=st.lists(st.integers(0, 10**6), min_size=1, max_size=8).filter(lambda w: sum(w) > 0),
)
def test_allocate_matches_reference(total: int, weights: list[int]) -> None:
    got = allocate_largest_remainder(total, weights)
    assert sum(got) == total
    assert got == ref_allocate(total, weights)


@settings(max_examples=100, deadline=None)
@given(
    groups=st.lists(
        st.tuples(
            st.integers(-(10**15), 10**15),
            st.lists(st.integers(0, 1000), min_size=1, max_size=5).filter(lambda w: sum(w) > 0),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_group_kernel_matches_python(groups: list[tuple[int, list[int]]]) -> None:
    # the kernel needs one common weight sum: scale each group's weights to 10**9 exactly
    wsum = 10**9
    totals, flat, offsets, expected = [], [], [0], []
    for total, ws in groups:
        scaled = allocate_largest_remainder(wsum, ws)  # integer weights summing to 1e9
        totals.append(total)
        flat += scaled
        offsets.append(len(flat))
        expected += allocate_largest_remainder(total, scaled)
    out = np.empty(len(flat), dtype=np.int64)
    allocate_largest_remainder_groups(
        np.array(totals, dtype=np.int64),
        np.array(flat, dtype=np.int64),
        np.array(offsets, dtype=np.int64),
        wsum,
        out,
    )
    assert out.tolist() == expected
