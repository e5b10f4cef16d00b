"""Loyalty: ``loyalty_score`` and ``program_tiers`` against plain pandas implementations.

``loyalty_score`` group: one million customers scored from the RFM summary,
the output of ``purchase_regularity`` (regularity and spend trend) and a
P(alive) column, with the default weights.  The pandas peer computes the
same measures and ranks them with ``Series.rank(method="average")``.

``program_tiers`` group: the same synthetic log (1M customers / 2.6M
transactions over two years) as qualifying spend, four tiers, a rolling
12-month window, quarterly evaluations, one-level downgrades after one grace
period.  The pandas peer aggregates spend per customer and day with
``groupby``, finds window sums with per-customer cumulative sums and
``searchsorted``, and replays the tier rules one evaluation period at a time,
vectorised over customers (a loop over the 8 evaluation dates, not over
customers).

Inputs (summary, regularity, P(alive), the log) are built in the untimed
setup.  The check compares every output column of both contenders.
"""

from __future__ import annotations

import gc
from typing import Any

import numpy as np
import pandas as pd
from _harness import Case
from datagen import synthetic_transactions

TIERS = {"Member": 0.0, "Silver": 50.0, "Gold": 150.0, "Platinum": 500.0}
EVALUATE_AT = pd.to_datetime(
    [f"{y}-{md}" for y in (2020, 2021) for md in ("03-31", "06-30", "09-30", "12-31")]
)
GRACE = 1
WINDOW_MONTHS = 12
WEIGHTS = {
    "recency": 30.0,
    "frequency": 20.0,
    "tenure": 10.0,
    "regularity": 10.0,
    "spend_trend": 10.0,
    "p_alive": 10.0,
}
LOWER_IS_BETTER = {"recency", "regularity"}


# --- loyalty_score ------------------------------------------------------------


def custvalue_score(summary: pd.DataFrame, regularity: pd.DataFrame, p_alive: Any) -> Any:
    from custvalue.loyalty import loyalty_score

    return loyalty_score(summary, regularity=regularity, p_alive=p_alive)


def pandas_score(
    summary: pd.DataFrame, regularity: pd.DataFrame, p_alive: pd.Series
) -> tuple[pd.Series, pd.DataFrame]:
    """Measures with Series arithmetic, percentile ranks with Series.rank, weighted mean."""
    f, r, t = summary["frequency"], summary["recency"], summary["T"]
    rhythm = (r / f).where(f > 0)
    reference = rhythm.median() if rhythm.notna().any() else 1.0
    measures = pd.DataFrame(
        {
            "recency": (t - r) / rhythm.fillna(reference),
            "frequency": f.astype(float),
            "tenure": t,
            "regularity": regularity["cv_interval"],
            "spend_trend": regularity["spend_trend"],
            "p_alive": p_alive,
        }
    )
    comps = {}
    for name, col in measures.items():
        ranks = col.rank(method="average", ascending=name not in LOWER_IS_BETTER)
        n = col.count()
        comps[name] = (ranks - 1.0) / (n - 1) * 100.0 if n > 1 else ranks * 0.0 + 50.0
    components = pd.DataFrame(comps)
    w = pd.Series(WEIGHTS) / sum(WEIGHTS.values())
    weighted = components.mul(w, axis=1)
    denominator = components.notna().mul(w, axis=1).sum(axis=1)
    score = weighted.sum(axis=1) / denominator
    return score, components


class ScoreInputs:
    def __init__(self, n: int) -> None:
        self.n = n
        self.data: dict[str, Any] = {}

    def setup(self) -> None:
        from custvalue.loyalty import purchase_regularity
        from custvalue.rfm import rfm_summary

        tx = synthetic_transactions(self.n, int(2.6 * self.n), seed=0)
        summary = rfm_summary(tx, amount_col="amount")
        regularity = purchase_regularity(tx, amount_col="amount")
        rng = np.random.default_rng(1)
        p_alive = pd.Series(np.round(rng.random(self.n), 4), index=summary.index)
        self.data.update(summary=summary, regularity=regularity, p_alive=p_alive)

    def teardown(self) -> None:
        self.data.clear()
        gc.collect()

    def args(self) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
        d = self.data
        return d["summary"], d["regularity"], d["p_alive"]


def check_score(outputs: dict[str, object]) -> None:
    if "custvalue" not in outputs or "pandas" not in outputs:
        return
    got: Any = outputs["custvalue"]
    score, components = outputs["pandas"]  # type: ignore[misc]
    assert got.score.index.equals(score.index), "index differs"
    np.testing.assert_allclose(got.score, score, rtol=1e-9, atol=1e-9, err_msg="score")
    for name in components.columns:
        np.testing.assert_allclose(
            got.components[name], components[name], rtol=1e-9, atol=1e-9, err_msg=name
        )


# --- program_tiers -------------------------------------------------------------


def custvalue_tiers(tx: pd.DataFrame) -> Any:
    from custvalue.loyalty import program_tiers

    return program_tiers(
        tx,
        TIERS,
        window="rolling-12M",
        observation_end=EVALUATE_AT,
        downgrade="one-level",
        grace_periods=GRACE,
        amount_col="amount",
    )


def pandas_tiers(tx: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Plain pandas/numpy replay of the tier rules, vectorised over customers."""
    names = sorted(TIERS, key=TIERS.__getitem__)
    thresholds = np.array([TIERS[n] for n in names])
    effective = thresholds - 1e-9 * np.maximum(1.0, thresholds)

    def qualified(value: np.ndarray) -> np.ndarray:
        return np.maximum(np.searchsorted(effective, value, side="right") - 1, 0)

    daily = (
        tx.assign(date=tx["date"].dt.normalize())
        .groupby(["customer_id", "date"], as_index=False, sort=True)["amount"]
        .sum()
    )
    ids = pd.Index(daily["customer_id"].unique(), name="customer_id")
    code = np.repeat(np.arange(len(ids)), daily.groupby("customer_id", sort=True).size())
    day = daily["date"].to_numpy().astype("datetime64[D]").astype(np.int64)
    cum = daily.groupby("customer_id", sort=True)["amount"].cumsum().to_numpy()
    first_row = np.flatnonzero(np.r_[True, code[1:] != code[:-1]])
    first_day = day[first_row]
    stride = np.int64(1 << 20)
    keys = code * stride + day

    def window_start(days: np.ndarray) -> np.ndarray:
        ts = pd.Series(days.astype("datetime64[D]"))
        back = ts - pd.DateOffset(months=WINDOW_MONTHS)
        return back.to_numpy().astype("datetime64[D]").astype(np.int64) + 1

    def sum_before(codes: np.ndarray, lo: np.ndarray) -> np.ndarray:
        prev = np.searchsorted(keys, codes * stride + lo, side="left") - 1
        same = (prev >= 0) & (code[np.maximum(prev, 0)] == codes)
        return np.where(same, cum[np.maximum(prev, 0)], 0.0)

    value = cum - sum_before(code, window_start(day))
    q_act = qualified(value)

    evals = EVALUATE_AT.to_numpy().astype("datetime64[D]").astype(np.int64)
    eval_lo = window_start(evals)
    segment = np.searchsorted(evals, day, side="left")
    seg_order = np.argsort(segment, kind="stable")
    seg_bounds = np.searchsorted(segment[seg_order], np.arange(len(evals) + 2))

    n = len(ids)
    level = np.zeros(n, dtype=np.int64)
    fails = np.zeros(n, dtype=np.int64)
    since = first_day.copy()
    history: list[dict[str, np.ndarray]] = []
    evaluations: list[dict[str, np.ndarray]] = []
    for s in range(len(evals) + 1):
        rows = seg_order[seg_bounds[s] : seg_bounds[s + 1]]
        c, q = code[rows], q_act[rows]
        prev_max = (
            pd.Series(q).groupby(c).cummax().groupby(c).shift(1).fillna(-1).to_numpy(np.int64)
        )
        bar = np.maximum(level[c], prev_max)
        up = q > bar
        if up.any():
            ur = rows[up]
            history.append(
                {
                    "code": c[up],
                    "day": day[ur],
                    "from": bar[up],
                    "to": q[up],
                    "event": np.zeros(up.sum(), dtype=np.int64),
                    "value": value[ur],
                }
            )
            level[c[up]] = np.maximum(level[c[up]], q[up])  # rows in time order: last wins
            fails[c[up]] = 0
            since[c[up]] = day[ur]
        if s == len(evals):
            break
        e = evals[s]
        members = np.flatnonzero(first_day <= e)
        last = np.searchsorted(keys, members * stride + e, side="right") - 1
        v = cum[last] - sum_before(members, np.full(len(members), eval_lo[s]))
        qe = qualified(v)
        before = level[members].copy()
        outcome = np.zeros(len(members), dtype=np.int64)
        after = before.copy()
        upgraded = qe > before
        failed = qe < before
        f = np.where(failed, fails[members] + 1, 0)
        down = failed & (f > GRACE)
        after[upgraded] = qe[upgraded]
        after[down] = before[down] - 1
        outcome[failed & ~down] = 1
        outcome[down] = 2
        outcome[upgraded] = 3
        f[down] = 0
        changed = upgraded | down
        if changed.any():
            history.append(
                {
                    "code": members[changed],
                    "day": np.full(changed.sum(), e),
                    "from": before[changed],
                    "to": after[changed],
                    "event": np.where(upgraded[changed], 0, 1),
                    "value": v[changed],
                }
            )
            since[members[changed]] = e
        level[members] = after
        fails[members] = f
        evaluations.append(
            {
                "code": members,
                "day": np.full(len(members), e),
                "value": v,
                "qualified": qe,
                "before": before,
                "after": after,
                "outcome": outcome,
            }
        )

    h = {k: np.concatenate([part[k] for part in history]) for k in history[0]}
    order = np.lexsort((h["day"], h["code"]))
    h = {k: v[order] for k, v in h.items()}
    ev = {k: np.concatenate([part[k] for part in evaluations]) for k in evaluations[0]}
    order = np.lexsort((ev["day"], ev["code"]))
    ev = {k: v[order] for k, v in ev.items()}

    def to_dt(days: np.ndarray) -> np.ndarray:
        return days.astype("datetime64[D]").astype("datetime64[ns]")

    return {
        "tiers": pd.DataFrame(
            {"level": level, "since": to_dt(since), "failed_evaluations": fails}, index=ids
        ),
        "history": pd.DataFrame(
            {
                "customer_id": ids.take(h["code"]),
                "date": to_dt(h["day"]),
                "from_level": h["from"],
                "to_level": h["to"],
                "event": h["event"],
                "qualifying_value": h["value"],
            }
        ),
        "evaluations": pd.DataFrame(
            {
                "customer_id": ids.take(ev["code"]),
                "date": to_dt(ev["day"]),
                "qualifying_value": ev["value"],
                "qualified_level": ev["qualified"],
                "level_before": ev["before"],
                "level": ev["after"],
                "outcome": ev["outcome"],
            }
        ),
    }


def _equal(label: str, a: Any, b: Any) -> None:
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, f"{label}: {a.shape} vs {b.shape}"
    if a.dtype.kind == "f":
        bad = ~np.isclose(a, b, rtol=1e-9, atol=1e-9)
    else:
        bad = a != b
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise AssertionError(
            f"{label}: {int(bad.sum())} differences, first at {i}: {a[i]!r} vs {b[i]!r}"
        )


def check_tiers(outputs: dict[str, object]) -> None:
    if "custvalue" not in outputs or "pandas" not in outputs:
        return
    got: Any = outputs["custvalue"]
    ref: Any = outputs["pandas"]
    assert got.tiers.index.equals(ref["tiers"].index), "tiers: index differs"
    _equal("tiers.level", got.tiers["level"], ref["tiers"]["level"])
    _equal("tiers.since", got.tiers["since"], ref["tiers"]["since"])
    _equal("tiers.failed", got.tiers["failed_evaluations"], ref["tiers"]["failed_evaluations"])
    h, rh = got.history, ref["history"]
    _equal("history.customer", h["customer_id"], rh["customer_id"])
    _equal("history.date", h["date"], rh["date"])
    _equal("history.from", h["from_tier"].cat.codes, rh["from_level"])
    _equal("history.to", h["to_tier"].cat.codes, rh["to_level"])
    _equal("history.event", h["event"].cat.codes, rh["event"])
    _equal("history.value", h["qualifying_value"], rh["qualifying_value"])
    e, re_ = got.evaluations, ref["evaluations"]
    _equal("evaluations.customer", e["customer_id"], re_["customer_id"])
    _equal("evaluations.date", e["date"], re_["date"])
    _equal("evaluations.value", e["qualifying_value"], re_["qualifying_value"])
    _equal("evaluations.qualified", e["qualified_tier"].cat.codes, re_["qualified_level"])
    _equal("evaluations.before", e["tier_before"].cat.codes, re_["level_before"])
    _equal("evaluations.level", e["tier"].cat.codes, re_["level"])
    _equal("evaluations.outcome", e["outcome"].cat.codes, re_["outcome"])


class TierInputs:
    def __init__(self, n: int) -> None:
        self.n = n
        self.tx: pd.DataFrame | None = None

    def setup(self) -> None:
        self.tx = synthetic_transactions(self.n, int(2.6 * self.n), seed=0)

    def teardown(self) -> None:
        self.tx = None
        gc.collect()

    def frame(self) -> pd.DataFrame:
        assert self.tx is not None, "setup() not called"
        return self.tx


# --- cases ---------------------------------------------------------------------


def cases(quick: bool) -> list[Case]:
    n = 20_000 if quick else 1_000_000
    scores = ScoreInputs(n)
    tiers = TierInputs(n)
    return [
        Case(
            group="loyalty_score",
            size=f"{n:,} customers, 6 components",
            contenders={
                "custvalue": lambda: custvalue_score(*scores.args()),
                "pandas": lambda: pandas_score(*scores.args()),
            },
            check=check_score,
            setup=scores.setup,
            teardown=scores.teardown,
            note=(
                "rfm_summary + purchase_regularity of the synthetic log "
                "and a random P(alive) (untimed setup); default weights."
            ),
        ),
        Case(
            group="program_tiers",
            size=f"{n:,} cust / {int(2.6 * n):,} tx, 8 evaluations",
            contenders={
                "custvalue": lambda: custvalue_tiers(tiers.frame()),
                "pandas": lambda: pandas_tiers(tiers.frame()),
            },
            check=check_tiers,
            setup=tiers.setup,
            teardown=tiers.teardown,
            note=(
                "synthetic log as qualifying spend, tiers 0/50/150/500, "
                "rolling-12M window, quarterly evaluations, one-level downgrade, grace 1."
            ),
        ),
    ]
