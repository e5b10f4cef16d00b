"""Regression tests: loyalty inputs that used to give silent wrong answers or raw errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from custvalue.errors import CustvalueError
from custvalue.errors import InputTypeError
from custvalue.errors import InputValueError
from custvalue.loyalty import loyalty_score
from custvalue.loyalty import nps
from custvalue.loyalty import points_balance
from custvalue.loyalty import program_tiers
from custvalue.loyalty import purchase_regularity

TIERS = {"Member": 0, "Silver": 100}


def log(ids=("a", "a", "b", "a"), amounts=(10.0, 20.0, 5.0, 30.0)):
    return pd.DataFrame(
        {
            "customer_id": list(ids)
            if not isinstance(ids, pd.api.extensions.ExtensionArray)
            else ids,
            "date": pd.to_datetime(["2024-01-01", "2024-01-11", "2024-01-05", "2024-01-21"]),
            "amount": list(amounts),
        }
    )


def ledger(points, ids=None):
    n = len(points)
    return pd.DataFrame(
        {
            "customer_id": ids if ids is not None else ["a"] * n,
            "date": pd.date_range("2024-01-01", periods=n, freq="D"),
            "points": points,
        }
    )


# --- points_balance: exact int64 -------------------------------------------------


def test_points_above_2_53_are_exact():
    big = 2**53 + 1  # float64 rounds it to 2**53
    out = points_balance(ledger(pd.array([big, 1], dtype="int64")))
    assert out.loc["a", "earned"] == big + 1
    assert out.loc["a", "balance"] == big + 1


def test_points_large_redemption_exact():
    out = points_balance(ledger(np.array([2**60 + 3, -(2**60 + 1)], dtype=np.int64)))
    assert out.loc["a", "balance"] == 2
    assert out.loc["a", "redeemed"] == 2**60 + 1


def test_points_total_overflow_is_refused():
    led = ledger(np.array([2**62, 2**62], dtype=np.int64))
    with pytest.raises(InputValueError, match="points_col"):
        points_balance(led)


@pytest.mark.parametrize(
    "column",
    [
        np.array([2**63, 1], dtype=np.uint64),
        np.array([np.iinfo(np.int64).min, 1], dtype=np.int64),
        pd.Series([2**64, 1], dtype=object),
        np.array([2.0**60, 1.0]),
    ],
)
def test_points_that_int64_or_float_cannot_hold_are_refused(column):
    with pytest.raises(InputValueError, match="points_col"):
        points_balance(ledger(column))


def test_points_huge_expiry_refused():
    with pytest.raises(InputValueError, match="expiry"):
        points_balance(ledger([1, 2]), expiry="99999999999D")


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(1, 2**60), min_size=1, max_size=6))
def test_points_earned_is_the_exact_integer_sum(values):
    total = sum(values)
    led = ledger(np.array(values, dtype=np.int64))
    if total > 2**63 - 1:
        with pytest.raises(InputValueError, match="points_col"):
            points_balance(led)
    else:
        out = points_balance(led)
        assert int(out.loc["a", "earned"]) == total
        assert int(out.loc["a", "balance"]) == total


# --- ids and column names ------------------------------------------------------------


CALLS = {
    "purchase_regularity": lambda df, **kw: purchase_regularity(df, **kw),
    "program_tiers": lambda df, **kw: program_tiers(df, TIERS, observation_end="2024-12-31", **kw),
    "points_balance": lambda df, **kw: points_balance(
        df.rename(columns={"amount": "points"}).assign(points=1), **kw
    ),
}


@pytest.mark.parametrize("name", list(CALLS))
def test_nullable_ids_with_na_are_refused(name):
    df = log(ids=pd.array([1, 1, pd.NA, 2], dtype="Int64"))
    with pytest.raises(InputValueError, match="customer_col"):
        CALLS[name](df)


@pytest.mark.parametrize("name", list(CALLS))
def test_nullable_ids_without_na_are_read(name):
    df = log(ids=pd.array([1, 1, 2, 1], dtype="Int64"))
    CALLS[name](df)


@pytest.mark.parametrize(
    ("name", "arg"),
    [
        ("purchase_regularity", "customer_col"),
        ("purchase_regularity", "date_col"),
        ("purchase_regularity", "amount_col"),
        ("program_tiers", "customer_col"),
        ("program_tiers", "amount_col"),
        ("points_balance", "date_col"),
        ("points_balance", "points_col"),
    ],
)
def test_list_as_column_name_is_a_type_error(name, arg):
    value = {"points_col": ["points"], "amount_col": ["amount"]}.get(arg, ["x"])
    with pytest.raises(InputTypeError, match=f"`{arg}`"):
        CALLS[name](log(), **{arg: value})


# --- returns -------------------------------------------------------------------------


def test_negative_amounts_default_error_names_returns():
    df = log(amounts=(10.0, -20.0, 5.0, 30.0))
    with pytest.raises(InputValueError, match="`returns`"):
        purchase_regularity(df, amount_col="amount")
    with pytest.raises(InputValueError, match="`returns`"):
        program_tiers(df, TIERS, observation_end="2024-12-31")
    with pytest.raises(InputValueError, match="`returns`"):
        purchase_regularity(df, amount_col="amount", returns="keep")


def test_returns_drop_and_net_in_purchase_regularity():
    df = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "a", "b"],
            "date": pd.to_datetime(
                ["2024-01-01", "2024-01-11", "2024-01-11", "2024-01-21", "2024-01-02"]
            ),
            "amount": [10.0, 20.0, -25.0, 30.0, -5.0],
        }
    )
    drop = purchase_regularity(df, amount_col="amount", returns="drop")
    # b has only a return: not a customer; a keeps three occasions.
    assert list(drop.index) == ["a"]
    assert drop.loc["a", "purchases"] == 3
    net = purchase_regularity(df, amount_col="amount", returns="net")
    # Jan 11 nets to -5: not an occasion; occasions Jan 1 and Jan 21.
    assert list(net.index) == ["a"]
    assert net.loc["a", "purchases"] == 2
    assert net.loc["a", "mean_interval"] == 20.0
    # E = 10, L = 30: (30 - 10) / 40
    assert net.loc["a", "spend_trend"] == pytest.approx(0.5)


def test_returns_net_in_program_tiers():
    df = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a"],
            "date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-02-01"]),
            "amount": [150.0, -100.0, 30.0],
        }
    )
    net = program_tiers(df, TIERS, observation_end="2024-12-31", returns="net")
    assert net.tiers.loc["a", "tier"] == "Member"  # 50 + 30 = 80 < 100
    drop = program_tiers(df, TIERS, observation_end="2024-12-31", returns="drop")
    assert drop.tiers.loc["a", "tier"] == "Silver"  # the 150 counts in full


# --- period multiples ---------------------------------------------------------------


@pytest.mark.parametrize(("freq", "base", "k"), [("7D", "D", 7), ("2W", "W", 2), ("2M", "M", 2)])
def test_period_multiples_are_honoured(freq, base, k):
    dates = pd.to_datetime(
        ["2024-01-01", "2024-01-20", "2024-02-17", "2024-04-30", "2024-01-03", "2024-03-09"]
    )
    df = pd.DataFrame({"customer_id": ["a"] * 4 + ["b"] * 2, "date": dates})
    end = pd.Timestamp("2024-06-30")
    out = purchase_regularity(df, freq=freq, observation_end=end)
    for cust, group in df.groupby("customer_id"):
        # A period of k base units: ordinal floor(pandas base ordinal / k).
        occ = sorted({pd.Period(d, base).ordinal // k for d in group["date"]})
        end_period = pd.Period(end, base).ordinal // k
        gaps = np.diff(occ)
        assert out.loc[cust, "purchases"] == len(occ)
        assert out.loc[cust, "mean_interval"] == pytest.approx(gaps.mean())
        assert out.loc[cust, "inactivity"] == end_period - occ[-1]
    single = purchase_regularity(df, freq=base, observation_end=end)
    assert not single["inactivity"].equals(out["inactivity"])


# --- NPS ---------------------------------------------------------------------------


def test_nps_by_group_carries_confidence_in_a_column():
    out = nps([10, 0, 9, 9], by=["x", "x", "y", "y"], confidence=0.8)
    assert out.attrs == {}
    assert list(out["confidence"]) == [0.8, 0.8]


# --- dates as rfm_summary reads them ---------------------------------------------------


def test_integer_dates_need_date_format_and_then_match_datetimes():
    df = log()
    ints = df.assign(date=df["date"].dt.strftime("%Y%m%d").astype("int64"))
    with pytest.raises(InputValueError, match="date_format"):
        purchase_regularity(ints)
    pd.testing.assert_frame_equal(
        purchase_regularity(ints, date_format="%Y%m%d"), purchase_regularity(df)
    )
    strings = df.assign(date=df["date"].dt.strftime("%Y-%m-%d"))
    pd.testing.assert_frame_equal(
        program_tiers(strings, TIERS, observation_end="2024-12-31", date_format="%Y-%m-%d").tiers,
        program_tiers(df, TIERS, observation_end="2024-12-31").tiers,
    )
    led = df.rename(columns={"amount": "points"}).assign(points=1)
    pd.testing.assert_frame_equal(
        points_balance(led.assign(date=led["date"].dt.strftime("%Y%m%d")), date_format="%Y%m%d"),
        points_balance(led),
    )


def test_purchase_regularity_reads_like_rfm_summary():
    from custvalue.rfm import rfm_summary

    numeric = log().assign(date=[0.0, 10.0, 4.0, 20.0])
    with pytest.raises(InputValueError, match="freq"):
        purchase_regularity(numeric, freq="W")
    got = purchase_regularity(numeric)
    ref = rfm_summary(numeric)
    np.testing.assert_allclose(got["inactivity"], ref["inactivity"])
    period_end = purchase_regularity(log(), observation_end=pd.Period("2024-01", "M"))
    np.testing.assert_allclose(
        period_end["inactivity"],
        purchase_regularity(log(), observation_end="2024-01-31")["inactivity"],
    )


# --- a bad-input battery: every keyword, values of the wrong kind -------------------------

SUMMARY = pd.DataFrame(
    {"frequency": [2, 0, 1], "recency": [10.0, 0.0, 5.0], "T": [20.0, 3.0, 9.0]},
    index=list("abc"),
)
BAD_VALUES = [
    None,
    "x",
    ["x"],
    -1,
    1.5,
    np.nan,
    np.inf,
    True,
    {"a": 1},
    pd.Series([1.0, np.nan, 2.0], index=list("abc")),
    pd.Series(pd.array([1, None, 2], dtype="Int64"), index=list("abc")),
    np.array([1e308, 1e308, 1e308]),
    object(),
]
BATTERY = {
    "loyalty_score": (
        lambda **k: loyalty_score(SUMMARY, **k),
        ["weights", "p_alive", "satisfaction", "regularity", "spend_trend"],
    ),
    "nps": (
        lambda **k: nps(k.pop("responses", [1, 9, 10]), **k),
        ["responses", "by", "confidence"],
    ),
    "purchase_regularity": (
        lambda **k: purchase_regularity(log(), **k),
        [
            "customer_col",
            "date_col",
            "amount_col",
            "observation_end",
            "freq",
            "returns",
            "date_format",
        ],
    ),
    "program_tiers": (
        lambda **k: program_tiers(
            log(), k.pop("tiers", TIERS), **{"observation_end": "2024-06-30", **k}
        ),
        [
            "tiers",
            "window",
            "observation_end",
            "downgrade",
            "grace_periods",
            "customer_col",
            "date_col",
            "amount_col",
            "returns",
            "date_format",
        ],
    ),
    "points_balance": (
        lambda **k: points_balance(
            log().rename(columns={"amount": "points"}).assign(points=1), **k
        ),
        ["expiry", "observation_end", "customer_col", "date_col", "points_col", "date_format"],
    ),
}


@pytest.mark.parametrize(
    ("name", "kw"), [(name, kw) for name, (_, kws) in BATTERY.items() for kw in kws]
)
def test_bad_keyword_values_give_custvalue_errors_or_a_result(name, kw):
    call = BATTERY[name][0]
    for value in BAD_VALUES:
        try:
            call(**{kw: value})
        except CustvalueError:
            pass
