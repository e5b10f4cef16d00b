"""First-in-first-out points ledger (see :func:`custvalue.loyalty.points_balance`)."""

from __future__ import annotations

import re
from typing import Final

import numpy as np
import pandas as pd

from custvalue._core.transactions import period_of
from custvalue._core.validation import as_float_array
from custvalue._loyalty.common import calendar_log, days_to_datetime, shift_months, sorted_codes
from custvalue._loyalty.kernels import points_fifo
from custvalue.errors import InputValueError

_EXPIRY_RE: Final = re.compile(r"(\d+)([DMY])")


def _check_expiry(expiry: object) -> tuple[int, str] | None:
    if expiry is None:
        return None
    if isinstance(expiry, str) and (m := _EXPIRY_RE.fullmatch(expiry)) and int(m[1]) >= 1:
        return int(m[1]), m[2]
    raise InputValueError(
        f"`expiry` must be None (points never expire) or a period such as '12M', '24M', "
        f"'365D' or '2Y' (a positive whole number of days D, months M or years Y); "
        f"got {expiry!r}."
    )


def points_balance(
    ledger: pd.DataFrame,
    *,
    expiry: str | None = None,
    observation_end: object = None,
    customer_col: str = "customer_id",
    date_col: str = "date",
    points_col: str = "points",
) -> pd.DataFrame:
    """Compute :func:`custvalue.loyalty.points_balance` (documented there)."""
    columns = [customer_col, date_col, points_col]
    log = calendar_log(ledger, "ledger", columns, customer_col, date_col, None)
    points = as_float_array(ledger[points_col], f"column {points_col!r}", integer=True)
    rule = _check_expiry(expiry)
    end = (
        float(log.periods.max())
        if observation_end is None
        else period_of(observation_end, "observation_end", log, "D")
    )
    keep = log.periods <= end
    if not keep.any():
        raise InputValueError(
            "`observation_end` is before every ledger row; pass a later date "
            "(or None for the latest row)."
        )
    codes, ids = log.codes, log.ids
    rows = np.arange(len(points))
    if not keep.all():
        present = np.zeros(len(ids), dtype=np.bool_)
        present[codes[keep]] = True
        codes = (np.cumsum(present) - 1)[codes[keep]]
        ids = ids[present]
        rows = rows[keep]
    codes, ids = sorted_codes(np.ascontiguousarray(codes, dtype=np.int64), ids)
    days = np.ascontiguousarray(log.periods[rows].astype(np.int64))
    end_day = int(end)
    if rule is None:
        expires = np.full(len(days), np.iinfo(np.int64).max, dtype=np.int64)
    else:
        n, unit = rule
        if unit == "D":
            expires = days + n
        else:
            expires = shift_months(days, n * (12 if unit == "Y" else 1))
    earned, redeemed, expired, balance, next_day, next_pts, bad_row, available = points_fifo(
        np.ascontiguousarray(codes, dtype=np.int64),
        days,
        np.ascontiguousarray(points[rows]),
        np.ascontiguousarray(expires, dtype=np.int64),
        len(ids),
        end_day,
    )
    if bad_row >= 0:
        original = int(rows[bad_row])
        label = ledger.index[original]
        cust = ledger[customer_col].iloc[original]
        day = np.datetime64(int(days[bad_row]), "D")
        raise InputValueError(
            f"customer {cust!r} redeems {-points[original]:g} points on {day} (row {label!r}) "
            f"but only {available:g} are available that day"
            + ("" if rule is None else f" after expiry ({expiry})")
            + "; the ledger is missing an earning or holds a duplicated redemption."
        )
    has_next = next_day >= 0 if rule is not None else np.zeros(len(ids), dtype=np.bool_)
    next_expiry = np.full(len(ids), np.datetime64("NaT"), dtype="datetime64[ns]")
    next_expiry[has_next] = days_to_datetime(next_day[has_next])
    return pd.DataFrame(
        {
            "earned": earned.astype(np.int64),
            "redeemed": redeemed.astype(np.int64),
            "expired": expired.astype(np.int64),
            "balance": balance.astype(np.int64),
            "next_expiry": next_expiry,
            "expiring_points": np.where(has_next, next_pts, 0.0).astype(np.int64),
        },
        index=ids,
    )
