from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from custvalue.errors import InputTypeError
from custvalue.errors import InputValueError
from custvalue.errors import MissingColumnError
from custvalue.tiers import abc_classes
from custvalue.tiers import grade_by_profit
from custvalue.tiers import profit_contribution

# ---------------------------------------------------------------------------
# Slow, obviously-correct reference written from the documented rules.


def period_ordinal(ts: pd.Timestamp, period: str) -> int:
    """Calendar period number; ``"kX"`` groups ``k`` periods ``X`` counted from 1970."""
    k = int(period[:-1]) if len(period) > 1 else 1
    month = (ts.year - 1970) * 12 + ts.month - 1
    return {"M": month, "Q": month // 3, "Y": month // 12}[period[-1]] // k


def ref_profit(df, period, by=None, cost=True):
    sums: dict = {}
    for row in df.itertuples(index=False):
        key = (row.customer_id,) + ((getattr(row, by),) if by else ())
        p = period_ordinal(row.date, period)
        profit = row.amount - row.cost if cost else row.profit
        rev, prof = sums.get((key, p), (0.0, 0.0))
        sums[(key, p)] = (rev + row.amount, prof + profit)
    last = max(p for _, p in sums)
    rows = {}
    for (key, p), (rev, prof) in sums.items():
        rows[(key, p)] = (rev, prof)
        if (key, p + 1) not in sums and p + 1 <= last:
            rows.setdefault((key, p + 1), (0.0, 0.0))
    totals: dict = {}
    for (_, p), (_, prof) in rows.items():
        totals[p] = totals.get(p, 0.0) + prof
    out = []
    for (key, p), (rev, prof) in sorted(rows.items()):
        prev = sums.get((key, p - 1), (0.0, 0.0))[1]
        change = prof - prev
        out.append(
            {
                "key": key,
                "period": p,
                "revenue": rev,
                "profit": prof,
                "margin": prof / rev if rev != 0 else np.nan,
                "profit_share": prof / totals[p] if totals[p] > 0 else np.nan,
                "previous_profit": prev,
                "profit_change": change,
                "profit_change_rel": change / abs(prev) if prev != 0 else np.nan,
            }
        )
    return out


COLUMNS = [
    "revenue",
    "profit",
    "margin",
    "profit_share",
    "previous_profit",
    "profit_change",
    "profit_change_rel",
]


def assert_matches(got: pd.DataFrame, ref: list, period: str, by=None):
    assert len(got) == len(ref)
    n_keys = 1 + (by is not None)
    keys = [tuple(t[:n_keys]) for t in got.index]
    assert keys == [r["key"] for r in ref]
    k = int(period[:-1]) if len(period) > 1 else 1
    periods = got.index.get_level_values("period")
    assert [p.ordinal // k for p in periods] == [r["period"] for r in ref]
    assert all(p.ordinal % k == 0 for p in periods)
    assert all(p.freqstr.startswith(period) for p in periods[:1])
    for col in COLUMNS:
        np.testing.assert_allclose(
            got[col].to_numpy(), [r[col] for r in ref], rtol=1e-12, atol=1e-9, err_msg=col
        )


# ---------------------------------------------------------------------------
# Strategies


@st.composite
def logs(draw, with_by=False, str_ids=False):
    n = draw(st.integers(min_value=1, max_value=30))
    ids = st.integers(min_value=0, max_value=6)
    if str_ids:
        ids = st.sampled_from(["b", "a", "c", "zz", "q"])
    cust = draw(st.lists(ids, min_size=n, max_size=n))
    days = draw(st.lists(st.integers(min_value=0, max_value=3 * 365), min_size=n, max_size=n))
    revenue = draw(st.lists(st.integers(min_value=-50, max_value=500), min_size=n, max_size=n))
    cost = draw(st.lists(st.integers(min_value=-50, max_value=400), min_size=n, max_size=n))
    df = pd.DataFrame(
        {
            "customer_id": cust,
            "date": pd.Timestamp("2021-11-15") + pd.to_timedelta(days, unit="D"),
            "amount": np.array(revenue, dtype=float),
            "cost": np.array(cost, dtype=float),
        }
    )
    if with_by:
        df["product"] = draw(st.lists(st.sampled_from(["x", "y", "w"]), min_size=n, max_size=n))
    return df


# ---------------------------------------------------------------------------
# profit_contribution


def test_profit_by_hand_with_drop_row():
    lines = pd.DataFrame(
        {
            "customer_id": ["b", "a", "a", "b"],
            "date": pd.to_datetime(["2024-01-10", "2024-01-20", "2024-03-05", "2024-01-11"]),
            "amount": [100.0, 50.0, 40.0, 0.0],
            "profit": [30.0, 10.0, -4.0, -10.0],
        }
    )
    out = profit_contribution(lines, profit_col="profit", freq="M")
    # a: Jan 10, Feb dropped to 0 (row added), Mar -4; b: Jan 20, Feb drop row.
    assert [(c, str(p)) for c, p in out.index] == [
        ("a", "2024-01"),
        ("a", "2024-02"),
        ("a", "2024-03"),
        ("b", "2024-01"),
        ("b", "2024-02"),
    ]
    assert out["profit"].tolist() == [10.0, 0.0, -4.0, 20.0, 0.0]
    assert out["revenue"].tolist() == [50.0, 0.0, 40.0, 100.0, 0.0]
    assert out["previous_profit"].tolist() == [0.0, 10.0, 0.0, 0.0, 20.0]
    assert out["profit_change"].tolist() == [10.0, -10.0, -4.0, 20.0, -20.0]
    np.testing.assert_allclose(out["profit_change_rel"], [np.nan, -1.0, np.nan, np.nan, -1.0])
    # January total 30: a 1/3, b 2/3; February total 0 -> NaN; March total -4 -> NaN
    np.testing.assert_allclose(out["profit_share"], [1 / 3, np.nan, np.nan, 2 / 3, np.nan])
    np.testing.assert_allclose(out["margin"], [0.2, np.nan, -0.1, 0.2, np.nan])


def test_relative_change_uses_absolute_previous():
    lines = pd.DataFrame(
        {
            "customer_id": [1, 1],
            "date": pd.to_datetime(["2023-06-01", "2024-06-01"]),
            "amount": [10.0, 10.0],
            "cost": [110.0, 60.0],
        }
    )
    out = profit_contribution(lines, cost_col="cost")
    assert out["profit"].tolist() == [-100.0, -50.0]
    assert out["profit_change_rel"].tolist()[1] == 0.5


def test_by_product_and_quarters():
    lines = pd.DataFrame(
        {
            "customer_id": [7, 7, 7],
            "sku": ["tea", "coffee", "tea"],
            "date": pd.to_datetime(["2024-01-05", "2024-02-01", "2024-03-30"]),
            "amount": [10.0, 20.0, 5.0],
            "cost": [4.0, 5.0, 1.0],
        }
    )
    out = profit_contribution(lines, cost_col="cost", freq="Q", by="sku")
    assert out.index.names == ["customer_id", "sku", "period"]
    assert [(c, s, str(p)) for c, s, p in out.index] == [
        (7, "coffee", "2024Q1"),
        (7, "tea", "2024Q1"),
    ]
    assert out["profit"].tolist() == [15.0, 10.0]
    assert out["profit_share"].tolist() == [0.6, 0.4]


def test_time_zone_aware_dates_use_wall_clock():
    dates = pd.to_datetime(["2023-12-31 23:30", "2024-01-01 00:30"]).tz_localize("Europe/Berlin")
    lines = pd.DataFrame(
        {"customer_id": [1, 1], "date": dates, "amount": [1.0, 2.0], "cost": [0.0, 0.0]}
    )
    out = profit_contribution(lines, cost_col="cost", freq="Y")
    assert [str(p) for _, p in out.index] == ["2023", "2024"]


@settings(max_examples=60, deadline=None)
@given(df=logs(), period=st.sampled_from(["Y", "Q", "M", "2M", "6M", "2Q", "2Y"]))
def test_profit_matches_reference(df, period):
    got = profit_contribution(df, cost_col="cost", freq=period, returns="net")
    assert_matches(got, ref_profit(df, period), period)


@settings(max_examples=40, deadline=None)
@given(df=logs(with_by=True, str_ids=True), period=st.sampled_from(["Y", "M"]))
def test_profit_by_matches_reference(df, period):
    got = profit_contribution(df, cost_col="cost", freq=period, by="product", returns="net")
    assert_matches(got, ref_profit(df, period, by="product"), period, by="product")


@settings(max_examples=40, deadline=None)
@given(df=logs(), period=st.sampled_from(["Y", "Q", "M"]))
def test_profit_shares_sum_to_one(df, period):
    out = profit_contribution(df, cost_col="cost", freq=period, returns="net")
    sums = out.groupby(level="period")["profit"].sum()
    shares = out.groupby(level="period")["profit_share"].sum(min_count=1)
    for p, total in sums.items():
        if total > 0:
            assert shares[p] == pytest.approx(1.0)
        else:
            assert np.isnan(shares[p])
    # totals are preserved
    assert out["revenue"].sum() == pytest.approx(df["amount"].sum())


def test_profit_input_not_modified():
    lines = pd.DataFrame(
        {
            "customer_id": [2, 1],
            "date": pd.to_datetime(["2024-01-01"] * 2),
            "amount": [1.0, 2.0],
            "cost": [0.5, 0.5],
        }
    )
    before = lines.copy()
    profit_contribution(lines, cost_col="cost")
    pd.testing.assert_frame_equal(lines, before)


def base_lines():
    return pd.DataFrame(
        {
            "customer_id": [1, 2],
            "date": pd.to_datetime(["2024-01-01"] * 2),
            "amount": [1.0, 2.0],
            "cost": [0.5, 0.5],
        }
    )


@pytest.mark.parametrize(
    ("change", "kwargs", "err", "fragment"),
    [
        (None, {}, InputValueError, "exactly one of `cost_col`"),
        (None, {"cost_col": "cost", "profit_col": "cost"}, InputValueError, "exactly one"),
        (None, {"cost_col": "price"}, MissingColumnError, "'price'"),
        (None, {"cost_col": "cost", "freq": "W"}, InputValueError, "`freq`"),
        (None, {"cost_col": "cost", "by": "sku"}, MissingColumnError, "'sku'"),
        ("nan_revenue", {"cost_col": "cost"}, InputValueError, "column 'amount'"),
        ("str_cost", {"cost_col": "cost"}, InputTypeError, "column 'cost'"),
        ("num_date", {"cost_col": "cost"}, InputTypeError, "column 'date'"),
        ("str_date", {"cost_col": "cost"}, InputTypeError, "column 'date'"),
        ("missing_id", {"cost_col": "cost"}, InputValueError, "column 'customer_id'"),
        ("empty", {"cost_col": "cost"}, InputValueError, "`transactions` is empty"),
    ],
)
def test_profit_errors(change, kwargs, err, fragment):
    df = base_lines()
    if change == "nan_revenue":
        df.loc[0, "amount"] = np.nan
    elif change == "str_cost":
        df["cost"] = ["a", "b"]
    elif change == "num_date":
        df["date"] = [1.0, 2.0]
    elif change == "str_date":
        df["date"] = ["2024-01-01", "2024-01-02"]
    elif change == "missing_id":
        df["customer_id"] = [1.0, np.nan]
    elif change == "empty":
        df = df.iloc[:0]
    with pytest.raises(err) as info:
        profit_contribution(df, **kwargs)
    assert fragment in str(info.value)


def test_profit_refuses_non_frame():
    with pytest.raises(InputTypeError, match="`transactions`"):
        profit_contribution([1, 2], cost_col="cost")


def test_by_with_missing_values():
    df = base_lines().assign(sku=["x", None])
    with pytest.raises(InputValueError, match="column 'sku'"):
        profit_contribution(df, cost_col="cost", by="sku")


# ---------------------------------------------------------------------------
# grade_by_profit


def grade_lines():
    return pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d", "a", "e"],
            "date": pd.to_datetime(
                [
                    "2024-01-05",
                    "2024-02-01",
                    "2024-03-01",
                    "2024-03-02",
                    "2023-06-01",
                    "2023-02-01",
                ]
            ),
            "amount": [900.0, 300.0, 100.0, 50.0, 10.0, 500.0],
            "profit": [400.0, 80.0, 20.0, -5.0, 2.0, 300.0],
        }
    )


def test_grade_by_hand():
    out = grade_by_profit(grade_lines(), profit_col="profit", negative="separate")
    # 2024 profits a 400, b 80, c 20, d -5, e 0 (no lines): total of the positives 500:
    # a A (0 above), b B (80 % above), c C (96 % above), e C (100 %), d loss -> D
    assert out.index.tolist() == ["a", "b", "c", "d", "e"]
    assert out["grade"].tolist() == ["A", "B", "C", "D", "C"]
    assert out["profit"].tolist() == [400.0, 80.0, 20.0, -5.0, 0.0]
    assert out["revenue"].tolist() == [900.0, 300.0, 100.0, 50.0, 0.0]
    assert {str(p) for p in out["period"]} == {"2024"}


def test_grade_at_earlier_period_and_thresholds():
    out = grade_by_profit(
        grade_lines(),
        profit_col="profit",
        observation_end="2023-12-31",
        method="thresholds",
        thresholds=[100.0, 1.0],
        labels=("gold", "silver", "none"),
    )
    # 2023: a 2, e 300, others 0 -> thresholds inclusive lower bounds
    assert out["profit"].tolist() == [2.0, 0.0, 0.0, 0.0, 300.0]
    assert out["grade"].tolist() == ["silver", "none", "none", "none", "gold"]
    out = grade_by_profit(
        grade_lines(), profit_col="profit", method="thresholds", thresholds=[400.0, 80.0]
    )
    assert out["grade"].tolist()[:2] == ["A", "B"]


def test_grade_quarter_with_cost_and_period_object():
    df = grade_lines().assign(cost=lambda d: d["amount"] - d["profit"])
    out = grade_by_profit(
        df,
        cost_col="cost",
        freq="Q",
        observation_end=pd.Period("2024Q1", "Q"),
        negative="separate",
    )
    assert out["profit"].tolist() == [400.0, 80.0, 20.0, -5.0, 0.0]


@settings(max_examples=40, deadline=None)
@given(df=logs(), period=st.sampled_from(["Y", "Q", "M", "2M", "2Y"]))
def test_grade_matches_reference(df, period):
    last = max(period_ordinal(t, period) for t in df["date"])
    profit = {c: 0.0 for c in df["customer_id"]}
    for row in df.itertuples(index=False):
        if period_ordinal(row.date, period) == last:
            profit[row.customer_id] += row.amount - row.cost
    ids = sorted(profit)
    values = [profit[c] for c in ids]
    if not any(v > 0 for v in values):
        with pytest.raises(InputValueError, match="total is zero"):
            grade_by_profit(df, cost_col="cost", freq=period, negative="separate", returns="net")
        return
    out = grade_by_profit(df, cost_col="cost", freq=period, negative="separate", returns="net")
    assert out.index.tolist() == ids
    np.testing.assert_allclose(out["profit"], values, atol=1e-9)
    expected = list(abc_classes(values, negative="separate"))
    assert out["grade"].tolist() == expected


@pytest.mark.parametrize(
    ("kwargs", "err", "fragment"),
    [
        ({"observation_end": "2020-01-01"}, InputValueError, "`observation_end`"),
        ({"observation_end": 5}, InputTypeError, "`observation_end`"),
        ({"method": "thresholds"}, InputValueError, "`thresholds` is required"),
        ({"method": "thresholds", "thresholds": [1.0, 5.0]}, InputValueError, "decreasing"),
        ({"method": "thresholds", "thresholds": [5.0]}, InputValueError, "`labels`"),
        ({"method": "pareto"}, InputValueError, "`method`"),
        ({"negative": "error"}, InputValueError, 'negative="separate"'),
        ({}, InputValueError, 'negative="separate"'),
        ({"negative": "separate", "negative_label": "A"}, InputValueError, "`negative_label`"),
    ],
)
def test_grade_errors(kwargs, err, fragment):
    with pytest.raises(err) as info:
        grade_by_profit(grade_lines(), profit_col="profit", **kwargs)
    assert fragment in str(info.value)


# ---------------------------------------------------------------------------
# Kernels: the sorting and the dense panel agree; month ordinals match numpy.


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_sorting_and_dense_panels_agree(data):
    from custvalue._tiers.kernels import period_panel

    n = data.draw(st.integers(min_value=1, max_value=60))
    n_groups = data.draw(st.integers(min_value=1, max_value=8))
    n_periods = data.draw(st.integers(min_value=1, max_value=6))
    groups = np.array(data.draw(st.lists(st.integers(0, n_groups - 1), min_size=n, max_size=n)))
    periods = np.array(data.draw(st.lists(st.integers(0, n_periods - 1), min_size=n, max_size=n)))
    # every group and period code present at least once is not required by the kernels
    revenue = np.array(data.draw(st.lists(st.integers(-5, 50), min_size=n, max_size=n)), float)
    profit = np.array(data.draw(st.lists(st.integers(-5, 50), min_size=n, max_size=n)), float)
    lines = (groups, periods, revenue, profit)
    a = period_panel(lines, n_groups, n_periods, False)
    b = period_panel(lines, n_groups, n_periods, True)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)


def test_month_ordinals_match_numpy():
    from custvalue._core.calendar import month_ordinals_ns

    d = pd.date_range("1800-01-01", "2200-12-31", freq="37h").to_numpy()
    d = np.concatenate(
        [
            d,
            np.array(
                ["1969-12-31T23:59:59.999999999", "1970-01-01", "2000-02-29T12:00"],
                dtype="datetime64[ns]",
            ),
        ]
    )
    expected = d.astype("datetime64[M]").astype(np.int64)
    np.testing.assert_array_equal(month_ordinals_ns(d.view(np.int64)), expected)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**16), n_periods=st.sampled_from([1, 4, 13]))
def test_dense_panel_with_many_buckets(seed, n_periods):
    from custvalue._tiers.kernels import period_panel

    rng = np.random.default_rng(seed)
    n, n_groups = 20_000, 9_000  # several cache-sized buckets of groups
    groups = rng.integers(0, n_groups, size=n)
    periods = rng.integers(0, n_periods, size=n)
    revenue = rng.integers(-5, 50, size=n).astype(float)
    profit = rng.integers(-5, 50, size=n).astype(float)
    lines = (groups, periods, revenue, profit)
    a = period_panel(lines, n_groups, n_periods, False)
    b = period_panel(lines, n_groups, n_periods, True)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
