"""Machinery shared by the CLV models: input resolution, row compression, MLE.

Every model is a thin class around pure functions of a frozen parameter object.
This module holds what the classes share:

- :func:`resolve_inputs` takes ``fit``'s ``data`` frame and/or explicit arrays
  and returns validated float64 arrays;
- :func:`compress_rows` folds identical input rows into weights (the
  likelihood of a row repeated *k* times is *k* times its log-likelihood), so
  a fit costs O(distinct rows), not O(customers);
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
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, Generic, Self, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import optimize

from custvalue._validation import as_float_array, check_consistent_length, check_dataframe
from custvalue.errors import ConvergenceError, InputValueError, NotFittedError

__all__ = [
    "FitResult",
    "FittedModel",
    "compress_rows",
    "maximize_likelihood",
    "resolve_inputs",
]

FloatArray = npt.NDArray[np.float64]
P = TypeVar("P")

#: ``f(params) -> (negative log-likelihood, gradient w.r.t. params)``, params in natural scale.
NegLogLik = Callable[[FloatArray], tuple[float, FloatArray]]


def resolve_inputs(
    data: pd.DataFrame | None,
    given: Mapping[str, object | None],
    *,
    integer: Sequence[str] = (),
    positive: Sequence[str] = (),
) -> dict[str, FloatArray]:
    """Collect validated float64 arrays for each name in ``given``.

    An explicitly passed array wins; otherwise the column of that name is taken
    from ``data``.  Every array is checked to be finite and non-negative
    (``positive`` names must be > 0, ``integer`` names whole numbers) and all
    must have the same length.
    """
    if data is not None:
        check_dataframe(data, "data")
    out: dict[str, FloatArray] = {}
    for name, value in given.items():
        if value is None:
            if data is None:
                raise InputValueError(
                    f"`{name}` is missing: pass `data` (e.g. the output of "
                    f"custvalue.rfm.rfm_summary) or the `{name}` array itself."
                )
            check_dataframe(data, "data", [name])
            value = data[name]
        out[name] = as_float_array(
            value, name, nonnegative=True, positive=name in positive, integer=name in integer
        )
    check_consistent_length(**out)
    return out


def compress_rows(
    columns: Sequence[FloatArray], weights: FloatArray | None = None
) -> tuple[list[FloatArray], FloatArray]:
    """Fold identical rows of ``columns`` into unique rows and summed weights.

    Returns the unique rows (one contiguous array per column, in lexicographic
    order) and their total weight (row counts when ``weights`` is None).
    """
    n = columns[0].shape[0]
    w = np.ones(n) if weights is None else weights
    order = np.lexsort(columns[::-1])
    sorted_cols = [c[order] for c in columns]
    new_group = np.empty(n, dtype=np.bool_)
    new_group[:1] = True
    if n > 1:
        diff = np.zeros(n - 1, dtype=np.bool_)
        for c in sorted_cols:
            diff |= c[1:] != c[:-1]
        new_group[1:] = diff
    starts = np.flatnonzero(new_group)
    summed = np.add.reduceat(w[order], starts) if n else np.zeros(0)
    return [np.ascontiguousarray(c[starts]) for c in sorted_cols], np.ascontiguousarray(summed)


@dataclasses.dataclass(frozen=True, slots=True)
class FitResult:
    """Outcome of :func:`maximize_likelihood` (natural-scale parameters)."""

    x: FloatArray
    log_likelihood: float
    standard_errors: FloatArray
    converged: bool
    message: str
    n_iterations: int


def _hessian(neg_ll: NegLogLik, x: FloatArray) -> FloatArray:
    """Central finite differences of the analytic gradient (relative steps)."""
    k = x.size
    h = np.empty((k, k))
    for i in range(k):
        step = 1e-5 * max(abs(x[i]), 1e-8)
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


def maximize_likelihood(
    neg_log_lik: NegLogLik,
    x0: FloatArray,
    *,
    total_weight: float,
    names: Sequence[str],
    max_iter: int = 2000,
) -> FitResult:
    """Minimise ``neg_log_lik`` over positive parameters with L-BFGS-B.

    The search runs on ``log(params)`` (so positivity needs no bounds) with the
    objective divided by ``total_weight`` (so tolerances do not depend on the
    number of customers).  A failed search raises
    :class:`~custvalue.errors.ConvergenceError` carrying scipy's message.
    """
    scale = 1.0 / max(total_weight, 1.0)

    def objective(theta: FloatArray) -> tuple[float, FloatArray]:
        p = np.exp(theta)
        value, grad = neg_log_lik(p)
        if not np.isfinite(value) or not np.all(np.isfinite(grad)):
            # Steer the line search back from numerically impossible regions.
            return np.inf, np.zeros_like(theta)
        return value * scale, grad * p * scale

    res = optimize.minimize(
        objective,
        np.log(np.asarray(x0, dtype=np.float64)),
        jac=True,
        method="L-BFGS-B",
        bounds=[(-30.0, 30.0)] * len(names),
        options={"maxiter": max_iter, "ftol": 1e-15, "gtol": 1e-9, "maxcor": 30},
    )
    x = np.exp(res.x)
    value, grad = neg_log_lik(x)
    at_bound = np.abs(res.x) >= 30.0 - 1e-9
    if not np.isfinite(value) or not (res.success or _gradient_small(grad, x, scale)):
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
    se = _standard_errors(_hessian(neg_log_lik, x))
    return FitResult(
        x=x,
        log_likelihood=-float(value),
        standard_errors=se,
        converged=True,
        message=str(res.message),
        n_iterations=int(res.nit),
    )


def _gradient_small(grad: FloatArray, x: FloatArray, scale: float) -> bool:
    # L-BFGS-B may stop on "ABNORMAL" line searches at an optimum that is only limited by
    # floating-point precision; accept it when the scaled log-parameter gradient is tiny.
    return bool(np.all(np.isfinite(grad)) and np.max(np.abs(grad * x * scale)) < 1e-5)


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

    @classmethod
    def from_params(cls, params: P) -> Self:
        """Return a model that uses known parameters instead of fitting them.

        ``log_likelihood_`` and ``standard_errors_`` stay unset.
        """
        if not isinstance(params, cls.params_type):
            raise InputValueError(
                f"`params` must be a {cls.params_type.__name__}, got {type(params).__name__}."
            )
        model = cls()
        model.params_ = params
        return model

    def _set_fit(self, result: FitResult) -> None:
        self.params_ = self.params_type(*map(float, result.x))
        self.standard_errors_ = self.params_type(*map(float, result.standard_errors))
        self.log_likelihood_ = result.log_likelihood
        self.converged_ = result.converged

    def _fitted_params(self) -> P:
        try:
            return self.params_
        except AttributeError:
            raise NotFittedError(
                f"this {type(self).__name__} has no parameters yet; call .fit(...) first "
                f"or build it with {type(self).__name__}.from_params(...)."
            ) from None

    def summary(self) -> pd.DataFrame:
        """Table of the fitted parameters: estimate, standard error and 95 % Wald interval."""
        params = self._fitted_params()
        names = [f.name for f in dataclasses.fields(params)]  # type: ignore[arg-type]
        est = np.array([getattr(params, n) for n in names])
        se_obj = getattr(self, "standard_errors_", None)
        se = (
            np.array([getattr(se_obj, n) for n in names])
            if se_obj is not None
            else np.full(len(names), np.nan)
        )
        table = pd.DataFrame(
            {
                "estimate": est,
                "std_error": se,
                "lower_95": est - 1.959963984540054 * se,
                "upper_95": est + 1.959963984540054 * se,
            },
            index=pd.Index(names, name="parameter"),
        )
        return table

    def __repr__(self) -> str:
        params = getattr(self, "params_", None)
        return f"{type(self).__name__}({'unfitted' if params is None else params})"
