"""Machinery shared by the CLV models: input resolution, row compression, MLE.

Every model is a thin class around pure functions of a frozen parameter object.
This module holds what the classes share:

- :func:`resolve_inputs` takes ``fit``'s ``data`` frame and/or explicit arrays
  and returns validated float64 arrays;
- :func:`compress_weighted` folds identical input rows into weights (the
  likelihood of a row repeated *k* times is *k* times its log-likelihood), so
  a fit costs O(distinct rows), not O(customers); :func:`compress_with_inverse`
  does the same for predictions, which are expanded back with the inverse index;
- :func:`maximize_likelihood` runs scipy's L-BFGS-B on log-parameters with an
  analytic gradient, raises :class:`~custvalue.errors.ConvergenceError` with
  the optimizer's own message on failure, and computes standard errors from a
  finite-difference Hessian of the analytic gradient;
- :class:`FittedModel` stores the fitted state (``params_``,
  ``log_likelihood_``, ``standard_errors_``, ``converged_``) and builds the
  ``summary()`` table.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any
from typing import ClassVar
from typing import Generic
from typing import Self
from typing import TypeVar
from typing import overload

import numpy as np
import numpy.typing as npt
import pandas as pd
from numpy.random import Generator
from scipy import optimize

from custvalue._clv.covariates import CovariateEncoding
from custvalue._clv.covariates import CovariateLinks
from custvalue._clv.covariates import encode_covariates
from custvalue._clv.docs import FIT_PARAMS
from custvalue._clv.intervals import DEFAULT_DRAWS
from custvalue._clv.intervals import predict_with_interval
from custvalue._core.docs import fill_doc
from custvalue._core.ids import offset_codes_into
from custvalue._core.jit import jit
from custvalue._core.shape import Resolved
from custvalue._core.shape import column_name
from custvalue._core.shape import resolve
from custvalue._core.shape import shape_output
from custvalue._core.summary import check_histories
from custvalue._core.validation import as_float_array
from custvalue._core.validation import check_consistent_length
from custvalue._core.validation import check_dataframe
from custvalue._core.validation import check_scalar
from custvalue._core.validation import common_index
from custvalue.errors import ConvergenceError
from custvalue.errors import ConvergenceWarning
from custvalue.errors import InputTypeError
from custvalue.errors import InputValueError
from custvalue.errors import NotFittedError
from custvalue.errors import StandardErrorWarning

__all__ = [
    "BetaGeometricModel",
    "Columns",
    "CovariateData",
    "FitResult",
    "FittedModel",
    "HistoryModel",
    "NegLogLik",
    "PositiveParams",
    "RowParams",
    "as_horizon",
    "check_params",
    "compress_for_prediction",
    "compress_weighted",
    "compress_with_inverse",
    "expand",
    "history_inputs",
    "log_scale_covariance",
    "maximize_likelihood",
    "penalized",
    "per_row",
    "resolve_inputs",
    "resolve_weights",
    "rfm_arrays",
    "rows_of",
    "unchecked_params",
    "value_index",
]

FloatArray = npt.NDArray[np.float64]
P = TypeVar("P")

#: Array-like input of a prediction that is not a Series (gives an ndarray).
ArrayInput = Sequence[float] | npt.NDArray[Any]

#: The columns of a simulated frame, by name.
Columns = dict[str, npt.NDArray[Any]]

#: ``f(params) -> (negative log-likelihood, gradient w.r.t. params)``, params in natural scale.
NegLogLik = Callable[[FloatArray], tuple[float, FloatArray]]
#: negative log-likelihood with its gradient and Hessian, all in natural parameters
NegLogLikHessian = Callable[[FloatArray], tuple[float, FloatArray, FloatArray]]


def resolve_inputs(
    data: pd.DataFrame | None,
    given: Mapping[str, object | None],
    *,
    integer: Sequence[str] = (),
    positive: Sequence[str] = (),
) -> dict[str, FloatArray]:
    """Collect validated float64 arrays for each name in ``given``.

    An explicitly passed array wins; a string names a column of ``data``
    (``fit(data, n_periods="periods")``); ``None`` takes the column of that
    name from ``data``, or ``name + "_cal"`` when that is absent (the output of
    :func:`custvalue.rfm.calibration_holdout_summary` fits directly).  Every
    array is checked to be finite and non-negative (``positive`` names must be
    > 0, ``integer`` names whole numbers) and all must have the same length.
    """
    if data is not None:
        data = check_dataframe(data, "data")
    out: dict[str, FloatArray] = {}
    for name, value in given.items():
        if isinstance(value, str):
            if data is None:
                raise InputValueError(
                    f"`{name}` names the column {value!r}, but no `data` was passed; "
                    f"pass the DataFrame as `data` or the values of `{name}` themselves."
                )
            check_dataframe(data, "data", [value])
            value = data[value]
        if value is None:
            if data is None:
                raise InputValueError(
                    f"`{name}` is missing: pass `data` (e.g. the output of "
                    f"custvalue.rfm.rfm_summary) or the `{name}` array itself."
                )
            value = data[column_name(data, name)]
        out[name] = as_float_array(
            value, name, nonnegative=True, positive=name in positive, integer=name in integer
        )
    check_consistent_length(**out)
    return out


@dataclasses.dataclass(frozen=True, slots=True)
class PositiveParams:
    """Base of the models' parameter dataclasses: every field is a finite number > 0.

    Checked on construction; standard errors, which may be NaN, are built with
    :func:`unchecked_params` instead.
    """

    def __post_init__(self) -> None:
        check_params(self, [f.name for f in dataclasses.fields(self)])


@dataclasses.dataclass(frozen=True, slots=True)
class FitResult:
    """Outcome of :func:`maximize_likelihood` (natural-scale parameters)."""

    x: FloatArray
    log_likelihood: float
    standard_errors: FloatArray
    converged: bool
    message: str
    n_iterations: int
    #: covariance of ``log(params)`` (inverse observed information on the log scale);
    #: None where the search does not provide it, NaN where the information is singular
    covariance: FloatArray | None = None


def _hessian(neg_ll: NegLogLik, x: FloatArray, n_free: int = 0) -> FloatArray:
    """Central finite differences of the analytic gradient (relative steps).

    The last ``n_free`` parameters (unbounded coefficients, possibly 0) take
    steps relative to ``max(|x|, 1)``.
    """
    k = x.size
    h = np.empty((k, k))
    for i in range(k):
        step = 1e-5 * max(abs(x[i]), 1.0 if i >= k - n_free else 1e-8)
        up, down = x.copy(), x.copy()
        up[i] += step
        down[i] -= step
        h[:, i] = (neg_ll(up)[1] - neg_ll(down)[1]) / (2.0 * step)
    return 0.5 * (h + h.T)


def _standard_errors(hess: FloatArray) -> FloatArray:
    """Square roots of the diagonal of the inverse Hessian (NaN where not identifiable)."""
    try:
        cov = np.linalg.inv(hess)
    except np.linalg.LinAlgError:
        return np.full(hess.shape[0], np.nan)
    diag = np.diag(cov)
    return np.where(diag > 0, np.sqrt(np.abs(diag)), np.nan)


def log_scale_covariance(hess: FloatArray, x: FloatArray, n_free: int = 0) -> FloatArray:
    """Covariance of ``log(params)`` from the natural-scale Hessian ``hess`` at ``x``.

    By the delta method ``Cov(log θ) = D⁻¹ H⁻¹ D⁻¹`` with ``D = diag(θ)``; at
    an optimum (zero gradient) this is exactly the inverse Hessian of the
    objective in log-parameters.  All NaN when ``hess`` is singular or the
    inverse is not positive definite (the parameters are not identified).
    The last ``n_free`` parameters (coefficients) stay on their own scale.
    """
    k = x.size
    try:
        cov = np.linalg.inv(hess)
        np.linalg.cholesky(0.5 * (cov + cov.T))
    except np.linalg.LinAlgError:
        return np.full((k, k), np.nan)
    d = _search_jacobian(x, n_free)
    out = cov / np.outer(d, d)
    return np.asarray(0.5 * (out + out.T), dtype=np.float64)


def _search_jacobian(x: FloatArray, n_free: int) -> FloatArray:
    """``d x / d (search variable)``: ``x`` for log-parameters, 1 for the last ``n_free``."""
    d = np.array(x, dtype=np.float64)
    d[d.size - n_free :] = 1.0
    return d


def _to_search(x: FloatArray, n_free: int) -> FloatArray:
    """Return the search variables: logs of the parameters, the last ``n_free`` as they are."""
    out = np.array(x, dtype=np.float64)
    k = out.size - n_free
    out[:k] = np.log(out[:k])
    return out


def _from_search(theta: FloatArray, n_free: int) -> FloatArray:
    out = np.array(theta, dtype=np.float64)
    k = out.size - n_free
    out[:k] = np.exp(out[:k])
    return out


def penalized(
    neg_log_lik: NegLogLik, penalizer: float, total_weight: float, n_free: int = 0
) -> NegLogLik:
    r"""Add the L2 penalty on log-parameters to a negative log-likelihood.

    Returns :math:`f(\theta) = -\ell(\theta) + c\,W \sum_j (\log\theta_j)^2`
    (``c`` = ``penalizer``, ``W`` = ``total_weight``, the number of customers) and
    its gradient in natural parameters; ``penalizer = 0`` returns ``neg_log_lik``.
    The last ``n_free`` parameters (covariate coefficients) enter as
    :math:`c\,W\gamma^2` instead.
    """
    if penalizer == 0.0:
        return neg_log_lik
    weight = penalizer * max(total_weight, 1.0)

    def pen(theta: FloatArray) -> tuple[float, FloatArray]:
        value, grad = neg_log_lik(theta)
        log_t = _to_search(theta, n_free)
        return (
            value + weight * float(log_t @ log_t),
            grad + 2.0 * weight * log_t / _search_jacobian(theta, n_free),
        )

    return pen


def maximize_likelihood(
    neg_log_lik: NegLogLik,
    x0: FloatArray,
    *,
    total_weight: float,
    names: Sequence[str],
    max_iter: int = 2000,
    tol: float = 1e-9,
    penalizer: float = 0.0,
    n_free: int = 0,
    hessian: NegLogLikHessian | None = None,
) -> FitResult:
    r"""Minimise ``neg_log_lik`` over positive parameters (Newton, else L-BFGS-B).

    The search runs on ``log(params)`` (so positivity needs no bounds) with the
    objective divided by ``total_weight`` (so tolerances do not depend on the
    number of customers); ``tol`` is the tolerance on that scaled gradient.
    A search that ends at a finite point without meeting ``tol`` (e.g. on the
    iteration limit) returns it with ``converged=False``; one that finds no
    finite optimum, or runs to the edge of the parameter space, raises
    :class:`~custvalue.errors.ConvergenceError` carrying scipy's message.

    With ``penalizer`` :math:`c > 0` the objective is the penalised one of
    :func:`penalized` (per customer: :math:`-\ell/W + c\sum_j(\log\theta_j)^2`);
    ``log_likelihood`` is the unpenalised log-likelihood at its optimum and the
    standard errors and ``covariance`` come from the Hessian of the penalised
    objective (the curvature of the posterior under the implied normal prior).

    The last ``n_free`` parameters are real coefficients (covariate effects):
    searched as they are (within ±30), their standard errors and covariance on
    their own scale.

    With ``hessian`` (the same objective with its exact Hessian; no
    coefficients), the search is a trust-region Newton method
    (:func:`_newton_search`): a handful of passes over the rows instead of the
    dozens L-BFGS-B makes, and standard errors from the exact Hessian.  When
    it does not converge inside the ±30 box, L-BFGS-B runs from ``x0``.
    """
    scale = 1.0 / max(total_weight, 1.0)
    objective_nll = penalized(neg_log_lik, penalizer, total_weight, n_free)

    def objective(theta: FloatArray) -> tuple[float, FloatArray]:
        p = _from_search(theta, n_free)
        value, grad = objective_nll(p)
        if not np.isfinite(value) or not np.all(np.isfinite(grad)):
            # Steer the line search back from numerically impossible regions.
            return np.inf, np.zeros_like(theta)
        return value * scale, grad * _search_jacobian(p, n_free) * scale

    theta0 = _to_search(np.asarray(x0, dtype=np.float64), n_free)
    res = None
    if hessian is not None and n_free == 0:
        res = _newton_search(
            hessian, theta0, scale, penalizer * max(total_weight, 1.0), max_iter, tol
        )
    if res is None:
        res = optimize.minimize(
            objective,
            theta0,
            jac=True,
            method="L-BFGS-B",
            bounds=[(-30.0, 30.0)] * len(names),
            options={"maxiter": max_iter, "ftol": 1e-15, "gtol": tol, "maxcor": 30},
        )
    x = _from_search(res.x, n_free)
    if hessian is not None and n_free == 0:
        value, grad, hess = hessian(x)
    else:
        value, grad = neg_log_lik(x)
    at_bound = np.abs(res.x) >= 30.0 - 1e-9
    if not np.isfinite(value) or not np.all(np.isfinite(grad)):
        raise ConvergenceError(
            f"maximum-likelihood search did not converge: {res.message} "
            f"(iterations: {res.nit}, parameters {dict(zip(names, x, strict=True))}); "
            f"check the input data or start from other initial parameters."
        )
    if at_bound.any():
        bad = [n for n, b in zip(names, at_bound, strict=True) if b]
        raise ConvergenceError(
            f"maximum-likelihood search ran to the edge of the parameter space for "
            f"{', '.join(bad)} (the data do not identify the model); "
            f"check the input data or use a simpler model."
        )
    if hessian is not None and n_free == 0:
        pen_grad, hess = _penalize_hessian(grad, hess, x, penalizer * max(total_weight, 1.0))
    else:
        hess = _hessian(objective_nll, x, n_free)
        pen_grad = objective_nll(x)[1] if penalizer else grad
    jac = _search_jacobian(x, n_free)
    covariance = log_scale_covariance(hess, x, n_free)
    # a search stopped on a flat edge has a tiny gradient too: an optimum also needs a
    # positive definite Hessian
    # (checked where the exact Hessian is known)
    stopped_at_optimum = _gradient_small(pen_grad, jac, scale, tol) and (
        hessian is None or bool(np.all(np.isfinite(covariance)))
    )
    return FitResult(
        x=x,
        log_likelihood=-float(value),
        standard_errors=_standard_errors(hess),
        converged=bool(res.success or stopped_at_optimum),
        message=str(res.message),
        n_iterations=int(res.nit),
        covariance=covariance,
    )


def _newton_search(
    hessian: NegLogLikHessian,
    theta0: FloatArray,
    scale: float,
    penalty: float,
    max_iter: int,
    tol: float,
) -> optimize.OptimizeResult | None:
    """Minimise the scaled, penalised objective in log-parameters with ``trust-exact``.

    Each trial point costs one pass (value, gradient and Hessian together,
    cached for the calls at the same point).  In ``θ = log p``:
    ``∇_θ = p ∘ ∇_p`` and ``∇²_θ = diag(p) ∇²_p diag(p) + diag(p ∘ ∇_p)``; the
    penalty ``c W |θ|²`` adds ``2cWθ`` and ``2cW I``.  Returns None (the caller
    falls back to L-BFGS-B) unless the search converged to a finite point
    inside the box ``|θ| < 30``.
    """
    last: list[Any] = [None]

    def evaluate(theta: FloatArray) -> tuple[float, FloatArray, FloatArray]:
        cached = last[0]
        if cached is not None and np.array_equal(cached[0], theta):
            return cached[1]  # type: ignore[no-any-return]
        p = np.exp(theta)
        value, grad, hess = hessian(p)
        g = grad * p
        h = hess * np.outer(p, p) + np.diag(g)
        value = value + penalty * float(theta @ theta)
        g = g + 2.0 * penalty * theta
        h = h + 2.0 * penalty * np.eye(theta.size)
        if not (np.isfinite(value) and np.all(np.isfinite(g)) and np.all(np.isfinite(h))):
            out = (np.inf, np.zeros_like(theta), np.eye(theta.size))
        else:
            out = (value * scale, g * scale, h * scale)
        last[0] = (theta.copy(), out)
        return out

    if not np.isfinite(evaluate(theta0)[0]):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = optimize.minimize(
            lambda t: evaluate(t)[0],
            theta0,
            jac=lambda t: evaluate(t)[1],
            hess=lambda t: evaluate(t)[2],
            method="trust-exact",
            options={"maxiter": min(max_iter, 200), "gtol": tol},
        )
    if not res.success and np.all(np.isfinite(res.x)):
        _finish_with_newton_steps(evaluate, res, tol)
    if not (res.success and np.all(np.isfinite(res.x)) and np.all(np.abs(res.x) < 30.0)):
        return None
    return res


def _finish_with_newton_steps(
    evaluate: Callable[[FloatArray], tuple[float, FloatArray, FloatArray]],
    res: optimize.OptimizeResult,
    tol: float,
) -> None:
    """Finish a trust-region search that stalled on rounding next to the optimum.

    ``trust-exact`` gives up ("failure to predict improvement") where the
    decrease it predicts is below the rounding of the objective although the
    gradient is still above ``tol``.  There, with a positive definite Hessian,
    plain Newton steps converge quadratically: at most three small ones are
    taken, and ``res`` is marked successful when the gradient meets ``tol``
    without the objective rising beyond its rounding.
    """
    theta = np.asarray(res.x, dtype=np.float64)
    value, grad, hess = evaluate(theta)
    start = value
    for _ in range(3):
        if np.max(np.abs(grad)) <= tol:
            res.x, res.success = theta, True
            res.message = f"{res.message} (finished with Newton steps)"
            return
        try:
            chol = np.linalg.cholesky(hess)
        except np.linalg.LinAlgError:
            return
        step = np.linalg.solve(chol.T, np.linalg.solve(chol, grad))
        if not np.max(np.abs(step)) < 1e-3:
            return
        theta = theta - step
        value, grad, hess = evaluate(theta)
        if not value <= start + 1e-13 * abs(start):
            return


def _penalize_hessian(
    grad: FloatArray, hess: FloatArray, x: FloatArray, penalty: float
) -> tuple[FloatArray, FloatArray]:
    """Gradient and Hessian in natural parameters with the penalty ``c W Σ log²(x)`` added."""
    if penalty == 0.0:
        return grad, hess
    log_x = np.log(x)
    return (
        grad + 2.0 * penalty * log_x / x,
        hess + np.diag(2.0 * penalty * (1.0 - log_x) / (x * x)),
    )


def _gradient_small(grad: FloatArray, jac: FloatArray, scale: float, tol: float) -> bool:
    # L-BFGS-B may stop on "ABNORMAL" line searches at an optimum that is only limited by
    # floating-point precision; accept it when the scaled search-variable gradient is tiny.
    return bool(np.max(np.abs(grad * jac * scale)) < max(tol, 1e-5))


@dataclasses.dataclass(frozen=True, slots=True)
class CovariateData:
    """Base of the prepared data of a fit with covariates (the fit template's ``prepared``).

    ``z`` is the design (one row per prepared row or group), ``encoding`` how
    it was built; :meth:`FittedModel._maximize` appends one coefficient per
    process and design column to the search.
    """

    z: FloatArray
    encoding: CovariateEncoding


class FittedModel(Generic[P]):
    """Base of the CLV model classes: fitted state, ``summary()`` and parameter access.

    Subclasses set ``params_type`` (a frozen dataclass of positive floats) and
    call :meth:`_set_fit` from their ``fit``.
    """

    params_type: ClassVar[type[Any]]
    params_: P
    standard_errors_: P
    log_likelihood_: float
    converged_: bool
    #: covariance of the log-parameters at the optimum (None: not available)
    covariance_: FloatArray | None

    @classmethod
    def from_params(cls, params: P) -> Self:
        """Return a model that uses known parameters instead of fitting them.

        ``log_likelihood_`` and ``standard_errors_`` stay unset and
        ``covariance_`` is None (prediction intervals need a fitted model).

        Raises
        ------
        InputTypeError
            If ``params`` is not the model's parameter dataclass, or a field is
            not a real number.
        InputValueError
            If a parameter is not finite and > 0.
        """
        if not isinstance(params, cls.params_type):
            raise InputTypeError(
                f"`params` must be a {cls.params_type.__name__}, got {type(params).__name__}."
            )
        check_params(params, [f.name for f in dataclasses.fields(params)])
        model = cls()
        model.params_ = params
        model.covariance_ = None
        return model

    # -- the one fit template ----------------------------------------------------------
    def _fit(
        self,
        prepared: Any,
        initial_params: object,
        max_iter: object,
        tol: object,
        penalizer: object = 0.0,
    ) -> Self:
        """Fit template: controls → start values → maximize → store (→ warn).

        ``prepared`` is what the model's ``fit`` made of its inputs (validated,
        compressed rows); the hooks :meth:`_start_values`, :meth:`_neg_log_lik`,
        :meth:`_total_weight` (and, for special searches, :meth:`_maximize`)
        interpret it.  ``penalizer`` (>= 0) adds the L2 penalty on
        log-parameters of :func:`penalized`.
        """
        iters = int(check_scalar(max_iter, "max_iter", integer=True, low=1))
        tolerance = check_scalar(tol, "tol", low=0.0, low_inclusive=False)
        pen = float(check_scalar(penalizer, "penalizer", low=0.0))
        if initial_params is None:
            x0 = self._start_values(prepared)
        else:
            x0 = self._initial_vector(initial_params)
        result = self._maximize(prepared, x0, iters, tolerance, pen)
        self._set_fit(result)
        if not result.converged:
            warnings.warn(
                ConvergenceWarning(
                    f"{type(self).__name__}.fit stopped before meeting tol={tolerance:g} "
                    f"({result.message}; {result.n_iterations} iterations): the parameters of "
                    f"the last iterate are kept and converged_ is False; fit again with a "
                    f"larger max_iter (now {iters}) or other initial_params."
                ),
                stacklevel=3,
            )
        return self

    def _initial_vector(self, initial_params: object) -> FloatArray:
        name = self.params_type.__name__
        if not isinstance(initial_params, self.params_type):
            raise InputTypeError(
                f"`initial_params` must be a {name}, got {type(initial_params).__name__}; "
                f"build one with {name}(...)."
            )
        return np.array(dataclasses.astuple(initial_params), dtype=np.float64)

    def _param_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(self.params_type))

    def _start_values(self, prepared: Any) -> FloatArray:
        """Return the default start of the search (hook)."""
        return np.ones(len(self._param_names()))

    def _neg_log_lik(self, prepared: Any) -> NegLogLik:
        """Return the negative log-likelihood and its gradient over the rows (hook)."""
        raise NotImplementedError

    def _total_weight(self, prepared: Any) -> float:
        """Return the number of customers behind the prepared rows (hook)."""
        raise NotImplementedError

    def _neg_log_lik_hessian(self, prepared: Any) -> NegLogLikHessian | None:
        """Return :meth:`_neg_log_lik` with its exact Hessian (hook; None: not available)."""
        return None

    def _maximize(
        self, prepared: Any, x0: FloatArray, max_iter: int, tol: float, penalizer: float = 0.0
    ) -> FitResult:
        """Run the search, L-BFGS-B by default (hook); covariate coefficients start at 0."""
        names = list(self._param_names())
        n_free = 0
        if isinstance(prepared, CovariateData):
            coef_names = self._coef_names(prepared.encoding)
            n_free = len(coef_names)
            names += coef_names
            x0 = np.concatenate([x0[: len(self._param_names())], np.zeros(n_free)])
        return maximize_likelihood(
            self._neg_log_lik(prepared),
            x0,
            total_weight=self._total_weight(prepared),
            names=names,
            max_iter=max_iter,
            tol=tol,
            penalizer=penalizer,
            n_free=n_free,
            hessian=None if n_free else self._neg_log_lik_hessian(prepared),
        )

    def _set_fit(self, result: FitResult) -> None:
        k = len(self._param_names())
        # covariate coefficients follow the parameters
        self._coef = result.x[k:].copy() if result.x.size > k else None
        self._coef_se = result.standard_errors[k:].copy() if result.x.size > k else None
        self.params_ = self.params_type(*map(float, result.x[:k]))
        # Standard errors of parameters the data do not identify are NaN: no validation.
        self.standard_errors_ = unchecked_params(self.params_type, result.standard_errors[:k])
        self.log_likelihood_ = result.log_likelihood
        self.converged_ = result.converged
        self.covariance_ = result.covariance

    def _fitted_params(self) -> P:
        try:
            return self.params_
        except AttributeError:
            raise NotFittedError(
                f"this {type(self).__name__} has no parameters yet; call .fit(...) first "
                f"or build it with {type(self).__name__}.from_params(...)."
            ) from None

    # -- covariates ----------------------------------------------------------------------
    #: how covariates scale the parameters; None where the model takes no covariates
    _covariate_links: ClassVar[CovariateLinks | None] = None
    #: the encoding of the covariates of the fit (None: fitted without covariates)
    _encoding: CovariateEncoding | None = None
    _coef: FloatArray | None = None
    _coef_se: FloatArray | None = None

    def _refuse_covariates(self, covariates: object) -> None:
        """Raise when ``covariates`` are given to a model that takes none."""
        if covariates is not None and self._covariate_links is None:
            raise InputValueError(
                f"`covariates`: {type(self).__name__} does not take covariates (BetaGeoModel, "
                f"ModifiedBetaGeoModel, ParetoNBDModel and GammaGammaModel do); fit without "
                f"them."
            )

    @property
    def covariate_names_(self) -> tuple[str, ...]:
        """The design columns of the covariates of the fit (``()`` without covariates)."""
        return () if self._encoding is None else self._encoding.names

    @property
    def coefficients_(self) -> pd.Series:
        """The fitted covariate coefficients, named ``gamma_<process>[<column>]``."""
        if self._encoding is None or self._coef is None:
            return pd.Series(np.empty(0), name="coefficient", dtype=np.float64)
        return pd.Series(self._coef, index=self._coef_names(self._encoding), name="coefficient")

    def _coef_names(self, encoding: CovariateEncoding) -> list[str]:
        links = self._covariate_links or {}
        return [
            f"gamma_{proc}[{encoding.names[i]}]"
            for proc in links
            for i in encoding.design_columns(proc)
        ]

    def _more_summary_rows(self) -> tuple[list[str], FloatArray, FloatArray]:
        """Names, estimates and standard errors of the coefficient rows of :meth:`summary`."""
        if self._encoding is None or self._coef is None or self._coef_se is None:
            return [], np.empty(0), np.empty(0)
        return self._coef_names(self._encoding), self._coef, self._coef_se

    def _scaled(
        self, p: FloatArray, z: FloatArray, coef: FloatArray, encoding: CovariateEncoding
    ) -> FloatArray:
        """Per-row parameters ``(n, k)``: ``p`` scaled by ``exp(sign * gamma'z)`` per process."""
        out = np.tile(p, (z.shape[0], 1))
        start = 0
        for proc, links in (self._covariate_links or {}).items():
            cols = encoding.design_columns(proc)
            eta = z[:, cols] @ coef[start : start + cols.size]
            start += cols.size
            for j, sign in links:
                out[:, j] *= np.exp(sign * eta)
        return out

    def _customer_params(self, data: pd.DataFrame) -> FloatArray:
        """Each customer's parameters ``(n, k)`` from the covariate columns of ``data``."""
        if self._encoding is None or self._coef is None:
            raise InputValueError(f"this {type(self).__name__} was fitted without covariates.")
        z = self._encoding.transform(data)
        return self._scaled(self._param_vector(), z, self._coef, self._encoding)

    def _interval_estimate(self) -> FloatArray:
        """Return the estimate on the scale of ``covariance_``: log-parameters, coefficients."""
        est = np.log(self._param_vector())
        return est if self._coef is None else np.concatenate([est, self._coef])

    def _from_interval_draw(self, values: FloatArray) -> Self:
        """Return a copy of the model at drawn values (the scale of :meth:`_interval_estimate`)."""
        k = len(self._param_names())
        copy = self.from_params(self.params_type(*map(float, np.exp(values[:k]))))
        if self._encoding is not None:
            copy._encoding = self._encoding
            copy._coef = np.array(values[k:], dtype=np.float64)
        return copy

    def _param_vector(self) -> FloatArray:
        """Return the fitted parameters as a float64 vector (in the dataclass's order)."""
        fitted: Any = self._fitted_params()
        return np.array(dataclasses.astuple(fitted), dtype=np.float64)

    def _params_for(self, data: pd.DataFrame | None, res: Resolved, method: str) -> RowParams:
        """Return the parameters of the rows of ``res`` (per customer with covariates).

        With covariates, the rows must come from ``data=`` (one per customer,
        its covariate columns read there); the scaled parameters are arrays,
        the others floats.
        """
        if self._encoding is None:
            return tuple(float(v) for v in self._param_vector())
        name = type(self).__name__
        if data is None or res.index is None or res.size != len(res.index):
            raise InputValueError(
                f"this {name} was fitted with covariates {list(self._encoding.sources)}: pass "
                f"each customer's history and covariates as columns of `data=` (other "
                f"arguments as scalars or column names of `data`), e.g. "
                f"model.{method}(..., data=frame)."
            )
        per = self._customer_params(check_dataframe(data, "data"))
        scaled = {j for links in (self._covariate_links or {}).values() for j, _ in links}
        return tuple(
            np.ascontiguousarray(per[:, j]) if j in scaled else float(per[0, j])
            for j in range(per.shape[1])
        )

    def _simulation_params(
        self, n: int, covariates: object, coefficients: Mapping[str, float] | None
    ) -> tuple[pd.DataFrame, FloatArray]:
        """Return the covariate frame of :meth:`simulate` and each customer's parameters."""
        name = type(self).__name__
        if self._covariate_links is None:
            raise InputValueError(f"`covariates`: {name} does not take covariates.")
        if not isinstance(covariates, pd.DataFrame) or covariates.shape[0] != n:
            raise InputTypeError(
                f"`covariates` must be a DataFrame with one row per simulated customer "
                f"({n} rows), got {type(covariates).__name__}."
            )
        if self._encoding is not None and self._coef is not None:
            if coefficients is not None:
                raise InputValueError(
                    f"`coefficients`: this {name} has fitted coefficients; simulate from a "
                    f"model built with from_params to choose others."
                )
            return covariates, self._customer_params(covariates)
        encoding, z = encode_covariates(None, covariates, n, tuple(self._covariate_links))
        names = self._coef_names(encoding)
        given = dict(coefficients or {})
        unknown = sorted(set(given) - set(names))
        if unknown:
            raise InputValueError(
                f"`coefficients` has names {unknown} that are not coefficients of these "
                f"covariates; use names among {names}."
            )
        coef = np.array([float(given.get(c, 0.0)) for c in names])
        return covariates, self._scaled(self._param_vector(), z, coef, encoding)

    def summary(self) -> pd.DataFrame:
        """Table of the fitted parameters: estimate, standard error and 95 % Wald interval.

        Standard errors are never missing silently: a parameter without one
        (built with ``from_params``, or not identified by the data at the
        optimum — the observed information is singular there) has NaN in
        ``std_error``, ``lower_95`` and ``upper_95``, the reason in the
        ``note`` column (empty otherwise), and the call issues a
        :class:`~custvalue.errors.StandardErrorWarning`.
        """
        params = self._fitted_params()
        names = [f.name for f in dataclasses.fields(params)]  # type: ignore[arg-type]
        est = np.array([getattr(params, n) for n in names])
        se_obj = getattr(self, "standard_errors_", None)
        if se_obj is None:
            se = np.full(len(names), np.nan)
            reason = "no standard error: parameters given with from_params"
        else:
            se = np.array([getattr(se_obj, n) for n in names])
            reason = "no standard error: not identified by the data (singular information)"
        more_names, more_est, more_se = self._more_summary_rows()
        names += more_names
        est = np.concatenate([est, more_est])
        se = np.concatenate([se, more_se])
        missing = ~np.isfinite(se)
        table = pd.DataFrame(
            {
                "estimate": est,
                "std_error": se,
                "lower_95": est - 1.959963984540054 * se,
                "upper_95": est + 1.959963984540054 * se,
                "note": np.where(missing, reason, ""),
            },
            index=pd.Index(names, name="parameter"),
        )
        if missing.any():
            listed = ", ".join(n for n, m in zip(names, missing, strict=True) if m)
            warnings.warn(
                StandardErrorWarning(
                    f"{type(self).__name__}.summary(): {reason} for {listed}; see the "
                    f"'note' column."
                ),
                stacklevel=2,
            )
        return table

    def __repr__(self) -> str:
        params = getattr(self, "params_", None)
        return f"{type(self).__name__}({'unfitted' if params is None else params})"


def check_params(obj: object, names: Sequence[str]) -> None:
    """Check that every named field of a parameter dataclass is a finite number > 0."""
    for name in names:
        value = getattr(obj, name)
        if isinstance(value, bool | np.bool_) or not isinstance(value, int | float | np.number):
            raise InputTypeError(f"parameter `{name}` must be a real number, got {value!r}.")
        if not (np.isfinite(value) and value > 0):
            raise InputValueError(f"parameter `{name}` must be finite and > 0, got {value!r}.")


def rfm_arrays(
    data: pd.DataFrame | None,
    frequency: object,
    recency: object,
    T: object,
) -> tuple[FloatArray, FloatArray, FloatArray, pd.Index | None]:
    """Validate ``(frequency, recency, T)`` and check that each row is a possible history.

    Returns the three float64 arrays and the index of the first Series input
    (or of ``data``'s columns when taken from ``data``).
    """
    if data is not None:
        data = check_dataframe(data, "data")
    cols = resolve_inputs(
        data, {"frequency": frequency, "recency": recency, "T": T}, integer=["frequency"]
    )
    x, tx, t_obs = cols["frequency"], cols["recency"], cols["T"]
    index = common_index(frequency, recency, T)
    if index is None and data is not None:
        index = data.index
    check_histories(x, tx, t_obs, index)
    return x, tx, t_obs, index


def history_inputs(
    frequency: object,
    recency: object,
    T: object,
    data: pd.DataFrame | None,
    extra: Mapping[str, object] | None = None,
    *,
    T_name: str = "T",
    integer: Sequence[str] = (),
) -> tuple[Resolved, FloatArray, FloatArray, FloatArray]:
    """Resolve a prediction's inputs (:func:`custvalue._core.shape.resolve`) and check histories.

    Returns the resolved inputs and the contiguous ``frequency``, ``recency``
    and ``T`` arrays (each row checked to be a possible history).  ``extra``
    holds further inputs (a horizon ``t`` ...) that broadcast with them.
    """
    res = resolve(
        {"frequency": frequency, "recency": recency, T_name: T, **(extra or {})},
        data=data,
        integer=("frequency", *integer),
    )
    x, tx, t_obs = (np.ascontiguousarray(res.arrays[k]) for k in ("frequency", "recency", T_name))
    if T_name == "T":
        check_histories(x, tx, t_obs, res.index)
    return res, x, tx, t_obs


def as_horizon(t: object, n: int, name: str = "t") -> FloatArray:
    """Validate a non-negative horizon (scalar or one value per customer) and broadcast it."""
    arr = as_float_array(t, name, nonnegative=True)
    if arr.size == 1:
        return np.full(n, arr[0])
    check_consistent_length(**{name: arr, "frequency": np.empty(n)})
    return arr


@jit
def _whole_number_span(col: FloatArray) -> tuple[float, float, bool]:
    """Minimum, maximum and whether every value is a whole number (one pass)."""
    lo = np.inf
    hi = -np.inf
    whole = True
    for v in col:
        lo = min(lo, v)
        hi = max(hi, v)
        if whole and math.floor(v) != v:
            whole = False
    return lo, hi, whole


@jit
def _add_to_key(key: npt.NDArray[np.int64], col: FloatArray, lo: float, radix: int) -> None:
    for i in range(key.shape[0]):
        key[i] = key[i] * radix + np.int64(col[i] - lo)


@jit
def _add_codes_to_key(
    key: npt.NDArray[np.int64], codes: npt.NDArray[np.int64], radix: int
) -> None:
    for i in range(key.shape[0]):
        key[i] = key[i] * radix + codes[i]


Span = tuple[float, float, bool]  # minimum, maximum, all whole numbers (_whole_number_span)


def compress_with_inverse(
    columns: list[FloatArray], spans: list[Span] | None = None
) -> tuple[list[FloatArray], npt.NDArray[np.intp]]:
    """Distinct rows of ``columns`` and the inverse index (``rows[i][inverse] == columns[i]``).

    Hash-free and O(n) for whole-number columns (weekly or daily summaries):
    each column is coded by its offset from the minimum, the codes form one
    integer key, and keys are deduplicated by direct addressing (rows come out
    sorted lexicographically).  Other columns are coded with
    ``pandas.factorize`` first; keys too wide for direct addressing are
    factorized.  Several times faster than a lexicographic sort for millions of rows.
    ``spans``: the columns' :func:`_whole_number_span`, when already known.
    """
    n = columns[0].shape[0]
    key = np.zeros(n, dtype=np.int64)
    decoders: list[tuple[float | FloatArray, int]] = []
    capacity = 1
    if spans is None:
        spans = [_whole_number_span(col) if n else (0.0, 0.0, True) for col in columns]
    for col, (lo, hi, whole) in zip(columns, spans, strict=True):
        if whole and hi - lo < 2**24:
            radix = int(hi - lo) + 1
            if capacity > (2**62) // radix:
                return _compress_slow(columns)
            _add_to_key(key, col, lo, radix)
            decoders.append((lo, radix))
        else:
            codes, uniq_vals = pd.factorize(col, sort=False)
            radix = max(len(uniq_vals), 1)
            if capacity > (2**62) // radix:
                return _compress_slow(columns)
            _add_codes_to_key(key, codes.astype(np.int64), radix)
            decoders.append((np.asarray(uniq_vals, dtype=np.float64), radix))
        capacity *= radix
    if capacity <= max(4 * n, 1 << 22):  # by direct addressing (the core's offset coding)
        uniq = offset_codes_into(key, 0, capacity, key)
        inverse = key  # the codes, written over the keys
    else:
        inv, uniq_keys = pd.factorize(key, sort=False)
        uniq = np.asarray(uniq_keys, dtype=np.int64)
        inverse = inv.astype(np.intp, copy=False)
    out: list[FloatArray] = [np.empty(0)] * len(columns)
    for i in range(len(columns) - 1, -1, -1):
        decode, radix = decoders[i]
        c = uniq % radix
        uniq = uniq // radix
        if isinstance(decode, float):
            out[i] = np.ascontiguousarray(c.astype(np.float64) + decode)
        else:
            out[i] = np.ascontiguousarray(decode[c])
    return out, inverse


def _sorted_rows(
    columns: list[FloatArray],
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.bool_]]:
    """Return the lexicographic order of the rows and where each distinct row starts in it."""
    order = np.lexsort(columns[::-1])
    n = columns[0].shape[0]
    new = np.ones(n, dtype=np.bool_)
    diff = np.zeros(max(n - 1, 0), dtype=np.bool_)
    for c in columns:
        s = c[order]
        diff |= s[1:] != s[:-1]
    new[1:] = diff
    return order, new


def _compress_slow(columns: list[FloatArray]) -> tuple[list[FloatArray], npt.NDArray[np.intp]]:
    """Fallback of :func:`compress_with_inverse` for keys too wide for int64: via a sort."""
    order, new = _sorted_rows(columns)
    n = columns[0].shape[0]
    group = np.cumsum(new) - 1
    inverse = np.empty(n, dtype=np.intp)
    inverse[order] = group
    starts = order[new]
    return [np.ascontiguousarray(c[starts]) for c in columns], inverse


def compress_weighted(
    columns: list[FloatArray], weights: FloatArray | None
) -> tuple[list[FloatArray], FloatArray]:
    """Distinct rows sorted by the first column, with summed weights (row counts if None).

    Rows come out sorted by the first column (ties in the order of the other
    columns); O(n) for whole-number columns.
    """
    uniq, inverse = compress_with_inverse(columns)
    summed = np.bincount(inverse, weights=weights, minlength=uniq[0].size).astype(np.float64)
    order = np.argsort(uniq[0], kind="stable")
    return [np.ascontiguousarray(c[order]) for c in uniq], np.ascontiguousarray(summed[order])


def value_index(values: FloatArray) -> tuple[npt.NDArray[np.int64], FloatArray]:
    """Return ``(index, table)`` with ``table[index] == values``: the distinct values of a column.

    Whole numbers in ``[0, n/2 + 1024)`` (days or weeks of a summary) index a
    table of all whole numbers up to their maximum (no sort); any other column
    is its own table (``index = 0, 1, …``): its values are mostly distinct, and
    reading a large table in random order costs more than computing the terms
    row by row.  Kernels compute their per-value terms once per entry of
    ``table``.
    """
    n = values.shape[0]
    if n and values.min() >= 0.0 and values.max() < n // 2 + 1024:
        index = values.astype(np.int64)
        if np.array_equal(index, values):
            return index, np.arange(int(index.max()) + 1, dtype=np.float64)
    return np.arange(n, dtype=np.int64), np.ascontiguousarray(values, dtype=np.float64)


#: rows of a sample that decides whether a prediction's inputs are worth compressing
_SAMPLE_ROWS = 4096


def compress_for_prediction(
    columns: list[FloatArray], max_share: float
) -> tuple[list[FloatArray], npt.NDArray[np.intp] | None]:
    """Distinct rows and the inverse index when folding pays; else the rows and None.

    Folding costs a pass over the rows plus a gather back; it pays when the
    work per row is large against that or there are few distinct rows.  The
    inputs are folded when they are small, when every column holds whole
    numbers whose spans fit direct addressing (weekly or daily summaries:
    cheap), or when at most the share ``max_share`` of :data:`_SAMPLE_ROWS`
    evenly spaced rows is distinct (the share over all rows is lower still).
    Continuous histories (every sampled row distinct) are used as given.
    """
    n = columns[0].shape[0]
    if n <= 2 * _SAMPLE_ROWS:
        return compress_with_inverse(columns)
    spans: list[Span] = []
    if not _few_distinct(columns, spans, max_share):
        return [np.ascontiguousarray(c) for c in columns], None
    return compress_with_inverse(columns, spans if len(spans) == len(columns) else None)


def _few_distinct(columns: list[FloatArray], spans: list[Span], max_share: float) -> bool:
    """Tell whether folding pays (see :func:`compress_for_prediction`); spans go to ``spans``."""
    n = columns[0].shape[0]
    capacity = 1
    for col in columns:
        spans.append(_whole_number_span(col))
        lo, hi, whole = spans[-1]
        if not whole:
            break
        capacity *= int(hi - lo) + 1
    else:
        if capacity <= max(4 * n, 1 << 22):
            return True
    step = n // _SAMPLE_ROWS
    _, new = _sorted_rows([c[: step * _SAMPLE_ROWS : step] for c in columns])
    return bool(np.count_nonzero(new) <= max_share * _SAMPLE_ROWS)


def expand(values: FloatArray, inverse: npt.NDArray[np.intp] | None) -> FloatArray:
    """Values per input row from values per distinct row (``inverse`` None: the same rows)."""
    return values if inverse is None else values[inverse]


def unchecked_params(params_type: type[Any], values: FloatArray) -> Any:
    """Build a parameter dataclass without validation (standard errors may be NaN)."""
    obj = object.__new__(params_type)
    for field, value in zip(dataclasses.fields(params_type), values, strict=True):
        object.__setattr__(obj, field.name, float(value))
    return obj


def resolve_weights(data: pd.DataFrame | None, weights: object | None, n: int) -> FloatArray:
    """Return validated non-negative row weights (ones when ``weights`` is None)."""
    if weights is None:
        return np.ones(n)
    w = resolve_inputs(data, {"weights": weights})["weights"]
    if w.shape[0] != n:
        raise InputValueError(
            f"`weights` has {w.shape[0]} values but the data have {n} rows; "
            f"pass one weight per row."
        )
    if not w.sum() > 0:
        raise InputValueError("`weights` sum to zero; at least one row needs a positive weight.")
    return w


@dataclasses.dataclass(frozen=True, slots=True)
class _CovariateRows(CovariateData):
    """The prepared rows of a history model's fit with covariates.

    ``h`` holds the ``(3, n)`` distinct ``(x, t_x, T)`` rows sorted by group,
    ``w`` their weights, ``starts`` the ``G + 1`` bounds of the groups' blocks
    and ``z`` the ``(G, k)`` covariate row of each group.
    """

    h: FloatArray
    w: FloatArray
    starts: npt.NDArray[np.intp]


def _covariate_rows(
    data: pd.DataFrame | None,
    covariates: object,
    histories: list[FloatArray],
    weights: FloatArray | None,
    processes: tuple[str, ...],
) -> _CovariateRows:
    """Encode the covariates and fold identical histories within each covariate row."""
    encoding, z = encode_covariates(data, covariates, histories[0].shape[0], processes)
    z_cols, group = compress_with_inverse([np.ascontiguousarray(c) for c in z.T])
    cols, w = compress_weighted([group.astype(np.float64), *histories], weights)
    n_groups = z_cols[0].size
    starts = np.searchsorted(cols[0], np.arange(n_groups + 1) - 0.5).astype(np.intp)
    return _CovariateRows(
        h=np.ascontiguousarray(np.stack(cols[1:])),
        w=w,
        starts=starts,
        z=np.ascontiguousarray(np.column_stack(z_cols)),
        encoding=encoding,
    )


#: The parameters of a prediction's rows: the model's floats, or (with covariates) arrays
#: with one value per row for the parameters the covariates scale.
RowParams = tuple[Any, ...]


def per_row(p: RowParams) -> bool:
    """Whether some parameter of ``p`` is an array with one value per row."""
    return any(isinstance(v, np.ndarray) for v in p)


def rows_of(p: RowParams, mask: npt.NDArray[np.bool_]) -> RowParams:
    """Return the parameters of the rows selected by ``mask`` (floats stay floats)."""
    return tuple(v[mask] if isinstance(v, np.ndarray) else v for v in p)


class HistoryModel(FittedModel[P]):
    """Fit and history-based predictions shared by BG/NBD, MBG/NBD and Pareto/NBD.

    The models differ in their hooks: ``_kernel`` (the numba kernel giving
    the weighted log-likelihood, its gradient and, per row, the log-likelihood
    and P(alive)), :meth:`_start_from_means` and :meth:`_conditional`
    (expected purchases in ``(T, T + t]`` of a customer alive at ``T``).  Identical histories are
    folded into weights before every computation.
    """

    def _p(self) -> tuple[float, ...]:
        params: Any = self._fitted_params()
        return tuple(float(v) for v in dataclasses.astuple(params))

    #: the model's numba likelihood kernel, called as ``kernel(params, h, w, out, grad)``:
    #: ``params`` from :meth:`_kernel_params`, ``h`` the C-contiguous ``(3, n)`` histories
    #: (rows ``x``, ``t_x``, ``T``), ``w`` the row weights; it returns the weighted
    #: log-likelihood, fills ``grad`` and, when ``out`` is ``(2, n)`` (not ``(2, 0)``),
    #: the per-row log-likelihood and P(alive) in ``out[0]`` and ``out[1]``
    _kernel: ClassVar[Callable[..., float]]

    def _kernel_params(self, p: FloatArray) -> FloatArray:
        """Return the parameter vector of :attr:`_kernel` (hook; the model's parameters)."""
        return p

    #: whether :meth:`_conditional` reads ``t_x`` (row 1 of ``h``), or only ``x`` and ``T``
    _conditional_uses_recency: ClassVar[bool] = True
    #: whether P(alive) has a closed form cheaper per row than folding the rows (hook)
    _alive_in_closed_form: ClassVar[bool] = False

    def _start_from_means(self, mean_x: float, mean_t: float) -> FloatArray:
        """Return the default start of the search from the mean frequency and age (hook)."""
        raise NotImplementedError

    def _start_values(self, prepared: Any) -> FloatArray:
        if isinstance(prepared, _CovariateRows):
            prepared = (prepared.h, prepared.w)
        (ux, _, ut), uw = prepared
        mean_t = max(float(np.average(ut, weights=uw)), 1e-3)
        return self._start_from_means(float(np.average(ux, weights=uw)), mean_t)

    def _conditional(self, p: RowParams, h: FloatArray, t: FloatArray) -> FloatArray:
        """Return expected purchases in ``(T, T + t]`` if alive at ``T`` (hook; h of _distinct)."""
        raise NotImplementedError

    def _check_interval(self) -> None:
        """Refuse ``interval`` where the model offers no prediction interval (hook)."""

    @fill_doc(FIT_PARAMS)
    def fit(
        self,
        data: pd.DataFrame | None = None,
        *,
        frequency: object = None,
        recency: object = None,
        T: object = None,
        weights: object = None,
        initial_params: object = None,
        max_iter: int = 2000,
        tol: float = 1e-9,
        penalizer: float = 0.0,
        covariates: object = None,
    ) -> Self:
        r"""Estimate the parameters by maximum likelihood.

        Parameters
        ----------
        data : pandas.DataFrame, optional
            One row per customer (or per distinct history, with ``weights``)
            with columns ``frequency``, ``recency`` and ``T`` — or
            ``frequency_cal``, ``recency_cal`` and ``T_cal`` (the output of
            :func:`custvalue.rfm.calibration_holdout_summary`).
        frequency, recency, T : array-like or str, optional
            The history columns; a string names a column of ``data``; arrays
            passed explicitly win over the columns of ``data``.
        %(weights)s
        initial_params : the model's parameter dataclass, optional
            Start of the search (default: a start derived from the data;
            covariate coefficients start at 0).
        %(max_iter)s
        %(penalizer)s
        covariates : str, list of str or pandas.DataFrame, optional
            Time-invariant customer covariates (models that take them: BG/NBD,
            MBG/NBD, Pareto/NBD): a column name or a list of column names of
            ``data``, or a DataFrame on ``data``'s index.  Each enters the
            purchase and the dropout process with its own coefficient; a
            mapping ``{"purchase": [...], "dropout": [...]}`` gives each process
            its own columns.  See :doc:`/clv_covariates` (encoding, reference
            levels, predictions).

        Returns
        -------
        self
            With ``params_``, ``log_likelihood_``, ``standard_errors_`` and
            ``converged_`` (False, with a
            :class:`~custvalue.errors.ConvergenceWarning`, when the search
            stopped on ``max_iter`` before meeting ``tol``).

        Raises
        ------
        InputValueError
            For impossible histories or bad weights (the message names the argument).
        InputTypeError
            If ``initial_params`` is not the model's parameter dataclass.
        ConvergenceError
            When the search finds no finite optimum.
        """
        x, tx, t_obs, _ = rfm_arrays(data, frequency, recency, T)
        w = None if weights is None else resolve_weights(data, weights, x.shape[0])
        if covariates is None:
            self._fit(
                compress_weighted([x, tx, t_obs], w), initial_params, max_iter, tol, penalizer
            )
            self._encoding = None
            return self
        self._refuse_covariates(covariates)
        processes = tuple(self._covariate_links or ())
        rows = _covariate_rows(data, covariates, [x, tx, t_obs], w, processes)
        self._fit(rows, initial_params, max_iter, tol, penalizer)
        self._encoding = rows.encoding
        return self

    def _total_weight(self, prepared: Any) -> float:
        if isinstance(prepared, _CovariateRows):
            return float(prepared.w.sum())
        return float(prepared[1].sum())

    def _covariate_neg_log_lik(self, rows: _CovariateRows) -> NegLogLik:
        from custvalue._clv.grouped import grouped_log_likelihood  # imports the models

        k = len(self._param_names())
        z, h, w, starts = rows.z, rows.h, rows.w, rows.starts
        links = [
            (rows.encoding.design_columns(proc), proc_links)
            for proc, proc_links in (self._covariate_links or {}).items()
        ]

        def neg_ll(theta: FloatArray) -> tuple[float, FloatArray]:
            p, coef = theta[:k], theta[k:]
            per = self._scaled(p, z, coef, rows.encoding)
            extra = self._kernel_params(p)[k:]
            kp = np.ascontiguousarray(np.column_stack([per, np.tile(extra, (per.shape[0], 1))]))
            ll, grads = grouped_log_likelihood(self._kernel, kp, (h, w, starts), k)
            # d ll / d log(parameter of each group), then the chain rule
            g_log = grads * per
            g_coef = [
                sum(sign * (z[:, cols].T @ g_log[:, j]) for j, sign in proc)
                for cols, proc in links
            ]
            grad = np.concatenate([g_log.sum(axis=0) / p, *g_coef])
            return -ll, -grad

        return neg_ll

    def _neg_log_lik(self, prepared: Any) -> NegLogLik:
        if isinstance(prepared, _CovariateRows):
            return self._covariate_neg_log_lik(prepared)
        cols, w = prepared
        h = np.stack(cols)
        no_rows = np.empty((2, 0))
        grad = np.empty(len(self._param_names()))

        def neg_ll(theta: FloatArray) -> tuple[float, FloatArray]:
            ll = self._kernel(self._kernel_params(theta), h, w, no_rows, grad)
            return -ll, -grad.copy()

        return neg_ll

    def _distinct(
        self,
        x: FloatArray,
        tx: FloatArray,
        t_obs: FloatArray,
        extra: list[FloatArray],
        max_share: float | None = 0.9,
    ) -> tuple[FloatArray, list[FloatArray], npt.NDArray[np.intp] | None]:
        """Return the ``(3, n)`` histories ``h``, the ``extra`` columns and the inverse index.

        Identical rows are folded when that pays (:func:`compress_for_prediction`;
        ``max_share`` 0.25 where the work per row is as cheap as P(alive), None
        where it is cheaper than folding); the inverse index is None when the
        rows are kept as given.
        """
        if max_share is None:
            return np.stack([x, tx, t_obs]), extra, None
        cols, inv = compress_for_prediction([x, tx, t_obs, *extra], max_share)
        return np.stack(cols[:3]), cols[3:], inv

    def _row_terms(self, h: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Per row of ``h``: the log-likelihood and P(alive), from the likelihood kernel."""
        n = h.shape[1]
        out = np.empty((2, n))
        grad = np.empty(len(self._param_names()))
        self._kernel(self._kernel_params(np.array(self._p())), h, np.ones(n), out, grad)
        return out[0], out[1]

    def _alive(self, h: FloatArray) -> FloatArray:
        """Return P(alive at ``T``) per row of ``h`` (hook; default: the likelihood kernel's)."""
        return self._row_terms(h)[1]

    # -- per-customer parameters (models fitted with covariates) -------------------------
    def _row_terms_at(self, p: RowParams, h: FloatArray) -> tuple[FloatArray, FloatArray]:
        """:meth:`_row_terms` at the parameters ``p`` (floats, or arrays per row of ``h``)."""
        if not per_row(p):
            return self._row_terms(h)
        n = h.shape[1]
        k = len(self._param_names())
        per = np.column_stack([np.broadcast_to(v, n) for v in p])
        extra = self._kernel_params(np.ones(k))[k:]
        kp = np.ascontiguousarray(np.column_stack([per, np.tile(extra, (n, 1))]))
        from custvalue._clv.grouped import grouped_row_terms  # imports the models

        return grouped_row_terms(self._kernel, kp, h, k)

    def _alive_at(self, p: RowParams, h: FloatArray) -> FloatArray:
        """Return P(alive at ``T``) per row of ``h`` at the parameters ``p``."""
        return self._alive(h) if not per_row(p) else self._row_terms_at(p, h)[1]

    def _rows(
        self,
        data: pd.DataFrame | None,
        res: Resolved,
        method: str,
        x: FloatArray,
        tx: FloatArray,
        t_obs: FloatArray,
        extra: list[FloatArray],
        max_share: float | None = 0.9,
    ) -> tuple[RowParams, FloatArray, list[FloatArray], npt.NDArray[np.intp] | None]:
        """:meth:`_distinct` with the parameters of each distinct row (see :meth:`_params_for`)."""
        p = self._params_for(data, res, method)
        arrays = [v for v in p if isinstance(v, np.ndarray)]
        h, cols, inv = self._distinct(x, tx, t_obs, [*extra, *arrays], max_share)
        folded = iter(cols[len(extra) :])
        rows = tuple(next(folded) if isinstance(v, np.ndarray) else v for v in p)
        return rows, h, cols[: len(extra)], inv

    def individual_log_likelihood(
        self,
        frequency: object = None,
        recency: object = None,
        T: object = None,
        *,
        data: pd.DataFrame | None = None,
    ) -> Any:
        """Log-likelihood of each customer's history (the summands of ``log_likelihood_``).

        Inputs and output follow the shape convention of the class docstring.
        """
        res, x, tx, t_obs = history_inputs(frequency, recency, T, data)
        p, h, _, inv = self._rows(data, res, "individual_log_likelihood", x, tx, t_obs, [])
        return shape_output(expand(self._row_terms_at(p, h)[0], inv), res, "log_likelihood")

    @overload
    def probability_alive(
        self,
        frequency: object = ...,
        recency: object = ...,
        T: object = ...,
        *,
        t: object = ...,
        data: pd.DataFrame | None = ...,
        interval: float,
        n_draws: int = ...,
        seed: int | None = ...,
    ) -> pd.DataFrame: ...

    @overload
    def probability_alive(
        self,
        frequency: float,
        recency: float,
        T: float,
        *,
        t: float | None = None,
        data: None = None,
        interval: None = None,
    ) -> float: ...

    @overload
    def probability_alive(
        self,
        frequency: object = ...,
        recency: object = ...,
        T: object = ...,
        *,
        t: object = ...,
        data: pd.DataFrame,
        interval: None = None,
    ) -> pd.Series: ...

    @overload
    def probability_alive(
        self,
        frequency: pd.Series = ...,
        recency: object = ...,
        T: object = ...,
        *,
        t: object = ...,
        data: None = None,
        interval: None = None,
    ) -> pd.Series: ...

    @overload
    def probability_alive(
        self,
        frequency: ArrayInput,
        recency: float | ArrayInput,
        T: float | ArrayInput,
        *,
        t: float | ArrayInput | None = None,
        data: None = None,
        interval: None = None,
    ) -> FloatArray: ...

    @overload
    def probability_alive(
        self,
        frequency: object = ...,
        recency: object = ...,
        T: object = ...,
        *,
        t: object = ...,
        data: pd.DataFrame | None = None,
        interval: float | None = None,
        n_draws: int = ...,
        seed: int | None = ...,
    ) -> Any: ...

    def probability_alive(
        self,
        frequency: object = None,
        recency: object = None,
        T: object = None,
        *,
        t: object = None,
        data: pd.DataFrame | None = None,
        interval: float | None = None,
        n_draws: int = DEFAULT_DRAWS,
        seed: int | None = None,
    ) -> Any:
        """Probability that a customer with the given history is alive at ``T`` (or ``T + t``).

        With ``t`` (a horizon, broadcast with the histories), the probability
        of being alive at the future date ``T + t`` given the history up to
        ``T`` — whatever the customer buys in between; without it, at ``T``.
        With ``interval`` (a level in (0, 1)), a DataFrame with columns
        ``estimate``, ``lower``, ``upper`` from ``n_draws`` parameter draws
        (:doc:`/clv_uncertainty`).  See the class docstring for the formula
        and the shape convention.
        """
        if interval is not None:
            self._check_interval()
            return predict_with_interval(
                [self],
                lambda m: m.probability_alive(frequency, recency, T, t=t, data=data),
                interval,
                n_draws,
                seed,
            )
        name = "probability_alive"
        if t is None:
            res, x, tx, t_obs = history_inputs(frequency, recency, T, data)
            share = None if self._alive_in_closed_form and self._encoding is None else 0.25
            p, h, _, inv = self._rows(data, res, name, x, tx, t_obs, [], max_share=share)
            return shape_output(expand(self._alive_at(p, h), inv), res, "probability_alive")
        res, x, tx, t_obs = history_inputs(frequency, recency, T, data, {"t": t})
        p, h, (uh,), inv = self._rows(data, res, name, x, tx, t_obs, [res.arrays["t"]])
        future = self._alive_at(p, h) * self._survival_if_alive(p, h[0], h[2], uh)
        return shape_output(expand(future, inv), res, "probability_alive")

    @overload
    def expected_purchases(
        self,
        t: object = ...,
        frequency: object = ...,
        recency: object = ...,
        T: object = ...,
        *,
        data: pd.DataFrame | None = ...,
        interval: float,
        n_draws: int = ...,
        seed: int | None = ...,
    ) -> pd.DataFrame: ...

    @overload
    def expected_purchases(
        self,
        t: float,
        frequency: float,
        recency: float,
        T: float,
        *,
        data: None = None,
        interval: None = None,
    ) -> float: ...

    @overload
    def expected_purchases(
        self,
        t: object = ...,
        frequency: object = ...,
        recency: object = ...,
        T: object = ...,
        *,
        data: pd.DataFrame,
        interval: None = None,
    ) -> pd.Series: ...

    @overload
    def expected_purchases(
        self,
        t: object = ...,
        frequency: pd.Series = ...,
        recency: object = ...,
        T: object = ...,
        *,
        data: None = None,
        interval: None = None,
    ) -> pd.Series: ...

    @overload
    def expected_purchases(
        self,
        t: float | ArrayInput,
        frequency: ArrayInput,
        recency: float | ArrayInput,
        T: float | ArrayInput,
        *,
        data: None = None,
        interval: None = None,
    ) -> FloatArray: ...

    @overload
    def expected_purchases(
        self,
        t: object = ...,
        frequency: object = ...,
        recency: object = ...,
        T: object = ...,
        *,
        data: pd.DataFrame | None = None,
        interval: float | None = None,
        n_draws: int = ...,
        seed: int | None = ...,
    ) -> Any: ...

    def expected_purchases(
        self,
        t: object = None,
        frequency: object = None,
        recency: object = None,
        T: object = None,
        *,
        data: pd.DataFrame | None = None,
        interval: float | None = None,
        n_draws: int = DEFAULT_DRAWS,
        seed: int | None = None,
    ) -> Any:
        """Return the expected number of purchases in ``(T, T + t]`` given each history.

        ``t`` broadcasts with the histories (one horizon for everybody, one per
        customer, or a grid); see the class docstring for the shape convention.
        With ``interval`` (a level in (0, 1)), a DataFrame with columns
        ``estimate``, ``lower``, ``upper`` from ``n_draws`` parameter draws
        (cost: ``n_draws`` prediction passes; :doc:`/clv_uncertainty`).
        """
        if interval is not None:
            self._check_interval()
            return predict_with_interval(
                [self],
                lambda m: m.expected_purchases(t, frequency, recency, T, data=data),
                interval,
                n_draws,
                seed,
            )
        res, x, tx, t_obs = history_inputs(frequency, recency, T, data, {"t": t})
        name = "expected_purchases"
        if "t" in res.scalars:
            # one horizon for everybody: compress the histories only
            p, h, _, inv = self._rows(data, res, name, x, tx, t_obs, [])
            hc, inv_c = self._expectation_rows(p, h)
            cond = self._conditional(p, hc, np.full(hc.shape[1], res.arrays["t"][0]))
            cond = expand(cond, inv_c)
        else:
            p, h, (uh,), inv = self._rows(data, res, name, x, tx, t_obs, [res.arrays["t"]])
            cond = self._conditional(p, h, uh)
        return shape_output(expand(self._alive_at(p, h) * cond, inv), res, "expected_purchases")

    def _expectation_rows(
        self, p: RowParams, h: FloatArray
    ) -> tuple[FloatArray, npt.NDArray[np.intp] | None]:
        """Return the histories to take the expectation of one horizon on, and their inverse.

        Where the expectation given alive depends on ``(x, T)`` only (no recency)
        and on no per-customer parameters, those pairs are folded once more
        (their recency column is unused); otherwise ``h`` itself.
        """
        if self._conditional_uses_recency or per_row(p):
            return h, None
        (cx, ct), inv = compress_for_prediction([h[0], h[2]], 0.9)
        if inv is None:  # not folded: the rows as they are (their recency unused)
            return h, None
        return np.stack([cx, np.zeros_like(cx), ct]), inv

    def _discounted_purchases(
        self,
        x: object,
        tx: object,
        t_obs: object,
        horizon: int,
        rate: float,
        step: float,
        *,
        data: pd.DataFrame | None = None,
        res: Resolved | None = None,
    ) -> FloatArray:
        """Return ``Σ_i (E[X(i s)] − E[X((i−1) s)]) / (1 + d)^i``, ``i = 1..horizon``, per row.

        The discounted expected purchases of :func:`custvalue.clv.customer_lifetime_value`
        (``s`` = ``step``, ``d`` = ``rate``): the histories are checked and
        folded once, P(alive) computed once, and the expectation of each period
        taken on the distinct rows.  A model fitted with covariates reads each
        customer's covariates from ``data`` (the rows of ``res``, its resolved
        inputs: see :meth:`_params_for`).
        """
        res_h, ux, utx, ut = history_inputs(x, tx, t_obs, None)
        if self._encoding is not None:
            p, h, _, inv = self._rows(
                data, res or res_h, "customer_lifetime_value", ux, utx, ut, []
            )
        else:
            p = self._p()
            h, _, inv = self._distinct(ux, utx, ut, [])
        hc, inv_c = self._expectation_rows(p, h)
        value = np.zeros(hc.shape[1])
        previous = np.zeros(hc.shape[1])
        horizons = np.empty(hc.shape[1])
        for i in range(1, horizon + 1):
            horizons.fill(i * step)
            cumulative = self._conditional(p, hc, horizons)
            value += (cumulative - previous) / (1.0 + rate) ** i
            previous = cumulative
        return expand(self._alive_at(p, h) * expand(value, inv_c), inv)

    def simulate(
        self,
        n_customers: int,
        T: object,
        *,
        seed: int | None = None,
        covariates: pd.DataFrame | None = None,
        coefficients: Mapping[str, float] | None = None,
    ) -> pd.DataFrame:
        """Draw ``n_customers`` customers of ages ``T`` from the fitted model.

        Returns a DataFrame that :meth:`fit` takes: ``frequency``, ``recency``,
        ``T`` (and the model's further history columns, e.g. ``litt``) and
        ``alive`` (still alive at ``T``), drawn exactly from the model in
        continuous time (see the class docstring).  ``T`` is a scalar or one
        age per customer; the same seed gives the same frame.

        With ``covariates`` (a DataFrame, one row per customer; models that
        take covariates), each customer is drawn with the parameters scaled by
        the covariates (:doc:`/clv_covariates`) and the covariate columns are
        part of the result (on the index of ``covariates``).  The
        coefficients are the fitted ones of a model fitted with covariates,
        else ``coefficients``: a mapping from the names of
        ``coefficients_`` (``"gamma_purchase[age]"``, ...) to values, 0 for
        names left out.
        """
        n = int(check_scalar(n_customers, "n_customers", integer=True, low=1))
        rng = np.random.default_rng(seed)
        t_obs = as_horizon(T, n, "T")
        if covariates is None and coefficients is None and self._encoding is None:
            return pd.DataFrame(self._draw(self._p(), t_obs, rng))
        frame, per = self._simulation_params(n, covariates, coefficients)
        sim = pd.DataFrame(self._draw(tuple(per.T), t_obs, rng), index=frame.index)
        return pd.concat([sim, frame], axis=1)

    def _draw(self, params: tuple[float, ...], t_obs: FloatArray, rng: Generator) -> Columns:
        """Return the columns of :meth:`simulate` for customers of ages ``t_obs`` (hook)."""
        raise NotImplementedError

    def _pmf_if_alive(
        self, p: RowParams, x: FloatArray, t_obs: FloatArray, t: FloatArray, n: FloatArray
    ) -> FloatArray:
        """Return P(n purchases in ``(T, T + t]``) of a customer alive at ``T`` (hook)."""
        raise NotImplementedError

    def _survival_if_alive(
        self, p: RowParams, x: FloatArray, t_obs: FloatArray, t: FloatArray
    ) -> FloatArray:
        """Return P(alive at ``T + t``) of a customer alive at ``T`` (hook)."""
        raise NotImplementedError

    @overload
    def probability_of_purchases_given_history(
        self,
        n: float,
        t: float,
        frequency: float,
        recency: float,
        T: float,
        *,
        data: None = None,
    ) -> float: ...

    @overload
    def probability_of_purchases_given_history(
        self,
        n: object = ...,
        t: object = ...,
        frequency: object = ...,
        recency: object = ...,
        T: object = ...,
        *,
        data: pd.DataFrame,
    ) -> pd.Series: ...

    @overload
    def probability_of_purchases_given_history(
        self,
        n: object = ...,
        t: object = ...,
        frequency: pd.Series = ...,
        recency: object = ...,
        T: object = ...,
        *,
        data: None = None,
    ) -> pd.Series: ...

    @overload
    def probability_of_purchases_given_history(
        self,
        n: float | ArrayInput,
        t: float | ArrayInput,
        frequency: ArrayInput,
        recency: float | ArrayInput,
        T: float | ArrayInput,
        *,
        data: None = None,
    ) -> FloatArray: ...

    @overload
    def probability_of_purchases_given_history(
        self,
        n: object = ...,
        t: object = ...,
        frequency: object = ...,
        recency: object = ...,
        T: object = ...,
        *,
        data: pd.DataFrame | None = None,
    ) -> Any: ...

    def probability_of_purchases_given_history(
        self,
        n: object = None,
        t: object = None,
        frequency: object = None,
        recency: object = None,
        T: object = None,
        *,
        data: pd.DataFrame | None = None,
    ) -> Any:
        r"""Probability of exactly ``n`` purchases in ``(T, T + t]`` given each history.

        The history-based counterpart of ``probability_of_purchases(n, t)``
        (a new customer):

        .. math::

            P(Y(t) = n \mid x, t_x, T) = (1 - P_A)\,\delta_{n0}
                + P_A\,P(X'(t) = n),

        :math:`P_A` the probability of being alive at :math:`T` and
        :math:`X'(t)` the count of a new customer whose parameters are the
        posterior ones given the history (see :doc:`/clv_uncertainty`).
        ``n`` (whole numbers), ``t`` and the histories broadcast together;
        shapes as in the class docstring.
        """
        res, x, tx, t_obs = history_inputs(
            frequency, recency, T, data, {"n": n, "t": t}, integer=("n",)
        )
        extra = [np.ascontiguousarray(res.arrays[k]) for k in ("n", "t")]
        name = "probability_of_purchases_given_history"
        p, h, (un, uh), inv = self._rows(data, res, name, x, tx, t_obs, extra)
        alive = self._alive_at(p, h)
        if per_row(p):
            pmf = self._pmf_if_alive(p, h[0], h[2], uh, un)
        else:  # it reads (x, T, t, n) only: fold those once more
            (cx, ct, cu, cn), inv_c = compress_for_prediction([h[0], h[2], uh, un], 0.9)
            pmf = expand(self._pmf_if_alive(p, cx, ct, cu, cn), inv_c)
        out = alive * pmf + (1.0 - alive) * (un == 0.0)
        return shape_output(expand(np.clip(out, 0.0, 1.0), inv), res, "probability")


class BetaGeometricModel(HistoryModel[P]):
    """History model with beta-geometric dropout: the (M)BG/NBD and (M)BG/CNBD-k models.

    ``_m`` is 0 where a customer drops out only after repeat purchases (BG),
    1 where also right at the first purchase (MBG); the kernel takes it after
    the model's parameters.
    """

    _m: ClassVar[float]

    def _kernel_params(self, p: FloatArray) -> FloatArray:
        return np.append(p, self._m)
