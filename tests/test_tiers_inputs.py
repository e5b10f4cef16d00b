"""Regression tests: inputs that gave silent wrong answers or raw builtin errors in tiers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from custvalue.errors import InputTypeError
from custvalue.errors import InputValueError
from custvalue.tiers import abc_classes
from custvalue.tiers import abc_computed
from custvalue.tiers import grade_by_profit
from custvalue.tiers import lifecycle_stages
from custvalue.tiers import profit_contribution
from custvalue.tiers import weighted_score


def lines(**columns):
    base = {
        "customer_id": [1, 1, 2, 2],
        "date": pd.to_datetime(["2024-01-05", "2024-02-05", "2024-01-10", "2024-03-01"]),
        "amount": [100.0, 50.0, 80.0, 20.0],
        "cost": [60.0, 30.0, 40.0, 10.0],
    }
    base.update(columns)
    return pd.DataFrame(base)


# ---------------------------------------------------------------------------
# Huge values


def test_weighted_score_huge_weights_only_ratios_matter():
    factors = pd.DataFrame({"x": [1, 2, 3, 4], "y": [4, 1, 3, 2]})
    expected = weighted_score(factors, {"x": 3.0, "y": 1.0})
    got = weighted_score(factors, {"x": 1.5e308, "y": 0.5e308})
    np.testing.assert_allclose(got, expected)


def test_weighted_score_tiny_weights_only_ratios_matter():
    factors = pd.DataFrame({"x": [1, 2, 3, 4], "y": [4, 1, 3, 2]})
    expected = weighted_score(factors, {"x": 3.0, "y": 1.0}, rescore=False)
    got = weighted_score(factors, {"x": 15e-324, "y": 5e-324}, rescore=False)
    np.testing.assert_allclose(got, expected)


def test_weighted_score_integers_beyond_float_precision_are_told_apart():
    big = 2**62
    factors = pd.DataFrame({"x": np.array([big + 2, big, big + 1], dtype=np.int64)})
    assert weighted_score(factors, [1.0]).tolist() == [100.0, 0.0, 50.0]


def test_profit_contribution_refuses_sums_beyond_float_range():
    df = lines(amount=[1e308, 1e308, 1.0, 1.0])
    with pytest.raises(InputValueError, match="`amount_col`"):
        profit_contribution(df, cost_col="cost")
    df = lines(cost=[-1e308, -1e308, 1.0, 1.0])
    with pytest.raises(InputValueError, match="`cost_col`"):
        profit_contribution(df, cost_col="cost")
    with pytest.raises(InputValueError, match="`amount_col`"):
        grade_by_profit(lines(amount=[1e308, 1e308, 1.0, 1.0]), cost_col="cost")


def test_abc_classes_on_values_spanning_the_float_range():
    # the total 1.8e308 leaves float64, the shares do not: 0.2e308 has 83 % above it
    assert list(abc_classes([1.5e308, 0.2e308, 0.1e308])) == ["A", "B", "B"]
    assert list(abc_classes([1e308, 1.0, 1e308])) == ["A", "C", "A"]
    assert list(abc_classes([1e308, 1.0, 1e308], rule="count")) == ["A", "C", "A"]


def test_abc_computed_on_values_spanning_the_float_range():
    values = np.array([1.7e308, 1e308, 3.0, 1.0, 5e-324])
    scale = 2.0**-1000
    got = abc_computed(values)
    ref = abc_computed(values * scale)
    assert list(got.classes) == list(ref.classes)
    assert got.pareto_point == ref.pareto_point
    assert got.submarginal_point == ref.submarginal_point
    assert got.ab_limit == ref.ab_limit / scale
    assert np.isfinite(got.curve.to_numpy()).all()


# ---------------------------------------------------------------------------
# Ids and column names


def test_nullable_integer_ids_with_missing_values():
    ids = pd.array([1, pd.NA, 2, 2], dtype="Int64")
    with pytest.raises(InputValueError, match="`customer_col`"):
        profit_contribution(lines(customer_id=ids), cost_col="cost")
    with pytest.raises(InputValueError, match="`customer_col`"):
        grade_by_profit(lines(customer_id=ids), cost_col="cost")
    with pytest.raises(InputValueError, match="`customer_col`"):
        lifecycle_stages(lines(customer_id=ids), default_rhythm=5.0)


def test_nullable_integer_ids_without_missing_values_work():
    ids = pd.array([1, 1, 2, 2], dtype="Int64")
    out = profit_contribution(lines(customer_id=ids), cost_col="cost", freq="M")
    ref = profit_contribution(lines(), cost_col="cost", freq="M")
    np.testing.assert_array_equal(out.to_numpy(), ref.to_numpy())


@pytest.mark.parametrize("arg", ["customer_col", "date_col", "amount_col", "cost_col", "by"])
def test_profit_contribution_list_as_column_name(arg):
    kwargs = {"cost_col": "cost", arg: ["customer_id"]}
    with pytest.raises(InputTypeError, match=f"`{arg}`"):
        profit_contribution(lines(), **kwargs)


@pytest.mark.parametrize("arg", ["customer_col", "date_col", "amount_col", "profit_col"])
def test_grade_by_profit_list_as_column_name(arg):
    kwargs = {"profit_col": "cost", arg: ["cost"]}
    with pytest.raises(InputTypeError, match=f"`{arg}`"):
        grade_by_profit(lines(), **kwargs)


@pytest.mark.parametrize("arg", ["customer_col", "date_col", "amount_col"])
def test_lifecycle_list_as_column_name(arg):
    with pytest.raises(InputTypeError, match=f"`{arg}`"):
        lifecycle_stages(lines(), **{arg: ["customer_id"]})


def test_weighted_score_lower_is_better_as_string():
    factors = pd.DataFrame({"rank": [1, 2, 3]})
    with pytest.raises(InputTypeError, match="`lower_is_better`"):
        weighted_score(factors, [1.0], lower_is_better="rank")


# ---------------------------------------------------------------------------
# Returns in profit_contribution and grade_by_profit


def with_return():
    return lines(amount=[100.0, -30.0, 80.0, 20.0], cost=[60.0, -20.0, 40.0, 10.0])


def test_profit_contribution_refuses_returns_by_default():
    with pytest.raises(InputValueError, match="returns="):
        profit_contribution(with_return(), cost_col="cost")
    with pytest.raises(InputValueError, match='returns="net"'):
        grade_by_profit(with_return(), cost_col="cost")


def test_profit_contribution_returns_net_and_drop():
    net = profit_contribution(with_return(), cost_col="cost", freq="Y", returns="net")
    assert net["revenue"].tolist() == [70.0, 100.0]
    assert net["profit"].tolist() == [30.0, 50.0]
    drop = profit_contribution(with_return(), cost_col="cost", freq="Y", returns="drop")
    kept = with_return().iloc[[0, 2, 3]]
    ref = profit_contribution(kept, cost_col="cost", freq="Y")
    pd.testing.assert_frame_equal(drop, ref)
    grades = grade_by_profit(with_return(), cost_col="cost", returns="net")
    assert grades["profit"].tolist() == [30.0, 50.0]


def test_returns_keyword_is_checked():
    with pytest.raises(InputValueError, match="`returns`"):
        profit_contribution(lines(), cost_col="cost", returns="ignore")
    with pytest.raises(InputValueError, match="`returns`"):
        lifecycle_stages(lines(), returns="ignore")


# ---------------------------------------------------------------------------
# Returns and period multiples in lifecycle_stages


def life_log():
    return pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "b", "b", "b"],
            "date": pd.to_datetime(
                [
                    "2024-01-01",
                    "2024-01-11",
                    "2024-01-21",
                    "2024-01-01",
                    "2024-01-05",
                    "2024-01-05",
                ]
            ),
            "amount": [10.0, 10.0, 10.0, 10.0, 8.0, -8.0],
        }
    )


def test_lifecycle_refuses_returns_by_default():
    with pytest.raises(InputValueError, match="`returns`"):
        lifecycle_stages(life_log(), amount_col="amount", observation_end="2024-01-31")


def test_lifecycle_returns_net_and_drop():
    end = "2024-01-31"
    # b's purchase of 2024-01-05 is returned the same day: not a purchase occasion
    net = lifecycle_stages(life_log(), amount_col="amount", returns="net", observation_end=end)
    ref = lifecycle_stages(life_log().iloc[:4], observation_end=end)
    pd.testing.assert_frame_equal(net, ref)
    drop = lifecycle_stages(life_log(), amount_col="amount", returns="drop", observation_end=end)
    ref = lifecycle_stages(life_log().iloc[:5], observation_end=end)
    pd.testing.assert_frame_equal(drop, ref)
    # without amount_col every line is a purchase, the return included
    blind = lifecycle_stages(life_log(), observation_end=end)
    assert blind.loc["b", "frequency"] == 1.0
    assert net.loc["b", "frequency"] == 0.0


def multiple_periods(dates, freq):
    """Period of ``k`` base units, anchored on pandas' base ordinal 0 (written out by hand)."""
    days = np.array([(d - pd.Timestamp("1970-01-01")).days for d in dates])
    if freq == "7D":
        return days // 7
    if freq == "2W":  # pandas week 1 is Monday 1969-12-29 .. Sunday 1970-01-04
        return ((days + 3) // 7 + 1) // 2
    months = np.array([(d.year - 1970) * 12 + d.month - 1 for d in dates])
    return months // 2


@pytest.mark.parametrize("freq", ["7D", "2W", "2M"])
def test_lifecycle_honours_period_multiples(freq):
    rng = np.random.default_rng(3)
    dates = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 400, 60), unit="D")
    log = pd.DataFrame({"customer_id": rng.integers(0, 8, 60), "date": dates})
    numeric = log.assign(date=multiple_periods(list(dates), freq).astype(float))
    got = lifecycle_stages(log, freq=freq, default_rhythm=2.0)
    ref = lifecycle_stages(numeric, default_rhythm=2.0)
    pd.testing.assert_frame_equal(got, ref)


def test_profit_honours_period_multiples():
    df = lines(date=pd.to_datetime(["2024-01-05", "2024-02-05", "2024-03-10", "2024-03-01"]))
    out = profit_contribution(df, cost_col="cost", freq="2M")
    # January-February is one period, March-April the next
    assert [str(p) for _, p in out.index] == ["2024-01", "2024-03", "2024-03"]
    assert out["revenue"].tolist() == [150.0, 0.0, 100.0]
    assert out["previous_profit"].tolist() == [0.0, 60.0, 0.0]
    grades = grade_by_profit(df, cost_col="cost", freq="2M", observation_end="2024-02-29")
    assert grades["profit"].tolist() == [60.0, 0.0]


@pytest.mark.parametrize("freq", ["W", "D", "Y-JUN", "2W", 5])
def test_profit_refuses_periods_other_than_calendar_months(freq):
    err = InputTypeError if not isinstance(freq, str) else InputValueError
    with pytest.raises(err, match="`freq`"):
        profit_contribution(lines(), cost_col="cost", freq=freq)
    with pytest.raises(err, match="`freq`"):
        grade_by_profit(lines(), cost_col="cost", freq=freq)


# ---------------------------------------------------------------------------
# A battery of wrong keyword values: custvalue errors only, never a builtin one


BAD_VALUES = [None, "x", ["a"], 1.5, np.nan, [1, 2], {"a": 1}, object(), True, -1, 10**30, np.inf]


def _calls():
    log = lines()
    factors = pd.DataFrame({"a": [1, 2], "b": [2, 1]})
    return {
        "abc_classes": (
            lambda **k: abc_classes([3.0, 2.0, 1.0], **k),
            ["cutoffs", "labels", "rule", "negative", "negative_label"],
        ),
        "profit_contribution": (
            lambda **k: profit_contribution(log, **({"cost_col": "cost"} | k)),
            ["customer_col", "date_col", "amount_col", "cost_col", "profit_col", "freq", "by"],
        ),
        "grade_by_profit": (
            lambda **k: grade_by_profit(log, **({"cost_col": "cost"} | k)),
            ["freq", "observation_end", "method", "cutoffs", "thresholds", "labels", "returns"],
        ),
        "weighted_score": (
            lambda **k: weighted_score(factors, **({"weights": [1, 1]} | k)),
            ["weights", "lower_is_better", "rescore"],
        ),
        "lifecycle_stages": (
            lambda **k: lifecycle_stages(log, **k),
            [
                "customer_col",
                "date_col",
                "amount_col",
                "freq",
                "observation_end",
                "customers",
                "model",
                "at_risk_after",
                "lapsed_after",
                "new_periods",
                "default_rhythm",
                "reactivation_gap",
                "alive_at_risk",
                "alive_lapsed",
            ],
        ),
    }


@pytest.mark.parametrize("function", list(_calls()))
def test_wrong_keyword_values_give_custvalue_errors(function):
    from custvalue.errors import CustvalueError

    call, arguments = _calls()[function]
    for argument in arguments:
        for value in BAD_VALUES:
            try:
                call(**{argument: value})
            except CustvalueError:
                pass


def test_date_format_parses_integer_and_string_dates():
    as_int = lines(date=[20240105, 20240205, 20240110, 20240301])
    ref = profit_contribution(lines(), cost_col="cost", freq="M")
    got = profit_contribution(as_int, cost_col="cost", freq="M", date_format="%Y%m%d")
    pd.testing.assert_frame_equal(got, ref)
    with pytest.raises(InputTypeError, match="`date_format`"):
        profit_contribution(as_int, cost_col="cost")
    grades = grade_by_profit(as_int, cost_col="cost", date_format="%Y%m%d")
    pd.testing.assert_frame_equal(grades, grade_by_profit(lines(), cost_col="cost"))
    as_str = life_log().assign(date=life_log()["date"].dt.strftime("%d/%m/%Y"))
    got = lifecycle_stages(as_str, date_format="%d/%m/%Y", default_rhythm=5.0)
    pd.testing.assert_frame_equal(got, lifecycle_stages(life_log(), default_rhythm=5.0))
    yyyymmdd = life_log().assign(date=life_log()["date"].dt.strftime("%Y%m%d").astype(int))
    with pytest.raises(InputValueError, match="date_format"):
        lifecycle_stages(yyyymmdd, default_rhythm=5.0)
