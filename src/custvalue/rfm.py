"""RFM: from a transaction log to per-customer recency, frequency and monetary value.

The summary produced here is the input of everything downstream: scores and
segment maps, the CLV models of :mod:`custvalue.clv`, tiers and loyalty.

Time is measured in *purchase periods*.  With a datetime column, each
transaction falls into a pandas period of frequency ``freq`` (``"D"`` days,
``"W"`` weeks Monday–Sunday, ``"M"`` calendar months, or any other pandas
period alias such as ``"Q"`` or ``"h"``); several purchases in the same period
count once.  With a numeric time column, the values are used as they are
(each distinct value is one purchase time, in the column's own unit).

The columns follow the conventions of the ``lifetimes`` package
(``summary_data_from_transaction_data``) so that CLV models fitted here and
there see identical numbers.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from custvalue._core.ids import sorting_order
from custvalue._core.transactions import (
    TransactionLog,
    filter_window,
    period_of,
    read_transactions,
)
from custvalue._rfm.kernels import customer_periods, distinct_period_counts
from custvalue._rfm.scores import rfm_scores
from custvalue._rfm.segments import (
    SegmentRule,
    SegmentRulesReport,
    check_segment_rules,
    rfm_segments,
    segment_rules,
)
from custvalue.errors import InputValueError

__all__ = [
    "SegmentRule",
    "SegmentRulesReport",
    "calibration_holdout_summary",
    "check_segment_rules",
    "rfm_scores",
    "rfm_segments",
    "rfm_summary",
    "segment_rules",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def rfm_summary(
    transactions: pd.DataFrame,
    *,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str | None = None,
    observation_end: object = None,
    freq: str = "D",
) -> pd.DataFrame:
    """Summarise a transaction log into one row of recency, frequency and value per customer.

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per transaction (any order; several per period allowed).
    customer_col : str, default "customer_id"
        Column with the customer id (any hashable type; missing ids are an error).
    date_col : str, default "date"
        Column with the purchase time: ``datetime64`` (naive or time-zone
        aware) or numeric.  Strings are refused: convert with
        :func:`pandas.to_datetime`.
    amount_col : str, optional
        Column with the amount of each transaction (finite, ``>= 0``).  When
        given, ``monetary_value`` and ``total_value`` are returned.
    observation_end : date or number, optional
        End of the observation window.  Defaults to the latest transaction.
        Transactions in later periods are excluded (as in lifetimes); customers
        whose first purchase is later are absent from the result.
    freq : str, default "D"
        Period length for datetime columns: ``"D"``, ``"W"`` (Monday–Sunday),
        ``"M"`` or any pandas period alias.  Ignored for numeric time columns.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer id (sorted ascending), with columns

        - ``frequency`` (int): repeat purchase periods, ``purchases - 1``;
        - ``recency`` (float): last minus first purchase period;
        - ``T`` (float): ``observation_end``'s period minus the first purchase period;
        - ``monetary_value`` (float): mean of the per-period amount totals of the
          repeat periods (the first purchase period excluded), ``0`` without repeats;
        - ``purchases`` (int): distinct purchase periods;
        - ``total_value`` (float): sum of all amounts in the window;
        - ``inactivity`` (float): ``T - recency``, periods since the last purchase.

        ``monetary_value`` and ``total_value`` are present only with ``amount_col``.

    Raises
    ------
    MissingColumnError
        If a named column is absent.
    InputTypeError
        If the date column is neither datetime64 nor numeric, or an argument
        has the wrong type.
    InputValueError
        For an empty log, missing ids or dates, negative or non-finite amounts,
        an unknown ``freq``, a time-zone mismatch, or an ``observation_end``
        before every transaction.

    Notes
    -----
    Time-zone-aware dates are bucketed by the wall-clock date in their own
    zone; a time-zone-aware ``observation_end`` is first converted to that
    zone.  Periods follow pandas: ``recency`` and ``T`` are differences of
    period ordinals (for ``"D"`` and ``"W"`` this equals lifetimes'
    timedelta division; for ``"M"`` it counts calendar months).  The caller's
    frame is never modified.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.rfm import rfm_summary
    >>> log = pd.DataFrame({
    ...     "customer_id": ["a", "a", "a", "b"],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-04", "2024-01-03"]),
    ...     "amount": [10.0, 5.0, 20.0, 7.5],
    ... })
    >>> rfm_summary(log, amount_col="amount", observation_end="2024-01-10")
                 frequency  recency    T  monetary_value  purchases  total_value  inactivity
    customer_id
    a                    1      3.0  9.0            20.0          2         35.0         6.0
    b                    0      0.0  7.0             0.0          1          7.5         7.0
    """
    log = read_transactions(transactions, customer_col, date_col, amount_col, freq)
    end = (
        float(log.periods.max())
        if observation_end is None
        else period_of(observation_end, "observation_end", log, freq)
    )
    return _summarize(log, end)


def _summarize(log: TransactionLog, end: float) -> pd.DataFrame:
    codes, ids, periods, amounts = filter_window(log, end)
    first, last, n_periods, total, repeat_total = customer_periods(
        codes, periods, amounts, len(ids)
    )
    frequency = n_periods - 1
    recency = last - first
    T = end - first
    out = {"frequency": frequency, "recency": recency, "T": T}
    if log.has_amounts:
        with np.errstate(invalid="ignore", divide="ignore"):
            out["monetary_value"] = np.where(frequency > 0, repeat_total / frequency, 0.0)
    out["purchases"] = n_periods
    if log.has_amounts:
        out["total_value"] = total
    out["inactivity"] = T - recency
    if not ids.is_monotonic_increasing:
        order = sorting_order(ids)
        out = {k: v[order] for k, v in out.items()}
        ids = ids[order]
    return pd.DataFrame(out, index=ids, copy=False)


def calibration_holdout_summary(
    transactions: pd.DataFrame,
    calibration_end: object,
    observation_end: object,
    *,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str | None = None,
    freq: str = "D",
) -> pd.DataFrame:
    """Split a log at ``calibration_end`` into a calibration summary and holdout outcomes.

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per transaction; see :func:`rfm_summary`.
    calibration_end : date or number
        Last period of the calibration window (inclusive).
    observation_end : date or number
        Last period of the holdout window (inclusive); must be later than
        ``calibration_end``.
    customer_col, date_col, amount_col, freq
        As in :func:`rfm_summary`.

    Returns
    -------
    pandas.DataFrame
        One row per customer with a purchase up to ``calibration_end``
        (customers first seen in the holdout are not included), with the
        columns of lifetimes' ``calibration_and_holdout_data``:
        ``frequency_cal``, ``recency_cal``, ``T_cal`` (and
        ``monetary_value_cal`` with ``amount_col``), as :func:`rfm_summary`
        computes them on the calibration window; ``frequency_holdout``, the
        number of distinct purchase periods in the holdout window (0 if
        none); ``monetary_value_holdout`` (with ``amount_col``), the mean
        amount per holdout *transaction* (0 if none), and
        ``duration_holdout``, the holdout length in periods.

    Raises
    ------
    InputValueError
        If ``observation_end`` is not after ``calibration_end``, or as
        :func:`rfm_summary`.

    Notes
    -----
    The holdout window holds the periods strictly after
    ``calibration_end``'s period and up to ``observation_end``'s period.
    Both windows are made of whole periods.  lifetimes instead cuts at the
    raw ``calibration_end`` timestamp, so when that falls inside a period
    (e.g. a Tuesday with ``freq="W"``) it splits the period between the
    windows and counts its later part as a holdout purchase period; the two
    agree whenever ``calibration_end`` closes a period (any date with
    ``freq="D"`` and date-only data, a Sunday with ``freq="W"``).  The holdout
    ``monetary_value_holdout`` averages transaction amounts, as lifetimes does.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.rfm import calibration_holdout_summary
    >>> log = pd.DataFrame({
    ...     "customer_id": [1, 1, 1, 2, 3],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-01-05", "2024-01-12",
    ...                             "2024-01-02", "2024-01-11"]),
    ... })
    >>> calibration_holdout_summary(log, "2024-01-07", "2024-01-14")
                 frequency_cal  recency_cal  T_cal  frequency_holdout  duration_holdout
    customer_id
    1                        1          4.0    6.0                  1               7.0
    2                        0          0.0    5.0                  0               7.0
    """
    log = read_transactions(transactions, customer_col, date_col, amount_col, freq)
    cal_end = period_of(calibration_end, "calibration_end", log, freq)
    obs_end = period_of(observation_end, "observation_end", log, freq)
    if obs_end <= cal_end:
        raise InputValueError(
            f"`observation_end` ({observation_end!r}) must fall in a later period than "
            f"`calibration_end` ({calibration_end!r})."
        )
    cal = _summarize(log, cal_end)
    # Holdout lines of calibration customers, coded by their calibration row.
    position = cal.index.get_indexer(log.ids)
    in_holdout = (log.periods > cal_end) & (log.periods <= obs_end)
    codes = position[log.codes]
    in_holdout &= codes >= 0
    n_periods, total, lines = distinct_period_counts(
        np.ascontiguousarray(codes[in_holdout], dtype=np.int64),
        np.ascontiguousarray(log.periods[in_holdout]),
        np.ascontiguousarray(log.amounts[in_holdout]),
        len(cal),
    )
    out = pd.DataFrame(index=cal.index)
    for col in ("frequency", "recency", "T", "monetary_value"):
        if col in cal:
            out[f"{col}_cal"] = cal[col]
    out["frequency_holdout"] = n_periods
    if log.has_amounts:
        out["monetary_value_holdout"] = np.divide(
            total, lines, out=np.zeros(len(cal)), where=lines > 0
        )
    out["duration_holdout"] = obs_end - cal_end
    return out
