"""Helpers shared by the log-reading functions of :mod:`custvalue.loyalty`."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from custvalue._core.ids import sorting_order
from custvalue._core.transactions import (
    TransactionLog,
    first_bad,
    period_of,
    read_transactions,
)
from custvalue._core.validation import as_float_array, check_choice, check_dataframe
from custvalue.errors import InputTypeError, InputValueError

IntArray = npt.NDArray[np.int64]

_NS_PER_DAY: Final[int] = 86_400 * 10**9

#: Policies for negative amounts (returns): refuse them, net them per customer
#: and period (a period whose net is <= 0 is no purchase), or ignore them.
RETURNS_POLICIES: Final[tuple[str, ...]] = ("error", "net", "drop")


def sorted_codes(codes: IntArray, ids: pd.Index) -> tuple[IntArray, pd.Index]:
    """Re-code customers so that code order is ascending id order."""
    order = sorting_order(ids)
    if np.array_equal(order, np.arange(len(ids))):
        return codes, ids
    rank = np.empty(len(ids), dtype=np.int64)
    rank[order] = np.arange(len(ids))
    return np.ascontiguousarray(rank[codes]), ids[order]


def days_to_datetime(days: npt.NDArray[Any]) -> npt.NDArray[np.datetime64]:
    """Day ordinals as ``datetime64[ns]`` (midnight)."""
    return (np.asarray(days, dtype=np.int64) * _NS_PER_DAY).view("datetime64[ns]")


def date_list(value: object, name: str, log: TransactionLog) -> IntArray:
    """Sorted, distinct day ordinals of one date or a sequence of dates."""
    if isinstance(value, str | pd.Timestamp | np.datetime64) or not np.iterable(value):
        items: list[object] = [value]
    else:
        items = list(value)  # type: ignore[call-overload,unused-ignore]
    if not items:
        raise InputValueError(f"`{name}` is empty; pass at least one date.")
    days = np.array(
        [
            period_of(item, f"{name}[{i}]" if len(items) > 1 else name, log, "D")
            for i, item in enumerate(items)
        ],
        dtype=np.float64,
    ).astype(np.int64)
    days = np.sort(days)
    if (dup := np.flatnonzero(np.diff(days) == 0)).size:
        day = np.datetime64(int(days[dup[0]]), "D")
        raise InputValueError(f"`{name}` lists the date {day} more than once; pass each once.")
    return np.ascontiguousarray(days)


def check_column_names(**names: object) -> None:
    """Refuse a column-name argument that cannot be a column label (a list, a set ...)."""
    for arg, value in names.items():
        try:
            hash(value)
        except TypeError:
            raise InputTypeError(
                f"`{arg}` must be one column name (e.g. a str), got {type(value).__name__} "
                f"{value!r}; pass the name itself, e.g. {arg}='name'."
            ) from None


def _apply_returns(log: TransactionLog, returns: str, amount_col: str) -> TransactionLog:
    """Apply the returns policy to the amounts of a log (see ``RETURNS_POLICIES``)."""
    negative = log.amounts < 0
    if not negative.any():
        if returns != "net":
            return log
    elif returns == "error":
        pos = int(np.flatnonzero(negative)[0])
        raise InputValueError(
            f"column {amount_col!r} (argument `amount_col`) has negative amounts (returns) in "
            f"{int(negative.sum())} row(s), first at position {pos} ({log.amounts[pos]:g}) "
            f"while `returns` is 'error'; pass returns='net' to net them against the "
            f"purchases of the same period, or returns='drop' to ignore them."
        )
    codes, periods, amounts = log.codes, log.periods, log.amounts
    if returns == "drop":
        keep = ~negative
    else:
        # Net amounts per customer and period: one row each, kept when the net is > 0.
        order = np.lexsort((periods, codes))
        c_s, p_s = codes[order], periods[order]
        first = np.ones(len(order), dtype=np.bool_)
        first[1:] = (c_s[1:] != c_s[:-1]) | (p_s[1:] != p_s[:-1])
        starts = np.flatnonzero(first)
        codes, periods = c_s[starts], p_s[starts]
        amounts = np.add.reduceat(amounts[order], starts)
        keep = amounts > 0
    present = np.zeros(len(log.ids), dtype=np.bool_)
    present[codes[keep]] = True
    if not present.any():
        raise InputValueError(
            f"no purchase is left in column {amount_col!r} after applying "
            f"returns={returns!r}; every line is a return or nets to <= 0."
        )
    return replace(
        log,
        codes=np.ascontiguousarray((np.cumsum(present) - 1)[codes[keep]], dtype=np.int64),
        ids=log.ids[present],
        periods=np.ascontiguousarray(periods[keep]),
        amounts=np.ascontiguousarray(amounts[keep]),
    )


def read_log(
    frame: object,
    name: str,
    customer_col: str,
    date_col: str,
    amount_col: str | None,
    freq: str,
    returns: str = "error",
) -> TransactionLog:
    """Read a log through the shared reader, with loyalty's policies applied.

    Column-name arguments must be single labels, missing customer ids
    (``None``, NaN, ``pd.NA``) are refused naming ``customer_col``, and
    negative amounts follow ``returns`` ("error", "net" or "drop").
    """
    check_column_names(customer_col=customer_col, date_col=date_col, amount_col=amount_col)
    returns = check_choice(returns, "returns", RETURNS_POLICIES)
    columns = [customer_col, date_col] + ([amount_col] if amount_col is not None else [])
    df = check_dataframe(frame, name, columns)
    ids = df[customer_col]
    if ids.hasnans:
        missing = ids.isna().to_numpy()
        raise InputValueError(
            f"column {customer_col!r} (argument `customer_col`) has missing customer ids in "
            f"{first_bad(missing, ids)}; drop those rows or fill the ids."
        )
    log = read_transactions(df, customer_col, date_col, None, freq, name=name)
    if amount_col is None:
        return log
    amounts = as_float_array(df[amount_col], f"column {amount_col!r} (argument `amount_col`)")
    log = replace(log, amounts=amounts, has_amounts=True)
    return _apply_returns(log, returns, amount_col)


def calendar_log(
    frame: object,
    name: str,
    customer_col: str,
    date_col: str,
    amount_col: str | None,
    returns: str = "error",
) -> TransactionLog:
    """:func:`read_log` in days, for functions that need calendar dates."""
    log = read_log(frame, name, customer_col, date_col, amount_col, "D", returns)
    if log.numeric_time:
        raise InputTypeError(
            f"column {date_col!r} (argument `date_col`) of `{name}` must hold dates "
            f"(datetime64), got numbers; convert them with pandas.to_datetime(...)."
        )
    return log


def shift_months(days: IntArray, months: int) -> IntArray:
    """Return the same day ``months`` calendar months later (earlier if negative).

    The day of the month is clipped to the target month's end: January 31
    plus one month is February 28 or 29.
    """
    d = days.astype("datetime64[D]")
    month = d.astype("datetime64[M]")
    day_of_month = (d - month.astype("datetime64[D]")).astype(np.int64)
    target = month + np.timedelta64(months, "M")
    length = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(
        np.int64
    )
    start = target.astype("datetime64[D]").astype(np.int64)
    return np.ascontiguousarray(start + np.minimum(day_of_month, length - 1), dtype=np.int64)
