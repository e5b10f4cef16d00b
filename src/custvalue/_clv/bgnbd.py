r"""BG/NBD and MBG/NBD: beta-geometric/NBD models of repeat buying with dropout.

While alive, a customer buys as a Poisson process with rate :math:`\lambda`;
:math:`\lambda \sim \mathrm{Gamma}(r, \alpha)` across customers.  After each
repeat purchase (BG/NBD, Fader, Hardie & Lee 2005) — and, in the MBG/NBD
(Batislam, Denizel & Filiztekin 2007), also right at the first purchase — the
customer drops out with probability :math:`p`,
:math:`p \sim \mathrm{Beta}(a, b)` across customers.

Both models share one likelihood kernel (the MBG/NBD is the BG/NBD with every
beta-function argument :math:`b + x` shifted by one and the dropout term
present for :math:`x = 0`), one prediction series and one simulator.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any
from typing import ClassVar

import numpy as np
import numpy.typing as npt
import pandas as pd
from numba import prange
from numpy.random import Generator
from scipy import special

from custvalue._clv.base import BetaGeometricModel
from custvalue._clv.base import Columns
from custvalue._clv.base import NegLogLikHessian
from custvalue._clv.base import PositiveParams
from custvalue._clv.base import RowParams
from custvalue._clv.base import per_row
from custvalue._clv.base import rows_of
from custvalue._clv.base import value_index
from custvalue._clv.covariates import CovariateLinks
from custvalue._clv.docs import MODEL_ERRORS
from custvalue._clv.kernels import dropout_constants
from custvalue._clv.kernels import dropout_terms
from custvalue._clv.kernels import lgamma_digamma
from custvalue._clv.kernels import log_sum_exp2
from custvalue._clv.kernels import nb_geometric_mean
from custvalue._clv.kernels import store_row
from custvalue._clv.kernels import store_totals
from custvalue._core.docs import fill_doc
from custvalue._core.jit import jit
from custvalue._core.jit import jit_threads
from custvalue._core.jit import split_blocks
from custvalue._core.jit import split_rows
from custvalue._core.shape import resolve
from custvalue._core.shape import shape_output
from custvalue._core.special import digamma
from custvalue._core.special import trigamma

__all__ = [
    "BetaGeoModel",
    "BetaGeoParams",
    "ModifiedBetaGeoModel",
    "ModifiedBetaGeoParams",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclasses.dataclass(frozen=True, slots=True)
class _BetaGeoFields(PositiveParams):
    r: float
    alpha: float
    a: float
    b: float


@dataclasses.dataclass(frozen=True, slots=True)
class BetaGeoParams(_BetaGeoFields):
    r"""Parameters of the BG/NBD model, named as in Fader, Hardie & Lee (2005).

    Attributes
    ----------
    r, alpha : float
        Gamma distribution (shape :math:`r`, rate :math:`\alpha`) of the purchase
        rate :math:`\lambda`; :math:`\alpha` is in the time unit of ``recency`` and ``T``.
    a, b : float
        Beta distribution of the dropout probability :math:`p`.
    """


@dataclasses.dataclass(frozen=True, slots=True)
class ModifiedBetaGeoParams(_BetaGeoFields):
    """Parameters of the MBG/NBD model (Batislam, Denizel & Filiztekin 2007).

    The fields and their meaning are those of :class:`BetaGeoParams`.
    """


# ----------------------------------------------------------------------------------------
# kernels; ``m`` = 0 for BG/NBD, 1 for MBG/NBD
# ----------------------------------------------------------------------------------------
@jit
def _loglik_kernel(
    p: FloatArray, h: FloatArray, w: FloatArray, out: FloatArray, grad: FloatArray
) -> float:
    """Weighted log-likelihood and its gradient; per-row LL and P(alive) in ``out``.

    The kernel of the fit template (first-order search, covariate groups, the
    per-row terms): :func:`_loglik_terms` with one table entry per row.
    """
    rows = np.arange(h.shape[1])
    no_hess = np.empty((0, 0))
    return _loglik_terms(p, h[0], w, (rows, rows), (h[2], h[1]), out, grad, no_hess)


@jit
def _loglik_terms(
    p: FloatArray,
    x: FloatArray,
    w: FloatArray,
    index: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]],
    values: tuple[FloatArray, FloatArray],
    out: FloatArray,
    grad: FloatArray,
    hess: FloatArray,
) -> float:
    r"""Weighted log-likelihood with its gradient (and Hessian) in ``(r, alpha, a, b)``.

    Row ``i`` has ``x[i]`` repeat purchases (rows sorted by frequency are
    cheapest), age ``t_values[t_index[i]]`` and recency
    ``tx_values[tx_index[i]]`` with ``index = (t_index, tx_index)`` and
    ``values = (t_values, tx_values)``: the logs and reciprocals of
    ``alpha + T`` and ``alpha + t_x`` are computed once per distinct value,
    the frequency terms once per distinct ``x``.  Per-row log-likelihoods and
    P(alive) go to ``out`` (shape ``(2, 0)``: none wanted), the Hessian to
    ``hess`` (shape ``(0, 0)``: first order only).  With the row
    log-likelihood :math:`f + \log(e^{l_1} + e^{l_2})` and the shares
    :math:`w_k = e^{l_k}/(e^{l_1} + e^{l_2})`, the Hessian of a row is
    :math:`\nabla^2 f + w_1 \nabla^2 l_1 + w_2 \nabla^2 l_2
    + w_1 w_2 (\nabla l_1 - \nabla l_2)(\nabla l_1 - \nabla l_2)^T`.
    """
    r, alpha, a, b, m = p[0], p[1], p[2], p[3], p[4]
    t_index, tx_index = index
    la_t, inv_t = _log_and_inverse(alpha, values[0])
    la_x, inv_x = _log_and_inverse(alpha, values[1])
    second = hess.shape[0] > 0
    log_alpha = math.log(alpha)
    const = -math.lgamma(r) + r * log_alpha
    bl_ab, dg_ab, dg_b = dropout_constants(a, b)
    dg_r, tg_r = digamma(r), trigamma(r)
    tg_ab, tg_b = trigamma(a + b), trigamma(b)
    acc = np.zeros(15)
    prev = -1.0
    rx = lg_rx = dg_rx = tg_rx = 0.0
    beta1, beta2, dg_abx, dg_b1, dg_b2, has2 = 0.0, 0.0, 0.0, 0.0, 0.0, False
    tg_abx = tg_c = tg_c1 = 0.0
    for i in range(x.shape[0]):
        xi = x[i]
        if xi != prev:
            prev = xi
            rx = r + xi
            lg_rx, dg_rx = lgamma_digamma(rx)
            beta1, beta2, dg_abx, dg_b1, dg_b2, has2 = dropout_terms(a, b, xi, m, bl_ab)
            if second:
                c = b + xi + m
                tg_rx, tg_abx, tg_c = trigamma(rx), trigamma(a + c), trigamma(c)
                tg_c1 = trigamma(c - 1.0) if has2 else 0.0
        jt = t_index[i]
        lt, it = la_t[jt], inv_t[jt]
        l1 = beta1 - rx * lt
        if has2:
            jx = tx_index[i]
            lx, ix = la_x[jx], inv_x[jx]
            lse, w1, w2 = log_sum_exp2(l1, beta2 - rx * lx)
        else:
            lx = ix = w2 = 0.0
            lse = l1
            w1 = 1.0
        li = lg_rx + const + lse
        store_row(out, i, li, w1)
        wi = w[i]
        mix = w1 * it + w2 * ix
        acc[0] += wi * li
        acc[1] += wi * (dg_rx - dg_r + log_alpha - w1 * lt - w2 * lx)
        acc[2] += wi * (r / alpha - rx * mix)
        acc[3] += wi * (dg_ab - dg_abx + w2 / a)
        acc[4] += wi * (dg_ab - dg_abx - dg_b + w1 * dg_b1 + w2 * dg_b2)
        if not second:
            continue
        q = wi * w1 * w2
        # differences of the two terms' gradients (zero weight q without a dropout term)
        d0, d1, d2, d3 = lx - lt, rx * (ix - it), -1.0 / a, dg_b1 - dg_b2
        acc[5] += wi * (tg_rx - tg_r) + q * d0 * d0
        acc[6] += wi * (1.0 / alpha - mix) + q * d0 * d1
        acc[7] += q * d0 * d2
        acc[8] += q * d0 * d3
        acc[9] += wi * (rx * (w1 * it * it + w2 * ix * ix) - r / (alpha * alpha)) + q * d1 * d1
        acc[10] += q * d1 * d2
        acc[11] += q * d1 * d3
        acc[12] += wi * (tg_ab - tg_abx - w2 / (a * a)) + q * d2 * d2
        acc[13] += wi * (tg_ab - tg_abx) + q * d2 * d3
        acc[14] += wi * (tg_ab - tg_abx - tg_b + w1 * tg_c + w2 * tg_c1) + q * d3 * d3
    return store_totals(acc, grad, hess)


@jit
def _log_and_inverse(alpha: float, values: FloatArray) -> tuple[FloatArray, FloatArray]:
    """``log(alpha + v)`` and ``1 / (alpha + v)`` for each of ``values``."""
    logs = np.empty(values.shape[0])
    inverse = np.empty(values.shape[0])
    for k in range(values.shape[0]):
        s = alpha + values[k]
        logs[k] = math.log(s)
        inverse[k] = 1.0 / s
    return logs, inverse


#: rows per block of :func:`_alive_rows` (its few temporaries stay in the CPU cache)
_ALIVE_BLOCK = 1 << 15


def _alive_rows(p: FloatArray, h: FloatArray, out: FloatArray) -> None:
    """P(alive at ``T``) per row: FHL (2005) eq. 13 (MBG/NBD with ``m = 1``).

    ``1 / (1 + e^d)`` with ``d = log(a/(b + x + m - 1)) + (r + x) log((α + T)/(α + t_x))``,
    1 when ``x + m = 0``.  The rows go through numpy's ufuncs in blocks: one
    ``log`` of the ratio, one of ``b + x + m - 1`` and one ``exp`` a row,
    vectorised, which is several times faster than numba's scalar ``log`` and
    ``exp``; a block where ``e^d`` would overflow (``d > 700``) is computed as
    ``e^-d / (1 + e^-d)`` where ``d > 0``, so tiny probabilities keep their
    digits.  Many rows are split over threads
    (:func:`custvalue._core.jit.split_blocks`), with the same result.
    """
    r, alpha, a, b, m = (float(v) for v in p[:5])
    x, tx, t_obs = h[0], h[1], h[2]
    log_a = math.log(a)

    def rows(lo: int, hi: int) -> None:
        q = np.empty(_ALIVE_BLOCK)
        e = np.empty(_ALIVE_BLOCK)
        for s in range(lo, hi, _ALIVE_BLOCK):
            k = min(hi - s, _ALIVE_BLOCK)
            xs, d, u, o = x[s : s + k], q[:k], e[:k], out[s : s + k]
            np.add(t_obs[s : s + k], alpha, out=d)
            np.add(tx[s : s + k], alpha, out=u)
            np.divide(d, u, out=d)
            np.log(d, out=d)
            np.add(xs, r, out=u)
            np.multiply(d, u, out=d)
            # x + m - 1 >= 0 in every row (rows x + m = 0 are set to 1 at the end), so that
            # no NaN or inf slows down the vectorised log and exp
            np.maximum(xs, 1.0 - m, out=u)
            u += b + m - 1.0
            np.log(u, out=u)
            np.subtract(log_a, u, out=u)
            d += u
            if d.max(initial=-np.inf) <= 700.0:
                np.exp(d, out=u)
                u += 1.0
                np.divide(1.0, u, out=o)
            else:  # e^d would overflow: e^-|d| / (1 + e^-|d|) where d > 0
                np.abs(d, out=u)
                np.negative(u, out=u)
                np.exp(u, out=u)
                np.divide(np.where(d > 0.0, u, 1.0), u + 1.0, out=o)
            if m == 0.0:
                np.putmask(o, xs == 0.0, 1.0)

    split_blocks(rows, out.size)


def _conditional_rows(pp: FloatArray, h: FloatArray, t: FloatArray, out: FloatArray) -> None:
    """Compute expected purchases in ``(T, T+t]`` of a customer alive at ``T`` (NaN: too long).

    ``pp`` = ``(r, alpha, a, b, m)`` as a ``(1, 5)`` row, or one row per
    customer (``(n, 5)``); ``h`` the ``(3, n)`` histories ``(x, t_x, T)``.
    The expectation is the series :func:`~custvalue._clv.kernels.nb_geometric_mean`
    in ``z = t/(α + T + t)``.  With one parameter row, the rows of a cell (a
    frequency and an eighth of a binade of ``w = 1 − z``, :func:`_count_cells`)
    that holds at least :data:`_NODES` rows read it from a Chebyshev
    interpolant of the cell instead (:func:`_interpolants`; a dozen series
    per cell instead of one per row), which agrees with the series to about
    1e-14 relative (tested to 1e-12, and against mpmath's 2F1).  Which of the
    two a row gets depends on the other rows of the call, so a customer's
    value may differ in its last digits between calls.  Each row is
    independent: many rows (and cells) are split over threads
    (:func:`custvalue._core.jit.chunk_bounds`), with the same result.
    """
    n = t.size
    if pp.shape[0] == 1 and n >= _NODES:
        table = _interpolant_table(pp[0], h[0], h[2], t)
    else:
        none = np.empty(0, dtype=np.int32)
        table = (none, np.empty(0), none, np.empty((0, _NODES)))
    args = (pp, h, t, table, out)
    split_rows(_conditional_kernel, _conditional_chunks, n, (args,), heavy=True)


#: each row's cell and place in it, each cell's row of coefficients (-1: none), the coefficients
Table = tuple[npt.NDArray[np.int32], FloatArray, npt.NDArray[np.int32], FloatArray]
#: the expectation kernel's parameters, histories, horizons, interpolants and output
ConditionalArgs = tuple[FloatArray, FloatArray, FloatArray, Table, FloatArray]


def _interpolant_table(p: FloatArray, x: FloatArray, t_obs: FloatArray, t: FloatArray) -> Table:
    """Each row's cell and place in it, each cell's row in the coefficients, the coefficients.

    Interpolants are built for the cells of at least :data:`_NODES` rows and
    kept where their coefficients decay (:func:`_interpolants`; -1: none).
    """
    cells, u, counts = _count_cells(p, x, t_obs, t)
    candidates = np.flatnonzero(counts >= _NODES).astype(np.int64)
    coef, ok = _interpolants(p, candidates)
    slots = np.full(counts.size, -1, dtype=np.int32)
    slots[candidates[ok]] = np.arange(candidates.size, dtype=np.int32)[ok]
    return cells, u, slots, coef


@jit_threads
def _conditional_chunks(bounds: npt.NDArray[np.int64], args: ConditionalArgs) -> None:
    pp, h, t, table, out = args  # a tuple of arrays cannot enter prange whole
    cells, u, slots, coef = table
    for c in prange(bounds.size - 1):
        _conditional_kernel(bounds[c], bounds[c + 1], (pp, h, t, (cells, u, slots, coef), out))


@jit
def _conditional_kernel(lo: int, hi: int, args: ConditionalArgs) -> None:
    """:func:`_conditional_rows` on rows ``lo:hi`` (no cells: the series everywhere)."""
    pp, h, t, table, out = args
    cells, u, slots, coef = table
    x, t_obs = h[0], h[2]
    one = pp.shape[0] == 1
    tabled = cells.shape[0] > 0
    for i in range(lo, hi):
        j = 0 if one else i
        ti = t[i]
        z = ti / (pp[j, 1] + t_obs[i] + ti)
        if tabled and cells[i] >= 0 and slots[cells[i]] >= 0:
            out[i] = z * _clenshaw(coef[slots[cells[i]]], u[i])
        else:
            out[i] = nb_geometric_mean(pp[j, 0] + x[i], z, pp[j, 2], pp[j, 3] + x[i] + pp[j, 4])


# ----------------------------------------------------------------------------------------
# the expectation given alive of many rows: Chebyshev interpolants per frequency and cell
# ----------------------------------------------------------------------------------------
#: A cell is a frequency ``x < _TABLE_X`` and an eighth (``_PIECES``) of a binade
#: ``[2^-(k+1), 2^-k)`` of ``w = 1 − z = (α + T)/(α + T + t)``, ``k < _BANDS``.  On a cell
#: ``E/z`` is analytic in ``w`` and its only singularity (``w = 0``) lies at least 17
#: half-widths away, so the Chebyshev coefficients of degree ``_NODES − 1`` fall by a
#: factor of about 34 per degree; a cell is kept only when its last two coefficients
#: are below ``_TAIL`` of the sum of all.
_PIECES = 8
_BANDS = 40
_TABLE_X = 256
_NODES = 11
_TAIL = 1e-13
_THETA = np.pi * (np.arange(_NODES) + 0.5) / _NODES
#: ``_CHEB[k, i]``: the weight of the value at node ``cos(_THETA[i])`` in coefficient ``k``
_CHEB: FloatArray = np.ascontiguousarray(
    (2.0 / _NODES) * np.cos(np.outer(np.arange(_NODES), _THETA))
)
_CHEB[0] *= 0.5
_NODE_U: FloatArray = np.ascontiguousarray(np.cos(_THETA))


@jit
def _count_cells(
    p: FloatArray, x: FloatArray, t_obs: FloatArray, t: FloatArray
) -> tuple[npt.NDArray[np.int32], FloatArray, npt.NDArray[np.int64]]:
    """Each row's cell (-1: none) and place ``u`` in it, and the number of rows of each cell.

    The binade of ``w`` is its exponent and the piece the top three bits of its
    fraction; ``u`` in ``[-1, 1)`` is the rest of the fraction.
    """
    n = t.shape[0]
    cells = np.empty(n, dtype=np.int32)
    u = np.empty(n)
    counts = np.zeros(_TABLE_X * _BANDS * _PIECES, dtype=np.int64)
    for i in range(n):
        base = p[1] + t_obs[i]
        u[i] = base / (base + t[i])  # w, read as bits below
    bits = u.view(np.int64)
    for i in range(n):
        word = bits[i]
        w = u[i]
        band = 1022 - (word >> 52)  # w in [2^-(band+1), 2^-band)
        c = -1
        if x[i] < _TABLE_X and 0 <= band < _BANDS and 0.0 < w < 1.0:
            c = (int(x[i]) * _BANDS + band) * _PIECES + ((word >> 49) & (_PIECES - 1))
            counts[c] += 1
        u[i] = (word & ((1 << 49) - 1)) * 2.0**-48 - 1.0
        cells[i] = c
    return cells, u, counts


@jit
def _interpolants(p: FloatArray, cells: npt.NDArray[np.int64]) -> tuple[FloatArray, BoolArray]:
    """Chebyshev coefficients of ``E/z`` on each of ``cells``, and whether each is kept.

    Eleven series a cell (about 6 µs), serially: far fewer cells than rows.
    """
    r, a, b, m = p[0], p[2], p[3], p[4]
    coef = np.empty((cells.shape[0], _NODES))
    ok = np.empty(cells.shape[0], dtype=np.bool_)
    values = np.empty(_NODES)
    for q in range(cells.shape[0]):
        c = cells[q]
        x = float(c // (_BANDS * _PIECES))
        band = (c // _PIECES) % _BANDS
        piece = c % _PIECES
        good = True
        for i in range(_NODES):
            mantissa = 0.5 + (piece + 0.5 * (_NODE_U[i] + 1.0)) / 16.0
            z = 1.0 - math.ldexp(mantissa, -band)
            values[i] = nb_geometric_mean(r + x, z, a, b + x + m) / z
            good &= np.isfinite(values[i])
        tail = 0.0
        total = 0.0
        for k in range(_NODES):
            ck = 0.0
            for i in range(_NODES):
                ck += _CHEB[k, i] * values[i]
            coef[q, k] = ck
            total += abs(ck)
            if k >= _NODES - 2:
                tail += abs(ck)
        ok[q] = good and tail <= _TAIL * total
    return coef, ok


@jit
def _clenshaw(c: FloatArray, u: float) -> float:
    """Return ``Σ_k c[k] T_k(u)`` (Chebyshev polynomials of the first kind)."""
    b1 = 0.0
    b2 = 0.0
    for k in range(c.shape[0] - 1, 0, -1):
        b1, b2 = float(c[k]) + 2.0 * u * b1 - b2, b1
    return float(c[0]) + u * b1 - b2


def _conditional_fallback(
    params: tuple[Any, ...], m: float, x: FloatArray, t_obs: FloatArray, t: FloatArray
) -> FloatArray:
    """Evaluate FHL (2005) eq. 10 without the P(alive) factor with ``scipy.special.hyp2f1``.

    Used only where the positive series would need more than 2·10⁷ terms
    (horizons vastly longer than the observed history).  ``params`` are
    ``(r, alpha, a, b)``, floats or one value per row.
    """
    r, alpha, a, b = params
    z = t / (alpha + t_obs + t)
    c = a + b + x - 1.0 + m
    a = np.where(a == 1.0, math.nextafter(1.0, 2.0), a)
    # Euler transformation keeps the parameters of 2F1 small for heavy buyers.
    f2 = special.hyp2f1(c - r - x, a - 1.0, c, z)
    # log(1 - z) from the terms themselves: 1 - z underflows for horizons of 1e16 and beyond
    log_1mz = np.log(alpha + t_obs) - np.log(alpha + t_obs + t)
    out = c * (1.0 - np.exp((a - 1.0) * log_1mz) * f2) / (a - 1.0)
    return np.asarray(out, dtype=np.float64)


def _bg_pmf(
    r: float | FloatArray,
    alpha: float | FloatArray,
    a: float | FloatArray,
    b: float | FloatArray,
    m: float,
    nn: FloatArray,
    tt: FloatArray,
) -> FloatArray:
    """``P(X(t) = n)`` of a new customer (FHL 2005 eq. 8; MBG/NBD with ``m = 1``), vectorised.

    The parameters may be arrays (one per row): history-based probabilities
    use the posterior parameters, models with covariates each customer's.
    """
    z = tt / (alpha + tt)
    log_nb = (
        special.gammaln(r + nn)
        - special.gammaln(r)
        - special.gammaln(nn + 1.0)
        + r * np.log(alpha / (alpha + tt))
        + special.xlogy(nn, z)
    )
    bl_ab = special.betaln(a, b)
    first = np.exp(special.betaln(a, b + nn + m) - bl_ab + log_nb)
    has2 = nn + m > 0
    a_full, b_full = np.broadcast_to(a, nn.shape), np.broadcast_to(b, nn.shape)
    coef = np.zeros_like(first)
    coef[has2] = np.exp(
        special.betaln(a_full[has2] + 1.0, b_full[has2] + nn[has2] + m - 1.0)
        - np.broadcast_to(bl_ab, nn.shape)[has2]
    )
    # P(N(t) >= n) for the negative binomial count, without cancellation
    r_full = np.broadcast_to(r, nn.shape)
    tail = np.where(nn > 0, special.betainc(np.maximum(nn, 1.0), r_full, z), 1.0)
    return np.asarray(np.clip(first + coef * tail, 0.0, 1.0), dtype=np.float64)


@jit
def _survival_kernel(
    pp: FloatArray, x: FloatArray, t_obs: FloatArray, t: FloatArray, out: FloatArray
) -> None:
    """P(alive at T + t | alive at T): ``E[(1 - p)^N]``, N ~ NB(r + x, t / (α + T + t)).

    ``pp`` as for :func:`_conditional_rows`: the dropout probability is
    ``Beta(a, b + m + x)``.  Series of positive terms
    ``P(N = k) B(a, b + x + k) / B(a, b + x)``; NaN where more than 2·10⁷
    terms would be needed (then evaluated with ``scipy.special.hyp2f1``).
    """
    one = pp.shape[0] == 1
    for i in range(x.shape[0]):
        j = 0 if one else i
        rr = pp[j, 0] + x[i]
        bb = pp[j, 3] + pp[j, 4] + x[i]
        a = pp[j, 2]
        z = t[i] / (pp[j, 1] + t_obs[i] + t[i])
        if z == 0.0:
            out[i] = 1.0
            continue
        # k = 0 term: P(N = 0) = (1 - z)^rr, beta ratio 1
        log0 = rr * math.log1p(-z)
        if log0 < -700.0:
            out[i] = np.nan
            continue
        term = math.exp(log0)
        total = term
        k = 0
        ok = False
        while k < 20_000_000:
            term *= (rr + k) / (k + 1.0) * z * (bb + k) / (a + bb + k)
            total += term
            k += 1
            if term <= 1e-17 * total and k > (rr - 1.0) * z / (1.0 - z):
                ok = True
                break
        out[i] = min(total, 1.0) if ok else np.nan


# ----------------------------------------------------------------------------------------
# shared model class
# ----------------------------------------------------------------------------------------
class _BetaGeoBase(BetaGeometricModel[Any]):
    """Fit, predictions and simulation shared by BG/NBD (``_m = 0``) and MBG/NBD (``_m = 1``)."""

    # -- hooks of the fit template and of the history predictions --------------------
    _kernel = staticmethod(_loglik_kernel)
    _conditional_uses_recency = False
    _alive_in_closed_form = True
    # alpha_i = alpha exp(-gamma_purchase'z); a_i, b_i = a, b exp(gamma_dropout'z)
    _covariate_links: ClassVar[CovariateLinks] = {
        "purchase": ((1, -1.0),),
        "dropout": ((2, 1.0), (3, 1.0)),
    }

    def _start_from_means(self, mean_x: float, mean_t: float) -> FloatArray:
        return np.array([1.0, mean_t / (mean_x + 1.0), 1.0, 1.0])

    def _neg_log_lik_hessian(self, prepared: Any) -> NegLogLikHessian | None:
        (x, tx, t_obs), w = prepared
        t_index, t_values = value_index(t_obs)
        tx_index, tx_values = value_index(tx)
        no_rows = np.empty((2, 0))

        def neg_ll(theta: FloatArray) -> tuple[float, FloatArray, FloatArray]:
            grad = np.empty(4)
            hess = np.empty((4, 4))
            ll = _loglik_terms(
                self._kernel_params(theta),
                x,
                w,
                (t_index, tx_index),
                (t_values, tx_values),
                no_rows,
                grad,
                hess,
            )
            return -ll, -grad, -hess

        return neg_ll

    def _alive(self, h: FloatArray) -> FloatArray:
        # the model's own parameters (with covariates: HistoryModel._alive_at)
        out = np.empty(h.shape[1])
        _alive_rows(self._kernel_params(np.array(self._p())), h, out)
        return out

    def _param_rows(self, p: RowParams, n: int) -> FloatArray:
        """``(r, alpha, a, b, m)`` as one ``(1, 5)`` row, or ``(n, 5)`` with per-row parameters."""
        if not per_row(p):
            return np.ascontiguousarray(self._kernel_params(np.array(p))[None, :])
        return np.ascontiguousarray(
            np.column_stack([np.broadcast_to(v, n) for v in (*p, self._m)]), dtype=np.float64
        )

    def _conditional(self, p: RowParams, h: FloatArray, t: FloatArray) -> FloatArray:
        cond = np.empty(t.size)
        _conditional_rows(self._param_rows(p, t.size), h, t, cond)
        bad = np.isnan(cond)
        if bad.any():
            cond[bad] = _conditional_fallback(
                rows_of(p, bad), self._m, h[0][bad], h[2][bad], t[bad]
            )
        return cond

    def expected_purchases_new_customer(
        self, t: object = None, *, data: pd.DataFrame | None = None
    ) -> Any:
        """Return the expected number of repeat purchases ``E[X(t)]`` of a new customer.

        ``t``: a scalar (returns a float), an array, a Series or a column of ``data``.
        """
        res = resolve({"t": t}, data=data)
        _, _, a, b = p = self._params_for(data, res, "expected_purchases_new_customer")
        horizon = np.ascontiguousarray(res.arrays["t"])
        # BG: E[min(N, K)], P(K >= j) = E[(1-p)^(j-1)];  MBG: P(K >= j) = E[(1-p)^j].
        scale = b / (a + b) if self._m else 1.0
        # a new customer is a customer with x = 0 observed for T = 0 (and alive)
        out = self._conditional(p, np.zeros((3, horizon.size)), horizon)
        out *= scale
        return shape_output(out, res, "expected_purchases")

    def probability_of_purchases(
        self, n: object = None, t: object = None, *, data: pd.DataFrame | None = None
    ) -> Any:
        """Return ``P(X(t) = n)``, the probability of ``n`` repeat purchases within ``t``.

        ``n`` (whole numbers) and ``t`` broadcast against each other; a scalar
        pair returns a float.
        """
        res = resolve({"n": n, "t": t}, data=data, integer=("n",))
        r, alpha, a, b = self._params_for(data, res, "probability_of_purchases")
        out = _bg_pmf(r, alpha, a, b, self._m, res.arrays["n"], res.arrays["t"])
        return shape_output(out, res, "probability")

    def _pmf_if_alive(
        self, p: RowParams, x: FloatArray, t_obs: FloatArray, t: FloatArray, n: FloatArray
    ) -> FloatArray:
        # alive at T: λ ~ Gamma(r + x, α + T), p ~ Beta(a, b + x + m), and the future
        # is a new BG/NBD customer's (dropout after each purchase from T on)
        r, alpha, a, b = p
        return _bg_pmf(r + x, alpha + t_obs, a, b + x + self._m, 0.0, n, t)

    def _survival_if_alive(
        self, p: RowParams, x: FloatArray, t_obs: FloatArray, t: FloatArray
    ) -> FloatArray:
        out = np.empty(x.size)
        _survival_kernel(self._param_rows(p, x.size), x, t_obs, t, out)
        bad = np.isnan(out)
        if bad.any():
            r, alpha, a, b = rows_of(p, bad)
            rr, bb = r + x[bad], b + self._m + x[bad]
            z = t[bad] / (alpha + t_obs[bad] + t[bad])
            # Pfaff transformation of 2F1(r', a; a + b'; -t/(α+T)): positive argument
            with np.errstate(all="ignore"):
                log_f = rr * np.log1p(-z) + np.log(special.hyp2f1(rr, bb, a + bb, z))
            out[bad] = np.clip(np.nan_to_num(np.exp(log_f), nan=0.0), 0.0, 1.0)
        return out

    # -- simulation ------------------------------------------------------------------
    def _draw(self, params: tuple[float, ...], t_obs: FloatArray, rng: Generator) -> Columns:
        r, alpha, a, b = params
        n = t_obs.size
        lam = rng.gamma(r, 1.0 / alpha, n)
        p = np.clip(rng.beta(a, b, n), 1e-12, 1.0)
        purchases = rng.poisson(lam * t_obs)
        # BG: dies right after purchase K >= 1; MBG: K >= 0 (may die at the first purchase)
        k = rng.geometric(p) - int(self._m)
        freq = np.minimum(purchases, k)
        alive = purchases < k
        recency = np.zeros(n)
        pos = freq > 0
        # the x-th of N uniform purchase times on [0, T] is T * Beta(x, N - x + 1)
        recency[pos] = t_obs[pos] * rng.beta(freq[pos], purchases[pos] - freq[pos] + 1)
        recency = np.minimum(recency, t_obs)
        return {"frequency": freq.astype(np.int64), "recency": recency, "T": t_obs, "alive": alive}


@fill_doc(MODEL_ERRORS)
class BetaGeoModel(_BetaGeoBase):
    r"""BG/NBD model of Fader, Hardie & Lee (2005), "Counting your customers the easy way".

    While alive, a customer makes repeat purchases as a Poisson process with
    rate :math:`\lambda \sim \mathrm{Gamma}(r, \alpha)`; after each repeat
    purchase the customer drops out for good with probability
    :math:`p \sim \mathrm{Beta}(a, b)`.  A history is summarised by the number
    of repeat purchases :math:`x` (``frequency``), the time of the last one
    :math:`t_x` (``recency``, measured from the first purchase) and the age
    :math:`T` (``T``).

    Methods
    -------
    fit(data=None, *, frequency=None, recency=None, T=None, weights=None, initial_params=None,
    max_iter=2000, tol=1e-9, penalizer=0.0, covariates=None)
        Maximum likelihood.  ``data`` may be the output of
        :func:`custvalue.rfm.rfm_summary` (columns ``frequency``, ``recency``,
        ``T``); arrays passed explicitly win over its columns.  ``weights`` counts
        customers per row.  Identical rows are folded into weights before the
        search, so the cost grows with the number of *distinct* histories.
        Returns ``self`` with ``params_`` (:class:`BetaGeoParams`),
        ``log_likelihood_`` (the full log-likelihood :math:`\sum_i w_i \log L_i`,
        comparable with the paper), ``standard_errors_``, ``converged_``.
        ``covariates=`` (column names of ``data`` or a frame) adds time-invariant
        covariates on :math:`\alpha` and on :math:`a, b` (:doc:`/clv_covariates`).
    individual_log_likelihood(frequency, recency, T, *, data=None)
        :math:`\log L_i` per customer.
    probability_alive(frequency, recency, T, *, data=None)
        :math:`P(\text{alive at } T \mid x, t_x, T)`, eq. (13).
    expected_purchases(t, frequency, recency, T, *, data=None)
        :math:`E[Y(t) \mid x, t_x, T]`, purchases in :math:`(T, T+t]`, eq. (10).
    expected_purchases_new_customer(t, *, data=None)
        :math:`E[X(t)]`, eq. (9).
    probability_of_purchases(n, t, *, data=None)
        :math:`P(X(t) = n)`, eq. (8).
    simulate(n_customers, T, *, seed=None)
        A DataFrame of synthetic customers (``frequency``, ``recency``, ``T``,
        ``alive``), drawn exactly from the model in continuous time for ages
        ``T`` (a scalar or one per customer); the same seed gives the same frame.
    summary()
        Estimates, standard errors and 95 % Wald intervals.

    Raises
    ------
    InputValueError
        For impossible histories (``recency > T``, negative values, fractional
        ``frequency``, ``frequency > 0`` with ``recency == 0`` or
        ``frequency == 0`` with ``recency > 0``); the message names the
        argument and the first offending row.
    %(fit_errors)s

    Notes
    -----
    Likelihood of one customer (eq. 6), evaluated as a log-sum-exp of its two
    terms, with the gradient in closed form (digamma functions):

    .. math::

        L = \frac{B(a, b+x)}{B(a,b)} \frac{\Gamma(r+x)\alpha^r}{\Gamma(r)(\alpha+T)^{r+x}}
          + \delta_{x>0} \frac{B(a+1, b+x-1)}{B(a,b)}
            \frac{\Gamma(r+x)\alpha^r}{\Gamma(r)(\alpha+t_x)^{r+x}}

    Probability alive (eq. 13):

    .. math::

        P(\text{alive}) = \Big[1 + \delta_{x>0}\frac{a}{b+x-1}
            \Big(\frac{\alpha+T}{\alpha+t_x}\Big)^{r+x}\Big]^{-1}

    Expectations.  The closed forms (eqs. 9 and 10) contain
    :math:`{}_2F_1(\cdot)/(a-1)`, which cancels badly near :math:`a = 1` and
    for heavy buyers.  They are evaluated instead through the identity
    :math:`X = \min(N, K)` — :math:`N` the Poisson–gamma (negative binomial)
    count, :math:`K` the purchase after which the customer drops out — as a
    series of positive terms:

    .. math::

        E[X(t)] = \sum_{k \ge 1} P(N(t) = k) \sum_{j=1}^{k} \frac{B(a, b+j-1)}{B(a, b)},
        \qquad N(t) \sim \mathrm{NB}\Big(r, \frac{t}{\alpha+t}\Big),

    and :math:`E[Y(t) \mid x, t_x, T] = P(\text{alive})\,E[\min(N', K')]` with
    :math:`N' \sim \mathrm{NB}(r+x, t/(\alpha+T+t))` and :math:`b \to b+x`
    (the posterior of :math:`\lambda` and :math:`p` given the history and
    survival).  The sum is started at the mode of :math:`N` and stopped at
    double precision; it agrees with eqs. (9)-(10) wherever those are accurate.

    :math:`P(X(t)=n)` (eq. 8) uses the regularised incomplete beta function for
    the negative binomial tail :math:`P(N(t) \ge n)`, avoiding the cancelling
    finite sum of the paper.

    Choices where the paper is silent: the horizon ``t`` of
    ``expected_purchases`` may be a scalar or one value per customer;
    ``T = 0`` (a customer acquired at the end of the window) is allowed and
    contributes :math:`\log L = 0`; standard errors come from the inverse
    Hessian (finite differences of the analytic gradient).

    References
    ----------
    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your
    customers" the easy way: An alternative to the Pareto/NBD model.
    *Marketing Science* 24(2), 275-284.  Equations (6), (8), (9), (10), (13).

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue.clv import BetaGeoModel, BetaGeoParams
    >>> model = BetaGeoModel.from_params(BetaGeoParams(r=0.243, alpha=4.414, a=0.793, b=2.426))
    >>> p = model.probability_alive(frequency=[0, 2, 2], recency=[0.0, 30.43, 5.0],
    ...                             T=[38.86, 38.86, 38.86])
    >>> np.round(p, 3)
    array([1.   , 0.727, 0.124])

    Every prediction takes scalars (a float comes back), array-likes
    (broadcast by numpy's rules), Series (a Series on their index) or
    ``data=`` (a frame with ``frequency``, ``recency``, ``T`` — or their
    ``_cal`` names — giving a Series on its index):

    >>> round(model.expected_purchases(39.0, 2, 30.43, 38.86), 3)
    1.226
    >>> model.expected_purchases([13.0, 26.0, 39.0], 2, 30.43, 38.86).round(3)
    array([0.457, 0.862, 1.226])
    >>> import pandas as pd
    >>> df = pd.DataFrame({"frequency": [2, 0], "recency": [30.43, 0.0], "T": [38.86, 38.86]},
    ...                   index=pd.Index(["ann", "bob"], name="customer"))
    >>> model.probability_alive(df["frequency"], df["recency"], df["T"]).round(3)
    customer
    ann    0.727
    bob    1.000
    Name: probability_alive, dtype: float64
    >>> model.expected_purchases(39.0, data=df).round(3)
    customer
    ann    1.226
    bob    0.195
    Name: expected_purchases, dtype: float64
    >>> sim = model.simulate(3000, T=39.0, seed=1)
    >>> fitted = BetaGeoModel().fit(sim)
    >>> fitted.converged_
    True
    """

    params_type: ClassVar[type[Any]] = BetaGeoParams
    params_: BetaGeoParams
    standard_errors_: BetaGeoParams
    _m: ClassVar[float] = 0.0


class ModifiedBetaGeoModel(_BetaGeoBase):
    r"""MBG/NBD model of Batislam, Denizel & Filiztekin (2007).

    As :class:`BetaGeoModel`, except that a customer may also drop out right
    at the first purchase (time 0), with the same probability :math:`p` as
    after every repeat purchase.  A customer with no repeat purchase is
    therefore not certainly alive.  Same methods as :class:`BetaGeoModel`
    (``fit``, ``individual_log_likelihood``, ``probability_alive``,
    ``expected_purchases``, ``expected_purchases_new_customer``,
    ``probability_of_purchases``, ``simulate``, ``summary``) and the same errors.

    Notes
    -----
    Likelihood (Batislam et al. 2007, eq. 3, as corrected by Wagner & Hoppe 2008):

    .. math::

        L = \frac{\Gamma(r+x)\alpha^r}{\Gamma(r)}\,
            \frac{B(a, b+x+1)}{B(a,b)}\,(\alpha+T)^{-(r+x)}
            \Big[1 + \frac{a}{b+x}\Big(\frac{\alpha+T}{\alpha+t_x}\Big)^{r+x}\Big]

    so :math:`P(\text{alive}) = [1 + \frac{a}{b+x}(\frac{\alpha+T}{\alpha+t_x})^{r+x}]^{-1}`
    for every :math:`x \ge 0`.  With :math:`N(t)` the negative binomial count,

    .. math::

        P(X(t)=n) = \frac{B(a, b+n+1)}{B(a,b)} P(N(t)=n)
                    + \frac{B(a+1, b+n)}{B(a,b)} P(N(t) \ge n),

    :math:`E[X(t)] = \frac{b}{a+b}\sum_k P(N(t)=k)\sum_{j=1}^k \frac{B(a, b+j)}{B(a, b+1)}`
    (equal to :math:`\frac{b}{a-1}[1 - (\frac{\alpha}{\alpha+t})^r
    {}_2F_1(r, b+1; a+b; \frac{t}{\alpha+t})]`) and
    :math:`E[Y(t)\mid x,t_x,T] = P(\text{alive})\frac{a+b+x}{a-1}[1 -
    (\frac{\alpha+T}{\alpha+T+t})^{r+x}{}_2F_1(r+x, b+x+1; a+b+x; \frac{t}{\alpha+T+t})]`,
    evaluated as positive series like the BG/NBD.  These are the formulas of
    the ``lifetimes`` package's ``ModifiedBetaGeoFitter``.

    References
    ----------
    Batislam, E. P., Denizel, M. & Filiztekin, A. (2007). Empirical validation
    and comparison of models for customer base analysis. *International
    Journal of Research in Marketing* 24(3), 201-209.
    Wagner, U. & Hoppe, D. (2008). Erratum on the MBG/NBD model.
    *International Journal of Research in Marketing* 25(3), 225-226.

    Examples
    --------
    >>> from custvalue.clv import ModifiedBetaGeoModel, ModifiedBetaGeoParams
    >>> model = ModifiedBetaGeoModel.from_params(
    ...     ModifiedBetaGeoParams(r=0.525, alpha=6.183, a=0.891, b=1.614))
    >>> round(model.probability_alive(0, 0.0, 38.86), 3)
    0.39
    >>> round(model.probability_of_purchases(0, 39.0), 3)
    0.582
    """

    params_type: ClassVar[type[Any]] = ModifiedBetaGeoParams
    params_: ModifiedBetaGeoParams
    standard_errors_: ModifiedBetaGeoParams
    _m: ClassVar[float] = 1.0
