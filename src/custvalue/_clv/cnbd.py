r"""BG/CNBD-k and MBG/CNBD-k: beta-geometric dropout with Erlang-k inter-purchase times.

Platzer & Reutterer (2016) generalise the BG/NBD and MBG/NBD: while alive, the
times between a customer's purchases are Erlang-:math:`k` with rate
:math:`\lambda` (the sum of :math:`k` exponential stages), so purchases come
more regularly for larger :math:`k`; :math:`k = 1` is the BG/NBD (MBG/NBD).
:math:`\lambda \sim \mathrm{Gamma}(r, \alpha)` and the dropout probability
:math:`p \sim \mathrm{Beta}(a, b)` across customers.  The likelihood of a
history needs, besides :math:`(x, t_x, T)`, the sum of the logarithms of the
inter-purchase times ``litt`` (:func:`custvalue.clv.cnbd_summary`).

One kernel serves both models (``m`` = 0 for BG/CNBD-k, 1 for MBG/CNBD-k, as
in :mod:`custvalue._clv.bgnbd`); ``k`` is fixed or chosen by profiling the
likelihood over ``k = 1, 2, ...``.
"""

from __future__ import annotations

import dataclasses
import inspect
import math
import warnings
from typing import Any
from typing import ClassVar
from typing import Self
from typing import TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd
from numpy.random import Generator
from scipy import special

from custvalue._clv.base import BetaGeometricModel
from custvalue._clv.base import Columns
from custvalue._clv.base import FitResult
from custvalue._clv.base import HistoryModel
from custvalue._clv.base import PositiveParams
from custvalue._clv.base import compress_weighted
from custvalue._clv.base import expand
from custvalue._clv.base import maximize_likelihood
from custvalue._clv.base import resolve_weights
from custvalue._clv.base import rfm_arrays
from custvalue._clv.docs import MODEL_ERRORS
from custvalue._clv.kernels import NB_MAX_TERMS
from custvalue._clv.kernels import dropout_constants
from custvalue._clv.kernels import dropout_terms
from custvalue._clv.kernels import erlang_geometric_mean
from custvalue._clv.kernels import store_row
from custvalue._core.arrays import first_true
from custvalue._core.docs import fill_doc
from custvalue._core.jit import jit
from custvalue._core.shape import resolve
from custvalue._core.shape import shape_output
from custvalue._core.special import digamma
from custvalue._core.summary import check_histories
from custvalue._core.transactions import filter_window
from custvalue._core.transactions import period_of
from custvalue._core.transactions import read_transactions
from custvalue._core.validation import as_float_array
from custvalue._core.validation import check_dataframe
from custvalue._core.validation import check_scalar
from custvalue.errors import InputValueError
from custvalue.errors import StandardErrorWarning
from custvalue.rfm import rfm_summary

__all__ = [
    "BetaGeoCNBDModel",
    "BetaGeoCNBDParams",
    "ModifiedBetaGeoCNBDModel",
    "ModifiedBetaGeoCNBDParams",
    "log_interpurchase_summary",
]

FloatArray = npt.NDArray[np.float64]
_P = TypeVar("_P")

#: more terms than this in a prediction series: the horizon is refused
_MAX_TERMS = NB_MAX_TERMS


@dataclasses.dataclass(frozen=True, slots=True)
class _CNBDFields(PositiveParams):
    k: float
    r: float
    alpha: float
    a: float
    b: float

    def __post_init__(self) -> None:
        PositiveParams.__post_init__(self)
        if float(self.k) != math.floor(float(self.k)):
            raise InputValueError(
                f"parameter `k` must be a whole number >= 1 (the Erlang order), got {self.k!r}."
            )


@dataclasses.dataclass(frozen=True, slots=True)
class BetaGeoCNBDParams(_CNBDFields):
    r"""Parameters of the BG/CNBD-k model (Platzer & Reutterer 2016).

    Attributes
    ----------
    k : float
        Erlang order of the inter-purchase times (a whole number >= 1).
    r, alpha : float
        Gamma distribution (shape, rate) of the Erlang rate :math:`\lambda`;
        the mean time between purchases of a customer is :math:`k/\lambda`.
    a, b : float
        Beta distribution of the dropout probability :math:`p`.
    """


@dataclasses.dataclass(frozen=True, slots=True)
class ModifiedBetaGeoCNBDParams(_CNBDFields):
    """Parameters of the MBG/CNBD-k model: the fields of :class:`BetaGeoCNBDParams`."""


# ----------------------------------------------------------------------------------------
# kernels
# ----------------------------------------------------------------------------------------
@jit
def _loglik_kernel(
    p: FloatArray, h: FloatArray, w: FloatArray, out: FloatArray, grad: FloatArray
) -> float:
    """Weighted log-likelihood without the ``litt`` term, its gradient, per-row LL and P(alive).

    The gradient is w.r.t. ``(k, r, alpha, a, b)``; its ``k`` entry is 0 (``k`` is
    discrete).  Terms depending on ``x`` only are recomputed when ``x`` changes.
    """
    k, r, alpha, a, b, m = p[0], p[1], p[2], p[3], p[4], p[5]
    x, tx, t_obs = h[0], h[1], h[2]
    n = x.shape[0]
    kk = int(k)
    log_alpha = math.log(alpha)
    const = -math.lgamma(r) + r * log_alpha
    bl_ab, dg_ab, dg_b = dropout_constants(a, b)
    dg_r = digamma(r)
    lg_j = np.zeros(kk)
    dg_j = np.zeros(kk)
    terms = np.zeros(kk + 1)
    total = g_r = g_alpha = g_a = g_b = 0.0
    prev = -1.0
    rk = r
    beta_alive, beta_dead, dg_abx, dg_b1, dg_b2, has_dead = 0.0, 0.0, 0.0, 0.0, 0.0, False
    for i in range(n):
        xi = x[i]
        if xi != prev:
            prev = xi
            rk = r + k * xi
            for j in range(kk):
                lg_j[j] = math.lgamma(rk + j) - math.lgamma(j + 1.0)
                dg_j[j] = digamma(rk + j)
            beta_alive, beta_dead, dg_abx, dg_b1, dg_b2, has_dead = dropout_terms(
                a, b, xi, m, bl_ab
            )
        la_t = math.log(alpha + t_obs[i])
        la_x = math.log(alpha + tx[i])
        delta = t_obs[i] - tx[i]
        n_alive = kk if delta > 0.0 else 1
        log_ratio = math.log(delta) - la_t if delta > 0.0 else 0.0
        big = -np.inf
        for j in range(n_alive):
            terms[j] = beta_alive + lg_j[j] + j * log_ratio - rk * la_t
            big = max(big, terms[j])
        if has_dead:
            terms[kk] = beta_dead + lg_j[0] - rk * la_x
            big = max(big, terms[kk])
        s = 0.0
        for j in range(n_alive):
            s += math.exp(terms[j] - big)
        if has_dead:
            s += math.exp(terms[kk] - big)
        lse = big + math.log(s)
        w_alive = 0.0
        d_r = 0.0
        d_alpha = 0.0
        for j in range(n_alive):
            wj = math.exp(terms[j] - lse)
            w_alive += wj
            d_r += wj * (dg_j[j] - la_t)
            d_alpha -= wj * (rk + j) / (alpha + t_obs[i])
        w_dead = math.exp(terms[kk] - lse) if has_dead else 0.0
        d_r += w_dead * (dg_j[0] - la_x)
        d_alpha -= w_dead * rk / (alpha + tx[i])
        li = const + lse
        wi = w[i]
        total += wi * li
        store_row(out, i, li, w_alive)
        g_r += wi * (d_r - dg_r + log_alpha)
        g_alpha += wi * (r / alpha + d_alpha)
        common = dg_ab - dg_abx
        g_a += wi * (common + w_dead / a)
        g_b += wi * (common - dg_b + w_alive * dg_b1 + w_dead * dg_b2)
    grad[0], grad[1], grad[2], grad[3], grad[4] = 0.0, g_r, g_alpha, g_a, g_b
    return total


@jit
def _conditional_kernel(p: FloatArray, h: FloatArray, t: FloatArray, out: FloatArray) -> None:
    """Compute expected purchases in ``(T, T+t]`` of a customer alive at ``T`` (NaN: too long).

    ``p`` = ``(k, r, alpha, a, b, m)``; ``h`` the ``(3, n)`` histories ``(x, t_x, T)``.
    """
    k, r, alpha, a, b, m = p[0], p[1], p[2], p[3], p[4], p[5]
    x, tx, t_obs = h[0], h[1], h[2]
    kk = int(k)
    logw = np.zeros(kk)
    for i in range(x.shape[0]):
        rk = r + k * x[i]
        delta = t_obs[i] - tx[i]
        n_phase = kk if delta > 0.0 else 1
        log_ratio = math.log(delta) - math.log(alpha + t_obs[i]) if delta > 0.0 else 0.0
        big = -np.inf
        for j in range(n_phase):
            logw[j] = math.lgamma(rk + j) - math.lgamma(rk) - math.lgamma(j + 1.0) + j * log_ratio
            big = max(big, logw[j])
        norm = 0.0
        for j in range(n_phase):
            norm += math.exp(logw[j] - big)
        z = t[i] / (alpha + t_obs[i] + t[i])
        acc = 0.0
        for j in range(n_phase):
            wj = math.exp(logw[j] - big) / norm
            acc += wj * erlang_geometric_mean(rk + j, z, a, b + x[i] + m, kk, j)
        out[i] = acc


@jit
def _log_interpurchase_kernel(
    codes: npt.NDArray[np.int64], periods: FloatArray, unit: float, n_customers: int
) -> FloatArray:
    """Per customer: Σ log((t_j − t_{j−1}) / unit) over its distinct purchase periods (sorted)."""
    out = np.zeros(n_customers)
    for i in range(1, codes.shape[0]):
        if codes[i] == codes[i - 1] and periods[i] > periods[i - 1]:
            out[codes[i]] += math.log((periods[i] - periods[i - 1]) / unit)
    return out


def log_interpurchase_summary(transactions: pd.DataFrame, **options: Any) -> pd.DataFrame:
    """Compute :func:`custvalue.clv.cnbd_summary` (see its documentation)."""
    summary = rfm_summary(transactions, **options)
    given = inspect.signature(rfm_summary).bind(transactions, **options)
    given.apply_defaults()
    opt = given.arguments
    log = read_transactions(
        transactions,
        opt["customer_col"],
        opt["date_col"],
        opt["amount_col"],
        opt["freq"],
        returns=opt["returns"],
        date_format=opt["date_format"],
        freq_on_numeric="error",
    )
    end = opt["observation_end"]
    end = log.last_period() if end is None else period_of(end, "observation_end", log)
    codes, ids, periods, _ = filter_window(log, end)
    order = np.lexsort((periods, codes))
    litt = _log_interpurchase_kernel(
        np.ascontiguousarray(codes[order], dtype=np.int64),
        np.ascontiguousarray(periods[order]),
        float(opt["time_unit"]),
        len(ids),
    )
    out = summary.copy()
    out["litt"] = pd.Series(litt, index=ids).reindex(summary.index).to_numpy()
    return out


# ----------------------------------------------------------------------------------------
# shared model class
# ----------------------------------------------------------------------------------------
def _litt_column(data: pd.DataFrame | None, litt: object) -> object:
    if isinstance(litt, str):
        if data is None:
            raise InputValueError(
                f"`litt` names the column {litt!r}, but no `data` was passed; pass the "
                f"DataFrame as `data` or the values of `litt` themselves."
            )
        return check_dataframe(data, "data", {litt: "litt"})[litt]
    if litt is None and data is not None:
        data = check_dataframe(data, "data")
        for name in ("litt", "litt_cal"):
            if name in data.columns:
                return data[name]
    return litt


def _check_litt(litt: FloatArray, x: FloatArray, tx: FloatArray) -> None:
    """Refuse ``litt`` values no history has (above x·log(t_x/x), or not 0 at x = 0)."""
    if (i := first_true((x == 0) & (litt != 0.0))) is not None:
        raise InputValueError(
            f"`litt` must be 0 when `frequency` is 0 (no inter-purchase time), but row {i} "
            f"has litt={litt[i]:g}; compute litt with custvalue.clv.cnbd_summary."
        )
    pos = x > 0
    bound = np.zeros_like(litt)
    bound[pos] = x[pos] * np.log(tx[pos] / x[pos])
    if (i := first_true(pos & (litt > bound + 1e-9 * (1.0 + np.abs(bound))))) is not None:
        raise InputValueError(
            f"`litt` (the sum of the logs of the inter-purchase times) cannot exceed "
            f"frequency·log(recency/frequency), but row {i} has litt={litt[i]:g} for "
            f"frequency={x[i]:g}, recency={tx[i]:g}; litt, recency and T must be in the same "
            f"time unit (custvalue.clv.cnbd_summary computes them together)."
        )


class _CNBDBase(BetaGeometricModel[_P]):
    """Fit, predictions and simulation shared by BG/CNBD-k (``_m = 0``) and MBG/CNBD-k."""

    _kernel = staticmethod(_loglik_kernel)

    def _start_from_means(self, mean_x: float, mean_t: float) -> FloatArray:
        return np.array([1.0, 1.0, mean_t / (mean_x + 1.0), 1.0, 1.0])

    def fit(
        self,
        data: pd.DataFrame | None = None,
        *,
        frequency: object = None,
        recency: object = None,
        T: object = None,
        litt: object = None,
        k: object = None,
        max_k: int = 12,
        weights: object = None,
        initial_params: object = None,
        max_iter: int = 2000,
        tol: float = 1e-9,
        penalizer: float = 0.0,
        covariates: object = None,
    ) -> Self:
        """Estimate the parameters by maximum likelihood, for a given ``k`` or profiling ``k``.

        See the class docstring (``covariates`` is refused: the model takes none).
        """
        self._refuse_covariates(covariates)
        x, tx, t_obs, _ = rfm_arrays(data, frequency, recency, T)
        w = np.ones(x.shape[0]) if weights is None else resolve_weights(data, weights, x.size)
        if k is None:
            top = int(check_scalar(max_k, "max_k", integer=True, low=1))
            ks = list(range(1, top + 1))
        else:
            ks = [int(check_scalar(k, "k", integer=True, low=1))]
        raw = _litt_column(data, litt)
        if raw is None:
            if ks != [1]:
                raise InputValueError(
                    "`litt` is missing: the likelihood for k > 1 needs the sum of the logs of "
                    "each customer's inter-purchase times; build the data with "
                    "custvalue.clv.cnbd_summary (column `litt`) or fit with k=1."
                )
            litt_arr = np.zeros(x.shape[0])
        else:
            litt_arr = as_float_array(raw, "litt")
            if litt_arr.shape[0] != x.shape[0]:
                raise InputValueError(
                    f"`litt` has {litt_arr.shape[0]} values but the data have {x.shape[0]} "
                    f"rows; pass one value per customer."
                )
            _check_litt(litt_arr, x, tx)
        cols, uw = compress_weighted([x, tx, t_obs], w)
        # Σ w·litt and Σ w·x: the litt term of the likelihood is linear in them
        sums = (float(np.dot(w, litt_arr)), float(np.dot(w, x)))
        return self._fit(((cols, uw), sums, ks), initial_params, max_iter, tol, penalizer)

    def _start_values(self, prepared: Any) -> FloatArray:
        return HistoryModel._start_values(self, prepared[0])

    def _total_weight(self, prepared: Any) -> float:
        return float(prepared[0][1].sum())

    def _neg_log_lik_k(self, prepared: Any, k: int) -> Any:
        (cols, w), (s_litt, s_x), _ = prepared
        h = np.stack(cols)
        no_rows = np.empty((2, 0))
        grad = np.empty(5)
        offset = (k - 1) * s_litt - s_x * math.lgamma(k)

        def neg_ll(theta: FloatArray) -> tuple[float, FloatArray]:
            ll = _loglik_kernel(self._kernel_params(np.append(k, theta)), h, w, no_rows, grad)
            return -(ll + offset), -grad[1:].copy()

        return neg_ll

    def _maximize(
        self, prepared: Any, x0: FloatArray, max_iter: int, tol: float, penalizer: float = 0.0
    ) -> FitResult:
        results: list[FitResult] = []
        worse = 0
        for k in prepared[2]:
            start = x0[1:].copy()
            start[1] *= x0[0] / k  # the mean inter-purchase time k/λ stays put
            res = maximize_likelihood(
                self._neg_log_lik_k(prepared, k),
                start,
                total_weight=self._total_weight(prepared),
                names=self._param_names()[1:],
                max_iter=max_iter,
                tol=tol,
                penalizer=penalizer,
            )
            full = FitResult(
                x=np.concatenate([[float(k)], res.x]),
                log_likelihood=res.log_likelihood,
                standard_errors=np.concatenate([[np.nan], res.standard_errors]),
                converged=res.converged,
                message=res.message,
                n_iterations=res.n_iterations,
                covariance=res.covariance,  # of the log of (r, alpha, a, b), k given
            )
            if results and full.log_likelihood <= max(f.log_likelihood for f in results):
                worse += 1
            else:
                worse = 0
            results.append(full)
            if worse == 2:  # the profile likelihood fell twice in a row
                break
        return max(results, key=lambda f: f.log_likelihood)

    def summary(self) -> pd.DataFrame:
        """Table of the fitted parameters (see :meth:`FittedModel.summary`); ``k`` has no error.

        ``k`` is discrete (given or chosen by the profile likelihood): its
        ``std_error`` is NaN with that reason in ``note``, without a warning.
        """
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", StandardErrorWarning)
            table = HistoryModel.summary(self)
        table.loc["k", "note"] = (
            "discrete: given or chosen by profile likelihood, no standard error"
        )
        others = [n for n in table.index[1:] if not np.isfinite(table.loc[n, "std_error"])]
        if others:
            warnings.warn(
                StandardErrorWarning(
                    f"{type(self).__name__}.summary(): no standard error for "
                    f"{', '.join(others)}; see the 'note' column."
                ),
                stacklevel=2,
            )
        return table

    def individual_log_likelihood(
        self,
        frequency: object = None,
        recency: object = None,
        T: object = None,
        litt: object = None,
        *,
        data: pd.DataFrame | None = None,
    ) -> Any:
        """Log-likelihood of each customer's history, including the ``litt`` term."""
        res = resolve(
            {"frequency": frequency, "recency": recency, "T": T, "litt": litt},
            data=data,
            integer=("frequency",),
            signed=("litt",),
        )
        x, tx, t_obs, litt_arr = (
            np.ascontiguousarray(res.arrays[n]) for n in ("frequency", "recency", "T", "litt")
        )
        check_histories(x, tx, t_obs, res.index)
        _check_litt(litt_arr, x, tx)
        h, _, inv = self._distinct(x, tx, t_obs, [])
        k = self._p()[0]
        ll = expand(self._row_terms(h)[0], inv) + (k - 1.0) * litt_arr - x * math.lgamma(k)
        return shape_output(ll, res, "log_likelihood")

    def _conditional(self, p: tuple[float, ...], h: FloatArray, t: FloatArray) -> FloatArray:
        out = np.empty(t.size)
        _conditional_kernel(self._kernel_params(np.array(p)), h, t, out)
        if np.isnan(out).any():
            raise InputValueError(
                "`t` is too long for the expected purchases to be summed (more than "
                f"{_MAX_TERMS} terms); use a shorter horizon."
            )
        return out

    def _interval_estimate(self) -> FloatArray:
        # intervals are conditional on k (given, or chosen by the profile likelihood):
        # the draws are of the log of (r, alpha, a, b), whose covariance the fit keeps
        return np.log(self._param_vector()[1:])

    def _from_interval_draw(self, values: FloatArray) -> Self:
        k = self._param_vector()[0]
        return self.from_params(self.params_type(k, *map(float, np.exp(values))))

    def expected_purchases_new_customer(
        self, t: object = None, *, data: pd.DataFrame | None = None
    ) -> Any:
        """Return the expected number of repeat purchases ``E[X(t)]`` of a new customer."""
        _, _, _, a, b = p = self._p()
        res = resolve({"t": t}, data=data)
        horizon = np.ascontiguousarray(res.arrays["t"])
        out = self._conditional(p, np.zeros((3, horizon.size)), horizon)
        if self._m:
            out *= b / (a + b)
        return shape_output(out, res, "expected_purchases")

    def probability_of_purchases(
        self, n: object = None, t: object = None, *, data: pd.DataFrame | None = None
    ) -> Any:
        """Return ``P(X(t) = n)``, the probability of ``n`` repeat purchases within ``t``."""
        k, r, alpha, a, b = self._p()
        res = resolve({"n": n, "t": t}, data=data, integer=("n",))
        nn, tt = res.arrays["n"], res.arrays["t"]
        m = self._m
        z = tt / (alpha + tt)
        # P(M = n): n purchases of the Erlang process = kn .. kn+k-1 Poisson stages
        pm = np.zeros(nn.size)
        for j in range(int(k)):
            stages = k * nn + j
            pm += np.exp(
                special.gammaln(r + stages)
                - special.gammaln(r)
                - special.gammaln(stages + 1.0)
                + r * np.log1p(-z)
                + special.xlogy(stages, z)
            )
        # P(M >= n) = P(N >= kn), the negative binomial tail
        tail = np.where(nn > 0, special.betainc(np.maximum(k * nn, 1.0), r, z), 1.0)
        survive = np.exp(special.betaln(a, b + nn + m) - special.betaln(a, b))
        has = nn + m > 0
        stop = np.zeros(nn.size)
        stop[has] = np.exp(special.betaln(a + 1.0, b + nn[has] + m - 1.0) - special.betaln(a, b))
        out = np.asarray(pm * survive + tail * stop, dtype=np.float64)
        return shape_output(out, res, "probability")

    def _draw(self, params: tuple[float, ...], t_obs: FloatArray, rng: Generator) -> Columns:
        k, r, alpha, a, b = params
        n = t_obs.size
        lam = rng.gamma(r, 1.0 / alpha, n)
        p = np.clip(rng.beta(a, b, n), 1e-12, 1.0)
        # repeat purchases made before dropping out (BG: K >= 1, MBG: K >= 0)
        cap = rng.geometric(p) - int(self._m)
        freq = np.zeros(n, dtype=np.int64)
        last = np.zeros(n)
        litt = np.zeros(n)
        active = np.flatnonzero(cap > 0)
        while active.size:
            gap = rng.gamma(k, 1.0 / lam[active])
            when = last[active] + gap
            ok = when <= t_obs[active]
            idx = active[ok]
            freq[idx] += 1
            last[idx] = when[ok]
            litt[idx] += np.log(gap[ok])
            active = idx[freq[idx] < cap[idx]]
        return {"frequency": freq, "recency": last, "T": t_obs, "litt": litt, "alive": freq < cap}


_METHODS = r"""
    Methods
    -------
    fit(data=None, *, frequency=None, recency=None, T=None, litt=None, k=None, max_k=12,
    weights=None, initial_params=None, max_iter=2000, tol=1e-9)
        Maximum likelihood.  ``data`` may be the output of
        :func:`custvalue.clv.cnbd_summary` (columns ``frequency``, ``recency``,
        ``T``, ``litt``; the ``_cal`` names of a calibration split are read too).
        With ``k`` given, the other four parameters are estimated for that
        ``k``; with ``k=None`` the likelihood is profiled over
        ``k = 1, 2, ..., max_k`` (stopping once it fell for two ``k`` in a row)
        and the best ``k`` is kept.  ``litt`` is needed unless ``k=1``.  The
        standard error of ``k`` is NaN (``k`` is discrete).
    individual_log_likelihood(frequency, recency, T, litt, *, data=None)
        :math:`\log L_i` per customer.
    probability_alive(frequency, recency, T, *, data=None)
        :math:`P(\text{alive at } T \mid x, t_x, T)`.
    expected_purchases(t, frequency, recency, T, *, data=None)
        Expected purchases in :math:`(T, T+t]` given the history (exact, see Notes).
        With ``interval``, the interval is conditional on ``k`` (taken as
        known): draws of the other parameters from their asymptotic normal at
        the fitted ``k``.
    expected_purchases_new_customer(t, *, data=None)
        :math:`E[X(t)]` of a customer who made the first purchase at time 0.
    probability_of_purchases(n, t, *, data=None)
        :math:`P(X(t) = n)`, ``n`` repeat purchases in ``(0, t]`` of a new customer.
    simulate(n_customers, T, *, seed=None)
        A DataFrame (``frequency``, ``recency``, ``T``, ``litt``, ``alive``)
        drawn exactly from the model in continuous time; ``fit`` takes it.
    summary()
        Estimates, standard errors and 95 % Wald intervals.

    Raises
    ------
    InputValueError
        For impossible histories (as :class:`BetaGeoModel`), a ``litt`` no
        history can have (not 0 at ``frequency == 0``, or above
        :math:`x \log(t_x/x)`), a missing ``litt`` with ``k`` other than 1, or
        a non-whole ``k``.
    %(fit_errors)s
"""

_NOTES = r"""
    Notes
    -----
    With :math:`m = 0` (BG/CNBD-k) or :math:`m = 1` (MBG/CNBD-k),
    :math:`\Delta = T - t_x` and ``litt`` :math:`= \sum_{j=1}^{x} \log(t_j - t_{j-1})`,
    the likelihood of a history (Platzer & Reutterer 2016, eq. for the
    (M)BG/CNBD-k) is

    .. math::

        L = e^{(k-1)\,\mathrm{litt} - x \log (k-1)!}\,
            \frac{\Gamma(r+kx)\,\alpha^r}{\Gamma(r)} \Big[
            \frac{B(a, b+x+m)}{B(a,b)} \sum_{j=0}^{k-1}
                \frac{(r+kx)_j\,\Delta^j}{j!\,(\alpha+T)^{r+kx+j}}
            + \delta_{x+m>0}\frac{B(a+1, b+x+m-1)}{B(a,b)}(\alpha+t_x)^{-(r+kx)}\Big]

    (:math:`(\cdot)_j` the rising factorial): the first sum is the
    customer alive at :math:`T` with fewer than :math:`k` Erlang stages
    completed since the last purchase, the second a dropout right after it.
    It is evaluated as a log-sum-exp with its gradient in closed form, and
    :math:`P(\text{alive})` is the share of the first sum.  For :math:`k = 1`
    it is the BG/NBD (MBG/NBD) likelihood.

    Expectations are exact (BTYDplus approximates them for :math:`k > 1`).
    Given the history and survival, the number :math:`J` of stages completed
    since the last purchase has weights proportional to the terms of the
    first sum, :math:`\lambda \mid J \sim \mathrm{Gamma}(r+kx+J, \alpha+T)`
    and :math:`p \sim \mathrm{Beta}(a, b+x+m)`.  With :math:`N_J` the number
    of stages in :math:`(T, T+t]`, negative binomial
    :math:`\mathrm{NB}(r+kx+J, t/(\alpha+T+t))`, the purchases are
    :math:`\min(\lfloor (N_J+J)/k \rfloor, K)` with
    :math:`P(K \ge i) = E[(1-p)^{i-1}]`, and

    .. math::

        E[Y(t)\mid x, t_x, T] = P(\text{alive}) \sum_J w_J \sum_{n \ge 0}
            P(N_J = n) \sum_{i=1}^{\lfloor (n+J)/k \rfloor} \frac{B(a, b+x+m+i-1)}{B(a, b+x+m)},

    a series of positive terms summed from the mode of :math:`N_J` to double
    precision.  A new customer is the case :math:`x = t_x = T = 0`, times
    :math:`b/(a+b)` in the MBG/CNBD-k (the dropout at the first purchase).
    :math:`P(X(t)=n) = P(M=n)P(K>n) + P(M \ge n)P(K=n)`, :math:`M =
    \lfloor N/k \rfloor`, :math:`N \sim \mathrm{NB}(r, t/(\alpha+t))`.

    References
    ----------
    Platzer, M. & Reutterer, T. (2016). Ticking away the moments: Timing
    regularity helps to better predict customer activity. *Marketing Science*
    35(5), 779-799.
    BTYDplus (R package), ``bgcnbd.*`` and ``mbgcnbd.*`` functions.
"""

#: the numpydoc sections both CNBD-k model docstrings share
_SHARED_DOC = {"methods": _METHODS, "notes": _NOTES}


@fill_doc(MODEL_ERRORS)
@fill_doc(_SHARED_DOC)
class BetaGeoCNBDModel(_CNBDBase[BetaGeoCNBDParams]):
    r"""BG/CNBD-k model of Platzer & Reutterer (2016): BG/NBD with Erlang-k timing.

    While alive, a customer's inter-purchase times are Erlang-:math:`k` with
    rate :math:`\lambda \sim \mathrm{Gamma}(r, \alpha)`; after each repeat
    purchase the customer drops out with probability
    :math:`p \sim \mathrm{Beta}(a, b)`.  :math:`k = 1` is the BG/NBD.

    %(methods)s

    %(notes)s

    Examples
    --------
    >>> from custvalue.clv import BetaGeoCNBDModel, BetaGeoCNBDParams
    >>> model = BetaGeoCNBDModel.from_params(
    ...     BetaGeoCNBDParams(k=2, r=0.85, alpha=1.45, a=0.79, b=2.42))
    >>> sim = model.simulate(2000, T=24.0, seed=1)
    >>> BetaGeoCNBDModel().fit(sim).params_.k
    2.0
    >>> round(model.probability_alive(3, 20.0, 24.0), 3)
    0.783
    """

    params_type: ClassVar[type[Any]] = BetaGeoCNBDParams
    _m: ClassVar[float] = 0.0


@fill_doc(MODEL_ERRORS)
@fill_doc(_SHARED_DOC)
class ModifiedBetaGeoCNBDModel(_CNBDBase[ModifiedBetaGeoCNBDParams]):
    r"""MBG/CNBD-k model of Platzer & Reutterer (2016): MBG/NBD with Erlang-k timing.

    As :class:`BetaGeoCNBDModel`, except that a customer may also drop out
    right at the first purchase (time 0); :math:`k = 1` is the MBG/NBD.

    %(methods)s

    %(notes)s

    Examples
    --------
    A customer without repeat purchase may have dropped out at the first one:

    >>> from custvalue.clv import ModifiedBetaGeoCNBDModel, ModifiedBetaGeoCNBDParams
    >>> model = ModifiedBetaGeoCNBDModel.from_params(
    ...     ModifiedBetaGeoCNBDParams(k=2, r=0.85, alpha=1.45, a=0.79, b=2.42))
    >>> round(model.probability_alive(0, 0.0, 24.0), 3)
    0.326
    """

    params_type: ClassVar[type[Any]] = ModifiedBetaGeoCNBDParams
    _m: ClassVar[float] = 1.0
