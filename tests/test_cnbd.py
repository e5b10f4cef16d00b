"""BG/CNBD-k and MBG/CNBD-k against mpmath integrals, the k = 1 models, simulation and BTYDplus."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import mpmath as mp
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from scipy import integrate
from scipy import special

from custvalue.clv import BetaGeoCNBDModel
from custvalue.clv import BetaGeoCNBDParams
from custvalue.clv import BetaGeoModel
from custvalue.clv import BetaGeoParams
from custvalue.clv import ModifiedBetaGeoCNBDModel
from custvalue.clv import ModifiedBetaGeoCNBDParams
from custvalue.clv import ModifiedBetaGeoModel
from custvalue.clv import ModifiedBetaGeoParams
from custvalue.clv import cnbd_summary
from custvalue.diagnostics import holdout_metrics
from custvalue.errors import InputTypeError
from custvalue.errors import InputValueError
from custvalue.errors import StandardErrorWarning
from custvalue.rfm import calibration_holdout_summary

DATA = Path(__file__).parent / "data"
P = {"r": 0.85, "alpha": 1.45, "a": 0.79, "b": 2.42}
CLASSES = {
    0: (BetaGeoCNBDModel, BetaGeoCNBDParams),
    1: (ModifiedBetaGeoCNBDModel, ModifiedBetaGeoCNBDParams),
}


def _model(m: int, k: int, **params: float) -> BetaGeoCNBDModel:
    cls, par = CLASSES[m]
    return cls.from_params(par(k=k, **{**P, **params}))  # type: ignore[return-value]


# -- slow references: the likelihood integrated over lambda and p with mpmath -----------------


def _parts(
    m: int, k: int, x: int, tx: float, t_obs: float, p: dict[str, float]
) -> tuple[mp.mpf, mp.mpf]:
    """(alive part, dropped part) of the likelihood without the litt factor, by quadrature."""
    mp.mp.dps = 20
    r, alpha, a, b = (mp.mpf(p[n]) for n in ("r", "alpha", "a", "b"))
    delta = mp.mpf(t_obs - tx)
    # breakpoints around the mode of the integrand in lambda
    mode = (r + k * x) / (alpha + tx)
    pts = [0, *(mode * 2.0**e for e in range(-4, 5)), mp.inf]

    def gamma_pdf(lam: mp.mpf) -> mp.mpf:
        return alpha**r * lam ** (r - 1) * mp.exp(-alpha * lam) / mp.gamma(r)

    def beta_pdf(q: mp.mpf) -> mp.mpf:
        return q ** (a - 1) * (1 - q) ** (b - 1) / mp.beta(a, b)

    def survive(lam: mp.mpf) -> mp.mpf:
        return sum((lam * delta) ** j / mp.factorial(j) for j in range(k)) * mp.exp(-lam * delta)

    def lam_part(lam: mp.mpf, alive: bool) -> mp.mpf:
        base = gamma_pdf(lam) * lam ** (k * x) * mp.exp(-lam * tx)
        return base * (survive(lam) if alive else 1)

    e_alive = mp.quad(lambda q: beta_pdf(q) * (1 - q) ** (x + m), [0, 1])
    alive = e_alive * mp.quad(lambda lam: lam_part(lam, True), pts)
    if x + m == 0:
        return alive, mp.mpf(0)
    e_dead = mp.quad(lambda q: beta_pdf(q) * q * (1 - q) ** (x + m - 1), [0, 1])
    dead = e_dead * mp.quad(lambda lam: lam_part(lam, False), pts)
    return alive, dead


@settings(max_examples=6, deadline=None)
@given(
    m=st.sampled_from([0, 1]),
    k=st.integers(1, 4),
    x=st.integers(0, 6),
    frac=st.floats(0.05, 1.0),
    t_obs=st.floats(0.5, 40.0),
    gap=st.floats(0.05, 0.95),
)
def test_likelihood_and_palive_equal_quadrature(
    m: int, k: int, x: int, frac: float, t_obs: float, gap: float
) -> None:
    tx = 0.0 if x == 0 else frac * t_obs
    # a possible litt: x gaps of tx / x scaled by a spread factor
    litt = 0.0 if x == 0 else x * math.log(tx / x) + math.log(gap)
    model = _model(m, k)
    alive, dead = _parts(m, k, x, tx, t_obs, P)
    ref_ll = float(mp.log(alive + dead)) + (k - 1) * litt - x * math.lgamma(k)
    got = model.individual_log_likelihood(x, tx, t_obs, litt)
    assert got == pytest.approx(ref_ll, rel=1e-9, abs=1e-9)
    assert model.probability_alive(x, tx, t_obs) == pytest.approx(
        float(alive / (alive + dead)), rel=1e-9
    )


def _reference_expectation(
    m: int, k: int, t: float, x: int, tx: float, t_obs: float, p: dict[str, float]
) -> float:
    """E[purchases in (T, T+t] | alive]: lambda integrated by quadrature, Poisson tails exact."""
    r, alpha, a, b = (p[n] for n in ("r", "alpha", "a", "b"))
    delta = t_obs - tx
    bp = b + x + m
    i = np.arange(1, 2000)
    # P(K >= i) = E[(1 - p)^(i-1)] for p ~ Beta(a, bp)
    ratios = np.exp(special.betaln(a, bp + i - 1) - special.betaln(a, bp))
    shape = r + k * x

    def weight(lam: float, j: int) -> float:
        # Gamma(shape, alpha + T) density times the Poisson weight of j stages in delta
        return float(
            np.exp(
                shape * math.log(alpha + t_obs)
                - math.lgamma(shape)
                + (shape - 1) * math.log(lam)
                - lam * (alpha + t_obs)
                + j * math.log(lam * delta if delta > 0 else 1.0)
                - math.lgamma(j + 1)
            )
        )

    def future(lam: float, j: int) -> float:
        # E[min(floor((N + j)/k), K)], N ~ Poisson(lam t): sum_i P(N >= ik - j) P(K >= i)
        need = i * k - j
        tail = np.where(need > 0, special.gammainc(np.maximum(need, 1), lam * t), 1.0)
        return float(np.dot(ratios, tail))

    js = range(k) if delta > 0 else range(1)
    lim = 200.0 / (alpha + t_obs) + 10.0 * shape / (alpha + t_obs)
    opts = {"epsabs": 0.0, "epsrel": 1e-11, "limit": 200}
    num = sum(
        integrate.quad(lambda lam, j=j: weight(lam, j) * future(lam, j), 0, lim, **opts)[0]
        for j in js
    )
    den = sum(integrate.quad(lambda lam, j=j: weight(lam, j), 0, lim, **opts)[0] for j in js)
    return num / den


@pytest.mark.parametrize(
    ("m", "k", "t", "x", "tx", "t_obs"),
    [(0, 2, 10.0, 3, 20.0, 24.0), (1, 3, 26.0, 5, 12.0, 30.0), (1, 2, 5.0, 0, 0.0, 8.0)],
)
def test_conditional_expectation_equals_quadrature(
    m: int, k: int, t: float, x: int, tx: float, t_obs: float
) -> None:
    model = _model(m, k)
    ref = _reference_expectation(m, k, t, x, tx, t_obs, P) * model.probability_alive(x, tx, t_obs)
    assert model.expected_purchases(t, x, tx, t_obs) == pytest.approx(ref, rel=1e-7)


def test_gradient_is_exact() -> None:
    sim = _model(1, 2).simulate(300, 30.0, seed=5)
    model = ModifiedBetaGeoCNBDModel()
    cols = [sim[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T")]
    prepared = ((cols, np.ones(len(sim))), (float(sim["litt"].sum()), float(cols[0].sum())), [2])
    neg_ll = model._neg_log_lik_k(prepared, 2)
    theta = np.array([0.9, 1.3, 0.7, 2.1])
    _, grad = neg_ll(theta)
    for i in range(4):
        h = 1e-6 * theta[i]
        up, dn = theta.copy(), theta.copy()
        up[i] += h
        dn[i] -= h
        fd = (neg_ll(up)[0] - neg_ll(dn)[0]) / (2 * h)
        assert grad[i] == pytest.approx(fd, rel=1e-6)


# -- k = 1 is the BG/NBD / MBG/NBD ----------------------------------------------------------


def test_k1_equals_bgnbd_and_mbgnbd() -> None:
    x, tx, t_obs = [0, 2, 7], [0.0, 30.43, 35.0], [20.0, 38.86, 38.86]
    for m, plain in (
        (0, BetaGeoModel.from_params(BetaGeoParams(**P))),
        (1, ModifiedBetaGeoModel.from_params(ModifiedBetaGeoParams(**P))),
    ):
        cnbd = _model(m, 1)
        np.testing.assert_allclose(
            cnbd.individual_log_likelihood(x, tx, t_obs, [0.0, 1.0, -2.0]),
            plain.individual_log_likelihood(x, tx, t_obs),
            rtol=1e-12,
        )
        np.testing.assert_allclose(
            cnbd.probability_alive(x, tx, t_obs), plain.probability_alive(x, tx, t_obs), rtol=1e-12
        )
        np.testing.assert_allclose(
            cnbd.expected_purchases(39.0, x, tx, t_obs),
            plain.expected_purchases(39.0, x, tx, t_obs),
            rtol=1e-10,
        )
        np.testing.assert_allclose(
            cnbd.expected_purchases_new_customer([1.0, 39.0]),
            plain.expected_purchases_new_customer([1.0, 39.0]),
            rtol=1e-10,
        )
        np.testing.assert_allclose(
            cnbd.probability_of_purchases([0, 1, 4], 39.0),
            plain.probability_of_purchases([0, 1, 4], 39.0),
            rtol=1e-10,
        )


# -- the population predictions against simulation -------------------------------------------


@pytest.mark.parametrize("m", [0, 1])
def test_population_predictions_agree_with_simulation(m: int) -> None:
    model = _model(m, 3)
    n = 40_000
    sim = model.simulate(n, 30.0, seed=11)
    # E[X(30)] of a new customer, P(X(30) = n) and the mean P(alive)
    se = sim["frequency"].std() / math.sqrt(n)
    assert abs(model.expected_purchases_new_customer(30.0) - sim["frequency"].mean()) < 4 * se
    pmf = model.probability_of_purchases(np.arange(200), 30.0)
    assert pmf.sum() == pytest.approx(1.0, abs=1e-9)
    assert (np.arange(200) * pmf).sum() == pytest.approx(
        model.expected_purchases_new_customer(30.0), rel=1e-9
    )
    freq = np.bincount(sim["frequency"], minlength=200)[:4] / n
    assert np.all(np.abs(freq - pmf[:4]) < 4 * np.sqrt(pmf[:4] / n))
    alive = model.probability_alive(data=sim)
    assert abs(alive.mean() - sim["alive"].mean()) < 4 * sim["alive"].std() / math.sqrt(n)
    # E[X(30 + 20)] - E[X(30)] is the mean of the conditional expectations over histories at 30
    cond = model.expected_purchases(20.0, data=sim)
    gain = model.expected_purchases_new_customer(50.0) - model.expected_purchases_new_customer(
        30.0
    )
    assert abs(cond.mean() - gain) < 4 * cond.std() / math.sqrt(n)


# -- estimation -------------------------------------------------------------------------------


@pytest.mark.parametrize("m", [0, 1])
def test_parameters_and_k_are_recovered(m: int) -> None:
    truth = _model(m, 3, r=1.5, alpha=2.0, a=0.8, b=3.0)
    sim = truth.simulate(4000, 52.0, seed=2)
    fitted = type(truth)().fit(sim)
    assert fitted.params_.k == 3.0
    assert fitted.converged_ is True
    est = fitted.params_
    se = fitted.standard_errors_
    for name in ("r", "alpha", "a", "b"):
        assert abs(getattr(est, name) - getattr(truth.params_, name)) < 4 * getattr(se, name)
    fixed = type(truth)().fit(sim, k=2)
    assert fixed.params_.k == 2.0 and fixed.log_likelihood_ < fitted.log_likelihood_
    assert fitted.log_likelihood_ == pytest.approx(
        fitted.individual_log_likelihood(data=sim).sum()
    )
    table = fitted.summary()
    assert np.isnan(table.loc["k", "std_error"]) and "discrete" in table.loc["k", "note"]
    assert table.loc[["r", "alpha", "a", "b"], "std_error"].notna().all()


def test_summary_of_from_params_still_warns() -> None:
    with pytest.warns(StandardErrorWarning, match="r, alpha, a, b"):
        _model(0, 2).summary()


@pytest.fixture(scope="module")
def cdnow() -> tuple[pd.DataFrame, pd.Series]:
    log = pd.read_csv(
        DATA / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["master_id", "customer_id", "date", "cds", "amount"],
    )
    log["date"] = pd.to_datetime(log["date"].astype(str), format="%Y%m%d")
    split = calibration_holdout_summary(log, "1997-09-30", "1998-06-30")
    weekly = cnbd_summary(log, observation_end="1997-09-30", time_unit=7)
    assert weekly.index.equals(split.index)
    return weekly, split["frequency_holdout"]


def test_cdnow_reproduces_btydplus_demo(cdnow: tuple[pd.DataFrame, pd.Series]) -> None:
    """BTYDplus demo/cdnow.r (github.com/mplatzer/BTYDplus, commit 28316a11), CDNOW sample.

    39 weeks calibration / 39 holdout: "no regularity detected, hence k=1" and
    the holdout accuracy of the MBG/CNBD-k (then called CBG/CNBD-k)
    MAPE 0.958 RMSE 1.607 MSLE 0.231 ("MAPE" = sum|a - f| / sum a, our WAPE).
    """
    weekly, holdout = cdnow
    model = ModifiedBetaGeoCNBDModel().fit(weekly)
    assert model.params_.k == 1.0
    pred = model.expected_purchases(39.0, data=weekly)
    table = holdout_metrics(holdout, {"MBG/CNBD-k": pred.to_numpy()}).round(3)
    assert tuple(table.loc["MBG/CNBD-k", ["WAPE", "RMSE", "MSLE"]]) == (0.958, 1.607, 0.231)
    # the BG/CNBD-k also picks k = 1 and is then the BG/NBD of Fader, Hardie & Lee (2005),
    # LL -9582.4 (section 4); BTYDplus' demo: MAPE 0.984 RMSE 1.608 MSLE 0.234
    bg = BetaGeoCNBDModel().fit(weekly)
    assert bg.params_.k == 1.0 and round(bg.log_likelihood_, 1) == -9582.4
    pred = bg.expected_purchases(39.0, data=weekly)
    table = holdout_metrics(holdout, {"BG/CNBD-k": pred.to_numpy()}).round(3)
    assert tuple(table.loc["BG/CNBD-k", ["WAPE", "RMSE", "MSLE"]]) == (0.984, 1.608, 0.234)


# -- cnbd_summary and input checks ------------------------------------------------------------


def test_cnbd_summary_by_hand() -> None:
    log = pd.DataFrame(
        {
            "customer_id": [1, 1, 1, 1, 2, 3, 3],
            "date": pd.to_datetime(
                [
                    "2024-01-01",
                    "2024-01-01",
                    "2024-01-15",
                    "2024-01-22",
                    "2024-01-03",
                    "2024-01-05",
                    "2024-02-20",
                ]
            ),
        }
    )
    before = log.copy()
    out = cnbd_summary(log, observation_end="2024-01-31", time_unit=7)
    pd.testing.assert_frame_equal(log, before)
    assert list(out.index) == [1, 2, 3]
    assert out.loc[1, "litt"] == pytest.approx(math.log(14 / 7) + math.log(7 / 7))
    assert out.loc[2, "litt"] == 0.0 and out.loc[3, "litt"] == 0.0  # 3's repeat is after the end
    assert out.loc[1, "frequency"] == 2 and out.loc[3, "frequency"] == 0


def test_bad_litt_and_k_are_refused() -> None:
    sim = _model(0, 2).simulate(200, 20.0, seed=1)
    with pytest.raises(InputValueError, match="`litt` is missing"):
        BetaGeoCNBDModel().fit(sim.drop(columns="litt"))
    assert BetaGeoCNBDModel().fit(sim.drop(columns="litt"), k=1).params_.k == 1.0
    bad = sim.assign(litt=sim["litt"] + 50.0 * (sim["frequency"] > 0))
    with pytest.raises(InputValueError, match=r"`litt`.*cannot exceed"):
        BetaGeoCNBDModel().fit(bad)
    with pytest.raises(InputValueError, match="`litt` must be 0"):
        BetaGeoCNBDModel().fit(sim.assign(litt=1.0))
    with pytest.raises(InputValueError, match=r"`litt`.*cannot exceed"):
        _model(0, 2).individual_log_likelihood(2, 1.0, 5.0, 3.0)
    with pytest.raises(InputTypeError, match="`k`"):
        BetaGeoCNBDModel().fit(sim, k=1.5)
    with pytest.raises(InputValueError, match="`k`"):
        BetaGeoCNBDParams(k=1.5, **P)
    with pytest.raises(InputValueError, match="`t` is too long"):
        _model(0, 2).expected_purchases(1e12, 2, 10.0, 20.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isfinite(_model(1, 4).expected_purchases(52.0, 40, 30.0, 39.0))
