"""Lazy matplotlib access shared by the plot functions."""

from __future__ import annotations

import importlib
from typing import Any

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
