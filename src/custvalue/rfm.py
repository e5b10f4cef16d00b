"""RFM: from a transaction log to per-customer recency, frequency and monetary value.

The summary produced here is the input of everything downstream: scores and
segment maps, the CLV models of :mod:`custvalue.clv`, tiers and loyalty.

Time is measured in *purchase periods*.  With a datetime column, each
transaction falls into a period of frequency ``freq`` (``"D"`` days, ``"W"``
weeks Monday–Sunday, ``"M"`` calendar months, or any other pandas period alias
such as ``"Q"`` or ``"h"``, multiples such as ``"7D"``, ``"2W"`` or ``"2M"``
included); several purchases in the same period count once.  With a numeric
time column, the values are used as they are (each distinct value is one
purchase time, in the column's own unit) and ``freq`` must be left at None.

The columns follow the conventions of the ``lifetimes`` package
(``summary_data_from_transaction_data``) so that CLV models fitted here and
there see identical numbers.
"""

from __future__ import annotations

import pandas as pd

from custvalue._core.docs import LOG_PARAMS
from custvalue._core.docs import fill_doc
from custvalue._rfm import summary as _summary
from custvalue._rfm.scores import rfm_scores
from custvalue._rfm.segments import SegmentRule
from custvalue._rfm.segments import SegmentRulesReport
from custvalue._rfm.segments import check_segment_rules
from custvalue._rfm.segments import rfm_segments
from custvalue._rfm.segments import segment_rules

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


@fill_doc(LOG_PARAMS)
def rfm_summary(
    transactions: pd.DataFrame,
    *,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str | None = None,
    observation_end: object = None,
    freq: str | None = None,
    returns: str = "error",
    date_format: str | None = None,
    time_unit: float = 1.0,
) -> pd.DataFrame:
    """Summarise a transaction log into one row of recency, frequency and value per customer.

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per transaction (any order; several per period allowed).
    %(customer_col)s
    %(date_col)s
    amount_col : str, optional
        Column with the amount of each transaction (finite).  When given,
        ``monetary_value`` and ``total_value`` are returned.  Without it no
        line can be told to be a return: every line is a purchase.
    %(observation_end)s
        Customers whose first purchase is later are absent from the result.
    %(freq)s
        See Notes for the period arithmetic.
    %(returns)s
        Under ``"net"``, ``monetary_value`` and ``total_value`` use the netted
        totals and a customer without a positive period is absent.
    %(date_format)s
    %(time_unit)s

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
        If the date column is neither datetime64 nor numeric, a column name is
        not a single label (e.g. a list), ``transactions`` is not a pandas
        DataFrame (polars, pyarrow and Dask frames are named with the fix),
        or an argument has the wrong type.
    InputValueError
        For an empty log, missing ids or dates, negative amounts with
        ``returns="error"``, non-finite amounts or per-customer sums beyond the
        float64 range, an unknown ``freq`` or one given with numeric time,
        yyyymmdd-like integer dates without ``date_format``, a time-zone
        mismatch, or an ``observation_end`` before every transaction.

    Notes
    -----
    Time-zone-aware dates are bucketed by the wall-clock date in their own
    zone; a time-zone-aware ``observation_end`` is first converted to that
    zone.  Periods follow pandas: ``recency`` and ``T`` are differences of
    period ordinals (for ``"D"`` and ``"W"`` this equals lifetimes'
    timedelta division; for ``"M"`` it counts calendar months).  With a
    multiple ``k`` (``freq="kX"``), the period of a date is
    ``floor(b / k)`` where ``b`` is its pandas ordinal for ``X``; period
    ``o`` is the pandas period ``pd.Period(ordinal=k * o, freq=freq)``.
    (pandas' own ``pd.Period(date, freq="7D")`` starts at the date itself
    and so does not partition time.)  Business-day aliases are refused.
    The caller's frame is never modified.

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

    Integer yyyymmdd dates, a return netted against its purchase, weeks as the unit:

    >>> log = pd.DataFrame({
    ...     "customer_id": [1, 1, 1, 2],
    ...     "date": [19970101, 19970108, 19970108, 19970102],
    ...     "amount": [10.0, 20.0, -20.0, 5.0],
    ... })
    >>> rfm_summary(log, amount_col="amount", date_format="%Y%m%d", returns="net",
    ...             observation_end="1997-01-15", time_unit=7)
                 frequency  recency         T  monetary_value  purchases  total_value  inactivity
    customer_id
    1                    0      0.0  2.000000             0.0          1         10.0    2.000000
    2                    0      0.0  1.857143             0.0          1          5.0    1.857143
    """
    log, unit = _summary.read(
        transactions, customer_col, date_col, amount_col, freq, returns, date_format, time_unit
    )
    return _summary.summarize(log, unit, observation_end, amount_col)


def calibration_holdout_summary(
    transactions: pd.DataFrame,
    calibration_end: object,
    observation_end: object,
    *,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str | None = None,
    freq: str | None = None,
    returns: str = "error",
    date_format: str | None = None,
    time_unit: float = 1.0,
) -> pd.DataFrame:
    """Split a log at ``calibration_end`` into a calibration summary and holdout outcomes.

    The calibration window is summarised as by :func:`rfm_summary`; the
    holdout window that follows it, up to ``observation_end``, gives each of
    those customers the outcomes a model fitted on the calibration summary
    should predict.

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per transaction; see :func:`rfm_summary`.
    calibration_end : date, pandas.Period or number
        Last period of the calibration window (inclusive).
    observation_end : date, pandas.Period or number
        Last period of the holdout window (inclusive); must be later than
        ``calibration_end``.  A Period stands for its whole span, as in
        :func:`rfm_summary`.
    customer_col, date_col, amount_col, freq, returns, date_format, time_unit
        As in :func:`rfm_summary`; the returns policy is applied per period
        before the split, and ``time_unit`` divides ``recency_cal``,
        ``T_cal`` and ``duration_holdout``.

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
        none); ``monetary_value_holdout`` (with ``amount_col``), the mean of
        the per-period amount totals of the holdout purchase periods (0 if
        none), defined like ``monetary_value_cal``; and ``duration_holdout``,
        the holdout length in periods (divided by ``time_unit``).

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
    ``freq="D"`` and date-only data, a Sunday with ``freq="W"``).

    ``monetary_value_holdout`` differs from lifetimes, which averages the
    holdout *transactions*: here it averages per-period totals, the quantity
    ``monetary_value_cal`` (and the Gamma-Gamma model) is about, so a
    holdout check compares like with like.  The two agree when every holdout
    period holds one transaction.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.rfm import calibration_holdout_summary
    >>> log = pd.DataFrame({
    ...     "customer_id": [1, 1, 1, 1, 2, 3],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-01-05", "2024-01-12", "2024-01-12",
    ...                             "2024-01-02", "2024-01-11"]),
    ...     "amount": [5.0, 10.0, 4.0, 6.0, 3.0, 8.0],
    ... })
    >>> split = calibration_holdout_summary(log, "2024-01-07", "2024-01-14", amount_col="amount")
    >>> split[["frequency_cal", "T_cal", "frequency_holdout", "monetary_value_holdout"]]
                 frequency_cal  T_cal  frequency_holdout  monetary_value_holdout
    customer_id
    1                        1    6.0                  1                    10.0
    2                        0    5.0                  0                     0.0
    """
    log, unit = _summary.read(
        transactions, customer_col, date_col, amount_col, freq, returns, date_format, time_unit
    )
    return _summary.calibration_holdout(log, unit, calibration_end, observation_end, amount_col)
