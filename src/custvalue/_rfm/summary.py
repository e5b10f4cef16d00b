"""Implementation of :func:`custvalue.rfm.rfm_summary` and ``calibration_holdout_summary``.

The public wrappers (with their documentation) live in :mod:`custvalue.rfm`.
Both read the log once (:func:`read`, through :func:`custvalue._core.transactions.read_log`)
(which applies the returns policy and the period arithmetic) and run the
per-customer kernels of :mod:`custvalue._rfm.kernels`.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from custvalue._core.ids import is_ascending
from custvalue._core.ids import sorting_order
from custvalue._core.transactions import TransactionLog
from custvalue._core.transactions import check_finite_totals
from custvalue._core.transactions import period_of
from custvalue._core.transactions import read_log
from custvalue._core.transactions import window_lines
from custvalue._core.validation import check_scalar
from custvalue._rfm.kernels import customer_periods
from custvalue._rfm.kernels import distinct_period_counts
from custvalue.errors import InputValueError

__all__ = ["calibration_holdout", "read", "summarize"]

_TIME_COLUMNS = ("recency", "T", "inactivity")


def read(
    transactions: object,
    customer_col: object,
    date_col: object,
    amount_col: object,
    freq: object,
    returns: object,
    date_format: object,
    time_unit: object,
) -> tuple[TransactionLog, float]:
    """Read the log and the ``time_unit`` of :func:`custvalue.rfm.rfm_summary` and its split."""
    unit = check_scalar(time_unit, "time_unit", low=0.0, low_inclusive=False)
    log = read_log(transactions, customer_col, date_col, amount_col, freq, returns, date_format)
    return log, unit


Columns = dict[str, npt.NDArray[np.float64] | npt.NDArray[np.int64]]


def _window(
    log: TransactionLog, end: float, amount_col: object, name: str = "observation_end"
) -> tuple[pd.Index, Columns]:
    """Per-customer summary columns of the window up to period ``end`` (time in periods)."""
    codes, distinct, periods, amounts = window_lines(log, end, name=name)
    first, last, n_periods, total, repeat_total = customer_periods(
        codes,
        periods,
        amounts,
        len(distinct),
        meanwhile=distinct.index if distinct.pending else None,
    )
    ids = distinct.index()
    frequency = n_periods - 1
    recency = last - first
    T = end - first
    out: Columns = {"frequency": frequency, "recency": recency, "T": T}
    if log.has_amounts:
        check_finite_totals(total, amount_col)
        check_finite_totals(repeat_total, amount_col)
        # a one-period customer has repeat_total 0.0 exactly: 0.0 / 1 (a divide with
        # `where=` takes numpy's slow masked loop, 5x the time)
        out["monetary_value"] = repeat_total / np.maximum(frequency, 1)
    out["purchases"] = n_periods
    if log.has_amounts:
        out["total_value"] = total
    out["inactivity"] = T - recency
    return ids, out


def _frame(window: tuple[pd.Index, Columns], unit: float, ids_ascending: bool) -> pd.DataFrame:
    """Build the summary frame, ids in ascending order (``ids_ascending``: known to be)."""
    ids, columns = window
    if unit != 1.0:
        for name in _TIME_COLUMNS:
            columns[name] = columns[name] / unit
    if not ids_ascending and not is_ascending(ids):
        order = sorting_order(ids)
        columns = {k: v[order] for k, v in columns.items()}
        ids = ids[order]
    return pd.DataFrame(columns, index=ids, copy=False)


def summarize(
    log: TransactionLog, unit: float, observation_end: object, amount_col: object
) -> pd.DataFrame:
    """Compute :func:`custvalue.rfm.rfm_summary` on a log from :func:`read`."""
    end = (
        log.last_period()
        if observation_end is None
        else period_of(observation_end, "observation_end", log)
    )
    return _frame(_window(log, end, amount_col), unit, log.ids_ascending)


def calibration_holdout(
    log: TransactionLog,
    unit: float,
    calibration_end: object,
    observation_end: object,
    amount_col: object,
) -> pd.DataFrame:
    """Compute :func:`custvalue.rfm.calibration_holdout_summary` on a log from :func:`read`."""
    cal_end = period_of(calibration_end, "calibration_end", log)
    obs_end = period_of(observation_end, "observation_end", log)
    if obs_end <= cal_end:
        raise InputValueError(
            f"`observation_end` ({observation_end!r}) must fall in a later period than "
            f"`calibration_end` ({calibration_end!r})."
        )
    cal = _frame(_window(log, cal_end, amount_col, "calibration_end"), unit, log.ids_ascending)
    # Holdout lines of calibration customers, coded by their calibration row.
    position = cal.index.get_indexer(log.ids)
    codes = position[log.codes]
    in_holdout = (log.periods > cal_end) & (log.periods <= obs_end) & (codes >= 0)
    n_periods, total, _ = distinct_period_counts(
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
        check_finite_totals(total, amount_col)
        # Mean of the per-period totals, like monetary_value_cal.
        out["monetary_value_holdout"] = np.divide(
            total, n_periods, out=np.zeros(len(cal)), where=n_periods > 0
        )
    out["duration_holdout"] = (obs_end - cal_end) / unit
    return out
