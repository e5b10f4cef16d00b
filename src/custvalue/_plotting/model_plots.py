"""Plots of the diagnostics of a fitted model (each draws one custvalue.diagnostics result)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from custvalue import diagnostics
from custvalue._plotting.base import axes


def plot_period_transactions(
    model: object, data: pd.DataFrame, max_frequency: int = 7, ax: Any = None
) -> Any:
    """Draw customers as bars by number of repeat transactions, actual and model.

    Draws :func:`custvalue.diagnostics.period_transactions`; arguments as there.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from custvalue.clv import BetaGeoModel, BetaGeoParams
    >>> from custvalue.plotting import plot_period_transactions
    >>> model = BetaGeoModel.from_params(BetaGeoParams(r=0.24, alpha=4.4, a=0.79, b=2.4))
    >>> data = pd.DataFrame({"frequency": [0, 1, 3], "recency": [0.0, 5, 20], "T": [30.0] * 3})
    >>> ax = plot_period_transactions(model, data, max_frequency=2)
    >>> [float(bar.get_height()) for bar in ax.containers[0]]
    [1.0, 1.0, 1.0]
    """
    table = diagnostics.period_transactions(model, data, max_frequency)
    ax = axes(ax)
    x = np.arange(len(table))
    ax.bar(x - 0.2, table["actual"].to_numpy(dtype=float), width=0.4, label="actual")
    ax.bar(x + 0.2, table["expected"].to_numpy(dtype=float), width=0.4, label="model")
    ax.set_xticks(x, list(table.index))
    ax.set_xlabel("repeat transactions in the calibration period")
    ax.set_ylabel("customers")
    ax.set_title("Frequency of repeat transactions")
    ax.legend()
    return ax


def _by_group(
    table: pd.DataFrame,
    observed: str,
    expected: str,
    top: int | None,
    labels: tuple[str, str, str],
    ax: Any,
) -> Any:
    """Draw the ``observed`` and model (``expected``) columns over the groups of ``table``.

    The last group reads ``top+`` when it is ``top`` (the group of all larger values);
    ``labels`` are the x label, y label and title.
    """
    ax = axes(ax)
    x = np.arange(len(table))
    ax.plot(x, table[observed].to_numpy(dtype=float), marker="o", label=observed)
    ax.plot(x, table[expected].to_numpy(dtype=float), marker="s", label="model")
    ticks = [str(v) for v in table.index]
    if top is not None and len(ticks) and table.index[-1] == top:
        ticks[-1] = f"{ticks[-1]}+"
    ax.set_xticks(x, ticks)
    xlabel, ylabel, title = labels
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend()
    return ax


def plot_calibration_vs_holdout(
    model: object,
    data: pd.DataFrame,
    by: str = "frequency_cal",
    max_value: int | None = 7,
    ax: Any = None,
) -> Any:
    """Draw mean holdout purchases per group, actual and predicted.

    Draws :func:`custvalue.diagnostics.calibration_vs_holdout`; arguments as there.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from custvalue.clv import BetaGeoModel, BetaGeoParams
    >>> from custvalue.plotting import plot_calibration_vs_holdout
    >>> model = BetaGeoModel.from_params(BetaGeoParams(r=0.24, alpha=4.4, a=0.79, b=2.4))
    >>> data = pd.DataFrame({"frequency_cal": [0, 1, 1], "recency_cal": [0.0, 5.0, 9.0],
    ...     "T_cal": [30.0] * 3, "frequency_holdout": [0, 1, 2], "duration_holdout": [30.0] * 3})
    >>> ax = plot_calibration_vs_holdout(model, data)
    >>> ax.lines[0].get_ydata().tolist()
    [0.0, 1.5]
    """
    table = diagnostics.calibration_vs_holdout(model, data, by, max_value)
    labels = (by, "mean purchases in the holdout period", "Calibration vs holdout purchases")
    return _by_group(table, "actual", "predicted", max_value, labels, ax)


def _tracking(
    model: object,
    transactions: pd.DataFrame,
    t: int,
    customer_col: str,
    date_col: str,
    freq: str,
    calibration_end: int | None,
    ax: Any,
    incremental: bool,
    **log_options: Any,
) -> Any:
    curve = diagnostics.expected_cumulative_transactions(
        model,
        transactions,
        t,
        customer_col=customer_col,
        date_col=date_col,
        freq=freq,
        **log_options,
    )
    suffix = "_incremental" if incremental else ""
    ax = axes(ax)
    x = curve.index.to_numpy()
    ax.plot(x, curve[f"actual{suffix}"].to_numpy(dtype=float), label="actual")
    ax.plot(x, curve[f"predicted{suffix}"].to_numpy(dtype=float), linestyle="--", label="model")
    if calibration_end is not None:
        ax.axvline(calibration_end, color="grey", linestyle=":", label="end of calibration")
    ax.set_xlabel(f"periods ({freq}) since {curve['period'].iloc[0]}")
    kind = "repeat transactions per period" if incremental else "cumulative repeat transactions"
    ax.set_ylabel(kind)
    ax.set_title("Tracking " + ("incremental" if incremental else "cumulative") + " transactions")
    ax.legend()
    return ax


def plot_cumulative_transactions(
    model: object,
    transactions: pd.DataFrame,
    t: int,
    *,
    customer_col: str = "customer_id",
    date_col: str = "date",
    freq: str = "D",
    amount_col: str | None = None,
    returns: str = "error",
    date_format: str | None = None,
    calibration_end: int | None = None,
    ax: Any = None,
) -> Any:
    """Draw cumulative repeat transactions of the log and of the model (the tracking curve).

    Draws :func:`custvalue.diagnostics.expected_cumulative_transactions`;
    ``calibration_end`` (a period offset) adds a vertical line.

    Returns
    -------
    matplotlib.axes.Axes

    See Also
    --------
    plot_incremental_transactions : the same curves per period.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from custvalue.clv import BetaGeoModel, BetaGeoParams
    >>> from custvalue.plotting import plot_cumulative_transactions
    >>> model = BetaGeoModel.from_params(BetaGeoParams(r=0.24, alpha=4.4, a=0.79, b=2.4))
    >>> log = pd.DataFrame({"customer_id": [1, 1, 2, 2],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-02", "2024-01-04"])})
    >>> ax = plot_cumulative_transactions(model, log, 4)
    >>> ax.lines[0].get_ydata().tolist()
    [0.0, 0.0, 1.0, 2.0]
    """
    return _tracking(
        model,
        transactions,
        t,
        customer_col,
        date_col,
        freq,
        calibration_end,
        ax,
        False,
        amount_col=amount_col,
        returns=returns,
        date_format=date_format,
    )


def plot_incremental_transactions(
    model: object,
    transactions: pd.DataFrame,
    t: int,
    *,
    customer_col: str = "customer_id",
    date_col: str = "date",
    freq: str = "D",
    amount_col: str | None = None,
    returns: str = "error",
    date_format: str | None = None,
    calibration_end: int | None = None,
    ax: Any = None,
) -> Any:
    """Draw repeat transactions per period of the log and of the model.

    Draws the incremental columns of
    :func:`custvalue.diagnostics.expected_cumulative_transactions`; parameters
    as in :func:`plot_cumulative_transactions`.

    Returns
    -------
    matplotlib.axes.Axes

    See Also
    --------
    plot_cumulative_transactions : the same curves, cumulated.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from custvalue.clv import BetaGeoModel, BetaGeoParams
    >>> from custvalue.plotting import plot_incremental_transactions
    >>> model = BetaGeoModel.from_params(BetaGeoParams(r=0.24, alpha=4.4, a=0.79, b=2.4))
    >>> log = pd.DataFrame({"customer_id": [1, 1, 2, 2],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-02", "2024-01-04"])})
    >>> ax = plot_incremental_transactions(model, log, 4)
    >>> ax.lines[0].get_ydata().tolist()
    [0.0, 0.0, 1.0, 1.0]
    """
    return _tracking(
        model,
        transactions,
        t,
        customer_col,
        date_col,
        freq,
        calibration_end,
        ax,
        True,
        amount_col=amount_col,
        returns=returns,
        date_format=date_format,
    )


def _heatmap(grid: pd.DataFrame, title: str, label: str, ax: Any) -> Any:
    ax = axes(ax)
    values = np.ma.masked_invalid(grid.to_numpy(dtype=float))
    image = ax.imshow(values, origin="lower", aspect="auto", interpolation="nearest")
    ax.figure.colorbar(image, ax=ax, label=label)
    ax.set_xlabel(f"{grid.columns.name} (last purchase, periods after the first)")
    ax.set_ylabel(f"{grid.index.name} (repeat purchases)")
    ax.set_title(title)
    return ax


def plot_frequency_recency_matrix(
    model: object,
    T: float,
    t: float = 1.0,
    max_frequency: int = 20,
    max_recency: int | None = None,
    ax: Any = None,
) -> Any:
    """Draw a heat map of expected purchases over the (frequency, recency) grid.

    Draws :func:`custvalue.diagnostics.frequency_recency_matrix`; impossible
    cells are left blank.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from custvalue.clv import BetaGeoModel, BetaGeoParams
    >>> from custvalue.plotting import plot_frequency_recency_matrix
    >>> model = BetaGeoModel.from_params(BetaGeoParams(r=0.24, alpha=4.4, a=0.79, b=2.4))
    >>> ax = plot_frequency_recency_matrix(model, T=10, max_frequency=5)
    >>> ax.images[0].get_array().shape
    (6, 11)
    """
    grid = diagnostics.frequency_recency_matrix(model, T, t, max_frequency, max_recency)
    return _heatmap(
        grid, f"Expected purchases in the next {t:g} periods (T = {T:g})", "purchases", ax
    )


def plot_probability_alive_matrix(
    model: object,
    T: float,
    max_frequency: int = 20,
    max_recency: int | None = None,
    ax: Any = None,
) -> Any:
    """Draw a heat map of P(alive) over the (frequency, recency) grid.

    Draws :func:`custvalue.diagnostics.probability_alive_matrix`.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from custvalue.clv import BetaGeoModel, BetaGeoParams
    >>> from custvalue.plotting import plot_probability_alive_matrix
    >>> model = BetaGeoModel.from_params(BetaGeoParams(r=0.24, alpha=4.4, a=0.79, b=2.4))
    >>> ax = plot_probability_alive_matrix(model, T=10, max_frequency=5)
    >>> float(ax.images[0].get_array()[0, 0])
    1.0
    """
    grid = diagnostics.probability_alive_matrix(model, T, max_frequency, max_recency)
    return _heatmap(grid, f"Probability alive (T = {T:g})", "P(alive)", ax)


def plot_history_alive(
    model: object,
    transactions: pd.DataFrame,
    t: int,
    *,
    customer_col: str | None = "customer_id",
    date_col: str = "date",
    freq: str = "D",
    amount_col: str | None = None,
    returns: str = "error",
    date_format: str | None = None,
    ax: Any = None,
) -> Any:
    """Draw one customer's P(alive) over time, with the purchases marked.

    Draws :func:`custvalue.diagnostics.probability_alive_history`.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from custvalue.clv import BetaGeoModel, BetaGeoParams
    >>> from custvalue.plotting import plot_history_alive
    >>> model = BetaGeoModel.from_params(BetaGeoParams(r=0.24, alpha=4.4, a=0.79, b=2.4))
    >>> one = pd.DataFrame({"date": pd.to_datetime(["2024-01-01", "2024-01-03"])})
    >>> ax = plot_history_alive(model, one, 10)
    >>> len(ax.lines[0].get_ydata())
    11
    """
    history = diagnostics.probability_alive_history(
        model,
        transactions,
        t,
        customer_col=customer_col,
        date_col=date_col,
        freq=freq,
        amount_col=amount_col,
        returns=returns,
        date_format=date_format,
    )
    ax = axes(ax)
    x = history.index.to_numpy()
    ax.plot(x, history["p_alive"].to_numpy(dtype=float), label="P(alive)")
    bought = history["purchase"].to_numpy() == 1
    for i, pos in enumerate(x[bought]):
        ax.axvline(pos, color="grey", linestyle="--", label="purchase" if i == 0 else None)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel(f"periods ({freq}) since {history['period'].iloc[0]}")
    ax.set_ylabel("probability alive")
    ax.set_title("History of P(alive)")
    ax.legend()
    return ax


def plot_spend_by_frequency(
    model: object, data: pd.DataFrame, max_frequency: int | None = 7, ax: Any = None
) -> Any:
    """Draw observed and model-expected mean spend by repeat frequency.

    Draws :func:`custvalue.diagnostics.spend_by_frequency`.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from custvalue.clv import GammaGammaModel, GammaGammaParams
    >>> from custvalue.plotting import plot_spend_by_frequency
    >>> model = GammaGammaModel.from_params(GammaGammaParams(p=6.25, q=3.74, v=15.44))
    >>> data = pd.DataFrame({"frequency": [1, 1, 2], "monetary_value": [10.0, 30.0, 20.0]})
    >>> plot_spend_by_frequency(model, data).lines[0].get_ydata().tolist()
    [20.0, 20.0]
    """
    table = diagnostics.spend_by_frequency(model, data, max_frequency)
    labels = ("repeat transactions", "mean spend per transaction", "Spend by frequency")
    return _by_group(table, "observed", "expected", max_frequency, labels, ax)
