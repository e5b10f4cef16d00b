"""RFM scores and segments of a Dask summary (implementation of :mod:`custvalue.dask`).

Fixed-edge scores and the segment map depend on one customer's row only, so
the in-memory functions run on each partition.  Quantile scores depend on
every customer's value: the class thresholds are found globally first (a sort
and reductions), then each partition is scored with them.  Mean scores are
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


def _quantile_thresholds(values: dd.Series, bins: int) -> FloatArray:
    """Thresholds ``t_k``, ``k = 1 .. bins - 1``: the value after the ``ceil(k n / bins)``-th.

    A customer with value ``x`` has ``w`` values strictly below it; ``w >= m`` exactly
    when ``x`` is above the ``m``-th smallest value, so ``1 + floor(bins * w / n)``
    (the in-memory quantile score) is ``1 + #{k : x >= t_k}``.  ``inf`` for a ``k``
    no value reaches.  Found by a global sort (Dask's ``sort_values``), the length of
    each sorted partition, the order statistics at those positions and one reduction
    for the next larger values; ``bins - 1`` numbers per partition reach the caller.
    """
    # persisted first: a global sort of a frame that still holds a p2p shuffle (a
    # custvalue.dask summary) never finishes on a distributed cluster
    frame = values.rename("v").to_frame().persist()
    ordered = frame.sort_values("v", shuffle_method="tasks")
    lengths = ordered.map_partitions(len).compute()
    lengths = np.asarray(list(lengths), dtype=np.int64)
    n = int(lengths.sum())
    if n == 0:
        raise InputValueError("`summary` is empty; pass at least one customer.")
    k = np.arange(1, bins, dtype=np.int64)
    positions = (k * n + bins - 1) // bins - 1  # 0-based position of the m_k-th smallest
    starts = np.concatenate(([0], np.cumsum(lengths)))
    meta = pd.DataFrame({"k": pd.Series(dtype="int64"), "v": pd.Series(dtype="float64")})
    parts = []
    for i in range(ordered.npartitions):
        inside = (positions >= starts[i]) & (positions < starts[i + 1])
        if inside.any():
            local = positions[inside] - starts[i]
            parts.append(
                ordered.partitions[i].map_partitions(
                    lambda p, j=k[inside], at=local: pd.DataFrame(
                        {"k": j, "v": p["v"].to_numpy(dtype=np.float64)[at]}
                    ),
                    meta=meta,
                )
            )
    found = dd.concat(parts).compute().sort_values("k")
    quantiles = found["v"].to_numpy(dtype=np.float64)

    def above(p: pd.DataFrame) -> pd.DataFrame:
        v = p["v"].to_numpy(dtype=np.float64)
        row = [v[v > q].min() if (v > q).any() else np.inf for q in quantiles]
        return pd.DataFrame([row], columns=[f"t{j}" for j in k])

    next_meta = pd.DataFrame({f"t{j}": pd.Series(dtype="float64") for j in k})
    nexts = frame.map_partitions(above, meta=next_meta).compute()
    return np.asarray(nexts.min(axis=0).to_numpy(), dtype=np.float64)


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
    thresholds = {
        d: _quantile_thresholds(
            -frame[c].astype("float64") if d == "R" else frame[c].astype("float64"), bins
        )
        for d, c in columns.items()
    }
    return frame.map_partitions(
        _quantile_part, given, columns, thresholds, meta, meta=meta, align_dataframes=False
    )


def rfm_segments(scores: object, **options: Any) -> dd.Series:
    """Compute :func:`custvalue.dask.rfm_segments` (see its documentation)."""
    given = with_defaults(rfm.rfm_segments, options)
    frame = check_dask_frame(scores, "scores", list(_DIMENSIONS))
    meta = rfm.rfm_segments(frame._meta, **given)
    return frame.map_partitions(rfm.rfm_segments, meta=meta, **given)
