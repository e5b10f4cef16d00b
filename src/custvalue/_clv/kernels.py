"""Numba kernels and input helpers shared by the BG/NBD, MBG/NBD and Pareto/NBD models.

Contents:

- :func:`log_concave_integral` — ``log ∫ exp(ψ(y)) dy`` for the concave
  exponent ``ψ(y) = k·y − p·log(a + e^y) − q·log(b + e^y)`` together with the
  integrand-weighted means of ``log(a + e^y)``, ``log(b + e^y)``,
  ``1/(a + e^y)`` and ``1/(b + e^y)`` (derivatives under the integral sign);
  :func:`log_concave_moments` adds their covariances (second derivatives).
  Every Pareto/NBD integral has this form;
- :func:`nb_geometric_mean` — ``E[min(N, K)]`` for a negative binomial ``N``
  and a beta-geometric stopping count ``K``: the BG/NBD and MBG/NBD
  expectations as a series of positive terms (no hypergeometric function, no
  cancellation, no singularity at ``a = 1``).

The scalar special functions they use live in :mod:`custvalue._core.special`.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from custvalue._core.jit import jit
from custvalue._core.special import betaln
from custvalue._core.special import digamma

__all__ = [
    "NB_MAX_TERMS",
    "dropout_constants",
    "dropout_terms",
    "erlang_geometric_mean",
    "lgamma_digamma",
    "log_concave_integral",
    "log_concave_moments",
    "log_sum_exp2",
    "nb_geometric_mean",
    "store_row",
    "store_totals",
]

FloatArray = npt.NDArray[np.float64]

# Gauss–Legendre rule on [0, 1] used on every panel of log_concave_integral.
_GL_N = 12
_gl_x, _gl_w = np.polynomial.legendre.leggauss(_GL_N)
GL_NODES: FloatArray = np.ascontiguousarray(0.5 * (_gl_x + 1.0))
GL_WEIGHTS: FloatArray = np.ascontiguousarray(0.5 * _gl_w)

#: Largest drop of ψ across one panel, and largest (slope change × width).
_PANEL_DROP = 6.0
_PANEL_BEND = 2.0
#: Largest panel width in y: log(a + e^y) has singularities at log(a) ± iπ, so panels
#: no wider than 2 keep Gauss–Legendre's Bernstein ellipse clear of them.
_PANEL_WIDTH = 2.0
#: ψ below its maximum by more than this contributes < e^-46 relative: truncated.
_TRUNCATE = 46.0


# ----------------------------------------------------------------------------------------
# ∫ exp(ψ(y)) dy for concave ψ
# ----------------------------------------------------------------------------------------
@jit
def _psi(y: float, k: float, p: float, q: float, a: float, b: float) -> tuple[float, float]:
    e = math.exp(y)
    la = y if a == 0.0 else math.log(a + e)
    lb = y if b == 0.0 else math.log(b + e)
    value = k * y - p * la - q * lb
    slope = k - p * e / (a + e) - q * e / (b + e)
    return value, slope


@jit
def _mode(k: float, p: float, q: float, a: float, b: float) -> float:
    """Root of ψ'(y) = 0 (a quadratic in e^y); -inf when ψ decreases everywhere."""
    qa = p + q - k
    qb = p * b + q * a - k * (a + b)
    qc = k * a * b
    if qc > 0.0:
        disc = math.sqrt(qb * qb + 4.0 * qa * qc)
        e = 2.0 * qc / (qb + disc) if qb > 0.0 else (disc - qb) / (2.0 * qa)
    elif qb < 0.0:
        e = -qb / qa
    else:
        return -np.inf
    return math.log(e)


@jit
def _integrate_side(
    y0: float,
    end: float,
    direction: float,
    top: float,
    shape: tuple[float, float, float, float, float],
    center: tuple[float, float, float, float],
    acc: npt.NDArray[np.float64],
) -> None:
    """Add the panels from ``y0`` (where ψ is largest) towards ``end`` into ``acc``.

    ``shape = (k, p, q, a, b)``.  ``acc[0]`` collects the integral (in units of
    ``e^top``), ``acc[1:5]`` the integrand-weighted deviations of ``log(a+e^y)``,
    ``log(b+e^y)``, ``1/(a+e^y)``, ``1/(b+e^y)`` from ``center`` (their values at
    the mode) and, when ``acc`` has 15 entries, ``acc[5:15]`` the weighted products
    of those deviations (upper triangle, row by row).
    """
    k, p, q, a, b = shape
    second = acc.shape[0] > 5
    ys = y0
    vs, ds = _psi(ys, k, p, q, a, b)
    for _ in range(400):
        remaining = (end - ys) * direction
        if remaining <= 0.0 or vs < top - _TRUNCATE:
            break
        h = min(remaining, _PANEL_WIDTH)
        if abs(ds) > 0.0:
            h = min(h, _PANEL_DROP / abs(ds))
        ye = ys + direction * h
        ve, de = _psi(ye, k, p, q, a, b)
        for _shrink in range(100):
            drop = vs - ve
            bend = abs(de - ds) * h
            if drop <= _PANEL_DROP and bend <= _PANEL_BEND:
                break
            h_new = h
            if drop > _PANEL_DROP:
                # drop(h) is convex and increasing: Newton from above stays above the root
                h_new = h - (drop - _PANEL_DROP) / max(abs(de), 1e-300)
            if bend > _PANEL_BEND:
                h_new = min(h_new, h * 0.95 * math.sqrt(_PANEL_BEND / bend))
            h = max(min(h_new, 0.95 * h), 1e-3 * h)
            ye = ys + direction * h
            ve, de = _psi(ye, k, p, q, a, b)
        for i in range(_GL_N):
            y = ys + direction * h * GL_NODES[i]
            e = math.exp(y)
            ea = a + e
            eb = b + e
            la = y if a == 0.0 else math.log(ea)
            lb = y if b == 0.0 else math.log(eb)
            g = math.exp(k * y - p * la - q * lb - top) * h * GL_WEIGHTS[i]
            u0 = la - center[0]
            u1 = lb - center[1]
            u2 = 1.0 / ea - center[2]
            u3 = 1.0 / eb - center[3]
            acc[0] += g
            acc[1] += g * u0
            acc[2] += g * u1
            acc[3] += g * u2
            acc[4] += g * u3
            if second:
                acc[5] += g * u0 * u0
                acc[6] += g * u0 * u1
                acc[7] += g * u0 * u2
                acc[8] += g * u0 * u3
                acc[9] += g * u1 * u1
                acc[10] += g * u1 * u2
                acc[11] += g * u1 * u3
                acc[12] += g * u2 * u2
                acc[13] += g * u2 * u3
                acc[14] += g * u3 * u3
        ys, vs, ds = ye, ve, de


@jit
def _integrate(
    k: float, p: float, q: float, a: float, b: float, lo: float, hi: float, acc: FloatArray
) -> float:
    """``log I`` (or -inf); ``acc`` (zeros, 5 or 15 entries) gets the moments of ``I``.

    On return ``acc[1:5]`` are the integrand-weighted means of ``log(a+e^y)``,
    ``log(b+e^y)``, ``1/(a+e^y)``, ``1/(b+e^y)`` and, with 15 entries,
    ``acc[5:15]`` their covariances (upper triangle, row by row).  Deviations
    are accumulated from the values at the mode, so the covariances of a
    narrow integrand do not cancel.
    """
    mode = _mode(k, p, q, a, b)
    if mode < lo:
        mode = lo
    if mode > hi:
        mode = hi
    if mode == -np.inf:
        # only reachable with lo = -inf and ψ decreasing everywhere: cannot happen when k > 0
        return -np.inf
    top, _ = _psi(mode, k, p, q, a, b)
    e = math.exp(mode)
    center = (
        mode if a == 0.0 else math.log(a + e),
        mode if b == 0.0 else math.log(b + e),
        1.0 / (a + e),
        1.0 / (b + e),
    )
    shape = (k, p, q, a, b)
    _integrate_side(mode, hi, 1.0, top, shape, center, acc)
    _integrate_side(mode, lo, -1.0, top, shape, center, acc)
    s = acc[0]
    if not s > 0.0:
        return -np.inf
    for j in range(1, 5):
        acc[j] /= s
    if acc.shape[0] > 5:
        pos = 5
        for j in range(1, 5):
            for m in range(j, 5):
                acc[pos] = acc[pos] / s - acc[j] * acc[m]
                pos += 1
    for j in range(4):
        acc[1 + j] += center[j]
    return top + math.log(s)


@jit
def log_concave_integral(
    k: float, p: float, q: float, a: float, b: float, lo: float, hi: float
) -> tuple[float, float, float, float, float]:
    """``log ∫_lo^hi exp(ψ(y)) dy`` with ``ψ(y) = k y − p log(a+e^y) − q log(b+e^y)``.

    Requires ``p, q, k ≥ 0``, ``k < p + q``, ``a, b ≥ 0`` (``a, b > 0`` when
    ``lo = -inf``) and ``lo < hi < inf``.  ψ is concave; its maximum is found in
    closed form, the integral is split there and each side is covered by
    Gauss–Legendre panels over which ψ drops by at most ``_PANEL_DROP`` and its
    slope changes little; panels stop where ψ is ``_TRUNCATE`` below the
    maximum.  Returns ``(log I, m_la, m_lb, m_ia, m_ib)`` where ``m_*`` are the
    means of ``log(a+e^y)``, ``log(b+e^y)``, ``1/(a+e^y)``, ``1/(b+e^y)``
    weighted by the integrand (so that e.g. ``∂ log I / ∂p = −m_la``).
    """
    acc = np.zeros(5)
    log_i = _integrate(k, p, q, a, b, lo, hi, acc)
    if log_i == -np.inf:
        return -np.inf, 0.0, 0.0, 0.0, 0.0
    return log_i, acc[1], acc[2], acc[3], acc[4]


@jit
def log_concave_moments(
    k: float, p: float, q: float, a: float, b: float, lo: float, hi: float, acc: FloatArray
) -> float:
    """:func:`log_concave_integral` with the second moments, for second derivatives.

    Returns ``log I`` (or -inf, ``acc`` all zero); ``acc`` (15 entries,
    overwritten) receives at ``acc[1:5]`` the integrand-weighted means of
    ``u = (log(a+e^y), log(b+e^y), 1/(a+e^y), 1/(b+e^y))`` and at
    ``acc[5:15]`` their covariances ``Cov(u_j, u_m)``, ``j ≤ m``, in the order
    (0,0), (0,1), (0,2), (0,3), (1,1), (1,2), (1,3), (2,2), (2,3), (3,3).
    """
    acc[:] = 0.0
    log_i = _integrate(k, p, q, a, b, lo, hi, acc)
    if log_i == -np.inf:
        acc[:] = 0.0
    return log_i


@jit
def store_row(out: FloatArray, i: int, log_lik: float, alive: float) -> None:
    """Store row ``i``'s log-likelihood and P(alive) in ``out`` (``(2, 0)``: none wanted)."""
    if out.shape[1] > 0:
        out[0, i] = log_lik
        out[1, i] = alive


@jit
def store_totals(acc: FloatArray, grad: FloatArray, hess: FloatArray) -> float:
    """Unpack the sums of a four-parameter likelihood kernel; return the log-likelihood.

    ``acc`` holds the log-likelihood, the gradient (``acc[1:5]``) and the
    upper triangle of the Hessian, row by row (``acc[5:15]``); the Hessian is
    stored only when ``hess`` is ``(4, 4)`` (``(0, 0)``: first order only).
    """
    k = 5
    for u in range(4):
        grad[u] = acc[1 + u]
        for v in range(u, 4):
            if hess.shape[0] > 0:
                hess[u, v] = hess[v, u] = acc[k]
            k += 1
    return float(acc[0])


@jit
def log_sum_exp2(l1: float, l2: float) -> tuple[float, float, float]:
    """Return ``log(e^l1 + e^l2)`` and the shares ``e^l1``, ``e^l2`` of the sum (no overflow)."""
    if l1 >= l2:
        e = math.exp(l2 - l1)
        s = 1.0 / (1.0 + e)
        return l1 + math.log1p(e), s, e * s
    e = math.exp(l1 - l2)
    s = 1.0 / (1.0 + e)
    return l2 + math.log1p(e), e * s, s


@jit
def dropout_constants(a: float, b: float) -> tuple[float, float, float]:
    """``log B(a, b)``, ``ψ(a + b)`` and ``ψ(b)``: the dropout terms common to all rows."""
    return betaln(a, b), digamma(a + b), digamma(b)


@jit
def dropout_terms(
    a: float, b: float, x: float, m: float, log_beta_ab: float
) -> tuple[float, float, float, float, float, bool]:
    """Terms of the beta-geometric dropout after ``x`` repeat purchases (shift ``m``).

    With ``c = b + x + m``: ``log B(a, c)/B(a, b)`` (still alive),
    ``log B(a + 1, c - 1)/B(a, b)`` (dropped out after the last purchase; 0 when
    ``x + m = 0``, then impossible), ``ψ(a + c)``, ``ψ(c)``, ``ψ(c - 1)`` (0
    when impossible) and whether the dropout term exists.
    """
    alive = betaln(a, b + x + m) - log_beta_ab
    dg_abx = digamma(a + b + x + m)
    dg_b1 = digamma(b + x + m)
    if x + m > 0.0:
        dead = betaln(a + 1.0, b + x + m - 1.0) - log_beta_ab
        return alive, dead, dg_abx, dg_b1, digamma(b + x + m - 1.0), True
    return alive, 0.0, dg_abx, dg_b1, 0.0, False


@jit
def lgamma_digamma(v: float) -> tuple[float, float]:
    """Return ``log Γ(v)`` and its derivative ``ψ(v)`` (the per-frequency terms of the kernels)."""
    return math.lgamma(v), digamma(v)


# ----------------------------------------------------------------------------------------
# E[min(N, K)] for the beta-geometric models
# ----------------------------------------------------------------------------------------
#: more terms than this in a negative binomial series: the sum is not attempted
NB_MAX_TERMS = 20_000_000


@jit
def nb_geometric_mean(big_r: float, z: float, a: float, bp: float) -> float:
    """``Σ_k P(N = k) Σ_{j=1..k} B(a, bp + j − 1) / B(a, bp)``.

    ``N`` is negative binomial with ``P(N = k) = Γ(R+k)/(Γ(R) k!) (1−z)^R z^k``
    and ``B(a, bp + j − 1)/B(a, bp) = E[(1−p)^(j−1)]`` for ``p ~ Beta(a, bp)``,
    so the sum is ``E[min(N, K)]`` with ``P(K ≥ j) = E[(1−p)^(j−1)]``.  All
    terms are positive; the sum starts at the mode of ``N`` and walks both ways
    until the remaining terms are below double precision.  Returns NaN if more
    than :data:`NB_MAX_TERMS` terms would be needed (``z`` extremely close to 1).
    The case ``k = 1`` (one stage per purchase) of :func:`erlang_geometric_mean`.
    """
    return erlang_geometric_mean(big_r, z, a, bp, 1, 0)


@jit
def erlang_geometric_mean(
    big_r: float, z: float, a: float, bp: float, k: int, phase: int
) -> float:
    """``Σ_n P(N = n) Σ_{j=1..⌊(n+phase)/k⌋} B(a, bp + j − 1) / B(a, bp)``.

    ``N`` is negative binomial, ``P(N = n) = Γ(R+n)/(Γ(R) n!) (1−z)^R z^n``: the
    number of Erlang stages completed in the horizon, ``phase`` stages being
    already done at its start; ``⌊(N + phase)/k⌋`` is the number of purchases.
    The sum starts at the mode of ``N`` and walks both ways to double precision.
    Returns NaN if more than :data:`NB_MAX_TERMS` terms would be needed.
    """
    if z <= 0.0:
        return 0.0
    log1mz = math.log1p(-z)
    logz = math.log(z)
    mean = big_r * z / (1.0 - z)
    mode = math.floor((big_r - 1.0) * z / (1.0 - z)) if big_r > 1.0 else 0.0
    spread = math.sqrt(big_r * z) / (1.0 - z)
    if mean + 50.0 * spread + 60.0 * k / max(-logz, 1e-300) > NB_MAX_TERMS:
        return np.nan
    n0 = int(mode)
    m0 = (n0 + phase) // k
    ratio = 1.0
    s0 = 0.0
    for j in range(1, m0 + 1):
        s0 += ratio
        ratio *= (bp + j - 1.0) / (a + bp + j - 1.0)
    log_pmf0 = big_r * log1mz
    if n0 > 0:
        # (the log-gamma terms cancel exactly at the mode 0, the common case)
        log_pmf0 = (
            math.lgamma(big_r + n0)
            - math.lgamma(big_r)
            - math.lgamma(n0 + 1.0)
            + big_r * log1mz
            + n0 * logz
        )
    total = s0
    # upward (pmf in units of exp(log_pmf0)); ``ratio`` is ratio_{m+1}
    pmf = 1.0
    s = s0
    r_up = ratio
    mc = m0
    nn = n0
    while True:
        pmf *= (big_r + nn) / (nn + 1.0) * z
        nn += 1
        if (nn + phase) // k > mc:
            mc += 1
            s += r_up
            r_up *= (bp + mc - 1.0) / (a + bp + mc - 1.0)
        term = pmf * s
        total += term
        rho = z * (big_r + nn) / (nn + 1.0)
        if nn > mean and rho < 1.0 and pmf * (s + nn + 1.0) < 1e-17 * total * (1.0 - rho):
            break
        if pmf == 0.0 or nn - n0 > NB_MAX_TERMS:
            break
    # downward; ``r_dn`` is ratio_{m+1}
    pmf = 1.0
    s = s0
    r_dn = ratio
    mc = m0
    nn = n0
    while nn > 0 and s > 0.0:
        pmf *= nn / ((big_r + nn - 1.0) * z)
        nn -= 1
        if (nn + phase) // k < mc:
            r_dn *= (a + bp + mc - 1.0) / (bp + mc - 1.0)
            s -= r_dn
            mc -= 1
        term = pmf * s
        total += term
        if term < 1e-18 * total:
            break
    return total * math.exp(log_pmf0)
