"""Numba kernels behind :mod:`custvalue.loyalty` (arrays in, arrays out, no pandas).

Every kernel takes contiguous int64 / float64 arrays.  Customer codes run from
``0`` to ``n_customers - 1``; days are integer day ordinals (days since
1970-01-01).
"""

from __future__ import annotations

import numpy as np

from custvalue._core.arrays import FloatArray
from custvalue._core.arrays import Int8Array
from custvalue._core.arrays import IntArray
from custvalue._core.jit import jit
from custvalue._core.sorting import grouped_time_order

# Outcome codes of a tier evaluation (see loyalty.program_tiers): OUTCOME_NAMES[code].
OUTCOME_REQUALIFIED = 0
OUTCOME_GRACE = 1
OUTCOME_DOWNGRADED = 2
OUTCOME_UPGRADED = 3
OUTCOME_NAMES = ("requalified", "grace", "downgraded", "upgraded")

# History event codes: EVENT_NAMES[code].
EVENT_UPGRADE = 0
EVENT_DOWNGRADE = 1
EVENT_NAMES = ("upgrade", "downgrade")


@jit
def combine_components(
    components: FloatArray, weights: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Weighted mean of the defined components of each customer, and each share.

    ``components`` has shape ``(k, n)`` (NaN = undefined for that customer);
    ``weights`` has ``k`` non-negative entries.  Returns the scores (NaN when
    every positively weighted component is undefined) and the contributions
    ``w_j * c_j / sum(w of defined components)`` (0 for undefined ones, NaN
    when the score is NaN), shape ``(k, n)``.
    """
    k, n = components.shape
    total_w = np.zeros(n)
    for j in range(k):
        w = weights[j]
        if w > 0.0:
            row = components[j]
            for i in range(n):
                if row[i] == row[i]:
                    total_w[i] += w
    score = np.zeros(n)
    contrib = np.zeros((k, n))
    for j in range(k):
        w = weights[j]
        if w > 0.0:
            row = components[j]
            out = contrib[j]
            for i in range(n):
                c = row[i]
                if c == c and total_w[i] > 0.0:
                    part = w * c / total_w[i]
                    out[i] = part
                    score[i] += part
    for i in range(n):
        if total_w[i] == 0.0:
            score[i] = np.nan
            for j in range(k):
                contrib[j, i] = np.nan
        else:
            # Guard the bounds against the last rounding step.
            score[i] = min(max(score[i], 0.0), 100.0)
    return score, contrib


# --- purchase regularity --------------------------------------------------------


@jit
def regularity_stats(
    codes: IntArray, periods: FloatArray, amounts: FloatArray, n_customers: int
) -> tuple[IntArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """Per customer: distinct purchase periods, last period, gap mean and SD, spend trend.

    Several transactions in one period form one purchase occasion whose amount
    is their sum.  Gaps are the differences between consecutive occasions.
    The SD uses ``n - 1`` in the denominator (NaN with fewer than two gaps);
    the mean is NaN without any gap.  The spend trend compares the amount
    totals of the last ``h`` occasions (``L``) and the first ``h`` (``E``),
    ``h = occasions // 2``: ``(L - E) / (L + E)``, ``0`` when both are zero,
    NaN with a single occasion.
    """
    start, rows, t_sorted = grouped_time_order(codes, periods, n_customers)
    purchases = np.zeros(n_customers, dtype=np.int64)
    last = np.empty(n_customers)
    mean_gap = np.full(n_customers, np.nan)
    sd_gap = np.full(n_customers, np.nan)
    trend = np.full(n_customers, np.nan)
    occ_t = np.empty(codes.shape[0])
    occ_a = np.empty(codes.shape[0])
    for c in range(n_customers):
        lo = start[c]
        hi = start[c + 1]
        m = 0
        for j in range(lo, hi):
            t = t_sorted[j]
            if m > 0 and occ_t[m - 1] == t:
                occ_a[m - 1] += amounts[rows[j]]
            else:
                occ_t[m] = t
                occ_a[m] = amounts[rows[j]]
                m += 1
        purchases[c] = m
        last[c] = occ_t[m - 1]
        if m >= 2:
            mu = (occ_t[m - 1] - occ_t[0]) / (m - 1)
            mean_gap[c] = mu
            if m >= 3:
                ss = 0.0
                for j in range(1, m):
                    d = occ_t[j] - occ_t[j - 1] - mu
                    ss += d * d
                sd_gap[c] = np.sqrt(ss / (m - 2))
            h = m // 2
            early = 0.0
            late = 0.0
            for j in range(h):
                early += occ_a[j]
                late += occ_a[m - 1 - j]
            total = early + late
            trend[c] = (late - early) / total if total > 0.0 else 0.0
    return purchases, last, mean_gap, sd_gap, trend


# --- programme tiers --------------------------------------------------------------


@jit
def _qualified_level(value: float, thresholds: FloatArray) -> int:
    """Highest level whose (tolerance-adjusted) threshold ``value`` reaches; at least 0."""
    for lev in range(thresholds.shape[0] - 1, 0, -1):
        if value >= thresholds[lev]:
            return lev
    return 0


@jit
def _append(
    ids: IntArray,
    codes: Int8Array,
    values: FloatArray,
    n: int,
    c: int,
    when: int,
    row_codes: tuple[int, ...],
    value: float,
) -> int:
    """Write one record as column ``n`` of a block of rows; return ``n + 1``.

    A block is ``ids`` (customer, day or evaluation index), ``codes`` (one row
    per entry of ``row_codes``) and ``values``: the history of tier changes
    and the evaluations are both kept this way.
    """
    ids[0, n] = c
    ids[1, n] = when
    for i in range(codes.shape[0]):
        codes[i, n] = row_codes[i]
    values[n] = value
    return n + 1


@jit
def _evaluate(lev: int, fail: int, q: int, grace: int, to_qualified: bool) -> tuple[int, int, int]:
    """Outcome of one evaluation: (outcome code, level after, failed evaluations after)."""
    if q > lev:
        return OUTCOME_UPGRADED, q, 0
    if q == lev:
        return OUTCOME_REQUALIFIED, lev, 0
    if fail + 1 > grace:
        return OUTCOME_DOWNGRADED, q if to_qualified else lev - 1, 0
    return OUTCOME_GRACE, lev, fail + 1


@jit
def _replay_customer(
    c: int,
    lo: int,
    hi: int,
    d_s: IntArray,
    v_s: FloatArray,
    lo_s: IntArray,
    prefix: FloatArray,
    eval_days: IntArray,
    eval_lo: IntArray,
    thresholds: FloatArray,
    to_qualified: bool,
    grace: int,
    state: IntArray,
    h_ids: IntArray,
    h_codes: Int8Array,
    h_value: FloatArray,
    e_ids: IntArray,
    e_codes: Int8Array,
    e_value: FloatArray,
    nh: int,
    ne: int,
) -> tuple[int, int]:
    """Replay the rows ``lo:hi`` of customer ``c`` and the evaluations from their first day.

    Writes the final state into ``state[:, c]`` and appends to the history and
    evaluation blocks from columns ``nh`` / ``ne``; returns the new counts.
    """
    k = eval_days.shape[0]
    # prefix[j] - prefix[lo] = sum of this customer's rows lo .. j-1 (time order)
    prefix[lo] = 0.0
    acc = 0.0
    for j in range(lo, hi):
        acc += v_s[j]
        prefix[j + 1] = acc
    lev = 0
    fail = 0
    since_day = d_s[lo]
    e = np.searchsorted(eval_days, d_s[lo])
    a = lo  # next unprocessed row
    w = lo  # first row inside the current window
    while a < hi or e < k:
        if a < hi and (e >= k or d_s[a] <= eval_days[e]):
            # Activity day: take all rows of the day, then test for an upgrade.
            day = d_s[a]
            while a < hi and d_s[a] == day:
                a += 1
            first_in = lo_s[a - 1]
            while d_s[w] < first_in:
                w += 1
            value = prefix[a] - prefix[w]
            q = _qualified_level(value, thresholds)
            if q > lev:
                nh = _append(h_ids, h_codes, h_value, nh, c, day, (lev, q, EVENT_UPGRADE), value)
                lev = q
                fail = 0
                since_day = day
            continue
        day = eval_days[e]
        first_in = eval_lo[e]
        while w < a and d_s[w] < first_in:
            w += 1
        value = prefix[a] - prefix[w]
        q = _qualified_level(value, thresholds)
        outcome, new, fail = _evaluate(lev, fail, q, grace, to_qualified)
        if new != lev:
            event = EVENT_UPGRADE if new > lev else EVENT_DOWNGRADE
            nh = _append(h_ids, h_codes, h_value, nh, c, day, (lev, new, event), value)
            since_day = day
        ne = _append(e_ids, e_codes, e_value, ne, c, e, (q, lev, new, outcome), value)
        lev = new
        e += 1
    state[0, c] = lev
    state[1, c] = since_day
    state[2, c] = fail
    return nh, ne


@jit
def tier_timeline(
    codes: IntArray,
    days: IntArray,
    values: FloatArray,
    window_lo: IntArray,
    n_customers: int,
    eval_days: IntArray,
    eval_lo: IntArray,
    thresholds: FloatArray,
    to_qualified: bool,
    grace: int,
) -> tuple[IntArray, IntArray, Int8Array, FloatArray, IntArray, Int8Array, FloatArray]:
    """Replay every customer's activity and evaluations; see ``program_tiers``.

    ``window_lo[i]`` / ``eval_lo[e]`` is the first day inside the qualifying
    window that ends on ``days[i]`` / ``eval_days[e]`` (inclusive); both are
    non-decreasing in the end day.  ``thresholds`` are already adjusted for
    the comparison tolerance; ``thresholds[0]`` is ignored (everyone reaches
    the lowest level).  Activity of a day is applied before an evaluation on
    the same day.

    Returns
    -------
    - ``state`` (3, n_customers): the final level, the day it was entered and
      the current count of failed evaluations;
    - ``h_ids`` (2, changes) int64, ``h_codes`` (3, changes) int8 and
      ``h_value``: every tier change as (customer, day), (from level, to
      level, event code) and its qualifying value;
    - ``e_ids`` (2, rows) int64, ``e_codes`` (4, rows) int8 and ``e_value``:
      every evaluation as (customer, evaluation index), (qualified level,
      level before, level after, outcome code) and its qualifying value.

    Levels are int8: at most 127 tiers.
    """
    n = codes.shape[0]
    k = eval_days.shape[0]
    start, rows, t_sorted = grouped_time_order(codes, days.astype(np.float64), n_customers)
    # Customer-ordered copies: the replay reads memory sequentially.
    d_s = np.empty(n, dtype=np.int64)
    v_s = np.empty(n)
    lo_s = np.empty(n, dtype=np.int64)
    for j in range(n):
        r = rows[j]
        d_s[j] = np.int64(t_sorted[j])
        v_s[j] = values[r]
        lo_s[j] = window_lo[r]
    n_eval_rows = 0
    for c in range(n_customers):
        n_eval_rows += k - np.searchsorted(eval_days, d_s[start[c]])
    state = np.zeros((3, n_customers), dtype=np.int64)
    h_ids = np.empty((2, n + n_eval_rows), dtype=np.int64)
    h_codes = np.empty((3, n + n_eval_rows), dtype=np.int8)
    h_value = np.empty(n + n_eval_rows)
    e_ids = np.empty((2, n_eval_rows), dtype=np.int64)
    e_codes = np.empty((4, n_eval_rows), dtype=np.int8)
    e_value = np.empty(n_eval_rows)
    prefix = np.empty(n + 1)
    nh = 0
    ne = 0
    for c in range(n_customers):
        nh, ne = _replay_customer(
            c,
            start[c],
            start[c + 1],
            d_s,
            v_s,
            lo_s,
            prefix,
            eval_days,
            eval_lo,
            thresholds,
            to_qualified,
            grace,
            state,
            h_ids,
            h_codes,
            h_value,
            e_ids,
            e_codes,
            e_value,
            nh,
            ne,
        )
    return (
        state,
        h_ids[:, :nh].copy(),
        h_codes[:, :nh].copy(),
        h_value[:nh].copy(),
        e_ids,
        e_codes,
        e_value,
    )


# --- points ledger ----------------------------------------------------------------


@jit
def points_fifo(
    codes: IntArray,
    days: IntArray,
    points: IntArray,
    expires: IntArray,
    n_customers: int,
    end_day: int,
) -> tuple[IntArray, int, int, int]:
    """First-in-first-out points balance per customer as of day ``end_day``, in exact int64.

    ``points`` are signed whole points (earned > 0, redeemed < 0, never
    ``-2**63``); ``expires[i]`` is the first day on which points earned in
    row ``i`` are no longer usable (use a day after ``end_day`` for no
    expiry).  On each day, lots expire first, then the day's earnings are
    credited, then its redemptions are debited from the oldest lots.

    Returns ``totals`` of shape (6, n_customers): earned, redeemed, expired,
    balance, the next expiry day (``-1`` if none) and the points expiring
    then; then ``bad_row``, ``available`` and ``overflow_row``: the row of
    the first redemption larger than the balance (``-1`` if none) and the
    balance it found, and the row at which a customer's earned total would
    leave int64 (``-1`` if none).  Every other total is bounded by the earned
    one, so that is the only sum that can overflow.
    """
    start, rows, t_sorted = grouped_time_order(codes, days.astype(np.float64), n_customers)
    totals = np.zeros((6, n_customers), dtype=np.int64)
    earned = totals[0]
    redeemed = totals[1]
    expired = totals[2]
    balance = totals[3]
    next_day = totals[4]
    next_pts = totals[5]
    lot_exp = np.empty(codes.shape[0], dtype=np.int64)
    lot_left = np.empty(codes.shape[0], dtype=np.int64)
    limit = np.iinfo(np.int64).max
    for c in range(n_customers):
        next_day[c] = -1
        lo = start[c]
        hi = start[c + 1]
        head = 0
        tail = 0
        bal = 0
        a = lo
        while a < hi:
            day = np.int64(t_sorted[a])
            b = a
            while b < hi and t_sorted[b] == t_sorted[a]:
                b += 1
            # 1. expiry at the start of the day
            while head < tail and lot_exp[head] <= day:
                expired[c] += lot_left[head]
                bal -= lot_left[head]
                head += 1
            # 2. the day's earnings, one lot per expiry day
            for j in range(a, b):
                r = rows[j]
                p = points[r]
                if p > 0:
                    if earned[c] > limit - p:
                        return totals, -1, 0, r
                    earned[c] += p
                    bal += p
                    if tail > head and lot_exp[tail - 1] == expires[r]:
                        lot_left[tail - 1] += p
                    else:
                        lot_exp[tail] = expires[r]
                        lot_left[tail] = p
                        tail += 1
            # 3. the day's redemptions, oldest lots first
            for j in range(a, b):
                r = rows[j]
                p = points[r]
                if p < 0:
                    need = -p
                    if need > bal:
                        return totals, r, bal, -1
                    redeemed[c] += need
                    bal -= need
                    while need > 0:
                        take = min(need, lot_left[head])
                        lot_left[head] -= take
                        need -= take
                        if lot_left[head] == 0:
                            head += 1
            a = b
        while head < tail and lot_exp[head] <= end_day:
            expired[c] += lot_left[head]
            bal -= lot_left[head]
            head += 1
        balance[c] = bal
        if head < tail:
            next_day[c] = lot_exp[head]
            total = 0
            j = head
            while j < tail and lot_exp[j] == lot_exp[head]:
                total += lot_left[j]
                j += 1
            next_pts[c] = total
    return totals, -1, 0, -1
