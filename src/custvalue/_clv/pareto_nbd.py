r"""Pareto/NBD: Poisson purchasing with exponential lifetimes, gamma heterogeneity in both.

While alive a customer buys as a Poisson process with rate
:math:`\lambda \sim \mathrm{Gamma}(r, \alpha)`; the unobserved lifetime is
exponential with rate :math:`\mu \sim \mathrm{Gamma}(s, \beta)`
(Schmittlein, Morrison & Colombo 1987).

The likelihood's Gaussian hypergeometric terms are where implementations
usually overflow or cancel (heavy buyers, long histories, very different
:math:`\alpha` and :math:`\beta`).  Here they are never formed: the
likelihood is written with the integral over the death time and that
integral is evaluated in log space by :func:`~custvalue._clv.kernels.log_concave_integral`.
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

from custvalue._clv.base import Columns
from custvalue._clv.base import HistoryModel
from custvalue._clv.base import NegLogLikHessian
from custvalue._clv.base import PositiveParams
from custvalue._clv.base import RowParams
from custvalue._clv.base import compress_with_inverse
from custvalue._clv.base import expand
from custvalue._clv.base import history_inputs
from custvalue._clv.base import per_row
from custvalue._clv.covariates import CovariateLinks
from custvalue._clv.docs import MODEL_ERRORS
from custvalue._clv.kernels import lgamma_digamma
from custvalue._clv.kernels import log_concave_integral
from custvalue._clv.kernels import log_concave_moments
from custvalue._clv.kernels import log_sum_exp2
from custvalue._clv.kernels import store_row
from custvalue._clv.kernels import store_totals
from custvalue._core.docs import fill_doc
from custvalue._core.jit import jit
from custvalue._core.jit import jit_threads
from custvalue._core.jit import split_rows
from custvalue._core.shape import resolve
from custvalue._core.shape import shape_output
from custvalue._core.special import digamma
from custvalue._core.special import trigamma
from custvalue._core.validation import check_scalar

__all__ = ["ParetoNBDModel", "ParetoNBDParams"]

FloatArray = npt.NDArray[np.float64]


@dataclasses.dataclass(frozen=True, slots=True)
class ParetoNBDParams(PositiveParams):
    r"""Parameters of the Pareto/NBD model, named as in Schmittlein et al. (1987).

    Attributes
    ----------
    r, alpha : float
        Gamma distribution (shape, rate) of the purchase rate :math:`\lambda`.
    s, beta : float
        Gamma distribution (shape, rate) of the dropout rate :math:`\mu`.
    """

    r: float
    alpha: float
    s: float
    beta: float


@jit
def _loglik_kernel(
    p: FloatArray, h: FloatArray, w: FloatArray, out: FloatArray, grad: FloatArray
) -> float:
    """Weighted log-likelihood, gradient; per-row LL and P(alive) (``HistoryModel._kernel``).

    The kernel of the fit template (first-order search, covariate groups, the
    per-row terms): :func:`_loglik_terms` without the Hessian.
    """
    return _loglik_terms(0, h.shape[1], p, h, w, out, grad, np.empty((0, 0)))


@jit
def _loglik_terms(
    lo: int,
    hi: int,
    p: FloatArray,
    h: FloatArray,
    w: FloatArray,
    out: FloatArray,
    grad: FloatArray,
    hess: FloatArray,
) -> float:
    r"""Weighted log-likelihood with its gradient (and Hessian) in ``(r, alpha, s, beta)``.

    ``L = Γ(r+x) α^r β^s / Γ(r) · [ (α+T)^-(r+x) (β+T)^-s + s I ]`` with
    ``I = ∫_{t_x}^T (α+τ)^-(r+x) (β+τ)^-(s+1) dτ``, integrated in
    ``y = log(min(α, β) + τ)``.  ``h`` holds the rows ``(x, t_x, T)`` (rows
    sorted by frequency are cheapest: the frequency terms are computed once per
    distinct ``x``).  Per-row log-likelihoods and P(alive) go to ``out``
    (shape ``(2, 0)``: none wanted), the Hessian to ``hess`` (shape ``(0, 0)``:
    first order only).  Only rows ``lo:hi`` count (a row kernel of
    :mod:`custvalue._core.jit`).  With the row log-likelihood
    :math:`f + \log(e^{l_1} + e^{l_2})`, :math:`l_2 = \log s + \log I`, the
    derivatives of :math:`\log I` are moments of
    :math:`d = \nabla \log(\text{integrand})` over the integrand:
    :math:`\nabla \log I = E[d]`, :math:`\nabla^2 \log I = E[\nabla d] + \mathrm{Cov}[d]`
    (see :func:`_add_row_hessian`).
    """
    r, alpha, s, beta = p[0], p[1], p[2], p[3]
    x, tx, t_obs = h[0], h[1], h[2]
    second = hess.shape[0] > 0
    c = min(alpha, beta)
    shift_a = alpha - c
    shift_b = beta - c
    log_alpha = math.log(alpha)
    log_beta = math.log(beta)
    log_s = math.log(s)
    const = -math.lgamma(r) + r * log_alpha + s * log_beta
    dg_r = digamma(r)
    tg_r = trigamma(r) if second else 0.0
    q = s + 1.0
    acc = np.zeros(15)
    mom = np.zeros(15)
    prev = -1.0
    lg_rx = dg_rx = tg_rx = 0.0
    for i in range(lo, hi):
        xi = x[i]
        if xi != prev:
            prev = xi
            lg_rx, dg_rx = lgamma_digamma(r + xi)
            if second:
                tg_rx = trigamma(r + xi)
        rx = r + xi
        ti = t_obs[i]
        la_t = math.log(alpha + ti)
        lb_t = math.log(beta + ti)
        l1 = -rx * la_t - s * lb_t
        m_la = m_lb = m_ia = m_ib = w2 = 0.0
        w1 = 1.0
        lse = l1
        if tx[i] < ti:
            y_lo, y_hi = math.log(c + tx[i]), math.log(c + ti)
            if second:
                log_i = log_concave_moments(1.0, rx, q, shift_a, shift_b, y_lo, y_hi, mom)
                m_la, m_lb, m_ia, m_ib = mom[1], mom[2], mom[3], mom[4]
            else:
                log_i, m_la, m_lb, m_ia, m_ib = log_concave_integral(
                    1.0, rx, q, shift_a, shift_b, y_lo, y_hi
                )
            lse, w1, w2 = log_sum_exp2(l1, log_s + log_i)
        li = lg_rx + const + lse
        wi = w[i]
        store_row(out, i, li, w1)
        ia_t = 1.0 / (alpha + ti)
        ib_t = 1.0 / (beta + ti)
        acc[0] += wi * li
        acc[1] += wi * (dg_rx - dg_r + log_alpha - w1 * la_t - w2 * m_la)
        acc[2] += wi * (r / alpha - rx * (w1 * ia_t + w2 * m_ia))
        acc[3] += wi * (log_beta - w1 * lb_t + w2 * (1.0 / s - m_lb))
        acc[4] += wi * (s / beta - w1 * s * ib_t - w2 * q * m_ib)
        if second:
            acc[5] += wi * (tg_rx - tg_r)
            _add_row_hessian(acc, wi, w1, w2, rx, s, (la_t, ia_t, lb_t, ib_t), mom)
    # the parameter-only terms of ∇²f, the same for every row
    weight = w[lo:hi].sum()
    acc[6] += weight / alpha
    acc[9] -= weight * r / (alpha * alpha)
    acc[13] += weight / beta
    acc[14] -= weight * s / (beta * beta)
    return store_totals(acc, grad, hess)


def _row_terms_rows(p: FloatArray, h: FloatArray, out: FloatArray) -> None:
    """Per-row log-likelihood and P(alive) of the histories ``h`` into ``out`` (``(2, n)``).

    Each row's terms are independent of the others (the weighted sums of
    :func:`_loglik_terms` are not kept), so many rows are split over threads
    (:func:`custvalue._core.jit.chunk_bounds`), with the same result.
    """
    n = out.shape[1]
    args = (p, h, np.ones(n), out, np.empty(4), np.empty((0, 0)))
    split_rows(_loglik_terms, _row_terms_chunks, n, args, heavy=True)


@jit_threads
def _row_terms_chunks(
    bounds: npt.NDArray[np.int64],
    p: FloatArray,
    h: FloatArray,
    w: FloatArray,
    out: FloatArray,
    scratch: FloatArray,
    hess: FloatArray,
) -> None:
    for c in prange(bounds.size - 1):
        # each chunk its own gradient scratch: the sums are dropped
        _loglik_terms(bounds[c], bounds[c + 1], p, h, w, out, np.empty_like(scratch), hess)


@jit
def _add_row_hessian(
    acc: FloatArray,
    wi: float,
    w1: float,
    w2: float,
    rx: float,
    s: float,
    t_terms: tuple[float, float, float, float],
    mom: FloatArray,
) -> None:
    r"""Add ``wi`` times a row's :math:`w_1 \nabla^2 l_1 + w_2 \nabla^2 l_2 + w_1 w_2 δδ^T`.

    ``acc[5:15]`` is the upper triangle in ``(r, alpha, s, beta)``, row by row.
    ``t_terms = (log(α+T), 1/(α+T), log(β+T), 1/(β+T))``; ``mom`` holds the
    moments of ``u = (log(α+τ), log(β+τ), 1/(α+τ), 1/(β+τ))`` over the
    integrand of ``I`` (:func:`~custvalue._clv.kernels.log_concave_moments`;
    unused when ``w2 = 0``).  The integrand's log-derivative is
    ``d = (−log(α+τ), −(r+x)/(α+τ), −log(β+τ), −(s+1)/(β+τ))``, whose only
    non-zero derivatives are ``(r, α) −1/(α+τ)``, ``(α, α) (r+x)/(α+τ)²``,
    ``(s, β) −1/(β+τ)``, ``(β, β) (s+1)/(β+τ)²``; ``l_2`` adds ``−1/s²`` at
    ``(s, s)``.  ``δ = ∇l_1 − ∇l_2``.
    """
    la_t, ia_t, lb_t, ib_t = t_terms
    q = s + 1.0
    # l1 = -(r+x) log(α+T) - s log(β+T)
    acc[6] -= wi * w1 * ia_t
    acc[9] += wi * w1 * rx * ia_t * ia_t
    acc[13] -= wi * w1 * ib_t
    acc[14] += wi * w1 * s * ib_t * ib_t
    if w2 == 0.0:
        return
    m_la, m_lb, m_ia, m_ib = mom[1], mom[2], mom[3], mom[4]
    v_ia = mom[12]
    v_ib = mom[14]
    a2 = wi * w2
    # ∇²l2 = E[∇d] + Cov[d] - e_s e_s^T / s²
    h = (
        mom[5],
        rx * mom[7] - m_ia,
        mom[6],
        q * mom[8],
        rx * rx * v_ia + rx * (v_ia + m_ia * m_ia),
        rx * mom[10],
        rx * q * mom[13],
        mom[9] - 1.0 / (s * s),
        q * mom[11] - m_ib,
        q * q * v_ib + q * (v_ib + m_ib * m_ib),
    )
    d = (m_la - la_t, rx * (m_ia - ia_t), m_lb - lb_t - 1.0 / s, q * m_ib - s * ib_t)
    b = wi * w1 * w2
    k = 0
    for u in range(4):
        for v in range(u, 4):
            acc[5 + k] += a2 * h[k] + b * d[u] * d[v]
            k += 1


PmfArgs = tuple[FloatArray, FloatArray, float, FloatArray, FloatArray, FloatArray, FloatArray]


def _pmf_rows(
    r: FloatArray,
    alpha: FloatArray,
    s: float,
    beta: FloatArray,
    n: FloatArray,
    t: FloatArray,
    out: FloatArray,
) -> None:
    """P(X(t) = n): alive throughout, or dead at τ < t after exactly n purchases.

    ``r``, ``alpha`` and ``beta`` are per row (the posterior parameters
    ``r + x``, ``α + T``, ``β + T`` for a customer alive at ``T``).  Each row
    is independent: many rows are split over threads
    (:func:`custvalue._core.jit.chunk_bounds`), with the same result.
    """
    args = (r, alpha, s, beta, n, t, out)
    split_rows(_pmf_kernel, _pmf_chunks, out.size, (args,), heavy=True)


@jit_threads
def _pmf_chunks(bounds: npt.NDArray[np.int64], args: PmfArgs) -> None:
    r, alpha, s, beta, n, t, out = args  # a tuple of arrays cannot enter prange whole
    for c in prange(bounds.size - 1):
        _pmf_kernel(bounds[c], bounds[c + 1], (r, alpha, s, beta, n, t, out))


@jit
def _pmf_kernel(lo: int, hi: int, args: PmfArgs) -> None:
    """:func:`_pmf_rows` on rows ``lo:hi``."""
    r, alpha, s, beta, n, t, out = args
    for i in range(lo, hi):
        ri = r[i]
        ai = alpha[i]
        bi = beta[i]
        log_alpha = math.log(ai)
        log_beta = math.log(bi)
        ni = n[i]
        ti = t[i]
        if ti == 0.0:
            out[i] = 1.0 if ni == 0.0 else 0.0
            continue
        lg = math.lgamma(ri + ni) - math.lgamma(ri) - math.lgamma(ni + 1.0)
        first = (
            lg
            + ri * (log_alpha - math.log(ai + ti))
            + ni * (math.log(ti) - math.log(ai + ti))
            + s * (log_beta - math.log(bi + ti))
        )
        log_i, _, _, _, _ = log_concave_integral(
            ni + 1.0, ri + ni, s + 1.0, ai, bi, -np.inf, math.log(ti)
        )
        second = lg + math.log(s) + ri * log_alpha + s * log_beta + log_i
        out[i] = min(math.exp(first) + math.exp(second), 1.0)


def _residual_lifetime_factor(s: float, beta_t: FloatArray, t: FloatArray) -> FloatArray:
    """``(β+T) [1 − ((β+T)/(β+T+t))^(s−1)] / (s − 1)``, stable at ``s = 1``."""
    log_ratio = np.log1p(t / beta_t)
    e = s - 1.0
    if e == 0.0:
        return np.asarray(beta_t * log_ratio, dtype=np.float64)
    return np.asarray(beta_t * -np.expm1(-e * log_ratio) / e, dtype=np.float64)


@fill_doc(MODEL_ERRORS)
class ParetoNBDModel(HistoryModel[ParetoNBDParams]):
    r"""Pareto/NBD model (Schmittlein, Morrison & Colombo 1987).

    While alive, a customer makes repeat purchases as a Poisson process with
    rate :math:`\lambda \sim \mathrm{Gamma}(r, \alpha)`; the lifetime is
    exponential with rate :math:`\mu \sim \mathrm{Gamma}(s, \beta)`,
    independent of :math:`\lambda`.  Histories are summarised by ``frequency``
    :math:`x`, ``recency`` :math:`t_x` and age ``T`` as for
    :class:`~custvalue.clv.BetaGeoModel`.

    Methods
    -------
    fit(data=None, *, frequency=None, recency=None, T=None, weights=None, initial_params=None,
    covariates=None)
        Maximum likelihood (identical rows folded into weights; trust-region
        Newton on log-parameters with the exact gradient and Hessian from numba
        kernels, L-BFGS-B with covariates or if Newton fails).  Sets ``params_``
        (:class:`ParetoNBDParams`), ``log_likelihood_`` (full weighted
        log-likelihood, comparable with the papers), ``standard_errors_``,
        ``converged_``.  ``covariates=`` adds time-invariant covariates on
        :math:`\alpha` and :math:`\beta` (:doc:`/clv_covariates`).
    individual_log_likelihood(frequency, recency, T)
        :math:`\log L_i` per customer.
    probability_alive(frequency, recency, T)
        :math:`P(\text{alive at } T \mid x, t_x, T)`.
    expected_purchases(t, frequency, recency, T)
        :math:`E[Y(t) \mid x, t_x, T]`, purchases in :math:`(T, T+t]`.
    expected_purchases_new_customer(t)
        :math:`E[X(t)]`.
    probability_of_purchases(n, t)
        :math:`P(X(t) = n)`.
    discounted_expected_residual_transactions(frequency, recency, T, *, discount_rate, data=None)
        DERT of Fader, Hardie & Lee (2005b): the present value of all future
        transactions, continuously discounted.
    simulate(n_customers, T, *, seed=None)
        Synthetic customers (``frequency``, ``recency``, ``T``, ``alive``),
        drawn exactly from the model in continuous time.
    summary()
        Estimates, standard errors, 95 % Wald intervals.

    Raises
    ------
    InputValueError
        For impossible histories (see :class:`~custvalue.clv.BetaGeoModel`) and
        non-positive ``discount_rate``; messages name the argument and first
        offending row.
    %(fit_errors)s

    Notes
    -----
    Likelihood of one customer (Fader & Hardie 2005, eqs. 3 and 11), written
    with the integral over the unobserved death time :math:`\tau` instead of
    the usual :math:`{}_2F_1` terms (their eqs. 19-22):

    .. math::

        L = \frac{\Gamma(r+x)\alpha^r\beta^s}{\Gamma(r)}
            \Big[\frac{1}{(\alpha+T)^{r+x}(\beta+T)^s}
               + s\int_{t_x}^{T} \frac{d\tau}{(\alpha+\tau)^{r+x}(\beta+\tau)^{s+1}}\Big]

    With :math:`y = \log(\min(\alpha,\beta)+\tau)` the integrand is
    :math:`e^{\psi(y)}`, :math:`\psi` concave; its maximum is found in closed form
    and the integral is covered by 12-point Gauss–Legendre panels on which
    :math:`\psi` drops by at most 6 and bends little, truncated where the
    integrand is :math:`e^{-46}` of its maximum.  Everything stays in log space,
    so :math:`x` and :math:`T` of :math:`10^4` and more, :math:`t_x` at 0 or at
    :math:`T` and :math:`\alpha \ll \beta` or :math:`\alpha \gg \beta` are all
    handled (relative accuracy about :math:`10^{-13}`).  Derivatives are moments
    over the same nodes: with :math:`d = \nabla_\theta \log(\text{integrand})`,
    :math:`\nabla \log I = E[d]` and :math:`\nabla^2 \log I = E[\nabla d] + \mathrm{Cov}[d]`,
    the covariances accumulated as deviations from the values at the mode (no
    cancellation for the narrow integrands of heavy buyers), so fits and
    standard errors use the exact Hessian.

    Probability alive (eq. 13 of Fader & Hardie 2005) is the share of the
    first term in the bracket.  Expectations (eqs. 27 and 41):

    .. math::

        E[X(t)] = \frac{r\beta}{\alpha(s-1)}\Big[1-\Big(\frac{\beta}{\beta+t}\Big)^{s-1}\Big],
        \quad
        E[Y(t)\mid x,t_x,T] = P(\text{alive})\,\frac{(r+x)(\beta+T)}{(\alpha+T)(s-1)}
            \Big[1-\Big(\frac{\beta+T}{\beta+T+t}\Big)^{s-1}\Big],

    evaluated with ``expm1``/``log1p`` (so :math:`s = 1` gives the limit
    :math:`\log`).  :math:`P(X(t)=n)` is the probability of staying alive with
    :math:`n` purchases plus that of dying at :math:`\tau<t` after exactly
    :math:`n` purchases:

    .. math::

        P(X(t)=n) = \mathrm{NB}_n\Big(r, \frac{t}{\alpha+t}\Big)\Big(\frac{\beta}{\beta+t}\Big)^s
          + \frac{\Gamma(r+n)}{\Gamma(r)\,n!} s\alpha^r\beta^s
            \int_0^t \frac{\tau^n\,d\tau}{(\alpha+\tau)^{r+n}(\beta+\tau)^{s+1}},

    which equals Fader & Hardie's (2006) hypergeometric expression.
    Discounted expected residual transactions (Fader, Hardie & Lee 2005b,
    eq. 2) with continuous discount rate :math:`\delta` per time unit:

    .. math::

        \mathrm{DERT} = P(\text{alive})\,\frac{r+x}{\alpha+T}\,
          \delta^{s-1}(\beta+T)^s\,\Psi\big(s, s; \delta(\beta+T)\big)
          = P(\text{alive})\,\frac{r+x}{\alpha+T}\int_0^\infty e^{-\delta u}
            \Big(\frac{\beta+T}{\beta+T+u}\Big)^s du,

    with :math:`\Psi` Tricomi's confluent hypergeometric function (computed as
    ``scipy.special.hyperu(1, 2 - s, δ(β+T))``).  For an annual rate ``d`` and
    weekly data, :math:`\delta = \ln(1 + d)/52`.

    Choices where the literature is silent: as for the BG/NBD (``t`` scalar or
    per customer, ``T = 0`` allowed, Hessian-based standard errors).

    References
    ----------
    Schmittlein, D. C., Morrison, D. G. & Colombo, R. (1987). Counting your
    customers: Who are they and what will they do next? *Management Science*
    33(1), 1-24.
    Fader, P. S. & Hardie, B. G. S. (2005). A note on deriving the Pareto/NBD
    model and related expressions.  Eqs. (3), (11), (13), (27), (41).
    Fader, P. S. & Hardie, B. G. S. (2006). Deriving an expression for
    P(X(t) = x) under the Pareto/NBD model.
    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005b). RFM and CLV: Using
    iso-value curves for customer base analysis. *Journal of Marketing
    Research* 42(4), 415-430.  Eq. (2).

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue.clv import ParetoNBDModel, ParetoNBDParams
    >>> model = ParetoNBDModel.from_params(
    ...     ParetoNBDParams(r=0.553, alpha=10.578, s=0.606, beta=11.669))
    >>> np.round(model.probability_alive([0, 2], [0.0, 30.43], [38.86, 38.86]), 3)
    array([0.295, 0.869])
    >>> round(model.expected_purchases_new_customer(39.0), 3)
    1.213
    >>> dert = model.discounted_expected_residual_transactions(
    ...     2, 30.43, 38.86, discount_rate=np.log(1.15) / 52)
    >>> round(dert, 2)
    6.5
    >>> import pandas as pd
    >>> df = pd.DataFrame({"frequency_cal": [2, 0], "recency_cal": [30.43, 0.0],
    ...                    "T_cal": [38.86, 38.86]}, index=["ann", "bob"])
    >>> model.expected_purchases(39.0, data=df).round(3)
    ann    1.455
    bob    0.107
    Name: expected_purchases, dtype: float64
    """

    params_type: ClassVar[type[Any]] = ParetoNBDParams
    params_: ParetoNBDParams
    standard_errors_: ParetoNBDParams

    # -- hooks of the fit template and of the history predictions --------------------
    _kernel = staticmethod(_loglik_kernel)
    _conditional_uses_recency = False
    # alpha_i = alpha exp(-gamma_purchase'z); beta_i = beta exp(-gamma_dropout'z)
    _covariate_links: ClassVar[CovariateLinks] = {
        "purchase": ((1, -1.0),),
        "dropout": ((3, -1.0),),
    }

    def _start_from_means(self, mean_x: float, mean_t: float) -> FloatArray:
        return np.array([1.0, mean_t / (mean_x + 1.0), 1.0, mean_t])

    def _row_terms(self, h: FloatArray) -> tuple[FloatArray, FloatArray]:
        out = np.empty((2, h.shape[1]))
        _row_terms_rows(self._kernel_params(np.array(self._p())), h, out)
        return out[0], out[1]

    def _neg_log_lik_hessian(self, prepared: Any) -> NegLogLikHessian | None:
        cols, w = prepared
        h = np.stack(cols)
        no_rows = np.empty((2, 0))

        def neg_ll(theta: FloatArray) -> tuple[float, FloatArray, FloatArray]:
            grad = np.empty(4)
            hess = np.empty((4, 4))
            ll = _loglik_terms(0, h.shape[1], theta, h, w, no_rows, grad, hess)
            return -ll, -grad, -hess

        return neg_ll

    def _conditional(self, p: RowParams, h: FloatArray, t: FloatArray) -> FloatArray:
        r, alpha, s, beta = p
        x, t_obs = h[0], h[2]
        return np.asarray(
            (r + x) / (alpha + t_obs) * _residual_lifetime_factor(s, beta + t_obs, t),
            dtype=np.float64,
        )

    def expected_purchases_new_customer(
        self, t: object = None, *, data: pd.DataFrame | None = None
    ) -> Any:
        """Return the expected number of repeat purchases ``E[X(t)]`` of a new customer.

        ``t``: a scalar (returns a float), an array, a Series or a column of ``data``.
        """
        res = resolve({"t": t}, data=data)
        r, alpha, s, beta = self._params_for(data, res, "expected_purchases_new_customer")
        horizon = res.arrays["t"]
        out = r / alpha * _residual_lifetime_factor(s, np.full(horizon.size, beta), horizon)
        return shape_output(np.asarray(out, dtype=np.float64), res, "expected_purchases")

    def probability_of_purchases(
        self, n: object = None, t: object = None, *, data: pd.DataFrame | None = None
    ) -> Any:
        """Probability ``P(X(t) = n)`` of exactly ``n`` repeat purchases within ``t``.

        ``n`` (whole numbers) and ``t`` broadcast together; a scalar pair returns a float.
        """
        res = resolve({"n": n, "t": t}, data=data, integer=("n",))
        r, alpha, s, beta = p = self._params_for(data, res, "probability_of_purchases")
        cols = [np.ascontiguousarray(res.arrays["n"]), np.ascontiguousarray(res.arrays["t"])]
        if per_row(p):
            (un, ut), inv = cols, np.arange(res.size)
        else:
            (un, ut), inv = compress_with_inverse(cols)
        out = np.empty(un.size)
        ones = np.ones(un.size)
        _pmf_rows(r * ones, alpha * ones, s, beta * ones, un, ut, out)
        return shape_output(out[inv], res, "probability")

    def _pmf_if_alive(
        self, p: RowParams, x: FloatArray, t_obs: FloatArray, t: FloatArray, n: FloatArray
    ) -> FloatArray:
        # alive at T: λ ~ Gamma(r + x, α + T), μ ~ Gamma(s, β + T), and by lack of memory the
        # future is a new customer's with these parameters
        r, alpha, s, beta = p
        out = np.empty(x.size)
        _pmf_rows(r + x, alpha + t_obs, s, beta + t_obs, n, t, out)
        return out

    def _survival_if_alive(
        self, p: RowParams, x: FloatArray, t_obs: FloatArray, t: FloatArray
    ) -> FloatArray:
        _, _, s, beta = p
        # E[exp(-μ t)] with μ ~ Gamma(s, β + T)
        return np.asarray(np.exp(-s * np.log1p(t / (beta + t_obs))), dtype=np.float64)

    def discounted_expected_residual_transactions(
        self,
        frequency: object = None,
        recency: object = None,
        T: object = None,
        *,
        discount_rate: float,
        data: pd.DataFrame | None = None,
    ) -> Any:
        r"""Present value of all future transactions (DERT), continuous discounting.

        ``discount_rate`` is the continuously compounded rate :math:`\delta > 0`
        per time unit of ``T`` (e.g. ``log(1.15) / 52`` for 15 % a year with
        weekly data).  Formula in the class docstring.
        """
        delta = check_scalar(discount_rate, "discount_rate", low=0.0, low_inclusive=False)
        res, x, tx, t_obs = history_inputs(frequency, recency, T, data)
        name = "discounted_expected_residual_transactions"
        p, h, _, inv = self._rows(data, res, name, x, tx, t_obs, [])
        r, alpha, s, beta = p
        alive = self._alive_at(p, h)
        ux, ut = h[0], h[2]
        bt = beta + ut
        # ∫_0^∞ e^{-δu} (1 + u/(β+T))^{-s} du = (β+T) U(1, 2-s, δ(β+T))
        residual = bt * special.hyperu(1.0, 2.0 - s, delta * bt)
        out = np.asarray(alive * (r + ux) / (alpha + ut) * residual, dtype=np.float64)
        return shape_output(expand(out, inv), res, "discounted_expected_residual_transactions")

    def _draw(self, params: tuple[float, ...], t_obs: FloatArray, rng: Generator) -> Columns:
        r, alpha, s, beta = params
        n = t_obs.size
        lam = rng.gamma(r, 1.0 / alpha, n)
        mu = np.maximum(rng.gamma(s, 1.0 / beta, n), 1e-300)
        death = rng.standard_exponential(n) / mu
        active = np.minimum(death, t_obs)
        freq = rng.poisson(lam * active)
        recency = np.zeros(n)
        pos = freq > 0
        # the last of x uniform purchase times on [0, active] is active * U^(1/x)
        recency[pos] = active[pos] * rng.random(int(pos.sum())) ** (1.0 / freq[pos])
        return {
            "frequency": freq.astype(np.int64),
            "recency": recency,
            "T": t_obs,
            "alive": death > t_obs,
        }
