"""Tests of custvalue.commission: plans, modes, splits, returns, errors, properties."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN
from decimal import ROUND_HALF_UP
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from custvalue.commission import CommissionPlan
from custvalue.commission import Tier
from custvalue.commission import bps
from custvalue.commission import commission
from custvalue.commission import parse_rate
from custvalue.commission import product_margin_tiers
from custvalue.errors import InputTypeError
from custvalue.errors import InputValueError
from custvalue.errors import MissingColumnError

D = Decimal


def frame(rows: list[tuple[object, ...]], cols: str = "salesperson amount cost") -> pd.DataFrame:
    return pd.DataFrame(rows, columns=cols.split())


def cents(res_col: pd.Series) -> list[int]:
    return [int(v) for v in res_col]


# --- rates and plans ---------------------------------------------------------------------


def test_parse_rate_forms() -> None:
    for v in ("7.5%", "750bp", "750 bps", "0.075", D("0.075"), 0.075):
        assert parse_rate(v) == D("0.075")
    assert parse_rate(1) == 1
    assert bps(750) == D("0.075")
    assert parse_rate("-5%") == D("-0.05")


@pytest.mark.parametrize(
    ("value", "error", "pattern"),
    [
        ("abc", InputValueError, "`rate`.*'7.5%'"),
        (1 / 3, InputValueError, "`rate`.*9 decimals"),
        (float("nan"), InputValueError, "`rate`.*finite"),
        (True, InputTypeError, "`rate`"),
        ([0.1], InputTypeError, "`rate`"),
    ],
)
def test_parse_rate_errors(value: object, error: type[Exception], pattern: str) -> None:
    with pytest.raises(error, match=pattern):
        parse_rate(value)


def test_plan_defaults_and_broadcast() -> None:
    plan = CommissionPlan([(None, "20%", "2%"), ("20%", None, ["5%", "6%"])], brackets=[0, 100])
    assert plan.tier_names == ("[-inf, 20%)", "[20%, inf)")
    assert plan.tiers[0].rates == (D("0.02"), D("0.02"))  # one rate used in every bracket
    assert plan.tiers[1].rate == D("0.05")


@pytest.mark.parametrize(
    ("tiers", "brackets", "pattern"),
    [
        ([("0%", "20%", "2%"), ("25%", None, "5%")], (), "gap between tier 0.*tier 1"),
        ([("0%", "20%", "2%"), ("15%", None, "5%", "gold")], (), "tier 1 \\('gold'\\) overlaps"),
        ([("10%", "20%", "2%"), ("0%", "10%", "5%")], (), "not sorted"),
        ([("0%", "20%", "120%", "big")], (), "tier 0 \\('big'\\).*rate 120%"),
        ([("0%", None, "-1%")], (), "tier 0.*outside"),
        ([("0%", "20%", "2%"), (None, None, "5%")], (), "tier 1.*no lower bound"),
        ([("0%", None, "2%"), ("20%", "30%", "5%")], (), "tier 0.*no upper bound"),
        ([("20%", "10%", "2%")], (), "tier 0.*empty or reversed"),
        ([("0%", None, ["1%", "2%"])], [0, 10, 20], "tier 0.*2 rate.*3 volume"),
        ([("0%", None, "1%")], [5, 10], "bracket 0 must start at 0"),
        ([("0%", None, "1%")], [0, 10, 10], "bracket 2.*not above"),
        ([("0%", "2000%", "1%"), ("2000%", None, "1%")], (), "outside ±1000"),
        ([], (), "at least one tier"),
    ],
)
def test_plan_validation_names_the_tier(
    tiers: list[tuple[object, ...]], brackets: list[int], pattern: str
) -> None:
    with pytest.raises(InputValueError, match=pattern):
        CommissionPlan(tiers, brackets=brackets)  # type: ignore[arg-type]


def test_plan_type_errors() -> None:
    with pytest.raises(InputTypeError, match="tier 0"):
        CommissionPlan([["0%", None, "1%"]])  # type: ignore[list-item]
    with pytest.raises(InputTypeError, match="plan"):
        commission(frame([("a", 1.0, 0.5)]), "plan", cost_col="cost")  # type: ignore[arg-type]


# --- per line ----------------------------------------------------------------------------

PLAN3 = CommissionPlan(
    [("0%", "20%", "2%", "low"), ("20%", "35%", "5%", "mid"), ("35%", None, "8%", "high")]
)


def test_per_line_hand_worked() -> None:
    lines = frame(
        [
            ("ann", 100.00, 80.00),  # margin 20.00, rate 20 % -> tier mid (inclusive): 1.00
            ("ann", 100.00, 80.01),  # margin 19.99, rate 19.99 % -> low: 0.3998 -> 0.40
            ("bob", 12.50, 7.50),  # margin 5.00, 40 % -> high: 0.40
            ("bob", 10.00, 11.00),  # negative margin -> 0 (kind negative_margin)
            ("bob", 0.31, 0.00),  # margin 0.31, 100 % -> high: 0.0248 -> 0.02
        ]
    )
    res = commission(lines, PLAN3, cost_col="cost")
    out = res.lines
    assert out["tier_name"].tolist() == ["mid", "low", "high", "", "high"]
    assert out["tier"].tolist() == [1, 0, 2, -1, 2]
    assert out["kind"].tolist() == ["sale", "sale", "sale", "negative_margin", "sale"]
    assert cents(out["commission_minor"]) == [100, 40, 40, 0, 2]
    assert out["commission"].tolist() == [D("1.00"), D("0.40"), D("0.40"), D("0.00"), D("0.02")]
    assert out["rate"].tolist() == [D("0.05"), D("0.02"), D("0.08"), D("0"), D("0.08")]
    st_ = res.statements
    assert st_["salesperson"].tolist() == ["ann", "bob"]
    assert cents(st_["commission_minor"]) == [140, 42]
    assert cents(st_["basis_minor"]) == [3999, 531]  # the negative margin adds 0 to the basis
    assert res.reconcile().ok


def test_rounding_rule_is_applied_per_line() -> None:
    # basis 0.50 at 5 % = 0.025 -> half_even 0.02, half_up 0.03; two lines add up the
    # rounded values: 0.04 vs 0.06 (never the rounded total 0.05)
    plan = CommissionPlan([(None, None, "5%")])
    lines = frame([("a", 0.50, 0.0), ("a", 0.50, 0.0)])
    even = commission(lines, plan, cost_col="cost")
    up = commission(lines, plan, cost_col="cost", rounding="half_up")
    assert cents(even.statements["commission_minor"]) == [4]
    assert cents(up.statements["commission_minor"]) == [6]
    assert up.rounding == "half_up"


def test_revenue_basis_and_margin_column() -> None:
    lines = pd.DataFrame({"salesperson": ["a"], "amount": [200.0], "margin": [50.0]})
    res = commission(lines, PLAN3, margin_col="margin", basis="revenue")
    # margin rate 25 % -> mid 5 % of revenue 200.00 = 10.00
    assert cents(res.lines["commission_minor"]) == [1000]


def test_below_plan_lines_earn_nothing() -> None:
    plan = CommissionPlan([("10%", None, "5%")])
    res = commission(frame([("a", 100.0, 95.0)]), plan, cost_col="cost")
    assert res.lines["kind"].tolist() == ["below_plan"]
    assert cents(res.lines["commission_minor"]) == [0]


def test_negative_margin_as_plan_can_charge() -> None:
    plan = CommissionPlan([(None, "0%", "10%", "loss"), ("0%", None, "5%")])
    lines = frame([("a", 100.0, 120.0)])
    zero = commission(lines, plan, cost_col="cost")
    charged = commission(lines, plan, cost_col="cost", negative_margin="as_plan")
    assert cents(zero.lines["commission_minor"]) == [0]
    # margin -20.00 at 10 % -> -2.00
    assert cents(charged.lines["commission_minor"]) == [-200]


def test_currency_decimals_and_minor_units() -> None:
    plan = CommissionPlan([(None, None, "7.5%")])
    yen = pd.DataFrame({"salesperson": ["a"], "amount": [1234], "cost": [0]})
    res = commission(yen, plan, cost_col="cost", currency_decimals=0)
    # 1234 * 0.075 = 92.55 -> 93
    assert cents(res.lines["commission_minor"]) == [93]
    assert res.lines["commission"].tolist() == [D("93")]
    minor = pd.DataFrame({"salesperson": ["a"], "amount": [10000], "cost": [4000]})
    res = commission(minor, plan, cost_col="cost", amount_units="minor")
    assert cents(res.lines["commission_minor"]) == [450]  # 60.00 * 7.5 %


def test_decimal_amounts_accepted() -> None:
    lines = pd.DataFrame(
        {"salesperson": ["a"], "amount": [D("100.005")], "cost": [D("0")]}, dtype=object
    )
    lines["salesperson"] = lines["salesperson"].astype(str)
    res = commission(lines, CommissionPlan([(None, None, "10%")]), cost_col="cost")
    # 100.005 -> 100.00 (half_even), 10 % -> 10.00
    assert cents(res.lines["basis_minor"]) == [10000]
    assert cents(res.lines["commission_minor"]) == [1000]


# --- products ----------------------------------------------------------------------------


PRODUCTS = pd.DataFrame(
    {"product": ["A", "B", "C"], "price": [10.0, 10.0, 10.0], "cost": [9.0, 7.0, 6.0]}
)


def test_product_margin_tiers_hand_worked() -> None:
    out = product_margin_tiers(PRODUCTS, PLAN3)
    # margins 10 %, 30 %, 40 %
    assert out["tier_name"].tolist() == ["low", "mid", "high"]
    assert out["rate"].tolist() == [D("0.02"), D("0.05"), D("0.08")]
    np.testing.assert_allclose(out["margin_rate"], [0.1, 0.3, 0.4])


def test_tier_by_product() -> None:
    lines = pd.DataFrame(
        {"salesperson": ["a", "a"], "product": ["C", "A"], "amount": [20.0, 100.0]}
    )
    res = commission(lines, PLAN3, tier_by="product", products=PRODUCTS, basis="revenue")
    # C is high (8 %) on 20.00 -> 1.60; A is low (2 %) on 100.00 -> 2.00
    assert cents(res.lines["commission_minor"]) == [160, 200]


def test_product_errors() -> None:
    lines = pd.DataFrame({"salesperson": ["a"], "product": ["Z"], "amount": [20.0]})
    with pytest.raises(InputValueError, match=r"product 'Z'.*not in `products`"):
        commission(lines, PLAN3, tier_by="product", products=PRODUCTS, basis="revenue")
    bad = pd.DataFrame({"product": ["A"], "price": [0.0], "cost": [3.0]})
    with pytest.raises(InputValueError, match="cost without a positive price"):
        product_margin_tiers(bad, PLAN3)
    nan = pd.DataFrame({"product": ["A"], "price": [np.nan], "cost": [3.0]})
    with pytest.raises(InputValueError, match="price"):
        product_margin_tiers(nan, PLAN3)
    dup = pd.DataFrame({"product": ["A", "A"], "price": [1.0, 2.0], "cost": [0.0, 0.0]})
    with pytest.raises(InputValueError, match="'A' more than once"):
        product_margin_tiers(dup, PLAN3)
    with pytest.raises(MissingColumnError, match="cost"):
        product_margin_tiers(PRODUCTS.drop(columns="cost"), PLAN3)
    with pytest.raises(InputValueError, match="products"):
        commission(lines, PLAN3, tier_by="product", basis="revenue")


# --- periods, graduated, retroactive -----------------------------------------------------

VOLUME = CommissionPlan([(None, None, ["2%", "3%"])], brackets=[0, 1000])


def test_graduated_hand_worked() -> None:
    lines = pd.DataFrame(
        {
            "salesperson": ["a", "a", "a"],
            "date": pd.to_datetime(["2024-01-20", "2024-01-05", "2024-02-01"]),
            "amount": [600.0, 600.0, 600.0],
            "cost": [0.0, 0.0, 0.0],
        }
    )
    res = commission(lines, VOLUME, cost_col="cost", mode="graduated", date_col="date", freq="M")
    # January in date order: line 1 (Jan 5) 600 at 2 % = 12.00; line 0 (Jan 20) takes the
    # volume from 600 to 1200: 400 at 2 % + 200 at 3 % = 8.00 + 6.00 = 14.00.
    # February starts again at 0: 600 at 2 % = 12.00.
    assert cents(res.lines["commission_minor"]) == [1400, 1200, 1200]
    st_ = res.statements
    assert [str(p) for p in st_["period"]] == ["2024-01", "2024-02"]
    assert cents(st_["commission_minor"]) == [2600, 1200]
    assert st_["bracket"].tolist() == [1, 0]
    assert res.reconcile().ok


def test_retroactive_cliff_at_bracket_edge() -> None:
    below = frame([("a", 999.99, 0.0)])
    at = frame([("a", 1000.00, 0.0)])
    r_below = commission(below, VOLUME, cost_col="cost", mode="retroactive")
    r_at = commission(at, VOLUME, cost_col="cost", mode="retroactive")
    # 999.99 at 2 % = 19.9998 -> 20.00; one cent more reaches bracket 1 and the whole
    # period is paid at 3 %: 30.00 (a 10.00 cliff)
    assert cents(r_below.statements["commission_minor"]) == [2000]
    assert cents(r_at.statements["commission_minor"]) == [3000]
    grad = commission(at, VOLUME, cost_col="cost", mode="graduated")
    assert cents(grad.statements["commission_minor"]) == [2000]  # 1000 all in bracket 0


def test_retroactive_applies_to_every_line_of_the_period() -> None:
    lines = frame([("a", 400.0, 0.0), ("a", 700.0, 0.0), ("b", 400.0, 0.0)])
    res = commission(lines, VOLUME, cost_col="cost", mode="retroactive")
    # a: volume 1100 -> bracket 1 -> 12.00 + 21.00; b: 400 -> bracket 0 -> 8.00
    assert cents(res.lines["commission_minor"]) == [1200, 2100, 800]
    assert res.lines["rate"].tolist() == [D("0.03"), D("0.03"), D("0.02")]


def test_quarter_and_year_periods() -> None:
    lines = pd.DataFrame(
        {
            "salesperson": ["a"] * 3,
            "date": pd.to_datetime(["2023-12-31 23:59", "2024-01-01 00:00", "2024-04-01 00:00"]),
            "amount": [100.0, 100.0, 100.0],
            "cost": [0.0, 0.0, 0.0],
        }
    )
    q = commission(lines, VOLUME, cost_col="cost", date_col="date", freq="Q").statements
    assert [str(p) for p in q["period"]] == ["2023Q4", "2024Q1", "2024Q2"]
    y = commission(lines, VOLUME, cost_col="cost", date_col="date", freq="Y").statements
    assert [str(p) for p in y["period"]] == ["2023", "2024"]
    assert y["n_credits"].tolist() == [1, 2]
    expected = lines["date"].dt.to_period("M").astype(str).tolist()
    m = commission(lines, VOLUME, cost_col="cost", date_col="date", freq="M")
    assert m.credits["period"].astype(str).tolist() == expected


def test_tz_aware_dates_use_wall_time() -> None:
    lines = pd.DataFrame(
        {
            "salesperson": ["a"],
            "date": pd.to_datetime(["2024-01-31 23:30"]).tz_localize("America/New_York"),
            "amount": [1.0],
            "cost": [0.0],
        }
    )
    res = commission(lines, VOLUME, cost_col="cost", date_col="date", freq="M")
    assert str(res.statements["period"].iloc[0]) == "2024-01"


# --- caps and floors ---------------------------------------------------------------------


def test_caps_and_floors() -> None:
    plan = CommissionPlan([(None, None, "10%")])
    lines = frame([("ann", 1000.0, 0.0), ("bob", 10.0, 0.0), ("cy", 200.0, 0.0)])
    res = commission(lines, plan, cost_col="cost", caps={"ann": 50, "zed": 1}, floors="5.00")
    st_ = res.statements
    # ann 100.00 capped at 50.00; bob 1.00 raised to the 5.00 floor; cy 20.00 unchanged
    assert cents(st_["lines_commission_minor"]) == [10000, 100, 2000]
    assert cents(st_["adjustment_minor"]) == [-5000, 400, 0]
    assert cents(st_["commission_minor"]) == [5000, 500, 2000]
    assert st_["cap_applied"].tolist() == [True, False, False]
    assert st_["floor_applied"].tolist() == [False, True, False]
    rec = res.reconcile()
    assert rec.ok
    assert rec.lines_total_minor == 12100
    assert rec.payable_minor == 7500


def test_cap_errors() -> None:
    plan = CommissionPlan([(None, None, "10%")])
    lines = frame([("ann", 1000.0, 0.0)])
    with pytest.raises(InputValueError, match=r"`caps`.*more decimals"):
        commission(lines, plan, cost_col="cost", caps="1.005")
    with pytest.raises(InputValueError, match="floor above the cap"):
        commission(lines, plan, cost_col="cost", caps=10, floors=20)
    with pytest.raises(InputValueError, match=r"`caps\['ann'\]` must be >= 0"):
        commission(lines, plan, cost_col="cost", caps={"ann": -1})


# --- splits ------------------------------------------------------------------------------


def test_split_one_cent_three_ways() -> None:
    plan = CommissionPlan([(None, None, "5%")])
    lines = pd.DataFrame({"salesperson": ["ann"], "amount": [0.20], "cost": [0.0]}, index=["L1"])
    splits = pd.DataFrame(
        {
            "line": ["L1", "L1", "L1"],
            "salesperson": ["ann", "bob", "cy"],
            "share": ["33.3333333%", "33.3333333%", "33.3333334%"],
        }
    )
    res = commission(lines, plan, cost_col="cost", splits=splits)
    # line commission 0.20 * 5 % = 0.01; quotas 0.333.., 0.333.., 0.334.. of a cent:
    # floors 0, the one cent goes to the largest remainder, cy
    assert cents(res.lines["commission_minor"]) == [1]
    cr = res.credits
    assert cr["salesperson"].tolist() == ["ann", "bob", "cy"]
    assert cents(cr["commission_minor"]) == [0, 0, 1]
    # basis 20 cents: quotas 6.67, 6.67, 6.67 -> floors 6 each, 2 left: the two largest
    # remainders are cy's (0.66666668) then ann's (tie with bob, ann listed first)
    assert cents(cr["basis_minor"]) == [7, 6, 7]
    assert cents(res.statements["commission_minor"]) == [0, 0, 1]
    assert res.reconcile().ok
    # equal shares listed as 34/33/33: the cent goes to the first, who has the largest share
    splits["share"] = ["34%", "33%", "33%"]
    res = commission(lines, plan, cost_col="cost", splits=splits)
    assert cents(res.credits["commission_minor"]) == [1, 0, 0]


def test_split_errors() -> None:
    plan = CommissionPlan([(None, None, "5%")])
    lines = frame([("ann", 100.0, 0.0), ("bob", 100.0, 0.0)])
    bad = pd.DataFrame({"line": [0, 0], "salesperson": ["a", "b"], "share": ["50%", "49%"]})
    with pytest.raises(InputValueError, match="shares of line 0 sum to 99%"):
        commission(lines, plan, cost_col="cost", splits=bad)
    unknown = pd.DataFrame({"line": [7], "salesperson": ["a"], "share": [1]})
    with pytest.raises(InputValueError, match=r"line 7.*not a line id"):
        commission(lines, plan, cost_col="cost", splits=unknown)
    over = pd.DataFrame({"line": [0], "salesperson": ["a"], "share": ["150%"]})
    with pytest.raises(InputValueError, match="between 0 and 100"):
        commission(lines, plan, cost_col="cost", splits=over)
    with pytest.raises(MissingColumnError, match="share"):
        commission(lines, plan, cost_col="cost", splits=bad.drop(columns="share"))


def test_split_lines_need_no_salesperson() -> None:
    plan = CommissionPlan([(None, None, "10%")])
    lines = pd.DataFrame({"salesperson": [None, "bob"], "amount": [10.0, 10.0], "cost": 0.0})
    splits = pd.DataFrame({"line": [0, 0], "salesperson": ["x", "y"], "share": [0.5, 0.5]})
    res = commission(lines, plan, cost_col="cost", splits=splits)
    assert res.statements["salesperson"].tolist() == ["bob", "x", "y"]
    assert cents(res.statements["commission_minor"]) == [100, 50, 50]
    with pytest.raises(InputValueError, match=r"'salesperson'.*missing"):
        commission(lines, plan, cost_col="cost")


# --- returns -----------------------------------------------------------------------------


def returns_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": ["S1", "S2", "R1", "R2"],
            "salesperson": ["ann", "ann", "bob", "ann"],
            "amount": [300.0, 100.0, -100.0, -200.0],
            "cost": [200.0, 50.0, -60.0, -150.0],
            "ref": ["", "", "S1", "S1"],
        }
    ).replace({"ref": {"": None}})


def test_linked_returns_reverse_at_the_sale_rate() -> None:
    lines = returns_frame()
    res = commission(lines, PLAN3, cost_col="cost", line_id_col="id", reference_col="ref")
    # S1: margin 100.00 (33.3 %, mid 5 %) -> 5.00; S2: margin 50.00 (50 %, high 8 %) -> 4.00.
    # R1 returns 1/3 of S1's revenue: round(500 * 1/3) = 167 -> -1.67 (basis -33.33);
    # R2 brings it to all of S1: 500 - 167 = 333 -> -3.33 (basis -66.67).
    # Both are charged to ann, who was credited with S1 (R1's own salesperson is not used).
    out = res.lines
    assert out["kind"].tolist() == ["sale", "sale", "reversal", "reversal"]
    assert cents(out["commission_minor"]) == [500, 400, -167, -333]
    assert cents(out["basis_minor"]) == [10000, 5000, -3333, -6667]
    assert out["rate"].tolist()[2:] == [D("0.05"), D("0.05")]
    st_ = res.statements
    assert st_["salesperson"].tolist() == ["ann"]
    assert cents(st_["commission_minor"]) == [400]  # S1 fully reversed: only S2 remains
    assert cents(st_["reversals_minor"]) == [-500]
    assert res.reconcile().ok


def test_unlinked_return_fallback_uses_its_own_tier() -> None:
    lines = frame([("ann", -100.0, -60.0)])
    res = commission(lines, PLAN3, cost_col="cost")
    # margin -40.00 on revenue -100.00: margin rate 40 % (high, 8 %) -> -3.20
    assert res.lines["kind"].tolist() == ["return"]
    assert cents(res.lines["commission_minor"]) == [-320]
    assert cents(res.statements["reversals_minor"]) == [-320]


def test_return_errors() -> None:
    lines = returns_frame()
    kw = {"cost_col": "cost", "line_id_col": "id", "reference_col": "ref"}
    too_much = lines.copy()
    too_much.loc[3, "amount"] = -200.01
    with pytest.raises(InputValueError, match=r"'R2'.*more than its revenue"):
        commission(too_much, PLAN3, **kw)  # type: ignore[arg-type]
    unknown = lines.copy()
    unknown.loc[2, "ref"] = "S9"
    with pytest.raises(InputValueError, match="'R1' references 'S9'"):
        commission(unknown, PLAN3, **kw)  # type: ignore[arg-type]
    positive = lines.copy()
    positive.loc[1, "ref"] = "S1"
    with pytest.raises(InputValueError, match=r"'S2'.*non-negative"):
        commission(positive, PLAN3, **kw)  # type: ignore[arg-type]
    to_return = lines.copy()
    to_return.loc[3, "ref"] = "R1"
    with pytest.raises(InputValueError, match=r"'R2' references line 'R1'.*not a sale"):
        commission(to_return, PLAN3, **kw)  # type: ignore[arg-type]
    early = lines.copy()
    early["date"] = pd.to_datetime(["2024-02-01", "2024-01-01", "2024-01-15", "2024-03-01"])
    with pytest.raises(InputValueError, match="'R1' comes before the sale"):
        commission(early, PLAN3, date_col="date", **kw)  # type: ignore[arg-type]
    dup = lines.copy()
    dup.loc[1, "id"] = "S1"
    with pytest.raises(InputValueError, match=r"unique.*'S1'"):
        commission(dup, PLAN3, **kw)  # type: ignore[arg-type]


# --- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "kwargs", "error", "pattern"),
    [
        (lambda d: d.assign(amount=[np.nan, 1.0]), {}, InputValueError, "`amount`.*missing"),
        (lambda d: d.assign(cost=[1.0, np.nan]), {}, InputValueError, "`cost`.*missing"),
        (lambda d: d.assign(amount=["1", "2"]), {}, InputTypeError, "`amount`"),
        (lambda d: d.assign(salesperson=["a", None]), {}, InputValueError, "'salesperson'"),
        (lambda d: d.assign(amount=[0.0, 1.0]), {}, InputValueError, "cost without a price"),
        (lambda d: d.assign(cost=[-1.0, 0.0]), {}, InputValueError, "'cost' must have the sign"),
        (lambda d: d.drop(columns="cost"), {}, MissingColumnError, "'cost'"),
        (lambda d: d.drop(columns="salesperson"), {}, MissingColumnError, "'salesperson'"),
        (
            lambda d: d.assign(cur=["EUR", "USD"]),
            {"currency_col": "cur"},
            InputValueError,
            "'cur' mixes currencies",
        ),
        (
            lambda d: d.assign(date=["2024-01-01"] * 2),
            {"date_col": "date", "freq": "M"},
            InputTypeError,
            "'date' must hold datetimes",
        ),
        (
            lambda d: d.assign(date=pd.to_datetime(["2024-01-01", None])),
            {"date_col": "date", "freq": "M"},
            InputValueError,
            "'date' has a missing date",
        ),
        (lambda d: d, {"mode": "marginal"}, InputValueError, "`mode`"),
        (lambda d: d, {"rounding": "up"}, InputValueError, "`rounding`"),
        (lambda d: d, {"freq": "M"}, InputValueError, "needs `date_col`"),
        (lambda d: d, {"currency_decimals": 12}, InputValueError, "`currency_decimals`"),
        (lambda d: d, {"margin_col": "cost"}, InputValueError, "not both"),
        (lambda d: d.iloc[:0], {}, InputValueError, "`lines` is empty"),
    ],
)
def test_bad_input(change, kwargs, error, pattern) -> None:  # type: ignore[no-untyped-def]
    lines = change(frame([("a", 10.0, 5.0), ("b", 10.0, 5.0)]))
    args = {"cost_col": "cost", **kwargs}
    with pytest.raises(error, match=pattern):
        commission(lines, PLAN3, **args)


def test_needs_cost_for_margin_basis() -> None:
    lines = pd.DataFrame({"salesperson": ["a"], "amount": [1.0]})
    with pytest.raises(InputValueError, match="cost_col"):
        commission(lines, PLAN3)


def test_single_currency_is_reported_and_input_untouched() -> None:
    lines = frame([("a", 10.0, 5.0)]).assign(cur="EUR")
    before = lines.copy()
    res = commission(lines, PLAN3, cost_col="cost", currency_col="cur")
    assert res.currency == "EUR"
    pd.testing.assert_frame_equal(lines, before)


# --- references and properties -----------------------------------------------------------

Q = Decimal(1)
RULE = {"half_even": ROUND_HALF_EVEN, "half_up": ROUND_HALF_UP}


def ref_tier(margin: int, rev: int, lowers: list[Fraction | None]) -> int:
    rate = Fraction(0) if rev == 0 else Fraction(margin, rev)
    t = -1
    for i, low in enumerate(lowers):
        if low is None or rate >= low:
            t = i
    return t


def ref_round(x: Decimal, rounding: str) -> int:
    return int(x.quantize(Q, rounding=RULE[rounding]))


@st.composite
def plans(
    draw: st.DrawFn, brackets: bool = False
) -> tuple[CommissionPlan, list[Fraction | None], list[list[Decimal]], list[int]]:
    n = draw(st.integers(1, 4))
    cuts = sorted(draw(st.sets(st.integers(-50, 99), min_size=n - 1, max_size=n - 1)))
    first_open = draw(st.booleans())
    first = None if first_open else draw(st.integers(-60, min(cuts) if cuts else 99))
    if first is not None and cuts and first >= cuts[0]:
        first = None
    bounds: list[int | None] = [first, *cuts]
    n_br = draw(st.integers(2, 3)) if brackets else 1
    lows = [0, *sorted(draw(st.sets(st.integers(1, 5000), min_size=n_br - 1, max_size=n_br - 1)))]
    tiers = []
    rate_rows = []
    for i in range(n):
        base = draw(st.integers(0, 2000))  # in bp
        steps = [draw(st.integers(0, 500)) for _ in range(n_br - 1)]
        row = [base]
        for s in steps:
            row.append(min(row[-1] + s, 10_000))
        rates = [bps(r) for r in row]
        lo = bounds[i]
        hi = bounds[i + 1] if i + 1 < n else None
        tiers.append(
            Tier(None if lo is None else f"{lo}%", None if hi is None else f"{hi}%", rates)
        )
        rate_rows.append(rates)
    plan = CommissionPlan(tiers, brackets=lows if brackets else ())
    lowers = [None if b is None else Fraction(b, 100) for b in bounds]
    return plan, lowers, rate_rows, [lw * 100 for lw in lows]


line_rows = st.lists(
    st.tuples(
        st.integers(0, 3),  # salesperson
        st.integers(1, 10**7),  # revenue in cents
        st.integers(0, 150),  # cost as % of revenue
        st.integers(0, 3),  # month
    ),
    min_size=1,
    max_size=25,
)


def to_frame(rows: list[tuple[int, int, int, int]]) -> tuple[pd.DataFrame, list[int], list[int]]:
    revs = [r for _, r, _, _ in rows]
    costs = [r * c // 100 for _, r, c, _ in rows]
    df = pd.DataFrame(
        {
            "salesperson": [f"s{s}" for s, _, _, _ in rows],
            "amount": [D(r).scaleb(-2) for r in revs],
            "cost": [D(c).scaleb(-2) for c in costs],
            "date": pd.to_datetime(
                [f"2024-{m + 1:02d}-{1 + i % 28:02d}" for i, (_, _, _, m) in enumerate(rows)]
            ),
        }
    )
    df["amount"] = df["amount"].astype(object)
    df["cost"] = df["cost"].astype(object)
    return df, revs, costs


@settings(max_examples=100, deadline=None)
@given(
    p=plans(),
    rows=line_rows,
    rounding=st.sampled_from(["half_even", "half_up"]),
    basis=st.sampled_from(["margin", "revenue"]),
)
def test_per_line_matches_decimal_reference(p, rows, rounding, basis) -> None:  # type: ignore[no-untyped-def]
    plan, lowers, rate_rows, _ = p
    df, revs, costs = to_frame(rows)
    res = commission(
        df, plan, cost_col="cost", basis=basis, rounding=rounding, date_col="date", freq="M"
    )
    expected = []
    for r, c in zip(revs, costs, strict=True):
        m = r - c
        t = ref_tier(m, r, lowers)
        b = m if basis == "margin" else r
        if m < 0 or t < 0:
            expected.append(0)
        else:
            expected.append(ref_round(D(b) * rate_rows[t][0], rounding))
    assert res.line_commission_minor.tolist() == expected
    # statements equal the sum of their lines
    got = res.statements.set_index(["salesperson", "period"])["lines_commission_minor"]
    lines = res.lines.assign(salesperson=df["salesperson"], period=df["date"].dt.to_period("M"))
    want = lines.groupby(["salesperson", "period"])["commission_minor"].sum()
    assert got.to_dict() == want.to_dict()
    assert res.reconcile().ok


def ref_graduated(
    rows: list[tuple[int, int, int, int]],
    revs: list[int],
    costs: list[int],
    lowers: list[Fraction | None],
    rate_rows: list[list[Decimal]],
    lows: list[int],
    rounding: str,
) -> list[int]:
    """Plain-Python graduated commission: per salesperson and month, in date order."""
    order = sorted(range(len(rows)), key=lambda i: (rows[i][3], 1 + i % 28, i))
    volume: dict[tuple[int, int], int] = {}
    out = [0] * len(rows)
    for i in order:
        key = (rows[i][0], rows[i][3])
        m = revs[i] - costs[i]
        t = ref_tier(m, revs[i], lowers)
        b = max(m, 0)
        v0 = volume.get(key, 0)
        v1 = v0 + b
        volume[key] = v1
        if t < 0 or b == 0:
            continue
        total = D(0)
        for k in range(len(lows)):
            lo = lows[k]
            hi = lows[k + 1] if k + 1 < len(lows) else None
            part = max(0, (v1 if hi is None else min(v1, hi)) - max(v0, lo))
            total += D(part) * rate_rows[t][k]
        out[i] = ref_round(total, rounding)
    return out


@settings(max_examples=100, deadline=None)
@given(p=plans(brackets=True), rows=line_rows, rounding=st.sampled_from(["half_even", "half_up"]))
def test_graduated_matches_reference_and_is_below_retroactive(p, rows, rounding) -> None:  # type: ignore[no-untyped-def]
    plan, lowers, rate_rows, lows = p
    df, revs, costs = to_frame(rows)
    kw = {"cost_col": "cost", "date_col": "date", "freq": "M", "rounding": rounding}
    grad = commission(df, plan, mode="graduated", **kw)  # type: ignore[arg-type]
    assert grad.line_commission_minor.tolist() == ref_graduated(
        rows, revs, costs, lowers, rate_rows, lows, rounding
    )
    retro = commission(df, plan, mode="retroactive", **kw)  # type: ignore[arg-type]
    # rates increase with the bracket: marginal pay never exceeds retroactive pay
    g = grad.statements.set_index(["salesperson", "period"])["lines_commission_minor"]
    r = retro.statements.set_index(["salesperson", "period"])["lines_commission_minor"]
    assert (g <= r).all()
    assert grad.reconcile().ok and retro.reconcile().ok


@settings(max_examples=100, deadline=None)
@given(
    rows=line_rows,
    shares=st.lists(st.integers(1, 1000), min_size=1, max_size=4),
    mode=st.sampled_from(["per_line", "graduated", "retroactive"]),
)
def test_splits_sum_exactly(rows, shares, mode) -> None:  # type: ignore[no-untyped-def]
    df, _, _ = to_frame(rows)
    weights = [Fraction(s, sum(shares)) for s in shares]
    # shares in parts per 1e9 that sum exactly to 100 %
    ppb = [int(w * 10**9) for w in weights]
    ppb[-1] += 10**9 - sum(ppb)
    splits = pd.DataFrame(
        {
            "line": [0] * len(ppb),
            "salesperson": [f"x{k}" for k in range(len(ppb))],
            "share": [D(v).scaleb(-9) for v in ppb],
        }
    )
    plan = CommissionPlan(
        [(None, "30%", ["3%", "4%"]), ("30%", None, ["6%", "9%"])], brackets=[0, 500]
    )
    res = commission(df, plan, cost_col="cost", splits=splits, mode=mode)
    cr = res.credits
    per_line = cr.groupby("line")["commission_minor"].sum()
    assert per_line.tolist() == res.lines["commission_minor"].tolist()
    assert cr.groupby("line")["basis_minor"].sum().tolist() == res.lines["basis_minor"].tolist()
    assert res.reconcile().ok
    if mode == "per_line":
        line0 = int(res.lines["commission_minor"].iloc[0])
        part = cr.loc[cr["line"] == 0, "commission_minor"].tolist()
        from custvalue._core.money import allocate_largest_remainder

        assert part == allocate_largest_remainder(line0, ppb)


@settings(max_examples=100, deadline=None)
@given(
    rows=line_rows,
    pick=st.integers(0, 24),
    pieces=st.integers(1, 3),
    mode=st.sampled_from(["per_line", "retroactive"]),
)
def test_reversal_restores_the_earlier_total(rows, pick, pieces, mode) -> None:  # type: ignore[no-untyped-def]
    df, revs, costs = to_frame(rows)
    df["id"] = [f"L{i}" for i in range(len(df))]
    df["ref"] = None
    plan = CommissionPlan(
        [(None, "20%", ["2%", "3%"]), ("20%", None, ["5%", "7%"])], brackets=[0, 1000]
    )
    kw = {
        "cost_col": "cost",
        "line_id_col": "id",
        "reference_col": "ref",
        "mode": mode,
        "date_col": "date",
        "freq": "M",
    }
    before = commission(df, plan, **kw)  # type: ignore[arg-type]
    i = pick % len(df)
    # add a sale of line i's shape and its full return, in pieces, in the same month
    sale = df.iloc[[i]].assign(id="NEW")
    rev, cost = revs[i], costs[i]
    pieces = min(pieces, rev)
    cut = [rev * k // pieces for k in range(pieces + 1)]
    cut_cost = [cost * k // pieces for k in range(pieces + 1)]
    rets = pd.DataFrame(
        {
            "salesperson": "someone else",
            "amount": [D(-(cut[k + 1] - cut[k])).scaleb(-2) for k in range(pieces)],
            "cost": [D(-(cut_cost[k + 1] - cut_cost[k])).scaleb(-2) for k in range(pieces)],
            "date": sale["date"].iloc[0],
            "id": [f"R{k}" for k in range(pieces)],
            "ref": "NEW",
        }
    )
    after = commission(pd.concat([df, sale, rets], ignore_index=True), plan, **kw)  # type: ignore[arg-type]
    assert after.reconcile().ok
    b = before.statements.set_index(["salesperson", "period"])["commission_minor"]
    a = after.statements.set_index(["salesperson", "period"])["commission_minor"]
    assert a.to_dict() == b.to_dict()


def test_graduated_linked_return_frees_the_bracket() -> None:
    lines = pd.DataFrame(
        {
            "id": ["S1", "S2", "R1", "S3"],
            "salesperson": ["a", "a", "a", "a"],
            "date": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"]),
            "amount": [600.0, 600.0, -600.0, 600.0],
            "cost": [0.0, 0.0, 0.0, 0.0],
            "ref": [None, None, "S1", None],
        }
    )
    res = commission(
        lines,
        VOLUME,
        cost_col="cost",
        mode="graduated",
        date_col="date",
        line_id_col="id",
        reference_col="ref",
    )
    # S1 0 -> 600 at 2 % = 12.00; S2 600 -> 1200: 400 at 2 % + 200 at 3 % = 14.00;
    # R1 reverses S1 at S1's own pay (-12.00) and takes the volume back to 600;
    # S3 600 -> 1200 again: 14.00.  Total 28.00.
    assert cents(res.lines["commission_minor"]) == [1200, 1400, -1200, 1400]
    assert cents(res.statements["commission_minor"]) == [2800]
    assert cents(res.statements["reversals_minor"]) == [-1200]
    assert res.reconcile().ok


# --- the one-pass route gives what the general route gives -----------------------------


def _random_lines(seed: int, n: int = 3000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    amount = np.round(np.exp(rng.normal(3.0, 1.5, n)), 2)
    amount[rng.random(n) < 0.1] *= -1  # unlinked returns
    amount[rng.random(n) < 0.02] = 0.0
    cost = np.round(amount * rng.uniform(0.3, 1.2, n), 2)
    cost[amount == 0] = 0.0
    dates = pd.Timestamp("2023-11-20") + pd.to_timedelta(rng.integers(0, 400 * 86_400, n), "s")
    return pd.DataFrame(
        {
            "salesperson": rng.choice([3, 5, 6, 9, 40], n),  # sparse integer ids
            "date": dates,
            "amount": amount,
            "cost": cost,
        }
    )


def _same_result(a: object, b: object) -> None:
    from custvalue.commission import CommissionResult

    assert isinstance(a, CommissionResult) and isinstance(b, CommissionResult)
    np.testing.assert_array_equal(a.line_commission_minor, b.line_commission_minor)
    assert a.line_commission_minor.dtype == b.line_commission_minor.dtype
    pd.testing.assert_frame_equal(a.statements, b.statements)
    pd.testing.assert_frame_equal(a.lines, b.lines)
    pd.testing.assert_frame_equal(a.credits, b.credits)
    assert a.reconcile() == b.reconcile()
    assert a.reconcile().ok


_VARIANTS: list[dict[str, object]] = [
    {},
    {"freq": None},
    {"freq": "Q", "rounding": "half_up"},
    {"date_col": None, "freq": None},
    {"basis": "revenue"},
    {"negative_margin": "as_plan"},
    {"margin": True},
    {"labels": "str"},
    {"labels": "wide"},
    {"tz": True, "freq": "Y"},
    {"caps": 30, "floors": {5: 1, 9: 2}},
    {"currency_decimals": 3},
]


@pytest.mark.parametrize("mode", ["per_line", "graduated"])
@pytest.mark.parametrize("variant", _VARIANTS)
def test_float_and_decimal_inputs_agree(mode: str, variant: dict[str, object]) -> None:
    # the same lines given as floats and as exact Decimals read to the same result
    v = dict(variant)
    df = _random_lines(len(str(v)) + (mode == "graduated"))
    labels = v.pop("labels", None)
    if labels == "str":
        df["salesperson"] = "sp" + df["salesperson"].astype(str)
    elif labels == "wide":
        df["salesperson"] = df["salesperson"] * 10**12
    if v.pop("tz", False):
        df["date"] = df["date"].dt.tz_localize(
            "America/New_York", ambiguous="NaT", nonexistent="shift_forward"
        )
        df = df[df["date"].notna()].reset_index(drop=True)
    kw: dict[str, object] = {"cost_col": "cost", "date_col": "date", "freq": "M", "mode": mode}
    if v.pop("margin", False):
        df["margin"] = np.round(df["amount"] - df["cost"], 2)
        kw.pop("cost_col")
        kw["margin_col"] = "margin"
    kw.update(v)
    df.index = pd.RangeIndex(100, 100 + len(df))
    plan = CommissionPlan(
        [
            Tier(None, "-50%", ["1%", "1%"]),
            Tier("-50%", "0%", ["0.5%", "1.5%"]),
            Tier("0%", "20%", ["2%", "3%"]),
            Tier("20%", None, ["4.125%", "5%"]),
        ],
        brackets=[0, 500],
    )
    floats = commission(df, plan, **kw)  # type: ignore[arg-type]
    exact = df.copy()
    for col in ("amount", "cost", "margin"):
        if col in exact:
            exact[col] = [Decimal(repr(float(x))) for x in exact[col]]
    decimals = commission(exact, plan, **kw)  # type: ignore[arg-type]
    _same_result(floats, decimals)


@pytest.mark.parametrize("mode", ["per_line", "graduated"])
def test_one_pass_route_hands_over_ties_and_errors(mode: str) -> None:
    # 2.675 sits on a rounding tie once in cents: the exact route decides it
    df = pd.DataFrame(
        {"salesperson": [1, 1, 2], "amount": [2.675, 10.0, 5.0], "cost": [1.0, 2.0, 1.0]}
    )
    plan = CommissionPlan([(None, None, "10%")])
    res = commission(df, plan, cost_col="cost", mode=mode)  # type: ignore[arg-type]
    assert cents(res.lines["basis_minor"]) == [168, 800, 400]
    df.loc[1, "cost"] = -2.0
    with pytest.raises(InputValueError, match="must have the sign"):
        commission(df, plan, cost_col="cost", mode=mode)  # type: ignore[arg-type]
    df.loc[1, "cost"] = float("nan")
    with pytest.raises(InputValueError, match="missing or non-finite"):
        commission(df, plan, cost_col="cost", mode=mode)  # type: ignore[arg-type]


def test_graduated_orders_each_statement_by_date_then_position() -> None:
    # many lines per statement, shuffled dates with ties: the running volume follows
    # (date, position), checked against a slow reference of the marginal pay
    rng = np.random.default_rng(7)
    n = 4000
    df = pd.DataFrame(
        {
            "salesperson": rng.integers(0, 3, n),
            "date": pd.Timestamp("2024-03-01") + pd.to_timedelta(rng.integers(0, 50, n), "D"),
            "amount": np.round(rng.uniform(1, 300, n), 2),
            "cost": 0.0,
        }
    )
    df.loc[rng.random(n) < 0.1, "amount"] *= -1
    plan = CommissionPlan([(None, None, ["1%", "2%", "3%"])], brackets=[0, 1000, 5000])
    res = commission(df, plan, cost_col="cost", mode="graduated", date_col="date", freq="M")
    lows = [0, 100_000, 500_000]
    rates = [Fraction(1, 100), Fraction(2, 100), Fraction(3, 100)]
    want = np.zeros(n, dtype=np.int64)
    minor = np.rint(df["amount"].to_numpy() * 100).astype(np.int64)
    month = df["date"].dt.to_period("M")
    order = sorted(range(n), key=lambda i: (df["date"].iloc[i], i))
    volume: dict[tuple[object, object], int] = {}
    for i in order:
        key = (df["salesperson"].iloc[i], month.iloc[i])
        v0 = volume.get(key, 0)
        v1 = v0 + int(minor[i])
        volume[key] = v1
        lo, hi = min(v0, v1), max(v0, v1)
        pay = Fraction(0)
        for k, rate in enumerate(rates):
            a = lo if k == 0 else max(lo, lows[k])
            e = hi if k == len(rates) - 1 else min(hi, lows[k + 1])
            if e > a:
                pay += (e - a) * rate
        pay = pay if minor[i] > 0 else -pay
        want[i] = _round_half_even(pay)
    np.testing.assert_array_equal(res.line_commission_minor, want)


def test_graduated_many_statements_match_a_sorted_running_volume() -> None:
    # thousands of statements of every size (one line to hundreds), over many blocks
    # of positions, dates with ties and returns: pay follows the (date, position) order
    rng = np.random.default_rng(11)
    n = 40_000
    sp = np.where(rng.random(n) < 0.3, rng.integers(0, 5, n), rng.integers(0, 3000, n))
    df = pd.DataFrame(
        {
            "salesperson": sp,
            "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 90 * 24, n), "h"),
            "amount": np.round(rng.uniform(1, 400, n), 2),
            "cost": 0.0,
        }
    )
    df.loc[rng.random(n) < 0.05, "amount"] *= -1
    plan = CommissionPlan([(None, None, ["1%", "2.5%"])], brackets=[0, 300])
    res = commission(df, plan, cost_col="cost", mode="graduated", date_col="date", freq="M")
    minor = np.rint(df["amount"].to_numpy() * 100).astype(np.int64)
    month = df["date"].dt.to_period("M").to_numpy()
    order = sorted(range(n), key=lambda i: (df["date"].iat[i], i))
    volume: dict[tuple[object, object], int] = {}
    want = np.zeros(n, dtype=np.int64)
    for i in order:
        key = (sp[i], month[i])
        v0 = volume.get(key, 0)
        v1 = v0 + int(minor[i])
        volume[key] = v1
        lo, hi = min(v0, v1), max(v0, v1)
        below = max(0, min(hi, 30_000) - lo)
        pay = below * Fraction(1, 100) + (hi - lo - below) * Fraction(25, 1000)
        want[i] = _round_half_even(pay if minor[i] > 0 else -pay)
    np.testing.assert_array_equal(res.line_commission_minor, want)
    assert res.reconcile().ok


def _round_half_even(x: Fraction) -> int:
    q, r = divmod(x.numerator, x.denominator)
    if 2 * r > x.denominator or (2 * r == x.denominator and q % 2 == 1):
        q += 1
    return q


def test_lazy_views_ignore_later_changes_to_the_input() -> None:
    df = _random_lines(3, n=200)
    plan = CommissionPlan([(None, "0%", "0%"), ("0%", None, "5%")])
    kw = {"cost_col": "cost", "date_col": "date", "freq": "M"}
    res = commission(df, plan, **kw)  # type: ignore[arg-type]
    want = commission(df.copy(), plan, **kw)  # type: ignore[arg-type]
    df.loc[df.index[0], "amount"] = 1e6
    df["cost"] = 0.0
    df["salesperson"] = 99
    df["date"] = pd.Timestamp("2030-01-01")
    _same_result(res, want)


# --- bad input and exactness at the limits -------------------------------------------------


def test_statement_totals_beyond_int64_are_refused() -> None:
    # each line is within the 10**15 minor-unit limit, their sum is not within int64
    n = 20_000
    df = pd.DataFrame({"salesperson": 1, "amount": np.full(n, 9e12), "cost": 0.0})
    plan = CommissionPlan([(None, None, "1%")])
    for mode in ("per_line", "graduated", "retroactive"):
        with pytest.raises(InputValueError, match=r"'amount'.*int64"):
            commission(df, plan, cost_col="cost", mode=mode)  # type: ignore[arg-type]
    # just inside the range: exact totals
    res = commission(df.iloc[:10_000], plan, cost_col="cost")
    assert int(res.statements["basis_minor"].iloc[0]) == 10_000 * 9 * 10**14
    assert res.reconcile().ok


@pytest.mark.parametrize(
    "kw",
    [
        {"salesperson_col": ["salesperson"]},
        {"amount_col": ["amount"]},
        {"cost_col": ["cost"]},
        {"date_col": ["date"]},
    ],
)
def test_a_list_as_column_name_is_refused(kw: dict[str, object]) -> None:
    df = frame([("ann", 100.0, 80.0)])
    df["date"] = pd.Timestamp("2024-01-01")
    args: dict[str, object] = {"cost_col": "cost", **kw}
    with pytest.raises(InputTypeError, match=f"`{next(iter(kw))}`"):
        commission(df, CommissionPlan([(None, None, "5%")]), **args)  # type: ignore[arg-type]


def test_nullable_ids_with_missing_values_are_refused() -> None:
    df = frame([(1, 100.0, 80.0), (None, 50.0, 10.0)])
    df["salesperson"] = df["salesperson"].astype("Int64")
    plan = CommissionPlan([(None, None, "5%")])
    with pytest.raises(InputValueError, match=r"'salesperson'.*missing"):
        commission(df, plan, cost_col="cost")
    df["salesperson"] = df["salesperson"].fillna(2)
    st = commission(df, plan, cost_col="cost").statements
    assert st["salesperson"].tolist() == [1, 2]


@pytest.mark.parametrize("freq", ["2M", "3Q", "W", "D", "month", 1])
def test_freq_multiples_and_other_periods_are_refused(freq: object) -> None:
    df = frame([("ann", 100.0, 80.0)])
    df["date"] = pd.Timestamp("2024-01-01")
    plan = CommissionPlan([(None, None, "5%")])
    err = InputTypeError if not isinstance(freq, str) else InputValueError
    with pytest.raises(err, match="freq"):
        commission(df, plan, cost_col="cost", date_col="date", freq=freq)  # type: ignore[arg-type]


def test_money_columns_are_exact_arrow_decimals() -> None:
    df = frame([("ann", 0.1, 0.0), ("ann", 0.2, 0.0), ("bob", 1e12, 0.0)])
    res = commission(df, CommissionPlan([(None, None, "10%")]), cost_col="cost")
    for col in (res.lines["basis"], res.lines["commission"], res.statements["commission"]):
        assert isinstance(col.dtype, pd.ArrowDtype)
    assert list(res.statements["basis"]) == [D("0.30"), D("1000000000000.00")]
    assert list(res.lines["commission"]) == [D("0.01"), D("0.02"), D("100000000000.00")]


@pytest.mark.parametrize("mode", ["per_line", "graduated", "retroactive"])
@pytest.mark.parametrize("freq", ["M", None])
def test_statements_coded_with_the_salespeople_match_coding_them_first(
    mode: str, freq: str | None
) -> None:
    # integer salespeople (each line its own credit) code their statements in the same
    # passes as the ids; the same ids as Python objects are coded first, then paired
    df = _random_lines(7 + len(mode))
    kw = {
        "salesperson_col": "salesperson",
        "amount_col": "amount",
        "cost_col": "cost",
        "date_col": "date",
        "freq": freq,
        "mode": mode,
    }
    plan = CommissionPlan(
        [Tier(None, "0%", ["0%", "0%"]), Tier("0%", None, ["2%", "3.5%"])], brackets=[0, 500]
    )
    fast = commission(df, plan, **kw)  # type: ignore[arg-type]
    slow = commission(df.astype({"salesperson": object}), plan, **kw)  # type: ignore[arg-type]
    for frame in ("statements", "credits"):
        a, b = getattr(fast, frame).copy(), getattr(slow, frame).copy()
        assert a["salesperson"].dtype == np.int64
        b["salesperson"] = b["salesperson"].astype(np.int64)
        pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(fast.lines, slow.lines)
    assert fast.reconcile().ok


def test_categorical_salespeople_keep_their_category_order() -> None:
    # salespeople are coded like customer ids: a categorical lists them in category order
    lines = pd.DataFrame(
        {
            "salesperson": pd.Categorical(["b", "c", "a", "b"], categories=["c", "a", "b"]),
            "amount": [100.0, 50.0, 80.0, 20.0],
            "cost": [60.0, 40.0, 50.0, 10.0],
        }
    )
    res = commission(lines, PLAN3, salesperson_col="salesperson", cost_col="cost")
    assert res.statements["salesperson"].tolist() == ["c", "a", "b"]
    assert res.statements["basis_minor"].tolist() == [1000, 3000, 5000]
