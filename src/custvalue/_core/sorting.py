"""The one radix sort of float keys and the one counting sort by integer key.

Numba kernels, arrays in, arrays out:

- :func:`float_keys` maps float64 values (no NaN) to unsigned 64-bit keys whose
  integer order is the numeric order of the values (``-0.0`` and ``0.0`` get
  the same key);
- :func:`radix_sort_pairs` is a stable LSD radix sort of such keys that also
  returns the original positions; :func:`argsort_floats` and
  :func:`sort_floats` are built on it;
- :func:`counting_order` is a stable counting sort of positions by a small
  integer key, :func:`group_rows` groups rows by a dense code (``start``
  offsets and the rows of each group) and :func:`grouped_time_order` sorts
  each group by time as well; :func:`insertion_sort_pairs` sorts a short run.

Every sort here is stable: equal keys keep their input order, exactly like
``numpy.argsort(..., kind="stable")``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from custvalue._core.arrays import FloatArray
from custvalue._core.arrays import IntArray
from custvalue._core.arrays import UIntArray
from custvalue._core.jit import jit

__all__ = [
    "argsort_floats",
    "count_starts",
    "counting_order",
    "float_keys",
    "group_rows",
    "group_starts",
    "grouped_time_order",
    "insertion_sort_pairs",
    "radix_sort_pairs",
    "sort_floats",
]


_RADIX_BITS = 11
_RADIX_SIZE = 1 << _RADIX_BITS
_RADIX_PASSES = 6  # 6 * 11 = 66 >= 64 bits


@jit
def float_keys(values: FloatArray) -> UIntArray:
    """Unsigned keys whose integer order is the numeric order of ``values``.

    ``values`` must not hold NaN; ``-0.0`` and ``0.0`` map to the same key,
    ``-inf`` / ``inf`` to the smallest / largest keys of finite-or-infinite
    values.
    """
    n = values.shape[0]
    clean = np.empty(n)
    for i in range(n):
        clean[i] = values[i] + 0.0  # -0.0 + 0.0 == +0.0: one key for zero
    bits = clean.view(np.uint64)
    keys = np.empty(n, dtype=np.uint64)
    sign = np.uint64(1) << np.uint64(63)
    for i in range(n):
        b = bits[i]
        keys[i] = ~b if b & sign else b | sign
    return keys


@jit
def _key_values(keys: UIntArray) -> FloatArray:
    """Inverse of :func:`float_keys` (zero comes back as ``0.0``)."""
    n = keys.shape[0]
    out = np.empty(n)
    bits = out.view(np.uint64)
    sign = np.uint64(1) << np.uint64(63)
    for i in range(n):
        k = keys[i]
        bits[i] = k ^ sign if k & sign else ~k
    return out


@jit
def radix_sort_pairs(keys: UIntArray) -> tuple[UIntArray, IntArray]:
    """Stable LSD radix sort of unsigned 64-bit keys: the sorted keys and their positions.

    11-bit digits; a pass in which every key has the same digit is skipped.
    Keys travel with their positions, so every pass reads sequentially.
    ``positions[j]`` is the input position of the ``j``-th smallest key (ties
    in input order), i.e. ``numpy.argsort(keys, kind="stable")``.
    """
    n = keys.shape[0]
    counts = np.zeros((_RADIX_PASSES, _RADIX_SIZE), dtype=np.int64)
    mask = np.uint64(_RADIX_SIZE - 1)
    for i in range(n):
        k = keys[i]
        for p in range(_RADIX_PASSES):
            counts[p, np.int64((k >> np.uint64(p * _RADIX_BITS)) & mask)] += 1
    key_a = keys.copy()
    pos_a = np.arange(n)
    key_b = np.empty(n, dtype=np.uint64)
    pos_b = np.empty(n, dtype=np.int64)
    start = np.empty(_RADIX_SIZE, dtype=np.int64)
    for p in range(_RADIX_PASSES):
        row = counts[p]
        idle = False
        for b in range(_RADIX_SIZE):
            if row[b] == n:
                idle = True
                break
            if row[b] != 0:
                break
        if idle:
            continue
        acc = 0
        for b in range(_RADIX_SIZE):
            start[b] = acc
            acc += int(row[b])
        shift = np.uint64(p * _RADIX_BITS)
        for i in range(n):
            k = key_a[i]
            bucket = np.int64((k >> shift) & mask)
            j = start[bucket]
            key_b[j] = k
            pos_b[j] = pos_a[i]
            start[bucket] = j + 1
        key_a, key_b = key_b, key_a
        pos_a, pos_b = pos_b, pos_a
    return key_a, pos_a


@jit
def argsort_floats(values: FloatArray) -> IntArray:
    """Stable argsort of float64 values without NaN (``-0.0`` ties with ``0.0``).

    Equal to ``numpy.argsort(values + 0.0, kind="stable")``.
    """
    return radix_sort_pairs(float_keys(values))[1]


@jit
def sort_floats(values: FloatArray, descending: bool) -> FloatArray:
    """Sorted copy of float64 values without NaN; ``-0.0`` comes back as ``0.0``.

    Ascending, or from largest to smallest with ``descending``.
    """
    out = _key_values(radix_sort_pairs(float_keys(values))[0])
    return out[::-1].copy() if descending else out


@jit
def counting_order(keys: IntArray, n_keys: int, order_in: IntArray) -> IntArray:
    """Stable counting sort of the positions ``order_in`` by ``keys[order_in]``.

    ``keys`` hold integers ``0 .. n_keys - 1``.  Positions with equal keys
    keep their order in ``order_in``, so sorting by a secondary key first and
    by the primary key second gives a lexicographic order.
    """
    n = order_in.shape[0]
    start = np.zeros(n_keys + 1, dtype=np.int64)
    for i in range(n):
        start[keys[order_in[i]] + 1] += 1
    for c in range(n_keys):
        start[c + 1] += start[c]
    out = np.empty(n, dtype=np.int64)
    for i in range(n):
        pos = order_in[i]
        c = keys[pos]
        out[start[c]] = pos
        start[c] += 1
    return out


@jit
def group_starts(codes: IntArray, n_groups: int) -> IntArray:
    """Group offsets of a counting sort by a dense code ``0 .. n_groups - 1``.

    ``start[g]`` is the number of rows whose code is below ``g`` (``n_groups + 1``
    values), so group ``g`` fills positions ``start[g]:start[g + 1]``.
    """
    start = np.zeros(n_groups + 1, dtype=np.int64)
    count_starts(codes, start)
    return start


@jit
def count_starts(codes: IntArray, start: IntArray) -> None:
    """:func:`group_starts` into ``start``, zeros on entry (its caller allocates it)."""
    for i in range(codes.shape[0]):
        start[codes[i] + 1] += 1
    for c in range(start.shape[0] - 1):
        start[c + 1] += start[c]


@jit
def group_rows(codes: IntArray, n_groups: int) -> tuple[IntArray, IntArray]:
    """Group rows by a dense code ``0 .. n_groups - 1`` (stable counting sort).

    Returns ``start`` (``n_groups + 1`` offsets, :func:`group_starts`) and ``rows``:
    the rows of group ``g`` are ``rows[start[g]:start[g + 1]]``, in input order.
    """
    start = group_starts(codes, n_groups)
    return start, counting_order(codes, n_groups, np.arange(codes.shape[0]))


@jit
def insertion_sort_pairs(keys: npt.NDArray[Any], values: IntArray, lo: int, hi: int) -> None:
    """Stable insertion sort of ``keys[lo:hi]`` in place, ``values[lo:hi]`` moved alongside.

    For short runs (a few dozen keys); equal keys keep their order.
    """
    for i in range(lo + 1, hi):
        k = keys[i]
        v = values[i]
        j = i - 1
        while j >= lo and keys[j] > k:
            keys[j + 1] = keys[j]
            values[j + 1] = values[j]
            j -= 1
        keys[j + 1] = k
        values[j + 1] = v


@jit
def grouped_time_order(
    codes: IntArray, times: FloatArray, n_groups: int
) -> tuple[IntArray, IntArray, FloatArray]:
    """Group rows by code (:func:`group_rows`) and sort each group by time (stable).

    Returns ``start`` (``n_groups + 1`` offsets), ``rows`` (row positions in
    that order) and ``t_sorted`` (``times[rows]``), so that later passes read
    the times sequentially.  ``times`` must not hold NaN.
    """
    start, rows = group_rows(codes, n_groups)
    n = codes.shape[0]
    t_sorted = np.empty(n)
    for j in range(n):
        t_sorted[j] = times[rows[j]]
    for c in range(n_groups):
        lo = start[c]
        hi = start[c + 1]
        if hi - lo > 32:
            order = np.argsort(t_sorted[lo:hi], kind="mergesort")
            seg_r = rows[lo:hi].copy()
            seg_t = t_sorted[lo:hi].copy()
            for j in range(hi - lo):
                rows[lo + j] = seg_r[order[j]]
                t_sorted[lo + j] = seg_t[order[j]]
            continue
        insertion_sort_pairs(t_sorted, rows, lo, hi)
    return start, rows, t_sorted
