"""Plots of results of the other custvalue modules (summaries, RFM, tiers, loyalty)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from typing import cast

import numpy as np
import pandas as pd

from custvalue._core.docs import fill_doc
from custvalue._core.frames import as_pandas_frame
from custvalue._core.frames import is_foreign_frame
from custvalue._diagnostics.checks import check_frame
from custvalue._diagnostics.checks import float_column
from custvalue._plotting.base import axes
from custvalue._plotting.base import bars
from custvalue._plotting.base import heatmap
from custvalue._plotting.base import labelled
from custvalue._plotting.docs import PLOT_DOCS
from custvalue.errors import InputTypeError
from custvalue.errors import InputValueError


def _series(values: object, name: str) -> pd.Series:
    if isinstance(values, pd.Series):
        return values
    if isinstance(values, str | bytes) or not hasattr(values, "__len__"):
        raise InputTypeError(f"`{name}` must be a Series or array, got {type(values).__name__}.")
    return pd.Series(np.asarray(values))


def _aligned_value(value: object, index: pd.Index, name: str = "value") -> pd.Series:
    series = _series(value, name)
    if not isinstance(value, pd.Series):
        if len(series) != len(index):
            raise InputValueError(f"`{name}` must have {len(index)} values, got {len(series)}.")
        series.index = index
    elif not series.index.equals(index):
        series = series.reindex(index)
    arr = series.to_numpy(dtype=np.float64, na_value=np.nan)
    if np.isnan(arr).any():
        raise InputValueError(f"`{name}` has missing values or ids absent from the scores.")
    return pd.Series(arr, index=index)


@fill_doc(PLOT_DOCS)
def plot_customer_exposure(data: pd.DataFrame, max_customers: int = 100, ax: Any = None) -> Any:
    """Draw each customer's observation window: a line from the first purchase to ``T``.

    The last purchase (``recency``) is marked.

    Parameters
    ----------
    data : pandas.DataFrame
        A summary with ``recency`` and ``T`` (e.g. from
        :func:`custvalue.rfm.rfm_summary`); the first ``max_customers`` rows
        are drawn, one per line.
    max_customers : int, default 100
    %(ax)s

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.plotting import plot_customer_exposure
    >>> data = pd.DataFrame({"recency": [2.0, 0.0], "T": [5.0, 3.0]})
    >>> ax = plot_customer_exposure(data)
    >>> ax.collections[0].get_segments()[0].tolist()
    [[0.0, 0.0], [5.0, 0.0]]
    """
    data = check_frame(data, "data", ["recency", "T"])
    head = data.iloc[: int(max_customers)]
    rec = float_column(head, "recency", "data")
    T = float_column(head, "T", "data")
    ax = axes(ax)
    y = np.arange(len(head), dtype=np.float64)
    ax.hlines(y, 0.0, T, color="tab:blue", label="observed (first purchase to T)")
    ax.scatter(rec, y, color="tab:red", marker="|", s=60, label="last purchase", zorder=3)
    return labelled(ax, "time since the first purchase", "customer", "Customer exposure")


@fill_doc(PLOT_DOCS)
def plot_rfm_heatmap(scores: pd.DataFrame, value: object = None, ax: Any = None) -> Any:
    """Draw customers (or mean ``value``) per cell of the R x F score grid.

    Parameters
    ----------
    scores : pandas.DataFrame
        Output of :func:`custvalue.rfm.rfm_scores` (columns ``R`` and ``F``).
    value : pandas.Series or array-like, optional
        A value per customer (on the index of ``scores``); the cells show its mean.
    %(ax)s

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.plotting import plot_rfm_heatmap
    >>> scores = pd.DataFrame({"R": [1, 1, 2], "F": [1, 2, 2]})
    >>> plot_rfm_heatmap(scores).images[0].get_array().tolist()
    [[1.0, 1.0], [0.0, 1.0]]
    """
    scores = check_frame(scores, "scores", ["R", "F"])
    frame = pd.DataFrame({"R": scores["R"].to_numpy(), "F": scores["F"].to_numpy()})
    if value is None:
        grid = frame.groupby(["R", "F"]).size().unstack("F", fill_value=0).astype(float)
        label = "customers"
    else:
        frame["value"] = _aligned_value(value, scores.index).to_numpy()
        grid = frame.groupby(["R", "F"])["value"].mean().unstack("F")
        label = "mean value"
    ax = heatmap(ax, grid, label)
    ax.set_xticks(np.arange(grid.shape[1]), [str(c) for c in grid.columns])
    ax.set_yticks(np.arange(grid.shape[0]), [str(r) for r in grid.index])
    return labelled(ax, "F score", "R score", f"RFM grid: {label}", legend=False)


@fill_doc(PLOT_DOCS)
def plot_segments(segments: object, value: object = None, ax: Any = None) -> Any:
    """Draw the share of customers (and of ``value``) per segment.

    Parameters
    ----------
    segments : pandas.Series
        A segment label per customer, e.g. from :func:`custvalue.rfm.rfm_segments`.
    value : pandas.Series or array-like, optional
        A value per customer (on the index of ``segments``, >= 0 in total).
    %(ax)s

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.plotting import plot_segments
    >>> ax = plot_segments(pd.Series(["a", "b", "a", "a"]), value=[1.0, 6.0, 1.0, 2.0])
    >>> [[float(bar.get_width()) for bar in bars] for bars in ax.containers]
    [[0.75, 0.25], [0.4, 0.6]]
    """
    labels = _series(segments, "segments")
    if labels.isna().any():
        raise InputValueError("`segments` has missing labels; fix by labelling every customer.")
    codes, names = pd.factorize(labels, sort=True)
    counts = np.bincount(codes, minlength=len(names)).astype(float)
    shares = {"customers": counts / counts.sum()}
    if value is not None:
        values = _aligned_value(value, labels.index).to_numpy()
        totals = np.bincount(codes, weights=values, minlength=len(names))
        if totals.sum() <= 0:
            raise InputValueError("`value` must have a positive total.")
        shares["value"] = totals / totals.sum()
    ax = bars(ax, names, shares, across=True)
    return labelled(ax, "share", "segment", "Segments")


@fill_doc(PLOT_DOCS)
def plot_abc_curve(values: object, cutoffs: Sequence[float] = (0.8, 0.95), ax: Any = None) -> Any:
    """Draw the ABC (Pareto / Lorenz) curve: value share against customer share.

    Customers are sorted by decreasing value; each cut-off of the value share
    (as in :func:`custvalue.tiers.abc_classes`) is drawn with the customer
    share where the curve reaches it.

    Parameters
    ----------
    values : array-like or pandas.Series
        A value >= 0 per customer, with a positive total.
    cutoffs : sequence of float, default (0.8, 0.95)
        Cumulative value shares that separate the classes.
    %(ax)s

    Examples
    --------
    >>> from custvalue.plotting import plot_abc_curve
    >>> ax = plot_abc_curve([50.0, 30.0, 10.0, 6.0, 4.0])
    >>> ax.lines[0].get_ydata().round(2).tolist()
    [0.0, 0.5, 0.8, 0.9, 0.96, 1.0]
    """
    arr = _series(values, "values").to_numpy(dtype=np.float64, na_value=np.nan)
    if not np.isfinite(arr).all() or (arr < 0).any() or arr.sum() <= 0:
        raise InputValueError("`values` must be finite, >= 0 and have a positive total.")
    cuts = np.asarray(cutoffs, dtype=np.float64)
    if cuts.ndim != 1 or ((cuts <= 0) | (cuts >= 1)).any() or (np.diff(cuts) <= 0).any():
        raise InputValueError(f"`cutoffs` must increase strictly within (0, 1), got {cutoffs!r}.")
    share = np.concatenate([[0.0], np.cumsum(np.sort(arr)[::-1]) / arr.sum()])
    customers = np.arange(arr.size + 1) / arr.size
    ax = axes(ax)
    ax.plot(customers, share, label="cumulative value share")
    for i, cut in enumerate(cuts):
        reach = customers[int(np.searchsorted(share, cut - 1e-12))]
        ax.axhline(cut, color="grey", linestyle=":", label="class cut-offs" if i == 0 else None)
        ax.axvline(reach, color="grey", linestyle=":")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    xlabel = "share of customers (by decreasing value)"
    return labelled(ax, xlabel, "share of value", "ABC curve")


@fill_doc(PLOT_DOCS)
def plot_profit_contribution(contribution: pd.DataFrame, ax: Any = None) -> Any:
    """Draw revenue and profit per period (period over period), summed over customers.

    Parameters
    ----------
    contribution : pandas.DataFrame
        Output of :func:`custvalue.tiers.profit_contribution` (index level
        ``period``; columns ``revenue`` and ``profit``).
    %(ax)s

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.plotting import plot_profit_contribution
    >>> frame = pd.DataFrame({"revenue": [10.0, 5.0, 8.0], "profit": [2.0, 1.0, 3.0]},
    ...     index=pd.MultiIndex.from_tuples([(1, 2023), (2, 2023), (1, 2024)],
    ...                                     names=["customer_id", "period"]))
    >>> [float(bar.get_height()) for bar in plot_profit_contribution(frame).containers[1]]
    [3.0, 3.0]
    """
    contribution = check_frame(contribution, "contribution", ["revenue", "profit"])
    if "period" in contribution.columns and "period" not in contribution.index.names:
        contribution = contribution.set_index("period")  # a frame without index (polars, Arrow)
    if "period" not in contribution.index.names:
        raise InputValueError(
            "`contribution` must have an index level (or a column) named 'period' "
            "(the output of custvalue.tiers.profit_contribution)."
        )
    totals = contribution.groupby(level="period", sort=True)[["revenue", "profit"]].sum()
    ax = bars(ax, totals.index, {c: totals[c].to_numpy(dtype=float) for c in totals.columns})
    return labelled(ax, "period", "amount", "Profit contribution by period")


@fill_doc(PLOT_DOCS)
def plot_loyalty_components(
    contributions: pd.DataFrame, customer: object = None, ax: Any = None
) -> Any:
    """Draw what drives a loyalty score: the points each component adds.

    Parameters
    ----------
    contributions : pandas.DataFrame
        ``LoyaltyScore.contributions`` from :func:`custvalue.loyalty.loyalty_score`
        (one column per component, rows sum to the score).
    customer : hashable, optional
        Draw this customer's row; by default the mean over all customers.
    %(ax)s

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.plotting import plot_loyalty_components
    >>> parts = pd.DataFrame({"recency": [30.0, 10.0], "frequency": [20.0, 40.0]},
    ...                      index=["a", "b"])
    >>> [float(bar.get_width()) for bar in plot_loyalty_components(parts, "b").containers[0]]
    [10.0, 40.0]
    """
    if is_foreign_frame(contributions):
        contributions = as_pandas_frame(contributions, "contributions")
    if not isinstance(contributions, pd.DataFrame):
        raise InputTypeError(
            f"`contributions` must be a DataFrame, got {type(contributions).__name__}."
        )
    if customer is None:
        row = contributions.mean(axis=0)
        title = "Mean loyalty score components"
    else:
        if customer not in contributions.index:
            raise InputValueError(f"`customer` {customer!r} is not in `contributions`.")
        row = contributions.loc[cast(Any, customer)]
        title = f"Loyalty score components of {customer}"
    ax = bars(ax, row.index, {"points added": row.to_numpy(dtype=float)}, across=True)
    return labelled(ax, "points of the score", "component", title)
