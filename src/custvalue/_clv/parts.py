r"""The three parts of customer value: historical, current and potential.

A customer is valued as the profit already brought (historical), the
discounted lifetime value if the customer goes on as now (current, from the
fitted transaction and spend models) and the upside if the customer rose to
the purchase rate and spend of the better customers of its group (potential).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from custvalue._clv.value import SpendModel
from custvalue._clv.value import TransactionModel
from custvalue._clv.value import check_grid
from custvalue._clv.value import customer_predictions
from custvalue._clv.value import fitted_with_covariates
from custvalue._clv.value import history_arrays
from custvalue._core.validation import as_float_array
from custvalue._core.validation import check_scalar
from custvalue.errors import InputTypeError
from custvalue.errors import InputValueError

__all__ = ["customer_value_parts"]

FloatArray = npt.NDArray[np.float64]


def _per_customer(value: object, name: str, index: pd.Index, *, numeric: bool) -> Any:
    """Read a per-customer input: a Series aligned on ``index``, or one value per customer."""
    if isinstance(value, pd.DataFrame):
        raise InputTypeError(f"`{name}` must be a Series or an array, got a DataFrame.")
    if isinstance(value, pd.Series):
        missing = index.difference(value.index)
        if len(missing) or not value.index.is_unique:
            raise InputValueError(
                f"`{name}` must hold one value for every customer of `data` (unique index); "
                f"{len(missing)} customer(s) missing, e.g. {list(missing[:3])!r}; fix by "
                f"reindexing it on data.index (fill_value=0 for no profit)."
            )
        value = value.reindex(index)
    arr = np.asarray(value)
    if arr.ndim != 1 or arr.shape[0] != len(index):
        raise InputValueError(
            f"`{name}` must have one value per customer ({len(index)}), got shape {arr.shape}."
        )
    if numeric:
        return as_float_array(arr, name)
    if pd.isna(arr).any():
        raise InputValueError(f"`{name}` has missing values; give every customer a group.")
    return arr


def customer_value_parts(
    transaction_model: TransactionModel,
    spend_model: SpendModel,
    data: pd.DataFrame | None = None,
    *,
    historical: object,
    horizon: int,
    discount_rate: float,
    group: object = None,
    quantile: float = 0.75,
    margin: float = 1.0,
    step: float = 1.0,
    historical_rate: float = 0.0,
    historical_periods: object = 0.0,
    frequency: object = None,
    recency: object = None,
    T: object = None,
    monetary_value: object = None,
) -> pd.DataFrame:
    r"""Historical, current and potential value of each customer, each its own column.

    - **historical** :math:`H_i`: the profit the customer has already brought,
      given as ``historical`` (e.g. the per-customer sum of
      :func:`custvalue.tiers.profit_contribution`'s ``profit``), compounded to
      today as :math:`H_i (1 + \rho)^{k_i}` with ``historical_rate``
      :math:`\rho` and ``historical_periods`` :math:`k_i` (default no compounding);
    - **current** :math:`C_i`: the discounted CLV if the customer goes on as
      now, :func:`customer_lifetime_value` with the same ``horizon``,
      ``discount_rate``, ``margin`` and ``step``:
      :math:`C_i = D_i\,E[Z_i]\,\mathrm{margin}`, :math:`D_i` the discounted
      expected purchases and :math:`E[Z_i]` the expected spend;
    - **potential** :math:`P_i`: the upside if the customer rose to the
      purchase rate and spend of the better customers of its group,

      .. math::

          P_i = \max\Big(0,\; P_A(i)\,Q_q\Big[\frac{D_j}{P_A(j)}\Big]_{j \in g(i)}
                \,Q_q\big[E[Z_j]\big]_{j \in g(i)}\,\mathrm{margin} - C_i\Big),

      :math:`P_A` the probability of being alive, :math:`Q_q` the
      ``quantile`` :math:`q` within the customer's group :math:`g(i)`
      (``group``, e.g. the RFM segment or ABC class; all customers one group
      by default) and :math:`D_j / P_A(j)` the discounted purchases of
      customer :math:`j` if alive.

    ``total`` is their sum.

    Parameters
    ----------
    transaction_model, spend_model
        Fitted models as for :func:`customer_lifetime_value`; the transaction
        model must also offer ``probability_alive(frequency, recency, T)``.
    data : pandas.DataFrame, optional
        One row per customer with ``frequency``, ``recency``, ``T`` (or
        ``n_periods``) and ``monetary_value``; the result is on its index.
    historical : pandas.Series or array-like
        Profit already brought per customer (a Series must cover every customer
        of ``data``; it is aligned on ``data.index``).
    horizon, discount_rate, margin, step
        As for :func:`customer_lifetime_value`.
    group : pandas.Series or array-like, optional
        Group label per customer (aligned like ``historical``).
    quantile : float, default 0.75
        The level :math:`q` in [0, 1] that defines the "better customers".
    historical_rate : float, default 0.0
        Rate per period at which past profit is compounded to today.
    historical_periods : float or array-like, default 0.0
        Periods between the (mean) date of the past profit and today.
    frequency, recency, T, monetary_value : array-like, optional
        Per-customer inputs overriding the columns of ``data``.

    Returns
    -------
    pandas.DataFrame
        Columns ``historical``, ``current``, ``potential``, ``total`` on the
        index of ``data`` (or of the Series inputs).

    Raises
    ------
    InputValueError
        For a ``historical`` or ``group`` that misses customers, bad rates or
        quantiles, and the errors of :func:`customer_lifetime_value`.
    InputTypeError
        If a model lacks a needed method.

    Notes
    -----
    Assumptions: the customer's probability of being alive is kept (potential
    is an upside of engagement, not of retention); frequency and spend are
    raised to their group quantiles separately (the transaction and spend
    models are independent); a customer at or above the quantile in both has
    potential 0; historical value is taken as given (no model).  This follows
    the historical + current + potential decomposition of customer value of
    Gupta & Lehmann (2005) and Kumar (2008), with potential defined against
    peers of the same segment.

    References
    ----------
    Gupta, S. & Lehmann, D. R. (2005). *Managing Customers as Investments*.
    Wharton School Publishing.
    Kumar, V. (2008). *Managing Customers for Profit*. Wharton School Publishing.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.clv import (BetaGeoModel, BetaGeoParams, GammaGammaModel,
    ...     GammaGammaParams, customer_value_parts)
    >>> bg = BetaGeoModel.from_params(BetaGeoParams(0.243, 4.414, 0.793, 2.426))
    >>> gg = GammaGammaModel.from_params(GammaGammaParams(6.25, 3.74, 15.44))
    >>> rfm = pd.DataFrame({"frequency": [2, 7, 1], "recency": [30.0, 35.0, 10.0],
    ...                     "T": [38.0, 38.0, 38.0], "monetary_value": [20.0, 40.0, 15.0]},
    ...                    index=pd.Index(["ann", "bob", "cid"], name="customer"))
    >>> past = pd.Series({"ann": 50.0, "bob": 300.0, "cid": 12.0})
    >>> parts = customer_value_parts(bg, gg, rfm, historical=past, horizon=12,
    ...                              discount_rate=0.01, step=4.0, quantile=1.0)
    >>> parts.round(2)
              historical  current  potential   total
    customer
    ann             50.0    31.92     138.68  220.60
    bob            300.0   201.45       0.00  501.45
    cid             12.0    10.31      93.55  115.86
    >>> float(parts.loc["bob", "potential"])
    0.0
    """
    for name, model, method in (
        ("transaction_model", transaction_model, "probability_alive"),
        ("transaction_model", transaction_model, "expected_purchases"),
        ("spend_model", spend_model, "expected_spend"),
    ):
        if not callable(getattr(model, method, None)):
            raise InputTypeError(f"`{name}` must offer {method}(...); got {type(model).__name__}.")
    q = check_scalar(quantile, "quantile", low=0.0, high=1.0)
    rate = check_scalar(historical_rate, "historical_rate", low=0.0)
    h, d, m, s = check_grid(horizon, discount_rate, margin, step)
    res, x, r, t_age, mv = history_arrays(data, frequency, recency, T, monetary_value)
    index = res.index if res.index is not None else pd.RangeIndex(x.shape[0])
    past = _per_customer(historical, "historical", index, numeric=True)
    if np.ndim(historical_periods) == 0:  # type: ignore[arg-type]
        years = check_scalar(historical_periods, "historical_periods", low=0.0)
        periods = np.full(len(index), years)
    else:
        periods = _per_customer(historical_periods, "historical_periods", index, numeric=True)
        if np.any(periods < 0):
            raise InputValueError("`historical_periods` must be >= 0 (periods since the profit).")
    keys = pd.Series(
        0 if group is None else _per_customer(group, "group", index, numeric=False),
        index=index,
    )
    inputs = (res, x, r, t_age, mv)
    spend, purchases, frame = customer_predictions(
        transaction_model, spend_model, data, inputs, (h, d, s)
    )
    current = purchases * spend * m
    p_alive: Any = transaction_model.probability_alive  # type: ignore[attr-defined]
    covariates = frame is not None and fitted_with_covariates(transaction_model)
    alive = np.asarray(
        p_alive(data=frame) if covariates else p_alive(x, r, t_age), dtype=np.float64
    ).reshape(-1)
    if not (spend.shape == alive.shape == x.shape and np.all(np.isfinite(spend * alive))):
        raise InputValueError("the models returned non-finite or misshaped predictions.")
    # discounted purchases if alive; the better customers' level within each group
    if_alive = np.divide(purchases, alive, out=np.zeros_like(purchases), where=alive > 0)
    target_rate = pd.Series(if_alive, index=index).groupby(keys).transform("quantile", q)
    target_spend = pd.Series(spend, index=index).groupby(keys).transform("quantile", q)
    aspiration = alive * target_rate.to_numpy() * target_spend.to_numpy() * m
    potential = np.maximum(aspiration - current, 0.0)
    hist = past * (1.0 + rate) ** periods
    return pd.DataFrame(
        {
            "historical": hist,
            "current": current,
            "potential": potential,
            "total": hist + current + potential,
        },
        index=index,
    )
