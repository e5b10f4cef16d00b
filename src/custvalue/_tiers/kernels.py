"""Numba kernels behind :mod:`custvalue.tiers` (arrays in, arrays out, no pandas)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from custvalue._core.arrays import FloatArray
from custvalue._core.arrays import Int8Array
from custvalue._core.arrays import IntArray
from custvalue._core.jit import jit
from custvalue._core.sorting import counting_order
from custvalue._core.sorting import group_rows

PANEL_NAMES = (
    "revenue",
    "profit",
    "margin",
    "profit_share",
    "previous_profit",
    "profit_change",
    "profit_change_rel",
)
PANEL_COLUMNS = 7


@jit
def abc_lower_bounds(sorted_desc: FloatArray, cutoffs: FloatArray, by_count: bool) -> FloatArray:
    """Smallest value of each class ``0 .. k-1`` under the cumulative-share rule.

    ``sorted_desc`` holds the items sorted from largest to smallest (all
    ``>= 0`` with a positive sum for the value rule).  An item belongs to the
    first class ``j`` with ``above / total < cutoffs[j]``, where ``above`` is
    the running sum of the strictly larger items (their number, for
    ``by_count``) and ``total`` the full running sum (the item count).  Items
    below every cutoff fall in class ``k``.  Returns ``bounds[j]``, the
    smallest value in classes ``0 .. j`` (``inf`` if those classes are empty).
    """
    n = sorted_desc.shape[0]
    k = cutoffs.shape[0]
    bounds = np.full(k, np.inf)
    if by_count:
        total = float(n)
    else:
        total = 0.0
        for i in range(n):
            total += sorted_desc[i]
    running = 0.0
    i = 0
    while i < n:
        v = sorted_desc[i]
        above = running / total
        cls = k
        for j in range(k):
            if above < cutoffs[j]:
                cls = j
                break
        if cls == k:
            break
        # The whole tie group shares the class; its value is the new lower bound.
        for j in range(cls, k):
            bounds[j] = v
        while i < n and sorted_desc[i] == v:
            running += 1.0 if by_count else sorted_desc[i]
            i += 1
    return bounds


@jit
def classify_by_bounds(values: FloatArray, bounds: FloatArray) -> Int8Array:
    """Class code of each value: the first ``j`` with ``value >= bounds[j]``, else ``k``."""
    n = values.shape[0]
    k = bounds.shape[0]
    out = np.empty(n, dtype=np.int8)
    for i in range(n):
        v = values[i]
        cls = k
        for j in range(k):
            if v >= bounds[j]:
                cls = j
                break
        out[i] = cls
    return out


@jit
def period_panel(
    lines: tuple[IntArray, IntArray, FloatArray, FloatArray],
    n_groups: int,
    n_periods: int,
    dense: bool,
) -> tuple[IntArray, IntArray, FloatArray]:
    """Revenue and profit per (group, period), with previous-period profit.

    ``lines = (group, period, revenue, profit)`` of every line (codes
    ``0 .. n_groups - 1`` and ``0 .. n_periods - 1``).  Rows come out sorted
    by group code, then period.  There is one row for every period in which a
    group has lines, plus one row for the period right after each active
    period when the group has no lines then (a drop to zero) and that period
    is within ``0 .. n_periods - 1``.  ``dense``: sum the lines in dense
    (group x period) tables (:func:`_dense_rows`, for ``n_groups * n_periods``
    small relative to the number of lines) rather than sorting them
    (:func:`_sorted_rows`); the result is the same.

    Returns
    -------
    out_group, out_period : int64 arrays
    block : float64 array of shape (7, rows)
        The columns of :data:`PANEL_NAMES`, filled by :func:`finish_panel`:
        revenue and profit (sums over the lines, 0 for drop rows), previous
        profit (0 if the group had no lines in the period before) and the
        derived margin, share, change and relative change.
    """
    if dense:
        out_group, out_period, block = _dense_rows(lines, n_groups, n_periods)
    else:
        out_group, out_period, block = _sorted_rows(lines, n_groups, n_periods)
    finish_panel(out_period, block, n_periods)
    return out_group, out_period, block


@jit
def _sorted_rows(
    lines: tuple[IntArray, IntArray, FloatArray, FloatArray], n_groups: int, n_periods: int
) -> tuple[IntArray, IntArray, FloatArray]:
    """Build the rows of :func:`period_panel` from the lines sorted by (group, period)."""
    groups, periods, revenue, profit = lines
    n = groups.shape[0]
    order = np.arange(n)
    order = counting_order(periods, n_periods, order)
    order = counting_order(groups, n_groups, order)

    # First pass: count output rows.
    n_out = 0
    i = 0
    while i < n:
        g = groups[order[i]]
        p = periods[order[i]]
        while i < n and groups[order[i]] == g and periods[order[i]] == p:
            i += 1
        n_out += 1
        next_active = i < n and groups[order[i]] == g and periods[order[i]] == p + 1
        if not next_active and p + 1 < n_periods:
            n_out += 1

    out_group = np.empty(n_out, dtype=np.int64)
    out_period = np.empty(n_out, dtype=np.int64)
    block = np.zeros((PANEL_COLUMNS, n_out))
    r = 0
    i = 0
    last_group = -1
    last_period = -2
    last_profit = 0.0
    while i < n:
        g = groups[order[i]]
        p = periods[order[i]]
        rev = 0.0
        prof = 0.0
        while i < n and groups[order[i]] == g and periods[order[i]] == p:
            rev += revenue[order[i]]
            prof += profit[order[i]]
            i += 1
        out_group[r] = g
        out_period[r] = p
        block[0, r] = rev
        block[1, r] = prof
        if last_group == g and last_period == p - 1:
            block[4, r] = last_profit
        r += 1
        next_active = i < n and groups[order[i]] == g and periods[order[i]] == p + 1
        if not next_active and p + 1 < n_periods:
            out_group[r] = g
            out_period[r] = p + 1
            block[4, r] = prof
            r += 1
        last_group = g
        last_period = p
        last_profit = prof
    return out_group, out_period, block


@jit
def purchase_history(
    codes: IntArray, periods: FloatArray, n_customers: int
) -> tuple[FloatArray, FloatArray, FloatArray, IntArray]:
    """First, last and second-to-last distinct purchase period and distinct-period count.

    ``second_last`` is ``nan`` for customers with a single purchase period.
    """
    n = codes.shape[0]
    first = np.full(n_customers, np.inf)
    last = np.full(n_customers, -np.inf)
    for i in range(n):
        c = codes[i]
        t = periods[i]
        if t < first[c]:
            first[c] = t
        if t > last[c]:
            last[c] = t
    second = np.full(n_customers, -np.inf)
    for i in range(n):
        c = codes[i]
        t = periods[i]
        if t < last[c] and t > second[c]:
            second[c] = t
    # Distinct periods: group the lines by customer, then sort each customer's run.
    start, rows = group_rows(codes, n_customers)
    t_sorted = periods[rows]
    distinct = np.ones(n_customers, dtype=np.int64)
    for c in range(n_customers):
        lo = start[c]
        hi = start[c + 1]
        if hi - lo > 1 and last[c] > first[c]:
            seg = np.sort(t_sorted[lo:hi])
            d = 1
            for j in range(1, hi - lo):
                if seg[j] != seg[j - 1]:
                    d += 1
            distinct[c] = d
    for c in range(n_customers):
        if second[c] == -np.inf:
            second[c] = np.nan
    return first, last, second, distinct


@jit
def _accumulate_bucket(
    cells: npt.NDArray[np.int32],
    revenue: FloatArray,
    profit: FloatArray,
    lo: int,
    hi: int,
    acc: FloatArray,
) -> None:
    """Add the lines ``lo .. hi-1`` of one bucket into the zeroed local table ``acc``."""
    for j in range(lo, hi):
        c = cells[j]
        acc[c, 0] += revenue[j]
        acc[c, 1] += profit[j]
        acc[c, 2] += 1.0


@jit
def _dense_rows(
    lines: tuple[IntArray, IntArray, FloatArray, FloatArray], n_groups: int, n_periods: int
) -> tuple[IntArray, IntArray, FloatArray]:
    """Build the rows of :func:`period_panel` by summing in dense tables.

    The lines are first distributed (stably) into buckets of consecutive groups
    whose (group x period) table of (revenue, profit, line count) fits in the
    CPU cache, each line with its cell in that table; a first pass over the
    cells counts the output rows, a second sums each bucket in its own small
    table and writes them, which avoids a random memory access per line into
    one large table.
    """
    groups, periods, revenue, profit = lines
    n = groups.shape[0]
    per_bucket = max(1, 16_384 // n_periods)
    n_buckets = (n_groups + per_bucket - 1) // per_bucket
    start = np.zeros(n_buckets + 1, dtype=np.int64)
    for i in range(n):
        start[groups[i] // per_bucket + 1] += 1
    for b in range(n_buckets):
        start[b + 1] += start[b]
    fill = start[:-1].copy()
    cells = np.empty(n, dtype=np.int32)  # cell of the line in its bucket's table
    rev_b = np.empty(n)
    prof_b = np.empty(n)
    for i in range(n):
        g = groups[i]
        b = g // per_bucket
        j = fill[b]
        cells[j] = (g - b * per_bucket) * n_periods + periods[i]
        rev_b[j] = revenue[i]
        prof_b[j] = profit[i]
        fill[b] = j + 1
    size = per_bucket * n_periods
    seen = np.zeros(size, dtype=np.bool_)
    n_out = 0
    for b in range(n_buckets):
        seen[:] = False
        for j in range(start[b], start[b + 1]):
            seen[cells[j]] = True
        for k in range((min(n_groups, (b + 1) * per_bucket) - b * per_bucket) * n_periods):
            n_out += seen[k] or (k % n_periods > 0 and seen[k - 1])
    out_group = np.empty(n_out, dtype=np.int64)
    out_period = np.empty(n_out, dtype=np.int64)
    block = np.empty((PANEL_COLUMNS, n_out))
    acc = np.zeros((size, 3))
    r = 0
    for b in range(n_buckets):
        g0 = b * per_bucket
        acc[:] = 0.0
        _accumulate_bucket(cells, rev_b, prof_b, start[b], start[b + 1], acc)
        for k in range((min(n_groups, g0 + per_bucket) - g0) * n_periods):
            p = k % n_periods
            if acc[k, 2] > 0 or (p > 0 and acc[k - 1, 2] > 0):
                out_group[r] = g0 + k // n_periods
                out_period[r] = p
                block[0, r] = acc[k, 0]
                block[1, r] = acc[k, 1]
                block[4, r] = acc[k - 1, 1] if p > 0 else 0.0
                r += 1
    return out_group, out_period, block


@jit
def finish_panel(periods: IntArray, block: FloatArray, n_periods: int) -> None:
    """Fill margin, profit share, change and relative change of a panel block in place."""
    n = periods.shape[0]
    totals = np.zeros(n_periods)
    for r in range(n):
        totals[periods[r]] += block[1, r]
    for r in range(n):
        rev = block[0, r]
        prof = block[1, r]
        prev = block[4, r]
        total = totals[periods[r]]
        block[2, r] = prof / rev if rev != 0 else np.nan
        block[3, r] = prof / total if total > 0 else np.nan
        change = prof - prev
        block[5, r] = change
        block[6, r] = change / abs(prev) if prev != 0 else np.nan
