"""The one percentile-rank formula of custvalue.

For a value ``v`` among the ``n`` defined (non-NaN) values, with ``worse`` of
them worse than ``v`` and ``equal`` of them equal to it (``v`` included), the
percentile rank is

    ``100 * (worse + (equal - 1) / 2) / (n - 1)``

the share of the *other* values that ``v`` beats, ties counted half.  The worst
value gets 0, the best 100, tied values the same rank, and 50 when all values
are tied or ``n == 1``.  NaN stays NaN and is not counted in ``n``.
"""

from __future__ import annotations

import numpy as np

from custvalue._core.arrays import FloatArray
from custvalue._core.jit import jit
from custvalue._core.sorting import float_keys
from custvalue._core.sorting import radix_sort_pairs

__all__ = ["percentile_rank", "rank_from_counts"]


@jit
def percentile_rank(values: FloatArray, higher_is_better: bool) -> FloatArray:
    """Tie-safe percentile rank in ``[0, 100]`` of every value (see the module docstring).

    Parameters
    ----------
    values : float64 array
        The measure per item; NaN marks an undefined value (NaN out).
        ``-0.0`` ties with ``0.0``; ``inf`` is allowed.
    higher_is_better : bool
        Whether a larger value is better (ranks higher).  With ``False`` the
        rank is ``100 - rank`` of the ascending order.

    Returns
    -------
    float64 array
        Same length as ``values``.  Whole numbers in a compact range are
        counted in O(n); other values go through the stable radix sort of
        :mod:`custvalue._core.sorting`.
    """
    n_all = values.shape[0]
    out = np.full(n_all, np.nan)
    pos = np.empty(n_all, dtype=np.int64)
    n = 0
    lo = np.inf
    hi = -np.inf
    integral = True
    for i in range(n_all):
        v = values[i]
        if v == v:
            pos[n] = i
            n += 1
            lo = min(lo, v)
            hi = max(hi, v)
            if integral and v != np.floor(v):
                integral = False
    if n == 0:
        return out
    if n == 1:
        out[pos[0]] = 50.0
        return out
    scale = 100.0 / (2.0 * (n - 1))
    if integral and hi - lo <= 4.0 * n + 1024.0:
        # Counting path for whole numbers in a compact range: O(n), no sort.
        width = np.int64(hi - lo) + 1
        counts = np.zeros(width + 1, dtype=np.int64)
        for t in range(n):
            counts[np.int64(values[pos[t]] - lo) + 1] += 1
        for b in range(width):
            counts[b + 1] += counts[b]
        # counts[b] = values below bucket b; counts[b + 1] - counts[b] = ties.
        for t in range(n):
            i = pos[t]
            bucket = np.int64(values[i] - lo)
            below = counts[bucket]
            out[i] = _rank_value(below, counts[bucket + 1] - below, scale, higher_is_better)
        return out
    sub = np.empty(n)
    for t in range(n):
        sub[t] = values[pos[t]]
    keys, order = radix_sort_pairs(float_keys(sub))
    start = 0
    while start < n:
        stop = start + 1
        k = keys[start]
        while stop < n and keys[stop] == k:
            stop += 1
        r = _rank_value(start, stop - start, scale, higher_is_better)
        for t in range(start, stop):
            out[pos[order[t]]] = r
        start = stop
    return out


@jit
def _rank_value(below: float, equal: float, scale: float, higher_is_better: bool) -> float:
    """Return the module's rank: ``below`` values below, ``equal`` equal (itself included).

    ``scale = 100 / (2 (n - 1))``; ``2 below + equal - 1`` is twice the mean
    0-based position of the tie group in ascending order.
    """
    r = (2.0 * below + equal - 1.0) * scale
    return r if higher_is_better else 100.0 - r


@jit
def rank_from_counts(
    below: FloatArray, equal: FloatArray, n: int, higher_is_better: bool
) -> FloatArray:
    """Percentile ranks from counts found elsewhere: values below and equal among ``n``.

    The formula of :func:`percentile_rank` for values whose counts come from
    another pass (e.g. over all partitions of a Dask frame); 50 when ``n == 1``.
    """
    out = np.empty(below.shape[0])
    if n == 1:
        out[:] = 50.0
        return out
    scale = 100.0 / (2.0 * (n - 1))
    for i in range(below.shape[0]):
        out[i] = _rank_value(below[i], equal[i], scale, higher_is_better)
    return out
