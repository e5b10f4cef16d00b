"""Numpydoc entries shared by the functions of :mod:`custvalue.dask`."""

from __future__ import annotations

#: The arguments of the per-partition predictions of a transaction model.
PREDICTION_PARAMS: dict[str, str] = {
    "model": """
        model : fitted transaction model
            E.g. from :func:`fit_transaction_model`.
        """,
    "data": """
        data : dask.dataframe.DataFrame
            Summary with ``frequency``, ``recency`` and ``T``.
        """,
}

#: The errors every log-reading function reports the same way (a ``Raises`` section's start).
LOG_ERRORS: dict[str, str] = {
    "log_errors": """
        InputTypeError
            If ``transactions`` is not a Dask DataFrame, or as in memory.
        MissingColumnError
            If a named column is absent.
        """,
}
