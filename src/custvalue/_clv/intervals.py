r"""Prediction intervals from the sampling distribution of the fitted parameters.

A fitted model stores ``covariance_``, the inverse observed information of its
log-parameters at the optimum.  Asymptotically the maximum-likelihood estimate
satisfies :math:`\log\hat\theta \sim N(\log\theta, \Sigma)`; the interval of a
prediction :math:`g(\theta)` is read off draws
:math:`\theta^{(k)} = \exp(\log\hat\theta + L z_k)`, :math:`LL^\top = \Sigma`,
:math:`z_k \sim N(0, I)`: the equal-tailed quantiles of
:math:`g(\theta^{(1)}), \dots, g(\theta^{(K)})`.  The point estimate is
:math:`g(\hat\theta)`.  The log scale keeps every draw positive and is where
the normal approximation is better for scale parameters.  A model fitted
with covariates draws its coefficients :math:`\gamma` jointly with the
log-parameters, on their own scale (``covariance_`` covers both).

Cost: ``n_draws`` prediction passes besides the point estimate (each one the
cost of the plain prediction), and memory ``n_draws`` × number of rows.

This describes parameter (estimation) uncertainty only: how much the
*expected* value of a customer might differ under other plausible parameters,
not the spread of the customer's actual future purchases (see
``probability_of_purchases_given_history`` for that).
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from custvalue._core.validation import check_scalar
from custvalue.errors import InputTypeError
from custvalue.errors import InputValueError
from custvalue.errors import NotFittedError

__all__ = ["check_interval", "predict_with_interval"]

FloatArray = npt.NDArray[np.float64]

#: default number of parameter draws of an interval
DEFAULT_DRAWS = 500


def check_interval(interval: object, n_draws: object, seed: object) -> tuple[float, int]:
    """Validate the interval level, the number of draws and the seed."""
    level = check_scalar(
        interval, "interval", low=0.0, high=1.0, low_inclusive=False, high_inclusive=False
    )
    n = int(check_scalar(n_draws, "n_draws", integer=True, low=2))
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int | np.integer)):
        raise InputTypeError(f"`seed` must be an integer or None, got {seed!r}.")
    return level, n


def _log_draws(model: Any, n_draws: int, rng: np.random.Generator) -> list[Any]:
    """``n_draws`` copies of ``model`` with parameters drawn from their sampling distribution."""
    name = type(model).__name__
    cov = getattr(model, "covariance_", None)
    params = getattr(model, "params_", None)
    if cov is None or params is None:
        raise NotFittedError(
            f"this {name} has no covariance of its parameters (built with from_params or "
            f"not fitted); call .fit(...) first to get prediction intervals."
        )
    if not np.all(np.isfinite(cov)):
        raise InputValueError(
            f"`interval` cannot be computed: the {name} parameters are not identified by the "
            f"data (singular information at the optimum); fit with a penalizer > 0 or more "
            f"data."
        )
    est = model._interval_estimate()  # log-parameters, then covariate coefficients
    vals, vecs = np.linalg.eigh(cov)
    root = vecs * np.sqrt(np.clip(vals, 0.0, None))
    z = rng.standard_normal((n_draws, est.size))
    # clipped to the box of the fit's search (|log θ| <= 30, |γ| <= 30): draws beyond it
    # come from a flat likelihood direction and would overflow
    draws = np.clip(est + z @ root.T, -30.0, 30.0)
    return [model._from_interval_draw(row) for row in draws]


def predict_with_interval(
    models: Sequence[Any],
    predict: Callable[..., Any],
    interval: object,
    n_draws: object,
    seed: object,
) -> pd.DataFrame:
    """Point prediction and equal-tailed interval of ``predict(*models)``.

    ``predict`` is called once with ``models`` (the estimate) and ``n_draws``
    times with copies whose parameters are drawn independently per model (the
    models are fitted on separate likelihoods, so their estimates are
    asymptotically independent).  Returns a DataFrame with columns
    ``estimate``, ``lower``, ``upper`` on the index of the point prediction
    (a Series), else on a ``RangeIndex`` over its flattened values.
    """
    level, n = check_interval(interval, n_draws, seed)
    point = predict(*models)
    est = np.asarray(point, dtype=np.float64).reshape(-1)
    rng = np.random.default_rng(seed)  # type: ignore[arg-type]
    copies = [_log_draws(m, n, rng) for m in models]
    samples = np.empty((n, est.size))
    for k in range(n):
        samples[k] = np.asarray(predict(*(c[k] for c in copies)), dtype=np.float64).reshape(-1)
    lower, upper = np.quantile(samples, [(1.0 - level) / 2.0, (1.0 + level) / 2.0], axis=0)
    index = point.index if isinstance(point, pd.Series) else pd.RangeIndex(est.size)
    return pd.DataFrame({"estimate": est, "lower": lower, "upper": upper}, index=index)
