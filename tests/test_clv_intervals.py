"""Prediction intervals from draws of the log-parameters' asymptotic normal distribution."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest

from custvalue.clv import BetaGeoBetaBinomModel
from custvalue.clv import BetaGeoBetaBinomParams
from custvalue.clv import BetaGeoCNBDModel
from custvalue.clv import BetaGeoCNBDParams
from custvalue.clv import BetaGeoModel
from custvalue.clv import BetaGeoParams
from custvalue.clv import GammaGammaModel
from custvalue.clv import GammaGammaParams
from custvalue.clv import customer_lifetime_value
from custvalue.errors import InputValueError
from custvalue.errors import NotFittedError

TRUE = BetaGeoParams(0.243, 4.414, 0.793, 2.426)
HISTORY = (2, 30.43, 38.86)


def _fitted(n: int = 400, seed: int = 0) -> BetaGeoModel:
    sim = BetaGeoModel.from_params(TRUE).simulate(n, 38.86, seed=seed)
    return BetaGeoModel().fit(sim)


def test_interval_frame_on_the_callers_index() -> None:
    model = _fitted()
    df = pd.DataFrame(
        {"frequency": [2, 0, 7], "recency": [30.43, 0.0, 35.0], "T": [38.86] * 3},
        index=pd.Index(["a", "b", "c"], name="customer"),
    )
    out = model.expected_purchases(39.0, data=df, interval=0.9, n_draws=200, seed=1)
    assert list(out.columns) == ["estimate", "lower", "upper"]
    assert out.index.equals(df.index)
    np.testing.assert_allclose(out["estimate"], model.expected_purchases(39.0, data=df))
    assert np.all(out["lower"] <= out["estimate"]) and np.all(out["estimate"] <= out["upper"])
    # same seed, same interval; a wider level is wider
    again = model.expected_purchases(39.0, data=df, interval=0.9, n_draws=200, seed=1)
    pd.testing.assert_frame_equal(out, again)
    wide = model.expected_purchases(39.0, data=df, interval=0.99, n_draws=200, seed=1)
    assert np.all(wide["upper"] - wide["lower"] >= out["upper"] - out["lower"])
    alive = model.probability_alive(data=df, interval=0.8, n_draws=100, seed=2)
    assert np.all((alive["lower"] >= 0) & (alive["upper"] <= 1))
    later = model.probability_alive(data=df, t=10.0, interval=0.8, n_draws=100, seed=2)
    assert np.all(later["estimate"] <= alive["estimate"])
    scalar = model.expected_purchases(39.0, *HISTORY, interval=0.9, n_draws=50, seed=0)
    assert scalar.shape == (1, 3)


def test_interval_needs_a_fitted_covariance() -> None:
    with pytest.raises(NotFittedError, match="covariance"):
        BetaGeoModel.from_params(TRUE).expected_purchases(10.0, *HISTORY, interval=0.9)
    for bad in (0.0, 1.0, 1.5):
        with pytest.raises(InputValueError, match="interval"):
            _fitted().expected_purchases(10.0, *HISTORY, interval=bad)


def test_clv_interval() -> None:
    model = _fitted()
    gg_sim = GammaGammaModel.from_params(GammaGammaParams(6.25, 3.74, 15.44)).simulate(
        np.arange(1, 301) % 5 + 1, seed=3
    )
    gg = GammaGammaModel().fit(gg_sim)
    df = pd.DataFrame(
        {
            "frequency": [2, 7],
            "recency": [30.43, 35.0],
            "T": [38.86] * 2,
            "monetary_value": [20.0, 35.0],
        },
        index=["a", "b"],
    )
    out = customer_lifetime_value(
        model, gg, df, horizon=6, discount_rate=0.01, step=4.0, interval=0.9, n_draws=100, seed=0
    )
    point = customer_lifetime_value(model, gg, df, horizon=6, discount_rate=0.01, step=4.0)
    np.testing.assert_allclose(out["estimate"], point)
    assert np.all(out["lower"] < point) and np.all(point < out["upper"])


def test_coverage_by_simulation() -> None:
    """The 90 % interval of E[Y(t) | history] covers the true value at about 90 %.

    40 data sets of 400 customers simulated from known parameters, each fitted and
    given a 90 % interval from 200 draws.  Covered count ~ Binomial(40, 0.9): mean 36,
    sd 1.9; the asymptotic normal approximation may undercover a little at n = 400,
    so 30 (3 sd below) .. 40 is accepted.
    """
    truth = BetaGeoModel.from_params(TRUE).expected_purchases(39.0, *HISTORY)
    fits = (_fitted(400, seed=100 + rep) for rep in range(40))
    assert covered_count(fits, (39.0, *HISTORY), truth, n_draws=200) >= 30


def covered_count(fits: Iterator[Any], args: tuple[float, ...], truth: float, n_draws: int) -> int:
    """Count the models whose 90 % interval of ``expected_purchases(*args)`` holds ``truth``."""
    covered = 0
    for rep, fitted in enumerate(fits):
        out = fitted.expected_purchases(*args, interval=0.9, n_draws=n_draws, seed=rep)
        covered += int(out["lower"].iloc[0] <= truth <= out["upper"].iloc[0])
    return covered


# --- BG/BB (discrete opportunities) -------------------------------------------------------

BGBB_TRUE = BetaGeoBetaBinomParams(alpha=1.204, beta=0.750, gamma=0.657, delta=2.783)
BGBB_HISTORY = (3, 4, 6)


def _fitted_bgbb(n: int, seed: int) -> BetaGeoBetaBinomModel:
    sim = BetaGeoBetaBinomModel.from_params(BGBB_TRUE).simulate(n, 6, seed=seed)
    return BetaGeoBetaBinomModel().fit(sim)


def test_bgbb_interval_frame_on_the_callers_index() -> None:
    model = _fitted_bgbb(2000, 0)
    df = pd.DataFrame(
        {"frequency": [0, 3, 6], "recency": [0, 4, 6], "n_periods": [6, 6, 6]},
        index=pd.Index(["ann", "bob", "cy"], name="customer"),
    )
    out = model.expected_purchases(5, data=df, interval=0.9, n_draws=200, seed=1)
    assert list(out.columns) == ["estimate", "lower", "upper"]
    assert out.index.equals(df.index)
    np.testing.assert_allclose(out["estimate"], model.expected_purchases(5, data=df))
    assert np.all(out["lower"] < out["estimate"]) and np.all(out["estimate"] < out["upper"])
    pd.testing.assert_frame_equal(
        out, model.expected_purchases(5, data=df, interval=0.9, n_draws=200, seed=1)
    )
    alive = model.probability_alive(data=df, interval=0.8, n_draws=100, seed=2)
    np.testing.assert_allclose(alive["estimate"], model.probability_alive(data=df))
    assert np.all((alive["lower"] >= 0) & (alive["upper"] <= 1))
    later = model.probability_alive(data=df, periods_ahead=5, interval=0.8, n_draws=100, seed=2)
    assert np.all(later["estimate"] < alive["estimate"])
    with pytest.raises(NotFittedError, match="covariance"):
        BetaGeoBetaBinomModel.from_params(BGBB_TRUE).probability_alive(*BGBB_HISTORY, interval=0.9)
    with pytest.raises(InputValueError, match="n_draws"):
        model.expected_purchases(5, *BGBB_HISTORY, interval=0.9, n_draws=1)


def test_bgbb_coverage_by_simulation() -> None:
    """The 90 % interval of the BG/BB E[X(n, n + 5) | history] covers the truth at about 90 %.

    40 data sets of 500 customers over 6 opportunities, simulated from the
    published donation parameters, each fitted and given a 90 % interval from
    200 draws; covered ~ Binomial(40, 0.9) (mean 36, sd 1.9): 30 .. 40 accepted.
    """
    truth = BetaGeoBetaBinomModel.from_params(BGBB_TRUE).expected_purchases(5, *BGBB_HISTORY)
    fits = (_fitted_bgbb(500, seed=200 + rep) for rep in range(40))
    assert covered_count(fits, (5, *BGBB_HISTORY), truth, n_draws=200) >= 30


# --- (M)BG/CNBD-k: intervals conditional on k ---------------------------------------------

CNBD_TRUE = BetaGeoCNBDParams(k=2, r=0.85, alpha=1.45, a=0.79, b=2.42)
CNBD_HISTORY = (3, 30.0, 52.0)


def test_cnbd_interval_is_conditional_on_k() -> None:
    """Draws keep the fitted k; the 90 % interval covers the truth at about 90 % (k given).

    20 data sets of 1000 customers, each fitted with k = 2 and given a 90 %
    interval from 100 draws: covered ~ Binomial(20, 0.9), mean 18, sd 1.3;
    14 accepted.
    """
    truth = BetaGeoCNBDModel.from_params(CNBD_TRUE)
    true_value = truth.expected_purchases(10.0, *CNBD_HISTORY)
    fits = [
        BetaGeoCNBDModel().fit(truth.simulate(1000, 52.0, seed=300 + r), k=2) for r in range(20)
    ]
    assert covered_count(iter(fits), (10.0, *CNBD_HISTORY), true_value, n_draws=100) >= 14
    fitted = fits[0]
    out = fitted.expected_purchases(10.0, *CNBD_HISTORY, interval=0.9, n_draws=100, seed=0)
    point = fitted.expected_purchases(10.0, *CNBD_HISTORY)
    assert out["estimate"].iloc[0] == pytest.approx(point, rel=1e-12)
    draw = fitted._from_interval_draw(fitted._interval_estimate())
    assert draw.params_ == fitted.params_  # the estimate itself, k included
