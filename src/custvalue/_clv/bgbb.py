r"""BG/BB: the beta-geometric/beta-binomial model for discrete purchase opportunities.

A customer buys at each opportunity with probability :math:`p` while alive and
drops out at the start of each opportunity with probability :math:`\theta`;
:math:`p \sim \mathrm{Beta}(\alpha, \beta)` and
:math:`\theta \sim \mathrm{Beta}(\gamma, \delta)` across customers
(Fader, Hardie & Shang 2010).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any
from typing import ClassVar
from typing import Self

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special as sps

from custvalue._clv.base import FittedModel
from custvalue._clv.base import NegLogLik
from custvalue._clv.base import PositiveParams
from custvalue._clv.base import compress_weighted
from custvalue._clv.base import history_inputs
from custvalue._clv.base import resolve_inputs
from custvalue._clv.base import resolve_weights
from custvalue._clv.docs import FIT_PARAMS
from custvalue._clv.docs import INTERVAL_PARAMS
from custvalue._clv.intervals import DEFAULT_DRAWS
from custvalue._clv.intervals import predict_with_interval
from custvalue._core.arrays import first_true
from custvalue._core.docs import fill_doc
from custvalue._core.jit import jit
from custvalue._core.shape import Resolved
from custvalue._core.shape import resolve
from custvalue._core.shape import shape_output
from custvalue._core.special import betaln
from custvalue._core.special import digamma
from custvalue._core.validation import check_scalar
from custvalue.errors import InputValueError

__all__ = ["BetaGeoBetaBinomModel", "BetaGeoBetaBinomParams"]

FloatArray = npt.NDArray[np.float64]

#: Future windows up to this many opportunities are summed term by term (exact);
#: longer ones use the closed form of FHS (2010) eq. (13).
_DIRECT_SUM_LIMIT = 10_000


@dataclasses.dataclass(frozen=True, slots=True)
class BetaGeoBetaBinomParams(PositiveParams):
    r"""Parameters of the BG/BB model, named as in Fader, Hardie & Shang (2010).

    They are the parameters of two beta distributions across customers: of
    the probability of a transaction at an opportunity and of a dropout at one.

    Attributes
    ----------
    alpha, beta : float
        Beta distribution of the purchase probability :math:`p`.
    gamma, delta : float
        Beta distribution of the dropout probability :math:`\theta`.
    """

    alpha: float
    beta: float
    gamma: float
    delta: float


# --- numba kernels ------------------------------------------------------------------


@jit
def _loglik_rows(
    a: float, b: float, g: float, d: float, x: FloatArray, tx: FloatArray, n: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Per-row log-likelihood (FHS 2010 eq. 5) and its gradient in (alpha, beta, gamma, delta).

    The sum over the possible dropout opportunities is accumulated in log
    space; its terms decrease, so the largest is known up front and the loop
    stops once the remaining terms cannot matter in double precision.
    """
    rows = x.shape[0]
    ll = np.empty(rows)
    grad = np.empty((rows, 4))
    lbab = betaln(a, b)
    lbgd = betaln(g, d)
    psi_a = digamma(a)
    psi_b = digamma(b)
    psi_ab = digamma(a + b)
    psi_d = digamma(d)
    psi_gd = digamma(g + d)
    lg_g1 = math.lgamma(g + 1.0)
    for k in range(rows):
        xi = x[k]
        ti = tx[k]
        ni = n[k]
        psi_ax = digamma(a + xi)
        # alive through all n opportunities
        la = betaln(a + xi, b + ni - xi) - lbab + betaln(g, d + ni) - lbgd
        psi_abn = digamma(a + b + ni)
        psi_gdn = digamma(g + d + ni)
        da0 = psi_ax - psi_abn - psi_a + psi_ab
        da1 = digamma(b + ni - xi) - psi_abn - psi_b + psi_ab
        da2 = psi_gd - psi_gdn
        da3 = digamma(d + ni) - psi_gdn - psi_d + psi_gd
        count = int(ni - ti)
        if count <= 0:
            ll[k] = la
            grad[k, 0] = da0
            grad[k, 1] = da1
            grad[k, 2] = da2
            grad[k, 3] = da3
            continue
        # dropout at opportunity t_x + i + 1, i = 0 .. n - t_x - 1
        u = b + ti - xi
        w = a + b + ti
        v = d + ti
        z = g + 1.0 + d + ti
        lt = (
            math.lgamma(a + xi)
            + math.lgamma(u)
            - math.lgamma(w)
            + lg_g1
            + math.lgamma(v)
            - math.lgamma(z)
            - lbab
            - lbgd
        )
        psi_u = digamma(u)
        psi_w = digamma(w)
        psi_v = digamma(v)
        psi_z = digamma(z)
        top = la if la > lt else lt
        ea = math.exp(la - top)
        s = ea
        g0 = ea * da0
        g1 = ea * da1
        g2 = ea * da2
        g3 = ea * da3
        c0 = psi_ax - psi_a + psi_ab
        c1 = -psi_b + psi_ab
        c2 = 1.0 / g + psi_gd
        c3 = -psi_d + psi_gd
        for i in range(count):
            e = math.exp(lt - top)
            s += e
            g0 += e * (c0 - psi_w)
            g1 += e * (c1 + psi_u - psi_w)
            g2 += e * (c2 - psi_z)
            g3 += e * (c3 + psi_v - psi_z)
            remaining = count - i - 1
            if remaining == 0:
                break
            if lt - top + math.log(remaining) < math.log(s) - 40.0:
                break
            lt += math.log(u / w) + math.log(v / z)
            psi_u += 1.0 / u
            psi_w += 1.0 / w
            psi_v += 1.0 / v
            psi_z += 1.0 / z
            u += 1.0
            w += 1.0
            v += 1.0
            z += 1.0
        ll[k] = top + math.log(s)
        grad[k, 0] = g0 / s
        grad[k, 1] = g1 / s
        grad[k, 2] = g2 / s
        grad[k, 3] = g3 / s
    return ll, grad


@jit
def _lgamma_diff(a: float, eps: float) -> float:
    """Return log Gamma(a + eps) - log Gamma(a) without cancellation (a > 0, a + eps > 0).

    Shifts a upwards to >= 12 (subtracting log1p(eps / (a + j))), then uses
    Stirling's series written in differences.
    """
    out = 0.0
    while a < 12.0 or a + eps < 12.0:
        out -= math.log1p(eps / a)
        a += 1.0
    z = a + eps
    stirling = (a - 0.5) * math.log1p(eps / a) + eps * math.log(z) - eps
    tail = -eps / (12.0 * a * z) + (
        -1.0 / (360.0 * z**3)
        + 1.0 / (1260.0 * z**5)
        - 1.0 / (1680.0 * z**7)
        + 1.0 / (360.0 * a**3)
        - 1.0 / (1260.0 * a**5)
        + 1.0 / (1680.0 * a**7)
    )
    return out + stirling + tail


@jit
def _log_alive_sum(g: float, d: float, n: FloatArray, t: FloatArray) -> FloatArray:
    """Log of sum_{j=n+1}^{n+t} B(g, d+j) / B(g, d) (alive probabilities), per row.

    Windows of up to ``_DIRECT_SUM_LIMIT`` opportunities are summed term by
    term; longer ones use the closed form (digamma limit at g == 1).  Rows
    with t == 0 give -inf (an empty sum).
    """
    rows = n.shape[0]
    out = np.empty(rows)
    lbgd = betaln(g, d)
    for k in range(rows):
        nk = n[k]
        tk = t[k]
        if tk <= 0:
            out[k] = -np.inf
            continue
        if tk <= _DIRECT_SUM_LIMIT:
            # term j: log B(g, d + j) - log B(g, d); decreasing in j
            lt = betaln(g, d + nk + 1.0) - lbgd
            top = lt
            s = 0.0
            count = int(tk)
            q = d + nk + 1.0
            for i in range(count):
                s += math.exp(lt - top)
                remaining = count - i - 1
                if remaining == 0:
                    break
                if lt - top + math.log(remaining) < math.log(s) - 40.0:
                    break
                lt += math.log(q / (g + q))
                q += 1.0
            out[k] = top + math.log(s)
        else:
            if abs(g - 1.0) < 1e-10:
                out[k] = math.log(d) + math.log(digamma(d + nk + tk + 1.0) - digamma(d + nk + 1.0))
                continue
            eps = g - 1.0
            a1 = 1.0 + d + nk
            big_d = _lgamma_diff(a1, eps) - _lgamma_diff(a1 + tk, eps)
            out[k] = (
                math.log(d)
                + _lgamma_diff(1.0 + d, eps)
                - _lgamma_diff(a1, eps)
                + math.log(-math.expm1(big_d) / eps)
            )
    return out


@jit
def _log_binomial_beta(a: float, b: float, x: float, n: float, lbab: float) -> float:
    """``log[C(n, x) B(a + x, b + n - x) / B(a, b)]`` (``lbab`` = ``log B(a, b)``)."""
    return (
        math.lgamma(n + 1.0)
        - math.lgamma(x + 1.0)
        - math.lgamma(n - x + 1.0)
        + betaln(a + x, b + n - x)
        - lbab
    )


@jit
def _log_pmf(a: float, b: float, g: float, d: float, x: FloatArray, n: FloatArray) -> FloatArray:
    """Log P(X(n) = x) (FHS 2010 eq. 7), per row, by log-space summation."""
    rows = x.shape[0]
    out = np.empty(rows)
    lbab = betaln(a, b)
    lbgd = betaln(g, d)
    for k in range(rows):
        xk = x[k]
        nk = n[k]
        if xk > nk:
            out[k] = -np.inf
            continue
        top = _log_binomial_beta(a, b, xk, nk, lbab) + betaln(g, d + nk) - lbgd
        s = 1.0
        i = xk
        while i < nk:
            lt = _log_binomial_beta(a, b, xk, i, lbab) + betaln(g + 1.0, d + i) - lbgd
            if lt > top:
                s = s * math.exp(top - lt) + 1.0
                top = lt
            else:
                s += math.exp(lt - top)
            i += 1.0
        out[k] = top + math.log(s)
    return out


# --- model --------------------------------------------------------------------------


def _check_histories(x: FloatArray, tx: FloatArray, n: FloatArray) -> None:
    if (i := first_true(tx > n)) is not None:
        raise InputValueError(
            f"`recency` must be <= `n_periods`, but row {i} has recency {tx[i]:g} > "
            f"n_periods {n[i]:g}; recency is the opportunity of the last purchase."
        )
    if (i := first_true(x > tx)) is not None:
        raise InputValueError(
            f"`frequency` must be <= `recency`, but row {i} has frequency {x[i]:g} > "
            f"recency {tx[i]:g}; x purchases need at least x opportunities."
        )
    if (i := first_true((x == 0) & (tx != 0))) is not None:
        raise InputValueError(
            f"`recency` must be 0 when `frequency` is 0, but row {i} has recency {tx[i]:g}."
        )


@fill_doc(FIT_PARAMS, INTERVAL_PARAMS)
class BetaGeoBetaBinomModel(FittedModel[BetaGeoBetaBinomParams]):
    r"""BG/BB model of repeat transactions at discrete opportunities (Fader, Hardie & Shang 2010).

    While "alive", a customer transacts at each opportunity with probability
    :math:`p`; at the start of each opportunity an alive customer drops out for
    good with probability :math:`\theta`.  Across customers
    :math:`p \sim \mathrm{Beta}(\alpha, \beta)` and
    :math:`\theta \sim \mathrm{Beta}(\gamma, \delta)`, independently.
    A history is summarised by the frequency :math:`x` (repeat transactions),
    the recency :math:`t_x` (opportunity of the last one, 0 if none) and the
    number of opportunities :math:`n`.

    Attributes
    ----------
    params_ : BetaGeoBetaBinomParams
        Maximum-likelihood estimates.
    log_likelihood_ : float
        Full log-likelihood at the estimates, weights applied (as in the paper).
    standard_errors_ : BetaGeoBetaBinomParams
        Asymptotic standard errors (inverse observed information).
    converged_ : bool
        Whether the optimizer reported convergence.

    Notes
    -----
    The likelihood of one history is (FHS 2010 eq. 5)

    .. math::

        L = \frac{B(\alpha+x, \beta+n-x)}{B(\alpha,\beta)}
            \frac{B(\gamma, \delta+n)}{B(\gamma,\delta)}
          + \sum_{i=0}^{n-t_x-1}
            \frac{B(\alpha+x, \beta+t_x-x+i)}{B(\alpha,\beta)}
            \frac{B(\gamma+1, \delta+t_x+i)}{B(\gamma,\delta)} .

    It is evaluated in log space (numba kernel) with an analytic gradient;
    identical histories are folded into weights before the fit.

    References
    ----------
    .. [1] Fader, P. S., Hardie, B. G. S. and Shang, J. (2010), "Customer-Base
       Analysis in a Discrete-Time Noncontractual Setting", Marketing Science,
       29 (6), 1086-1108, eqs. (5), (7), (8), (11) and (13).

    Examples
    --------
    >>> from custvalue.clv import BetaGeoBetaBinomModel, BetaGeoBetaBinomParams
    >>> model = BetaGeoBetaBinomModel.from_params(
    ...     BetaGeoBetaBinomParams(alpha=1.204, beta=0.750, gamma=0.657, delta=2.783))
    >>> model.probability_alive([0, 3, 6], [0, 4, 6], [6, 6, 6]).round(3)
    array([0.108, 0.439, 0.93 ])
    >>> model.expected_purchases(5, [0, 3, 6], [0, 4, 6], [6, 6, 6]).round(3)
    array([0.073, 1.034, 3.752])
    >>> round(model.expected_purchases(5, 3, 4, 6), 3)
    1.034
    >>> import pandas as pd
    >>> df = pd.DataFrame({"frequency": [0, 3], "recency": [0, 4], "n_periods": [6, 6]},
    ...                   index=["ann", "bob"])
    >>> model.probability_alive(data=df).round(3)
    ann    0.108
    bob    0.439
    Name: probability_alive, dtype: float64
    >>> sim = model.simulate(20_000, 6, seed=1)
    >>> fitted = BetaGeoBetaBinomModel().fit(sim)
    >>> fitted.converged_
    True
    """

    params_type: ClassVar[type[Any]] = BetaGeoBetaBinomParams

    def fit(
        self,
        data: pd.DataFrame | None = None,
        *,
        frequency: object | None = None,
        recency: object | None = None,
        n_periods: object | None = None,
        weights: object | None = None,
        initial_params: BetaGeoBetaBinomParams | None = None,
        max_iter: int = 2000,
        tol: float = 1e-9,
        penalizer: float = 0.0,
    ) -> Self:
        r"""Estimate ``alpha``, ``beta``, ``gamma`` and ``delta`` by maximum likelihood.

        Parameters
        ----------
        data : pandas.DataFrame, optional
            One row per customer (or per distinct history, with ``weights``)
            with columns ``frequency``, ``recency`` and ``n_periods``.
        frequency : array-like or str, optional
            Number of opportunities with a repeat transaction, :math:`x`
            (whole numbers, ``0 <= x <= recency``).  A string names a column of ``data``.
        recency : array-like or str, optional
            Opportunity of the last transaction, :math:`t_x` (0 when ``x = 0``).
        n_periods : array-like or str, optional
            Number of transaction opportunities observed, :math:`n` (``>= recency``).
        %(weights)s
        initial_params : BetaGeoBetaBinomParams, optional
            Starting point of the search (default all ones).
        %(max_iter)s
        %(penalizer)s

        Returns
        -------
        BetaGeoBetaBinomModel
            ``self``, fitted.

        Raises
        ------
        InputValueError
            For missing, negative, non-integer or infeasible histories (the
            message names the argument).
        MissingColumnError
            If ``data`` lacks a needed column.
        InputTypeError
            If ``initial_params`` is not a :class:`BetaGeoBetaBinomParams`.
        ConvergenceError
            If the search finds no finite optimum (the message carries its
            report); a search stopped on ``max_iter`` keeps its last iterate,
            sets ``converged_`` to False and warns
            (:class:`~custvalue.errors.ConvergenceWarning`).
        """
        cols = resolve_inputs(
            data,
            {"frequency": frequency, "recency": recency, "n_periods": n_periods},
            integer=("frequency", "recency", "n_periods"),
        )
        x, tx, n = cols["frequency"], cols["recency"], cols["n_periods"]
        _check_histories(x, tx, n)
        w = resolve_weights(data, weights, x.shape[0])
        keep = w > 0
        prepared = compress_weighted([x[keep], tx[keep], n[keep]], w[keep])
        return self._fit(prepared, initial_params, max_iter, tol, penalizer)

    def _total_weight(self, prepared: Any) -> float:
        return float(prepared[1].sum())

    def _neg_log_lik(self, prepared: Any) -> NegLogLik:
        (x, tx, n), w = prepared

        def neg_ll(theta: FloatArray) -> tuple[float, FloatArray]:
            ll, grad = _loglik_rows(theta[0], theta[1], theta[2], theta[3], x, tx, n)
            return -float(w @ ll), -(w @ grad)

        return neg_ll

    def individual_log_likelihood(
        self,
        frequency: object = None,
        recency: object = None,
        n_periods: object = None,
        *,
        data: pd.DataFrame | None = None,
    ) -> Any:
        r"""Log-likelihood :math:`\log L_i` of each history at ``params_``.

        The summands of ``log_likelihood_`` (without weights).  Inputs and
        output follow the shape convention (scalars → float, arrays broadcast,
        Series → Series, ``data=`` → Series on ``data.index``).

        Returns
        -------
        float or pandas.Series or numpy.ndarray
            Log-likelihood per history.
        """
        a, b, g, d = dataclasses.astuple(self._fitted_params())
        res, x, tx, n = self._histories(frequency, recency, n_periods, data, {})
        ll, _ = _loglik_rows(a, b, g, d, x, tx, n)
        return shape_output(ll, res, "log_likelihood")

    # --- predictions --------------------------------------------------------------

    def _histories(
        self,
        frequency: object,
        recency: object,
        n_periods: object,
        data: pd.DataFrame | None,
        extra: dict[str, object],
    ) -> tuple[Resolved, FloatArray, FloatArray, FloatArray]:
        res, x, tx, n = history_inputs(
            frequency,
            recency,
            n_periods,
            data,
            extra,
            T_name="n_periods",
            integer=("recency", "n_periods", *extra),
        )
        _check_histories(x, tx, n)
        return res, x, tx, n

    def probability_alive(
        self,
        frequency: object = None,
        recency: object = None,
        n_periods: object = None,
        *,
        periods_ahead: int = 1,
        data: pd.DataFrame | None = None,
        interval: float | None = None,
        n_draws: int = DEFAULT_DRAWS,
        seed: int | None = None,
    ) -> Any:
        r"""Probability that a customer is alive at opportunity :math:`n + m` (FHS 2010 eq. 11).

        .. math::

            P(\text{alive at } n+m) = \frac{B(\alpha+x, \beta+n-x)}{B(\alpha,\beta)}
                \frac{B(\gamma, \delta+n+m)}{B(\gamma,\delta)} \Big/ L

        Parameters
        ----------
        frequency, recency, n_periods : array-like
            Histories :math:`(x, t_x, n)` as in :meth:`fit`; Series in, Series out.
        periods_ahead : int, default 1
            :math:`m`.  The default 1 is the paper's "alive at the next
            opportunity"; 0 gives alive during the last observed opportunity.
        %(interval)s

        Returns
        -------
        pandas.Series or numpy.ndarray or pandas.DataFrame
            Probabilities in [0, 1] (with ``interval``: estimate, lower, upper).

        Raises
        ------
        InputValueError
            For infeasible histories (the message names the argument).
        """
        if interval is not None:
            return predict_with_interval(
                [self],
                lambda model: model.probability_alive(
                    frequency, recency, n_periods, periods_ahead=periods_ahead, data=data
                ),
                interval,
                n_draws,
                seed,
            )
        a, b, g, d = dataclasses.astuple(self._fitted_params())
        m = int(check_scalar(periods_ahead, "periods_ahead", integer=True, low=0))
        res, x, tx, n = self._histories(frequency, recency, n_periods, data, {})
        ll, _ = _loglik_rows(a, b, g, d, x, tx, n)
        log_p = (
            sps.betaln(a + x, b + n - x)
            - sps.betaln(a, b)
            + sps.betaln(g, d + n + m)
            - sps.betaln(g, d)
            - ll
        )
        return shape_output(np.minimum(np.exp(log_p), 1.0), res, "probability_alive")

    def expected_purchases(
        self,
        t: object = None,
        frequency: object = None,
        recency: object = None,
        n_periods: object = None,
        *,
        data: pd.DataFrame | None = None,
        interval: float | None = None,
        n_draws: int = DEFAULT_DRAWS,
        seed: int | None = None,
    ) -> Any:
        r"""Return the expected transactions in the next :math:`n^*` opportunities (eq. 13).

        .. math::

            E[X(n, n+n^*) \mid x, t_x, n] = \frac{1}{L}
                \frac{B(\alpha+x+1, \beta+n-x)}{B(\alpha,\beta)}
                \sum_{j=n+1}^{n+n^*} \frac{B(\gamma, \delta+j)}{B(\gamma,\delta)}

        The sum equals eq. (13)'s closed form
        :math:`\frac{\delta}{\gamma-1}\frac{\Gamma(\gamma+\delta)}{\Gamma(1+\delta)}
        [\frac{\Gamma(1+\delta+n)}{\Gamma(\gamma+\delta+n)} -
        \frac{\Gamma(1+\delta+n+n^*)}{\Gamma(\gamma+\delta+n+n^*)}]`; it is
        summed term by term (no cancellation near :math:`\gamma = 1`) for
        windows of up to 10,000 opportunities and taken from the closed form beyond.

        Parameters
        ----------
        t : int or array-like
            Number of future opportunities :math:`n^*` (whole numbers ``>= 0``);
            a scalar applies to every customer.
        frequency, recency, n_periods : array-like
            Histories :math:`(x, t_x, n)`; Series in, Series out.
        %(interval)s

        Returns
        -------
        pandas.Series or numpy.ndarray or pandas.DataFrame
            Expected number of transactions per customer (with ``interval``:
            estimate, lower, upper).

        Raises
        ------
        InputValueError
            For infeasible histories or a negative / non-integer ``t``.
        """
        if interval is not None:
            return predict_with_interval(
                [self],
                lambda model: model.expected_purchases(
                    t, frequency, recency, n_periods, data=data
                ),
                interval,
                n_draws,
                seed,
            )
        a, b, g, d = dataclasses.astuple(self._fitted_params())
        res, x, tx, n = self._histories(frequency, recency, n_periods, data, {"t": t})
        tt = np.ascontiguousarray(res.arrays["t"])
        ll, _ = _loglik_rows(a, b, g, d, x, tx, n)
        log_e = (
            sps.betaln(a + x + 1.0, b + n - x)
            - sps.betaln(a, b)
            - ll
            + _log_alive_sum(g, d, n, tt)
        )
        return shape_output(np.exp(log_e), res, "expected_purchases")

    def expected_purchases_new_customer(
        self, t: object = None, *, data: pd.DataFrame | None = None
    ) -> Any:
        r"""Return the expected transactions of a new customer in :math:`n` opportunities (eq. 8).

        .. math::

            E[X(n)] = \frac{\alpha}{\alpha+\beta}\frac{\delta}{\gamma-1}
              \Bigl[1 - \frac{\Gamma(\gamma+\delta)\Gamma(1+\delta+n)}
                              {\Gamma(\gamma+\delta+n)\Gamma(1+\delta)}\Bigr]

        computed as :math:`\frac{\alpha}{\alpha+\beta}\sum_{j=1}^{n}
        B(\gamma,\delta+j)/B(\gamma,\delta)` (see :meth:`expected_purchases`).

        Parameters
        ----------
        t : int or array-like
            Number of opportunities :math:`n` (whole numbers ``>= 0``).

        Returns
        -------
        float or pandas.Series or numpy.ndarray
            A float for a scalar ``t``.

        Raises
        ------
        InputValueError
            If ``t`` is negative or not a whole number.
        """
        a, b, g, d = dataclasses.astuple(self._fitted_params())
        res = resolve({"t": t}, data=data, integer=("t",))
        tt = np.ascontiguousarray(res.arrays["t"])
        out = a / (a + b) * np.exp(_log_alive_sum(g, d, np.zeros_like(tt), tt))
        return shape_output(out, res, "expected_purchases")

    def probability_of_purchases(
        self, n: object = None, t: object = None, *, data: pd.DataFrame | None = None
    ) -> Any:
        r"""Return the probability of :math:`x` transactions in :math:`n` opportunities (eq. 7).

        .. math::

            P(X(n)=x) = \binom{n}{x}\frac{B(\alpha+x,\beta+n-x)}{B(\alpha,\beta)}
                \frac{B(\gamma,\delta+n)}{B(\gamma,\delta)}
              + \sum_{i=x}^{n-1}\binom{i}{x}\frac{B(\alpha+x,\beta+i-x)}{B(\alpha,\beta)}
                \frac{B(\gamma+1,\delta+i)}{B(\gamma,\delta)}

        Parameters
        ----------
        n : int or array-like
            Number of transactions :math:`x` (whole numbers ``>= 0``).
        t : int or array-like
            Number of opportunities :math:`n` (whole numbers ``>= 0``); scalars broadcast.

        Returns
        -------
        float or pandas.Series or numpy.ndarray
            Probabilities (0 where ``n > t``); a float when both are scalars.

        Raises
        ------
        InputValueError
            For negative or non-integer arguments.
        """
        a, b, g, d = dataclasses.astuple(self._fitted_params())
        res = resolve({"n": n, "t": t}, data=data, integer=("n", "t"))
        xx, tt = (np.ascontiguousarray(res.arrays[k]) for k in ("n", "t"))
        out = np.exp(_log_pmf(a, b, g, d, xx, tt))
        return shape_output(out, res, "probability")

    def simulate(
        self, n_customers: int, n_periods: int, *, seed: int | None = None
    ) -> pd.DataFrame:
        r"""Draw synthetic histories from the model (``params_``).

        Each customer draws :math:`p` and :math:`\theta`; at every opportunity
        1..``n_periods`` an alive customer first survives with probability
        :math:`1-\theta`, then transacts with probability :math:`p`.

        Parameters
        ----------
        n_customers : int
            Number of customers (``>= 1``).
        n_periods : int
            Number of opportunities observed for every customer (``>= 1``).
        seed : int, optional
            Seed of :func:`numpy.random.default_rng`; a fixed seed gives a fixed frame.

        Returns
        -------
        pandas.DataFrame
            Columns ``frequency``, ``recency``, ``n_periods`` (int64), one row per customer.
        """
        a, b, g, d = dataclasses.astuple(self._fitted_params())
        size = int(check_scalar(n_customers, "n_customers", integer=True, low=1))
        periods = int(check_scalar(n_periods, "n_periods", integer=True, low=1))
        rng = np.random.default_rng(seed)
        p = rng.beta(a, b, size)
        theta = rng.beta(g, d, size)
        alive = np.ones(size, dtype=bool)
        x = np.zeros(size, dtype=np.int64)
        tx = np.zeros(size, dtype=np.int64)
        for t in range(1, periods + 1):
            alive &= rng.random(size) >= theta
            buy = alive & (rng.random(size) < p)
            x += buy
            tx[buy] = t
        return pd.DataFrame(
            {"frequency": x, "recency": tx, "n_periods": np.full(size, periods, dtype=np.int64)}
        )
