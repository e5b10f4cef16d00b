"""The L2 penalty on log-parameters (``penalizer``) of every model's ``fit``.

The reference for the penalised optimum is a direct scipy minimisation of a
log-likelihood written here from the papers with ``scipy.special`` (not the
library's kernels).
"""

from __future__ import annotations

import dataclasses
import itertools
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import optimize
from scipy import special

from custvalue.clv import BetaGeoBetaBinomModel
from custvalue.clv import BetaGeoBetaBinomParams
from custvalue.clv import BetaGeoModel
from custvalue.clv import BetaGeoParams
from custvalue.clv import GammaGammaModel
from custvalue.clv import GammaGammaParams
from custvalue.clv import ModifiedBetaGeoModel
from custvalue.clv import ModifiedBetaGeoParams
from custvalue.clv import ParetoNBDModel
from custvalue.clv import ParetoNBDParams
from custvalue.clv import ShiftedBetaGeoModel
from custvalue.errors import ConvergenceWarning
from custvalue.errors import InputValueError

BG_TRUE = BetaGeoParams(0.243, 4.414, 0.793, 2.426)


def _bg_sample(n: int = 400, seed: int = 3) -> pd.DataFrame:
    return BetaGeoModel.from_params(BG_TRUE).simulate(n, 39.0, seed=seed)


def _bg_loglik(p: np.ndarray, x: np.ndarray, tx: np.ndarray, t: np.ndarray) -> float:
    """FHL (2005) eq. 6, summed, written with scipy.special."""
    r, alpha, a, b = p
    base = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    l1 = special.betaln(a, b + x) - special.betaln(a, b) - (r + x) * np.log(alpha + t)
    l2 = np.where(
        x > 0,
        special.betaln(a + 1, b + np.maximum(x, 1) - 1)
        - special.betaln(a, b)
        - (r + x) * np.log(alpha + tx),
        -np.inf,
    )
    return float(np.sum(base + np.logaddexp(l1, l2)))


def _sample_for(name: str) -> tuple[object, dict[str, object]]:
    if name == "gg":
        sim = GammaGammaModel.from_params(GammaGammaParams(6.25, 3.74, 15.44)).simulate(
            np.arange(1, 301) % 7 + 1, seed=2
        )
        return GammaGammaModel, {"data": sim}
    if name == "bgbb":
        sim = BetaGeoBetaBinomModel.from_params(
            BetaGeoBetaBinomParams(1.204, 0.750, 0.657, 2.783)
        ).simulate(400, 6, seed=2)
        return BetaGeoBetaBinomModel, {"data": sim}
    if name == "sbg":
        return ShiftedBetaGeoModel, {"alive": [1000, 631, 468, 382, 326]}
    model = {"bg": BetaGeoModel, "mbg": ModifiedBetaGeoModel, "pnbd": ParetoNBDModel}[name]
    return model, {"data": _bg_sample()}


def _fit(model: object, kwargs: dict[str, object], **extra: object) -> object:
    kw = dict(kwargs)
    if "alive" in kw:
        return model().fit(kw.pop("alive"), **extra)  # type: ignore[operator]
    return model().fit(kw.pop("data"), **extra)  # type: ignore[operator]


MODELS = ["bg", "mbg", "pnbd", "bgbb", "gg", "sbg"]


@pytest.mark.parametrize("name", MODELS)
def test_zero_penalizer_is_the_plain_fit(name: str) -> None:
    model, kwargs = _sample_for(name)
    plain = _fit(model, kwargs)
    zero = _fit(model, kwargs, penalizer=0.0)
    assert zero.params_ == plain.params_  # type: ignore[attr-defined]
    assert zero.log_likelihood_ == plain.log_likelihood_  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", MODELS)
def test_positive_penalizer_shrinks_log_parameters(name: str) -> None:
    model, kwargs = _sample_for(name)
    plain = _fit(model, kwargs)
    norms = []
    lls = []
    for c in (0.0, 0.01, 0.1, 1.0):
        fitted = _fit(model, kwargs, penalizer=c)
        norms.append(float(np.sum(np.log(list(_values(fitted.params_))) ** 2)))  # type: ignore[attr-defined]
        lls.append(fitted.log_likelihood_)  # type: ignore[attr-defined]
    # the penalty's squared norm of log-parameters decreases, the likelihood falls
    assert all(b <= a + 1e-9 for a, b in itertools.pairwise(norms))
    assert norms[-1] < norms[0]
    assert all(b <= a + 1e-6 for a, b in itertools.pairwise(lls))
    assert lls[0] == pytest.approx(plain.log_likelihood_)  # type: ignore[attr-defined]


def _values(params: object) -> tuple[float, ...]:
    return tuple(float(v) for v in dataclasses.astuple(params))  # type: ignore[call-overload]


@pytest.mark.parametrize("c", [0.01, 0.3])
def test_penalised_optimum_matches_direct_scipy_minimisation(c: float) -> None:
    sim = _bg_sample(300, seed=5)
    x, tx, t = (sim[k].to_numpy(dtype=float) for k in ("frequency", "recency", "T"))
    n = x.size

    def objective(theta: np.ndarray) -> float:
        return -_bg_loglik(np.exp(theta), x, tx, t) / n + c * float(theta @ theta)

    ref = optimize.minimize(
        objective,
        np.zeros(4),
        method="Nelder-Mead",
        options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 20000, "maxfev": 40000},
    )
    fitted = BetaGeoModel().fit(sim, penalizer=c)
    got = np.log(_values(fitted.params_))
    np.testing.assert_allclose(got, ref.x, atol=2e-5)
    # the reported log-likelihood is the unpenalised one at the penalised optimum
    assert fitted.log_likelihood_ == pytest.approx(_bg_loglik(np.exp(got), x, tx, t), rel=1e-10)


def test_penalizer_fixes_a_degenerate_sample() -> None:
    # six customers, all of whom bought right up to the end: nothing identifies dropout
    df = pd.DataFrame(
        {
            "frequency": [3, 5, 2, 4, 6, 1],
            "recency": [10.0, 10.0, 9.5, 10.0, 10.0, 9.8],
            "T": [10.0] * 6,
        }
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        plain = BetaGeoModel().fit(df)
    # the plain search runs off towards the edge (r, alpha and b huge, a tiny)
    assert not plain.converged_ or max(_values(plain.params_)) > 1e4
    assert caught and issubclass(caught[0].category, ConvergenceWarning)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pen = BetaGeoModel().fit(df, penalizer=0.1)
    assert pen.converged_
    assert max(np.abs(np.log(_values(pen.params_)))) < 3.0
    assert np.all(np.isfinite(pen.covariance_))


@pytest.mark.parametrize("bad", [-0.1, np.inf, np.nan])
def test_bad_penalizer_is_refused(bad: float) -> None:
    with pytest.raises(InputValueError, match="penalizer"):
        BetaGeoModel().fit(_bg_sample(50), penalizer=bad)


def test_covariance_is_on_the_log_scale() -> None:
    fitted = BetaGeoModel().fit(_bg_sample(2000, seed=1))
    se = np.array(_values(fitted.standard_errors_))
    est = np.array(_values(fitted.params_))
    # delta method: sd(log θ) = sd(θ) / θ
    np.testing.assert_allclose(np.sqrt(np.diag(fitted.covariance_)), se / est, rtol=1e-8)
    assert BetaGeoModel.from_params(BG_TRUE).covariance_ is None


def test_mbg_and_pareto_accept_penalizer() -> None:
    sim = _bg_sample(300)
    for model, params in (
        (ModifiedBetaGeoModel, ModifiedBetaGeoParams),
        (ParetoNBDModel, ParetoNBDParams),
    ):
        fitted = model().fit(sim, penalizer=0.05)
        assert isinstance(fitted.params_, params)
        assert fitted.converged_
