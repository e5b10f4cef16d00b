"""customer_value_parts: hand-computed values with simple stand-in models, and properties."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from custvalue.clv import BetaGeoModel
from custvalue.clv import BetaGeoParams
from custvalue.clv import GammaGammaModel
from custvalue.clv import GammaGammaParams
from custvalue.clv import customer_lifetime_value
from custvalue.clv import customer_value_parts
from custvalue.errors import InputValueError


class _Linear:
    """Hand-checkable transaction model: alive with P = 1/(1+x) ... purchases = P * rate * t."""

    def probability_alive(self, frequency: Any, recency: Any, T: Any) -> Any:
        return 1.0 / (1.0 + np.asarray(recency))

    def expected_purchases(self, t: Any, frequency: Any, recency: Any, T: Any) -> Any:
        return self.probability_alive(frequency, recency, T) * np.asarray(frequency) * t

    def expected_purchases_new_customer(self, t: Any) -> Any:
        return t


class _Spend:
    def expected_spend(self, frequency: Any, monetary_value: Any) -> Any:
        return np.asarray(monetary_value, dtype=float)

    def population_mean_spend(self) -> float:
        return 1.0


DATA = pd.DataFrame(
    {
        "frequency": [1.0, 2.0, 4.0, 3.0],
        "recency": [1.0, 0.0, 1.0, 0.0],
        "T": [5.0] * 4,
        "monetary_value": [10.0, 5.0, 20.0, 8.0],
    },
    index=pd.Index(["a", "b", "c", "d"], name="customer"),
)


def test_hand_computed_values() -> None:
    past = pd.Series({"d": 4.0, "c": 3.0, "b": 2.0, "a": 1.0})  # another order: aligned
    out = customer_value_parts(
        _Linear(),
        _Spend(),
        DATA,
        historical=past,
        horizon=1,
        discount_rate=0.0,
        group=pd.Series(["g", "g", "h", "h"], index=DATA.index),
        quantile=1.0,
        historical_rate=0.1,
        historical_periods=2.0,
    )
    # one undiscounted period of length 1: D = P_A * x, current = D * spend
    alive = np.array([0.5, 1.0, 0.5, 1.0])
    current = alive * np.array([1.0, 2.0, 4.0, 3.0]) * np.array([10.0, 5.0, 20.0, 8.0])
    np.testing.assert_allclose(out["current"], current)
    # group g: max rate-if-alive 2 (b), max spend 10 (a); group h: max 4 (c), max 20 (c)
    aspiration = alive * np.array([2 * 10, 2 * 10, 4 * 20, 4 * 20])
    np.testing.assert_allclose(out["potential"], np.maximum(aspiration - current, 0.0))
    np.testing.assert_allclose(out["historical"], np.array([1.0, 2.0, 3.0, 4.0]) * 1.21)
    np.testing.assert_allclose(
        out["total"], out[["historical", "current", "potential"]].sum(axis=1)
    )
    assert out.index.equals(DATA.index)
    # c tops its group in both: no potential
    assert out.loc["c", "potential"] == 0.0


def test_current_is_the_clv_and_properties_hold() -> None:
    bg = BetaGeoModel.from_params(BetaGeoParams(0.243, 4.414, 0.793, 2.426))
    sim = bg.simulate(300, 38.0, seed=4)
    sim = sim[sim["frequency"] > 0].copy()
    rng = np.random.default_rng(0)
    sim["monetary_value"] = rng.gamma(5.0, 4.0, len(sim))
    gg = GammaGammaModel.from_params(GammaGammaParams(6.25, 3.74, 15.44))
    groups = pd.Series(np.where(sim["frequency"] > 2, "A", "B"), index=sim.index)
    past = pd.Series(rng.uniform(0, 100, len(sim)), index=sim.index)
    kw: dict[str, Any] = {"horizon": 8, "discount_rate": 0.02, "step": 4.0, "margin": 0.3}
    out = customer_value_parts(bg, gg, sim, historical=past, group=groups, quantile=0.8, **kw)
    np.testing.assert_allclose(out["current"], customer_lifetime_value(bg, gg, sim, **kw))
    assert np.all(out["potential"] >= 0.0)
    # a higher quantile never lowers the potential; the lowest (q = 0) gives none
    top = customer_value_parts(bg, gg, sim, historical=past, group=groups, quantile=1.0, **kw)
    assert np.all(top["potential"] >= out["potential"] - 1e-9)
    low = customer_value_parts(bg, gg, sim, historical=past, group=groups, quantile=0.0, **kw)
    np.testing.assert_allclose(low["potential"], 0.0, atol=1e-9)


def test_missing_historical_is_refused() -> None:
    with pytest.raises(InputValueError, match="historical"):
        customer_value_parts(
            _Linear(),
            _Spend(),
            DATA,
            historical=pd.Series({"a": 1.0}),
            horizon=1,
            discount_rate=0.0,
        )
    with pytest.raises(InputValueError, match="quantile"):
        customer_value_parts(
            _Linear(),
            _Spend(),
            DATA,
            historical=np.zeros(4),
            horizon=1,
            discount_rate=0.0,
            quantile=1.5,
        )
