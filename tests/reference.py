"""Slow, obviously-correct references shared by the whole test suite.

Each function here is written from the documented rule, one value at a time, in
plain Python (exact ``Decimal``/``Fraction`` arithmetic where money is involved),
so that the fast kernels can be checked against it.  A rule that two modules share
has ONE reference here; tests import it instead of keeping their own copy.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN
from decimal import ROUND_HALF_UP
from decimal import Decimal
from decimal import localcontext
from pathlib import Path
from typing import Any

__all__ = [
    "ROUNDING",
    "bgnbd_loglik_mpmath",
    "central_differences",
    "pareto_nbd_integral_mpmath",
    "pareto_nbd_loglik_mpmath",
    "percentile_rank",
    "round_div",
]

#: the library's rounding modes by name, as ``decimal`` rounding rules
ROUNDING = {"half_even": ROUND_HALF_EVEN, "half_up": ROUND_HALF_UP}


def percentile_rank(values: Sequence[float], higher_is_better: bool = True) -> list[float]:
    """Share of the *other* defined values a value beats, ties counted half, times 100.

    NaN stays NaN; a single defined value ranks 50.
    """
    defined = [v for v in values if not math.isnan(v)]
    n = len(defined)
    out = []
    for v in values:
        if math.isnan(v):
            out.append(math.nan)
            continue
        if n == 1:
            out.append(50.0)
            continue
        worse = sum(1 for u in defined if (u < v if higher_is_better else u > v))
        equal = sum(1 for u in defined if u == v)
        out.append(100.0 * (worse + (equal - 1) / 2) / (n - 1))
    return out


def round_div(numerator: int, denominator: int, rounding: str) -> int:
    """``numerator / denominator`` rounded to an integer by the named rule (exact)."""
    with localcontext() as ctx:
        ctx.prec = 80  # exact for every tie of int64 operands; far from ties otherwise
        q = Decimal(numerator) / Decimal(denominator)
        return int(q.quantize(Decimal(1), rounding=ROUNDING[rounding]))


def central_differences(f: Callable[[Any], float], x: Any, rel_step: float = 1e-6) -> list[float]:
    """Gradient of ``f`` at the 1-D float array ``x`` by central differences.

    Each step is ``rel_step * max(|x_j|, 1)``: relative for large
    coordinates, absolute near 0 (covariate coefficients may be 0).
    """
    out = []
    for j in range(len(x)):
        step = rel_step * max(abs(float(x[j])), 1.0)
        up, down = x.copy(), x.copy()
        up[j] += step
        down[j] -= step
        out.append((f(up) - f(down)) / (2.0 * step))
    return out


def hessian_by_central_differences(
    grad: Callable[[Any], Sequence[float]], x: Any, rel_step: float = 1e-5
) -> list[list[float]]:
    """Rows of the Hessian at ``x``: :func:`central_differences` of each gradient entry."""
    return [
        central_differences(lambda q, i=i: float(grad(q)[i]), x, rel_step) for i in range(len(x))
    ]


def mpmath_derivatives(f: Callable[..., Any], point: Sequence[Any]) -> tuple[float, Any, Any]:
    """Value, gradient and Hessian of ``f(*point)`` by mpmath's numerical differentiation.

    Call inside ``mpmath.workdps(...)`` with a precision well above double; returns
    floats and numpy arrays.
    """
    import mpmath as mp
    import numpy as np

    n = len(point)
    grad = np.empty(n)
    hess = np.empty((n, n))
    for i in range(n):
        order = [0] * n
        order[i] = 1
        grad[i] = float(mp.diff(f, point, tuple(order)))
        for j in range(i, n):
            order = [0] * n
            order[i] += 1
            order[j] += 1
            hess[i, j] = hess[j, i] = float(mp.diff(f, point, tuple(order)))
    return float(f(*point)), grad, hess


def bgnbd_loglik_mpmath(params: Sequence[Any], x: Any, tx: Any, t_obs: Any, m: int = 0) -> Any:
    """One customer's BG/NBD log-likelihood, FHL (2005) eq. 6, in mpmath.

    ``m = 1`` gives the MBG/NBD (Batislam et al. 2007).  The precision is the
    caller's ``mpmath.mp.dps``.
    """
    import mpmath as mp

    r, alpha, a, b = (mp.mpf(v) for v in params)
    x, tx, t_obs = mp.mpf(x), mp.mpf(tx), mp.mpf(t_obs)
    head = mp.loggamma(r + x) - mp.loggamma(r) + r * mp.log(alpha)
    lb = mp.log(mp.beta(a, b))
    t1 = mp.log(mp.beta(a, b + x + m)) - lb - (r + x) * mp.log(alpha + t_obs)
    if x + m > 0:
        t2 = mp.log(mp.beta(a + 1, b + x + m - 1)) - lb - (r + x) * mp.log(alpha + tx)
        return head + t1 + mp.log(1 + mp.exp(t2 - t1))
    return head + t1


def pareto_nbd_integral_mpmath(params: Sequence[Any], x: Any, tx: Any, t_obs: Any) -> Any:
    """``∫_{t_x}^T (α+τ)^-(r+x) (β+τ)^-(s+1) dτ`` from the hypergeometric antiderivative.

    Fader & Hardie (2005) eqs. 19-22 (``2F1`` with the ``max(α, β)`` trick), in
    mpmath at the caller's ``mpmath.mp.dps``; where mpmath's ``2F1`` gives up or
    is very slow (huge parameters), ``mpmath.quad`` over ``τ`` instead.
    """
    import mpmath as mp

    r, alpha, s, beta = (mp.mpf(v) for v in params)
    x, tx, t_obs = mp.mpf(x), mp.mpf(tx), mp.mpf(t_obs)
    p, q = r + x, s + 1
    m = p + q - 1
    big, small, e_small = (alpha, beta, q) if alpha >= beta else (beta, alpha, p)

    def tail(t: Any) -> Any:  # ∫_t^∞
        z = (big - small) / (big + t)
        return (big + t) ** (-m) / m * mp.hyp2f1(m, e_small, m + 1, z, maxprec=1000)

    try:
        if m > 1000 and ((big - small) / (big + tx) > 0.999 or e_small > 100):
            raise ValueError("mpmath 2F1 is very slow here")
        return tail(tx) - tail(t_obs)
    except (ValueError, mp.libmp.NoConvergence):
        # integrate over τ directly, with breakpoints on multiples of the integrand's
        # decay length at t_x
        scale = 1 / (p / (alpha + tx) + q / (beta + tx))
        pts = sorted(
            {tx, t_obs} | {tx + scale * 2**j for j in range(-4, 60) if tx + scale * 2**j < t_obs}
        )
        return mp.quad(lambda tau: (alpha + tau) ** (-p) * (beta + tau) ** (-q), pts)


def pareto_nbd_loglik_mpmath(params: Sequence[Any], x: Any, tx: Any, t_obs: Any) -> Any:
    """One customer's Pareto/NBD log-likelihood (Fader & Hardie 2005, eqs. 3 and 11), mpmath."""
    import mpmath as mp

    r, alpha, s, beta = (mp.mpf(v) for v in params)
    xm, tm = mp.mpf(x), mp.mpf(t_obs)
    bracket = (alpha + tm) ** (-(r + xm)) * (beta + tm) ** (-s) + s * pareto_nbd_integral_mpmath(
        params, x, tx, t_obs
    )
    return (
        mp.loggamma(r + xm)
        - mp.loggamma(r)
        + r * mp.log(alpha)
        + s * mp.log(beta)
        + mp.log(bracket)
    )


def fit_sample(name: str, truth: Any) -> tuple[Any, Any, Any]:
    """``(frequency, recency, T)`` of a fit test: CDNOW, or a daily sample drawn from ``truth``.

    ``"cdnow"``: the 2,357 CDNOW customers in weeks (tests/data); ``"daily"``: 20,000
    customers drawn from the fitted model ``truth`` with whole-day ages of 1 to 546
    days and recencies rounded up to whole days.
    """
    import numpy as np
    import pandas as pd

    if name == "cdnow":
        df = pd.read_csv(Path(__file__).parent / "data" / "cdnow_customers_summary.csv")
        return tuple(df[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    rng = np.random.default_rng(11)
    sim = truth.simulate(20_000, rng.integers(1, 547, 20_000).astype(float), seed=12)
    x, t_obs = sim["frequency"].to_numpy(float), sim["T"].to_numpy(float)
    return x, np.ceil(sim["recency"].to_numpy(float)), t_obs


def lbfgs_fit(model: Any, cols: Any, w: Any, penalizer: float, tol: float = 1e-9) -> Any:
    """The first-order (L-BFGS-B) fit of ``model`` to folded rows, without the Newton search.

    The reference of the Newton fits: the same objective and start as ``model.fit``.
    """
    from custvalue._clv.base import maximize_likelihood

    prepared = (cols, w)
    return maximize_likelihood(
        model._neg_log_lik(prepared),
        model._start_values(prepared),
        total_weight=float(w.sum()),
        names=list(model._param_names()),
        penalizer=penalizer,
        tol=tol,
    )
