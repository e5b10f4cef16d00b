"""The whole pipeline, daily periods: log -> summary -> BG/NBD and Gamma-Gamma -> CLV -> ABC.

Both contenders start from the same shuffled log (``datagen``, daily periods,
2.6 transactions per customer) and end with a 12-month discounted CLV per
customer and its ABC class (cut-offs 0.8 / 0.95 of the total):

* custvalue: :func:`custvalue.rfm.rfm_summary` (``freq="D"``), the BG/NBD fit,
  the Gamma-Gamma fit on the repeat customers,
  :func:`custvalue.clv.customer_lifetime_value` (``step=30`` days, 12 months,
  1 % a month) and :func:`custvalue.tiers.abc_classes`;
* lifetimes + pandas: ``summary_data_from_transaction_data`` (``freq="D"``),
  ``BetaGeoFitter``, ``GammaGammaFitter``, ``customer_lifetime_value``
  (``time=12``, ``freq="D"``, ``discount_rate=0.01``, the same monthly cash
  flows) and the ABC classes in pandas (sort, running share, ``numpy.select``).

The check requires the same summary, BG/NBD parameters within 1e-3 relative
and CLVs within 1e-3 relative for 99.9 % of the customers (the optimisers stop
at slightly different points) where lifetimes' CLV is finite: lifetimes 0.11
returns NaN for some customers without a repeat purchase (about 7 % of them in
the quick case; the pandas ABC step of the peer counts them as 0), custvalue a
finite value for every customer.  custvalue's ABC classes must equal the pandas
ABC step applied to custvalue's CLVs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from _harness import Case
from datagen import synthetic_transactions

HORIZON = 12
STEP = 30.0
RATE = 0.01


def custvalue_pipeline(log: pd.DataFrame) -> dict[str, Any]:
    from custvalue.clv import BetaGeoModel
    from custvalue.clv import GammaGammaModel
    from custvalue.clv import customer_lifetime_value
    from custvalue.rfm import rfm_summary
    from custvalue.tiers import abc_classes

    summary = rfm_summary(log, amount_col="amount", freq="D")
    bg = BetaGeoModel().fit(summary)
    repeat = summary[summary["frequency"] > 0]
    gg = GammaGammaModel().fit(repeat)
    clv = customer_lifetime_value(bg, gg, summary, horizon=HORIZON, discount_rate=RATE, step=STEP)
    return {
        "summary": summary,
        "params": np.array([bg.params_.r, bg.params_.alpha, bg.params_.a, bg.params_.b]),
        "clv": clv,
        "abc": abc_classes(clv, cutoffs=(0.8, 0.95)),
    }


def lifetimes_pipeline(log: pd.DataFrame) -> dict[str, Any]:
    from lifetimes import BetaGeoFitter
    from lifetimes import GammaGammaFitter
    from lifetimes.utils import summary_data_from_transaction_data

    summary = summary_data_from_transaction_data(
        log, "customer_id", "date", monetary_value_col="amount", freq="D"
    )
    bg = BetaGeoFitter().fit(summary["frequency"], summary["recency"], summary["T"])
    repeat = summary[summary["frequency"] > 0]
    gg = GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
    clv = gg.customer_lifetime_value(
        bg,
        summary["frequency"],
        summary["recency"],
        summary["T"],
        summary["monetary_value"],
        time=HORIZON,
        freq="D",
        discount_rate=RATE,
    )
    abc = pandas_abc(clv.fillna(0.0))
    params = bg.params_
    return {
        "summary": summary,
        "params": np.array([params["r"], params["alpha"], params["a"], params["b"]]),
        "clv": clv,
        "abc": abc,
    }


def pandas_abc(values: pd.Series) -> pd.Series:
    s = values.sort_values(ascending=False)
    cum = s.cumsum()
    above = cum.shift(fill_value=0.0).where(s.ne(s.shift())).ffill() / cum.iloc[-1]
    labels = np.select([above < 0.8, above < 0.95], ["A", "B"], "C")
    return pd.Series(labels, index=s.index).reindex(values.index)


def check(outputs: dict[str, object]) -> None:
    if "lifetimes" not in outputs:
        return
    ours: dict[str, Any] = outputs["custvalue"]  # type: ignore[assignment]
    theirs: dict[str, Any] = outputs["lifetimes"]  # type: ignore[assignment]
    a, b = ours["summary"], theirs["summary"].reindex(ours["summary"].index)
    for col in ("frequency", "recency", "T"):
        np.testing.assert_array_equal(a[col].to_numpy(float), b[col].to_numpy(float))
    np.testing.assert_allclose(ours["params"], theirs["params"], rtol=1e-3)
    clv_a = ours["clv"].to_numpy(float)
    clv_b = theirs["clv"].reindex(ours["clv"].index).to_numpy(float)
    assert np.isfinite(clv_a).all(), "custvalue returned a non-finite CLV"
    finite = np.isfinite(clv_b)
    close = np.isclose(clv_a[finite], clv_b[finite], rtol=1e-3, atol=1e-9)
    assert close.mean() >= 0.999, f"CLV agrees for {close.mean():.4%} of customers"
    # the ABC step against the pandas one on custvalue's own CLVs (lifetimes' NaN
    # CLVs would shift every share)
    reference = pandas_abc(ours["clv"]).to_numpy()
    assert (ours["abc"].astype(str).to_numpy() == reference).all(), "ABC classes differ"


def cases(quick: bool) -> list[Case]:
    n = 50_000 if quick else 1_000_000
    state: dict[str, pd.DataFrame] = {}

    def setup() -> None:
        state["log"] = synthetic_transactions(n, int(2.6 * n), seed=3)

    def teardown() -> None:
        state.clear()

    return [
        Case(
            group="pipeline",
            size=f"{n:,} cust / {int(2.6 * n):,} tx, daily",
            contenders={
                "custvalue": lambda: custvalue_pipeline(state["log"]),
                "lifetimes": lambda: lifetimes_pipeline(state["log"]),
            },
            check=check,
            repeat=2,
            repeat_for={"lifetimes": 1},
            setup=setup,
            teardown=teardown,
            memory=False,
            note=(
                "summary -> BG/NBD -> Gamma-Gamma -> 12-month CLV -> ABC, daily periods; "
                "the peer is lifetimes for the models and pandas for the ABC classes."
            ),
        )
    ]


def _phases(n_customers: int) -> None:
    """Print the wall time of each custvalue step on a log of ``n_customers`` customers."""
    import time

    from custvalue.clv import BetaGeoModel
    from custvalue.clv import GammaGammaModel
    from custvalue.clv import customer_lifetime_value
    from custvalue.rfm import rfm_summary
    from custvalue.tiers import abc_classes

    log = synthetic_transactions(n_customers, int(2.6 * n_customers), seed=3)
    custvalue_pipeline(log.head(10_000))  # compile and warm the caches
    clock = time.perf_counter()
    marks: list[tuple[str, float]] = []

    def mark(name: str) -> None:
        marks.append((name, time.perf_counter()))

    summary = rfm_summary(log, amount_col="amount", freq="D")
    mark("rfm_summary")
    bg = BetaGeoModel().fit(summary)
    mark("BG/NBD fit")
    gg = GammaGammaModel().fit(summary[summary["frequency"] > 0])
    mark("Gamma-Gamma fit")
    clv = customer_lifetime_value(bg, gg, summary, horizon=HORIZON, discount_rate=RATE, step=STEP)
    mark("12-month CLV")
    abc_classes(clv, cutoffs=(0.8, 0.95))
    mark("ABC classes")
    print(f"{n_customers:,} customers, {len(log):,} transactions, daily periods")
    last = clock
    for name, at in marks:
        print(f"  {name:<16} {at - last:8.2f} s")
        last = at
    print(f"  {'total':<16} {last - clock:8.2f} s")


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="custvalue's pipeline steps, timed one by one")
    parser.add_argument("--customers", type=int, default=10_000_000)
    _phases(parser.parse_args().customers)
