"""Helpers shared by the log-reading functions of :mod:`custvalue.loyalty`."""

from __future__ import annotations

from typing import Any
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from custvalue._core.arrays import IntArray
from custvalue._core.ids import sorting_order
from custvalue._core.transactions import RETURNS
from custvalue._core.transactions import TransactionLog
from custvalue._core.transactions import period_of
from custvalue._core.transactions import read_transactions
from custvalue._core.validation import check_choice
from custvalue.errors import InputTypeError
from custvalue.errors import InputValueError

_NS_PER_DAY: Final[int] = 86_400 * 10**9


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


def calendar_log(
    frame: object,
    name: str,
    customer_col: str,
    date_col: str,
    amount_col: str | None,
    returns: str = "error",
    date_format: str | None = None,
) -> TransactionLog:
    """Read a log in days through the shared reader; the time column must hold dates."""
    check_choice(returns, "returns", RETURNS)
    log = read_transactions(
        frame,
        customer_col,
        date_col,
        amount_col,
        "D",
        returns=returns,
        date_format=date_format,
        name=name,
    )
    if log.numeric_time:
        raise InputTypeError(
            f"column {date_col!r} (argument `date_col`) of `{name}` must hold dates "
            f"(datetime64), got numbers; convert them with pandas.to_datetime(...) or pass "
            f"date_format."
        )
    return log
