"""Gamma-Gamma model of the spend per transaction (Fader, Hardie & Lee 2005b)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any
from typing import ClassVar
from typing import Self
from typing import cast

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.special import gammaln
from scipy.special import polygamma
from scipy.special import psi

from custvalue._clv.base import CovariateData
from custvalue._clv.base import FitResult
from custvalue._clv.base import FittedModel
from custvalue._clv.base import NegLogLik
from custvalue._clv.base import PositiveParams
from custvalue._clv.base import log_scale_covariance
from custvalue._clv.base import maximize_likelihood
from custvalue._clv.base import resolve_inputs
from custvalue._clv.base import resolve_weights
from custvalue._clv.covariates import CovariateLinks
from custvalue._clv.covariates import encode_covariates
from custvalue._clv.docs import FIT_PARAMS
from custvalue._core.docs import fill_doc
from custvalue._core.jit import jit
from custvalue._core.shape import resolve
from custvalue._core.shape import shape_output
from custvalue.errors import ConvergenceError
from custvalue.errors import InputValueError

__all__ = ["GammaGammaModel", "GammaGammaParams"]

FloatArray = npt.NDArray[np.float64]

#: Fits on more than four times this many rows start from a subsample's optimum.
_WARM_START_ROWS = 50_000


@dataclasses.dataclass(frozen=True, slots=True)
class GammaGammaParams(PositiveParams):
    r"""Parameters of the Gamma-Gamma spend model, named as in Fader, Hardie & Lee (2005b).

    Attributes
    ----------
    p : float
        Shape of the gamma distribution of a transaction's value :math:`z`.
    q, v : float
        Shape and rate of the gamma distribution of the customer-level rate
        :math:`\nu` (``v`` is the paper's :math:`\gamma`).
    """

    p: float
    q: float
    v: float


@jit
def _row_sums(v: float, x: FloatArray, m: FloatArray, w: FloatArray) -> FloatArray:
    """Weighted sums of log(s), 1/s and 1/s**2, plain and times x, s = v + x m, in one pass."""
    a1 = 0.0
    a2 = 0.0
    b1 = 0.0
    b2 = 0.0
    c1 = 0.0
    c2 = 0.0
    for k in range(x.shape[0]):
        s = v + x[k] * m[k]
        ls = np.log(s)
        inv = w[k] / s
        inv2 = inv / s
        a1 += w[k] * ls
        a2 += w[k] * x[k] * ls
        b1 += inv
        b2 += inv * x[k]
        c1 += inv2
        c2 += inv2 * x[k]
    out = np.empty(6)
    out[0] = a1
    out[1] = a2
    out[2] = b1
    out[3] = b2
    out[4] = c1
    out[5] = c2
    return out


class _GGData:
    """Parameter-free summaries of the fit data, so each evaluation costs one pass."""

    def __init__(self, x: FloatArray, m: FloatArray, w: FloatArray) -> None:
        self.x = x
        self.m = m
        self.w = w
        self.total = float(w.sum())
        top = float(x.max())
        if top <= 4.0 * x.shape[0] + 1024.0:
            counts = np.bincount(x.astype(np.int64), weights=w)
            self.ux = np.flatnonzero(counts).astype(np.float64)
            self.wx = counts[self.ux.astype(np.int64)]
        else:
            self.ux, inverse = np.unique(x, return_inverse=True)
            self.wx = np.bincount(inverse, weights=w, minlength=self.ux.shape[0])
        log_m = np.log(m)
        self.sum_w_logm = float(w @ log_m)
        self.sum_wx_logm = float((w * x) @ log_m)
        self.sum_wx_logx = float((w * x) @ np.log(x))
        #: set when the start comes from a subsample's optimum (then Newton finishes)
        self.warm_started = False

    def neg_ll(self, theta: FloatArray) -> tuple[float, FloatArray]:
        nll, grad, _ = self.neg_ll_hess(theta)
        return nll, grad

    def neg_ll_hess(self, theta: FloatArray) -> tuple[float, FloatArray, FloatArray]:
        """Negative log-likelihood, its gradient and its Hessian (natural parameters)."""
        p, q, v = float(theta[0]), float(theta[1]), float(theta[2])
        a1, a2, b1, b2, c1, c2 = _row_sums(v, self.x, self.m, self.w)
        px = p * self.ux
        ll = (
            float(self.wx @ (gammaln(px + q) - gammaln(px)))
            - self.total * float(gammaln(q))
            + self.total * q * np.log(v)
            + p * self.sum_wx_logm
            - self.sum_w_logm
            + p * self.sum_wx_logx
            - p * a2
            - q * a1
        )
        psi_pxq = psi(px + q)
        dp = (
            float((self.wx * self.ux) @ (psi_pxq - psi(px)))
            + self.sum_wx_logm
            + self.sum_wx_logx
            - a2
        )
        dq = float(self.wx @ psi_pxq) - self.total * float(psi(q)) + self.total * np.log(v) - a1
        dv = self.total * q / v - p * b2 - q * b1
        tri_pxq = polygamma(1, px + q)
        tri_px = polygamma(1, px)
        hpp = float((self.wx * self.ux**2) @ (tri_pxq - tri_px))
        hpq = float((self.wx * self.ux) @ tri_pxq)
        hqq = float(self.wx @ tri_pxq) - self.total * float(polygamma(1, q))
        hpv = -b2
        hqv = self.total / v - b1
        hvv = -self.total * q / v**2 + p * c2 + q * c1
        hess = np.array([[hpp, hpq, hpv], [hpq, hqq, hqv], [hpv, hqv, hvv]])
        return -float(ll), -np.array([dp, dq, dv]), -hess


def _log_density(
    p: float, q: float, v: float | FloatArray, x: FloatArray, m: FloatArray, log_s: FloatArray
) -> FloatArray:
    """Log-density of each customer's mean spend ``m`` over ``x`` purchases at scale ``v``.

    ``log_s = log(v + x m)`` (the caller's, which the gradient reuses); ``v``
    is a float or one scale per customer.
    """
    px = p * x
    return np.asarray(
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(v)
        + (px - 1.0) * np.log(m)
        + px * np.log(x)
        - (px + q) * log_s,
        dtype=np.float64,
    )


@dataclasses.dataclass(frozen=True, slots=True)
class _GGCovariateRows(CovariateData):
    """The fit data with covariates: one row per customer, ``v_i = v exp(gamma'z_i)``."""

    x: FloatArray
    m: FloatArray
    w: FloatArray

    def neg_ll(self, theta: FloatArray) -> tuple[float, FloatArray]:
        """Negative log-likelihood and its gradient in ``(p, q, v, gamma)``."""
        p, q, v = float(theta[0]), float(theta[1]), float(theta[2])
        coef = theta[3:]
        x, m, w = self.x, self.m, self.w
        v_i = v * np.exp(self.z @ coef)
        px = p * x
        log_s = np.log(v_i + x * m)
        ll = _log_density(p, q, v_i, x, m, log_s)
        psi_pxq = psi(px + q)
        dp = x * (psi_pxq - psi(px) + np.log(m) + np.log(x) - log_s)
        dq = psi_pxq - psi(q) + np.log(v_i) - log_s
        # d ll / d log(v_i), then the chain rule to v and the coefficients
        d_log_v = q - (px + q) * v_i / (v_i + x * m)
        grad = np.concatenate([[w @ dp, w @ dq, (w @ d_log_v) / v], self.z.T @ (w * d_log_v)])
        return -float(w @ ll), -grad


def _newton_polish(data: _GGData, start: FloatArray, max_iter: int = 50) -> FitResult | None:
    """Newton's method with step halving from a good start; None if it does not converge.

    Each iteration costs one pass over the rows (value, gradient and the
    analytic Hessian together); standard errors come from the analytic Hessian.
    """
    theta = start.copy()
    nll, grad, hess = data.neg_ll_hess(theta)
    for it in range(max_iter):
        if not (np.isfinite(nll) and np.all(np.isfinite(hess))):
            return None
        if np.max(np.abs(grad * theta)) <= 1e-9 * data.total:
            try:
                cov = np.linalg.inv(hess)
            except np.linalg.LinAlgError:
                return None
            diag = np.diag(cov)
            if not np.all(diag > 0):
                return None
            return FitResult(
                x=theta,
                log_likelihood=-nll,
                standard_errors=np.sqrt(diag),
                converged=True,
                message="Newton iterations converged",
                n_iterations=it,
                covariance=log_scale_covariance(hess, theta),
            )
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            return None
        scale = 1.0
        for _ in range(40):
            cand = theta - scale * step
            if np.all(cand > 0):
                c_nll, c_grad, c_hess = data.neg_ll_hess(cand)
                if np.isfinite(c_nll) and c_nll <= nll + 1e-12 * abs(nll):
                    break
            scale *= 0.5
        else:
            return None
        theta, nll, grad, hess = cand, c_nll, c_grad, c_hess
    return None


class GammaGammaModel(FittedModel[GammaGammaParams]):
    r"""Gamma-Gamma model of the value of a customer's transactions (Fader, Hardie & Lee 2005b).

    Transaction values :math:`z_j` of a customer are i.i.d.
    :math:`\mathrm{Gamma}(p, \nu)` (shape, rate), so their mean is
    :math:`p/\nu`; across customers :math:`\nu \sim \mathrm{Gamma}(q, v)`.
    A customer is summarised by the number :math:`x \ge 1` of (repeat)
    transactions and their mean value :math:`\bar z`.  Spend is assumed
    independent of the transaction process.

    Attributes
    ----------
    params_ : GammaGammaParams
        Maximum-likelihood estimates.
    log_likelihood_ : float
        Log-likelihood of the observed mean spends at the estimates (weights applied).
    standard_errors_ : GammaGammaParams
        Asymptotic standard errors.
    converged_ : bool
        Whether the optimizer reported convergence.

    Notes
    -----
    The likelihood is the density of the observed mean :math:`\bar z` given
    :math:`x` (Fader & Hardie 2013, eq. 3):

    .. math::

        f(\bar z \mid p, q, v; x) =
            \frac{\Gamma(px+q)}{\Gamma(px)\Gamma(q)}
            \frac{v^q\, \bar z^{px-1} x^{px}}{(v + x\bar z)^{px+q}}

    (lifetimes and the authors' spreadsheet use the same density, so
    log-likelihoods are comparable).  Per evaluation, the gamma-function
    terms are computed once per distinct :math:`x` and a single numba pass
    over the customers accumulates the terms in :math:`\log(v + x\bar z)`;
    the gradient is analytic.

    References
    ----------
    .. [1] Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005b), "RFM and CLV:
       Using Iso-Value Curves for Customer Base Analysis", Journal of
       Marketing Research, 42 (4), 415-430.
    .. [2] Fader, P. S. and Hardie, B. G. S. (2013), "The Gamma-Gamma Model of
       Monetary Value", http://brucehardie.com/notes/025/, eqs. (3) and (5).

    Examples
    --------
    >>> from custvalue.clv import GammaGammaModel, GammaGammaParams
    >>> model = GammaGammaModel.from_params(GammaGammaParams(p=6.25, q=3.74, v=15.44))
    >>> round(model.population_mean_spend(), 2)
    35.22
    >>> round(model.expected_spend(1, 10.0), 2)
    17.69
    >>> model.expected_spend([1, 1, 10], [10.0, 90.0, 90.0]).round(2)
    array([17.69, 73.3 , 87.7 ])
    >>> import pandas as pd
    >>> df = pd.DataFrame({"frequency": [1, 10], "monetary_value": [10.0, 90.0]},
    ...                   index=["ann", "bob"])
    >>> model.expected_spend(data=df).round(2)
    ann    17.69
    bob    87.70
    Name: expected_spend, dtype: float64
    >>> sim = model.simulate([1, 2, 3, 4, 5] * 2000, seed=0)
    >>> fitted = GammaGammaModel().fit(sim)
    >>> fitted.converged_
    True
    """

    params_type: ClassVar[type[Any]] = GammaGammaParams
    # v_i = v exp(gamma_spend'z): the mean spend p v / (q - 1) grows with gamma_spend'z
    _covariate_links: ClassVar[CovariateLinks] = {"spend": ((2, 1.0),)}

    def _fit_data(
        self,
        data: pd.DataFrame | None,
        frequency: object | None,
        monetary_value: object | None,
        weights: object | None,
        covariates: object = None,
    ) -> _GGData | _GGCovariateRows:
        cols = resolve_inputs(
            data,
            {"frequency": frequency, "monetary_value": monetary_value},
            integer=("frequency",),
        )
        x, m = cols["frequency"], cols["monetary_value"]
        if (bad := x == 0).any():
            raise InputValueError(
                f"`frequency` must be >= 1: the Gamma-Gamma model is fitted on repeat "
                f"customers only, but {int(bad.sum())} row(s) have frequency 0 (first at "
                f"position {int(np.flatnonzero(bad)[0])}); select them with "
                f"data[data['frequency'] > 0]."
            )
        if (bad := m <= 0).any():
            raise InputValueError(
                f"`monetary_value` must be > 0 for customers with repeat transactions, but "
                f"{int(bad.sum())} row(s) are not (first at position "
                f"{int(np.flatnonzero(bad)[0])}: {m[bad][0]!r})."
            )
        w = resolve_weights(data, weights, x.shape[0])
        keep = w > 0
        if covariates is not None:
            encoding, z = encode_covariates(data, covariates, x.shape[0], ("spend",))
            return _GGCovariateRows(
                z=np.ascontiguousarray(z[keep]), encoding=encoding, x=x[keep], m=m[keep], w=w[keep]
            )
        if not keep.all():
            x, m, w = x[keep], m[keep], w[keep]
        return _GGData(x, m, w)

    @fill_doc(FIT_PARAMS)
    def fit(
        self,
        data: pd.DataFrame | None = None,
        *,
        frequency: object | None = None,
        monetary_value: object | None = None,
        weights: object | None = None,
        initial_params: GammaGammaParams | None = None,
        max_iter: int = 2000,
        tol: float = 1e-9,
        penalizer: float = 0.0,
        covariates: object = None,
    ) -> Self:
        r"""Estimate ``p``, ``q`` and ``v`` by maximum likelihood.

        Parameters
        ----------
        data : pandas.DataFrame, optional
            One row per customer with columns ``frequency`` and
            ``monetary_value`` (e.g. :func:`custvalue.rfm.rfm_summary` output
            restricted to ``frequency > 0``).
        frequency : array-like or str, optional
            Number of repeat transactions :math:`x` (whole numbers ``>= 1``).
        monetary_value : array-like or str, optional
            Mean value of those transactions :math:`\bar z` (``> 0``).
        weights : array-like or str, optional
            Number of customers per row (non-negative); default 1.
        initial_params : GammaGammaParams, optional
            Starting point.  By default ``p = 1``, ``q = 2`` and ``v`` = the
            weighted mean of ``monetary_value`` (a population mean spend equal
            to the sample's); above 200,000 rows the search first runs on an
            evenly spaced subsample of about 50,000 rows from there, and
            Newton's method with the analytic Hessian (one pass over the rows
            per step) finishes on the full data from that optimum; if Newton
            fails, L-BFGS-B takes over.  Either way the result is the
            full-data optimum.
        %(max_iter)s
        %(penalizer)s
        covariates : str, list of str or pandas.DataFrame, optional
            Time-invariant customer covariates on the spend scale,
            :math:`v_i = v\,e^{\gamma^\top z_i}` (a positive coefficient means a
            higher spend): column names of ``data`` or a DataFrame on its index;
            see :doc:`/clv_covariates`.

        Returns
        -------
        GammaGammaModel
            ``self``, fitted.

        Raises
        ------
        InputValueError
            For missing values, ``frequency`` 0 (one-time buyers carry no spend
            information: filter them out), non-integer frequencies or
            non-positive ``monetary_value``; messages name the argument.
        MissingColumnError
            If ``data`` lacks a needed column.
        ConvergenceError
            If the optimizer fails (the message carries its report).
        """
        d = self._fit_data(data, frequency, monetary_value, weights, covariates)
        self._fit(d, initial_params, max_iter, tol, penalizer)
        self._encoding = d.encoding if isinstance(d, _GGCovariateRows) else None
        return self

    def _total_weight(self, prepared: Any) -> float:
        if isinstance(prepared, _GGCovariateRows):
            return float(prepared.w.sum())
        return float(prepared.total)

    def _neg_log_lik(self, prepared: Any) -> NegLogLik:
        return cast(NegLogLik, prepared.neg_ll)

    def _start_values(self, prepared: Any) -> FloatArray:
        d: _GGData = prepared
        # the weighted mean spend, summed in shares so that it cannot overflow
        start = np.array([1.0, 2.0, float((d.w / d.w.sum()) @ d.m)])
        n = d.x.shape[0]
        if n > 4 * _WARM_START_ROWS and not isinstance(prepared, _GGCovariateRows):
            # Start from the optimum of an evenly spaced subsample: the full-data
            # search then needs a few evaluations instead of dozens.
            sub = slice(None, None, n // _WARM_START_ROWS)
            d_sub = _GGData(d.x[sub], d.m[sub], d.w[sub])
            try:
                warm = maximize_likelihood(
                    d_sub.neg_ll, start, total_weight=d_sub.total, names=("p", "q", "v")
                )
            except ConvergenceError:
                return start
            d.warm_started = True
            return warm.x
        return start

    def _maximize(
        self, prepared: Any, x0: FloatArray, max_iter: int, tol: float, penalizer: float = 0.0
    ) -> FitResult:
        # Newton's polish maximises the plain likelihood: penalised fits use L-BFGS-B.
        warm = isinstance(prepared, _GGData) and prepared.warm_started and penalizer == 0.0
        polished = _newton_polish(prepared, x0) if warm else None
        if polished is not None:
            return polished
        return super()._maximize(prepared, x0, max_iter, tol, penalizer)

    def individual_log_likelihood(
        self,
        frequency: object = None,
        monetary_value: object = None,
        *,
        data: pd.DataFrame | None = None,
    ) -> Any:
        r"""Log-density :math:`\log f(\bar z_i \mid p, q, v; x_i)` of each customer at ``params_``.

        The summands of ``log_likelihood_`` (without weights).  ``frequency``
        must be >= 1 and ``monetary_value`` > 0 as in :meth:`fit`; inputs and
        output follow the shape convention (scalars → float, arrays broadcast,
        Series → Series, ``data=`` → Series on ``data.index``).

        Returns
        -------
        float or pandas.Series or numpy.ndarray
            Log-likelihood per customer.
        """
        res = resolve(
            {"frequency": frequency, "monetary_value": monetary_value},
            data=data,
            integer=("frequency",),
            positive=("frequency", "monetary_value"),
        )
        p, q, v = self._params_for(data, res, "individual_log_likelihood")
        x, m = res.arrays["frequency"], res.arrays["monetary_value"]
        ll = _log_density(p, q, v, x, m, np.log(v + x * m))
        return shape_output(np.asarray(ll, dtype=np.float64), res, "log_likelihood")

    def population_mean_spend(self) -> float:
        r"""Return the mean spend per transaction across customers, :math:`E[Z] = pv/(q-1)`.

        Returns
        -------
        float
            The expected spend of a randomly chosen (e.g. newly acquired) customer.

        Raises
        ------
        InputValueError
            If :math:`q \le 1`: the mean is then infinite.
        """
        if self._encoding is not None:
            raise InputValueError(
                "the population mean spend of a GammaGammaModel fitted with covariates "
                "depends on them: use expected_spend(data=frame) with frequency 0 and each "
                "customer's covariates."
            )
        p, q, v = dataclasses.astuple(self._fitted_params())
        if q <= 1.0:
            raise InputValueError(
                f"the population mean spend is infinite because q = {q:g} <= 1 "
                f"(the mean of 1/nu diverges); the spend data are too heavy-tailed for a mean."
            )
        return float(p * v / (q - 1.0))

    def expected_spend(
        self,
        frequency: object = None,
        monetary_value: object = None,
        *,
        data: pd.DataFrame | None = None,
    ) -> Any:
        r"""Return the conditional expected spend per transaction (Fader & Hardie 2013, eq. 5).

        .. math::

            E[Z \mid p, q, v, \bar z, x] =
              \frac{q-1}{px+q-1}\,\frac{pv}{q-1} + \frac{px}{px+q-1}\,\bar z
              = \frac{p\,(v + x\bar z)}{px+q-1}

        a weighted mean of the population mean and the customer's observed mean.

        Parameters
        ----------
        frequency : array-like
            Number of repeat transactions :math:`x` (whole numbers ``>= 0``).
            Rows with ``x = 0`` get the population mean spend (their
            ``monetary_value`` is ignored), so the output of
            :func:`custvalue.rfm.rfm_summary` can be passed as is.
        monetary_value : array-like
            Observed mean value :math:`\bar z` of the repeat transactions (``>= 0``).

        Returns
        -------
        pandas.Series or numpy.ndarray
            Expected spend per future transaction; Series in, Series out.

        Raises
        ------
        InputValueError
            For invalid inputs, or if :math:`px + q \le 1` for some customer
            (the posterior mean is then infinite).
        """
        res = resolve(
            {"frequency": frequency, "monetary_value": monetary_value},
            data=data,
            integer=("frequency",),
        )
        p, q, v = self._params_for(data, res, "expected_spend")
        x = res.arrays["frequency"]
        m = np.where(x > 0, res.arrays["monetary_value"], 0.0)
        denom = p * x + q - 1.0
        if (bad := denom <= 0).any():
            raise InputValueError(
                f"expected spend is infinite for {int(bad.sum())} customer(s) because "
                f"p * frequency + q <= 1 (q = {q:g}); the fitted spend distribution has no mean."
            )
        return shape_output(p * (v + x * m) / denom, res, "expected_spend")

    def simulate(
        self,
        frequency: object = None,
        *,
        seed: int | None = None,
        data: pd.DataFrame | None = None,
        covariates: pd.DataFrame | None = None,
        coefficients: Mapping[str, float] | None = None,
    ) -> pd.DataFrame:
        r"""Draw each customer's mean transaction value given its number of transactions.

        For each customer :math:`\nu \sim \mathrm{Gamma}(q, v)` and the sum of
        :math:`x` transaction values is :math:`\mathrm{Gamma}(px, \nu)`.

        Parameters
        ----------
        frequency : array-like, optional
            Number of transactions per customer (whole numbers ``>= 1``), or
            the ``frequency`` column of ``data``.
        seed : int, optional
            Seed of :func:`numpy.random.default_rng`.
        data : pandas.DataFrame, optional
            Frame holding ``frequency``; the result is on its index.
        covariates : pandas.DataFrame, optional
            One row per customer (on the index of ``data`` or of the
            ``frequency`` Series, if any): each customer is drawn with
            :math:`v_i = v\,e^{\gamma^\top z_i}` and the covariate columns are
            part of the result.  Required for a model fitted with covariates.
        coefficients : mapping of str to float, optional
            The coefficients (names as in ``coefficients_``, e.g.
            ``"gamma_spend[age]"``; 0 for names left out) for a model without
            fitted ones (:doc:`/clv_covariates`).

        Returns
        -------
        pandas.DataFrame
            Columns ``frequency`` (int64) and ``monetary_value`` (the simulated
            mean spend :math:`\bar z`), one row per customer, on the index of
            the Series or ``data`` passed (else a RangeIndex) — a frame
            :meth:`fit` takes as it is.
        """
        p, q, v = dataclasses.astuple(self._fitted_params())
        res = resolve(
            {"frequency": frequency},
            data=data,
            integer=("frequency",),
            positive=("frequency",),
        )
        x = np.ascontiguousarray(res.arrays["frequency"])
        index = res.index if res.index is not None else pd.RangeIndex(x.shape[0])
        frame = None
        if covariates is not None or coefficients is not None or self._encoding is not None:
            frame, per = self._simulation_params(x.shape[0], covariates, coefficients)
            if res.index is not None and not frame.index.equals(res.index):
                raise InputValueError(
                    "`covariates` must be on the index of `data` (or of `frequency`); align "
                    "it with covariates.reindex(data.index)."
                )
            index, v = frame.index, per[:, 2]
        rng = np.random.default_rng(seed)
        nu = rng.gamma(q, 1.0 / v, x.shape[0])
        z = rng.gamma(p * x, 1.0 / nu) / x
        out = pd.DataFrame({"frequency": x.astype(np.int64), "monetary_value": z}, index=index)
        return out if frame is None else pd.concat([out, frame], axis=1)
