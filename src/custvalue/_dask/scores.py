"""RFM scores and segments of a Dask summary (implementation of :mod:`custvalue.dask`).

Fixed-edge scores and the segment map depend on one customer's row only, so
the in-memory functions run on each partition.  Quantile scores depend on
every customer's value: the class thresholds are found globally first (exact
order statistics, :mod:`custvalue._dask.select`), then each partition is
scored with them.  Mean scores are
refused (see :func:`custvalue.dask.rfm_scores`).
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any

import dask.dataframe as dd
import numpy as np
import numpy.typing as npt
import pandas as pd

from custvalue import rfm
from custvalue._dask.options import with_defaults
from custvalue._dask.select import order_statistics
from custvalue._dask.summary import check_dask_frame
from custvalue.errors import InputTypeError
from custvalue.errors import InputValueError

__all__ = ["rfm_scores", "rfm_segments"]

FloatArray = npt.NDArray[np.float64]

_DIMENSIONS = ("R", "F", "M")


def _scores_meta(data: dd.DataFrame, edges: object) -> pd.DataFrame:
    """Empty scores: categorical ``R``, ``F``, ``M`` of ``1 .. len(edges[d]) + 1``, cell, score."""
    if not isinstance(edges, Mapping) or not all(
        isinstance(edges.get(d), Sequence) and not isinstance(edges.get(d), str)
        for d in _DIMENSIONS
    ):
        raise InputTypeError(
            "`edges` must be a mapping {'R': [...], 'F': [...], 'M': [...]} of increasing "
            f"thresholds for each dimension, got {edges!r}; fix by passing one."
        )
    cols: dict[str, Any] = {
        d: pd.Series(
            dtype=pd.CategoricalDtype(pd.Index(range(1, len(edges[d]) + 2)), ordered=True)
        )
        for d in _DIMENSIONS
    }
    cols["cell"] = pd.Series(dtype="str")
    cols["score"] = pd.Series(dtype="int64")
    return pd.DataFrame(cols, index=data._meta.index)


def _quantile_thresholds(frame: dd.DataFrame, bins: int) -> list[FloatArray]:
    """Thresholds ``t_k``, ``k = 1 .. bins - 1``, of each column: the value after the ``m_k``-th.

    ``m_k = ceil(k n / bins)``.  A customer with value ``x`` has ``w`` values
    strictly below it; ``w >= m`` exactly when ``x`` is above the ``m``-th
    smallest value, so ``1 + floor(bins * w / n)`` (the in-memory quantile
    score) is ``1 + #{k : x >= t_k}``.  ``inf`` for a ``k`` no value reaches.
    Found by the exact order statistics of :mod:`custvalue._dask.select` (no
    global sort); a few numbers per partition reach the caller.
    """
    k = np.arange(1, bins, dtype=np.int64)
    sizes, _, nexts = order_statistics(
        frame, list(frame.columns), lambda n: (k * n + bins - 1) // bins - 1
    )
    if sizes[0] == 0:
        raise InputValueError("`summary` is empty; pass at least one customer.")
    return nexts


def _ordered_values(rows: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """Return the R, F and M values of a partition as floats, recency negated (lower is worse)."""
    out = {d: rows[c].to_numpy(dtype=np.float64) for d, c in columns.items()}
    out["R"] = -out["R"]
    return pd.DataFrame(out, index=rows.index)


def _quantile_part(
    rows: pd.DataFrame,
    given: Mapping[str, Any],
    columns: dict[str, str],
    thresholds: dict[str, FloatArray],
    meta: pd.DataFrame,
) -> pd.DataFrame:
    """Quantile scores of one partition from the global thresholds."""
    if len(rows) == 0:
        return meta
    rfm.rfm_scores(rows, **given)  # the in-memory checks of the values, same errors
    out = {}
    for d, col in columns.items():
        v = rows[col].to_numpy(dtype=np.float64)
        z = -v if d == "R" else v
        codes = np.searchsorted(thresholds[d], z, side="right")
        dtype: Any = meta[d].dtype
        out[d] = pd.Categorical.from_codes(codes.astype(np.int64), dtype=dtype)
    scores = pd.DataFrame(out, index=rows.index)
    digits = [scores[d].cat.codes.to_numpy(dtype=np.int64) + 1 for d in _DIMENSIONS]
    scores["cell"] = pd.Series(
        [f"{r}{f}{m}" for r, f, m in zip(*digits, strict=True)], index=rows.index, dtype="str"
    )
    scores["score"] = digits[0] + digits[1] + digits[2]
    return scores.astype(meta.dtypes.to_dict())


def rfm_scores(summary: object, **options: Any) -> dd.DataFrame:
    """Compute :func:`custvalue.dask.rfm_scores` (see its documentation)."""
    given = with_defaults(rfm.rfm_scores, options)
    if given["method"] == "mean":
        raise InputValueError(
            "`method` must be 'quantile' or 'edges' on Dask, got 'mean': the mean of a "
            "column summed in another order than in memory can put a value equal to it on "
            "the other side; fix by passing method='edges' with edges={'R': [m_R], 'F': "
            "[m_F], 'M': [m_M]} (the means you choose), or by scoring the computed summary "
            "with custvalue.rfm.rfm_scores."
        )
    columns = {
        "R": given["recency_col"],
        "F": given["frequency_col"],
        "M": given["monetary_col"],
    }
    frame = check_dask_frame(summary, "summary", list(dict.fromkeys(columns.values())))
    if given["method"] != "quantile":
        meta = _scores_meta(frame, given["edges"])

        def part(rows: pd.DataFrame) -> pd.DataFrame:
            if len(rows) == 0:
                return meta
            return rfm.rfm_scores(rows, **given)

        return frame.map_partitions(part, meta=meta)
    # the in-memory checks of the options (bins, edges), and the output dtypes
    probe = rfm.rfm_scores(pd.DataFrame({c: [0.0] for c in columns.values()}), **given)
    meta = probe.iloc[:0].set_axis(frame._meta.index, axis=0)
    bins = len(probe["R"].cat.categories)
    # the values in the order of the scores (recency: lower is better), held while the
    # thresholds are found (three passes)
    ordered = frame.map_partitions(
        _ordered_values, columns, meta=pd.DataFrame({d: [0.0] for d in _DIMENSIONS}).iloc[:0]
    ).persist()
    thresholds = dict(zip(_DIMENSIONS, _quantile_thresholds(ordered, bins), strict=True))
    return frame.map_partitions(
        _quantile_part, given, columns, thresholds, meta, meta=meta, align_dataframes=False
    )


def rfm_segments(scores: object, **options: Any) -> dd.Series:
    """Compute :func:`custvalue.dask.rfm_segments` (see its documentation)."""
    given = with_defaults(rfm.rfm_segments, options)
    frame = check_dask_frame(scores, "scores", list(_DIMENSIONS))
    meta = rfm.rfm_segments(frame._meta, **given)
    return frame.map_partitions(rfm.rfm_segments, meta=meta, **given)
