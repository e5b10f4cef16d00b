"""sBG retention model: published fits, recursions, DERL against series, errors."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from scipy.special import hyp2f1

from custvalue.clv import ShiftedBetaGeoModel
from custvalue.clv import ShiftedBetaGeoParams
from custvalue.errors import ConvergenceError
from custvalue.errors import InputValueError
from custvalue.errors import NotFittedError

COHORTS = pd.read_csv(Path(__file__).parent / "data" / "sbg_cohorts.csv")

params_st = st.builds(
    ShiftedBetaGeoParams, alpha=st.floats(0.05, 30.0), beta=st.floats(0.05, 30.0)
)


def ref_churn(p: ShiftedBetaGeoParams, t_max: int) -> list[float]:
    """FH (2007) eq. (7): P(T=1) = a / (a + b), P(T=t) = (b + t - 2) / (a + b + t - 1) P(T=t-1)."""
    out = [p.alpha / (p.alpha + p.beta)]
    for t in range(2, t_max + 1):
        out.append(out[-1] * (p.beta + t - 2) / (p.alpha + p.beta + t - 1))
    return out


def ref_survival(p: ShiftedBetaGeoParams, t_max: int) -> list[float]:
    """FH (2007) eq. (8): S(t) = S(t - 1) - P(T = t), S(0) = 1."""
    s = [1.0]
    for pt in ref_churn(p, t_max):
        s.append(s[-1] - pt)
    return s


def ref_loglik(p: ShiftedBetaGeoParams, alive: list[int]) -> float:
    """FH (2007) eq. (B3); S(k) as the product of retention rates (no cancellation)."""
    k = len(alive) - 1
    churn = ref_churn(p, k)
    log_surv = sum(
        math.log((p.beta + i - 1) / (p.alpha + p.beta + i - 1)) for i in range(1, k + 1)
    )
    lost = [alive[i - 1] - alive[i] for i in range(1, len(alive))]
    return sum(n * math.log(pt) for n, pt in zip(lost, churn, strict=True)) + alive[-1] * log_surv


# --- published values ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "alpha", "beta", "ll"),
    [("regular", 0.704, 1.182, -1680.3), ("high_end", 0.668, 3.806, -1611.2)],
)
def test_reproduces_fader_hardie_2007(column: str, alpha: float, beta: float, ll: float) -> None:
    alive = COHORTS[column].to_numpy()[:8]  # years 0..7 are the calibration period
    model = ShiftedBetaGeoModel().fit(alive)
    assert model.converged_
    assert round(model.params_.alpha, 3) == alpha
    assert round(model.params_.beta, 3) == beta
    assert round(model.log_likelihood_, 1) == ll
    lost = -np.diff(alive)
    periods = np.arange(1, alive.size)
    total = float(lost @ model.individual_log_likelihood(periods, 1))
    total += alive[-1] * model.individual_log_likelihood(alive.size - 1, 0)
    assert total == pytest.approx(model.log_likelihood_)
    # the holdout years 8..12 are projected within a few percentage points (FH 2007 Fig. 4)
    projected = model.survival(np.arange(8, 13)) * 1000
    np.testing.assert_allclose(projected, COHORTS[column].to_numpy()[8:], rtol=0.06)


def test_derl_matches_a_published_value() -> None:
    # Third-party cross-check: the shifted_beta_geometric_py README reports a residual
    # lifetime of 7.530 for the high-end fit, 7 renewals and d = 10 %.
    model = ShiftedBetaGeoModel().fit(COHORTS["high_end"].to_numpy()[:8])
    assert round(model.discounted_expected_residual_lifetime(7, 0.10), 3) == 7.530


# --- kernels against references -----------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(params_st, st.lists(st.integers(0, 300), min_size=1, max_size=12))
def test_loglik_and_gradient_match_recursion(p: ShiftedBetaGeoParams, drops: list[int]) -> None:
    from custvalue._clv.sbg import _neg_ll

    alive = [sum(drops) + 50]
    for dr in drops:
        alive.append(alive[-1] - dr)
    counts = np.array(alive, dtype=float)
    theta = np.array([p.alpha, p.beta])
    nll, grad = _neg_ll(theta, -np.diff(counts), counts[-1])
    ref = ref_loglik(p, alive)
    assert -nll == pytest.approx(ref, rel=1e-9)
    for j in range(2):
        step = 1e-6 * theta[j]
        up, down = theta.copy(), theta.copy()
        up[j] += step
        down[j] -= step
        fd = (
            ref_loglik(ShiftedBetaGeoParams(*up), alive)
            - ref_loglik(ShiftedBetaGeoParams(*down), alive)
        ) / (2 * step)
        assert -grad[j] == pytest.approx(fd, rel=1e-4, abs=1e-4)


@settings(max_examples=50, deadline=None)
@given(params_st)
def test_survival_retention_and_churn_match_recursions(p: ShiftedBetaGeoParams) -> None:
    model = ShiftedBetaGeoModel.from_params(p)
    t = np.arange(0, 30)
    surv = np.array(ref_survival(p, 29))
    # the subtraction recursion loses relative precision in the far tail: absolute check
    np.testing.assert_allclose(model.survival(t), surv, rtol=1e-9, atol=1e-12)
    # and a relative check against the product of retention rates, S(t) = prod r(i)
    prod = np.cumprod([1.0] + [(p.beta + i - 1) / (p.alpha + p.beta + i - 1) for i in t[1:]])
    np.testing.assert_allclose(model.survival(t), prod, rtol=1e-9)
    np.testing.assert_allclose(
        model.churn_probability(t[1:]), ref_churn(p, 29), rtol=1e-9, atol=1e-300
    )
    keep = surv[1:] > 1e-6
    np.testing.assert_allclose(
        model.retention_rate(t[1:])[keep], (surv[1:] / surv[:-1])[keep], rtol=1e-6
    )


@settings(max_examples=30, deadline=None)
@given(params_st, st.integers(0, 40), st.floats(0.02, 2.0))
def test_derl_matches_truncated_sum_and_scipy(
    p: ShiftedBetaGeoParams, renewals: int, d: float
) -> None:
    model = ShiftedBetaGeoModel.from_params(p)
    n = renewals + 1
    # sum_{t >= n} S(t) / S(n - 1) / (1 + d)^(t - n), truncated where (1 + d)^-k < 1e-17
    k_max = int(40 / math.log1p(d)) + 10
    t = np.arange(n, n + k_max)
    s_cond = model.survival(t) / model.survival(n - 1)
    ref = float(np.sum(s_cond / (1 + d) ** (t - n)))
    got = model.discounted_expected_residual_lifetime(renewals, d)
    assert got == pytest.approx(ref, rel=1e-9)
    scipy_ref = (
        (p.beta + n - 1)
        / (p.alpha + p.beta + n - 1)
        * hyp2f1(1, p.beta + n, p.alpha + p.beta + n, 1 / (1 + d))
    )
    assert got == pytest.approx(scipy_ref, rel=1e-7)
    # DEL relation: DERL after 0 renewals = (DEL - 1) (1 + d)
    del_ = model.discounted_expected_lifetime(d)
    assert model.discounted_expected_residual_lifetime(0, d) == pytest.approx(
        (del_ - 1) * (1 + d), rel=1e-9
    )


def test_derl_homogeneous_limit() -> None:
    # alpha, beta large with alpha / (alpha + beta) = theta: DERL -> (1 - theta)(1 + d)/(d + theta)
    model = ShiftedBetaGeoModel.from_params(ShiftedBetaGeoParams(2e6, 8e6))
    theta, d = 0.2, 0.1
    assert model.discounted_expected_residual_lifetime(3, d) == pytest.approx(
        (1 - theta) * (1 + d) / (d + theta), rel=1e-5
    )


# --- simulation and recovery ------------------------------------------------------------


def test_simulation_recovers_parameters() -> None:
    truth = ShiftedBetaGeoParams(0.7, 1.2)
    gen = ShiftedBetaGeoModel.from_params(truth)
    sim = gen.simulate(200_000, 10, seed=3)
    pd.testing.assert_frame_equal(sim, gen.simulate(200_000, 10, seed=3))
    alive = sim["alive"].to_numpy()
    assert alive[0] == 200_000 and np.all(np.diff(alive) <= 0)
    fitted = ShiftedBetaGeoModel().fit(sim)
    for name in ("alpha", "beta"):
        est, se = getattr(fitted.params_, name), getattr(fitted.standard_errors_, name)
        assert abs(est - getattr(truth, name)) < 4 * se, name


# --- robustness and errors ---------------------------------------------------------------


def test_extreme_inputs_stay_finite() -> None:
    model = ShiftedBetaGeoModel.from_params(ShiftedBetaGeoParams(50.0, 0.05))
    t = np.array([1, 1_000, 10**7])
    for out in (model.survival(t), model.retention_rate(t), model.churn_probability(t)):
        assert np.all(np.isfinite(out)) and np.all(out >= 0)
    assert np.isfinite(model.discounted_expected_residual_lifetime([0, 10**6], 0.001)).all()
    big = ShiftedBetaGeoModel().fit([10**9, 9 * 10**8, 82 * 10**7, 76 * 10**7])
    assert np.isfinite(big.log_likelihood_)


def test_series_and_scalars() -> None:
    model = ShiftedBetaGeoModel.from_params(ShiftedBetaGeoParams(0.7, 1.2))
    idx = pd.Index(["a", "b"])
    out = model.discounted_expected_residual_lifetime(pd.Series([0, 3], index=idx), 0.1)
    assert isinstance(out, pd.Series) and out.index.equals(idx)
    assert isinstance(model.survival(3), float)
    assert isinstance(model.retention_rate([2, 3]), np.ndarray)


@pytest.mark.parametrize(
    ("alive", "match"),
    [
        ([1000, 600, 700], "must not increase"),
        ([1000, 600.5, 300], "whole numbers"),
        ([1000, -1], ">= 0"),
        ([1000], "at least two"),
        ([0, 0, 0], "positive cohort size"),
        ([1000, np.nan], "non-finite"),
    ],
)
def test_bad_counts_are_refused(alive: list[float], match: str) -> None:
    with pytest.raises(InputValueError, match=match) as info:
        ShiftedBetaGeoModel().fit(alive)
    assert "`alive`" in str(info.value)


def test_other_errors() -> None:
    model = ShiftedBetaGeoModel.from_params(ShiftedBetaGeoParams(0.7, 1.2))
    with pytest.raises(InputValueError, match="`discount_rate`"):
        model.discounted_expected_residual_lifetime(1, 0.0)
    with pytest.raises(InputValueError, match="`renewals`"):
        model.discounted_expected_residual_lifetime(-1, 0.1)
    with pytest.raises(InputValueError, match="`t`"):
        model.retention_rate(0)
    with pytest.raises(NotFittedError):
        ShiftedBetaGeoModel().survival(1)
    # nobody ever churns: the maximum likelihood estimate does not exist
    with pytest.raises(InputValueError, match="`alive` shows no customer leaving"):
        ShiftedBetaGeoModel().fit([1000, 1000, 1000])


def test_optimizer_failure_raises_convergence_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import custvalue._clv.sbg as mod

    def broken(*args: object) -> tuple[float, np.ndarray]:
        return float("nan"), np.full(2, np.nan)

    monkeypatch.setattr(mod, "_neg_ll", broken)
    with pytest.raises(ConvergenceError, match=r"did not converge: [A-Z]+"):
        ShiftedBetaGeoModel().fit([1000, 600, 400])
