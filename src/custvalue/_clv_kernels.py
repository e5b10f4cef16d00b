"""Numba kernels and input helpers shared by the BG/NBD, MBG/NBD and Pareto/NBD models.

Contents:

- :func:`digamma`, :func:`betaln` — scalar special functions for numba code
  (numba has no ``scipy.special``);
- :func:`log_concave_integral` — ``log ∫ exp(ψ(y)) dy`` for the concave
  exponent ``ψ(y) = k·y − p·log(a + e^y) − q·log(b + e^y)`` together with the
  integrand-weighted means of ``log(a + e^y)``, ``log(b + e^y)``,
  ``1/(a + e^y)`` and ``1/(b + e^y)`` (derivatives under the integral sign).
  Every Pareto/NBD integral has this form;
- :func:`nb_geometric_mean` — ``E[min(N, K)]`` for a negative binomial ``N``
  and a beta-geometric stopping count ``K``: the BG/NBD and MBG/NBD
  expectations as a series of positive terms (no hypergeometric function, no
  cancellation, no singularity at ``a = 1``);
- :func:`rfm_arrays` and :func:`compress_with_inverse` — validation of
  ``(frequency, recency, T)`` with feasibility checks, and O(n) row
  compression that also returns the inverse index (predictions are evaluated
  once per distinct row and expanded back).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from custvalue._clv_base import resolve_inputs
from custvalue._jit import jit
from custvalue._validation import as_float_array, check_consistent_length, common_index
from custvalue.errors import InputTypeError, InputValueError

__all__ = [
    "as_horizon",
    "betaln",
    "check_positive_params",
    "compress_weighted",
    "compress_with_inverse",
    "digamma",
    "is_scalar",
    "log_concave_integral",
    "nb_geometric_mean",
    "rfm_arrays",
    "to_output",
    "unchecked_params",
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
# scalar special functions
# ----------------------------------------------------------------------------------------
@jit
def digamma(x: float) -> float:
    """Digamma function for ``x > 0`` (recurrence to ``x ≥ 10`` + asymptotic series)."""
    result = 0.0
    while x < 10.0:
        result -= 1.0 / x
        x += 1.0
    f = 1.0 / (x * x)
    series = f * (
        1.0 / 12.0
        - f
        * (
            1.0 / 120.0
            - f
            * (
                1.0 / 252.0
                - f * (1.0 / 240.0 - f * (1.0 / 132.0 - f * (691.0 / 32760.0 - f / 12.0)))
            )
        )
    )
    return result + math.log(x) - 0.5 / x - series


@jit
def betaln(a: float, b: float) -> float:
    """``log B(a, b)`` from ``math.lgamma``."""
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


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
    k: float,
    p: float,
    q: float,
    a: float,
    b: float,
    acc: npt.NDArray[np.float64],
) -> None:
    """Add the panels from ``y0`` (where ψ is largest) towards ``end`` into ``acc``."""
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
            acc[0] += g
            acc[1] += g * la
            acc[2] += g * lb
            acc[3] += g / ea
            acc[4] += g / eb
        ys, vs, ds = ye, ve, de


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
    mode = _mode(k, p, q, a, b)
    if mode < lo:
        mode = lo
    if mode > hi:
        mode = hi
    if mode == -np.inf:
        # only reachable with lo = -inf and ψ decreasing everywhere: cannot happen when k > 0
        return -np.inf, 0.0, 0.0, 0.0, 0.0
    top, _ = _psi(mode, k, p, q, a, b)
    _integrate_side(mode, hi, 1.0, top, k, p, q, a, b, acc)
    _integrate_side(mode, lo, -1.0, top, k, p, q, a, b, acc)
    s = acc[0]
    if not s > 0.0:
        return -np.inf, 0.0, 0.0, 0.0, 0.0
    return top + math.log(s), acc[1] / s, acc[2] / s, acc[3] / s, acc[4] / s


# ----------------------------------------------------------------------------------------
# E[min(N, K)] for the beta-geometric models
# ----------------------------------------------------------------------------------------
_NB_MAX_TERMS = 20_000_000


@jit
def nb_geometric_mean(big_r: float, z: float, a: float, bp: float) -> float:
    """``Σ_k P(N = k) Σ_{j=1..k} B(a, bp + j − 1) / B(a, bp)``.

    ``N`` is negative binomial with ``P(N = k) = Γ(R+k)/(Γ(R) k!) (1−z)^R z^k``
    and ``B(a, bp + j − 1)/B(a, bp) = E[(1−p)^(j−1)]`` for ``p ~ Beta(a, bp)``,
    so the sum is ``E[min(N, K)]`` with ``P(K ≥ j) = E[(1−p)^(j−1)]``.  All
    terms are positive; the sum starts at the mode of ``N`` and walks both ways
    until the remaining terms are below double precision.  Returns NaN if more
    than ``_NB_MAX_TERMS`` terms would be needed (``z`` extremely close to 1).
    """
    if z <= 0.0:
        return 0.0
    log1mz = math.log1p(-z)
    logz = math.log(z)
    mean = big_r * z / (1.0 - z)
    mode = math.floor((big_r - 1.0) * z / (1.0 - z)) if big_r > 1.0 else 0.0
    spread = math.sqrt(big_r * z) / (1.0 - z)
    if mean + 50.0 * spread + 60.0 / max(-logz, 1e-300) > _NB_MAX_TERMS:
        return np.nan
    k0 = int(mode)
    # S_k0 = Σ_{j=1..k0} ratio_j, ratio_1 = 1, ratio_{j+1} = ratio_j (bp+j-1)/(a+bp+j-1)
    ratio = 1.0
    s_k = 0.0
    for j in range(1, k0 + 1):
        s_k += ratio
        ratio *= (bp + j - 1.0) / (a + bp + j - 1.0)
    # ratio now equals ratio_{k0+1}
    log_pmf0 = (
        math.lgamma(big_r + k0)
        - math.lgamma(big_r)
        - math.lgamma(k0 + 1.0)
        + big_r * log1mz
        + k0 * logz
    )
    # upward from k0 (pmf in units of exp(log_pmf0))
    total = s_k
    pmf = 1.0
    s_up = s_k
    ratio_up = ratio
    k = k0
    while True:
        pmf *= (big_r + k) / (k + 1.0) * z
        k += 1
        s_up += ratio_up
        ratio_up *= (bp + k - 1.0) / (a + bp + k - 1.0)
        term = pmf * s_up
        total += term
        rho = z * (big_r + k) / (k + 1.0)
        if k > mean and rho < 1.0 and term * (1.0 + k) < 1e-17 * total * (1.0 - rho):
            break
        if k - k0 > _NB_MAX_TERMS:
            return np.nan
    # downward from k0
    pmf = 1.0
    s_dn = s_k
    ratio_dn = ratio  # ratio_{k0+1}
    k = k0
    while k > 0 and s_dn > 0.0:
        pmf *= k / ((big_r + k - 1.0) * z)
        ratio_dn *= (a + bp + k - 1.0) / (bp + k - 1.0)  # -> ratio_k
        s_dn -= ratio_dn
        k -= 1
        term = pmf * s_dn
        total += term
        if term < 1e-18 * total:
            break
    return total * math.exp(log_pmf0)


# ----------------------------------------------------------------------------------------
# inputs
# ----------------------------------------------------------------------------------------
def check_positive_params(obj: object, names: tuple[str, ...]) -> None:
    """Check that every named field of a parameter dataclass is a finite number > 0."""
    for name in names:
        value = getattr(obj, name)
        if isinstance(value, bool | np.bool_) or not isinstance(value, int | float | np.number):
            raise InputTypeError(f"parameter `{name}` must be a real number, got {value!r}.")
        if not (np.isfinite(value) and value > 0):
            raise InputValueError(f"parameter `{name}` must be finite and > 0, got {value!r}.")


def _first_bad(mask: npt.NDArray[np.bool_], index: pd.Index | None) -> str:
    pos = int(np.flatnonzero(mask)[0])
    where = f"position {pos}"
    if index is not None:
        label = index[pos]
        label = label.item() if isinstance(label, np.generic) else label
        where += f" (index label {label!r})"
    return f"{int(mask.sum())} row(s), first at {where}"


def rfm_arrays(
    data: pd.DataFrame | None,
    frequency: object,
    recency: object,
    T: object,
) -> tuple[FloatArray, FloatArray, FloatArray, pd.Index | None]:
    """Validate ``(frequency, recency, T)`` and check that each row is a possible history.

    Returns the three float64 arrays and the index of the first Series input
    (or of ``data``'s columns when taken from ``data``).
    """
    cols = resolve_inputs(
        data, {"frequency": frequency, "recency": recency, "T": T}, integer=["frequency"]
    )
    x, tx, t_obs = cols["frequency"], cols["recency"], cols["T"]
    index = common_index(
        *(
            v if v is not None else (data[n] if data is not None else None)
            for n, v in (("frequency", frequency), ("recency", recency), ("T", T))
        )
    )
    bad = tx > t_obs
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputValueError(
            f"`recency` must be <= `T` (the last purchase cannot be after the end of "
            f"observation), but {_first_bad(bad, index)} has recency={tx[i]:g}, T={t_obs[i]:g}."
        )
    bad = (x > 0) & (tx == 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputValueError(
            f"`recency` must be > 0 when `frequency` > 0 (repeat purchases happen after the "
            f"first one), but {_first_bad(bad, index)} has frequency={x[i]:g}, recency=0; "
            f"measure recency from the first purchase at a finer time resolution."
        )
    bad = (x == 0) & (tx > 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputValueError(
            f"`recency` must be 0 when `frequency` is 0 (no repeat purchase), but "
            f"{_first_bad(bad, index)} has frequency=0, recency={tx[i]:g}."
        )
    return x, tx, t_obs, index


def as_horizon(t: object, n: int, name: str = "t") -> FloatArray:
    """Validate a non-negative horizon (scalar or one value per customer) and broadcast it."""
    arr = as_float_array(t, name, nonnegative=True)
    if arr.size == 1:
        return np.full(n, arr[0])
    check_consistent_length(**{name: arr, "frequency": np.empty(n)})
    return arr


@jit
def _whole_number_span(col: FloatArray) -> tuple[float, float, bool]:
    """Minimum, maximum and whether every value is a whole number (one pass)."""
    lo = np.inf
    hi = -np.inf
    whole = True
    for v in col:
        lo = min(lo, v)
        hi = max(hi, v)
        if whole and math.floor(v) != v:
            whole = False
    return lo, hi, whole


@jit
def _add_to_key(key: npt.NDArray[np.int64], col: FloatArray, lo: float, radix: int) -> None:
    for i in range(key.shape[0]):
        key[i] = key[i] * radix + np.int64(col[i] - lo)


@jit
def _add_codes_to_key(
    key: npt.NDArray[np.int64], codes: npt.NDArray[np.int64], radix: int
) -> None:
    for i in range(key.shape[0]):
        key[i] = key[i] * radix + codes[i]


@jit
def _dense_inverse(
    key: npt.NDArray[np.int64], capacity: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.intp]]:
    """Sorted distinct keys and the inverse index, by direct addressing."""
    lookup = np.full(capacity, -1, dtype=np.intp)
    for k in key:
        lookup[k] = 0
    n_uniq = 0
    for k in range(capacity):
        if lookup[k] == 0:
            lookup[k] = n_uniq
            n_uniq += 1
        # entries still -1 are absent keys
    uniq = np.empty(n_uniq, dtype=np.int64)
    j = 0
    for k in range(capacity):
        if lookup[k] >= 0:
            uniq[j] = k
            j += 1
    inverse = np.empty(key.shape[0], dtype=np.intp)
    for i in range(key.shape[0]):
        inverse[i] = lookup[key[i]]
    return uniq, inverse


def compress_with_inverse(
    columns: list[FloatArray],
) -> tuple[list[FloatArray], npt.NDArray[np.intp]]:
    """Distinct rows of ``columns`` and the inverse index (``rows[i][inverse] == columns[i]``).

    Hash-free and O(n) for whole-number columns (weekly or daily summaries):
    each column is coded by its offset from the minimum, the codes form one
    integer key, and keys are deduplicated by direct addressing (rows come out
    sorted lexicographically).  Other columns are coded with
    ``pandas.factorize`` first; keys too wide for direct addressing are
    factorized.  Several times faster than a lexicographic sort for millions of rows.
    """
    n = columns[0].shape[0]
    key = np.zeros(n, dtype=np.int64)
    decoders: list[tuple[float | FloatArray, int]] = []
    capacity = 1
    for col in columns:
        lo, hi, whole = _whole_number_span(col) if n else (0.0, 0.0, True)
        if whole and hi - lo < 2**24:
            radix = int(hi - lo) + 1
            if capacity > (2**62) // radix:
                return _compress_slow(columns)
            _add_to_key(key, col, lo, radix)
            decoders.append((lo, radix))
        else:
            codes, uniq_vals = pd.factorize(col, sort=False)
            radix = max(len(uniq_vals), 1)
            if capacity > (2**62) // radix:
                return _compress_slow(columns)
            _add_codes_to_key(key, codes.astype(np.int64), radix)
            decoders.append((np.asarray(uniq_vals, dtype=np.float64), radix))
        capacity *= radix
    if capacity <= max(4 * n, 1 << 22):
        uniq, inverse = _dense_inverse(key, capacity)
    else:
        inv, uniq_keys = pd.factorize(key, sort=False)
        uniq = np.asarray(uniq_keys, dtype=np.int64)
        inverse = inv.astype(np.intp, copy=False)
    out: list[FloatArray] = [np.empty(0)] * len(columns)
    for i in range(len(columns) - 1, -1, -1):
        decode, radix = decoders[i]
        c = uniq % radix
        uniq = uniq // radix
        if isinstance(decode, float):
            out[i] = np.ascontiguousarray(c.astype(np.float64) + decode)
        else:
            out[i] = np.ascontiguousarray(decode[c])
    return out, inverse


def _compress_slow(columns: list[FloatArray]) -> tuple[list[FloatArray], npt.NDArray[np.intp]]:
    """Fallback of :func:`compress_with_inverse` for keys too wide for int64: via a sort."""
    order = np.lexsort(columns[::-1])
    n = columns[0].shape[0]
    new = np.ones(n, dtype=np.bool_)
    diff = np.zeros(max(n - 1, 0), dtype=np.bool_)
    for c in columns:
        s = c[order]
        diff |= s[1:] != s[:-1]
    new[1:] = diff
    group = np.cumsum(new) - 1
    inverse = np.empty(n, dtype=np.intp)
    inverse[order] = group
    starts = order[new]
    return [np.ascontiguousarray(c[starts]) for c in columns], inverse


def compress_weighted(
    columns: list[FloatArray], weights: FloatArray | None
) -> tuple[list[FloatArray], FloatArray]:
    """Distinct rows sorted by the first column, with summed weights (row counts if None).

    Same result as :func:`custvalue._clv_base.compress_rows` up to the order of
    rows with equal first column, but hash-based (O(n)).
    """
    uniq, inverse = compress_with_inverse(columns)
    summed = np.bincount(inverse, weights=weights, minlength=uniq[0].size).astype(np.float64)
    order = np.argsort(uniq[0], kind="stable")
    return [np.ascontiguousarray(c[order]) for c in uniq], np.ascontiguousarray(summed[order])


def unchecked_params(params_type: type[Any], values: FloatArray) -> Any:
    """Build a parameter dataclass without validation (standard errors may be NaN)."""
    obj = object.__new__(params_type)
    for field, value in zip(dataclasses.fields(params_type), values, strict=True):
        object.__setattr__(obj, field.name, float(value))
    return obj


def is_scalar(value: object) -> bool:
    """Return True for a plain number (not a Series, list or array)."""
    return not isinstance(value, pd.Series) and np.ndim(cast(Any, value)) == 0


def to_output(values: FloatArray, index: pd.Index | None, name: str) -> Any:
    """Series on ``index`` when given, else the array."""
    if index is None:
        return values
    return pd.Series(values, index=index, name=name)
