"""Lazy matplotlib access and the drawing steps shared by the plot functions."""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from custvalue.errors import CustvalueError
from custvalue.errors import InputTypeError


class PlottingUnavailableError(CustvalueError, ImportError):
    """matplotlib is not installed; ``pip install custvalue[plot]`` installs it."""


def pyplot() -> Any:
    """Return ``matplotlib.pyplot``, or raise a custvalue error saying how to install it."""
    try:
        return importlib.import_module("matplotlib.pyplot")
    except ImportError:
        raise PlottingUnavailableError(
            "custvalue.plotting needs matplotlib, which is not installed; "
            "fix by running `pip install custvalue[plot]`."
        ) from None


def axes(ax: object) -> Any:
    """Return ``ax``, or the current Axes of a new figure when ``ax`` is None."""
    plt = pyplot()
    if ax is None:
        _, new = plt.subplots()
        return new
    from matplotlib.axes import Axes

    if not isinstance(ax, Axes):
        raise InputTypeError(f"`ax` must be a matplotlib Axes or None, got {type(ax).__name__}.")
    return ax


def labelled(ax: Any, xlabel: str, ylabel: str, title: str, *, legend: bool = True) -> Any:
    """Set the axis labels and title of ``ax`` (and its legend); return ``ax``."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if legend:
        ax.legend()
    return ax


def bars(
    ax: Any, ticks: Iterable[object], series: Mapping[str, object], *, across: bool = False
) -> Any:
    """Draw each entry of ``series`` as bars side by side, one group per tick.

    ``across`` draws horizontal bars (ticks on the y axis).  The groups share a
    width of 0.8; each series is labelled by its key.
    """
    ax = axes(ax)
    labels = [str(t) for t in ticks]
    pos = np.arange(len(labels), dtype=np.float64)
    width = 0.8 / len(series)
    draw = ax.barh if across else ax.bar
    for i, (label, values) in enumerate(series.items()):
        offset = (i - (len(series) - 1) / 2) * width
        draw(pos + offset, np.asarray(values, dtype=np.float64), width, label=label)
    (ax.set_yticks if across else ax.set_xticks)(pos, labels)
    return ax


def lines(ax: Any, x: object, series: Mapping[str, object], *, markers: bool) -> Any:
    """Draw the observed series (first) and the model's (second, if any) against ``x``.

    With ``markers``, points are marked (``o`` observed, ``s`` model); without,
    the model's line is dashed.
    """
    ax = axes(ax)
    style: list[dict[str, str]] = (
        [{"marker": "o"}, {"marker": "s"}] if markers else [{}, {"linestyle": "--"}]
    )
    for kw, (label, values) in zip(style, series.items(), strict=False):
        ax.plot(x, np.asarray(values, dtype=np.float64), label=label, **kw)
    return ax


def heatmap(ax: Any, grid: pd.DataFrame, label: str) -> Any:
    """Draw ``grid`` as an image (row 0 at the bottom, NaN cells blank) with a colour bar."""
    ax = axes(ax)
    values = np.ma.masked_invalid(grid.to_numpy(dtype=float))
    image = ax.imshow(values, origin="lower", aspect="auto", interpolation="nearest")
    ax.figure.colorbar(image, ax=ax, label=label)
    return ax
