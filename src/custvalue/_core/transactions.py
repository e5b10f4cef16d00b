"""Reading a transaction log: the one validation path for every log-based function.

A log is a DataFrame with a customer column, a time column and optionally an
amount column.  :func:`read_transactions` checks it once and returns a
:class:`TransactionLog` of contiguous arrays: customer codes, the customer ids,
purchase periods (pandas period ordinals for datetime columns, the values
themselves for numeric ones) and amounts.  The functions of :mod:`custvalue.rfm`,
:mod:`custvalue.tiers` and :mod:`custvalue.loyalty` all start here.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from custvalue._core.ids import factorize_ids
from custvalue._core.validation import as_float_array, check_dataframe
from custvalue.errors import InputTypeError, InputValueError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

FAST_FREQS = {"D", "W", "M"}


@dataclass(frozen=True, slots=True)
class TransactionLog:
    """A validated transaction log as contiguous arrays."""

    codes: IntArray
    ids: pd.Index
    periods: FloatArray
    amounts: FloatArray
    has_amounts: bool
    tz: _dt.tzinfo | None
    numeric_time: bool


def first_bad(mask: npt.NDArray[np.bool_], column: pd.Series) -> str:
    pos = int(np.flatnonzero(mask)[0])
    return f"{int(mask.sum())} row(s), first at index {column.index[pos]!r}"


def datetimes_to_periods(values: npt.NDArray[np.datetime64], freq: str) -> FloatArray:
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


def check_freq(freq: object) -> str:
    if not isinstance(freq, str):
        raise InputTypeError(
            f"`freq` must be a pandas period alias such as 'D', 'W' or 'M', got {freq!r}."
        )
    if freq in FAST_FREQS:
        return freq
    try:
        pd.Period("2000-01-01", freq=freq)
    except (ValueError, TypeError):
        raise InputValueError(
            f"`freq` {freq!r} is not a pandas period frequency; "
            f"use e.g. 'D', 'W', 'M', 'Q' or 'Y'."
        ) from None
    return freq


def time_column(
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
            f"column {date_col!r} has missing dates (NaT) in {first_bad(nat, col)}; "
            f"drop or fill those rows first."
        )
    return datetimes_to_periods(values, freq), tz, False


def read_transactions(
    data: object,
    customer_col: str,
    date_col: str,
    amount_col: str | None,
    freq: object,
    *,
    name: str = "transactions",
) -> TransactionLog:
    """Validate a transaction log once and return it as coded, contiguous arrays."""
    columns = [customer_col, date_col] + ([amount_col] if amount_col is not None else [])
    df = check_dataframe(data, name, columns)
    freq = check_freq(freq)
    ids = df[customer_col]
    codes, uniques = factorize_ids(ids)
    if (missing := codes < 0).any():
        raise InputValueError(
            f"column {customer_col!r} (argument `customer_col`) has missing customer ids in "
            f"{first_bad(missing, ids)}; drop those rows or fill the ids."
        )
    periods, tz, numeric_time = time_column(df, date_col, freq)
    if amount_col is None:
        amounts = np.zeros(len(df))
    else:
        amounts = as_float_array(df[amount_col], f"column {amount_col!r}", nonnegative=True)
    return TransactionLog(
        codes=np.ascontiguousarray(codes, dtype=np.int64),
        ids=uniques.rename(customer_col),
        periods=periods,
        amounts=amounts,
        has_amounts=amount_col is not None,
        tz=tz,
        numeric_time=numeric_time,
    )


def period_of(value: object, name: str, log: TransactionLog, freq: str) -> float:
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
    return float(datetimes_to_periods(np.array([ts.to_datetime64()]), freq)[0])


def filter_window(
    log: TransactionLog, end: float
) -> tuple[IntArray, pd.Index, FloatArray, FloatArray]:
    """Keep the transactions up to period ``end`` and re-code the customers that remain.

    Returns the codes, ids, periods and amounts of the kept transactions.
    """
    keep = log.periods <= end
    codes, ids, periods, amounts = log.codes, log.ids, log.periods, log.amounts
    if keep.all():
        return codes, ids, periods, amounts
    if not keep.any():
        raise InputValueError(
            "`observation_end` is before every transaction; pass a later date "
            "(or None for the latest transaction)."
        )
    present = np.zeros(len(ids), dtype=np.bool_)
    present[codes[keep]] = True
    remap = np.cumsum(present) - 1
    return (
        np.ascontiguousarray(remap[codes[keep]], dtype=np.int64),
        ids[present],
        np.ascontiguousarray(periods[keep]),
        np.ascontiguousarray(amounts[keep]),
    )
