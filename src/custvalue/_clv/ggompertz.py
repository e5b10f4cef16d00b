r"""GGompertz/NBD: Poisson purchases with gamma heterogeneity, Gompertz lifetimes.

Bemmaor & Glady (2012): while alive a customer buys as a Poisson process with
rate :math:`\lambda \sim \mathrm{Gamma}(r, \alpha)`; the lifetime is Gompertz,
:math:`S(t \mid \eta) = \exp(-\eta(e^{bt} - 1))`, with
:math:`\eta \sim \mathrm{Gamma}(s, \beta)` across customers, so that
:math:`S(t) = (\beta / (\beta + e^{bt} - 1))^s`.  As :math:`b \to 0` with
:math:`\beta / b` fixed it becomes the Pareto/NBD.

The likelihood and the expectations need one-dimensional integrals over the
lifetime; they are computed by adaptive Gauss–Kronrod (7/15 points) quadrature
in numba kernels, the likelihood together with its exact gradient (the
derivatives are integrated with the same rule).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any
from typing import ClassVar

import numpy as np
import numpy.typing as npt
import pandas as pd
from numpy.random import Generator

from custvalue._clv.base import Columns
from custvalue._clv.base import HistoryModel
from custvalue._clv.base import PositiveParams
from custvalue._clv.kernels import lgamma_digamma
from custvalue._clv.kernels import store_row
from custvalue._core.jit import jit
from custvalue._core.shape import resolve
from custvalue._core.shape import shape_output
from custvalue._core.special import digamma

__all__ = ["GGompertzNBDModel", "GGompertzNBDParams"]

FloatArray = npt.NDArray[np.float64]

# Gauss–Kronrod 7/15 nodes on [-1, 1] (non-negative half; the last node is 0)
_XGK = np.array(
    [
        0.991455371120812639206854697526329,
        0.949107912342758524526189684047851,
        0.864864423359769072789712788640926,
        0.741531185599394439863864773280788,
        0.586087235467691130294144845693013,
        0.405845151377397166906606412076961,
        0.207784955007898467600689403773245,
        0.0,
    ]
)
_WGK = np.array(
    [
        0.022935322010529224963732008058970,
        0.063092092629978553290700663189204,
        0.104790010322250183839876322541518,
        0.140653259715525918745189590510238,
        0.169004726639267902826583426598550,
        0.190350578064785409913256402421014,
        0.204432940075298892414161999234649,
        0.209482141084727828012999174891714,
    ]
)
# 7-point Gauss weights of the nodes _XGK[1], _XGK[3], _XGK[5], _XGK[7]
_WG = np.array(
    [
        0.129484966168869693270611432679082,
        0.279705391489276667901467771423780,
        0.381830050505118944950369775488975,
        0.417959183673469387755102040816327,
    ]
)
_MAX_PANELS = 400
_MAX_EVALS = 4000
_RTOL = 1e-12


@dataclasses.dataclass(frozen=True, slots=True)
class GGompertzNBDParams(PositiveParams):
    r"""Parameters of the GGompertz/NBD model, named as in Bemmaor & Glady (2012).

    Attributes
    ----------
    r, alpha : float
        Gamma distribution (shape, rate) of the purchase rate :math:`\lambda`.
    b : float
        Gompertz scale (the same for every customer), in 1 / time unit.
    s, beta : float
        Gamma distribution (shape, rate) of the Gompertz parameter :math:`\eta`.
    """

    r: float
    alpha: float
    b: float
    s: float
    beta: float


# ----------------------------------------------------------------------------------------
# kernels
# ----------------------------------------------------------------------------------------
# What an adaptive integral integrates (the ``kind`` of :func:`_integrate`), with the
# arguments it reads from ``a``:
_DENSITY = 0  # (r, alpha, b, s, beta, x, c, log(s b), log(beta)): _density_terms
_SURVIVAL = 1  # (b, s, beta_star, grow): the survival of the remaining lifetime


@jit
def _density_terms(tau: float, a: FloatArray, out: FloatArray) -> None:
    """``g(τ) = (α+τ)^-(r+x) f(τ) e^-c`` (``f`` the lifetime density) and ``g·∂log g``."""
    r, alpha, b, s, beta, x, c = a[0], a[1], a[2], a[3], a[4], a[5], a[6]
    log_sb, log_beta = a[7], a[8]
    em = math.expm1(b * tau)
    q = beta + em
    la = math.log(alpha + tau)
    lg = -(r + x) * la + log_sb + b * tau + s * log_beta - (s + 1.0) * math.log(q)
    g = math.exp(lg - c)
    out[0] = g
    out[1] = -g * la
    out[2] = -g * (r + x) / (alpha + tau)
    out[3] = g * (1.0 / b + tau - (s + 1.0) * tau * (em + 1.0) / q)
    out[4] = g * (1.0 / s + log_beta - math.log(q))
    out[5] = g * (s / beta - (s + 1.0) / q)


@jit
def _integrand(kind: int, tau: float, a: FloatArray, out: FloatArray) -> None:
    """Evaluate the integrand ``kind`` at ``tau`` into ``out``.

    ``_DENSITY``: the 6 components of :func:`_density_terms`; ``_SURVIVAL``:
    ``(β*/(β* + grow·(e^{bτ}−1)))^s`` into ``out[0]``.
    """
    if kind == _DENSITY:
        _density_terms(tau, a, out)
    else:
        b, s, beta_star, grow = a[0], a[1], a[2], a[3]
        out[0] = math.exp(-s * math.log1p(grow * math.expm1(b * tau) / beta_star))


@jit
def _gk_panel(
    kind: int, lo: float, hi: float, a: FloatArray, res: FloatArray, buf: FloatArray
) -> float:
    """Kronrod estimate of the integrals of the integrand ``kind`` on [lo, hi] into ``res``.

    One integral per element of ``res``; returns the error estimate |K15 − G7|
    of the first.
    """
    half = 0.5 * (hi - lo)
    mid = 0.5 * (hi + lo)
    n = res.shape[0]
    for j in range(n):
        res[j] = 0.0
    gauss = 0.0
    for i in range(8):
        for sign in (-1.0, 1.0):
            if i == 7 and sign > 0.0:
                continue
            _integrand(kind, mid + sign * half * _XGK[i], a, buf)
            for j in range(n):
                res[j] += _WGK[i] * buf[j]
            if i % 2 == 1:
                gauss += _WG[i // 2] * buf[0]
    for j in range(n):
        res[j] *= half
    return float(abs(res[0] - gauss * half))


@jit
def _panel_done(
    err: float, scale: float, share: float, value: float, top: int, evals: int
) -> bool:
    """Whether a panel of the adaptive integration is accurate enough (or cannot be split).

    ``share`` is the panel's part of the whole interval, ``scale`` the first
    estimate of the whole integral, ``top`` the height of the panel stack and
    ``evals`` the panels evaluated so far: after ``_MAX_EVALS`` panels the rest
    are taken as they are.  The tolerance is relative to the first estimate, so
    where that estimate is far too small (a spike it misses, at the extreme
    parameters an optimiser may try) every panel would otherwise be split down
    to ``share < 1e-12``: about 2**40 panels.
    """
    return (
        err <= max(_RTOL * scale * share, 1e-15 * abs(value))
        or top + 2 >= _MAX_PANELS
        or evals >= _MAX_EVALS
        or share < 1e-12
    )


@jit
def _integrate(
    kind: int, lo: float, hi: float, a: FloatArray, total: FloatArray, work: FloatArray
) -> None:
    """Adaptive Gauss–Kronrod integrals of the integrand ``kind`` over [lo, hi] into ``total``.

    ``total`` has one element per component of the integrand (6 for
    ``_DENSITY``, 1 for ``_SURVIVAL``); an empty interval (``hi <= lo``)
    gives zeros.  ``work`` is scratch space of shape ``(4, _MAX_PANELS)``
    (the panel stack, a panel's estimates and the integrand's values), so
    that a kernel integrating row after row allocates it once.
    """
    n = total.shape[0]
    for j in range(n):
        total[j] = 0.0
    if hi <= lo:
        return
    stack_lo, stack_hi, res, buf = work[0], work[1], work[2, :n], work[3]
    _gk_panel(kind, lo, hi, a, res, buf)
    scale = abs(res[0])
    stack_lo[0] = lo
    stack_hi[0] = hi
    top = 1
    width = hi - lo
    evals = 0
    while top > 0:
        top -= 1
        evals += 1
        a0 = stack_lo[top]
        a1 = stack_hi[top]
        err = _gk_panel(kind, a0, a1, a, res, buf)
        share = (a1 - a0) / width
        if _panel_done(err, scale, share, res[0], top, evals):
            for j in range(n):
                total[j] += res[j]
        else:
            # the two halves of [a0, a1] on the stack
            m = 0.5 * (a0 + a1)
            stack_lo[top] = m
            stack_hi[top] = a1
            stack_lo[top + 1] = a0
            stack_hi[top + 1] = m
            top += 2


@jit
def _loglik_kernel(
    p: FloatArray, h: FloatArray, w: FloatArray, out: FloatArray, grad: FloatArray
) -> float:
    """Weighted log-likelihood and gradient; per-row LL and P(alive) (``HistoryModel._kernel``)."""
    r, alpha, b, s, beta = p[0], p[1], p[2], p[3], p[4]
    x, tx, t_obs = h[0], h[1], h[2]
    n = x.shape[0]
    log_alpha = math.log(alpha)
    log_beta = math.log(beta)
    log_sb = math.log(s * b)
    dg_r = digamma(r)
    integral = np.zeros(6)
    args = np.array([r, alpha, b, s, beta, 0.0, 0.0, log_sb, log_beta])  # x and c set per row
    work = np.empty((4, _MAX_PANELS))
    total = 0.0
    for j in range(5):
        grad[j] = 0.0
    prev = -1.0
    lg_rx = 0.0
    dg_rx = 0.0
    for i in range(n):
        xi = x[i]
        if xi != prev:
            prev = xi
            lg_rx, dg_rx = lgamma_digamma(r + xi)
        ti = t_obs[i]
        em_t = math.expm1(b * ti)
        q_t = beta + em_t
        la_t = math.log(alpha + ti)
        log_a = -(r + xi) * la_t + s * (log_beta - math.log(q_t))
        w_a = 1.0
        w_i = 0.0
        lse = log_a
        if ti > tx[i]:
            lo = tx[i]
            # offset: the larger log-integrand of the two ends keeps g near 1
            c = -np.inf
            for tau in (lo, ti, 0.5 * (lo + ti)):
                q = beta + math.expm1(b * tau)
                v = (
                    -(r + xi) * math.log(alpha + tau)
                    + log_sb
                    + b * tau
                    + s * log_beta
                    - (s + 1.0) * math.log(q)
                )
                c = max(c, v)
            args[5] = xi
            args[6] = c
            _integrate(_DENSITY, lo, ti, args, integral, work)
            if integral[0] > 0.0:
                log_i = c + math.log(integral[0])
                big = max(log_a, log_i)
                lse = big + math.log(math.exp(log_a - big) + math.exp(log_i - big))
                w_a = math.exp(log_a - lse)
                w_i = math.exp(log_i - lse)
        li = lg_rx - math.lgamma(r) + r * log_alpha + lse
        wi = w[i]
        total += wi * li
        store_row(out, i, li, w_a)
        inv = w_i / integral[0] if w_i > 0.0 else 0.0
        grad[0] += wi * (dg_rx - dg_r + log_alpha - w_a * la_t + inv * integral[1])
        grad[1] += wi * (r / alpha - w_a * (r + xi) / (alpha + ti) + inv * integral[2])
        grad[2] += wi * (-w_a * s * ti * (em_t + 1.0) / q_t + inv * integral[3])
        grad[3] += wi * (w_a * (log_beta - math.log(q_t)) + inv * integral[4])
        grad[4] += wi * (w_a * (s / beta - s / q_t) + inv * integral[5])
    return total


@jit
def _conditional_kernel(p: FloatArray, h: FloatArray, t: FloatArray, out: FloatArray) -> None:
    """Compute expected purchases in ``(T, T+t]`` of a customer alive at ``T``.

    ``E[λ | x, T] · E[time alive in (T, T+t] | alive at T]``; given survival to
    ``T``, ``η ~ Gamma(s, β + e^{bT} − 1)`` and the remaining lifetime has
    survival ``(β*/(β* + e^{bT}(e^{bτ} − 1)))^s``.  ``p`` = ``(r, alpha, b, s, beta)``,
    ``h`` the ``(3, n)`` histories ``(x, t_x, T)``.
    """
    r, alpha, b, s, beta = p[0], p[1], p[2], p[3], p[4]
    x, t_obs = h[0], h[2]
    args = np.array([b, s, 0.0, 0.0])  # beta_star and grow set per row
    integral = np.zeros(1)
    work = np.empty((4, _MAX_PANELS))
    for i in range(x.shape[0]):
        ti = t_obs[i]
        args[2] = beta + math.expm1(b * ti)
        args[3] = math.exp(b * ti)
        _integrate(_SURVIVAL, 0.0, t[i], args, integral, work)
        out[i] = (r + x[i]) / (alpha + ti) * integral[0]


# ----------------------------------------------------------------------------------------
# model class
# ----------------------------------------------------------------------------------------
class GGompertzNBDModel(HistoryModel[GGompertzNBDParams]):
    r"""GGompertz/NBD model of Bemmaor & Glady (2012): Gompertz lifetimes, NBD purchasing.

    While alive, a customer buys as a Poisson process with rate
    :math:`\lambda \sim \mathrm{Gamma}(r, \alpha)`; the lifetime has
    :math:`S(t \mid \eta) = \exp(-\eta (e^{bt} - 1))` (Gompertz, increasing
    hazard :math:`\eta b e^{bt}`), :math:`\eta \sim \mathrm{Gamma}(s, \beta)`.
    The Pareto/NBD is the limit :math:`b \to 0` with :math:`\beta/b` fixed.

    Methods
    -------
    fit(data=None, *, frequency=None, recency=None, T=None, weights=None, initial_params=None,
    max_iter=2000, tol=1e-9)
        Maximum likelihood, as :class:`BetaGeoModel`; ``params_`` is a
        :class:`GGompertzNBDParams`.
    individual_log_likelihood(frequency, recency, T, *, data=None)
        :math:`\log L_i` per customer.
    probability_alive(frequency, recency, T, *, data=None)
        :math:`P(\text{alive at } T \mid x, t_x, T)`.
    expected_purchases(t, frequency, recency, T, *, data=None)
        Expected purchases in :math:`(T, T+t]` given the history.
    expected_purchases_new_customer(t, *, data=None)
        :math:`E[X(t)]` of a customer who made the first purchase at time 0.
    simulate(n_customers, T, *, seed=None)
        A DataFrame (``frequency``, ``recency``, ``T``, ``alive``) drawn
        exactly from the model; ``fit`` takes it.
    summary()
        Estimates, standard errors and 95 % Wald intervals.

    Raises
    ------
    InputValueError
        For impossible histories (as :class:`BetaGeoModel`).
    ConvergenceError
        When the optimizer fails or runs to the edge of the parameter space
        (e.g. data without visible Gompertz ageing drive :math:`b \to 0`).
    NotFittedError
        When a prediction is asked of a model without parameters.

    Notes
    -----
    With :math:`S(t) = (\beta/(\beta + e^{bt} - 1))^s` and its density
    :math:`f(t) = s b e^{bt} \beta^s (\beta + e^{bt} - 1)^{-(s+1)}`, the
    likelihood of a history (Bemmaor & Glady 2012, eq. 6) is

    .. math::

        L = \frac{\Gamma(r+x)\alpha^r}{\Gamma(r)} \Big[
            \frac{S(T)}{(\alpha+T)^{r+x}}
            + \int_{t_x}^{T} \frac{f(\tau)}{(\alpha+\tau)^{r+x}}\, d\tau \Big],

    and :math:`P(\text{alive})` is the share of the first term.  The integral
    and its derivatives are computed by adaptive Gauss–Kronrod quadrature
    (relative tolerance :math:`10^{-12}`).  Given survival to :math:`T`,
    :math:`\lambda \sim \mathrm{Gamma}(r+x, \alpha+T)` and
    :math:`\eta \sim \mathrm{Gamma}(s, \beta^*)`, :math:`\beta^* = \beta + e^{bT} - 1`, so

    .. math::

        E[Y(t) \mid x, t_x, T] = P(\text{alive}) \frac{r+x}{\alpha+T}
            \int_0^t \Big(\frac{\beta^*}{\beta^* + e^{bT}(e^{b\tau} - 1)}\Big)^s d\tau,
        \qquad E[X(t)] = \frac{r}{\alpha} \int_0^t S(\tau)\, d\tau.

    References
    ----------
    Bemmaor, A. C. & Glady, N. (2012). Modeling purchasing behavior with
    sudden "death": A flexible customer lifetime model. *Management Science*
    58(5), 1012-1021.

    Examples
    --------
    >>> from custvalue.clv import GGompertzNBDModel, GGompertzNBDParams
    >>> model = GGompertzNBDModel.from_params(
    ...     GGompertzNBDParams(r=0.55, alpha=10.58, b=0.0002, s=0.603, beta=0.0026))
    >>> round(model.probability_alive(2, 30.43, 38.86), 3)
    0.873
    >>> round(model.expected_purchases_new_customer(39.0), 3)
    1.248
    """

    params_type: ClassVar[type[Any]] = GGompertzNBDParams
    _kernel = staticmethod(_loglik_kernel)
    _conditional_uses_recency = False

    def _start_from_means(self, mean_x: float, mean_t: float) -> FloatArray:
        return np.array([1.0, mean_t / (mean_x + 1.0), 1.0 / mean_t, 1.0, 1.0])

    def _conditional(self, p: tuple[float, ...], h: FloatArray, t: FloatArray) -> FloatArray:
        out = np.empty(t.size)
        _conditional_kernel(np.array(p), h, t, out)
        return out

    def expected_purchases_new_customer(
        self, t: object = None, *, data: pd.DataFrame | None = None
    ) -> Any:
        """Return the expected number of repeat purchases ``E[X(t)]`` of a new customer."""
        res = resolve({"t": t}, data=data)
        horizon = np.ascontiguousarray(res.arrays["t"])
        out = self._conditional(self._p(), np.zeros((3, horizon.size)), horizon)
        return shape_output(out, res, "expected_purchases")

    def _draw(self, params: tuple[float, ...], t_obs: FloatArray, rng: Generator) -> Columns:
        r, alpha, b, s, beta = params
        n = t_obs.size
        lam = rng.gamma(r, 1.0 / alpha, n)
        eta = np.maximum(rng.gamma(s, 1.0 / beta, n), 1e-300)
        # S(t | eta) = exp(-eta (e^{bt} - 1)): invert at an exponential draw
        life = np.log1p(rng.exponential(1.0, n) / eta) / b
        span = np.minimum(life, t_obs)
        freq = rng.poisson(lam * span)
        recency = np.zeros(n)
        pos = freq > 0
        # the last of N uniform purchase times on [0, span]
        recency[pos] = span[pos] * rng.beta(freq[pos], 1.0)
        return {
            "frequency": freq.astype(np.int64),
            "recency": recency,
            "T": t_obs,
            "alive": life > t_obs,
        }
