"""RFM summaries of a Dask transaction log (implementation of :mod:`custvalue.dask`).

The log is never collected.  Three steps:

1. *bounds*: one reduction over the time column gives the number of lines and
   the earliest and latest period (as read, before the returns policy), and
   the period of every given end argument; the window end is then fixed once
   for every partition;
2. *aggregate*: each input partition is read with the core column readers and
   reduced to one row per (customer, period) up to the window end, amounts
   summed (negative lines refused or dropped first, as the policy says);
3. *summarise*: the rows are shuffled by customer, each output partition sums
   the rows of a (customer, period) that came from several input partitions,
   removes the periods that net to ``<= 0`` under ``returns="net"``, and runs
   the in-memory :func:`custvalue.rfm.rfm_summary` (or
   ``calibration_holdout_summary``) on them, with time in period ordinals.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from collections.abc import Mapping
from typing import Any

import dask.dataframe as dd
import numpy as np
import numpy.typing as npt
import pandas as pd

from custvalue import rfm
from custvalue._core.ids import Distinct
from custvalue._core.transactions import TransactionLog
from custvalue._core.transactions import apply_returns
from custvalue._core.transactions import check_returns
from custvalue._core.transactions import period_of
from custvalue._core.transactions import read_amounts
from custvalue._core.transactions import read_ids
from custvalue._core.transactions import read_time
from custvalue._core.validation import check_column_name
from custvalue._core.validation import check_dataframe
from custvalue._core.validation import check_scalar
from custvalue._dask.options import with_defaults
from custvalue.errors import InputTypeError
from custvalue.errors import InputValueError

__all__ = ["calibration_holdout", "check_dask_frame", "first_row", "summarize"]

FloatArray = npt.NDArray[np.float64]

_SUMMARY_DTYPES = {
    "frequency": "int64",
    "recency": "float64",
    "T": "float64",
    "monetary_value": "float64",
    "purchases": "int64",
    "total_value": "float64",
    "inactivity": "float64",
}
_SPLIT_DTYPES = {
    "frequency_cal": "int64",
    "recency_cal": "float64",
    "T_cal": "float64",
    "monetary_value_cal": "float64",
    "frequency_holdout": "int64",
    "monetary_value_holdout": "float64",
    "duration_holdout": "float64",
}
_MONEY = ("monetary_value", "total_value", "monetary_value_cal", "monetary_value_holdout")


def check_dask_frame(data: object, name: str, columns: list[str]) -> dd.DataFrame:
    """Refuse anything but a Dask DataFrame holding ``columns``; return it."""
    if not isinstance(data, dd.DataFrame):
        hint = (
            "use the in-memory functions of custvalue.rfm for a pandas DataFrame"
            if isinstance(data, pd.DataFrame)
            else "convert it with dask.dataframe.from_pandas(...) or read it with "
            "dask.dataframe.read_parquet(...)"
        )
        raise InputTypeError(
            f"`{name}` must be a dask DataFrame, got {type(data).__name__}; {hint}."
        )
    check_dataframe(data._meta, name, columns, allow_empty=True)  # the columns, not the rows
    return data


def first_row(frame: dd.DataFrame, name: str, what: str) -> pd.DataFrame:
    """Return the first row of ``frame`` (from the first partition holding one).

    Refuses an empty frame, naming the argument ``name`` (of ``what`` rows).
    """
    with warnings.catch_warnings():  # Dask warns when the first partition is empty
        warnings.simplefilter("ignore", UserWarning)
        first = frame.head(1)
        if len(first) == 0:
            first = frame.head(1, npartitions=-1)
    if len(first) == 0:
        raise InputValueError(f"`{name}` is empty; pass at least one {what}.")
    return first


class _Options:
    """The checked reading options of one summary call, passed to every partition task.

    Built from the options a caller gave to the Dask mirror of ``original`` (an
    in-memory summary function); an option not given takes ``original``'s default.
    The options that are not about reading the log (the window ends) are kept in
    ``ends``.
    """

    def __init__(self, original: Callable[..., object], options: Mapping[str, Any]) -> None:
        given = with_defaults(original, options)
        self.customer_col: str = check_column_name(given.pop("customer_col"), "customer_col")
        self.date_col: str = check_column_name(given.pop("date_col"), "date_col")
        amount_col = given.pop("amount_col")
        self.amount_col: str | None = (
            None if amount_col is None else check_column_name(amount_col, "amount_col")
        )
        self.freq = given.pop("freq")
        self.returns = check_returns(given.pop("returns"))
        self.date_format = given.pop("date_format")
        self.time_unit = check_scalar(
            given.pop("time_unit"), "time_unit", low=0.0, low_inclusive=False
        )
        self.ends: dict[str, Any] = given

    @property
    def columns(self) -> list[str]:
        extra = [] if self.amount_col is None else [self.amount_col]
        return [self.customer_col, self.date_col, *extra]


def _partition_log(part: pd.DataFrame, opt: _Options, amounts: bool = True) -> TransactionLog:
    """Read one partition with the core column readers (no returns policy yet).

    ``amounts=False`` skips the amount column (the bounds pass reads only ids and times).
    """
    with_amounts = amounts and opt.amount_col is not None
    codes, ids = read_ids(part[opt.customer_col], opt.customer_col)
    time = read_time(
        part[opt.date_col],
        opt.date_col,
        opt.freq,
        date_format=opt.date_format,
        freq_on_numeric="error",
    )
    values = (
        read_amounts(part[opt.amount_col], opt.amount_col)
        if with_amounts and opt.amount_col is not None
        else np.zeros(len(part))
    )
    return TransactionLog(
        codes=codes,
        distinct=Distinct.ready(ids),
        periods=time.periods,
        amounts=values,
        has_amounts=with_amounts,
        tz=time.tz,
        numeric_time=time.numeric,
        freq=time.freq,
    )


_BOUNDS_META = pd.DataFrame(
    {"lines": pd.Series(dtype="int64"), "first": pd.Series(dtype="float64"),
     "last": pd.Series(dtype="float64"), "end_0": pd.Series(dtype="float64"),
     "end_1": pd.Series(dtype="float64")}
)  # fmt: skip


def _bounds(
    part: pd.DataFrame, opt: _Options, ends: tuple[tuple[object, str], ...]
) -> pd.DataFrame:
    """Lines, first and last period of one partition, and the periods of the end arguments."""
    if len(part) == 0:
        return _BOUNDS_META
    log = _partition_log(part, opt, amounts=False)
    row: dict[str, list[float]] = {
        "lines": [len(part)],
        "first": [float(log.periods.min())],
        "last": [float(log.periods.max())],
        "end_0": [np.nan],
        "end_1": [np.nan],
    }
    for i, (value, name) in enumerate(ends):
        row[f"end_{i}"] = [period_of(value, name, log)]
    return pd.DataFrame(row).astype(_BOUNDS_META.dtypes.to_dict())


def _global_bounds(
    log: dd.DataFrame, opt: _Options, ends: tuple[tuple[object, str], ...]
) -> tuple[float, float, list[float]]:
    """First and last period of the whole log and the end periods (one pass over it)."""
    cols = [opt.customer_col, opt.date_col]
    per_part = log[cols].map_partitions(_bounds, opt, ends, meta=_BOUNDS_META).compute()
    if per_part.empty or int(per_part["lines"].sum()) == 0:
        raise InputValueError("`transactions` is empty; pass at least one row.")
    end_periods = [float(per_part[f"end_{i}"].iloc[0]) for i in range(len(ends))]
    return float(per_part["first"].min()), float(per_part["last"].max()), end_periods


def _aggregate(part: pd.DataFrame, opt: _Options, end: float) -> pd.DataFrame:
    """One row per (customer, period <= end) of a partition, amounts summed."""
    period_col = opt.date_col
    names = [opt.customer_col, period_col] + ([] if opt.amount_col is None else [opt.amount_col])
    if len(part) == 0:
        return _aggregate_meta(part, opt)
    log = _partition_log(part, opt)
    keep = log.periods <= end
    if opt.amount_col is not None:
        if opt.returns == "error":
            apply_returns(log, "error", opt.amount_col, part.index)  # raises on a return
        elif opt.returns == "drop":
            keep &= log.amounts >= 0
    codes, periods, amounts = log.codes[keep], log.periods[keep], log.amounts[keep]
    if codes.size == 0:
        return _aggregate_meta(part, opt)
    order = np.lexsort((periods, codes))
    codes, periods = codes[order], periods[order]
    new = np.ones(codes.size, dtype=np.bool_)
    new[1:] = (codes[1:] != codes[:-1]) | (periods[1:] != periods[:-1])
    starts = np.flatnonzero(new)
    columns: list[Any] = [log.ids.take(codes[starts]), periods[starts]]
    if opt.amount_col is not None:
        columns.append(np.add.reduceat(amounts[order], starts))
    out = pd.DataFrame(dict(zip(names, columns, strict=True)))
    return out.astype(_aggregate_meta(part, opt).dtypes.to_dict())


def _aggregate_meta(part: pd.DataFrame, opt: _Options) -> pd.DataFrame:
    """Empty (customer, period[, amount]) rows with the customer column's dtype."""
    cols: dict[str, Any] = {
        opt.customer_col: pd.Series(dtype=part[opt.customer_col].dtype),
        opt.date_col: pd.Series(dtype="float64"),
    }
    if opt.amount_col is not None:
        cols[opt.amount_col] = pd.Series(dtype="float64")
    return pd.DataFrame(cols)


def _output_meta(customers: pd.Series, opt: _Options, dtypes: dict[str, str]) -> pd.DataFrame:
    """Empty output frame: the summary columns on an index of the customer dtype."""
    cols = {
        name: pd.Series(dtype=dtype)
        for name, dtype in dtypes.items()
        if opt.amount_col is not None or name not in _MONEY
    }
    index = pd.Index(customers.iloc[:0].unique(), name=opt.customer_col)
    return pd.DataFrame(cols, index=index)


def _periods_per_customer(part: pd.DataFrame, opt: _Options) -> pd.DataFrame:
    """Merge the rows of a (customer, period) from several inputs; apply ``returns="net"``."""
    keys = [opt.customer_col, opt.date_col]
    if opt.amount_col is None:
        return part.drop_duplicates(keys)
    rows = part.groupby(keys, sort=False, as_index=False, observed=True)[[opt.amount_col]].sum()
    if opt.returns == "net":
        rows = rows[rows[opt.amount_col] > 0]
    return rows


def _summary_part(
    part: pd.DataFrame,
    opt: _Options,
    meta: pd.DataFrame,
    run: Callable[[pd.DataFrame], pd.DataFrame],
    first_end: float,
) -> pd.DataFrame:
    """Summary of one shuffled partition (``meta`` when no customer starts by ``first_end``)."""
    rows = _periods_per_customer(part, opt)
    if not (rows[opt.date_col] <= first_end).any():
        return meta
    out = run(rows)
    out.index = out.index.astype(meta.index.dtype)
    return out


def _summaries(
    log: dd.DataFrame,
    opt: _Options,
    end: float,
    first_end: float,
    dtypes: dict[str, str],
    summary: Callable[..., pd.DataFrame],
) -> dd.DataFrame:
    """Rows up to ``end`` shuffled by customer, then ``summary(rows)`` on each partition.

    ``summary`` is the in-memory summary with its window ends bound, run with
    the reading options on the shuffled rows (time in period ordinals).
    """
    meta = _output_meta(log._meta[opt.customer_col], opt, dtypes)
    run = functools.partial(
        summary,
        customer_col=opt.customer_col,
        date_col=opt.date_col,
        amount_col=opt.amount_col,
        time_unit=opt.time_unit,
    )
    rows = log[opt.columns].map_partitions(
        _aggregate, opt, end, meta=_aggregate_meta(log._meta, opt)
    )
    return rows.shuffle(on=opt.customer_col).map_partitions(
        _summary_part, opt, meta, run, first_end, meta=meta, align_dataframes=False
    )


def summarize(transactions: object, **options: Any) -> dd.DataFrame:
    """Compute :func:`custvalue.dask.rfm_summary` (see its documentation)."""
    opt = _Options(rfm.rfm_summary, options)
    log = check_dask_frame(transactions, "transactions", opt.columns)
    observation_end = opt.ends["observation_end"]
    ends = () if observation_end is None else ((observation_end, "observation_end"),)
    first, last, end_periods = _global_bounds(log, opt, ends)
    end = last if observation_end is None else end_periods[0]
    if end < first:
        raise InputValueError(
            "`observation_end` is before every transaction; pass a later date "
            "(or None for the latest transaction)."
        )
    summary = functools.partial(rfm.rfm_summary, observation_end=end)
    return _summaries(log, opt, end, end, _SUMMARY_DTYPES, summary)


def calibration_holdout(transactions: object, **options: Any) -> dd.DataFrame:
    """Compute :func:`custvalue.dask.calibration_holdout_summary` (see its documentation)."""
    opt = _Options(rfm.calibration_holdout_summary, options)
    log = check_dask_frame(transactions, "transactions", opt.columns)
    calibration_end, observation_end = opt.ends["calibration_end"], opt.ends["observation_end"]
    ends = ((calibration_end, "calibration_end"), (observation_end, "observation_end"))
    first, _, (cal_end, obs_end) = _global_bounds(log, opt, ends)
    if obs_end <= cal_end:
        raise InputValueError(
            f"`observation_end` ({observation_end!r}) must fall in a later period than "
            f"`calibration_end` ({calibration_end!r})."
        )
    if cal_end < first:
        raise InputValueError("`calibration_end` is before every transaction; pass a later date.")
    summary = functools.partial(
        rfm.calibration_holdout_summary, calibration_end=cal_end, observation_end=obs_end
    )
    return _summaries(log, opt, obs_end, cal_end, _SPLIT_DTYPES, summary)
