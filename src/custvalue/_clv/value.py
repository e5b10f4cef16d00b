"""Discounted customer lifetime value from a transaction model and a spend model.

:func:`customer_lifetime_value` values existing customers from their purchase
history; :func:`acquisition_value` values a customer acquired today (the
ceiling on what acquiring one is worth).  Both accept any transaction model
with the prediction interface of :class:`TransactionModel` and any spend model
with the interface of :class:`SpendModel`.

The module also holds the small input helpers shared by the BG/BB, Gamma-Gamma
and sBG model modules.
"""

from __future__ import annotations

from typing import Any
from typing import Protocol
from typing import runtime_checkable

import numpy as np
import numpy.typing as npt
import pandas as pd

from custvalue._clv.base import HistoryModel
from custvalue._clv.intervals import DEFAULT_DRAWS
from custvalue._clv.intervals import predict_with_interval
from custvalue._core.shape import Resolved
from custvalue._core.shape import resolve
from custvalue._core.shape import shape_output
from custvalue._core.validation import check_dataframe
from custvalue._core.validation import check_scalar
from custvalue.errors import InputTypeError
from custvalue.errors import InputValueError

__all__ = [
    "SpendModel",
    "TransactionModel",
    "acquisition_value",
    "customer_lifetime_value",
]

FloatArray = npt.NDArray[np.float64]


# --- model interfaces ---------------------------------------------------------------


@runtime_checkable
class TransactionModel(Protocol):
    """What :func:`customer_lifetime_value` needs from a transaction model.

    ``expected_purchases(t, frequency, recency, T)`` is the conditional expected
    number of purchases in :math:`(T, T + t]` of customers with the given
    history (vectorised over customers); ``expected_purchases_new_customer(t)``
    is :math:`E[X(t)]` for a customer who has just made the first purchase.
    The BG/NBD, MBG/NBD, Pareto/NBD and BG/BB models of :mod:`custvalue.clv`
    all qualify (BG/BB calls its fourth argument ``n_periods``).
    """

    def expected_purchases(self, t: Any, frequency: Any, recency: Any, T: Any, /) -> Any:
        """Conditional expected number of purchases in the next ``t`` time units."""

    def expected_purchases_new_customer(self, t: Any, /) -> Any:
        """Return the expected number of repeat purchases of a new customer within ``t``."""


@runtime_checkable
class SpendModel(Protocol):
    """What :func:`customer_lifetime_value` needs from a spend model.

    :class:`~custvalue.clv.GammaGammaModel` qualifies.
    """

    def expected_spend(self, frequency: Any, monetary_value: Any, /) -> Any:
        """Return the expected spend per future transaction given the observed mean."""

    def population_mean_spend(self) -> float:
        """Return the expected spend per transaction of a randomly chosen customer."""


# --- lifetime value -----------------------------------------------------------------


def check_grid(
    horizon: object, discount_rate: object, margin: object, step: object
) -> tuple[int, float, float, float]:
    h = int(check_scalar(horizon, "horizon", integer=True, low=1))
    d = float(check_scalar(discount_rate, "discount_rate", low=0.0))
    m = float(check_scalar(margin, "margin", low=0.0))
    s = float(check_scalar(step, "step", low=0.0, low_inclusive=False))
    return h, d, m, s


def history_arrays(
    data: pd.DataFrame | None,
    frequency: object,
    recency: object,
    T: object,
    monetary_value: object,
) -> tuple[Resolved, FloatArray, FloatArray, FloatArray, FloatArray]:
    """Resolve the inputs of a value computation: frequency, recency, age, mean spend.

    The age is ``T`` (or ``T_cal``), or ``n_periods`` for a BG/BB frame.
    """
    age_name = "T"
    if T is None and data is not None:
        data = check_dataframe(data, "data")
        if not {"T", "T_cal"} & set(data.columns) and "n_periods" in data.columns:
            age_name = "n_periods"
    res = resolve(
        {
            "frequency": frequency,
            "recency": recency,
            age_name: T,
            "monetary_value": monetary_value,
        },
        data=data,
    )
    x, r, t_age, mv = (
        np.ascontiguousarray(res.arrays[k])
        for k in ("frequency", "recency", age_name, "monetary_value")
    )
    return res, x, r, t_age, mv


def fitted_with_covariates(model: object) -> bool:
    """Whether ``model`` was fitted with covariates (its ``covariate_names_`` are not empty)."""
    return bool(getattr(model, "covariate_names_", ()))


def customer_predictions(
    transaction_model: TransactionModel,
    spend_model: SpendModel,
    data: pd.DataFrame | None,
    inputs: tuple[Resolved, FloatArray, FloatArray, FloatArray, FloatArray],
    grid: tuple[int, float, float],
) -> tuple[FloatArray, FloatArray, pd.DataFrame | None]:
    """Each customer's expected spend and discounted expected purchases (periods ``1..h``).

    ``inputs`` are those of :func:`history_arrays`, ``grid = (h, d, s)``.  A
    model fitted with covariates reads each customer's covariates from the
    rows of ``data`` (with the resolved history); the frame it was given is
    returned (None when neither model has covariates) for further predictions.
    """
    res, x, r, t_age, mv = inputs
    frame = None
    if fitted_with_covariates(transaction_model) or fitted_with_covariates(spend_model):
        if data is None or res.index is None:
            raise InputValueError(
                "models fitted with covariates read each customer's covariates from `data`: "
                "pass `data=` (one row per customer with the history and the covariate "
                "columns)."
            )
        frame = check_dataframe(data, "data").assign(
            frequency=x, recency=r, T=t_age, monetary_value=mv
        )
    if frame is not None and fitted_with_covariates(spend_model):
        raw = spend_model.expected_spend(data=frame)  # type: ignore[call-arg]
    else:
        raw = spend_model.expected_spend(x, mv)
    spend = np.asarray(raw, dtype=np.float64).reshape(-1)
    if spend.shape[0] != x.shape[0] or not np.all(np.isfinite(spend)):
        raise InputValueError("the spend model returned non-finite or misshaped expected spend.")
    h, d, s = grid
    purchases = discounted_purchases(transaction_model, x, r, t_age, (h, d, s), (frame, res))
    return spend, purchases, frame


def discounted_purchases(
    transaction_model: TransactionModel,
    x: FloatArray,
    r: FloatArray,
    t_age: FloatArray,
    grid: tuple[int, float, float],
    rows: tuple[pd.DataFrame | None, Resolved | None] = (None, None),
) -> FloatArray:
    """Return the expected purchases of periods ``1..h``, discounted at ``d`` per period.

    ``grid = (h, d, s)``.  A history model values all periods in one pass over
    the distinct histories (with covariates, those of the customers of
    ``rows = (data, resolved inputs)``); any other model is asked for the
    cumulative expectation of each period.
    """
    h, d, s = grid
    if isinstance(transaction_model, HistoryModel):
        value = transaction_model._discounted_purchases(
            x, r, t_age, h, d, s, data=rows[0], res=rows[1]
        )
        if not np.all(np.isfinite(value)):
            raise InputValueError("the transaction model returned non-finite expected purchases.")
        return value
    value = np.zeros(x.shape[0])
    previous = np.zeros(x.shape[0])
    for i in range(1, h + 1):
        cumulative = np.asarray(
            transaction_model.expected_purchases(i * s, x, r, t_age), dtype=np.float64
        ).reshape(-1)
        if cumulative.shape[0] != x.shape[0] or not np.all(np.isfinite(cumulative)):
            raise InputValueError(
                "the transaction model returned non-finite or misshaped expected purchases."
            )
        value += (cumulative - previous) / (1.0 + d) ** i
        previous = cumulative
    return value


def customer_lifetime_value(
    transaction_model: TransactionModel,
    spend_model: SpendModel,
    data: pd.DataFrame | None = None,
    *,
    horizon: int,
    discount_rate: float,
    margin: float = 1.0,
    step: float = 1.0,
    frequency: object | None = None,
    recency: object | None = None,
    T: object | None = None,
    monetary_value: object | None = None,
    interval: float | None = None,
    n_draws: int = DEFAULT_DRAWS,
    seed: int | None = None,
) -> Any:
    r"""Discounted expected profit of each existing customer over a finite horizon.

    The horizon is cut into ``horizon`` periods of ``step`` model time units.
    The expected purchases of each period are valued at the customer's
    expected spend per transaction times ``margin`` and discounted to today
    at ``discount_rate`` per period, with the cash flow of period :math:`i`
    placed at the period's end:

    .. math::

        \mathrm{CLV} = \sum_{i=1}^{H}
            \frac{\bigl(E[X(T, T + i s)] - E[X(T, T + (i-1) s)]\bigr)\,
                  E[Z \mid x, \bar z]\; \mathrm{margin}}{(1 + d)^{i}}

    where :math:`E[X(T, T+t)]` is ``transaction_model.expected_purchases(t,
    frequency, recency, T)`` and :math:`E[Z \mid x, \bar z]` is
    ``spend_model.expected_spend(frequency, monetary_value)``.

    Parameters
    ----------
    transaction_model : TransactionModel
        A fitted model offering ``expected_purchases(t, frequency, recency, T)``
        (BG/NBD, MBG/NBD, Pareto/NBD, BG/BB ...).
    spend_model : SpendModel
        A fitted model offering ``expected_spend(frequency, monetary_value)``,
        e.g. :class:`~custvalue.clv.GammaGammaModel`.
    data : pandas.DataFrame, optional
        One row per customer with columns ``frequency``, ``recency``, ``T``
        (or ``n_periods`` for BG/BB) and ``monetary_value`` — the output of
        :func:`custvalue.rfm.rfm_summary` fits.  Explicit arrays win over columns.
    horizon : int
        Number of discounting periods :math:`H` (``>= 1``).
    discount_rate : float
        Discount rate :math:`d` per period (``>= 0``; e.g. 0.01 per month).
    margin : float, default 1.0
        Profit margin applied to the expected spend (``>= 0``).
    step : float, default 1.0
        Length :math:`s` of one period in the time unit of the transaction
        model (e.g. ``30`` for monthly periods with a model fitted in days,
        ``1`` for BG/BB with one period per transaction opportunity).
    frequency, recency, T, monetary_value : array-like, optional
        Per-customer inputs overriding the columns of ``data``.
    interval : float, optional
        A level in (0, 1): return a DataFrame with columns ``estimate``,
        ``lower`` and ``upper``, the equal-tailed interval over ``n_draws``
        draws of both models' parameters from their asymptotic normal
        distribution on the log scale (independently per model; both must be
        fitted).  Cost: ``n_draws`` CLV computations.  See :doc:`/clv_uncertainty`.
    n_draws : int, default 500
        Number of parameter draws of ``interval``.
    seed : int, optional
        Seed of the draws (the same seed gives the same interval).

    Returns
    -------
    pandas.Series or numpy.ndarray
        Lifetime value per customer, named ``"clv"``: a Series on the index of
        ``data`` (or of the first Series input), else an array (a DataFrame
        with ``interval``).

    Raises
    ------
    InputValueError
        For missing or infeasible inputs (messages name the argument), or if a
        model returns non-finite values.
    InputTypeError
        If an argument has the wrong type, or a model lacks the prediction methods.
    MissingColumnError
        If ``data`` lacks a needed column.

    Notes
    -----
    With ``step = 30`` (a model fitted in days), ``horizon = 12`` and a monthly
    ``discount_rate`` this reproduces lifetimes'
    ``GammaGammaFitter.customer_lifetime_value(..., time=12, freq="D")``
    exactly.  Customers with ``frequency == 0`` are valued at the population
    mean spend (the Gamma-Gamma posterior with no transactions); their
    ``monetary_value`` is ignored.  The first purchase, already made, is not
    counted.  Choose ``step`` and ``discount_rate`` together: the rate applies
    per period of length ``step``.

    References
    ----------
    .. [1] Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005), "RFM and CLV:
       Using Iso-Value Curves for Customer Base Analysis", Journal of
       Marketing Research, 42 (4), 415-430, eqs. (1) and (5).

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.clv import (BetaGeoBetaBinomModel, BetaGeoBetaBinomParams,
    ...     GammaGammaModel, GammaGammaParams, customer_lifetime_value)
    >>> bgbb = BetaGeoBetaBinomModel.from_params(BetaGeoBetaBinomParams(1.2, 0.75, 0.66, 2.78))
    >>> gg = GammaGammaModel.from_params(GammaGammaParams(p=6.25, q=3.74, v=15.44))
    >>> rfm = pd.DataFrame({"frequency": [0, 3, 6], "recency": [0, 4, 6],
    ...                     "n_periods": [6, 6, 6], "monetary_value": [0.0, 30.0, 45.0]},
    ...                    index=["a", "b", "c"])
    >>> customer_lifetime_value(bgbb, gg, rfm, horizon=5, discount_rate=0.1).round(2)
    a      1.95
    b     24.22
    c    127.38
    Name: clv, dtype: float64
    """
    if interval is not None:
        return predict_with_interval(
            [transaction_model, spend_model],
            lambda tm, sm: customer_lifetime_value(
                tm,
                sm,
                data,
                horizon=horizon,
                discount_rate=discount_rate,
                margin=margin,
                step=step,
                frequency=frequency,
                recency=recency,
                T=T,
                monetary_value=monetary_value,
            ),
            interval,
            n_draws,
            seed,
        )
    for name, model, methods in (
        ("transaction_model", transaction_model, ("expected_purchases",)),
        ("spend_model", spend_model, ("expected_spend",)),
    ):
        if not all(callable(getattr(model, m, None)) for m in methods):
            raise InputTypeError(
                f"`{name}` must offer {', '.join(methods)}(...); got {type(model).__name__}."
            )
    h, d, m, s = check_grid(horizon, discount_rate, margin, step)
    inputs = history_arrays(data, frequency, recency, T, monetary_value)
    spend, value, _ = customer_predictions(transaction_model, spend_model, data, inputs, (h, d, s))
    return shape_output(value * spend * m, inputs[0], "clv")


def acquisition_value(
    transaction_model: TransactionModel,
    spend_model: SpendModel,
    *,
    horizon: int,
    discount_rate: float,
    margin: float = 1.0,
    step: float = 1.0,
    include_first_purchase: bool = False,
) -> float:
    r"""Discounted expected profit of a newly acquired customer: the ceiling on acquisition spend.

    The same sum as :func:`customer_lifetime_value`, with the unconditional
    :math:`E[X(t)]` of a customer who has just made the first purchase and the
    population mean spend :math:`E[Z]`:

    .. math::

        V = \sum_{i=1}^{H} \frac{\bigl(E[X(i s)] - E[X((i-1) s)]\bigr)\,
            E[Z]\; \mathrm{margin}}{(1 + d)^{i}}
            \;\bigl[+\; E[Z]\,\mathrm{margin}\bigr]

    Parameters
    ----------
    transaction_model : TransactionModel
        A fitted model offering ``expected_purchases_new_customer(t)``.
    spend_model : SpendModel
        A fitted model offering ``population_mean_spend()``.
    horizon : int
        Number of discounting periods :math:`H` (``>= 1``).
    discount_rate : float
        Discount rate :math:`d` per period (``>= 0``).
    margin : float, default 1.0
        Profit margin applied to spend (``>= 0``).
    step : float, default 1.0
        Length :math:`s` of one period in the transaction model's time unit.
    include_first_purchase : bool, default False
        Add the (undiscounted) margin of the acquiring purchase itself, the
        bracketed term.  The default counts repeat purchases only, like
        :func:`customer_lifetime_value`.

    Returns
    -------
    float
        Expected discounted profit of one new customer.

    Raises
    ------
    InputValueError
        For infeasible arguments (messages name the argument) or if a model
        returns non-finite values.
    InputTypeError
        If an argument has the wrong type or a model lacks the needed methods.

    Notes
    -----
    The population mean spend of the Gamma-Gamma model, :math:`pv/(q-1)`, is
    the mean of the spend distribution of repeat transactions; using it for the
    first purchase (``include_first_purchase=True``) assumes the first basket
    is like later ones.  This is the valuation of a new customer of Fader,
    Hardie & Lee (2005b, "RFM and CLV"; reference in
    :class:`~custvalue.clv.GammaGammaModel`).

    Examples
    --------
    >>> from custvalue.clv import (BetaGeoBetaBinomModel, BetaGeoBetaBinomParams,
    ...     GammaGammaModel, GammaGammaParams, acquisition_value)
    >>> bgbb = BetaGeoBetaBinomModel.from_params(BetaGeoBetaBinomParams(1.2, 0.75, 0.66, 2.78))
    >>> gg = GammaGammaModel.from_params(GammaGammaParams(p=6.25, q=3.74, v=15.44))
    >>> round(acquisition_value(bgbb, gg, horizon=5, discount_rate=0.1, margin=0.3), 2)
    15.83
    """
    for name, model, method in (
        ("transaction_model", transaction_model, "expected_purchases_new_customer"),
        ("spend_model", spend_model, "population_mean_spend"),
    ):
        if not callable(getattr(model, method, None)):
            raise InputTypeError(f"`{name}` must offer {method}(...); got {type(model).__name__}.")
        if fitted_with_covariates(model):
            raise InputValueError(
                f"`{name}` was fitted with covariates: a new customer's value depends on "
                f"them; value a typical new customer with customer_lifetime_value(..., "
                f"data=frame) (frequency 0 and its covariates), or fit without covariates."
            )
    if not isinstance(include_first_purchase, bool):
        raise InputTypeError(
            f"`include_first_purchase` must be True or False, got {include_first_purchase!r}."
        )
    h, d, m, s = check_grid(horizon, discount_rate, margin, step)
    spend = float(spend_model.population_mean_spend())
    if not np.isfinite(spend):
        raise InputValueError("the spend model returned a non-finite population mean spend.")
    total = 0.0
    previous = 0.0
    for i in range(1, h + 1):
        cumulative = float(
            np.asarray(transaction_model.expected_purchases_new_customer(i * s)).reshape(-1)[0]
        )
        if not np.isfinite(cumulative):
            raise InputValueError("the transaction model returned non-finite expected purchases.")
        total += (cumulative - previous) / (1.0 + d) ** i
        previous = cumulative
    value = total * spend * m
    if include_first_purchase:
        value += spend * m
    return float(value)
