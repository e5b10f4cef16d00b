"""Profit contribution of a Dask sales log (implementation of :mod:`custvalue.dask`).

The lines are shuffled by customer, so each customer's lines (all its ``by``
values and periods) sit in one partition, and the in-memory
:func:`custvalue.tiers.profit_contribution` runs on each partition.  Two of its
outputs depend on every customer, and are fixed from global reductions:

* ``profit_share`` divides by the total profit of the period over all rows:
  one reduction over the per-partition panels gives each period's total;
* a row for the period right after an active period is added only up to the
  last period of the *log*: a partition whose last period is earlier than the
  log's lacks that row for its customers active in its own last period, so it
  is added (revenue and profit 0, the change against the previous profit).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dask.dataframe as dd
import numpy as np
import pandas as pd

from custvalue import tiers
from custvalue._core.calendar import parse_freq
from custvalue._core.transactions import check_returns
from custvalue._core.validation import as_float_array
from custvalue._core.validation import check_column_name
from custvalue._dask.options import with_defaults
from custvalue._dask.summary import check_dask_frame
from custvalue.errors import InputValueError

__all__ = ["profit_contribution"]


class _Options:
    """The checked options of one call, with the in-memory function's defaults."""

    def __init__(self, options: Mapping[str, Any]) -> None:
        self.given = with_defaults(tiers.profit_contribution, options)
        for name in ("customer_col", "date_col", "amount_col"):
            check_column_name(self.given[name], name)
        for name in ("cost_col", "profit_col", "by"):
            if self.given[name] is not None:
                check_column_name(self.given[name], name)
        self.returns = check_returns(self.given["returns"])
        self.freq = parse_freq(self.given["freq"])
        self.customer_col: str = self.given["customer_col"]
        self.amount_col: str = self.given["amount_col"]
        self.by: str | None = self.given["by"]

    @property
    def columns(self) -> list[str]:
        names = ("customer_col", "date_col", "amount_col", "cost_col", "profit_col", "by")
        return list(dict.fromkeys(self.given[n] for n in names if self.given[n] is not None))

    @property
    def keys(self) -> list[str]:
        """The columns of the in-memory index after the customer: [``by``,] ``period``."""
        return ([] if self.by is None else [self.by]) + ["period"]


def _probe(opt: _Options) -> pd.DataFrame:
    """Run the in-memory function on one line: its option checks, its column names."""
    day = pd.Timestamp("2024-01-01")
    date = day if opt.given["date_format"] is None else day.strftime(opt.given["date_format"])
    line: dict[str, list[Any]] = {name: [0.0] for name in opt.columns}
    line[opt.given["date_col"]] = [date]
    return tiers.profit_contribution(pd.DataFrame(line), **opt.given)


def _meta(log: dd.DataFrame, opt: _Options) -> pd.DataFrame:
    """Empty result: indexed by customer, [``by``,] ``period`` then the value columns."""
    values = _probe(opt).columns
    cols: dict[str, Any] = {}
    if opt.by is not None:
        cols[opt.by] = pd.Series(dtype=log._meta[opt.by].dtype)
    cols["period"] = pd.Series(dtype=pd.PeriodDtype(opt.freq.alias))
    cols.update({name: pd.Series(dtype="float64") for name in values})
    index = pd.Index(log._meta[opt.customer_col].iloc[:0], name=opt.customer_col)
    return pd.DataFrame(cols, index=index)


def _kept_lines(part: pd.DataFrame, opt: _Options) -> pd.DataFrame:
    """Keep the lines of a partition that ``returns="drop"`` keeps.

    Done here: a partition of only returns is not an error, only a log of only returns is.
    """
    if opt.returns != "drop" or len(part) == 0:
        return part
    amounts = as_float_array(part[opt.amount_col], f"column {opt.amount_col!r}")
    return part.loc[~(amounts < 0)]


def _local_panel(part: pd.DataFrame, opt: _Options, meta: pd.DataFrame) -> pd.DataFrame:
    """Run the in-memory panel on one shuffled partition, [``by``,] ``period`` as columns."""
    lines = _kept_lines(part, opt)
    if len(lines) == 0:
        return meta
    out = tiers.profit_contribution(lines, **opt.given).reset_index(opt.keys)
    out.index = out.index.astype(meta.index.dtype)
    return out.astype(meta.dtypes.to_dict())


def _period_totals(panel: pd.DataFrame) -> pd.DataFrame:
    """Total profit per period of one partition's panel."""
    totals = panel.groupby("period", observed=True)["profit"].sum()
    return pd.DataFrame({"period": totals.index, "profit": totals.to_numpy()})


def _active_rows(lines: pd.DataFrame, opt: _Options) -> pd.Series:
    """Whether each row of the partition's panel has lines (False for an added drop row).

    The in-memory panel of the same lines with a line count as revenue and profit,
    on the same rows.
    """
    count = "_lines"
    while count in lines.columns:
        count += "_"
    options = {**opt.given, "amount_col": count, "profit_col": count, "cost_col": None}
    options["returns"] = "net"
    counts = tiers.profit_contribution(lines.assign(**{count: 1.0}), **options)
    return counts["revenue"] > 0


def _global_part(
    part: pd.DataFrame,
    opt: _Options,
    meta: pd.DataFrame,
    last: pd.Period,
    totals: pd.Series,
) -> pd.DataFrame:
    """Run the panel of one partition with the log's last period and the periods' totals."""
    lines = _kept_lines(part, opt)
    if len(lines) == 0:
        return meta
    panel = tiers.profit_contribution(lines, **opt.given)
    periods = panel.index.get_level_values("period")
    own_last = periods.max()
    if own_last < last:
        active = _active_rows(lines, opt).to_numpy()
        at_end = panel.loc[active & (periods == own_last)]
        if len(at_end):
            prev = at_end["profit"].to_numpy()
            drop = pd.DataFrame(
                {
                    "revenue": 0.0,
                    "profit": 0.0,
                    "margin": np.nan,
                    "profit_share": np.nan,
                    "previous_profit": prev,
                    "profit_change": -prev,
                    "profit_change_rel": np.where(prev != 0, -np.sign(prev), np.nan),
                },
                index=at_end.index.set_levels(
                    at_end.index.levels[-1] + 1, level="period", verify_integrity=False
                ),
            )
            panel = pd.concat([panel, drop]).sort_index()
    out = panel.reset_index(opt.keys)
    total = totals.reindex(pd.PeriodIndex(out["period"])).to_numpy()
    profit = out["profit"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        out["profit_share"] = np.where(total > 0, profit / total, np.nan)
    out.index = out.index.astype(meta.index.dtype)
    return out.astype(meta.dtypes.to_dict())


def profit_contribution(transactions: object, **options: Any) -> dd.DataFrame:
    """Compute :func:`custvalue.dask.profit_contribution` (see its documentation)."""
    opt = _Options(options)
    log = check_dask_frame(transactions, "transactions", opt.columns)[opt.columns]
    meta = _meta(log, opt)
    shuffled = log.shuffle(on=opt.customer_col)
    totals_meta = pd.DataFrame({"period": meta["period"], "profit": pd.Series(dtype="float64")})
    per_part = (
        shuffled.map_partitions(_local_panel, opt, meta, meta=meta, align_dataframes=False)
        .map_partitions(_period_totals, meta=totals_meta)
        .compute()
    )
    if len(per_part) == 0:
        if opt.returns == "drop":
            raise InputValueError(
                f"every line of column {opt.amount_col!r} is a return (negative), so "
                f'returns="drop" leaves no line; pass returns="net" or a log with sales.'
            )
        raise InputValueError("`transactions` is empty; pass at least one row.")
    totals = per_part.groupby("period")["profit"].sum()
    last = totals.index.max()
    return shuffled.map_partitions(
        _global_part, opt, meta, last, totals, meta=meta, align_dataframes=False
    )
