"""Numpydoc entries shared by the prediction functions of :mod:`custvalue.dask`."""

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
