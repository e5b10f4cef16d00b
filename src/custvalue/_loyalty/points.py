"""First-in-first-out points ledger (see :func:`custvalue.loyalty.points_balance`)."""

from __future__ import annotations

import re
from typing import Any
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from custvalue._core.arrays import IntArray
from custvalue._core.arrays import first_true
from custvalue._core.calendar import add_months
from custvalue._core.frames import as_pandas_frame
from custvalue._core.frames import is_foreign_frame
from custvalue._core.transactions import filter_window
from custvalue._core.transactions import period_of
from custvalue._core.validation import as_float_array
from custvalue._core.validation import check_column_name
from custvalue._core.validation import check_dataframe
from custvalue._loyalty.common import calendar_log
from custvalue._loyalty.common import days_to_datetime
from custvalue._loyalty.common import sorted_codes
from custvalue._loyalty.kernels import points_fifo
from custvalue.errors import InputTypeError
from custvalue.errors import InputValueError

_INT64_MAX: Final[int] = 2**63 - 1
_FLOAT_EXACT: Final[float] = 2.0**53
_MAX_EXPIRY: Final[dict[str, int]] = {"D": 3_660_000, "M": 120_000, "Y": 10_000}

_EXPIRY_RE: Final = re.compile(r"(\d+)([DMY])")


def _check_expiry(expiry: object) -> tuple[int, str] | None:
    if expiry is None:
        return None
    if isinstance(expiry, str) and (m := _EXPIRY_RE.fullmatch(expiry)) and int(m[1]) >= 1:
        if int(m[1]) > _MAX_EXPIRY[m[2]]:
            raise InputValueError(
                f"`expiry` {expiry!r} is longer than 10,000 years; pass None for points "
                f"that never expire."
            )
        return int(m[1]), m[2]
    raise InputValueError(
        f"`expiry` must be None (points never expire) or a period such as '12M', '24M', "
        f"'365D' or '2Y' (a positive whole number of days D, months M or years Y); "
        f"got {expiry!r}."
    )


def _points_array(column: pd.Series, name: str) -> IntArray:
    """Whole signed points as exact int64, refusing what int64 cannot hold exactly.

    Integer columns are taken as they are; float values must be whole and
    within ``±2**53`` (beyond it a float cannot tell neighbouring integers
    apart); Python ints in an object column within int64.  ``-2**63`` is
    refused too: its redemption cannot be negated in int64.
    """
    if isinstance(column.dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(column.dtype):
        raise InputTypeError(f"`{name}` must hold whole numbers, got dtype {column.dtype}.")
    if column.hasnans:
        pos = int(np.flatnonzero(column.isna().to_numpy())[0])
        raise InputValueError(
            f"`{name}` has missing values, first at position {pos}; drop or fill them first."
        )
    raw = column.to_numpy()
    why = "outside the int64 range ±(2**63 - 1); points must fit in int64"
    if raw.dtype.kind in "iu":
        bad = raw > _INT64_MAX if raw.dtype.kind == "u" else raw == np.iinfo(np.int64).min
        values: npt.NDArray[Any] = raw
    elif raw.dtype == object and pd.api.types.infer_dtype(raw, skipna=False) == "integer":
        bad = np.array([not -_INT64_MAX <= v <= _INT64_MAX for v in raw.tolist()], dtype=bool)
        values = raw
    else:
        values = as_float_array(column, name, integer=True)
        bad = np.abs(values) > _FLOAT_EXACT
        why = "beyond 2**53 held as a float, which float64 cannot hold exactly; pass int64"
    if (at := first_true(bad)) is not None:
        raise InputValueError(f"`{name}` has a value {why} (position {at}: {raw[at]!r}).")
    return np.ascontiguousarray(values.astype(np.int64))


def points_balance(
    ledger: pd.DataFrame,
    *,
    expiry: str | None = None,
    observation_end: object = None,
    customer_col: str = "customer_id",
    date_col: str = "date",
    points_col: str = "points",
    date_format: str | None = None,
) -> pd.DataFrame:
    """Points balance per customer with first-in-first-out redemption and expiry.

    Parameters
    ----------
    ledger : pandas.DataFrame
        One row per points movement, any order: positive ``points`` are
        earned, negative ones redeemed (zero rows are ignored).
    expiry : str, optional
        How long earned points stay usable: ``"<n>D"`` days, ``"<n>M"``
        calendar months or ``"<n>Y"`` years, e.g. ``"24M"``.  ``None`` (the
        default): points never expire.
    observation_end : date, optional
        Day of the balance (default: the latest ledger date).  Rows after it
        are ignored; lots whose expiry day is on or before it have expired.
    customer_col, date_col, points_col : str
        Columns with the customer id, the day of the movement (datetime64,
        naive or time-zone aware; the wall-clock day is used) and the signed
        points: whole numbers, counted exactly in int64 (an integer column
        is taken as it is; floats must stay within ``±2**53``, where float64
        still holds every integer).
    date_format : str, optional
        strftime format parsing a string or integer date column, e.g.
        ``"%Y%m%d"`` for ``20240131``.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer id (sorted ascending; customers with rows up to
        ``observation_end``), with int64 columns ``earned``, ``redeemed``, ``expired``
        and ``balance`` (``earned - redeemed - expired``, never negative),
        ``next_expiry`` (the next day on which points expire, NaT if none)
        and ``expiring_points`` (how many expire then).

    Raises
    ------
    MissingColumnError
        If a named column is absent.
    InputTypeError
        If the date column is not datetime64 or points are not numeric.
    InputValueError
        For an empty ledger, missing ids or dates, non-finite or fractional
        points, points or per-customer totals that int64 cannot hold exactly
        (the message names ``points_col``), an invalid ``expiry``, an
        ``observation_end`` before every row, or a redemption larger than
        the balance available that day (the message names the customer, the
        date and both amounts).

    Notes
    -----
    Points earned on day ``d`` form a lot that expires on day
    ``d + expiry`` (calendar arithmetic; a month-end overflow is clipped, so
    points earned on January 31 with ``"1M"`` expire on February 28 or 29):
    they can be redeemed up to the day before and are gone from that day on.
    Each day is processed in this order: lots expiring that day are removed,
    the day's earnings are credited, then the day's redemptions are taken
    from the oldest remaining lots (first in, first out), so a redemption may
    use points earned the same day but never points expiring that day.  A
    redemption larger than the balance is an error, not a negative balance:
    the ledger is inconsistent with the expiry rule.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.loyalty import points_balance
    >>> ledger = pd.DataFrame({
    ...     "customer_id": "a",
    ...     "date": pd.to_datetime(["2023-01-10", "2023-06-01", "2023-09-01", "2024-01-10"]),
    ...     "points": [100, 50, -120, 10],
    ... })
    >>> points_balance(ledger, expiry="12M")
                 earned  redeemed  expired  balance next_expiry  expiring_points
    customer_id
    a               160       120        0       40  2024-06-01               30
    """
    points_col = check_column_name(points_col, "points_col")
    if is_foreign_frame(ledger):
        ledger = as_pandas_frame(ledger, "ledger")
    check_dataframe(ledger, "ledger", {points_col: "points_col"})
    log = calendar_log(ledger, "ledger", customer_col, date_col, None, date_format=date_format)
    points = _points_array(ledger[points_col], f"column {points_col!r} (argument `points_col`)")
    rule = _check_expiry(expiry)
    end = (
        float(log.periods.max())
        if observation_end is None
        else period_of(observation_end, "observation_end", log, "D")
    )
    rows = np.flatnonzero(log.periods <= end)
    codes, ids, periods, _ = filter_window(log, end)
    codes, ids = sorted_codes(codes, ids)
    days = np.ascontiguousarray(periods.astype(np.int64))
    end_day = int(end)
    if rule is None:
        expires = np.full(len(days), np.iinfo(np.int64).max, dtype=np.int64)
    else:
        n, unit = rule
        if unit == "D":
            expires = days + n
        else:
            expires = add_months(days, n * (12 if unit == "Y" else 1))
    totals, bad_row, available, overflow_row = points_fifo(
        codes,
        days,
        np.ascontiguousarray(points[rows]),
        np.ascontiguousarray(expires, dtype=np.int64),
        len(ids),
        end_day,
    )
    if overflow_row >= 0:
        cust = ledger[customer_col].iloc[int(rows[overflow_row])]
        raise InputValueError(
            f"column {points_col!r} (argument `points_col`): the points earned by customer "
            f"{cust!r} add up beyond the int64 range (2**63 - 1); such totals cannot be "
            f"represented exactly; check the ledger for wrong values."
        )
    if bad_row >= 0:
        original = int(rows[bad_row])
        label = ledger.index[original]
        cust = ledger[customer_col].iloc[original]
        day = np.datetime64(int(days[bad_row]), "D")
        raise InputValueError(
            f"customer {cust!r} redeems {-int(points[original])} points on {day} "
            f"(row {label!r}) but only {available} are available that day"
            + ("" if rule is None else f" after expiry ({expiry})")
            + "; the ledger is missing an earning or holds a duplicated redemption."
        )
    has_next = totals[4] >= 0 if rule is not None else np.zeros(len(ids), dtype=np.bool_)
    next_expiry = np.full(len(ids), np.datetime64("NaT"), dtype="datetime64[ns]")
    next_expiry[has_next] = days_to_datetime(totals[4][has_next])
    return pd.DataFrame(
        {
            "earned": totals[0],
            "redeemed": totals[1],
            "expired": totals[2],
            "balance": totals[3],
            "next_expiry": next_expiry,
            "expiring_points": np.where(has_next, totals[5], 0),
        },
        index=ids,
    )
