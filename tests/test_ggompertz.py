"""GGompertz/NBD against mpmath/scipy integrals, the Pareto/NBD limit, simulation and CDNOW."""

from __future__ import annotations

import math
from pathlib import Path

import mpmath as mp
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from scipy import integrate

from custvalue.clv import GGompertzNBDModel
from custvalue.clv import GGompertzNBDParams
from custvalue.clv import ParetoNBDModel
from custvalue.clv import ParetoNBDParams
from custvalue.rfm import calibration_holdout_summary
from custvalue.rfm import rfm_summary

DATA = Path(__file__).parent / "data"
P = {"r": 0.9, "alpha": 4.0, "b": 0.08, "s": 1.3, "beta": 2.5}
MODEL = GGompertzNBDModel.from_params(GGompertzNBDParams(**P))


def _reference(x: int, tx: float, t_obs: float, p: dict[str, float]) -> tuple[float, float]:
    """(log-likelihood, P(alive)) with the lifetime integral by mpmath.quad."""
    mp.mp.dps = 20
    r, alpha, b, s, beta = (mp.mpf(p[n]) for n in ("r", "alpha", "b", "s", "beta"))

    def surv(t: mp.mpf) -> mp.mpf:
        return (beta / (beta + mp.exp(b * t) - 1)) ** s

    def dens(t: mp.mpf) -> mp.mpf:
        return s * b * mp.exp(b * t) * beta**s * (beta + mp.exp(b * t) - 1) ** (-(s + 1))

    const = mp.gamma(r + x) * alpha**r / mp.gamma(r)
    first = surv(mp.mpf(t_obs)) / (alpha + t_obs) ** (r + x)
    # panels geometric in alpha + t: the integrand falls like (alpha + t)^-(r+x)
    ratio = (alpha + t_obs) / (alpha + tx)
    pts = [(alpha + tx) * ratio ** (mp.mpf(i) / 16) - alpha for i in range(17)]

    def integrand(t: mp.mpf) -> mp.mpf:
        return dens(t) / (alpha + t) ** (r + x)

    # mp.quad's tolerance is absolute: integrate relative to the integrand's scale
    scale = max(integrand(t) for t in pts)
    second, err = mp.quad(lambda t: integrand(t) / scale, pts, error=True)
    assert err <= 1e-15 * second, f"reference integral not converged (error {err})"
    second *= scale
    return float(mp.log(const * (first + second))), float(first / (first + second))


@settings(max_examples=6, deadline=None)
@given(
    x=st.integers(0, 40),
    frac=st.floats(0.01, 1.0),
    t_obs=st.floats(0.1, 80.0),
    b=st.sampled_from([1e-4, 0.02, 0.3, 2.0]),
)
def test_likelihood_and_palive_equal_quadrature(
    x: int, frac: float, t_obs: float, b: float
) -> None:
    tx = 0.0 if x == 0 else frac * t_obs
    p = {**P, "b": b}
    model = GGompertzNBDModel.from_params(GGompertzNBDParams(**p))
    ref_ll, ref_alive = _reference(x, tx, t_obs, p)
    assert model.individual_log_likelihood(x, tx, t_obs) == pytest.approx(
        ref_ll, rel=1e-9, abs=1e-9
    )
    assert model.probability_alive(x, tx, t_obs) == pytest.approx(ref_alive, rel=1e-8, abs=1e-14)


def test_gradient_is_exact() -> None:
    sim = MODEL.simulate(300, 30.0, seed=4)
    model = GGompertzNBDModel()
    cols = [sim[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T")]
    neg_ll = model._neg_log_lik((cols, np.ones(len(sim))))
    theta = np.array([0.8, 3.0, 0.1, 1.1, 2.0])
    _, grad = neg_ll(theta)
    for i in range(5):
        h = 1e-6 * theta[i]
        up, dn = theta.copy(), theta.copy()
        up[i] += h
        dn[i] -= h
        fd = (neg_ll(up)[0] - neg_ll(dn)[0]) / (2 * h)
        assert grad[i] == pytest.approx(fd, rel=1e-6)


def test_expectations_equal_double_integrals() -> None:
    r, alpha, b, s, beta = (P[n] for n in ("r", "alpha", "b", "s", "beta"))
    # new customer: E[X(t)] = E[lambda] E[min(t, lifetime)], lifetime law by its eta mixture
    t = 30.0

    def alive_share(tau: float, rate: float, shift: float) -> float:
        # E[exp(-eta (e^{b(shift+tau)} - e^{b shift}))], eta ~ Gamma(s, rate), by quadrature
        grow = math.exp(b * (shift + tau)) - math.exp(b * shift)

        def integrand(eta: float) -> float:
            return math.exp(
                s * math.log(rate) - math.lgamma(s) + (s - 1) * math.log(eta) - eta * (rate + grow)
            )

        return integrate.quad(integrand, 0, np.inf, epsabs=0, epsrel=1e-12)[0]

    ref = r / alpha * integrate.quad(lambda u: alive_share(u, beta, 0.0), 0, t, epsrel=1e-11)[0]
    assert MODEL.expected_purchases_new_customer(t) == pytest.approx(ref, rel=1e-8)
    # a history: given survival to T, eta ~ Gamma(s, beta + e^{bT} - 1)
    x, tx, t_obs, h = 4, 20.0, 26.0, 13.0
    rate = beta + math.expm1(b * t_obs)
    cond = integrate.quad(lambda u: alive_share(u, rate, t_obs), 0, h, epsrel=1e-11)[0]
    ref = MODEL.probability_alive(x, tx, t_obs) * (r + x) / (alpha + t_obs) * cond
    assert MODEL.expected_purchases(h, x, tx, t_obs) == pytest.approx(ref, rel=1e-8)


def test_small_b_is_the_pareto_nbd() -> None:
    pnbd = ParetoNBDModel.from_params(ParetoNBDParams(r=0.553, alpha=10.578, s=0.606, beta=11.669))
    b = 1e-7
    gg = GGompertzNBDModel.from_params(
        GGompertzNBDParams(r=0.553, alpha=10.578, b=b, s=0.606, beta=11.669 * b)
    )
    x, tx, t_obs = [0, 2, 7], [0.0, 30.43, 35.0], [20.0, 38.86, 38.86]
    np.testing.assert_allclose(
        gg.individual_log_likelihood(x, tx, t_obs),
        pnbd.individual_log_likelihood(x, tx, t_obs),
        rtol=1e-5,
    )
    np.testing.assert_allclose(
        gg.probability_alive(x, tx, t_obs), pnbd.probability_alive(x, tx, t_obs), rtol=1e-5
    )
    np.testing.assert_allclose(
        gg.expected_purchases(39.0, x, tx, t_obs),
        pnbd.expected_purchases(39.0, x, tx, t_obs),
        rtol=1e-5,
    )


def test_population_predictions_agree_with_simulation() -> None:
    n = 40_000
    sim = MODEL.simulate(n, 30.0, seed=8)
    se = sim["frequency"].std() / math.sqrt(n)
    assert abs(MODEL.expected_purchases_new_customer(30.0) - sim["frequency"].mean()) < 4 * se
    alive = MODEL.probability_alive(data=sim)
    assert abs(alive.mean() - sim["alive"].mean()) < 4 * sim["alive"].std() / math.sqrt(n)
    cond = MODEL.expected_purchases(20.0, data=sim)
    gain = MODEL.expected_purchases_new_customer(50.0) - MODEL.expected_purchases_new_customer(
        30.0
    )
    assert abs(cond.mean() - gain) < 4 * cond.std() / math.sqrt(n)


def test_parameters_are_recovered() -> None:
    truth = GGompertzNBDModel.from_params(
        GGompertzNBDParams(r=1.2, alpha=3.0, b=0.1, s=1.0, beta=1.5)
    )
    sim = truth.simulate(4000, 52.0, seed=3)
    fitted = GGompertzNBDModel().fit(sim)
    assert fitted.converged_ is True
    for name in ("r", "alpha", "b", "s", "beta"):
        est, se = getattr(fitted.params_, name), getattr(fitted.standard_errors_, name)
        assert abs(est - getattr(truth.params_, name)) < 4 * se, name
    assert fitted.log_likelihood_ == pytest.approx(
        fitted.individual_log_likelihood(data=sim).sum()
    )


def test_cdnow_fit_reproduces_published_log_likelihood() -> None:
    """Bemmaor & Glady (2012), Table 2, CDNOW, 39 weeks: r 0.553, alpha 10.578, LL -9594.98.

    CLVTools' correctness test of ggomnbd on the same data (cdnow, weeks): LL -9594.9762,
    r 0.55313, alpha 10.5758, s 0.60682 (b and beta tiny: the fit is at the Pareto/NBD limit).
    """
    log = pd.read_csv(
        DATA / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["master_id", "customer_id", "date", "cds", "amount"],
    )
    log["date"] = pd.to_datetime(log["date"].astype(str), format="%Y%m%d")
    split = calibration_holdout_summary(log, "1997-09-30", "1998-06-30")
    weekly = pd.DataFrame(
        {
            "frequency": split["frequency_cal"],
            "recency": split["recency_cal"] / 7,
            "T": split["T_cal"] / 7,
        }
    )
    model = GGompertzNBDModel().fit(weekly)
    assert round(model.log_likelihood_, 2) == -9594.98
    assert round(model.params_.r, 3) == 0.553
    assert round(model.params_.alpha, 2) == 10.58
    assert 0.603 <= round(model.params_.s, 3) <= 0.607


def test_fit_on_a_small_daily_summary_ends() -> None:
    # the optimiser visits extreme parameters here where the first estimate of the
    # density integral misses its spike; the adaptive integration must still end
    rng = np.random.default_rng(7)
    n = 400
    log = pd.DataFrame(
        {
            "customer_id": rng.integers(0, 60, n),
            "date": pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 700, n), "D"),
        }
    )
    summary = rfm_summary(log)
    model = GGompertzNBDModel().fit(summary)
    assert np.isfinite(model.log_likelihood_)
    assert np.isfinite(model.individual_log_likelihood(data=summary)).all()
