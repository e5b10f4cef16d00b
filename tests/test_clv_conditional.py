"""History-based purchase probabilities and P(alive) at a future date.

References: the distribution sums to one and its mean is ``expected_purchases``;
a brute-force double integral over the individual parameters (BG/NBD);
lifetimes' Pareto/NBD ``conditional_probability_of_n_purchases_up_to_time``
(Fader & Hardie's note 028, eq. 16); and customers simulated event by event.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import integrate
from scipy import special
from scipy import stats

from custvalue.clv import BetaGeoModel
from custvalue.clv import BetaGeoParams
from custvalue.clv import ModifiedBetaGeoModel
from custvalue.clv import ModifiedBetaGeoParams
from custvalue.clv import ParetoNBDModel
from custvalue.clv import ParetoNBDParams

BG = BetaGeoModel.from_params(BetaGeoParams(0.243, 4.414, 0.793, 2.426))
MBG = ModifiedBetaGeoModel.from_params(ModifiedBetaGeoParams(0.525, 6.183, 0.891, 1.614))
PNBD = ParetoNBDModel.from_params(ParetoNBDParams(0.553, 10.578, 0.606, 11.669))
MODELS = {"bg": BG, "mbg": MBG, "pnbd": PNBD}
HISTORIES = [(2, 30.43, 38.86), (0, 0.0, 38.86), (7, 35.0, 38.86), (1, 5.0, 20.0)]


@pytest.mark.parametrize("name", list(MODELS))
@pytest.mark.parametrize("history", HISTORIES)
@pytest.mark.parametrize("t", [1.0, 39.0, 200.0])
def test_distribution_sums_to_one_and_has_the_expected_mean(
    name: str, history: tuple[float, float, float], t: float
) -> None:
    model: Any = MODELS[name]
    n = np.arange(0, 2000)
    pmf = model.probability_of_purchases_given_history(n, t, *history)
    assert np.all(pmf >= 0.0)
    assert pmf.sum() == pytest.approx(1.0, abs=1e-10)
    assert (n * pmf).sum() == pytest.approx(model.expected_purchases(t, *history), rel=1e-9)


@pytest.mark.parametrize("name", list(MODELS))
def test_horizon_zero_and_today(name: str) -> None:
    model: Any = MODELS[name]
    h = HISTORIES[0]
    assert model.probability_of_purchases_given_history(0, 0.0, *h) == pytest.approx(1.0)
    assert model.probability_of_purchases_given_history(1, 0.0, *h) == pytest.approx(0.0)
    assert model.probability_alive(*h, t=0.0) == pytest.approx(model.probability_alive(*h))
    # alive later is rarer, and decreasing in the horizon
    future = model.probability_alive(*h, t=np.array([1.0, 10.0, 100.0, 1000.0]))
    assert np.all(np.diff(future) < 0) and future[0] < model.probability_alive(*h)


def _bg_joint(n: int, t: float, x: int, tx: float, big_t: float, p: BetaGeoParams) -> float:
    """P(history, Y(t) = n) by numerical integration over λ (``n = -1``: the history alone).

    The dropout probability q is integrated exactly (``E[q^j (1-q)^k]`` is a ratio of beta
    functions); the purchase rate λ by adaptive quadrature of the individual-level terms.
    """

    def moment(j: float, k: float) -> float:
        return float(np.exp(special.betaln(p.a + j, p.b + k) - special.betaln(p.a, p.b)))

    def integrand(lam: float) -> float:
        dens = stats.gamma.pdf(lam, p.r, scale=1 / p.alpha)
        alive = lam**x * np.exp(-lam * big_t)
        dead = lam**x * np.exp(-lam * tx) * moment(1, x - 1) if x > 0 else 0.0
        if n < 0:
            return float(dens * (alive * moment(0, x) + dead))
        mu = lam * t
        value = alive * stats.poisson.pmf(n, mu) * moment(0, x + n)
        if n > 0:
            value += alive * stats.poisson.sf(n - 1, mu) * moment(1, x + n - 1)
        else:
            value += dead
        return float(dens * value)

    value, _ = integrate.quad(integrand, 0, np.inf, epsabs=0, epsrel=1e-11, limit=500)
    return float(value)


@pytest.mark.parametrize(("x", "tx", "big_t"), [(2, 30.43, 38.86), (0, 0.0, 20.0), (4, 8.0, 12.0)])
@pytest.mark.parametrize("n", [0, 1, 3])
def test_bgnbd_matches_brute_force_integration(x: int, tx: float, big_t: float, n: int) -> None:
    p = BetaGeoParams(0.9, 4.414, 0.793, 2.426)
    model = BetaGeoModel.from_params(p)
    t = 15.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", integrate.IntegrationWarning)
        joint = _bg_joint(n, t, x, tx, big_t, p)
        marginal = _bg_joint(-1, t, x, tx, big_t, p)
    expected = joint / marginal
    got = model.probability_of_purchases_given_history(n, t, x, tx, big_t)
    assert got == pytest.approx(expected, rel=1e-5, abs=1e-9)


def test_pareto_nbd_matches_lifetimes() -> None:
    lifetimes = pytest.importorskip("lifetimes")
    fitter = lifetimes.ParetoNBDFitter()
    fitter.params_ = pd.Series({"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669})
    for h in HISTORIES:
        for n in (0, 1, 2, 5):
            for t in (5.0, 39.0):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    ref = fitter.conditional_probability_of_n_purchases_up_to_time(n, t, *h)
                got = PNBD.probability_of_purchases_given_history(n, t, *h)
                assert got == pytest.approx(ref, rel=1e-10, abs=1e-15)


def _simulate_future(
    name: str, n_customers: int, big_t: float, t: float, seed: int
) -> pd.DataFrame:
    """Customers simulated event by event over ``[0, T + t]``: history at ``T`` and the future."""
    rng = np.random.default_rng(seed)
    end = big_t + t
    rows = []
    for _ in range(n_customers):
        if name == "pnbd":
            p = PNBD.params_
            lam = rng.gamma(p.r, 1 / p.alpha)
            death = rng.exponential(1 / rng.gamma(p.s, 1 / p.beta))
            times = np.sort(rng.uniform(0, min(death, end), rng.poisson(lam * min(death, end))))
            alive = death > end
        else:
            p = MODELS[name].params_  # type: ignore[attr-defined]
            lam = rng.gamma(p.r, 1 / p.alpha)
            q = rng.beta(p.a, p.b)
            k = rng.geometric(q) - (1 if name == "mbg" else 0)
            n_all = rng.poisson(lam * end)
            times = np.sort(rng.uniform(0, end, n_all))[:k]
            alive = n_all < k
        past = times[times <= big_t]
        rows.append((past.size, past[-1] if past.size else 0.0, int((times > big_t).sum()), alive))
    df = pd.DataFrame(rows, columns=["frequency", "recency", "future", "alive_later"])
    df["T"] = big_t
    return df


@pytest.mark.parametrize("name", list(MODELS))
def test_simulation_agrees_in_aggregate(name: str) -> None:
    model: Any = MODELS[name]
    big_t, t, size = 20.0, 15.0, 20_000
    sim = _simulate_future(name, size, big_t, t, seed=11)
    for n in (0, 1, 2, 3):
        predicted = model.probability_of_purchases_given_history(n, t, data=sim).mean()
        observed = (sim["future"] == n).mean()
        # 4 binomial standard errors of the observed share
        assert abs(predicted - observed) < 4 * np.sqrt(observed * (1 - observed) / size) + 1e-3
    predicted_alive = model.probability_alive(data=sim, t=t).mean()
    observed_alive = sim["alive_later"].mean()
    se = np.sqrt(observed_alive * (1 - observed_alive) / size)
    assert abs(predicted_alive - observed_alive) < 4 * se + 1e-3


def test_forms_and_index() -> None:
    df = pd.DataFrame(
        {"frequency": [2, 0], "recency": [30.43, 0.0], "T": [38.86, 38.86]}, index=["a", "b"]
    )
    out = BG.probability_of_purchases_given_history(1, 10.0, data=df)
    assert isinstance(out, pd.Series) and list(out.index) == ["a", "b"]
    assert out.name == "probability"
    alive = BG.probability_alive(data=df, t=10.0)
    assert list(alive.index) == ["a", "b"] and alive.name == "probability_alive"
    # a grid over n broadcasts against one history
    grid = BG.probability_of_purchases_given_history(np.arange(5)[:, None], 10.0, 2, 30.43, 38.86)
    assert grid.shape == (5, 1)
