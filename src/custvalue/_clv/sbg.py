"""sBG: the shifted-beta-geometric model of contractual cohort retention (Fader & Hardie 2007)."""

from __future__ import annotations

import dataclasses
import math
from typing import Any
from typing import ClassVar
from typing import Self

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.special import betaln
from scipy.special import psi

from custvalue._clv.base import FittedModel
from custvalue._clv.base import NegLogLik
from custvalue._clv.base import PositiveParams
from custvalue._clv.docs import FIT_PARAMS
from custvalue._core.docs import fill_doc
from custvalue._core.jit import jit
from custvalue._core.shape import Resolved
from custvalue._core.shape import column_name
from custvalue._core.shape import resolve
from custvalue._core.shape import shape_output
from custvalue._core.validation import as_float_array
from custvalue._core.validation import check_scalar
from custvalue.errors import InputValueError

__all__ = ["ShiftedBetaGeoModel", "ShiftedBetaGeoParams"]

FloatArray = npt.NDArray[np.float64]


@dataclasses.dataclass(frozen=True, slots=True)
class ShiftedBetaGeoParams(PositiveParams):
    r"""Parameters of the sBG model, named as in Fader & Hardie (2007).

    Attributes
    ----------
    alpha, beta : float
        Beta distribution of the per-period churn probability :math:`\theta`.
    """

    alpha: float
    beta: float


@jit
def _hyp2f1_one(b: float, c: float, z: float) -> float:
    """Gauss 2F1(1, b; c; z) for 0 <= z < 1 and c > b > 0, by its power series.

    Term ratios (b + k) / (c + k) z increase towards z, so the tail after a
    term T is at most T z / (1 - z); the loop stops when that is negligible.
    """
    total = 1.0
    term = 1.0
    k = 0.0
    bound = z / (1.0 - z)
    while term * bound > 1e-17 * total:
        term *= (b + k) / (c + k) * z
        total += term
        k += 1.0
    return total


@jit
def _derl_rows(a: float, b: float, renewals: FloatArray, z: float) -> FloatArray:
    out = np.empty(renewals.shape[0])
    for i in range(renewals.shape[0]):
        r = renewals[i]
        out[i] = (b + r) / (a + b + r) * _hyp2f1_one(b + r + 1.0, a + b + r + 1.0, z)
    return out


def _check_alive(alive: object) -> FloatArray:
    if isinstance(alive, pd.DataFrame):
        alive = alive[column_name(alive, "alive", "alive")]
    counts = as_float_array(alive, "alive", nonnegative=True, integer=True)
    if counts.shape[0] < 2:
        raise InputValueError(
            "`alive` needs at least two counts: the cohort size at the start (period 0) "
            "and the number still active after period 1."
        )
    if counts[0] <= 0:
        raise InputValueError(
            f"`alive` must start with a positive cohort size, got {counts[0]:g}."
        )
    if (bad := np.diff(counts) > 0).any():
        i = int(np.flatnonzero(bad)[0]) + 1
        raise InputValueError(
            f"`alive` must not increase (customers who left cannot return), but count "
            f"{i} ({counts[i]:g}) exceeds count {i - 1} ({counts[i - 1]:g})."
        )
    if counts[-1] == counts[0]:
        raise InputValueError(
            "`alive` shows no customer leaving, so the churn distribution is not identified "
            "(the likelihood keeps rising as beta grows); pass a longer history."
        )
    return counts


def _neg_ll(theta: FloatArray, lost: FloatArray, survivors: float) -> tuple[float, FloatArray]:
    a, b = float(theta[0]), float(theta[1])
    k = lost.shape[0]
    t = np.arange(1, k + 1, dtype=np.float64)
    lb = betaln(a, b)
    # log P(T = t) = log B(a + 1, b + t - 1) - log B(a, b)
    log_p = betaln(a + 1.0, b + t - 1.0) - lb
    log_s = float(betaln(a, b + k) - lb)
    psi_ab = psi(a + b)
    psi_abt = psi(a + b + t)
    dpa = psi(a + 1.0) - psi_abt - psi(a) + psi_ab
    dpb = psi(b + t - 1.0) - psi_abt - psi(b) + psi_ab
    dsa = psi_ab - psi(a + b + k)
    dsb = psi(b + k) - psi(a + b + k) - psi(b) + psi_ab
    ll = float(lost @ log_p) + survivors * log_s
    ga = float(lost @ dpa) + survivors * float(dsa)
    gb = float(lost @ dpb) + survivors * float(dsb)
    return -ll, -np.array([ga, gb])


class ShiftedBetaGeoModel(FittedModel[ShiftedBetaGeoParams]):
    r"""sBG model of how a contractual cohort shrinks (Fader & Hardie 2007).

    At the end of each period an active customer cancels with probability
    :math:`\theta` (constant per customer); across customers
    :math:`\theta \sim \mathrm{Beta}(\alpha, \beta)`.  Cohort retention rates
    rise over time because the customers most likely to cancel leave first.

    Attributes
    ----------
    params_ : ShiftedBetaGeoParams
        Maximum-likelihood estimates.
    log_likelihood_ : float
        Log-likelihood at the estimates, comparable to the paper's values.
    standard_errors_ : ShiftedBetaGeoParams
        Asymptotic standard errors.
    converged_ : bool
        Whether the optimizer reported convergence.

    Notes
    -----
    With :math:`T` the period in which a customer cancels:

    .. math::

        P(T = t) = \frac{B(\alpha+1, \beta+t-1)}{B(\alpha,\beta)}, \qquad
        S(t) = P(T > t) = \frac{B(\alpha, \beta+t)}{B(\alpha,\beta)}, \qquad
        r(t) = \frac{S(t)}{S(t-1)} = \frac{\beta+t-1}{\alpha+\beta+t-1}

    and for alive counts :math:`n_0 \ge n_1 \ge \dots \ge n_k` the
    log-likelihood is (FH 2007 eq. B3)

    .. math::

        LL = \sum_{t=1}^{k} (n_{t-1} - n_t) \ln P(T=t) + n_k \ln S(k).

    References
    ----------
    .. [1] Fader, P. S. and Hardie, B. G. S. (2007), "How to Project Customer
       Retention", Journal of Interactive Marketing, 21 (1), 76-90, eqs. (5),
       (7), (8) and (B3).
    .. [2] Fader, P. S. and Hardie, B. G. S. (2010), "Customer-Base Valuation in
       a Contractual Setting: The Perils of Ignoring Heterogeneity", Marketing
       Science, 29 (1), 85-93, eqs. (6) and (7) (DEL and DERL).

    Examples
    --------
    >>> from custvalue.clv import ShiftedBetaGeoModel
    >>> regular = [1000, 631, 468, 382, 326, 289, 262, 241]
    >>> model = ShiftedBetaGeoModel().fit(regular)
    >>> print(f"{model.params_.alpha:.3f} {model.params_.beta:.3f} {model.log_likelihood_:.1f}")
    0.704 1.182 -1680.3
    >>> model.survival([8, 9, 10]).round(3)
    array([0.22 , 0.204, 0.191])
    >>> model.retention_rate([1, 2, 8]).round(3)
    array([0.627, 0.756, 0.921])
    """

    params_type: ClassVar[type[Any]] = ShiftedBetaGeoParams

    @fill_doc(FIT_PARAMS)
    def fit(
        self,
        alive: object,
        *,
        initial_params: ShiftedBetaGeoParams | None = None,
        max_iter: int = 2000,
        tol: float = 1e-9,
        penalizer: float = 0.0,
    ) -> Self:
        r"""Estimate ``alpha`` and ``beta`` from one cohort's alive counts.

        Parameters
        ----------
        alive : array-like
            Customers still active at the start of periods 0, 1, ..., k (whole
            numbers, non-increasing; the first is the cohort size), e.g.
            ``[1000, 631, 468, 382]``.
        initial_params : ShiftedBetaGeoParams, optional
            Starting point (default ``alpha = beta = 1``).
        %(max_iter)s
        %(penalizer)s

        Returns
        -------
        ShiftedBetaGeoModel
            ``self``, fitted.

        Raises
        ------
        InputValueError
            For fewer than two counts, negative, non-integer or increasing
            counts, or counts without any churn (messages name ``alive``).
        ConvergenceError
            If the optimizer fails, e.g. when nobody or everybody churns.
        """
        counts = _check_alive(alive)
        return self._fit(counts, initial_params, max_iter, tol, penalizer)

    def _total_weight(self, prepared: Any) -> float:
        return float(prepared[0])

    def _neg_log_lik(self, prepared: Any) -> NegLogLik:
        lost = -np.diff(prepared)
        survivors = float(prepared[-1])
        return lambda theta: _neg_ll(theta, lost, survivors)

    def individual_log_likelihood(
        self,
        t: object = None,
        churned: object = None,
        *,
        data: pd.DataFrame | None = None,
    ) -> Any:
        r"""Log-likelihood of each customer's observed lifetime at ``params_`` (FH 2007 eq. B3).

        A customer who cancelled in period :math:`t` contributes
        :math:`\log P(T = t) = \log B(\alpha+1, \beta+t-1) - \log B(\alpha, \beta)`;
        one still active after :math:`t` periods contributes
        :math:`\log S(t) = \log B(\alpha, \beta+t) - \log B(\alpha, \beta)`.
        Summed over a cohort (each customer lost in period :math:`t` once, each
        survivor of the :math:`k` observed periods with :math:`t = k`) this is
        ``log_likelihood_``.

        Parameters
        ----------
        t : int or array-like, optional
            Periods observed (whole numbers; ``>= 1`` for a churned customer).
        churned : int or array-like, optional
            1 if the customer cancelled in period ``t``, 0 if still active.
        data : pandas.DataFrame, optional
            Frame with columns ``t`` and ``churned``; the result is on its index.

        Returns
        -------
        float or pandas.Series or numpy.ndarray
            Log-likelihood per customer (shape convention as for every prediction).

        Examples
        --------
        >>> from custvalue.clv import ShiftedBetaGeoModel
        >>> model = ShiftedBetaGeoModel().fit([1000, 631, 468, 382, 326])
        >>> lost = [369, 163, 86, 56]  # customers lost in periods 1..4
        >>> ll = sum(n * model.individual_log_likelihood(t, 1) for t, n in enumerate(lost, 1))
        >>> ll += 326 * model.individual_log_likelihood(4, 0)
        >>> round(ll - model.log_likelihood_, 9)
        0.0
        """
        a, b = dataclasses.astuple(self._fitted_params())
        res = resolve({"t": t, "churned": churned}, data=data, integer=("t", "churned"))
        tt, c = res.arrays["t"], res.arrays["churned"]
        if (bad := c > 1).any():
            raise InputValueError(f"`churned` must be 0 or 1, got {c[bad][0]:g}.")
        if (bad := (c == 1) & (tt < 1)).any():
            raise InputValueError(
                "`t` must be >= 1 for a churned customer (customers cancel at the end of a "
                "period), got 0."
            )
        churn = betaln(a + 1.0, b + tt - 1.0)
        alive = betaln(a, b + tt)
        ll = np.where(c == 1, churn, alive) - betaln(a, b)
        return shape_output(np.asarray(ll, dtype=np.float64), res, "log_likelihood")

    def _periods(
        self, t: object, low: int, data: pd.DataFrame | None, name: str = "t"
    ) -> tuple[FloatArray, Resolved]:
        res = resolve({name: t}, data=data, integer=(name,))
        tt = res.arrays[name]
        if (bad := tt < low).any():
            raise InputValueError(f"`{name}` must be >= {low}, got {tt[bad][0]:g}.")
        return tt, res

    def survival(self, t: object = None, *, data: pd.DataFrame | None = None) -> Any:
        r"""Return the share of the cohort still active after :math:`t` periods.

        .. math::

            S(t) = \frac{B(\alpha, \beta+t)}{B(\alpha, \beta)}

        Parameters
        ----------
        t : int or array-like
            Periods (whole numbers ``>= 0``).

        Returns
        -------
        float or pandas.Series or numpy.ndarray
            :math:`S(t)`; a float for a scalar ``t``.
        """
        a, b = dataclasses.astuple(self._fitted_params())
        tt, res = self._periods(t, 0, data)
        return shape_output(np.exp(betaln(a, b + tt) - betaln(a, b)), res, "survival")

    def retention_rate(self, t: object = None, *, data: pd.DataFrame | None = None) -> Any:
        r"""Return the retention rate of period :math:`t`.

        .. math::

            r(t) = \frac{\beta+t-1}{\alpha+\beta+t-1}

        The share of customers active in period :math:`t-1` who renew for
        period :math:`t`, for whole periods ``t >= 1`` (a scalar, an
        array-like, a Series, or the ``t`` column of ``data``); the output
        follows the shape convention (float, array, Series).
        """
        a, b = dataclasses.astuple(self._fitted_params())
        tt, res = self._periods(t, 1, data)
        return shape_output((b + tt - 1.0) / (a + b + tt - 1.0), res, "retention_rate")

    def churn_probability(self, t: object = None, *, data: pd.DataFrame | None = None) -> Any:
        r"""Return the probability that a new customer cancels in period :math:`t`, :math:`P(T=t)`.

        :math:`P(T=t) = B(\alpha+1,\beta+t-1)/B(\alpha,\beta)` for whole
        periods ``t >= 1`` given as for :meth:`retention_rate`.
        """
        a, b = dataclasses.astuple(self._fitted_params())
        tt, res = self._periods(t, 1, data)
        values = np.exp(betaln(a + 1.0, b + tt - 1.0) - betaln(a, b))
        return shape_output(values, res, "churn_probability")

    def discounted_expected_residual_lifetime(
        self,
        renewals: object = None,
        discount_rate: float | None = None,
        *,
        data: pd.DataFrame | None = None,
    ) -> Any:
        r"""Return the discounted expected residual lifetime (DERL) after ``renewals`` renewals.

        With :math:`n - 1` renewals made (the customer is at the end of
        period :math:`n`, about to decide on renewal :math:`n`), Fader &
        Hardie (2010, eq. 7) give

        .. math::

            \mathrm{DERL}(d \mid \alpha, \beta, n-1) =
              \frac{B(\alpha, \beta+n)}{B(\alpha, \beta+n-1)}\,
              {}_2F_1\Bigl(1, \beta+n; \alpha+\beta+n; \frac{1}{1+d}\Bigr)
            = \sum_{t=n}^{\infty} \frac{S(t)/S(n-1)}{(1+d)^{t-n}} .

        Multiplied by the (constant) net cash flow per period, paid at the
        start of each period, it is the customer's expected residual value: the
        next payment (made with the upcoming renewal) counts undiscounted.

        Parameters
        ----------
        renewals : int or array-like
            Number of renewals made so far, :math:`n - 1` (whole numbers ``>= 0``;
            0 for a customer in the first period).
        discount_rate : float
            Discount rate :math:`d` per period (``> 0``).

        Returns
        -------
        float or pandas.Series or numpy.ndarray
            DERL in periods (expected discounted number of future payments).

        Raises
        ------
        InputValueError
            For negative or non-integer ``renewals`` or ``discount_rate <= 0``.

        Notes
        -----
        The hypergeometric series is summed directly (its terms are positive
        and fall geometrically by at least :math:`1/(1+d)`), so the cost grows
        like :math:`1/d`.
        """
        a, b = dataclasses.astuple(self._fitted_params())
        d = check_scalar(discount_rate, "discount_rate", low=0.0, low_inclusive=False)
        r, res = self._periods(renewals, 0, data, "renewals")
        values = _derl_rows(a, b, np.ascontiguousarray(r), 1.0 / (1.0 + d))
        return shape_output(values, res, "derl")

    def discounted_expected_lifetime(self, discount_rate: float) -> float:
        r"""Return the discounted expected lifetime (DEL) of a customer just acquired.

        .. math::

            \mathrm{DEL}(d) = \sum_{t=0}^{\infty} \frac{S(t)}{(1+d)^t}
              = {}_2F_1\Bigl(1, \beta; \alpha+\beta; \frac{1}{1+d}\Bigr)

        (Fader & Hardie 2010, eq. 6); the first payment counts undiscounted.

        Parameters
        ----------
        discount_rate : float
            Discount rate :math:`d` per period (``> 0``).

        Returns
        -------
        float
            DEL in periods; times the net cash flow per period it is the
            expected lifetime value of a new customer.
        """
        a, b = dataclasses.astuple(self._fitted_params())
        d = check_scalar(discount_rate, "discount_rate", low=0.0, low_inclusive=False)
        return float(_hyp2f1_one(b, a + b, 1.0 / (1.0 + d)))

    def simulate(
        self, n_customers: int, n_periods: int, *, seed: int | None = None
    ) -> pd.DataFrame:
        r"""Draw a cohort's alive counts at the start of periods 0..``n_periods``.

        Each customer draws :math:`\theta \sim \mathrm{Beta}(\alpha, \beta)`
        and cancels in period :math:`T \sim \mathrm{Geometric}(\theta)`.

        Parameters
        ----------
        n_customers : int
            Cohort size (``>= 1``).
        n_periods : int
            Number of periods after the start (``>= 1``).
        seed : int, optional
            Seed of :func:`numpy.random.default_rng`.

        Returns
        -------
        pandas.DataFrame
            One column ``alive``: ``n_periods + 1`` non-increasing counts
            (int64) on an index named ``period`` (0, 1, ...), the first being
            ``n_customers``; :meth:`fit` takes the frame as it is.
        """
        a, b = dataclasses.astuple(self._fitted_params())
        size = int(check_scalar(n_customers, "n_customers", integer=True, low=1))
        periods = int(check_scalar(n_periods, "n_periods", integer=True, low=1))
        rng = np.random.default_rng(seed)
        theta = rng.beta(a, b, size)
        theta = np.clip(theta, math.ulp(0.0), 1.0)
        churn = rng.geometric(theta)
        t = np.arange(periods + 1)
        counts = np.asarray((churn[None, :] > t[:, None]).sum(axis=1), dtype=np.int64)
        return pd.DataFrame({"alive": counts}, index=pd.RangeIndex(periods + 1, name="period"))
