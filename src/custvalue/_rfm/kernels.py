"""Numba kernels behind :mod:`custvalue.rfm` (arrays in, arrays out, no pandas)."""

from __future__ import annotations

import numpy as np

from custvalue._core.arrays import FloatArray
from custvalue._core.arrays import IntArray
from custvalue._core.jit import jit
from custvalue._core.sorting import group_starts


@jit
def _sort_small(buf: FloatArray, k: int) -> None:
    """Sort ``buf[:k]`` in place (insertion sort for short runs, numpy otherwise)."""
    if k > 32:
        buf[:k] = np.sort(buf[:k])
        return
    for i in range(1, k):
        v = buf[i]
        j = i - 1
        while j >= 0 and buf[j] > v:
            buf[j + 1] = buf[j]
            j -= 1
        buf[j + 1] = v


@jit
def customer_periods(
    codes: IntArray, periods: FloatArray, amounts: FloatArray, n_customers: int
) -> tuple[FloatArray, FloatArray, IntArray, FloatArray, FloatArray]:
    """Per-customer first/last period, distinct periods and amount totals.

    Parameters
    ----------
    codes : int64 array
        Customer code of each transaction, in ``0 .. n_customers - 1``.
    periods : float64 array
        Purchase period of each transaction (any order).
    amounts : float64 array
        Amount of each transaction (zeros when there are none).
    n_customers : int
        Number of distinct customer codes.

    Returns
    -------
    first, last : float64 arrays
        Earliest and latest purchase period of each customer.
    n_periods : int64 array
        Number of distinct purchase periods.
    total : float64 array
        Sum of all amounts.
    repeat_total : float64 array
        Sum of the amounts outside the first purchase period.
    """
    n = codes.shape[0]
    # Counting sort of the transactions by customer code (O(n), stable), moving the
    # values themselves, interleaved, so that each transaction costs one scattered
    # write and the per-customer pass below reads memory in order.
    start = group_starts(codes, n_customers)
    fill = start[:-1].copy()
    ta = np.empty((n, 2))
    for i in range(n):
        c = codes[i]
        j = fill[c]
        ta[j, 0] = periods[i]
        ta[j, 1] = amounts[i]
        fill[c] = j + 1
    t_sorted = ta[:, 0]

    first = np.empty(n_customers)
    last = np.empty(n_customers)
    n_periods = np.empty(n_customers, dtype=np.int64)
    total = np.zeros(n_customers)
    repeat_total = np.zeros(n_customers)
    for c in range(n_customers):
        lo = start[c]
        hi = start[c + 1]
        t_min = np.inf
        t_max = -np.inf
        for j in range(lo, hi):
            t_min = min(t_min, ta[j, 0])
            t_max = max(t_max, ta[j, 0])
        s = 0.0
        rep = 0.0
        for j in range(lo, hi):
            s += ta[j, 1]
            if ta[j, 0] != t_min:
                rep += ta[j, 1]
        distinct = 1
        if t_max > t_min:
            seg = t_sorted[lo:hi]
            _sort_small(seg, hi - lo)
            for j in range(1, hi - lo):
                if seg[j] != seg[j - 1]:
                    distinct += 1
        first[c] = t_min
        last[c] = t_max
        n_periods[c] = distinct
        total[c] = s
        repeat_total[c] = rep
    return first, last, n_periods, total, repeat_total


@jit
def distinct_period_counts(
    codes: IntArray, periods: FloatArray, amounts: FloatArray, n_customers: int
) -> tuple[IntArray, FloatArray, IntArray]:
    """Distinct purchase periods, amount sum and line count per customer.

    Used for the holdout window, where only counts and totals are needed.
    """
    _, _, n_periods, total, _ = customer_periods(codes, periods, amounts, n_customers)
    lines = np.zeros(n_customers, dtype=np.int64)
    for i in range(codes.shape[0]):
        lines[codes[i]] += 1
    # Customers without holdout lines report zero periods (the kernel's minimum is 1).
    for c in range(n_customers):
        if lines[c] == 0:
            n_periods[c] = 0
    return n_periods, total, lines
