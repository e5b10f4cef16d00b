"""One customer's P(alive) over time."""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
import pandas as pd

from custvalue._core.docs import fill_doc
from custvalue._core.signatures import same_options
from custvalue._core.validation import check_column_name
from custvalue._diagnostics.checks import as_float
from custvalue._diagnostics.checks import check_frame
from custvalue._diagnostics.checks import model_method
from custvalue._diagnostics.checks import positive_int
from custvalue._diagnostics.docs import DIAG_DOCS
from custvalue._diagnostics.tracking import expected_cumulative_transactions
from custvalue._diagnostics.tracking import log_offsets
from custvalue.errors import InputValueError

_TRACKING = inspect.signature(expected_cumulative_transactions)


@same_options(expected_cumulative_transactions, object)
@fill_doc(DIAG_DOCS)
def probability_alive_history(model: object, **options: Any) -> pd.DataFrame:
    """Return one customer's probability of being alive, period by period.

    It reads the log as :func:`expected_cumulative_transactions` does, with the
    same options.

    Parameters
    ----------
    %(model_probability_alive)s
    transactions : pandas.DataFrame
        The purchases of ONE customer (filter the log first).
    t : int
        Number of periods after the first purchase to follow.
    customer_col : str or None, default "customer_id"
        If ``transactions`` has this column, it must hold a single id
        (several customers are refused rather than merged); without it, or
        with None, every line is the customer's.
    %(dated_log)s

    Returns
    -------
    pandas.DataFrame
        Indexed by the period offset ``0 .. t``; columns ``period``,
        ``purchase`` (a purchase in that period), ``frequency``, ``recency``,
        ``T`` (the summary as of the end of that period) and ``p_alive``.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.clv import BetaGeoModel, BetaGeoParams
    >>> from custvalue.diagnostics import probability_alive_history
    >>> one = pd.DataFrame({"date": pd.to_datetime(["2024-01-01", "2024-01-03"])})
    >>> model = BetaGeoModel.from_params(BetaGeoParams(r=0.24, alpha=4.4, a=0.79, b=2.4))
    >>> history = probability_alive_history(model, one, 4)
    >>> history[["purchase", "frequency", "recency", "T"]].to_numpy().tolist()
    [[1, 0, 0, 0], [0, 0, 0, 1], [1, 1, 2, 2], [0, 1, 2, 3], [0, 1, 2, 4]]
    """
    arguments = _TRACKING.bind(model, **options)
    arguments.apply_defaults()
    return _history(**arguments.arguments)


def _history(
    model: object,
    transactions: pd.DataFrame,
    t: int,
    customer_col: str | None,
    date_col: str,
    freq: object,
    amount_col: str | None,
    returns: object,
    date_format: object,
) -> pd.DataFrame:
    transactions = check_frame(transactions, "transactions", [date_col])
    if customer_col is not None:
        customer_col = check_column_name(customer_col, "customer_col")
    if customer_col is not None and customer_col not in transactions.columns:
        customer_col = None  # a frame of one customer's dates
    t = positive_int(t, "t")
    alive = model_method(model, "probability_alive")
    codes, all_offsets, start = log_offsets(
        transactions, customer_col, date_col, amount_col, freq, returns, date_format
    )
    if codes.size == 0:
        raise InputValueError("`transactions` has no purchase; pass one customer's purchases.")
    if codes.max() > 0:
        raise InputValueError(
            f"`transactions` must hold one customer's purchases, got {int(codes.max()) + 1} ids "
            f"in column {customer_col!r}; fix by filtering the log to one customer first."
        )
    offset = np.unique(all_offsets)
    offset = offset[offset <= t]
    purchase = np.zeros(t + 1, dtype=np.int64)
    purchase[offset] = 1
    frequency = np.cumsum(purchase) - 1
    steps = np.arange(t + 1)
    last = np.maximum.accumulate(np.where(purchase == 1, steps, 0))
    T = steps.astype(np.float64)
    p_alive = as_float(alive(frequency.astype(np.float64), last.astype(np.float64), T))
    return pd.DataFrame(
        {
            "period": pd.period_range(start, periods=t + 1, freq=start.freq),
            "purchase": purchase,
            "frequency": frequency,
            "recency": last,
            "T": steps,
            "p_alive": p_alive,
        },
        index=pd.RangeIndex(t + 1, name="t"),
    )
