"""Pareto/NBD second order: exact Hessian against mpmath and finite differences, Newton fits."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume
from hypothesis import example
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from reference import central_differences
from reference import fit_sample
from reference import hessian_by_central_differences
from reference import lbfgs_fit
from reference import mpmath_derivatives
from reference import pareto_nbd_loglik_mpmath

from custvalue._clv.base import compress_weighted
from custvalue._clv.base import penalized
from custvalue._clv.pareto_nbd import _loglik_kernel
from custvalue._clv.pareto_nbd import _loglik_terms
from custvalue.clv import ParetoNBDModel
from custvalue.clv import ParetoNBDParams

mp = pytest.importorskip("mpmath")

FIELDS = ("r", "alpha", "s", "beta")

positive = st.floats(min_value=-5.0, max_value=5.0).map(lambda v: float(np.exp(v)))


def kernel_terms(
    params: tuple[float, ...], x: np.ndarray, tx: np.ndarray, t_obs: np.ndarray, w: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray]:
    grad = np.empty(4)
    hess = np.empty((4, 4))
    h = np.stack([x, tx, t_obs])
    ll = _loglik_terms(
        0, h.shape[1], np.array(params, dtype=float), h, w, np.empty((2, 0)), grad, hess
    )
    return ll, grad, hess


def one_row(params: tuple[float, ...], x: float, tx: float, t_obs: float):  # type: ignore[no-untyped-def]
    return kernel_terms(params, np.array([x]), np.array([tx]), np.array([t_obs]), np.ones(1))


@settings(max_examples=6, deadline=None)
@given(
    params=st.tuples(positive, positive, positive, positive),
    x=st.integers(0, 1_000),
    frac=st.floats(0.0, 1.0),
    t_obs=st.floats(1e-2, 1e4),
)
@example(params=(0.553, 10.578, 0.606, 11.669), x=2, frac=30.43 / 38.86, t_obs=38.86)
@example(params=(np.exp(-5), np.exp(5), np.exp(5), np.exp(-5)), x=1_000, frac=1e-4, t_obs=1e4)
@example(params=(np.exp(5), np.exp(-5), np.exp(-5), np.exp(5)), x=1_000, frac=0.999, t_obs=1e4)
@example(params=(np.exp(-5), np.exp(-4), np.exp(-5), np.exp(-5)), x=0, frac=0.0, t_obs=1e4)
@example(params=(np.exp(5), np.exp(5), np.exp(5), np.exp(4)), x=1_000, frac=0.5, t_obs=1e4)
def test_hessian_matches_mpmath_at_extreme_inputs(params, x, frac, t_obs) -> None:  # type: ignore[no-untyped-def]
    # the reference switches formulas where alpha = beta, which its numerical derivatives
    # straddle (ties: the central-differences test)
    assume(params[1] != params[3])
    tx = frac * t_obs if x > 0 else 0.0
    if x > 0 and tx == 0.0:
        tx = 1e-3 * t_obs
    ll, grad, hess = one_row(params, float(x), tx, t_obs)
    with mp.workdps(30):
        point = [mp.mpf(v) for v in params]

        def f(*p):  # type: ignore[no-untyped-def]
            return pareto_nbd_loglik_mpmath(p, x, tx, t_obs)

        ref_ll, ref_grad, ref = mpmath_derivatives(f, point)
    assert ll == pytest.approx(ref_ll, rel=1e-11, abs=1e-11)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-8, atol=1e-10 * (1 + abs(ref_ll)))
    # entries are of very different size: compare each against the scale of its row and column
    scale = np.sqrt(np.outer(np.abs(np.diag(ref)), np.abs(np.diag(ref)))) + np.abs(ref)
    # plus the error of the trigamma terms that cancel (each up to ~1/r^2)
    cancel = 1e-13 * (1.0 + 1.0 / params[0] ** 2)
    assert np.all(np.abs(hess - ref) <= 1e-8 * scale + cancel), (hess, ref)


def test_hessian_is_finite_at_extreme_inputs() -> None:
    ends = (np.exp(-5.0), 1.0, np.exp(5.0))
    histories = [
        (1e4, 1e-3, 1e4),
        (1e4, 1e4 - 1e-3, 1e4),
        (1e5, 5e5, 1e6),
        (0.0, 0.0, 1e6),
        (3.0, 1e-9, 1e6),
        (1.0, 1e-9, 1e-3),
        (0.0, 0.0, 0.0),
        (50.0, 20.0, 20.0),
    ]
    x, tx, t_obs = (np.array(c) for c in zip(*histories, strict=True))
    for params in np.array(np.meshgrid(ends, ends, ends, ends)).reshape(4, -1).T:
        for i in range(x.size):
            ll, grad, hess = one_row(tuple(params), x[i], tx[i], t_obs[i])
            assert np.isfinite(ll) and np.all(np.isfinite(grad)) and np.all(np.isfinite(hess))
            np.testing.assert_array_equal(hess, hess.T)


def test_hessian_of_weighted_total_matches_central_differences() -> None:
    rng = np.random.default_rng(5)
    n = 400
    x = np.sort(rng.integers(0, 40, n)).astype(float)
    t_obs = rng.integers(1, 300, n).astype(float)
    tx = np.where(x > 0, np.ceil(t_obs * rng.uniform(0.01, 1, n)), 0.0)
    w = rng.integers(1, 5, n).astype(float)
    hist = np.stack([x, tx, t_obs])

    def value_grad(q: np.ndarray) -> tuple[float, np.ndarray]:
        g = np.empty(4)
        return float(_loglik_kernel(q, hist, w, np.empty((2, 0)), g)), g

    for p in (np.array([0.7, 30.0, 1.3, 2.2]), np.array([2.0, 0.5, 0.3, 80.0]), np.ones(4)):
        ll, grad, hess = kernel_terms(tuple(p), x, tx, t_obs, w)
        assert ll == pytest.approx(value_grad(p)[0], rel=1e-13)
        np.testing.assert_allclose(
            grad, central_differences(lambda q: value_grad(q)[0], p), rtol=1e-6
        )
        np.testing.assert_allclose(
            hess,
            hessian_by_central_differences(lambda q: value_grad(q)[1], p),
            rtol=1e-5,
            atol=1e-6,
        )


@pytest.mark.parametrize("penalizer", [0.0, 0.05])
@pytest.mark.parametrize("sample", ["cdnow", "daily"])
def test_newton_reaches_the_lbfgs_optimum(penalizer: float, sample: str) -> None:
    truth = ParetoNBDModel.from_params(ParetoNBDParams(r=0.55, alpha=74.0, s=0.6, beta=82.0))
    x, tx, t_obs = fit_sample(sample, truth)
    fitted = ParetoNBDModel().fit(frequency=x, recency=tx, T=t_obs, penalizer=penalizer)
    cols, w = compress_weighted([x, tx, t_obs], None)
    ref = lbfgs_fit(ParetoNBDModel(), cols, w, penalizer, tol=1e-12)
    ours = np.array([getattr(fitted.params_, f) for f in FIELDS])
    assert fitted.converged_
    np.testing.assert_allclose(ours, ref.x, rtol=1e-6)
    # both minimise the penalised objective: equal there to 1e-10 ...
    neg_ll = ParetoNBDModel()._neg_log_lik((cols, w))
    objective = penalized(neg_ll, penalizer, float(w.sum()))
    assert objective(ours)[0] == pytest.approx(objective(ref.x)[0], rel=1e-10)
    assert fitted.log_likelihood_ == pytest.approx(-neg_ll(ours)[0], rel=1e-13)
    # ... and the unpenalised log-likelihood to 1e-10, plus (penalised) its first-order change
    # between the two points, where it is not flat
    slope = abs(float(neg_ll(ref.x)[1] @ (ours - ref.x)))
    tol = 1e-10 * abs(ref.log_likelihood) + 2.0 * slope
    assert abs(fitted.log_likelihood_ - ref.log_likelihood) <= tol
    # standard errors: the exact Hessian against finite differences of the gradient
    se = np.array([getattr(fitted.standard_errors_, f) for f in FIELDS])
    np.testing.assert_allclose(se, ref.standard_errors, rtol=1e-4)
