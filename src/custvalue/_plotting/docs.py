"""Docstring entries shared by the plot functions (filled by ``_core.docs.fill_doc``)."""

from __future__ import annotations

#: ``%(ax)s``: the last parameter of every plot function and the Returns section.
PLOT_DOCS: dict[str, str] = {
    "ax": """
        ax : matplotlib.axes.Axes, optional
            Axes to draw on; a new figure's when omitted.

        Returns
        -------
        matplotlib.axes.Axes
            The Axes drawn on, with its axes and title labelled.
        """,
}
