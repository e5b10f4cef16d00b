"""Numba kernels of :mod:`custvalue.commission`.

All money is int64 minor units; rates and margin-rate bounds are int64 parts
per ``RATE_SCALE`` (10**9).  Every kernel is one pass over contiguous arrays.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import numpy.typing as npt

from custvalue._core.jit import jit
from custvalue._core.money import float_to_minor_fast, mul_div_round, round_quotient

__all__ = [
    "RATE_SCALE",
    "dense_codes",
    "graduated_commission",
    "line_commission",
    "margin_tiers",
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
# lines per block of the fused kernels (a block's outputs stay in cache)
_CHUNK = 4096
# graduated mode: statements are partitioned into about this many buckets, results
# into blocks of 2**_BLOCK_BITS input positions
_BUCKETS = 512
_BLOCK_BITS = 14


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


@jit
def prepare_lines(
    rev: IntArray,
    other: IntArray,
    has_other: bool,
    other_is_margin: bool,
    prod_pos: IntArray,
    prod_tier: IntArray,
    prod_negative: npt.NDArray[np.bool_],
    use_product: bool,
    lowers: IntArray,
    basis_is_margin: bool,
    zero_negative: bool,
    tier_rates: IntArray,
    price: bool,
    mode: int,
    out_tier: IntArray,
    out_pay_tier: IntArray,
    out_basis: IntArray,
    out_kind: npt.NDArray[np.int8],
    out_comm: IntArray,
) -> tuple[int, int]:
    """Tier, kind and basis of every line in one pass, and with ``price`` its commission.

    ``out_pay_tier`` (the tier paid: -1 for zeroed negative margins) is written
    when ``price`` is false; with ``price``, ``out_comm`` receives
    ``round(basis * tier_rates[pay tier] / 10**9)`` instead.  Returns
    ``(0, -1)`` or an error ``(code, position)``: code 1 = a cost with the
    wrong sign, code 2 = a cost (margin) without a price.
    """
    n_low = lowers.size
    for i in range(rev.size):
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
        if price:
            if pt < 0:
                out_comm[i] = 0
            elif 0 <= b < _FAST_DEN:
                p = b * tier_rates[pt]  # < 2**63 since rates <= _S
                q = p // _S
                out_comm[i] = round_quotient(q, p - q * _S, _S, mode)
            else:
                out_comm[i] = mul_div_round(b, tier_rates[pt], _S, mode)
        else:
            out_pay_tier[i] = pt
    return 0, -1


@jit
def _period_of_day(days: int, freq: int) -> int:
    """Period ordinal (months/quarters/years since 1970) of a day count since 1970-01-01."""
    z = days + 719468  # civil-from-days (proleptic Gregorian)
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    month = mp + 3 if mp < 10 else mp - 9
    if month <= 2:
        y += 1
    if freq == 3:
        return y - 1970
    mo = (y - 1970) * 12 + month - 1
    return mo if freq == 1 else mo // 3


@jit
def period_table(day0: int, day1: int, freq: int) -> tuple[IntArray, int, int]:
    """Period of each day from ``day0`` to ``day1`` (days since 1970-01-01), minus the first.

    ``freq``: 1 = month, 2 = quarter, 3 = year.  Returns ``(table, first ordinal,
    number of ordinals)`` with ``table[d - day0]`` the period of day ``d`` minus
    the first ordinal.
    """
    omin = _period_of_day(day0, freq)
    omax = _period_of_day(day1, freq)
    table = np.empty(day1 - day0 + 1, dtype=np.int64)
    for d in range(day0, day1 + 1):
        table[d - day0] = _period_of_day(d, freq) - omin
    return table, omin, omax - omin + 1


@jit
def date_periods(values: IntArray, per_day: int, freq: int, out: IntArray) -> tuple[int, int]:
    """Period ordinal of each datetime, minus the smallest one.

    ``values`` are int64 counts of a unit with ``per_day`` units per day;
    ``freq``: 0 = none (all 0), 1 = month, 2 = quarter, 3 = year.  Ordinals
    are pandas ``Period.ordinal`` values.  ``out[i]`` receives ordinal - min.
    Returns ``(min ordinal, number of ordinals from min to max)``, or
    ``(position, -1)`` for the first NaT.
    """
    n = values.size
    if n == 0:
        return 0, 0
    vmin = values[0]
    vmax = values[0]
    for i in range(n):
        v = values[i]
        if v == _OPEN:  # NaT is int64 min
            return i, -1
        vmin = min(vmin, v)
        vmax = max(vmax, v)
    if freq == 0:
        for i in range(n):
            out[i] = 0
        return 0, 1
    dmin = vmin // per_day
    dmax = vmax // per_day
    if dmax - dmin < _TABLE_DAYS:
        table, omin, n_per = period_table(dmin, dmax, freq)
        if per_day == _NS_PER_DAY:  # division by a constant: multiply-shift
            for i in range(n):
                out[i] = table[values[i] // _NS_PER_DAY - dmin]
        else:
            for i in range(n):
                out[i] = table[values[i] // per_day - dmin]
        return omin, n_per
    omin = _period_of_day(dmin, freq)
    omax = _period_of_day(dmax, freq)
    for i in range(n):
        out[i] = _period_of_day(values[i] // per_day, freq) - omin
    return omin, omax - omin + 1


@jit
def group_order(stmt: IntArray, key: IntArray, n_stmt: int) -> IntArray:
    """Credits grouped by statement, each group in (key, position) order.

    A stable counting sort by statement, then a stable sort of each group by
    key on a contiguous copy of the keys (few random reads).
    """
    counts = np.zeros(n_stmt + 1, dtype=np.int64)
    for i in range(stmt.size):
        counts[stmt[i] + 1] += 1
    for g in range(n_stmt):
        counts[g + 1] += counts[g]
    order = np.empty(stmt.size, dtype=np.int64)
    gk = np.empty(stmt.size, dtype=np.int64)
    fill = counts[:-1].copy()
    for i in range(stmt.size):
        g = stmt[i]
        order[fill[g]] = i
        gk[fill[g]] = key[i]
        fill[g] += 1
    for g in range(n_stmt):
        lo = counts[g]
        hi = counts[g + 1]
        sorted_ = True
        for a in range(lo + 1, hi):
            if gk[a] < gk[a - 1]:
                sorted_ = False
                break
        if sorted_:
            continue
        if hi - lo <= 64:
            for a in range(lo + 1, hi):  # insertion sort, stable
                x = order[a]
                kx = gk[a]
                b = a - 1
                while b >= lo and gk[b] > kx:
                    order[b + 1] = order[b]
                    gk[b + 1] = gk[b]
                    b -= 1
                order[b + 1] = x
                gk[b + 1] = kx
        else:
            perm = np.argsort(gk[lo:hi], kind="mergesort")
            seg = order[lo:hi].copy()
            for a in range(hi - lo):
                order[lo + a] = seg[perm[a]]
    return order


@jit
def credit_rates(
    tier: IntArray,
    bracket: npt.NDArray[np.integer[Any]],
    rates: IntArray,
    n_br: int,
    out: IntArray,
) -> None:
    """Rate (parts per 10**9) of each credit from its tier and bracket; 0 without a tier."""
    for i in range(tier.size):
        t = tier[i]
        out[i] = 0 if t < 0 else rates[t * n_br + bracket[i]]


@jit
def line_commission(basis: IntArray, rate: IntArray, mode: int, out: IntArray) -> None:
    """``out[i] = round(basis[i] * rate[i] / 10**9)`` with rounding rule ``mode``."""
    for i in range(basis.size):
        out[i] = mul_div_round(basis[i], rate[i], _S, mode)


@jit
def line_commission_tiered(
    basis: IntArray, tier: IntArray, tier_rates: IntArray, mode: int, out: IntArray
) -> None:
    """Per-line commission at the rate of each line's tier (tier -1 pays 0)."""
    for i in range(basis.size):
        t = tier[i]
        if t < 0:
            out[i] = 0
            continue
        b = basis[i]
        r = tier_rates[t]
        if 0 <= b < _FAST_DEN:
            p = b * r  # < 2**63 since r <= _S
            q = p // _S
            out[i] = round_quotient(q, p - q * _S, _S, mode)
        else:
            out[i] = mul_div_round(b, r, _S, mode)


@jit
def _bracket_of(v: int, lows: IntArray) -> int:
    k = lows.size - 1
    while k > 0 and lows[k] > v:
        k -= 1
    return k


@jit
def _graduated_commission(
    v0: int, v1: int, b: int, t: int, lows: IntArray, rates: IntArray, n_br: int, mode: int
) -> int:
    """Commission of moving a statement's volume from ``v0`` to ``v1`` (basis ``b``, tier ``t``).

    The part of ``[min(v0, v1), max(v0, v1))`` inside volume bracket ``k`` is paid
    at ``rates[t, k]`` (scaled by ``_S``), signed like ``b``; the exact sum is
    accumulated as quotient and remainder of ``_S`` and rounded once.
    """
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
def graduated_commission(
    basis: IntArray,
    tier: IntArray,
    stmt: IntArray,
    priced: npt.NDArray[np.bool_],
    rates: IntArray,
    lows: IntArray,
    n_stmt: int,
    mode: int,
    out: IntArray,
    out_bracket: IntArray,
    volume: IntArray,
) -> None:
    """Marginal (graduated) commission on each statement's running volume.

    Credits are visited in array order (the caller permutes them into each
    statement's date order, which keeps every access sequential).  Each moves
    its statement's running volume from ``V`` to ``V + basis``; the part of
    that interval inside volume bracket ``k`` (``[lows[k], lows[k+1])``,
    bracket 0 open below, the last open above) is paid at ``rates[tier, k]``,
    signed like the basis, and the sum is rounded once.  Credits with
    ``priced[i]`` false only move the volume (their commission is set
    elsewhere).  ``out_bracket`` is the bracket of the last unit of basis
    moved; ``volume`` ends as each statement's final volume.
    """
    n_br = lows.size
    for g in range(n_stmt):
        volume[g] = 0
    for i in range(basis.size):
        g = stmt[i]
        v0 = volume[g]
        b = basis[i]
        v1 = v0 + b
        volume[g] = v1
        x = v1 - 1 if b > 0 else v1  # the last unit of basis moved
        kb = n_br - 1
        while kb > 0 and lows[kb] > x:
            kb -= 1
        out_bracket[i] = kb
        if not priced[i]:
            continue
        t = tier[i]
        if t < 0 or b == 0:
            out[i] = 0
            continue
        out[i] = _graduated_commission(v0, v1, b, t, lows, rates, n_br, mode)


@jit
def retroactive_commission(
    basis: IntArray,
    tier: IntArray,
    stmt: IntArray,
    priced: npt.NDArray[np.bool_],
    rates: IntArray,
    lows: IntArray,
    n_stmt: int,
    mode: int,
    out: IntArray,
    out_bracket: IntArray,
    volume: IntArray,
) -> None:
    """Retroactive commission: the bracket of each statement's total volume applies to all.

    ``volume[g]`` becomes the sum of the basis of every credit of statement
    ``g`` (priced or not); its bracket ``k`` (``lows[k] <= volume < lows[k+1]``,
    bracket 0 also below ``lows[0]``) sets the rate ``rates[tier, k]`` of every
    priced credit of the statement.
    """
    n_br = lows.size
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
            out[i] = 0
        else:
            out[i] = mul_div_round(basis[i], rates[t * n_br + k], _S, mode)


@jit
def statement_totals(
    stmt: IntArray,
    basis: IntArray,
    comm: IntArray,
    kind: npt.NDArray[np.int8],
    n_stmt: int,
    out_basis: IntArray,
    out_comm: IntArray,
    out_rev: IntArray,
    out_count: IntArray,
) -> None:
    """Sum basis, commission and reversal commission of credits per statement."""
    for g in range(n_stmt):
        out_basis[g] = 0
        out_comm[g] = 0
        out_rev[g] = 0
        out_count[g] = 0
    for i in range(stmt.size):
        g = stmt[i]
        out_basis[g] += basis[i]
        out_comm[g] += comm[i]
        out_count[g] += 1
        if kind[i] == _RETURN or kind[i] == _REVERSAL:
            out_rev[g] += comm[i]


@jit
def statements_dense(
    sp: IntArray,
    per: IntArray,
    n_per: int,
    span: int,
    basis: IntArray,
    comm: IntArray,
    kind: npt.NDArray[np.int8],
    out_stmt: IntArray,
    write_stmt: bool,
) -> tuple[IntArray, IntArray, IntArray, IntArray, IntArray]:
    """Statements keyed by ``sp * n_per + per`` (``span`` keys), in key order.

    Returns ``(keys, count, basis, commission, reversals)``, one entry
    per non-empty key, and with ``write_stmt`` fills ``out_stmt`` with each
    credit's statement.
    Reversals are credits of kind return (1) or reversal (2).
    """
    cnt = np.zeros(span, dtype=np.int64)
    bas = np.zeros(span, dtype=np.int64)
    com = np.zeros(span, dtype=np.int64)
    rv = np.zeros(span, dtype=np.int64)
    for i in range(sp.size):
        key = sp[i] * n_per + per[i]
        cnt[key] += 1
        bas[key] += basis[i]
        com[key] += comm[i]
        if kind[i] == _RETURN or kind[i] == _REVERSAL:
            rv[key] += comm[i]
    k = 0
    for key in range(span):
        if cnt[key] > 0:
            k += 1
    keys = np.empty(k, dtype=np.int64)
    o_cnt = np.empty(k, dtype=np.int64)
    o_bas = np.empty(k, dtype=np.int64)
    o_com = np.empty(k, dtype=np.int64)
    o_rv = np.empty(k, dtype=np.int64)
    j = 0
    for key in range(span):
        if cnt[key] > 0:
            keys[j] = key
            o_cnt[j] = cnt[key]
            o_bas[j] = bas[key]
            o_com[j] = com[key]
            o_rv[j] = rv[key]
            cnt[key] = j  # reuse as the key -> statement map
            j += 1
    if write_stmt:
        for i in range(sp.size):
            out_stmt[i] = cnt[sp[i] * n_per + per[i]]
    return keys, o_cnt, o_bas, o_com, o_rv


@jit
def statement_codes(
    sp: IntArray, per: IntArray, n_per: int, span: int, out_stmt: IntArray
) -> IntArray:
    """Statement of each credit (keys ``sp * n_per + per`` in key order); returns the keys."""
    seen = np.zeros(span, dtype=np.int64)
    for i in range(sp.size):
        seen[sp[i] * n_per + per[i]] = 1
    k = 0
    for key in range(span):
        if seen[key]:
            k += 1
    keys = np.empty(k, dtype=np.int64)
    j = 0
    for key in range(span):
        if seen[key]:
            keys[j] = key
            seen[key] = j
            j += 1
    for i in range(sp.size):
        out_stmt[i] = seen[sp[i] * n_per + per[i]]
    return keys


@jit
def sum_by_group(values: IntArray, offsets: IntArray, out: IntArray) -> None:
    """``out[g] = values[offsets[g]:offsets[g+1]].sum()`` in exact int64."""
    for g in range(out.size):
        s = 0
        for j in range(offsets[g], offsets[g + 1]):
            s += values[j]
        out[g] = s


@jit
def min_max(values: IntArray) -> tuple[int, int]:
    """Smallest and largest value of a non-empty array, in one pass."""
    lo = values[0]
    hi = values[0]
    for i in range(values.size):
        v = values[i]
        lo = min(lo, v)
        hi = max(hi, v)
    return lo, hi


@jit
def dense_codes(keys: IntArray, lo: int, span: int, out: IntArray, uniq: IntArray) -> int:
    """Codes 0..k-1 of ``keys`` in ascending key order, for keys in ``[lo, lo + span)``.

    ``out`` receives each key's code, ``uniq[:k]`` the distinct keys in order;
    returns ``k``.
    """
    seen = np.zeros(span, dtype=np.int64)
    for i in range(keys.size):
        seen[keys[i] - lo] = 1
    k = 0
    for s in range(span):
        if seen[s]:
            seen[s] = k
            uniq[k] = lo + s
            k += 1
        else:
            seen[s] = -1
    for i in range(keys.size):
        out[i] = seen[keys[i] - lo]
    return k


# --- fused kernels of the common case (float amounts, no splits, no linked returns) -------


@jit
def key_ranges(sp: IntArray, dates: IntArray) -> tuple[int, int, int, int, int]:
    """``(sp min, sp max, dates min, dates max, first NaT position or -1)`` in one pass.

    ``sp`` is non-empty; ``dates`` is empty (min and max then 0) or as long as ``sp``.
    """
    slo = sp[0]
    shi = sp[0]
    if dates.size == 0:
        for i in range(sp.size):
            v = sp[i]
            slo = min(slo, v)
            shi = max(shi, v)
        return slo, shi, 0, 0, -1
    dlo = dates[0]
    dhi = dates[0]
    nat = False
    for i in range(sp.size):
        v = sp[i]
        slo = min(slo, v)
        shi = max(shi, v)
        d = dates[i]
        nat |= d == _OPEN  # NaT is int64 min
        dlo = min(dlo, d)
        dhi = max(dhi, d)
    if nat:
        for i in range(dates.size):
            if dates[i] == _OPEN:
                return slo, shi, dlo, dhi, i
    return slo, shi, dlo, dhi, -1


@jit
def fused_lines(
    amount: npt.NDArray[np.float64],
    other: npt.NDArray[np.float64],
    other_is_margin: bool,
    scale: float,
    sp: IntArray,
    sp_lo: int,
    n_per: int,
    dates: IntArray,
    per_day: int,
    day0: int,
    table: IntArray,
    lowers: IntArray,
    basis_is_margin: bool,
    zero_negative: bool,
    tier_rates: IntArray,
    price: bool,
    mode: int,
    keep_amounts: bool,
    keep_codes: bool,
    out_rev: IntArray,
    out_other: IntArray,
    out_sp: npt.NDArray[np.int32],
    out_per: npt.NDArray[np.int32],
    out_comm: IntArray,
    out_basis: IntArray,
    out_meta: npt.NDArray[np.int16],
    acc: IntArray,
) -> int:
    """One pass over float lines: minor units, tier, basis, period and statement sums.

    The fused form of ``to_minor_units`` (fast route), :func:`prepare_lines`
    (with a cost or margin column), :func:`date_periods` and the statement
    totals, for lines without splits or linked returns.  With ``keep_amounts``
    ``out_rev`` and ``out_other`` receive the amounts in minor units; with
    ``keep_codes`` ``out_sp`` receives ``sp - sp_lo`` and ``out_per`` the period
    code (``table[day - day0]``, or 0 when ``table`` is empty).  Statement
    ``key = (sp - sp_lo) * n_per + period`` accumulates in
    ``acc[key]``: count, basis, and with ``price`` commission and the
    commission of returns.  With ``price`` each line's commission (rate
    ``tier_rates[pay tier]``) goes to ``out_comm``; without, its basis goes to
    ``out_basis`` and ``(pay tier + 1) * 2 + (1 if a return)`` to ``out_meta``.

    Lines are taken in blocks: the per-line work first, then the block's
    statement sums from a small buffer still in cache (few stores per step
    keep many scattered updates in flight).  ``amount.size`` must be below 2**31.

    Returns -1, or the first position the fast route cannot take (a value near
    a rounding tie, too large, NaN or infinite, a cost of the wrong sign, a
    cost without a price): the caller then takes the general route, which
    handles or reports it.
    """
    n = amount.size
    n_low = lowers.size
    first_low = 1 if n_low > 0 and lowers[0] == _OPEN else 0
    use_table = table.size > 0
    ns = per_day == _NS_PER_DAY
    b_key = np.empty(_CHUNK, dtype=np.int64)
    b_basis = np.empty(_CHUNK, dtype=np.int64)
    b_comm = np.empty(_CHUNK, dtype=np.int64)
    b_ret = np.empty(_CHUNK, dtype=np.int64)
    # the hot sums packed tightly (counts as int32: fewer than 2**31 lines), so that
    # more of them stay in cache
    cnt = np.zeros(acc.shape[0], dtype=np.int32)
    sums = np.zeros((acc.shape[0], 2), dtype=np.int64)
    for c0 in range(0, n, _CHUNK):
        c1 = min(c0 + _CHUNK, n)
        for i in range(c0, c1):
            r, st_r = float_to_minor_fast(amount[i], scale)
            o, st_o = float_to_minor_fast(other[i], scale)
            if st_r != 0 or st_o != 0:
                return i
            if other_is_margin:
                m = o
            else:
                if (r > 0 and o < 0) or (r < 0 and o > 0):
                    return i
                m = r - o
            if r == 0 and m != 0:
                return i
            neg = ((r > 0) & (m < 0)) | ((r < 0) & (m > 0))
            if 0 < r < _FAST_MUL and -_FAST_MUL < m < _FAST_MUL:
                # exact comparison without division (see margin_tiers)
                ms = m * _S
                t = first_low - 1
                for u in range(first_low, n_low):
                    t += lowers[u] * r <= ms
            else:
                t = tier_of(m, r, lowers)
            b = m if basis_is_margin else r
            zero = zero_negative & neg
            b = 0 if zero else b
            pt = -1 if zero else t
            ret = (r < 0) & (t >= 0) & (not zero)  # kind "return"
            if keep_amounts:
                out_rev[i] = r
                out_other[i] = o
            if use_table:
                v = dates[i]
                d = v // _NS_PER_DAY if ns else v // per_day
                per = table[d - day0]
            else:
                per = 0
            s = sp[i] - sp_lo
            if keep_codes:
                out_sp[i] = s
                out_per[i] = per
            j = i - c0
            b_key[j] = s * n_per + per
            b_basis[j] = b
            if price:
                paid = pt >= 0
                rate = tier_rates[pt if paid else 0]
                rate = rate if paid else 0
                if 0 <= b < _FAST_DEN:
                    # round(b * rate / S) without branches on the (random) remainder
                    p = b * rate  # < 2**63 since rate <= S
                    q = p // _S
                    rem = p - q * _S
                    half = _S - rem
                    c = q + ((rem > half) | ((rem == half) & ((mode == 1) | ((q & 1) == 1))))
                else:
                    c = mul_div_round(b, rate, _S, mode)
                out_comm[i] = c
                b_comm[j] = c
                b_ret[j] = c if ret else 0
            else:
                out_basis[i] = b
                out_meta[i] = (pt + 1) * 2 + (1 if ret else 0)
        for j in range(c1 - c0):
            key = b_key[j]
            cnt[key] += 1
            sums[key, 0] += b_basis[j]
            if price:
                sums[key, 1] += b_comm[j]
                if b_ret[j] != 0:  # rare
                    acc[key, 3] += b_ret[j]
    for g in range(acc.shape[0]):
        acc[g, 0] += cnt[g]
        acc[g, 1] += sums[g, 0]
        acc[g, 2] += sums[g, 1]
    return -1


@jit
def compact_statements(
    acc: IntArray, n_sp: int, n_per: int
) -> tuple[IntArray, IntArray, IntArray, IntArray, IntArray, IntArray, int]:
    """Non-empty statements of dense sums ``acc`` (key ``sp * n_per + period``), in key order.

    Returns ``(keys, count, basis, commission, reversals, sp_code, n_codes)``:
    ``keys`` use salesperson codes (``sp_code[sp]``: rank among the salespeople
    with lines, -1 without), ``n_codes`` salespeople have lines.
    """
    sp_code = np.full(n_sp, -1, dtype=np.int64)
    n_codes = 0
    k = 0
    for s in range(n_sp):
        has = False
        for p in range(n_per):
            if acc[s * n_per + p, 0] > 0:
                has = True
                k += 1
        if has:
            sp_code[s] = n_codes
            n_codes += 1
    keys = np.empty(k, dtype=np.int64)
    cnt = np.empty(k, dtype=np.int64)
    bas = np.empty(k, dtype=np.int64)
    com = np.empty(k, dtype=np.int64)
    rv = np.empty(k, dtype=np.int64)
    j = 0
    for s in range(n_sp):
        for p in range(n_per):
            key = s * n_per + p
            if acc[key, 0] > 0:
                keys[j] = sp_code[s] * n_per + p
                cnt[j] = acc[key, 0]
                bas[j] = acc[key, 1]
                com[j] = acc[key, 2]
                rv[j] = acc[key, 3]
                j += 1
    return keys, cnt, bas, com, rv, sp_code, n_codes


@jit
def remap_codes(values: npt.NDArray[np.int32], table: IntArray) -> None:
    """``values[i] = table[values[i]]`` in place."""
    for i in range(values.size):
        values[i] = table[values[i]]


@jit
def _sort_group(
    key: IntArray, idx: IntArray, lo: int, hi: int, tkey: IntArray, tidx: IntArray
) -> None:
    """Stable sort of ``key[lo:hi]`` (with ``idx`` alongside); ``tkey``/``tidx`` are scratch.

    Insertion sort of runs of 16, then bottom-up merges.
    """
    m = hi - lo
    run = 16
    for a0 in range(lo, hi, run):
        a1 = min(a0 + run, hi)
        for a in range(a0 + 1, a1):
            kx = key[a]
            x = idx[a]
            b = a - 1
            while b >= a0 and key[b] > kx:
                key[b + 1] = key[b]
                idx[b + 1] = idx[b]
                b -= 1
            key[b + 1] = kx
            idx[b + 1] = x
    if m <= run:
        return
    # merge runs, alternating between (key, idx) and the scratch arrays
    src_k, src_i, dst_k, dst_i = key, idx, tkey, tidx
    s_off = lo  # offset of the group in the source arrays
    d_off = 0
    in_scratch = False  # where the merged runs are
    width = run
    while width < m:
        for a in range(0, m, 2 * width):
            mid = min(a + width, m)
            end = min(a + 2 * width, m)
            i = a
            j = mid
            o = a
            while i < mid and j < end:
                if src_k[s_off + j] < src_k[s_off + i]:
                    dst_k[d_off + o] = src_k[s_off + j]
                    dst_i[d_off + o] = src_i[s_off + j]
                    j += 1
                else:
                    dst_k[d_off + o] = src_k[s_off + i]
                    dst_i[d_off + o] = src_i[s_off + i]
                    i += 1
                o += 1
            while i < mid:
                dst_k[d_off + o] = src_k[s_off + i]
                dst_i[d_off + o] = src_i[s_off + i]
                i += 1
                o += 1
            while j < end:
                dst_k[d_off + o] = src_k[s_off + j]
                dst_i[d_off + o] = src_i[s_off + j]
                j += 1
                o += 1
        src_k, src_i, dst_k, dst_i = dst_k, dst_i, src_k, src_i
        s_off, d_off = d_off, s_off
        in_scratch = not in_scratch
        width *= 2
    if in_scratch:
        for a in range(m):
            key[lo + a] = tkey[a]
            idx[lo + a] = tidx[a]


@jit
def _sort_dates(
    key: IntArray, pos: IntArray, m: int, tkey: IntArray, tpos: IntArray, cnt: IntArray
) -> None:
    """Stable sort of ``key[:m]`` (with ``pos`` alongside) for keys spread over a range.

    A distribution into ``m`` buckets by the key's place in ``[min, max]`` (a
    monotone map, so buckets come in key order), then an insertion sort that only
    moves lines within their bucket; :func:`_sort_group` when a bucket is large.
    """
    kmin = key[0]
    kmax = key[0]
    for a in range(m):
        kmin = min(kmin, key[a])
        kmax = max(kmax, key[a])
    if kmin == kmax:
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
        _sort_group(key, pos, 0, m, tkey, tpos)
        return
    for a in range(m):
        bk = min(max(int((float(key[a]) - fmin) * scale), 0), m - 1)
        f = cnt[bk]
        cnt[bk] = f + 1
        tkey[f] = key[a]
        tpos[f] = pos[a]
    for a in range(m):  # insertion sort, stable; lines move only within their bucket
        kx = tkey[a]
        x = tpos[a]
        b = a - 1
        while b >= 0 and tkey[b] > kx:
            tkey[b + 1] = tkey[b]
            tpos[b + 1] = tpos[b]
            b -= 1
        tkey[b + 1] = kx
        tpos[b + 1] = x
    for a in range(m):
        key[a] = tkey[a]
        pos[a] = tpos[a]


@jit
def graduated_grouped(
    sp: npt.NDArray[np.int32],
    per: npt.NDArray[np.int32],
    n_per: int,
    dates: IntArray,
    basis: IntArray,
    meta: npt.NDArray[np.int16],
    rates: IntArray,
    lows: IntArray,
    mode: int,
    out: IntArray,
    out_bracket: npt.NDArray[np.int8],
    acc: IntArray,
) -> None:
    """Graduated commission (see :func:`graduated_commission`) of lines grouped by statement.

    Statement ``key = sp * n_per + per``; ``acc[key, 0]`` holds its number of
    lines; ``meta`` is ``(pay tier + 1) * 2 + (1 if a return)`` (see
    :func:`fused_lines`).  Each statement is priced on its running volume, its
    lines in date order (``dates``; empty = input order), ties in input order.
    Fills ``out``, ``out_bracket`` and the statement sums ``acc[key, 2]``
    (commission) and ``acc[key, 3]`` (commission of returns).

    The lines move in streams, never one by one at random: a first pass
    partitions them into buckets of consecutive statements (few enough for
    every bucket's write position to stay in cache), each bucket is then
    grouped by statement, sorted and priced in cache, and its results are
    partitioned by input position into blocks that a last pass writes out.
    """
    n = sp.size
    span = acc.shape[0]
    start = np.empty(span + 1, dtype=np.int64)
    start[0] = 0
    big = 1
    for g in range(span):
        start[g + 1] = start[g] + acc[g, 0]
        big = max(big, acc[g, 0])
    has_dates = dates.size > 0

    # pass 1: one record per line (position and meta, basis, date) at its statement's place
    rec = np.empty((n, 3), dtype=np.int64)
    fill = start[:-1].copy()
    for i in range(n):
        g = sp[i] * n_per + per[i]
        f = fill[g]
        fill[g] = f + 1
        rec[f, 0] = i | (np.int64(meta[i]) << 32)
        rec[f, 1] = basis[i]
        rec[f, 2] = dates[i] if has_dates else 0

    # pass 2: per statement, sort by date and price in cache; results go as records
    # (position, commission, bracket) to blocks of consecutive input positions
    u_shift = _BLOCK_BITS
    n_u = ((n - 1) >> u_shift) + 1
    u_fill = np.empty(n_u, dtype=np.int64)
    for u in range(n_u):
        u_fill[u] = u << u_shift
    res = np.empty((n, 2), dtype=np.int64)
    l_key = np.empty(big, dtype=np.int64)
    l_pos = np.empty(big, dtype=np.int64)
    t_key = np.empty(big, dtype=np.int64)
    t_pos = np.empty(big, dtype=np.int64)
    cnt = np.empty(big + 1, dtype=np.int64)
    n_br = lows.size
    for g in range(span):
        lo = start[g]
        m = start[g + 1] - lo
        if m == 0:
            continue
        for a in range(m):
            l_pos[a] = lo + a
        if has_dates:
            for a in range(1, m):
                if rec[lo + a, 2] < rec[lo + a - 1, 2]:
                    for a2 in range(m):
                        l_key[a2] = rec[lo + a2, 2]
                    _sort_dates(l_key, l_pos, m, t_key, t_pos, cnt)
                    break
        v0 = 0
        s_comm = 0
        s_rev = 0
        for a in range(m):
            q = l_pos[a]
            w = rec[q, 0]
            b = rec[q, 1]
            mt = w >> 32
            t = (mt >> 1) - 1
            v1 = v0 + b
            x = v1 - 1 if b > 0 else v1  # the last unit of basis moved
            kb = n_br - 1
            while kb > 0 and lows[kb] > x:
                kb -= 1
            c = 0
            if t >= 0 and b != 0:
                c = _graduated_commission(v0, v1, b, t, lows, rates, n_br, mode)
            i = w & 0xFFFFFFFF
            u = i >> u_shift
            f = u_fill[u]
            u_fill[u] = f + 1
            res[f, 0] = i | (kb << 32)
            res[f, 1] = c
            s_comm += c
            if mt & 1:
                s_rev += c
            v0 = v1
        acc[g, 2] = s_comm
        acc[g, 3] = s_rev

    # pass 3: each block of input positions is written within its own cache-sized range
    for a in range(n):
        w = res[a, 0]
        i = w & 0xFFFFFFFF
        out[i] = res[a, 1]
        out_bracket[i] = w >> 32
