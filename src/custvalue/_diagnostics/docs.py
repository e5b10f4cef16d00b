"""Docstring entries shared by the diagnostics (filled by ``_core.docs.fill_doc``)."""

from __future__ import annotations

import textwrap

from custvalue._core.docs import LOG_PARAMS

#: What a diagnostic needs of the model, the (frequency, recency) grid, the log options.
DIAG_DOCS: dict[str, str] = {
    "model_expected_purchases": """
        model : fitted transaction model
            Any custvalue model with ``expected_purchases(t, frequency, recency, T)``.
        """,
    "model_probability_alive": """
        model : fitted transaction model
            Any custvalue model with ``probability_alive(frequency, recency, T)``.
        """,
    "grid_T": """
        T : float
            Age of the customers (periods since their first purchase).
        """,
    "grid_bounds": """
        max_frequency : int, default 20
            Largest frequency (rows ``0 .. max_frequency``).
        max_recency : int, optional
            Largest recency (columns ``0 .. max_recency``); defaults to ``floor(T)``.
        """,
    "date_col": """
        date_col : str, default "date"
            Column with the purchase dates: ``datetime64`` (naive or time-zone
            aware) or Arrow-backed timestamps or dates; strings and yyyymmdd
            integers with ``date_format``.  Numeric time is refused.
        """,
    "freq": """
        freq : str, default "D"
            The model's time unit, a pandas period alias (``"D"``, ``"W"``,
            ``"7D"``, ``"M"``; multiples honoured, None is ``"D"``).
        """,
    "amount_col": """
        amount_col : str, optional
            Amount column; with it, ``returns`` decides what a negative line means
            (without it every line is a purchase).
        """,
}


def _joined(*entries: str) -> str:
    return "\n".join(textwrap.dedent(e).strip("\n") for e in entries)


#: ``%(dated_log)s``: the options of a diagnostic reading a log of dated purchases.
DIAG_DOCS["dated_log"] = _joined(
    DIAG_DOCS["date_col"],
    DIAG_DOCS["freq"],
    DIAG_DOCS["amount_col"],
    LOG_PARAMS["returns"],
    LOG_PARAMS["date_format"],
)
