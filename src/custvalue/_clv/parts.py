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
from custvalue._clv.value import discounted_purchases
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
    """Compute the parts of :func:`custvalue.clv.customer_value_parts` (see its docstring)."""
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
    spend = np.asarray(spend_model.expected_spend(x, mv), dtype=np.float64).reshape(-1)
    purchases = discounted_purchases(transaction_model, x, r, t_age, h, d, s)
    current = purchases * spend * m
    alive = np.asarray(
        transaction_model.probability_alive(x, r, t_age),  # type: ignore[attr-defined]
        dtype=np.float64,
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
