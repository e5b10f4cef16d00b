"""Exact order statistics of the columns of a Dask DataFrame, without a global sort.

Three passes over the partitions, each a plain map of one task per partition
(no shuffle, nothing computed while Dask builds a graph):

1. *samples*: each partition sorts its values locally and returns its count
   and the values at every ``s``-th local rank (its minimum and maximum
   included), ``s = ceil(n_p / samples_per_partition)``;
2. *counts*: for each distinct sample (a *pivot*), the number of values
   strictly below it and at most it, summed over the partitions (a tree of
   sums).  The ``r``-th smallest value is then either a pivot (found from
   the counts alone), or lies strictly between two consecutive pivots;
3. *between*: the values strictly between those two pivots (and, for the
   next larger value of a pivot, between it and the next pivot).  No sample
   of any partition falls there, so each partition holds fewer than ``s`` of
   them; the copies of a heavily tied value are counted, never sent.

Only the samples, the counts per pivot and the values of the open intervals
reach the caller.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence
from typing import Any

import dask.dataframe as dd
import numpy as np
import numpy.typing as npt
import pandas as pd
from dask.base import compute
from dask.delayed import delayed

__all__ = ["counts_at", "order_statistics", "pivots_of", "tail_sums", "values_between"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: The number of pivots all partitions together contribute per column (about).
_PIVOTS = 65536


def _sorted(part: pd.DataFrame, column: str) -> FloatArray:
    """Return the non-NaN values of ``column`` in ``part``, ascending."""
    v = part[column].to_numpy(dtype=np.float64)
    return np.sort(v[~np.isnan(v)])


def _samples(part: pd.DataFrame, columns: Sequence[str], size: int) -> list[FloatArray]:
    """Return the values at every ``s``-th local rank of each column, and the last one."""
    out = []
    for column in columns:
        v = _sorted(part, column)
        step = max(1, -(-v.size // size))
        at = np.unique(np.concatenate((np.arange(0, v.size, step), [v.size - 1])))
        out.append(v[at] if v.size else v)
    return out


def _counts(part: pd.DataFrame, columns: Sequence[str], pivots: Sequence[FloatArray]) -> IntArray:
    """Values strictly below and at most each pivot, per column, concatenated."""
    out = []
    for column, p in zip(columns, pivots, strict=True):
        v = _sorted(part, column)
        out.append(np.searchsorted(v, p, side="left"))
        out.append(np.searchsorted(v, p, side="right"))
    return np.concatenate(out).astype(np.int64) if out else np.zeros(0, dtype=np.int64)


def _between(
    part: pd.DataFrame, columns: Sequence[str], intervals: Sequence[Sequence[tuple[float, float]]]
) -> list[list[FloatArray]]:
    """Return the values strictly inside each open interval ``(lo, hi)``, per column."""
    out = []
    for column, wanted in zip(columns, intervals, strict=True):
        v = _sorted(part, column)
        out.append(
            [
                v[np.searchsorted(v, lo, side="right") : np.searchsorted(v, hi, side="left")]
                for lo, hi in wanted
            ]
        )
    return out


def _add(a: IntArray, b: IntArray) -> IntArray:
    return a + b


def _tree_sum(items: list[Any]) -> Any:
    """Return a balanced tree of delayed sums of ``items`` (one task per pair)."""
    while len(items) > 1:
        pairs = [delayed(_add)(a, b) for a, b in zip(items[::2], items[1::2], strict=False)]
        items = pairs + ([items[-1]] if len(items) % 2 else [])
    return items[0]


def _locate(
    pivots: FloatArray, lt: IntArray, le: IntArray, position: int
) -> tuple[float, tuple[float, float], int | None]:
    """Where the ``position``-th smallest value (0-based) is, from the counts per pivot.

    Returns ``(value, interval, rank)``: the value and ``rank=None`` when it is
    a pivot (then ``interval`` is the open interval after it, whose smallest
    value, or else the next pivot, is the next larger value); otherwise NaN,
    the open interval holding it and its ``rank`` among the values inside.
    """
    j = int(np.searchsorted(le, position + 1, side="left"))  # first pivot with le > position
    hi = float(pivots[j])
    if lt[j] <= position:
        after = float(pivots[j + 1]) if j + 1 < pivots.size else np.inf
        return hi, (hi, after), None
    lo = float(pivots[j - 1]) if j > 0 else -np.inf
    below = int(le[j - 1]) if j > 0 else 0
    return np.nan, (lo, hi), position - below


def pivots_of(frame: dd.DataFrame, columns: Sequence[str]) -> tuple[list[Any], list[FloatArray]]:
    """Return the delayed partitions of ``frame[columns]`` and the pivots of each column.

    The pivots are the distinct samples of all partitions (pass 1 of the
    module docstring): each partition's minimum and maximum among them, and
    fewer than ``s`` of a partition's values strictly between two consecutive
    pivots.
    """
    cols = list(columns)
    parts = frame[cols].to_delayed()
    size = max(16, _PIVOTS // max(1, len(parts)))
    (sampled,) = compute([delayed(_samples)(p, cols, size) for p in parts])
    pivots = [np.unique(np.concatenate([s[c] for s in sampled])) for c in range(len(cols))]
    return parts, pivots


def values_between(
    parts: list[Any], columns: Sequence[str], intervals: Sequence[Sequence[tuple[float, float]]]
) -> list[list[list[FloatArray]]]:
    """Per partition, per column, the values strictly inside each open interval (one pass)."""
    (inside,) = compute([delayed(_between)(p, list(columns), intervals) for p in parts])
    return list(inside)


def _tail(part: pd.DataFrame, column: str, pivots: FloatArray, scale: float) -> FloatArray:
    """Count and sum of the values strictly above and at least each pivot (4 rows)."""
    v = _sorted(part, column)[::-1] * scale  # descending: the sums run from the largest
    suffix = np.concatenate(([0.0], np.cumsum(v)))
    above = np.searchsorted(-v, -pivots * scale, side="left")  # values > pivot
    at_least = np.searchsorted(-v, -pivots * scale, side="right")  # values >= pivot
    return np.stack((above, at_least, suffix[above], suffix[at_least])).astype(np.float64)


def tail_sums(
    parts: list[Any], column: str, pivots: FloatArray, scale: float = 1.0
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Count and sum (of ``scale * value``) of the values above and at least each pivot.

    Returns ``(count_above, count_at_least, sum_above, sum_at_least)`` over
    all partitions (one pass, a tree of sums); NaN values are left out.
    Each partition sums its values from the largest down.
    """
    (total,) = compute(_tree_sum([delayed(_tail)(p, column, pivots, scale) for p in parts]))
    return total[0], total[1], total[2], total[3]


def order_statistics(
    frame: dd.DataFrame,
    columns: Sequence[str],
    positions: Callable[[int], IntArray],
) -> tuple[list[int], list[FloatArray], list[FloatArray]]:
    """Return the values at ``positions(n)`` of each column's order, and the next larger.

    Parameters
    ----------
    frame : dask.dataframe.DataFrame
        Holds ``columns`` (numeric; NaN values are left out).
    columns : sequence of str
        The columns, each ordered on its own.
    positions : callable
        Given a column's number of values ``n``, the 0-based positions wanted
        (each in ``[0, n)``; called only for ``n > 0``).

    Returns
    -------
    counts, values, nexts
        Per column: its number of non-NaN values, the values at the positions
        (empty when the column has none), and for each the smallest value
        strictly larger (``inf`` when there is none).
    """
    cols = list(columns)
    parts, pivots = pivots_of(frame, cols)
    (total,) = compute(_tree_sum([delayed(_counts)(p, cols, pivots) for p in parts]))
    found: list[list[tuple[float, tuple[float, float], int | None]]] = []
    sizes = []
    offset = 0
    for p in pivots:
        lt, le = total[offset : offset + p.size], total[offset + p.size : offset + 2 * p.size]
        offset += 2 * p.size
        n = int(le[-1]) if p.size else 0
        sizes.append(n)
        wanted = positions(n) if n else np.zeros(0, dtype=np.int64)
        found.append([_locate(p, lt, le, int(q)) for q in wanted])
    inside = values_between(parts, cols, [[interval for _, interval, _ in c] for c in found])
    values, nexts = [], []
    for c, col in enumerate(found):
        got, after = np.empty(len(col)), np.empty(len(col))
        for i, (value, (_, hi), rank) in enumerate(col):
            held = np.sort(np.concatenate([part[c][i] for part in inside]))
            if rank is None:  # a pivot: the next one is in the interval after it, or hi
                got[i], after[i] = value, held[0] if held.size else hi
            else:
                got[i] = held[rank]
                larger = held[held > got[i]]
                after[i] = larger[0] if larger.size else hi
        values.append(got)
        nexts.append(after)
    return sizes, values, nexts


def counts_at(
    frame: dd.DataFrame, columns: Sequence[str], pivots: Sequence[FloatArray]
) -> list[tuple[IntArray, IntArray]]:
    """Count the values strictly below and at most each pivot, per column (one pass)."""
    cols = list(columns)
    parts = frame[cols].to_delayed()
    (total,) = compute(_tree_sum([delayed(_counts)(p, cols, list(pivots)) for p in parts]))
    out, offset = [], 0
    for p in pivots:
        out.append((total[offset : offset + p.size], total[offset + p.size : offset + 2 * p.size]))
        offset += 2 * p.size
    return out
