"""Plots of the diagnostics of a fitted model: each draws one custvalue.diagnostics result."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from custvalue._core.docs import fill_doc
from custvalue._diagnostics.checks import check_frame
from custvalue._diagnostics.checks import float_column
from custvalue._plotting.base import bars
from custvalue._plotting.base import heatmap
from custvalue._plotting.base import labelled
from custvalue._plotting.base import lines
from custvalue._plotting.docs import PLOT_DOCS


@fill_doc(PLOT_DOCS)
def plot_period_transactions(table: pd.DataFrame, ax: Any = None) -> Any:
    """Draw customers as bars by number of repeat transactions, actual and model.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`custvalue.diagnostics.period_transactions`: one row
        per bin, columns ``actual`` and ``expected``.
    %(ax)s

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.plotting import plot_period_transactions
    >>> table = pd.DataFrame({"actual": [5, 3], "expected": [4.5, 3.5]}, index=["0", "1+"])
    >>> [float(bar.get_height()) for bar in plot_period_transactions(table).containers[1]]
    [4.5, 3.5]
    """
    table = check_frame(table, "table", ["actual", "expected"])
    counts = {c: float_column(table, c, "table") for c in ("actual", "expected")}
    ax = bars(ax, table.index, {"actual": counts["actual"], "model": counts["expected"]})
    xlabel = "repeat transactions in the calibration period"
    return labelled(ax, xlabel, "customers", "Frequency of repeat transactions")


def _by_group(
    table: object, observed: str, expected: str, labels: tuple[str, str, str], ax: Any
) -> Any:
    """Draw the ``observed`` and model (``expected``) columns over the groups of ``table``.

    ``labels`` are the x label (the index name when it has one), y label and title.
    """
    table = check_frame(table, "table", [observed, expected])
    x = np.arange(len(table))
    series = {observed: float_column(table, observed, "table")}
    series["model"] = float_column(table, expected, "table")
    ax = lines(ax, x, series, markers=True)
    ax.set_xticks(x, [str(v) for v in table.index])
    xlabel, ylabel, title = labels
    return labelled(ax, str(table.index.name or xlabel), ylabel, title)


@fill_doc(PLOT_DOCS)
def plot_calibration_vs_holdout(table: pd.DataFrame, ax: Any = None) -> Any:
    """Draw mean holdout purchases per group of customers, actual and predicted.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`custvalue.diagnostics.calibration_vs_holdout`: one
        row per group, columns ``actual`` and ``predicted``.
    %(ax)s

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.plotting import plot_calibration_vs_holdout
    >>> table = pd.DataFrame({"actual": [0.0, 1.5], "predicted": [0.2, 1.3]}).rename_axis("by")
    >>> ax = plot_calibration_vs_holdout(table)
    >>> ax.get_xlabel(), ax.lines[1].get_ydata().tolist()
    ('by', [0.2, 1.3])
    """
    labels = ("group", "mean purchases in the holdout period", "Calibration vs holdout purchases")
    return _by_group(table, "actual", "predicted", labels, ax)


def _since(frame: pd.DataFrame) -> str:
    """Return the x label of a frame indexed by period offsets, with a ``period`` column."""
    first = frame["period"].iloc[0] if len(frame) else None
    if isinstance(first, pd.Period):
        return f"periods ({first.freqstr}) since {first}"
    return "periods since the first purchase"


def _tracking(curve: object, incremental: bool, calibration_end: int | None, ax: Any) -> Any:
    suffix = "_incremental" if incremental else ""
    actual, predicted = f"actual{suffix}", f"predicted{suffix}"
    curve = check_frame(curve, "curve", ["period", actual, predicted])
    series = {"actual": float_column(curve, actual, "curve")}
    series["model"] = float_column(curve, predicted, "curve")
    ax = lines(ax, curve.index.to_numpy(), series, markers=False)
    if calibration_end is not None:
        ax.axvline(calibration_end, color="grey", linestyle=":", label="end of calibration")
    kind = "repeat transactions per period" if incremental else "cumulative repeat transactions"
    title = "Tracking " + ("incremental" if incremental else "cumulative") + " transactions"
    return labelled(ax, _since(curve), kind, title)


@fill_doc(PLOT_DOCS)
def plot_cumulative_transactions(
    curve: pd.DataFrame, *, calibration_end: int | None = None, ax: Any = None
) -> Any:
    """Draw cumulative repeat transactions of the log and of the model (the tracking curve).

    Parameters
    ----------
    curve : pandas.DataFrame
        Output of :func:`custvalue.diagnostics.expected_cumulative_transactions`
        (index: period offsets; columns ``period``, ``actual``, ``predicted``).
    calibration_end : int, optional
        Period offset where the calibration period ends, drawn as a vertical line.
    %(ax)s

    See Also
    --------
    plot_incremental_transactions : the same curves per period.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.plotting import plot_cumulative_transactions
    >>> curve = pd.DataFrame({"period": pd.period_range("2024-01", periods=3, freq="M"),
    ...                       "actual": [0, 2, 3], "predicted": [0.5, 1.5, 2.8]})
    >>> ax = plot_cumulative_transactions(curve, calibration_end=1)
    >>> ax.get_xlabel(), ax.lines[0].get_ydata().tolist()
    ('periods (M) since 2024-01', [0.0, 2.0, 3.0])
    """
    return _tracking(curve, False, calibration_end, ax)


def plot_incremental_transactions(
    curve: pd.DataFrame, *, calibration_end: int | None = None, ax: Any = None
) -> Any:
    """Draw repeat transactions per period of the log and of the model.

    The tracking curve of :func:`plot_cumulative_transactions`, per period: it
    draws the columns ``actual_incremental`` and ``predicted_incremental``;
    arguments and return value as there.

    See Also
    --------
    plot_cumulative_transactions : the same curves, cumulated.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.plotting import plot_incremental_transactions
    >>> curve = pd.DataFrame({"period": pd.period_range("2024-01-01", periods=2, freq="D"),
    ...                       "actual_incremental": [1, 2], "predicted_incremental": [1.2, 1.6]})
    >>> plot_incremental_transactions(curve).lines[1].get_ydata().tolist()
    [1.2, 1.6]
    """
    return _tracking(curve, True, calibration_end, ax)


def _matrix(grid: object, label: str, title: str, ax: Any) -> Any:
    grid = check_frame(grid, "grid", [])
    ax = heatmap(ax, grid, label)
    xlabel = f"{grid.columns.name or 'recency'} (last purchase, periods after the first)"
    ylabel = f"{grid.index.name or 'frequency'} (repeat purchases)"
    return labelled(ax, xlabel, ylabel, title, legend=False)


@fill_doc(PLOT_DOCS)
def plot_frequency_recency_matrix(grid: pd.DataFrame, ax: Any = None) -> Any:
    """Draw a heat map of expected purchases over the (frequency, recency) grid.

    Parameters
    ----------
    grid : pandas.DataFrame
        Output of :func:`custvalue.diagnostics.frequency_recency_matrix`
        (rows ``frequency``, columns ``recency``); NaN cells are left blank.
    %(ax)s

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from custvalue.plotting import plot_frequency_recency_matrix
    >>> ax = plot_frequency_recency_matrix(pd.DataFrame([[0.1, np.nan], [np.nan, 0.9]]))
    >>> ax.images[0].get_array().mask.tolist()
    [[False, True], [True, False]]
    """
    return _matrix(grid, "expected purchases", "Expected purchases", ax)


def plot_probability_alive_matrix(grid: pd.DataFrame, ax: Any = None) -> Any:
    """Draw a heat map of P(alive) over the (frequency, recency) grid.

    The heat map of :func:`plot_frequency_recency_matrix` for the ``grid`` of
    :func:`custvalue.diagnostics.probability_alive_matrix`; arguments and
    return value as there.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.plotting import plot_probability_alive_matrix
    >>> grid = pd.DataFrame({0: [1.0, None], 1: [0.4, 0.8]}).rename_axis(columns="recency")
    >>> float(plot_probability_alive_matrix(grid).images[0].get_array()[1, 1])
    0.8
    """
    return _matrix(grid, "P(alive)", "Probability alive", ax)


@fill_doc(PLOT_DOCS)
def plot_history_alive(history: pd.DataFrame, ax: Any = None) -> Any:
    """Draw one customer's P(alive) over time, with the purchases marked.

    Parameters
    ----------
    history : pandas.DataFrame
        One customer's history, as :func:`custvalue.diagnostics.probability_alive_history`
        returns it (index: period offsets; columns ``period``, ``purchase``, ``p_alive``).
    %(ax)s

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.plotting import plot_history_alive
    >>> history = pd.DataFrame({"period": pd.period_range("2024-01-01", periods=3),
    ...                         "purchase": [1, 0, 1], "p_alive": [1.0, 0.7, 1.0]})
    >>> [float(line.get_xdata()[0]) for line in plot_history_alive(history).lines[1:]]
    [0.0, 2.0]
    """
    history = check_frame(history, "history", ["period", "purchase", "p_alive"])
    bought = float_column(history, "purchase", "history") == 1
    p_alive = float_column(history, "p_alive", "history")
    ax = lines(ax, history.index.to_numpy(), {"P(alive)": p_alive}, markers=False)
    for i, pos in enumerate(history.index.to_numpy()[bought]):
        ax.axvline(pos, color="grey", linestyle="--", label="purchase" if i == 0 else None)
    ax.set_ylim(0, 1.05)
    return labelled(ax, _since(history), "probability alive", "History of P(alive)")


@fill_doc(PLOT_DOCS)
def plot_spend_by_frequency(table: pd.DataFrame, ax: Any = None) -> Any:
    """Draw observed and model-expected mean spend by repeat frequency.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`custvalue.diagnostics.spend_by_frequency` (columns
        ``observed`` and ``expected``, one row per frequency).
    %(ax)s

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.plotting import plot_spend_by_frequency
    >>> table = pd.DataFrame({"observed": [20.0, 25.0], "expected": [21.0, 24.0]}, index=[1, 2])
    >>> plot_spend_by_frequency(table).lines[0].get_ydata().tolist()
    [20.0, 25.0]
    """
    labels = ("repeat transactions", "mean spend per transaction", "Spend by frequency")
    return _by_group(table, "observed", "expected", labels, ax)
