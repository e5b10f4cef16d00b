from __future__ import annotations

import copy
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from custvalue._rfm.scores import rfm_scores
from custvalue.errors import CustvalueError
from custvalue.errors import InputTypeError
from custvalue.errors import InputValueError
from custvalue.errors import MissingColumnError

# ---------------------------------------------------------------------------
# Slow, obviously-correct references, written from the documented rules.


def bins_of(scores):
    """Number of scores per dimension carried by the categorical R, F, M columns."""
    return tuple(len(scores[d].cat.categories) for d in ("R", "F", "M"))


def ref_quantile(values, bins, higher_is_better):
    """Score k iff (k-1)/bins <= (#strictly worse)/n < k/bins, in exact fractions."""
    n = len(values)
    out = []
    for v in values:
        worse = sum(1 for u in values if (u < v if higher_is_better else u > v))
        share = Fraction(worse, n)
        matches = [
            k for k in range(1, bins + 1) if Fraction(k - 1, bins) <= share < Fraction(k, bins)
        ]
        assert len(matches) == 1
        out.append(matches[0])
    return out


def ref_edges(values, edges, higher_is_better):
    out = []
    for v in values:
        if higher_is_better:
            out.append(1 + sum(1 for e in edges if v >= e))
        else:
            out.append(len(edges) + 1 - sum(1 for e in edges if v > e))
    return out


def ref_mean(values, higher_is_better):
    """Exact mean with fractions; values are whole numbers in the tests using it."""
    mean = Fraction(sum(int(v) for v in values), len(values))
    if higher_is_better:
        return [2 if v > mean else 1 for v in values]
    return [2 if v < mean else 1 for v in values]


def make_summary(r, f, m, index=None):
    return pd.DataFrame(
        {"inactivity": r, "purchases": f, "total_value": m, "T": 100.0},
        index=index,
    )


# ---------------------------------------------------------------------------
# Strategies

tied_ints = st.integers(min_value=0, max_value=3)
wide_ints = st.integers(min_value=0, max_value=10**7)
floats = st.floats(min_value=0.0, max_value=1e6, allow_nan=False, allow_infinity=False)
value_kinds = st.sampled_from(
    [tied_ints, wide_ints, floats, st.sampled_from([0.0, 1.0, 1.0, 2.5])]
)


@st.composite
def columns(draw, max_size=40):
    n = draw(st.integers(min_value=1, max_value=max_size))
    out = []
    for _ in range(3):
        kind = draw(value_kinds)
        out.append(draw(st.lists(kind, min_size=n, max_size=n)))
    return out


@st.composite
def edge_lists(draw):
    vals = draw(
        st.lists(
            st.one_of(st.integers(0, 20), st.floats(0, 20, allow_nan=False)),
            min_size=1,
            max_size=8,
            unique=True,
        )
    )
    return sorted(vals)


# ---------------------------------------------------------------------------
# Quantile method


@settings(max_examples=100, deadline=None)
@given(cols=columns(), bins=st.integers(min_value=2, max_value=9))
def test_quantile_matches_reference(cols, bins):
    r, f, m = cols
    out = rfm_scores(make_summary(r, f, m), bins=bins)
    assert out["R"].tolist() == ref_quantile(r, bins, higher_is_better=False)
    assert out["F"].tolist() == ref_quantile(f, bins, higher_is_better=True)
    assert out["M"].tolist() == ref_quantile(m, bins, higher_is_better=True)
    assert out["cell"].tolist() == [
        f"{a}{b}{c}" for a, b, c in zip(out.R, out.F, out.M, strict=True)
    ]
    assert out["score"].tolist() == [
        a + b + c for a, b, c in zip(out.R, out.F, out.M, strict=True)
    ]


@settings(max_examples=100, deadline=None)
@given(cols=columns(), bins=st.integers(min_value=2, max_value=9))
def test_quantile_properties(cols, bins):
    r, f, m = cols
    out = rfm_scores(make_summary(r, f, m), bins=bins)
    for dim, vals, sign in (("R", r, -1), ("F", f, 1), ("M", m, 1)):
        s = out[dim].to_numpy()
        assert s.min() >= 1 and s.max() <= bins
        for i in range(len(vals)):
            for j in range(len(vals)):
                if vals[i] == vals[j]:
                    assert s[i] == s[j]
                elif sign * vals[i] < sign * vals[j]:
                    assert s[i] <= s[j]
        # the worst value always scores 1
        worst = max(vals) if sign < 0 else min(vals)
        assert set(s[np.asarray(vals) == worst]) == {1}


def test_quantile_hand_worked_distinct():
    vals = list(range(1, 11))
    out = rfm_scores(make_summary(vals, vals, vals), bins=5)
    assert out["F"].tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert out["M"].tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    # smallest inactivity gets the highest R
    assert out["R"].tolist() == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]


def test_quantile_hand_worked_uneven_count():
    # n = 7, w = 0..6: 1 + floor(5 w / 7) = 1, 1, 2, 3, 3, 4, 5
    vals = [10, 20, 30, 40, 50, 60, 70]
    out = rfm_scores(make_summary(vals, vals, vals))
    assert out["F"].tolist() == [1, 1, 2, 3, 3, 4, 5]


def test_quantile_heavy_ties_leave_empty_scores():
    # 60 % one-time buyers: they score 1; two purchases: w = 6 -> 1 + 30 // 10 = 4
    purchases = [1] * 6 + [2, 2, 3, 4]
    out = rfm_scores(make_summary([5] * 10, purchases, [1.0] * 10))
    assert out["F"].tolist() == [1] * 6 + [4, 4, 5, 5]
    assert set(out["F"]) == {1, 4, 5}


def test_quantile_all_equal_and_single_row():
    out = rfm_scores(make_summary([7, 7, 7], [2, 2, 2], [3.5, 3.5, 3.5]))
    assert out[["R", "F", "M"]].to_numpy().tolist() == [[1, 1, 1]] * 3
    one = rfm_scores(make_summary([4], [1], [9.99]), bins=9)
    assert one.loc[0, "cell"] == "111"
    assert one.loc[0, "score"] == 3


def test_quantile_large_integers_and_integral_floats_agree():
    rng = np.random.default_rng(1)
    small = rng.integers(0, 30, 200)
    big = small * 10**9  # same order, takes the sorting path
    out_small = rfm_scores(make_summary(small, small, small.astype(float)))
    out_big = rfm_scores(make_summary(big, big, big.astype(float)))
    pd.testing.assert_frame_equal(out_small, out_big)


# ---------------------------------------------------------------------------
# Edges method


@settings(max_examples=100, deadline=None)
@given(cols=columns(), er=edge_lists(), ef=edge_lists(), em=edge_lists())
def test_edges_match_reference(cols, er, ef, em):
    r, f, m = cols
    out = rfm_scores(make_summary(r, f, m), method="edges", edges={"R": er, "F": ef, "M": em})
    assert out["R"].tolist() == ref_edges(r, er, higher_is_better=False)
    assert out["F"].tolist() == ref_edges(f, ef, higher_is_better=True)
    assert out["M"].tolist() == ref_edges(m, em, higher_is_better=True)
    assert bins_of(out) == (len(er) + 1, len(ef) + 1, len(em) + 1)


def test_edges_hand_worked():
    edges = {"R": [30, 90, 180, 365], "F": [2, 3, 5, 10], "M": [50, 100]}
    inactivity = [0, 30, 31, 90, 91, 180, 181, 365, 366]
    purchases = [1, 2, 3, 4, 5, 9, 10, 11, 1]
    value = [0, 49.99, 50, 99, 100, 1000, 1, 1, 1]
    out = rfm_scores(make_summary(inactivity, purchases, value), method="edges", edges=edges)
    assert out["R"].tolist() == [5, 5, 4, 4, 3, 3, 2, 2, 1]
    assert out["F"].tolist() == [1, 2, 3, 3, 4, 4, 5, 5, 1]
    assert out["M"].tolist() == [1, 1, 2, 2, 3, 3, 1, 1, 1]
    same = rfm_scores(
        make_summary(inactivity, purchases, value), method="edges", edges=edges, bins=None
    )
    pd.testing.assert_frame_equal(out, same)


def test_edges_bins_agreeing_is_accepted():
    edges = {"R": [1, 2], "F": [1, 2], "M": [1, 2]}
    out = rfm_scores(make_summary([0, 5], [0, 5], [0, 5]), method="edges", edges=edges, bins=3)
    assert out["R"].tolist() == [3, 1]
    assert out["F"].tolist() == [1, 3]


# ---------------------------------------------------------------------------
# Mean method


@settings(max_examples=100, deadline=None)
@given(
    cols=st.integers(1, 30).flatmap(
        lambda n: st.lists(
            st.lists(st.integers(0, 50), min_size=n, max_size=n), min_size=3, max_size=3
        )
    )
)
def test_mean_matches_reference(cols):
    r, f, m = cols
    out = rfm_scores(make_summary(r, f, m), method="mean")
    assert out["R"].tolist() == ref_mean(r, higher_is_better=False)
    assert out["F"].tolist() == ref_mean(f, higher_is_better=True)
    assert out["M"].tolist() == ref_mean(m, higher_is_better=True)
    assert bins_of(out) == (2, 2, 2)


def test_mean_hand_worked():
    out = rfm_scores(
        make_summary([10, 20, 30, 40], [1, 1, 1, 5], [1.0, 2.0, 3.0, 2.0]), method="mean"
    )
    assert out["R"].tolist() == [2, 2, 1, 1]  # mean 25: below is recent
    assert out["F"].tolist() == [1, 1, 1, 2]  # mean 2
    assert out["M"].tolist() == [1, 1, 2, 1]  # value on the mean (2.0) scores 1


def test_mean_equal_floats_never_split():
    # the float mean of three 0.1 is not exactly 0.1; equal values must still agree
    out = rfm_scores(make_summary([0.1] * 3, [0.1] * 3, [0.7] * 3), method="mean")
    assert out[["R", "F", "M"]].to_numpy().tolist() == [[1, 1, 1]] * 3
    vals = [0.1] * 7
    out = rfm_scores(make_summary(vals, vals, vals), method="mean", bins=2)
    assert set(out["R"]) == {1} and set(out["F"]) == {1}


# ---------------------------------------------------------------------------
# Output layout and non-mutation


def test_output_layout():
    idx = pd.Index(["x", "y", "z"], name="customer")
    summary = make_summary([1, 2, 3], [3, 2, 1], [5.0, 5.0, 1.0], index=idx)
    out = rfm_scores(summary, bins=3)
    assert list(out.columns) == ["R", "F", "M", "cell", "score"]
    assert out.index.equals(idx) and out.index.name == "customer"
    assert out["score"].dtype == np.int64
    for col in ("R", "F", "M"):
        # The score columns carry their number of scores in the dtype.
        assert out[col].dtype == pd.CategoricalDtype([1, 2, 3], ordered=True)
        assert out[col].astype(int).dtype == np.int64
    # x: R worse=2 -> 3, F w=2 -> 3, M tied 5.0 has w=1 -> 2
    assert out["cell"].tolist() == ["332", "222", "111"]
    assert bins_of(out) == (3, 3, 3)


def test_custom_column_names_and_monetary_value():
    summary = pd.DataFrame(
        {"days": [1, 9], "orders": [4, 1], "monetary_value": [2.0, 8.0], "total_value": [8.0, 8.0]}
    )
    out = rfm_scores(
        summary, bins=2, recency_col="days", frequency_col="orders", monetary_col="monetary_value"
    )
    assert out["cell"].tolist() == ["221", "112"]


def test_summary_is_not_modified():
    summary = make_summary([3, 1, 2], [1, 1, 2], [10.0, 5.0, 7.5])
    summary.attrs["note"] = "kept"
    before = copy.deepcopy(summary)
    rfm_scores(summary)
    rfm_scores(summary, method="mean")
    rfm_scores(summary, method="edges", edges={"R": [1], "F": [2], "M": [6]})
    pd.testing.assert_frame_equal(summary, before)
    assert summary.attrs == {"note": "kept"}


# ---------------------------------------------------------------------------
# Bad input


GOOD = make_summary([1, 2, 3], [1, 2, 3], [1.0, 2.0, 3.0])


def with_column(col, values):
    frame = GOOD.copy()
    frame[col] = values
    return frame


@pytest.mark.parametrize(
    ("summary", "kwargs", "error", "words"),
    [
        ([1, 2, 3], {}, InputTypeError, ["summary"]),
        (
            GOOD.drop(columns="total_value"),
            {},
            MissingColumnError,
            ["'total_value'", "monetary_col"],
        ),
        (GOOD.drop(columns="purchases"), {}, MissingColumnError, ["'purchases'", "frequency_col"]),
        (GOOD, {"recency_col": "recency"}, MissingColumnError, ["'recency'", "recency_col"]),
        (GOOD.iloc[:0], {}, InputValueError, ["summary", "empty"]),
        (with_column("purchases", [1.0, np.nan, 3.0]), {}, InputValueError, ["purchases"]),
        (with_column("total_value", [1.0, np.inf, 3.0]), {}, InputValueError, ["total_value"]),
        (with_column("inactivity", [1, -2, 3]), {}, InputValueError, ["inactivity", ">= 0"]),
        (with_column("total_value", ["a", "b", "c"]), {}, InputTypeError, ["total_value"]),
        (with_column("purchases", [True, False, True]), {}, InputTypeError, ["purchases"]),
        (GOOD, {"bins": 1}, InputValueError, ["bins"]),
        (GOOD, {"bins": 10}, InputValueError, ["bins", "9"]),
        (GOOD, {"bins": 2.5}, InputTypeError, ["bins"]),
        (GOOD, {"bins": True}, InputTypeError, ["bins"]),
        (GOOD, {"method": "median"}, InputValueError, ["method"]),
        (
            GOOD,
            {"edges": {"R": [1], "F": [1], "M": [1]}},
            InputValueError,
            ["edges", "method='edges'"],
        ),
        (GOOD, {"method": "edges"}, InputValueError, ["edges"]),
        (GOOD, {"method": "edges", "edges": [1, 2]}, InputTypeError, ["edges"]),
        (
            GOOD,
            {"method": "edges", "edges": {"R": [1], "F": [1]}},
            InputValueError,
            ["edges", "'M'"],
        ),
        (
            GOOD,
            {"method": "edges", "edges": {"R": [1], "F": [1], "M": [1], "X": [1]}},
            InputValueError,
            ["'X'"],
        ),
        (
            GOOD,
            {"method": "edges", "edges": {"R": [1], "F": [3, 2], "M": [1]}},
            InputValueError,
            ["edges['F']", "increasing"],
        ),
        (
            GOOD,
            {"method": "edges", "edges": {"R": [1], "F": [2, 2], "M": [1]}},
            InputValueError,
            ["edges['F']", "increasing"],
        ),
        (
            GOOD,
            {"method": "edges", "edges": {"R": [1, np.nan], "F": [1], "M": [1]}},
            InputValueError,
            ["edges['R']"],
        ),
        (
            GOOD,
            {"method": "edges", "edges": {"R": [], "F": [1], "M": [1]}},
            InputValueError,
            ["edges['R']"],
        ),
        (
            GOOD,
            {"method": "edges", "edges": {"R": list(range(9)), "F": [1], "M": [1]}},
            InputValueError,
            ["edges['R']", "9"],
        ),
        (
            GOOD,
            {"method": "edges", "edges": {"R": 5, "F": [1], "M": [1]}},
            InputTypeError,
            ["edges['R']"],
        ),
        (
            GOOD,
            {"method": "edges", "edges": {"R": ["a"], "F": [1], "M": [1]}},
            InputTypeError,
            ["edges['R']"],
        ),
        (
            GOOD,
            {"method": "edges", "edges": {"R": [1], "F": [1], "M": [1]}, "bins": 5},
            InputValueError,
            ["bins", "edges"],
        ),
        (GOOD, {"method": "mean", "bins": 5}, InputValueError, ["bins", "mean"]),
    ],
)
def test_bad_input(summary, kwargs, error, words):
    with pytest.raises(error) as info:
        rfm_scores(summary, **kwargs)
    assert isinstance(info.value, CustvalueError)
    message = str(info.value)
    for word in words:
        assert word in message
