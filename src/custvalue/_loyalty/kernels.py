"""Numba kernels behind :mod:`custvalue.loyalty` (arrays in, arrays out, no pandas).

Every kernel takes contiguous int64 / float64 arrays.  Customer codes run from
``0`` to ``n_customers - 1``; days are integer day ordinals (days since
1970-01-01).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from custvalue._core.jit import jit
from custvalue._core.sorting import grouped_time_order

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Int8Array = npt.NDArray[np.int8]

# Outcome codes of a tier evaluation (see loyalty.program_tiers).
OUTCOME_REQUALIFIED = 0
OUTCOME_GRACE = 1
OUTCOME_DOWNGRADED = 2
OUTCOME_UPGRADED = 3

# History event codes.
EVENT_UPGRADE = 0
EVENT_DOWNGRADE = 1


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
) -> tuple[
    IntArray,
    IntArray,
    IntArray,
    IntArray,
    IntArray,
    Int8Array,
    Int8Array,
    Int8Array,
    FloatArray,
    IntArray,
    IntArray,
    FloatArray,
    Int8Array,
    Int8Array,
    Int8Array,
    Int8Array,
]:
    """Replay every customer's activity and evaluations; see ``program_tiers``.

    ``window_lo[i]`` / ``eval_lo[e]`` is the first day inside the qualifying
    window that ends on ``days[i]`` / ``eval_days[e]`` (inclusive); both are
    non-decreasing in the end day.  ``thresholds`` are already adjusted for
    the comparison tolerance; ``thresholds[0]`` is ignored (everyone reaches
    the lowest level).  Activity of a day is applied before an evaluation on
    the same day.

    Returns the final level, the day the level was entered and the current
    count of failed evaluations per customer; the history (customer, day,
    from level, to level, event code, qualifying value) and the evaluation
    rows (customer, evaluation index, qualifying value, qualified level, level
    before, level after, outcome code).  Levels and codes are int8 (at most
    127 tiers).
    """
    n = codes.shape[0]
    k = eval_days.shape[0]
    start, rows, t_sorted = grouped_time_order(codes, days.astype(np.float64), n_customers)
    # Customer-ordered copies: the replay below reads memory sequentially.
    d_s = np.empty(n, dtype=np.int64)
    v_s = np.empty(n)
    lo_s = np.empty(n, dtype=np.int64)
    for j in range(n):
        r = rows[j]
        d_s[j] = np.int64(t_sorted[j])
        v_s[j] = values[r]
        lo_s[j] = window_lo[r]

    level = np.zeros(n_customers, dtype=np.int64)
    since = np.zeros(n_customers, dtype=np.int64)
    fails = np.zeros(n_customers, dtype=np.int64)

    # Upper bounds of the output sizes.
    n_eval_rows = 0
    for c in range(n_customers):
        first = d_s[start[c]]
        n_eval_rows += k - np.searchsorted(eval_days, first)
    h_cap = n + n_eval_rows
    h_cust = np.empty(h_cap, dtype=np.int64)
    h_day = np.empty(h_cap, dtype=np.int64)
    h_from = np.empty(h_cap, dtype=np.int8)
    h_to = np.empty(h_cap, dtype=np.int8)
    h_event = np.empty(h_cap, dtype=np.int8)
    h_value = np.empty(h_cap)
    e_cust = np.empty(n_eval_rows, dtype=np.int64)
    e_idx = np.empty(n_eval_rows, dtype=np.int64)
    e_value = np.empty(n_eval_rows)
    e_qual = np.empty(n_eval_rows, dtype=np.int8)
    e_before = np.empty(n_eval_rows, dtype=np.int8)
    e_after = np.empty(n_eval_rows, dtype=np.int8)
    e_outcome = np.empty(n_eval_rows, dtype=np.int8)
    nh = 0
    ne = 0

    prefix = np.zeros(n + 1)
    for c in range(n_customers):
        lo = start[c]
        hi = start[c + 1]
        # prefix[lo + j] = sum of the first j rows of this customer (in time order)
        prefix[lo] = 0.0
        acc = 0.0
        for j in range(lo, hi):
            acc += v_s[j]
            prefix[j + 1] = acc
        first_day = d_s[lo]
        lev = 0
        fail = 0
        since_day = first_day
        e = np.searchsorted(eval_days, first_day)
        a = lo  # next unprocessed row
        w = lo  # first row inside the current window
        while a < hi or e < k:
            if a < hi and (e >= k or d_s[a] <= eval_days[e]):
                act_day = d_s[a]
                # Activity day: take all rows of the day, then test for an upgrade.
                b = a
                while b < hi and d_s[b] == act_day:
                    b += 1
                a = b
                first_in = lo_s[b - 1]
                while d_s[w] < first_in:
                    w += 1
                value = prefix[a] - prefix[w]
                q = _qualified_level(value, thresholds)
                if q > lev:
                    h_cust[nh] = c
                    h_day[nh] = act_day
                    h_from[nh] = lev
                    h_to[nh] = q
                    h_event[nh] = EVENT_UPGRADE
                    h_value[nh] = value
                    nh += 1
                    lev = q
                    fail = 0
                    since_day = act_day
            else:
                day = eval_days[e]
                first_in = eval_lo[e]
                while w < a and d_s[w] < first_in:
                    w += 1
                value = prefix[a] - prefix[w]
                q = _qualified_level(value, thresholds)
                before = lev
                if q > lev:
                    outcome = OUTCOME_UPGRADED
                    h_cust[nh] = c
                    h_day[nh] = day
                    h_from[nh] = lev
                    h_to[nh] = q
                    h_event[nh] = EVENT_UPGRADE
                    h_value[nh] = value
                    nh += 1
                    lev = q
                    fail = 0
                    since_day = day
                elif q == lev:
                    outcome = OUTCOME_REQUALIFIED
                    fail = 0
                else:
                    fail += 1
                    if fail > grace:
                        outcome = OUTCOME_DOWNGRADED
                        new = q if to_qualified else lev - 1
                        h_cust[nh] = c
                        h_day[nh] = day
                        h_from[nh] = lev
                        h_to[nh] = new
                        h_event[nh] = EVENT_DOWNGRADE
                        h_value[nh] = value
                        nh += 1
                        lev = new
                        fail = 0
                        since_day = day
                    else:
                        outcome = OUTCOME_GRACE
                e_cust[ne] = c
                e_idx[ne] = e
                e_value[ne] = value
                e_qual[ne] = q
                e_before[ne] = before
                e_after[ne] = lev
                e_outcome[ne] = outcome
                ne += 1
                e += 1
        level[c] = lev
        since[c] = since_day
        fails[c] = fail
    return (
        level,
        since,
        fails,
        h_cust[:nh].copy(),
        h_day[:nh].copy(),
        h_from[:nh].copy(),
        h_to[:nh].copy(),
        h_event[:nh].copy(),
        h_value[:nh].copy(),
        e_cust,
        e_idx,
        e_value,
        e_qual,
        e_before,
        e_after,
        e_outcome,
    )


# --- points ledger ----------------------------------------------------------------


@jit
def points_fifo(
    codes: IntArray,
    days: IntArray,
    points: FloatArray,
    expires: IntArray,
    n_customers: int,
    as_of: int,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, IntArray, FloatArray, int, float]:
    """First-in-first-out points balance per customer as of day ``as_of``.

    ``points`` are signed (earned > 0, redeemed < 0); ``expires[i]`` is the
    first day on which points earned in row ``i`` are no longer usable (use a
    day after ``as_of`` for no expiry).  On each day, lots expire first, then
    the day's earnings are credited, then its redemptions are debited from
    the oldest lots.

    Returns earned, redeemed, expired and balance per customer, the next
    expiry day (``-1`` if none) and the points expiring then, and, if a
    redemption exceeds the balance, the row of the first such redemption
    (``-1`` otherwise) and the balance it found.
    """
    start, rows, t_sorted = grouped_time_order(codes, days.astype(np.float64), n_customers)
    earned = np.zeros(n_customers)
    redeemed = np.zeros(n_customers)
    expired = np.zeros(n_customers)
    balance = np.zeros(n_customers)
    next_day = np.full(n_customers, -1, dtype=np.int64)
    next_pts = np.zeros(n_customers)
    lot_exp = np.empty(codes.shape[0], dtype=np.int64)
    lot_left = np.empty(codes.shape[0])
    for c in range(n_customers):
        lo = start[c]
        hi = start[c + 1]
        head = 0
        tail = 0
        bal = 0.0
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
                if p > 0.0:
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
                if p < 0.0:
                    need = -p
                    if need > bal:
                        return (
                            earned,
                            redeemed,
                            expired,
                            balance,
                            next_day,
                            next_pts,
                            r,
                            bal,
                        )
                    redeemed[c] += need
                    bal -= need
                    while need > 0.0:
                        take = min(need, lot_left[head])
                        lot_left[head] -= take
                        need -= take
                        if lot_left[head] == 0.0:
                            head += 1
            a = b
        while head < tail and lot_exp[head] <= as_of:
            expired[c] += lot_left[head]
            bal -= lot_left[head]
            head += 1
        balance[c] = bal
        if head < tail:
            next_day[c] = lot_exp[head]
            s = 0.0
            j = head
            while j < tail and lot_exp[j] == lot_exp[head]:
                s += lot_left[j]
                j += 1
            next_pts[c] = s
    return earned, redeemed, expired, balance, next_day, next_pts, -1, 0.0
