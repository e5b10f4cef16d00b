"""Second-order fits: exact Hessians against mpmath and finite differences, Newton = L-BFGS-B."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from reference import bgnbd_loglik_mpmath
from reference import central_differences
from reference import fit_sample
from reference import hessian_by_central_differences
from reference import lbfgs_fit
from reference import mpmath_derivatives

from custvalue._clv.base import compress_weighted
from custvalue._clv.base import value_index
from custvalue._clv.bgnbd import _loglik_kernel
from custvalue._clv.bgnbd import _loglik_terms
from custvalue.clv import BetaGeoModel
from custvalue.clv import BetaGeoParams
from custvalue.clv import ModifiedBetaGeoModel

mp = pytest.importorskip("mpmath")

MODELS = {"bgnbd": (BetaGeoModel, 0.0), "mbgnbd": (ModifiedBetaGeoModel, 1.0)}

wide = st.floats(min_value=-7.0, max_value=7.0).map(lambda v: float(np.exp(v)))
history = st.tuples(
    st.integers(0, 10_000),
    st.floats(min_value=1e-3, max_value=1.0),
    st.floats(min_value=1e-2, max_value=1e5),
)


def kernel_terms(
    params: tuple[float, ...],
    m: float,
    x: np.ndarray,
    tx: np.ndarray,
    t_obs: np.ndarray,
    w: np.ndarray,
) -> tuple[float, np.ndarray, np.ndarray]:
    t_index, t_values = value_index(t_obs)
    tx_index, tx_values = value_index(tx)
    grad = np.empty(4)
    hess = np.empty((4, 4))
    ll = _loglik_terms(
        np.array([*params, m]),
        x,
        w,
        (t_index, tx_index),
        (t_values, tx_values),
        np.empty((2, 0)),
        grad,
        hess,
    )
    return ll, grad, hess


@pytest.mark.parametrize("model", MODELS)
@settings(max_examples=25, deadline=None)
@given(params=st.tuples(wide, wide, wide, wide), h=history)
def test_hessian_matches_mpmath_at_extreme_inputs(model: str, params, h) -> None:  # type: ignore[no-untyped-def]
    m = MODELS[model][1]
    x, frac, t_obs = h
    tx = frac * t_obs if x > 0 else 0.0
    ll, grad, hess = kernel_terms(
        params, m, np.array([float(x)]), np.array([tx]), np.array([t_obs]), np.ones(1)
    )
    with mp.workdps(40):
        point = [mp.mpf(v) for v in params]
        args = (mp.mpf(x), mp.mpf(tx), mp.mpf(t_obs), m)

        def f(*p):  # type: ignore[no-untyped-def]
            return bgnbd_loglik_mpmath(p, *args)

        ref_ll, ref_grad, ref = mpmath_derivatives(f, point)
    assert ll == pytest.approx(ref_ll, rel=1e-11, abs=1e-10)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-8, atol=1e-9 * (1 + abs(ref_ll)))
    # entries are of very different size: compare each against the scale of its row and column
    scale = np.sqrt(np.outer(np.abs(np.diag(ref)), np.abs(np.diag(ref)))) + np.abs(ref)
    # plus the error of the digamma/trigamma terms that cancel (each up to ~1/min(r, a, b)^2,
    # accurate to 1e-13 relative: custvalue._core.special)
    cancel = 1e-13 * (1.0 + 1.0 / min(params[0], params[2], params[3]) ** 2)
    assert np.all(np.abs(hess - ref) <= 1e-7 * scale + cancel)


@pytest.mark.parametrize("model", MODELS)
def test_hessian_of_weighted_total_matches_central_differences(model: str) -> None:
    m = MODELS[model][1]
    rng = np.random.default_rng(5)
    n = 400
    x = np.sort(rng.integers(0, 40, n)).astype(float)
    t_obs = rng.integers(1, 300, n).astype(float)
    tx = np.where(x > 0, np.ceil(t_obs * rng.uniform(0.01, 1, n)), 0.0)
    w = rng.integers(1, 5, n).astype(float)
    p = np.array([0.7, 30.0, 1.3, 2.2])
    ll, grad, hess = kernel_terms(tuple(p), m, x, tx, t_obs, w)
    hist = np.stack([x, tx, t_obs])

    def value_grad(q: np.ndarray) -> tuple[float, np.ndarray]:
        g = np.empty(4)
        return float(_loglik_kernel(np.append(q, m), hist, w, np.empty((2, 0)), g)), g

    assert ll == pytest.approx(value_grad(p)[0], rel=1e-13)
    np.testing.assert_allclose(grad, central_differences(lambda q: value_grad(q)[0], p), rtol=1e-6)
    np.testing.assert_allclose(
        hess,
        hessian_by_central_differences(lambda q: value_grad(q)[1], p),
        rtol=1e-5,
        atol=1e-6,
    )


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.integers(0, 2_000), min_size=1, max_size=60),
    st.sampled_from([1.0, 0.5, 7.0, 1 / 7]),
)
def test_value_index_reproduces_the_column(values: list[int], unit: float) -> None:
    column = np.array(values, dtype=float) * unit
    index, table = value_index(column)
    assert index.dtype == np.int64
    np.testing.assert_array_equal(table[index], column)
    if np.array_equal(column, np.round(column)) and column.max() < len(values) // 2 + 1024:
        np.testing.assert_array_equal(table, np.arange(table.size))


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("penalizer", [0.0, 0.05])
@pytest.mark.parametrize("sample", ["cdnow", "daily"])
def test_newton_reaches_the_lbfgs_optimum(model: str, penalizer: float, sample: str) -> None:
    model_cls = MODELS[model][0]
    truth = BetaGeoModel.from_params(BetaGeoParams(r=0.25, alpha=30.0, a=0.8, b=2.4))
    x, tx, t_obs = fit_sample(sample, truth)
    fitted = model_cls().fit(frequency=x, recency=tx, T=t_obs, penalizer=penalizer)
    cols, w = compress_weighted([x, tx, t_obs], None)
    ref = lbfgs_fit(model_cls(), cols, w, penalizer)
    ours = np.array([getattr(fitted.params_, f) for f in ("r", "alpha", "a", "b")])
    assert fitted.converged_
    np.testing.assert_allclose(ours, ref.x, rtol=1e-5)
    assert fitted.log_likelihood_ == pytest.approx(ref.log_likelihood, rel=1e-9)
    # standard errors: the exact Hessian against finite differences of the gradient
    se = np.array([getattr(fitted.standard_errors_, f) for f in ("r", "alpha", "a", "b")])
    np.testing.assert_allclose(se, ref.standard_errors, rtol=1e-4)
