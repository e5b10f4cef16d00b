"""Commission by margin tier: ``custvalue.commission.commission`` against plain pandas.

Workload: sales lines with integer salesperson ids, two-decimal float amounts
and costs (about 8 % of lines sold below cost), datetimes over one year and
monthly statements.  Plan: four margin tiers (below 0 %: nothing; 0-15 %: 2 %;
15-30 %: 4.5 %; 30 % and more: 7.25 %) paid on gross margin, lines with a
negative margin paying nothing, ``half_even`` rounding per line.

* ``commission_per_line``: every line paid at its tier's rate;
* ``commission_graduated``: the same tiers with two volume brackets (from 0 and
  from 2,000.00 of monthly margin: each tier's rate plus 1 point above it),
  paid marginally on each salesperson's running monthly volume in date order.

The pandas peer is a plain implementation: amounts to cents with ``np.rint``
(exact for two-decimal inputs, which never sit on a rounding tie), the margin
rate in exact integer parts per 10**9, ``pd.cut`` for the tiers, integer
``half_even`` division for the commission, ``Series.dt.to_period("M")`` and a
``groupby`` for the statements (plus a sort and ``groupby().cumsum()`` for the
graduated volume).  The check asserts identical cents for every line and every
statement.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from _harness import Case

S = 10**9
BOUNDS = [-np.inf, 0, 150_000_000, 300_000_000, np.inf]  # tier lower bounds, ppb
RATES = np.array([0, 20_000_000, 45_000_000, 72_500_000], dtype=np.int64)  # ppb
BRACKET = 200_000  # minor units: 2,000.00
RATES_HIGH = RATES + np.where(RATES > 0, 10_000_000, 0)


def make_lines(n: int, n_sp: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    amount = np.round(np.exp(rng.normal(4.0, 1.0, n)), 2) + 0.01
    cost = np.round(amount * rng.uniform(0.4, 1.08, n), 2)
    start = np.datetime64("2024-01-01T00:00:00", "ns").astype(np.int64)
    span = 366 * 86_400 * 10**9
    dates = (start + rng.integers(0, span, n)).astype("datetime64[ns]")
    return pd.DataFrame(
        {
            "salesperson": rng.integers(0, n_sp, n),
            "date": dates,
            "amount": amount,
            "cost": cost,
        }
    )


def plan(graduated: bool) -> Any:
    from custvalue.commission import CommissionPlan
    from custvalue.commission import Tier

    def r(ppb: int) -> str:
        return f"{ppb}e-9"

    if not graduated:
        return CommissionPlan(
            [
                Tier(None, "0%", "0%"),
                Tier("0%", "15%", r(int(RATES[1]))),
                Tier("15%", "30%", r(int(RATES[2]))),
                Tier("30%", None, r(int(RATES[3]))),
            ]
        )
    return CommissionPlan(
        [
            Tier(None, "0%", ["0%", "0%"]),
            Tier("0%", "15%", [r(int(RATES[1])), r(int(RATES_HIGH[1]))]),
            Tier("15%", "30%", [r(int(RATES[2])), r(int(RATES_HIGH[2]))]),
            Tier("30%", None, [r(int(RATES[3])), r(int(RATES_HIGH[3]))]),
        ],
        brackets=[0, BRACKET // 100],
    )


# --- contenders --------------------------------------------------------------


def custvalue_commission(df: pd.DataFrame, mode: str) -> tuple[np.ndarray, pd.DataFrame]:
    from custvalue.commission import commission

    res = commission(
        df,
        plan(mode == "graduated"),
        salesperson_col="salesperson",
        amount_col="amount",
        cost_col="cost",
        date_col="date",
        freq="M",
        mode=mode,  # type: ignore[arg-type]
    )
    st = res.statements
    res.lines  # noqa: B018  (what the user reads: built inside the timed call)
    out = pd.DataFrame(
        {
            "salesperson": st["salesperson"].to_numpy(),
            "period": st["period"].array,
            "basis": st["basis_minor"].to_numpy(),
            "commission": st["lines_commission_minor"].to_numpy(),
        }
    )
    return res.line_commission_minor, out


def _half_even_div(num: np.ndarray) -> np.ndarray:
    q, r = np.divmod(num, S)
    up = (2 * r > S) | ((2 * r == S) & (q % 2 == 1))
    return q + up


def pandas_commission(df: pd.DataFrame, mode: str) -> tuple[np.ndarray, pd.DataFrame]:
    rev = np.rint(df["amount"].to_numpy() * 100).astype(np.int64)
    cost = np.rint(df["cost"].to_numpy() * 100).astype(np.int64)
    margin = rev - cost
    q = (margin * S) // rev
    tier = pd.cut(q, bins=BOUNDS, right=False, labels=False).astype(np.int64)
    basis = np.where(margin < 0, 0, margin)
    period = df["date"].dt.to_period("M")
    if mode == "per_line":
        comm = _half_even_div(basis * RATES[tier])
    else:
        frame = pd.DataFrame(
            {"sp": df["salesperson"], "period": period, "date": df["date"], "basis": basis}
        )
        frame = frame.sort_values("date", kind="stable")
        v1 = frame.groupby(["sp", "period"], sort=False)["basis"].cumsum().to_numpy()
        b = frame["basis"].to_numpy()
        v0 = v1 - b
        low = np.minimum(v1, BRACKET) - np.minimum(v0, BRACKET)
        high = b - low
        t = tier[frame.index.to_numpy()]
        num_sorted = low * RATES[t] + high * RATES_HIGH[t]
        comm = np.empty(len(df), dtype=np.int64)
        comm[frame.index.to_numpy()] = _half_even_div(num_sorted)
    st = (
        pd.DataFrame(
            {
                "salesperson": df["salesperson"],
                "period": period,
                "basis": basis,
                "commission": comm,
            }
        )
        .groupby(["salesperson", "period"], sort=True)[["basis", "commission"]]
        .sum()
        .reset_index()
    )
    return comm, st


def check(outputs: dict[str, object]) -> None:
    ref_lines, ref_st = outputs["pandas"]  # type: ignore[misc]
    got_lines, got_st = outputs["custvalue"]  # type: ignore[misc]
    np.testing.assert_array_equal(got_lines, ref_lines)
    assert len(got_st) == len(ref_st), (len(got_st), len(ref_st))
    np.testing.assert_array_equal(
        got_st["salesperson"].to_numpy(), ref_st["salesperson"].to_numpy()
    )
    assert (pd.PeriodIndex(got_st["period"]) == pd.PeriodIndex(ref_st["period"])).all()
    for col in ("basis", "commission"):
        np.testing.assert_array_equal(
            got_st[col].to_numpy(np.int64), ref_st[col].to_numpy(np.int64)
        )


def cases(quick: bool) -> list[Case]:
    n, n_sp = (100_000, 1_000) if quick else (10_000_000, 10_000)
    data: dict[str, pd.DataFrame] = {}

    def setup() -> None:
        if "lines" not in data:
            data["lines"] = make_lines(n, n_sp, seed=42)

    size = f"{n:,} lines / {n_sp:,} salespeople"
    out = []
    for mode in ("per_line", "graduated"):
        out.append(
            Case(
                group=f"commission_{mode}",
                size=size,
                contenders={
                    "custvalue": lambda m=mode: custvalue_commission(data["lines"], m),
                    "pandas": lambda m=mode: pandas_commission(data["lines"], m),
                },
                check=check,
                note=(
                    "same cents per line and per monthly statement; custvalue's time "
                    "includes building .lines (exact Arrow decimal money columns)."
                ),
                setup=setup,
                teardown=data.clear,
            )
        )
    return out
