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

import datetime as _dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from custvalue._rfm_kernels import customer_periods, distinct_period_counts
from custvalue._rfm_scores import rfm_scores
from custvalue._rfm_segments import (
    SegmentRule,
    SegmentRulesReport,
    check_segment_rules,
    rfm_segments,
    segment_rules,
)
from custvalue._validation import as_float_array, check_dataframe
from custvalue.errors import InputTypeError, InputValueError

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

_FAST_FREQS = {"D", "W", "M"}


@dataclass(frozen=True, slots=True)
class _Log:
    """A validated transaction log as contiguous arrays (internal)."""

    codes: IntArray
    ids: pd.Index
    periods: FloatArray
    amounts: FloatArray
    has_amounts: bool
    tz: _dt.tzinfo | None
    numeric_time: bool


def _first_bad(mask: npt.NDArray[np.bool_], column: pd.Series) -> str:
    pos = int(np.flatnonzero(mask)[0])
    return f"{int(mask.sum())} row(s), first at index {column.index[pos]!r}"


def _datetimes_to_periods(values: npt.NDArray[np.datetime64], freq: str) -> FloatArray:
    """Map naive datetime64 values to pandas period ordinals of ``freq``."""
    if freq == "D":
        ordinals = values.astype("datetime64[D]").astype(np.int64)
    elif freq == "W":
        # pandas "W" is W-SUN: weeks run Monday..Sunday.  1970-01-01 was a Thursday,
        # so day d belongs to the week that starts on day d - ((d + 3) mod 7).
        days = values.astype("datetime64[D]").astype(np.int64)
        ordinals = np.floor_divide(days + 3, 7)
    elif freq == "M":
        ordinals = values.astype("datetime64[M]").astype(np.int64)
    else:
        ordinals = pd.PeriodIndex(pd.DatetimeIndex(values), freq=freq).asi8
    return np.ascontiguousarray(ordinals, dtype=np.float64)


def _check_freq(freq: object) -> str:
    if not isinstance(freq, str):
        raise InputTypeError(
            f"`freq` must be a pandas period alias such as 'D', 'W' or 'M', got {freq!r}."
        )
    if freq in _FAST_FREQS:
        return freq
    try:
        pd.Period("2000-01-01", freq=freq)
    except (ValueError, TypeError):
        raise InputValueError(
            f"`freq` {freq!r} is not a pandas period frequency; "
            f"use e.g. 'D', 'W', 'M', 'Q' or 'Y'."
        ) from None
    return freq


def _time_column(
    transactions: pd.DataFrame, date_col: str, freq: str
) -> tuple[FloatArray, _dt.tzinfo | None, bool]:
    """Validate the time column and return (periods, time zone, numeric?)."""
    col = transactions[date_col]
    dtype = col.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        tz = dtype.tz
        col = col.dt.tz_localize(None)  # wall-clock time in the column's own zone
    elif pd.api.types.is_datetime64_dtype(dtype):
        tz = None
    elif pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype):
        sample = col.iloc[0] if len(col) else None
        hint = (
            "it holds datetimes with mixed time zones; convert with "
            "pandas.to_datetime(..., utc=True) and, if wanted, .dt.tz_convert(zone)"
            if isinstance(sample, _dt.datetime)
            else "convert it with pandas.to_datetime(...)"
        )
        raise InputTypeError(
            f"column {date_col!r} (argument `date_col`) must be datetime64 or numeric, "
            f"got dtype {dtype} (first value {sample!r}); {hint}."
        )
    else:
        periods = as_float_array(col, f"column {date_col!r}")
        return periods, None, True
    values = col.to_numpy(dtype="datetime64[ns]")
    nat = np.isnat(values)
    if nat.any():
        raise InputValueError(
            f"column {date_col!r} has missing dates (NaT) in {_first_bad(nat, col)}; "
            f"drop or fill those rows first."
        )
    return _datetimes_to_periods(values, freq), tz, False


def _factorize_ids(ids: pd.Series) -> tuple[IntArray, pd.Index]:
    """Codes ``0..k-1`` for the customer ids and the ids themselves (``-1`` for missing).

    Integer ids spanning a range not much wider than the log are coded by
    offset, which needs no hashing and yields the ids already sorted.
    """
    if ids.dtype.kind in "iu" and len(ids):
        values = ids.to_numpy()
        low, high = int(values.min()), int(values.max())
        if high - low < 4 * len(values) + 1024:
            offset = values.astype(np.int64) - low
            present = np.bincount(offset, minlength=high - low + 1) > 0
            remap = np.cumsum(present) - 1
            kept = np.flatnonzero(present) + low
            return remap[offset], pd.Index(kept.astype(values.dtype))
    codes, uniques = pd.factorize(ids, sort=False, use_na_sentinel=True)
    return np.asarray(codes, dtype=np.int64), pd.Index(uniques, dtype=ids.dtype)


def _read_log(
    transactions: object,
    customer_col: str,
    date_col: str,
    amount_col: str | None,
    freq: object,
) -> _Log:
    columns = [customer_col, date_col] + ([amount_col] if amount_col is not None else [])
    df = check_dataframe(transactions, "transactions", columns)
    freq = _check_freq(freq)
    ids = df[customer_col]
    codes, uniques = _factorize_ids(ids)
    if (missing := codes < 0).any():
        raise InputValueError(
            f"column {customer_col!r} (argument `customer_col`) has missing customer ids in "
            f"{_first_bad(missing, ids)}; drop those rows or fill the ids."
        )
    periods, tz, numeric_time = _time_column(df, date_col, freq)
    if amount_col is None:
        amounts = np.zeros(len(df))
    else:
        amounts = as_float_array(df[amount_col], f"column {amount_col!r}", nonnegative=True)
    return _Log(
        codes=np.ascontiguousarray(codes, dtype=np.int64),
        ids=uniques.rename(customer_col),
        periods=periods,
        amounts=amounts,
        has_amounts=amount_col is not None,
        tz=tz,
        numeric_time=numeric_time,
    )


def _period_of(value: object, name: str, log: _Log, freq: str) -> float:
    """Convert an observation/calibration end to the period scale of ``log``."""
    if log.numeric_time:
        if isinstance(value, bool) or not isinstance(
            value, int | float | np.integer | np.floating
        ):
            raise InputTypeError(
                f"`{name}` must be a number because the time column is numeric; got {value!r}."
            )
        if not np.isfinite(value):
            raise InputValueError(f"`{name}` must be finite, got {value!r}.")
        return float(value)
    if isinstance(value, bool) or not isinstance(
        value, str | _dt.date | np.datetime64 | pd.Timestamp
    ):
        raise InputTypeError(
            f"`{name}` must be a date (str, datetime, numpy.datetime64 or pandas.Timestamp), "
            f"got {value!r}."
        )
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise InputValueError(f"`{name}` could not be read as a date: {value!r}.") from None
    if pd.isna(ts):
        raise InputValueError(f"`{name}` must be a date, got NaT.")
    if ts.tzinfo is not None:
        if log.tz is None:
            raise InputValueError(
                f"`{name}` ({value!r}) has a time zone but the date column has none; "
                f"pass a time-zone-naive `{name}`."
            )
        ts = ts.tz_convert(log.tz).tz_localize(None)
    return float(_datetimes_to_periods(np.array([ts.to_datetime64()]), freq)[0])


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
    log = _read_log(transactions, customer_col, date_col, amount_col, freq)
    end = (
        float(log.periods.max())
        if observation_end is None
        else _period_of(observation_end, "observation_end", log, freq)
    )
    return _summarize(log, end)


def _sorting_order(ids: pd.Index) -> IntArray:
    """Positions that sort the customer ids ascending (fast paths for numbers and strings)."""
    if ids.is_monotonic_increasing:
        return np.arange(len(ids))
    if ids.dtype.kind in "iufmM":
        return np.argsort(ids.to_numpy())
    if pd.api.types.infer_dtype(ids, skipna=False) == "string":
        # numpy's fixed-width unicode sort orders by code point, like Python's str.
        return np.argsort(np.asarray(ids.to_numpy(dtype=object), dtype=str))
    try:
        return np.asarray(ids.argsort(), dtype=np.int64)
    except TypeError:
        raise InputTypeError(
            f"customer ids in column {ids.name!r} mix types that cannot be ordered "
            f"(e.g. numbers and strings); convert them to one type, e.g. .astype(str)."
        ) from None


def _summarize(log: _Log, end: float) -> pd.DataFrame:
    keep = log.periods <= end
    codes, ids, periods, amounts = log.codes, log.ids, log.periods, log.amounts
    if not keep.all():
        if not keep.any():
            raise InputValueError(
                "`observation_end` is before every transaction; pass a later date "
                "(or None for the latest transaction)."
            )
        # Re-code the customers that have transactions inside the window.
        present = np.zeros(len(ids), dtype=np.bool_)
        present[codes[keep]] = True
        remap = np.cumsum(present) - 1
        codes = np.ascontiguousarray(remap[codes[keep]])
        ids = ids[present]
        periods = np.ascontiguousarray(periods[keep])
        amounts = np.ascontiguousarray(amounts[keep])
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
    order = _sorting_order(ids)
    return pd.DataFrame({k: v[order] for k, v in out.items()}, index=ids[order])


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
    log = _read_log(transactions, customer_col, date_col, amount_col, freq)
    cal_end = _period_of(calibration_end, "calibration_end", log, freq)
    obs_end = _period_of(observation_end, "observation_end", log, freq)
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
