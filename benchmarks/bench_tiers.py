"""Value tiers: ``abc_classes`` and ``profit_contribution`` against plain pandas.

* ``abc_classes``: ABC classes (cutoffs 0.8 / 0.95) of one profit value per
  customer.  The pandas peer sorts the values, takes the running sum, reads for
  every item the running sum of the strictly larger items (first item of each
  tie group, forward-filled), divides by the total, classifies with
  ``numpy.select`` and restores input order.  The check requires identical
  classes for every customer.
* ``profit_contribution``: quarterly revenue, profit, margin, share of the
  quarter's profit and change against the previous quarter per customer, from
  a shuffled log with revenue and cost columns.  The pandas peer groups by
  (customer, quarter), adds the "drop to zero" rows of the quarter after each
  active quarter, looks up the previous quarter's profit with ``reindex`` and
  the quarter totals with ``groupby().transform``.  The check requires the same
  rows in the same order and all columns equal (relative tolerance 1e-9).
"""

from __future__ import annotations

import gc
from typing import Any

import numpy as np
import pandas as pd
from _harness import Case
from datagen import synthetic_transactions

COLUMNS = [
    "revenue",
    "profit",
    "margin",
    "profit_share",
    "previous_profit",
    "profit_change",
    "profit_change_rel",
]

# --- abc_classes ---------------------------------------------------------------


def custvalue_abc(values: pd.Series) -> Any:
    from custvalue.tiers import abc_classes

    return abc_classes(values, cutoffs=(0.8, 0.95))


def pandas_abc(values: pd.Series) -> pd.Series:
    s = values.sort_values(ascending=False)
    cum = s.cumsum()
    first_of_tie = s.ne(s.shift())
    above = cum.shift(fill_value=0.0).where(first_of_tie).ffill() / cum.iloc[-1]
    labels = np.select([above < 0.8, above < 0.95], ["A", "B"], "C")
    out = pd.Series(labels, index=s.index).reindex(values.index)
    return out.astype(pd.CategoricalDtype(["A", "B", "C"]))


def check_abc(outputs: dict[str, object]) -> None:
    if "pandas" not in outputs or "custvalue" not in outputs:
        return
    ref = outputs["pandas"]
    got = outputs["custvalue"]
    assert isinstance(ref, pd.Series) and isinstance(got, pd.Series)
    assert got.index.equals(ref.index), "abc_classes: index differs"
    a = np.asarray(got.cat.codes)
    b = np.asarray(ref.cat.codes)
    bad = a != b
    assert not bad.any(), (
        f"abc_classes: {int(bad.sum())} customer(s) differ, first at position "
        f"{int(np.flatnonzero(bad)[0])}"
    )


def _abc_case(n: int) -> Case:
    data: dict[str, pd.Series] = {}

    def setup() -> None:
        rng = np.random.default_rng(0)
        # Customer profits in cents: skewed, many ties among small values, a few losses
        # are excluded (the pandas peer has no negative policy).
        values = np.round(rng.lognormal(3.0, 1.5, size=n), 2)
        values[rng.random(n) < 0.05] = 0.0
        data["values"] = pd.Series(values, index=pd.RangeIndex(n, name="customer_id"))

    return Case(
        group="abc_classes",
        size=f"{n:,} customers",
        contenders={
            "custvalue": lambda: custvalue_abc(data["values"]),
            "pandas": lambda: pandas_abc(data["values"]),
        },
        check=check_abc,
        setup=setup,
        teardown=data.clear,
        note="lognormal profits in cents, 5 % zeros; both return a categorical Series "
        "in input order.",
    )


# --- profit_contribution -------------------------------------------------------------


def custvalue_profit(df: pd.DataFrame) -> pd.DataFrame:
    from custvalue.tiers import profit_contribution

    return profit_contribution(df, amount_col="revenue", cost_col="cost", freq="Q")


def pandas_profit(df: pd.DataFrame) -> pd.DataFrame:
    """Plain pandas: groupby (customer, quarter), drop rows, previous quarter, totals."""
    dates = df["date"]
    quarter = (dates.dt.year - 1970) * 4 + (dates.dt.month - 1) // 3
    lines = pd.DataFrame(
        {
            "customer_id": df["customer_id"],
            "period": quarter,
            "revenue": df["revenue"],
            "profit": df["revenue"] - df["cost"],
        }
    )
    active = lines.groupby(["customer_id", "period"])[["revenue", "profit"]].sum()
    cust = active.index.get_level_values(0)
    per = active.index.get_level_values(1)
    following = pd.MultiIndex.from_arrays([cust, per + 1], names=active.index.names)
    drops = following[(per + 1 <= per.max()) & ~following.isin(active.index)]
    full = active.reindex(active.index.append(drops)).fillna(0.0).sort_index()
    fc = full.index.get_level_values(0)
    fp = full.index.get_level_values(1)
    previous = (
        active["profit"].reindex(pd.MultiIndex.from_arrays([fc, fp - 1])).fillna(0.0).to_numpy()
    )
    revenue = full["revenue"].to_numpy()
    profit = full["profit"].to_numpy()
    totals = full.groupby(level="period")["profit"].transform("sum").to_numpy()
    change = profit - previous
    with np.errstate(divide="ignore", invalid="ignore"):
        out = pd.DataFrame(
            {
                "revenue": revenue,
                "profit": profit,
                "margin": np.where(revenue != 0, profit / revenue, np.nan),
                "profit_share": np.where(totals > 0, profit / totals, np.nan),
                "previous_profit": previous,
                "profit_change": change,
                "profit_change_rel": np.where(previous != 0, change / np.abs(previous), np.nan),
            },
            index=full.index,
        )
    return out


def check_profit(outputs: dict[str, object]) -> None:
    if "pandas" not in outputs or "custvalue" not in outputs:
        return
    ref = outputs["pandas"]
    got = outputs["custvalue"]
    assert isinstance(ref, pd.DataFrame) and isinstance(got, pd.DataFrame)
    assert len(got) == len(ref), f"profit_contribution: {len(got)} rows vs {len(ref)}"
    got_c = np.asarray(got.index.get_level_values(0))
    ref_c = np.asarray(ref.index.get_level_values(0))
    assert np.array_equal(got_c, ref_c), "profit_contribution: customers differ"
    got_p = got.index.levels[1].asi8[got.index.codes[1]]
    ref_p = np.asarray(ref.index.get_level_values(1))
    assert np.array_equal(got_p, ref_p), "profit_contribution: periods differ"
    for col in COLUMNS:
        a = got[col].to_numpy()
        b = ref[col].to_numpy()
        same = np.isclose(a, b, rtol=1e-9, atol=1e-9) | (np.isnan(a) & np.isnan(b))
        assert same.all(), (
            f"profit_contribution: column {col!r} differs in {int((~same).sum())} row(s), "
            f"first {int(np.flatnonzero(~same)[0])}"
        )


def _profit_case(n_customers: int, n_lines: int) -> Case:
    data: dict[str, pd.DataFrame] = {}

    def setup() -> None:
        df = synthetic_transactions(n_customers, n_lines, seed=0)
        rng = np.random.default_rng(1)
        revenue = df.pop("amount")
        df["revenue"] = revenue
        # cost between 50 % and 110 % of revenue: some lines lose money
        df["cost"] = np.round(revenue.to_numpy() * rng.uniform(0.5, 1.1, size=len(df)), 2)
        data["tx"] = df

    def teardown() -> None:
        data.clear()
        gc.collect()

    return Case(
        group="profit_contribution",
        size=f"{n_customers:,} cust / {n_lines:,} lines",
        contenders={
            "custvalue": lambda: custvalue_profit(data["tx"]),
            "pandas": lambda: pandas_profit(data["tx"]),
        },
        check=check_profit,
        setup=setup,
        teardown=teardown,
        note="shuffled synthetic log (benchmarks/datagen.py, seed 0) with revenue and a "
        "cost of 50-110 % of revenue; calendar quarters; int ids.",
    )


def cases(quick: bool) -> list[Case]:
    if quick:
        return [_abc_case(20_000), _profit_case(20_000, 200_000)]
    return [_abc_case(1_000_000), _profit_case(1_000_000, 10_000_000)]
