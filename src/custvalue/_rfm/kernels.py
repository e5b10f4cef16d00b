"""Numba kernels behind :mod:`custvalue.rfm` (arrays in, arrays out, no pandas)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numba import prange

from custvalue._core.arrays import FloatArray
from custvalue._core.arrays import IntArray
from custvalue._core.jit import alongside
from custvalue._core.jit import jit
from custvalue._core.jit import jit_threads
from custvalue._core.jit import split_rows
from custvalue._core.sorting import count_starts


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


Outputs = tuple[FloatArray, FloatArray, IntArray, FloatArray, FloatArray]


def customer_periods(
    codes: IntArray,
    periods: FloatArray,
    amounts: FloatArray,
    n_customers: int,
    meanwhile: Callable[[], object] | None = None,
) -> Outputs:
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
    meanwhile : callable, optional
        Work on Python objects to do while the transactions are grouped (on
        another thread for large logs, :func:`custvalue._core.jit.alongside`):
        the gathering of the customer ids.

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

    Notes
    -----
    A counting sort groups the transactions by customer (stable: each
    customer's transactions in input order), moving the values themselves,
    interleaved, so that each transaction costs one scattered write and the
    per-customer pass reads memory in order.  The per-customer pass of many
    customers is split over threads (:mod:`custvalue._core.jit`), with the
    same result; the counting sort stays serial (its scattered writes gained
    nothing from a second thread).
    """
    start = np.zeros(n_customers + 1, dtype=np.int64)
    ta = np.empty((codes.shape[0], 2))

    def group() -> None:
        _group(codes, periods, amounts, start, ta)

    if meanwhile is None:
        group()
    else:
        alongside(group, meanwhile, codes.shape[0])
    out: Outputs = (
        np.empty(n_customers),
        np.empty(n_customers),
        np.empty(n_customers, dtype=np.int64),
        np.empty(n_customers),
        np.empty(n_customers),
    )
    split_rows(_customers_range, _customers_chunks, n_customers, (start, ta, out))
    return out


@jit
def _group(
    codes: IntArray, periods: FloatArray, amounts: FloatArray, start: IntArray, ta: FloatArray
) -> None:
    """Group offsets of the customers into ``start`` (zeros on entry), their rows into ``ta``.

    ``ta`` holds the ``(period, amount)`` rows, grouped.  Both are allocated by
    the caller: on the main thread, whose freed memory a new one reuses (a
    thread of its own would fault in fresh pages, 15 ms for 1M customers).
    """
    count_starts(codes, start)
    fill = start[:-1].copy()
    for i in range(codes.shape[0]):
        c = codes[i]
        j = fill[c]
        ta[j, 0] = periods[i]
        ta[j, 1] = amounts[i]
        fill[c] = j + 1


@jit
def _customers_range(lo: int, hi: int, start: IntArray, ta: FloatArray, out: Outputs) -> None:
    """Fill the per-customer columns of customers ``lo:hi`` from their grouped rows."""
    first, last, n_periods, total, repeat_total = out
    t_sorted = ta[:, 0]
    for c in range(lo, hi):
        a = start[c]
        b = start[c + 1]
        t_min = np.inf
        t_max = -np.inf
        for j in range(a, b):
            t_min = min(t_min, ta[j, 0])
            t_max = max(t_max, ta[j, 0])
        s = 0.0
        rep = 0.0
        for j in range(a, b):
            s += ta[j, 1]
            if ta[j, 0] != t_min:
                rep += ta[j, 1]
        distinct = 1
        if t_max > t_min:
            seg = t_sorted[a:b]
            _sort_small(seg, b - a)
            for j in range(1, b - a):
                if seg[j] != seg[j - 1]:
                    distinct += 1
        first[c] = t_min
        last[c] = t_max
        n_periods[c] = distinct
        total[c] = s
        repeat_total[c] = rep


@jit_threads
def _customers_chunks(bounds: IntArray, start: IntArray, ta: FloatArray, out: Outputs) -> None:
    first, last, n_periods, total, repeat_total = out  # unpacked for prange
    for c in prange(bounds.size - 1):
        _customers_range(
            bounds[c], bounds[c + 1], start, ta, (first, last, n_periods, total, repeat_total)
        )


def distinct_period_counts(
    codes: IntArray, periods: FloatArray, amounts: FloatArray, n_customers: int
) -> tuple[IntArray, FloatArray, IntArray]:
    """Distinct purchase periods, amount sum and line count per customer.

    Used for the holdout window, where only counts and totals are needed.
    """
    _, _, n_periods, total, _ = customer_periods(codes, periods, amounts, n_customers)
    lines = np.bincount(codes, minlength=n_customers).astype(np.int64)
    # Customers without holdout lines report zero periods (the kernel's minimum is 1).
    n_periods[lines == 0] = 0
    return n_periods, total, lines
