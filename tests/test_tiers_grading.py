from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from reference import percentile_rank as ref_percentile

from custvalue.errors import InputTypeError
from custvalue.errors import InputValueError
from custvalue.errors import MissingColumnError
from custvalue.tiers import Override
from custvalue.tiers import relationship_classes
from custvalue.tiers import value_grid
from custvalue.tiers import weighted_score

# ---------------------------------------------------------------------------
# References


def ref_score(columns, weights, lower, rescore=True):
    combined = [0.0] * len(next(iter(columns.values())))
    for name, w in weights.items():
        vals = [-v for v in columns[name]] if name in lower else list(columns[name])
        for i, p in enumerate(ref_percentile(vals)):
            combined[i] += w * p
    total = sum(weights.values())
    combined = [round(c / total, 9) for c in combined]
    return ref_percentile(combined) if rescore else combined


# ---------------------------------------------------------------------------
# weighted_score


def test_weighted_score_by_hand():
    factors = pd.DataFrame(
        {"industry": [5, 1, 3, 3], "profile": [0, 10, 0, 10]}, index=list("abcd")
    )
    # industry percentiles: 100, 0, 50, 50; profile: 50/3, 250/3, 50/3, 250/3
    # weights 3:1 -> a 950/12, b 250/12, c 500/12, d 700/12
    raw = weighted_score(factors, {"industry": 3, "profile": 1}, rescore=False)
    np.testing.assert_allclose(raw, np.array([950, 250, 500, 700]) / 12, atol=1e-9)
    # rescored: ranks b < c < d < a -> 0, 100/3, 200/3, 100
    np.testing.assert_allclose(
        weighted_score(factors, [3, 1]), [100.0, 0.0, 100 / 3, 200 / 3], atol=1e-12
    )
    assert weighted_score(factors, [3, 1]).index.tolist() == list("abcd")


def test_weighted_score_ties_from_rounding_are_ties():
    # c and d combine different percentiles to the same weighted mean
    factors = pd.DataFrame({"x": [1, 2, 3], "y": [3, 2, 1]})
    out = weighted_score(factors, {"x": 0.1, "y": 0.1})
    assert out.nunique() == 1 and out.iloc[0] == 50.0


@st.composite
def factor_frames(draw):
    n = draw(st.integers(min_value=1, max_value=25))
    cols = {
        name: draw(
            st.lists(
                st.integers(min_value=0, max_value=draw(st.sampled_from([2, 100]))),
                min_size=n,
                max_size=n,
            )
        )
        for name in ("f1", "f2", "f3")
    }
    weights = {k: draw(st.sampled_from([0.0, 0.2, 1.0, 3.0])) for k in cols}
    if sum(weights.values()) == 0:
        weights["f1"] = 1.0
    lower = draw(st.sets(st.sampled_from(list(cols))))
    return cols, weights, lower


@settings(max_examples=80, deadline=None)
@given(data=factor_frames(), rescore=st.booleans())
def test_weighted_score_matches_reference(data, rescore):
    cols, weights, lower = data
    got = weighted_score(pd.DataFrame(cols), weights, lower_is_better=lower, rescore=rescore)
    np.testing.assert_allclose(
        got.to_numpy(), ref_score(cols, weights, lower, rescore), rtol=1e-12, atol=1e-9
    )
    assert ((got >= 0) & (got <= 100)).all()


@settings(max_examples=40, deadline=None)
@given(data=factor_frames(), seed=st.integers(0, 2**16))
def test_weighted_score_is_tie_safe_and_order_free(data, seed):
    cols, weights, lower = data
    df = pd.DataFrame(cols)
    out = weighted_score(df, weights, lower_is_better=lower)
    perm = np.random.default_rng(seed).permutation(len(df))
    shuffled = weighted_score(df.iloc[perm], weights, lower_is_better=lower)
    np.testing.assert_array_equal(out.to_numpy()[perm], shuffled.to_numpy())
    rows = [tuple(r) for r in df.itertuples(index=False)]
    for i in range(len(rows)):
        for j in range(len(rows)):
            if rows[i] == rows[j]:
                assert out.iloc[i] == out.iloc[j]


@pytest.mark.parametrize(
    ("weights", "kwargs", "err", "fragment"),
    [
        ({"x": 1.0, "zz": 1.0}, {}, MissingColumnError, "'zz'"),
        ({"x": -1.0}, {}, InputValueError, "`weights['x']`"),
        ({"x": 0.0}, {}, InputValueError, "sum to zero"),
        ({}, {}, InputValueError, "`weights` is empty"),
        ([1.0], {}, InputValueError, "one weight per column"),
        ("x", {}, InputTypeError, "`weights`"),
        ({"x": "a"}, {}, InputTypeError, "`weights['x']`"),
        ({"x": 1.0}, {"lower_is_better": ["q"]}, MissingColumnError, "'q'"),
        ({"s": 1.0}, {}, InputTypeError, "column 's'"),
        ({"n": 1.0}, {}, InputValueError, "column 'n'"),
    ],
)
def test_weighted_score_errors(weights, kwargs, err, fragment):
    df = pd.DataFrame({"x": [1.0, 2.0], "y": [1, 2], "s": ["a", "b"], "n": [1.0, np.nan]})
    with pytest.raises(err) as info:
        weighted_score(df, weights, **kwargs)
    assert fragment in str(info.value)


# ---------------------------------------------------------------------------
# value_grid

EDGES = [0.0, 50.0, 80.0, np.inf]
GRID = [["C", "C", "B"], ["C", "B", "A"], ["B", "A", "A"]]


def ref_grid(x, y, overrides):
    out = []
    for i, (a, b) in enumerate(zip(x, y, strict=True)):
        hit = next(((o.name, o.grade) for o in overrides if o.condition[i]), None)
        if hit:
            out.append((hit[1], hit[0]))
            continue
        col = max(j for j in range(3) if EDGES[j] <= a)
        row = max(j for j in range(3) if EDGES[j] <= b)
        out.append((GRID[row][col], "grid"))
    return out


def test_value_grid_edges_are_lower_inclusive():
    x = [0.0, 49.999, 50.0, 80.0, 1e9]
    y = [0.0, 80.0, 50.0, 0.0, 80.0]
    out = value_grid(x, y, x_edges=EDGES, y_edges=EDGES, grid=GRID)
    assert out["grade"].tolist() == ["C", "B", "B", "B", "A"]
    assert set(out["rule"]) == {"grid"}


def test_value_grid_overrides_first_and_in_order():
    x = pd.Series([10.0, 90.0, -5.0], index=["p", "q", "r"])
    y = pd.Series([10.0, 90.0, 10.0], index=["p", "q", "r"])
    sales = pd.Series([2e7, 1e3, 1e7], index=["p", "q", "r"])
    rules = [
        Override("sales >= 10M", sales >= 1e7, "A"),
        Override("blocked", pd.Series([True, True, False], index=x.index), "X"),
    ]
    out = value_grid(x, y, x_edges=EDGES, y_edges=EDGES, grid=GRID, overrides=rules)
    assert out.index.tolist() == ["p", "q", "r"]
    assert out["grade"].tolist() == ["A", "X", "A"]
    assert out["rule"].tolist() == ["sales >= 10M", "blocked", "sales >= 10M"]


@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_value_grid_matches_reference_and_covers(data):
    n = data.draw(st.integers(min_value=1, max_value=30))
    vals = st.sampled_from([0.0, 10.0, 49.9, 50.0, 79.99, 80.0, 100.0, 1e6])
    x = data.draw(st.lists(vals, min_size=n, max_size=n))
    y = data.draw(st.lists(vals, min_size=n, max_size=n))
    flags = [
        np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n))) for _ in range(2)
    ]
    overrides = [Override("o1", flags[0], "A"), Override("o2", flags[1], "Z")]
    out = value_grid(x, y, x_edges=EDGES, y_edges=EDGES, grid=GRID, overrides=overrides)
    expected = ref_grid(x, y, overrides)
    assert list(zip(out["grade"], out["rule"], strict=True)) == expected
    assert out["grade"].notna().all()


def test_value_grid_uncovered_point_is_an_error():
    with pytest.raises(InputValueError, match="`x` has 1 value"):
        value_grid([100.0], [1.0], x_edges=[0, 50, 100], y_edges=[0, 100], grid=[["A", "B"]])
    with pytest.raises(InputValueError, match="`y`"):
        value_grid([1.0], [-1.0], x_edges=[0, 100], y_edges=[0, 100], grid=[["A"]])
    # decided by an override: no error
    out = value_grid(
        [100.0],
        [1.0],
        x_edges=[0, 50, 100],
        y_edges=[0, 100],
        grid=[["A", "B"]],
        overrides=[Override("vip", np.array([True]), "A")],
    )
    assert out["rule"].tolist() == ["vip"]


@pytest.mark.parametrize(
    ("kwargs", "err", "fragment"),
    [
        ({"grid": [["A", "B"]]}, InputValueError, "`grid` must have 2 row"),
        ({"grid": [["A"], ["B"]]}, InputValueError, "`grid` must have"),
        ({"grid": [["A", None], ["B", "C"]]}, InputValueError, "cell [0][1]"),
        ({"grid": [["A", ""], ["B", "C"]]}, InputValueError, "cell [0][1]"),
        ({"grid": [["A", 1], ["B", "C"]]}, InputTypeError, "cell [0][1]"),
        ({"grid": "AB"}, InputTypeError, "`grid`"),
        ({"x_edges": [0, 0, 1]}, InputValueError, "`x_edges` must be strictly"),
        ({"x_edges": [0]}, InputValueError, "`x_edges` needs"),
        ({"y_edges": [0, "a", 1]}, InputTypeError, "`y_edges[1]`"),
        ({"y_edges": [0, np.nan, 1]}, InputValueError, "`y_edges[1]`"),
        ({"overrides": [("a", [True], "A")]}, InputTypeError, "`overrides`"),
        ({"overrides": [Override("o", [1, 0], "A")]}, InputTypeError, "override 'o'"),
        (
            {"overrides": [Override("o", np.array([True]), "A")]},
            InputValueError,
            "override 'o' has 1 flags",
        ),
        (
            {"overrides": [Override("grid", np.array([True, False]), "A")]},
            InputValueError,
            "not 'grid'",
        ),
        (
            {"overrides": [Override("o", np.array([True, False]), 3)]},
            InputTypeError,
            "grade must be strings",
        ),
    ],
)
def test_value_grid_errors(kwargs, err, fragment):
    args = {"x_edges": [0, 50, 100], "y_edges": [0, 50, 100], "grid": [["C", "B"], ["B", "A"]]}
    args.update(kwargs)
    with pytest.raises(err) as info:
        value_grid([10.0, 60.0], [10.0, 60.0], **args)
    assert fragment in str(info.value)


def test_value_grid_bad_values():
    with pytest.raises(InputValueError, match="`x`"):
        value_grid([np.nan], [1.0], x_edges=[0, 1], y_edges=[0, 2], grid=[["A"]])
    with pytest.raises(InputValueError, match="same length"):
        value_grid([1.0, 2.0], [1.0], x_edges=[0, 3], y_edges=[0, 2], grid=[["A"]])


# ---------------------------------------------------------------------------
# relationship_classes


def ref_relationship(profit, sow, cost, threshold, ratio=0.5, min_sow=0.5):
    out = []
    for p, s, c in zip(profit, sow, cost, strict=True):
        if p < threshold or p <= 0:
            out.append("transaction")
        elif c >= ratio * p:
            out.append("high-cost-to-serve")
        elif s < min_sow:
            out.append("quasi-cash-flow")
        else:
            out.append("cash-flow")
    return out


def test_relationship_default_threshold_is_median():
    # median of 10, 20, 30, 40, 50 is 30: 10 and 20 are transaction customers
    out = relationship_classes(
        [10.0, 20.0, 30.0, 40.0, 50.0], [1, 1, 0.2, 1, 1], [0.0, 0.0, 0.0, 20.0, 24.0]
    )
    assert out["relationship"].tolist() == [
        "transaction",
        "transaction",
        "quasi-cash-flow",
        "high-cost-to-serve",
        "cash-flow",
    ]
    assert out["net_profit"].tolist() == [10.0, 20.0, 30.0, 20.0, 26.0]
    assert out["cost_ratio"].tolist()[3:] == [0.5, 0.48]


def test_relationship_from_spend_and_wallet_and_series():
    idx = pd.Index(["a", "b"], name="cust")
    out = relationship_classes(
        pd.Series([100.0, 100.0], index=idx),
        None,
        pd.Series([0.0, 0.0], index=idx),
        spend=pd.Series([30.0, 500.0], index=idx),
        wallet=pd.Series([100.0, 400.0], index=idx),
        profit_threshold=50.0,
    )
    assert out.index.equals(idx)
    assert out["share_of_wallet"].tolist() == [0.3, 1.0]
    assert out["relationship"].tolist() == ["quasi-cash-flow", "cash-flow"]


def test_relationship_nonpositive_profit_is_transaction():
    out = relationship_classes(
        [-5.0, 0.0, 1.0], [1.0, 1.0, 1.0], [0.0, 0.0, 0.0], profit_threshold=-100.0
    )
    assert out["relationship"].tolist() == ["transaction", "transaction", "cash-flow"]
    assert np.isnan(out["cost_ratio"].iloc[0])


@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_relationship_matches_reference(data):
    n = data.draw(st.integers(min_value=1, max_value=30))
    profit = data.draw(st.lists(st.integers(-100, 1000), min_size=n, max_size=n))
    sow = data.draw(st.lists(st.sampled_from([0.0, 0.3, 0.5, 0.9, 1.0]), min_size=n, max_size=n))
    cost = data.draw(st.lists(st.integers(0, 600), min_size=n, max_size=n))
    q = data.draw(st.sampled_from([0.0, 0.25, 0.5, 0.9]))
    out = relationship_classes(profit, sow, cost, profit_quantile=q)
    threshold = float(np.quantile(np.array(profit, dtype=float), q))
    assert out["relationship"].tolist() == ref_relationship(profit, sow, cost, threshold)


@pytest.mark.parametrize(
    ("kwargs", "err", "fragment"),
    [
        ({"share_of_wallet": [1.5, 0.5]}, InputValueError, "`share_of_wallet` must lie"),
        ({"share_of_wallet": None}, InputValueError, "`spend` and `wallet`"),
        (
            {"share_of_wallet": None, "spend": [1.0, 1.0], "wallet": [0.0, 1.0]},
            InputValueError,
            "`wallet` must be > 0",
        ),
        ({"cost_to_serve": [-1.0, 0.0]}, InputValueError, "`cost_to_serve` must be >= 0"),
        ({"profit": [np.nan, 1.0]}, InputValueError, "`profit`"),
        ({"profit": [1.0]}, InputValueError, "same length"),
        ({"profit_quantile": 2.0}, InputValueError, "`profit_quantile`"),
        ({"max_cost_ratio": 0.0}, InputValueError, "`max_cost_ratio`"),
        ({"min_share_of_wallet": "x"}, InputTypeError, "`min_share_of_wallet`"),
    ],
)
def test_relationship_errors(kwargs, err, fragment):
    args = {"profit": [1.0, 2.0], "share_of_wallet": [0.5, 0.5], "cost_to_serve": [0.0, 0.0]}
    args.update(kwargs)
    with pytest.raises(err) as info:
        relationship_classes(
            args.pop("profit"), args.pop("share_of_wallet"), args.pop("cost_to_serve"), **args
        )
    assert fragment in str(info.value)
