"""Numba kernels of :mod:`custvalue.commission`.

All money is int64 minor units; rates and margin-rate bounds are int64 parts
per ``RATE_SCALE`` (10**9).  Every kernel is one pass over contiguous arrays.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt
from numba import prange

from custvalue._core.calendar import civil_month
from custvalue._core.calendar import civil_month_table
from custvalue._core.jit import chunk_bounds
from custvalue._core.jit import first_chunk_error
from custvalue._core.jit import jit
from custvalue._core.jit import jit_threads
from custvalue._core.jit import split_rows
from custvalue._core.money import mul_div_round
from custvalue._core.money import round_quotient
from custvalue._core.sorting import insertion_sort_pairs

__all__ = [
    "RATE_SCALE",
    "graduated_commission",
    "line_commission",
    "line_view",
    "margin_tiers",
    "prepare_lines",
    "retroactive_commission",
    "statement_totals",
    "sum_by_group",
]

IntArray = npt.NDArray[np.int64]

#: Rates, shares and margin-rate bounds are integers in parts per RATE_SCALE.
RATE_SCALE: Final = 1_000_000_000
_S = 1_000_000_000
# Margin rates are clamped to +-_CLAMP (plan bounds are limited to +-10 = 1000 %).
_CLAMP = 20
# b * _S fits in int64 for 0 <= b < _FAST_DEN
_FAST_DEN = 9_223_372_036


_SALE = 0
_RETURN = 1
_REVERSAL = 2
_NEGATIVE = 3
_BELOW = 4
# |L * r| fits in int64 for |L| <= 10 * _S and 0 < r < _FAST_MUL
_FAST_MUL = 900_000_000
_OPEN = np.iinfo(np.int64).min
_NS_PER_DAY = 86_400_000_000_000
# date ranges up to this many days use a day -> period table
_TABLE_DAYS = 50_000_000
# graduated mode: statements are partitioned into about this many buckets, results
# into blocks of 2**_BLOCK_BITS input positions
_BUCKETS = 512
_BLOCK_BITS = 14
# a record holds basis << _LOCAL_BITS | the statement's place in its bucket (buckets of
# at most 2**_LOCAL_BITS statements), exact for |basis| < 2**(63 - _LOCAL_BITS)
_LOCAL_BITS = 13
_BASIS_LIMIT = 1 << (63 - _LOCAL_BITS)
_LOCAL_MASK = (1 << _LOCAL_BITS) - 1


@jit
def tier_of(m: int, r: int, lowers: IntArray) -> int:
    """Tier of margin rate ``m / r`` (exact): last tier whose lower bound is ``<= m / r``.

    The general (dividing) route; the kernels inline a faster exact comparison
    for ordinary magnitudes.

    ``lowers`` holds the tiers' lower bounds in parts per 10**9 (int64 min for
    an open first bound); -1 means below the first tier.  ``r == 0`` means
    margin rate 0.
    """
    if r < 0:
        m = -m
        r = -r
    t = lowers.size - 1
    if r == 0:
        q = 0
    else:
        a = m // r
        b = m - a * r
        if a < -_CLAMP:
            q = -_CLAMP * _S
        elif a > _CLAMP:
            q = _CLAMP * _S
        elif r < _FAST_DEN:
            q = a * _S + (b * _S) // r
        else:
            frac = 0
            for _ in range(9):  # long division, one decimal digit at a time
                b *= 10
                d = b // r
                b -= d * r
                frac = frac * 10 + d
            q = a * _S + frac
    while t >= 0 and lowers[t] > q:
        t -= 1
    return t


@jit
def margin_tiers(
    margin: IntArray, revenue: IntArray, lowers: IntArray, out_tier: IntArray
) -> None:
    """``out_tier[i] = tier_of(margin[i], revenue[i], lowers)`` (see :func:`tier_of`)."""
    n_low = lowers.size
    for i in range(margin.size):
        m = margin[i]
        r = revenue[i]
        if 0 < r < _FAST_MUL and -_FAST_MUL < m < _FAST_MUL:
            # m / r >= L / S  <=>  m * S >= L * r: no division, no overflow (|L| <= 10 S);
            # sorted bounds: count the satisfied ones without branches (an open
            # bound's product wraps but is not used)
            ms = m * _S
            cnt = 0
            for u in range(n_low):
                low = lowers[u]
                cnt += (low == _OPEN) | (low * r <= ms)
            out_tier[i] = cnt - 1
        else:
            out_tier[i] = tier_of(m, r, lowers)


Amounts = tuple[IntArray, IntArray]
Products = tuple[IntArray, IntArray, npt.NDArray[np.bool_]]
LineFlags = tuple[bool, bool, bool, bool, bool]
Pay = tuple[IntArray, int, IntArray]
TierArray = npt.NDArray[np.signedinteger]  # int8 or int32: the tier paid
LineOut = tuple[IntArray, TierArray, IntArray, npt.NDArray[np.int8]]
PrepareArgs = tuple[Amounts, Products, LineFlags, IntArray, Pay, LineOut]


def prepare_lines(
    amounts: Amounts,
    products: Products,
    flags: LineFlags,
    lowers: IntArray,
    pay: Pay,
    out: LineOut,
) -> tuple[int, int]:
    """Tier, kind, basis and (per-line mode) commission of every line in one pass.

    ``amounts = (revenue, other)`` in minor units (``other``: the cost or the
    margin; unused without one); ``products = (position of each line's
    product, product tier, product has a negative margin)`` (used with
    ``use_product``); ``flags = (has_other, other_is_margin, use_product,
    basis_is_margin, zero_negative)``; ``out = (tier, pay tier, basis, kind)``
    where the pay tier is -1 for zeroed negative margins; ``pay = (rate of
    each tier, rounding mode, commission)``: with a non-empty commission array,
    each line's commission at its pay tier's rate (0 without one), as
    :func:`line_commission`.  Returns ``(0, -1)``
    or an error ``(code, position)``: code 1 = a cost with the wrong sign,
    code 2 = a cost (margin) without a price.  Large inputs are split over
    threads (:func:`custvalue._core.jit.chunk_bounds`), with the same result.
    """
    args = (amounts, products, flags, lowers, pay, out)
    code, pos = split_rows(_prepare_range, _prepare_chunks, amounts[0].size, (args,))
    return code, pos


@jit_threads
def _prepare_chunks(bounds: IntArray, args: PrepareArgs) -> tuple[int, int]:
    # a nested tuple cannot enter a prange body whole (numba): unpack it, pack it again
    amounts, products, flags, lowers, pay, out = args
    errors = np.zeros((bounds.size - 1, 2), dtype=np.int64)
    for c in prange(bounds.size - 1):
        code, pos = _prepare_range(
            bounds[c], bounds[c + 1], (amounts, products, flags, lowers, pay, out)
        )
        errors[c, 0] = code
        errors[c, 1] = pos
    return first_chunk_error(errors)


@jit
def _prepare_range(lo: int, hi: int, args: PrepareArgs) -> tuple[int, int]:
    """:func:`prepare_lines` on lines ``lo:hi``."""
    amounts, products, flags, lowers, pay, out = args
    rev, other = amounts
    prod_pos, prod_tier, prod_negative = products
    has_other, other_is_margin, use_product, basis_is_margin, zero_negative = flags
    out_tier, out_pay_tier, out_basis, out_kind = out
    tier_rates, mode, out_comm = pay
    priced = out_comm.size > 0
    n_low = lowers.size
    for i in range(lo, hi):
        r = rev[i]
        if has_other:
            if other_is_margin:
                m = other[i]
            else:
                c = other[i]
                if (r > 0 and c < 0) or (r < 0 and c > 0):
                    return 1, i
                m = r - c
            if r == 0 and m != 0:
                return 2, i
            neg = (r > 0 and m < 0) or (r < 0 and m > 0)
        else:
            m = 0
            neg = prod_negative[prod_pos[i]]
        if use_product:
            t = prod_tier[prod_pos[i]]
        elif 0 < r < _FAST_MUL and -_FAST_MUL < m < _FAST_MUL:
            # inline fast path of tier_of (see margin_tiers)
            ms = m * _S
            t = -1
            for u in range(n_low):
                low = lowers[u]
                t += (low == _OPEN) | (low * r <= ms)
        else:
            t = tier_of(m, r, lowers)
        out_tier[i] = t
        b = m if basis_is_margin else r
        k = _SALE
        if r < 0:
            k = _RETURN
        if t < 0:
            k = _BELOW
        pt = t
        if zero_negative and neg:
            k = _NEGATIVE
            b = 0
            pt = -1
        out_kind[i] = k
        out_basis[i] = b
        out_pay_tier[i] = pt
        if priced:
            out_comm[i] = 0 if pt < 0 else line_commission(b, tier_rates[pt], mode)
    return 0, -1


@jit
def _period_of_day(days: int, freq: int) -> int:
    """Period ordinal (months/quarters/years since 1970) of a day count since 1970-01-01."""
    mo = civil_month(days)
    if freq == 3:
        return mo // 12
    return mo if freq == 1 else mo // 3


@jit
def period_table(day0: int, day1: int, freq: int) -> tuple[IntArray, int, int]:
    """Period of each day from ``day0`` to ``day1`` (days since 1970-01-01), minus the first.

    ``freq``: 1 = month, 2 = quarter, 3 = year.  Returns ``(table, first ordinal,
    number of ordinals)`` with ``table[d - day0]`` the period of day ``d`` minus
    the first ordinal.
    """
    table = civil_month_table(day0, day1)  # never decreasing
    if freq != 1:
        table //= 3 if freq == 2 else 12
    omin = table[0]
    n_per = table[-1] - omin + 1
    table -= omin
    return table, omin, n_per


def date_periods(values: IntArray, per_day: int, freq: int, out: IntArray) -> tuple[int, int]:
    """Period ordinal of each datetime, minus the smallest one.

    ``values`` are int64 counts of a unit with ``per_day`` units per day;
    ``freq``: 0 = none (all 0), 1 = month, 2 = quarter, 3 = year.  Ordinals
    are pandas ``Period.ordinal`` values.  ``out[i]`` receives ordinal - min.
    Returns ``(min ordinal, number of ordinals from min to max)``, or
    ``(position, -1)`` for the first NaT.  Large inputs are split over threads.
    """
    n = values.size
    if n == 0:
        return 0, 0
    bad, vmin, vmax = split_rows(_date_range, _date_range_chunks, n, (values,))
    if bad >= 0:
        return bad, -1
    if freq == 0:
        out[:] = 0
        return 0, 1
    dmin = vmin // per_day
    dmax = vmax // per_day
    if dmax - dmin < _TABLE_DAYS:
        table, omin, n_per = period_table(dmin, dmax, freq)
    else:  # an empty table: each value's period computed from its day
        table = np.zeros(0, dtype=np.int64)
        omin = _period_of_day(dmin, freq)
        n_per = _period_of_day(dmax, freq) - omin + 1
    days = (per_day, dmin, freq, omin)
    split_rows(_date_periods_range, _date_periods_chunks, n, (values, days, table, out))
    return omin, n_per


@jit
def _date_range(lo: int, hi: int, values: IntArray) -> tuple[int, int, int]:
    """``(position of the first NaT or -1, min, max)`` of ``values[lo:hi]`` (``lo < hi``)."""
    vmin = values[lo]
    vmax = values[lo]
    for i in range(lo, hi):
        v = values[i]
        if v == _OPEN:  # NaT is int64 min
            return i, vmin, vmax
        vmin = min(vmin, v)
        vmax = max(vmax, v)
    return -1, vmin, vmax


@jit_threads
def _date_range_chunks(bounds: IntArray, values: IntArray) -> tuple[int, int, int]:
    k = bounds.size - 1
    res = np.empty((k, 3), dtype=np.int64)
    for c in prange(k):
        bad, lo, hi = _date_range(bounds[c], bounds[c + 1], values)
        res[c, 0] = bad
        res[c, 1] = lo
        res[c, 2] = hi
    vmin = res[0, 1]
    vmax = res[0, 2]
    for c in range(k):
        if res[c, 0] >= 0:
            return res[c, 0], vmin, vmax
        vmin = min(vmin, res[c, 1])
        vmax = max(vmax, res[c, 2])
    return -1, vmin, vmax


@jit
def _date_periods_range(
    lo: int,
    hi: int,
    values: IntArray,
    days: tuple[int, int, int, int],
    table: IntArray,
    out: IntArray,
) -> None:
    """Period codes of ``values[lo:hi]``; ``days = (per_day, first day, freq, first ordinal)``.

    With an empty ``table`` each value's period is computed from its day.
    """
    per_day, dmin, freq, omin = days
    if table.size == 0:
        for i in range(lo, hi):
            out[i] = _period_of_day(values[i] // per_day, freq) - omin
    elif per_day == _NS_PER_DAY:  # division by a constant: multiply-shift
        for i in range(lo, hi):
            out[i] = table[values[i] // _NS_PER_DAY - dmin]
    else:
        for i in range(lo, hi):
            out[i] = table[values[i] // per_day - dmin]


@jit_threads
def _date_periods_chunks(
    bounds: IntArray,
    values: IntArray,
    days: tuple[int, int, int, int],
    table: IntArray,
    out: IntArray,
) -> None:
    for c in prange(bounds.size - 1):
        _date_periods_range(bounds[c], bounds[c + 1], values, days, table, out)


@jit
def line_commission(b: int, r: int, mode: int) -> int:
    """``round(b * r / S)`` with rule ``mode`` (0 half-even, 1 half-up), exact for any int64 b."""
    if 0 <= b < _FAST_DEN:
        # without branches on the (random) remainder
        p = b * r  # < 2**63 since r <= _S
        q = p // _S
        rem = p - q * _S
        half = _S - rem
        return q + ((rem > half) | ((rem == half) & ((mode == 1) | ((q & 1) == 1))))
    return mul_div_round(b, r, _S, mode)


@jit
def _bracket_of(v: int, lows: IntArray) -> int:
    k = lows.size - 1
    while k > 0 and lows[k] > v:
        k -= 1
    return k


@jit
def _graduated_commission(
    v0: int, v1: int, b: int, t: int, plan: tuple[IntArray, IntArray], mode: int
) -> int:
    """Commission of moving a statement's volume from ``v0`` to ``v1`` (basis ``b``, tier ``t``).

    The part of ``[min(v0, v1), max(v0, v1))`` inside volume bracket ``k`` is paid
    at ``rates[t, k]`` (scaled by ``_S``), signed like ``b``; the exact sum is
    accumulated as quotient and remainder of ``_S`` and rounded once.
    ``plan = (rates, lows)`` as in :func:`graduated_commission`.
    """
    rates, lows = plan
    n_br = lows.size
    lo = min(v0, v1)
    hi = max(v0, v1)
    acc_q = 0  # integer part of sum(portion * rate) / S
    acc_r = 0  # remainder, kept in [0, S)
    for k in range(n_br):
        a = lo if k == 0 else max(lo, lows[k])
        e = hi if k == n_br - 1 else min(hi, lows[k + 1])
        if e <= a:
            continue
        p = e - a
        if b < 0:
            p = -p
        rk = rates[t * n_br + k]
        pq = p // _S
        pr = p - pq * _S
        acc_q += pq * rk
        acc_r += pr * rk
        c = acc_r // _S
        acc_q += c
        acc_r -= c * _S
    return int(round_quotient(acc_q, acc_r, _S, mode))


@jit
def _sort_run(
    key: IntArray, idx: IntArray, lo: int, hi: int, tkey: IntArray, tidx: IntArray
) -> None:
    """Stable sort of ``key[lo:hi]`` (with ``idx`` alongside); ``tkey``/``tidx`` are scratch.

    Insertion sort of runs of 16, then bottom-up merges.
    """
    m = hi - lo
    run = 16
    for a0 in range(lo, hi, run):
        insertion_sort_pairs(key, idx, a0, min(a0 + run, hi))
    width = run
    while width < m:
        for a in range(0, m, 2 * width):
            mid = min(a + width, m)
            end = min(a + 2 * width, m)
            i = a
            j = mid
            o = a
            while i < mid and j < end:
                if key[lo + j] < key[lo + i]:
                    tkey[o] = key[lo + j]
                    tidx[o] = idx[lo + j]
                    j += 1
                else:
                    tkey[o] = key[lo + i]
                    tidx[o] = idx[lo + i]
                    i += 1
                o += 1
            while i < mid:
                tkey[o] = key[lo + i]
                tidx[o] = idx[lo + i]
                i += 1
                o += 1
            while j < end:
                tkey[o] = key[lo + j]
                tidx[o] = idx[lo + j]
                j += 1
                o += 1
        for a in range(m):
            key[lo + a] = tkey[a]
            idx[lo + a] = tidx[a]
        width *= 2


@jit
def _sort_keys(
    key: IntArray, idx: IntArray, m: int, scratch: tuple[IntArray, IntArray, IntArray]
) -> None:
    """Stable sort of ``key[:m]`` (with ``idx`` alongside) for keys spread over a range.

    A distribution into ``m`` buckets by the key's place in ``[min, max]`` (a
    monotone map, so buckets come in key order), then an insertion sort that
    only moves keys within their bucket; :func:`_sort_run` when a bucket is large.
    """
    tkey, tidx, cnt = scratch
    kmin = key[0]
    kmax = key[0]
    ordered = True
    for a in range(m):
        k = key[a]
        ordered &= a == 0 or k >= key[a - 1]
        kmin = min(kmin, k)
        kmax = max(kmax, k)
    if ordered:
        return
    fmin = float(kmin)
    scale = m / (float(kmax) - fmin + 1.0)
    for b in range(m + 1):
        cnt[b] = 0
    for a in range(m):
        bk = min(max(int((float(key[a]) - fmin) * scale), 0), m - 1)
        cnt[bk + 1] += 1
    largest = 0
    for b in range(m):
        largest = max(largest, cnt[b + 1])
        cnt[b + 1] += cnt[b]
    if largest > 32:
        _sort_run(key, idx, 0, m, tkey, tidx)
        return
    for a in range(m):
        bk = min(max(int((float(key[a]) - fmin) * scale), 0), m - 1)
        f = cnt[bk]
        cnt[bk] = f + 1
        tkey[f] = key[a]
        tidx[f] = idx[a]
    insertion_sort_pairs(tkey, tidx, 0, m)  # keys move only within their bucket
    for a in range(m):
        key[a] = tkey[a]
        idx[a] = tidx[a]


@jit
def _bucket_records(
    credits: tuple[IntArray, IntArray, IntArray, IntArray, npt.NDArray[np.bool_]],
    n_stmt: int,
    shift: int,
) -> tuple[IntArray, IntArray, IntArray, bool]:
    """Credits as records ``(position | (tier + 1) << 40 | priced << 62, basis << 13 | s, key)``.

    ``s`` is the statement's place in its bucket: the records are partitioned
    (stably) into buckets of ``2**shift`` consecutive statements
    (``shift <= _LOCAL_BITS``).  Returns the records, the bucket starts, the
    number of credits of each statement, and whether every basis is within
    ``+-_BASIS_LIMIT`` (else the records are not exact).
    """
    stmt, key, basis, tier, priced = credits
    n = stmt.size
    n_bk = ((n_stmt - 1) >> shift) + 1
    start = np.zeros(n_bk + 1, dtype=np.int64)
    count = np.zeros(n_stmt, dtype=np.int64)
    for i in range(n):
        g = stmt[i]
        count[g] += 1
        start[(g >> shift) + 1] += 1
    for u in range(n_bk):
        start[u + 1] += start[u]
    fill = start[:-1].copy()
    rec = np.empty((n, 3), dtype=np.int64)
    local = (1 << shift) - 1
    exact = True
    for i in range(n):
        g = stmt[i]
        u = g >> shift
        f = fill[u]
        fill[u] = f + 1
        b = basis[i]
        exact &= -_BASIS_LIMIT < b < _BASIS_LIMIT
        rec[f, 0] = i | (np.int64(tier[i] + 1) << 40) | (np.int64(priced[i]) << 62)
        rec[f, 1] = (b << _LOCAL_BITS) | (g & local)
        rec[f, 2] = key[i]
    return rec, start, count, exact


@jit
def _price_bucket(
    rec: IntArray,
    span: tuple[int, int, int, int],
    count: IntArray,
    plan: tuple[IntArray, IntArray],
    mode: int,
    out: tuple[IntArray, IntArray, IntArray, IntArray],
) -> None:
    """Graduated pricing of one bucket of records ``rec[lo:hi]`` (statements ``g0:g1``).

    The bucket is grouped by statement in cache, each statement sorted by key
    and priced on its running volume; the results ``(position | bracket << 40,
    commission)`` go to ``res`` in blocks of ``2**_BLOCK_BITS`` input positions
    (``fill``: each block's next slot).  ``volume`` receives each statement's
    final volume.  ``out = (res, fill, volume, scratch)``, ``scratch`` at least
    ``6 * (hi - lo) + 1`` long.
    """
    lo, hi, g0, g1 = span
    res, fill, volume, scratch = out
    rates, lows = plan
    n_br = lows.size
    m = hi - lo
    l_key = scratch[:m]
    l_idx = scratch[m : 2 * m]
    local = scratch[2 * m : 3 * m]
    sort_scratch = (scratch[3 * m : 4 * m], scratch[4 * m : 5 * m], scratch[5 * m : 6 * m + 1])
    # group the bucket by statement (stable): rows of rec, statement by statement
    off = np.empty(g1 - g0 + 1, dtype=np.int64)
    off[0] = 0
    for g in range(g0, g1):
        off[g - g0 + 1] = off[g - g0] + count[g]
    nxt = off[:-1].copy()
    for a in range(m):
        j = rec[lo + a, 1] & _LOCAL_MASK
        local[nxt[j]] = lo + a
        nxt[j] += 1
    for g in range(g0, g1):
        a0 = off[g - g0]
        c = count[g]
        for a in range(c):
            r = local[a0 + a]
            l_key[a] = rec[r, 2]
            l_idx[a] = r
        if c > 1:
            _sort_keys(l_key, l_idx, c, sort_scratch)
        v0 = 0
        for a in range(c):
            r = l_idx[a]
            w = rec[r, 0]
            b = rec[r, 1] >> _LOCAL_BITS
            v1 = v0 + b
            x = v1 - 1 if b > 0 else v1  # the last unit of basis moved
            kb = n_br - 1
            while kb > 0 and lows[kb] > x:
                kb -= 1
            t = ((w >> 40) & 0x3FFFFF) - 1
            cm = 0
            if (w >> 62) & 1 and t >= 0 and b != 0:
                if b > 0 and v0 >= lows[kb]:  # all of it inside bracket kb
                    cm = line_commission(b, rates[t * n_br + kb], mode)
                else:
                    cm = _graduated_commission(v0, v1, b, t, plan, mode)
            i = w & 0xFFFFFFFFFF
            u = i >> _BLOCK_BITS
            f = fill[u]
            fill[u] = f + 1
            res[f, 0] = i | (np.int64(kb) << 40)
            res[f, 1] = cm
            v0 = v1
        volume[g] = v0


@jit
def graduated_commission(
    credits: tuple[IntArray, IntArray, IntArray, TierArray, npt.NDArray[np.bool_]],
    plan: tuple[IntArray, IntArray],
    mode: int,
    out: tuple[IntArray, IntArray, IntArray],
) -> bool:
    """Marginal (graduated) commission on each statement's running volume.

    ``credits = (statement, key, basis, tier, priced)``: each statement's
    credits are taken in (key, position) order; each moves its statement's
    running volume from ``V`` to ``V + basis``; the part of that interval
    inside volume bracket ``k`` (``[lows[k], lows[k+1])``, bracket 0 open
    below, the last open above) is paid at ``rates[tier, k]``, signed like the
    basis, and the sum is rounded once.  Credits with ``priced[i]`` false only
    move the volume (commission 0 here; it is set elsewhere).  ``out =
    (commission, bracket, volume)``: ``bracket`` is the bracket of the last
    unit of basis moved; ``volume`` ends as each statement's final volume.
    ``plan = (rates, lows)`` (tiers x brackets rates, bracket lower bounds).
    Positions must be below 2**40, tiers below 2**21 and every basis within
    ``+-2**50`` (amounts are within +-10**15 minor units); returns False,
    pricing nothing, when a basis is not.

    The credits move in streams, never one by one at random: a first pass
    partitions them into buckets of about ``_BUCKETS`` consecutive statements,
    each bucket is then grouped by statement, sorted and priced in cache, and
    its results are partitioned by input position into blocks that a last
    pass writes out.
    """
    out_comm, out_bracket, volume = out
    n = out_comm.size
    n_stmt = volume.size
    if n == 0 or n_stmt == 0:
        return True
    shift = 0
    while (n_stmt >> shift) > _BUCKETS and shift < _LOCAL_BITS:
        shift += 1
    rec, start, count, exact = _bucket_records(credits, n_stmt, shift)
    if not exact:
        return False
    n_u = ((n - 1) >> _BLOCK_BITS) + 1
    fill = np.empty(n_u, dtype=np.int64)
    for u in range(n_u):
        fill[u] = u << _BLOCK_BITS
    res = np.empty((n, 2), dtype=np.int64)
    big = 0
    for u in range(start.size - 1):
        big = max(big, start[u + 1] - start[u])
    scratch = np.empty(6 * big + 1, dtype=np.int64)
    for u in range(start.size - 1):
        g0 = u << shift
        g1 = min(g0 + (1 << shift), n_stmt)
        span = (start[u], start[u + 1], g0, g1)
        _price_bucket(rec, span, count, plan, mode, (res, fill, volume, scratch))
    for a in range(n):  # each block of positions is written within its own small range
        w = res[a, 0]
        i = w & 0xFFFFFFFFFF
        out_comm[i] = res[a, 1]
        out_bracket[i] = w >> 40
    return True


@jit
def retroactive_commission(
    credits: tuple[IntArray, TierArray, IntArray, npt.NDArray[np.bool_]],
    plan: tuple[IntArray, IntArray],
    mode: int,
    out: tuple[IntArray, IntArray, IntArray],
) -> None:
    """Retroactive commission: the bracket of each statement's total volume applies to all.

    ``volume[g]`` becomes the sum of the basis of every credit of statement
    ``g`` (priced or not); its bracket ``k`` (``lows[k] <= volume < lows[k+1]``,
    bracket 0 also below ``lows[0]``) sets the rate ``rates[tier, k]`` of every
    priced credit of the statement.  Arguments as in :func:`graduated_commission`.
    """
    basis, tier, stmt, priced = credits
    rates, lows = plan
    out_comm, out_bracket, volume = out
    n_br = lows.size
    n_stmt = volume.size
    for g in range(n_stmt):
        volume[g] = 0
    for i in range(basis.size):
        volume[stmt[i]] += basis[i]
    reached = np.empty(n_stmt, dtype=np.int64)
    for g in range(n_stmt):
        reached[g] = _bracket_of(volume[g], lows)
    for i in range(basis.size):
        k = reached[stmt[i]]
        out_bracket[i] = k
        if not priced[i]:
            continue
        t = tier[i]
        if t < 0:
            out_comm[i] = 0
        else:
            out_comm[i] = mul_div_round(basis[i], rates[t * n_br + k], _S, mode)


StatementCredits = tuple[IntArray, IntArray, IntArray, npt.NDArray[np.int8]]


def statement_totals(
    credits: StatementCredits, n_stmt: int
) -> tuple[IntArray, IntArray, IntArray, IntArray, int]:
    """Count, basis, commission and reversal commission of the credits per statement.

    ``credits = (statement, basis, commission, kind)``; reversals are credits
    of kind return (1) or reversal (2).  Also returns the largest absolute
    basis, for the caller's check that the int64 sums did not wrap.  Many
    credits over few statements are split over threads, each chunk summing
    into its own table; the tables are added in chunk order (integer sums:
    the same totals whatever the chunking).
    """
    n = credits[0].size
    # one table per thread, and only tables small beside the credits
    bounds = chunk_bounds(n, per_thread=1) if 32 * n_stmt <= n else None
    if bounds is None:
        sums = np.zeros((n_stmt, 4), dtype=np.int64)
        largest = _totals_range(0, n, credits, sums)
    else:
        sums, largest = _totals_chunks(bounds, credits, n_stmt)
    # one row per statement: a credit updates one cache line
    return sums[:, 0].copy(), sums[:, 1].copy(), sums[:, 2].copy(), sums[:, 3].copy(), largest


@jit_threads
def _totals_chunks(
    bounds: IntArray, credits: StatementCredits, n_stmt: int
) -> tuple[npt.NDArray[np.int64], int]:
    stmt, basis, comm, kind = credits  # unpacked for prange, as in _prepare_chunks
    k = bounds.size - 1
    parts = np.zeros((k, n_stmt, 4), dtype=np.int64)
    largest = np.zeros(k, dtype=np.int64)
    for c in prange(k):
        largest[c] = _totals_range(bounds[c], bounds[c + 1], (stmt, basis, comm, kind), parts[c])
    sums = parts[0].copy()
    for c in range(1, k):
        sums += parts[c]
    return sums, largest.max()


@jit
def _totals_range(lo: int, hi: int, credits: StatementCredits, sums: npt.NDArray[np.int64]) -> int:
    """Add credits ``lo:hi`` to the rows of ``sums`` (count, basis, commission, reversals).

    Returns the largest absolute basis of these credits (0 for none).
    """
    stmt, basis, comm, kind = credits
    largest = 0
    for i in range(lo, hi):
        g = stmt[i]
        b = basis[i]
        largest = max(largest, abs(b))
        sums[g, 0] += 1
        sums[g, 1] += b
        sums[g, 2] += comm[i]
        if kind[i] == _RETURN or kind[i] == _REVERSAL:
            sums[g, 3] += comm[i]
    return largest


@jit
def sum_by_group(values: IntArray, offsets: IntArray, out: IntArray) -> None:
    """``out[g] = values[offsets[g]:offsets[g+1]].sum()`` in exact int64."""
    for g in range(out.size):
        s = 0
        for j in range(offsets[g], offsets[g + 1]):
            s += values[j]
        out[g] = s


LineViewOut = tuple[
    npt.NDArray[np.float64], npt.NDArray[np.integer], npt.NDArray[np.integer], IntArray
]


def line_view(
    line: tuple[IntArray, IntArray, IntArray],
    credit: tuple[IntArray, TierArray, npt.NDArray[np.integer]],
    tables: tuple[IntArray, IntArray, int, bool, bool],
    out: LineViewOut,
) -> None:
    """Fill the per-line columns of a result's line view in one pass.

    ``line = (revenue, other, tier)`` (``other``: the cost or the
    margin, unused without one); ``credit = (offsets, credit tier, credit
    bracket)`` with empty ``offsets`` for one credit per line (a line shows
    its first credit); ``tables = (tier name code of each tier then of "no
    tier", rate code of each tier x bracket then of "no rate", brackets,
    has other, other is margin)``.  ``out = (margin rate, tier name code,
    rate code, number of credits)``; the margin rate is
    ``margin / revenue`` as float (NaN without a revenue or a cost).
    Large inputs are split over threads, with the same result.
    """
    args = (line, credit, tables, out)
    split_rows(_line_view_range, _line_view_chunks, line[0].size, (args,))


LineViewArgs = tuple[
    tuple[IntArray, IntArray, IntArray],
    tuple[IntArray, TierArray, npt.NDArray[np.integer]],
    tuple[IntArray, IntArray, int, bool, bool],
    LineViewOut,
]


@jit_threads
def _line_view_chunks(bounds: IntArray, args: LineViewArgs) -> None:
    line, credit, tables, out = args  # unpacked for prange, as in _prepare_chunks
    for c in prange(bounds.size - 1):
        _line_view_range(bounds[c], bounds[c + 1], (line, credit, tables, out))


@jit
def _line_view_range(lo: int, hi: int, args: LineViewArgs) -> None:
    """:func:`line_view` on lines ``lo:hi``."""
    line, credit, tables, out = args
    rev, other, tier = line
    offsets, c_tier, c_bracket = credit
    name_code, rate_code, n_br, has_other, other_is_margin = tables
    out_rate, out_name, out_code, out_count = out
    one_each = offsets.size == 0
    no_tier = name_code.size - 1
    no_rate = rate_code.size - 1
    for i in range(lo, hi):
        r = rev[i]
        if has_other and r != 0:
            m = other[i] if other_is_margin else r - other[i]
            out_rate[i] = m / r
        else:
            out_rate[i] = np.nan
        t = tier[i]
        out_name[i] = name_code[t if t >= 0 else no_tier]
        if one_each:
            c = i
            out_count[i] = 1
        else:
            c = offsets[i]
            out_count[i] = offsets[i + 1] - c
        ct = c_tier[c]
        out_code[i] = rate_code[ct * n_br + c_bracket[c] if ct >= 0 else no_rate]
