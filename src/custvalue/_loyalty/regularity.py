"""Purchase rhythm per customer (see :func:`custvalue.loyalty.purchase_regularity`)."""

from __future__ import annotations

from typing import Any
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from custvalue._core.docs import LOG_PARAMS
from custvalue._core.docs import fill_doc
from custvalue._core.transactions import RETURNS
from custvalue._core.transactions import filter_window
from custvalue._core.transactions import period_of
from custvalue._core.transactions import read_log
from custvalue._core.validation import check_choice
from custvalue._loyalty.common import sorted_codes
from custvalue._loyalty.kernels import regularity_stats


@fill_doc(LOG_PARAMS)
def purchase_regularity(
    transactions: pd.DataFrame,
    *,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str | None = None,
    observation_end: object = None,
    freq: str | None = None,
    returns: Literal["error", "net", "drop"] = "error",
    date_format: str | None = None,
) -> pd.DataFrame:
    r"""Measure each customer's purchase rhythm and how overdue they are against it.

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per transaction, read exactly as by
        :func:`custvalue.rfm.rfm_summary` (same columns, periods and checks).
    %(customer_col)s
    %(date_col)s
    amount_col : str, optional
        Column with transaction amounts (finite); when given, the
        ``spend_trend`` column is added and negative amounts (returns)
        follow ``returns``.
    %(observation_end)s
    %(freq)s
        Intervals are counted in these periods.
    %(returns)s
        A customer left without a purchase is not listed.
    %(date_format)s

    Returns
    -------
    pandas.DataFrame
        Indexed by customer id (sorted ascending, the same rows as
        ``rfm_summary`` with the same arguments), with columns

        - ``purchases`` (int): purchase occasions (distinct periods);
        - ``mean_interval``: mean gap between consecutive occasions, in periods;
        - ``std_interval``: sample standard deviation of the gaps;
        - ``cv_interval``: ``std_interval / mean_interval`` (0 = perfectly regular);
        - ``inactivity``: periods from the last occasion to ``observation_end``;
        - ``overdue_periods``: ``inactivity - mean_interval`` (positive = late);
        - ``overdue_ratio``: ``inactivity / mean_interval`` (above 1 = late);
        - ``spend_trend`` (with ``amount_col``): see Notes, in ``[-1, 1]``.

    Raises
    ------
    MissingColumnError, InputTypeError, InputValueError
        As :func:`custvalue.rfm.rfm_summary` for the log and its arguments
        (a column name that is not a single label, missing customer ids,
        negative amounts with ``returns="error"``, an unknown ``freq``).

    Notes
    -----
    All purchases of a customer within one period form one *occasion*; the
    gaps are the differences between consecutive occasions
    :math:`t_1 < \dots < t_m`, :math:`g_j = t_{j+1} - t_j`.  Only completed
    gaps count: the open time since the last occasion is ``inactivity``.

    - ``mean_interval`` :math:`= (t_m - t_1)/(m - 1)`, which is
      ``recency / frequency`` of the RFM summary; undefined (NaN) for a
      single occasion, and so are ``overdue_periods`` and ``overdue_ratio``.
    - ``std_interval`` uses the sample formula (divisor :math:`m - 2`, the
      number of gaps minus one), so it needs at least two gaps: it and
      ``cv_interval`` are NaN for customers with fewer than three occasions.
      Two gaps of 5 and 15 periods give ``std_interval`` 7.07 and
      ``cv_interval`` 0.71.
    - ``spend_trend`` compares the spend of the customer's later occasions
      with that of the earlier ones: with :math:`h = \lfloor m/2 \rfloor`,
      :math:`E` the total of the first :math:`h` occasions and :math:`L` that
      of the last :math:`h` (the middle occasion of an odd count is left
      out), the trend is :math:`(L - E)/(L + E)`: ``0`` for flat spend (and
      when both are zero), ``+1/3`` when the later occasions spend twice as
      much, ``-1/3`` when half as much, ``±1`` when one side spent nothing.
      It is NaN for a single occasion.  The bounded form keeps customers
      whose early spend was zero comparable.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.loyalty import purchase_regularity
    >>> log = pd.DataFrame({
    ...     "customer_id": ["a", "a", "a", "a", "b", "b", "c"],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-01-11", "2024-01-21", "2024-01-31",
    ...                             "2024-01-05", "2024-01-25", "2024-01-20"]),
    ...     "amount": [10.0, 10.0, 20.0, 20.0, 30.0, 10.0, 5.0],
    ... })
    >>> reg = purchase_regularity(log, amount_col="amount", observation_end="2024-02-10")
    >>> reg[["purchases", "mean_interval", "cv_interval", "overdue_ratio", "spend_trend"]]
                 purchases  mean_interval  cv_interval  overdue_ratio  spend_trend
    customer_id
    a                    4           10.0          0.0            1.0     0.333333
    b                    2           20.0          NaN            0.8    -0.500000
    c                    1            NaN          NaN            NaN          NaN
    """
    check_choice(returns, "returns", RETURNS)
    log = read_log(transactions, customer_col, date_col, amount_col, freq, returns, date_format)
    end = (
        log.last_period()
        if observation_end is None
        else period_of(observation_end, "observation_end", log)
    )
    codes, ids, periods, amounts = filter_window(log, end)
    codes, ids = sorted_codes(codes, ids)
    purchases, last, mean_gap, sd_gap, trend = regularity_stats(codes, periods, amounts, len(ids))
    inactivity = end - last
    with np.errstate(invalid="ignore", divide="ignore"):
        cv = sd_gap / mean_gap
        ratio = inactivity / mean_gap
    out: dict[str, npt.NDArray[Any]] = {
        "purchases": purchases,
        "mean_interval": mean_gap,
        "std_interval": sd_gap,
        "cv_interval": cv,
        "inactivity": inactivity,
        "overdue_periods": inactivity - mean_gap,
        "overdue_ratio": ratio,
    }
    if log.has_amounts:
        out["spend_trend"] = trend
    return pd.DataFrame(out, index=ids)
