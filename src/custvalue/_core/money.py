"""Exact money arithmetic in integer minor units.

Amounts are held as ``int64`` counts of the currency's minor unit (cents for
``decimals=2``).  Every division that produces money goes through one rounding
rule, chosen by name:

* ``"half_even"`` (banker's rounding, :data:`decimal.ROUND_HALF_EVEN`): a tie
  goes to the even neighbour, 0.5 -> 0, 1.5 -> 2, -2.5 -> -2;
* ``"half_up"`` (:data:`decimal.ROUND_HALF_UP`): a tie goes away from zero,
  0.5 -> 1, -2.5 -> -3.

Conversions into minor units:

* a ``float`` is read through its shortest ``repr`` (``2.675`` means
  ``Decimal("2.675")``, not the binary value 2.67499999...), then rounded to
  the currency's decimals with the rounding rule; a fast vectorised path gives
  the same result for every value that is not within float error of a tie,
  the rest go through :class:`decimal.Decimal`;
* an integer in major units is multiplied exactly; a :class:`decimal.Decimal`
  is rounded with the rule (exact values stay as they are).

The scalar kernels :func:`round_div`, :func:`round_quotient` and
:func:`mul_div_round` are numba-compiled so that other kernels can call them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN
from decimal import ROUND_HALF_UP
from decimal import Decimal
from decimal import InvalidOperation
from typing import Any
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
from numba import prange

from custvalue._core.arrays import IntArray
from custvalue._core.arrays import first_true
from custvalue._core.jit import jit
from custvalue._core.jit import jit_threads
from custvalue._core.jit import split_rows
from custvalue._core.validation import read_1d
from custvalue.errors import InputTypeError
from custvalue.errors import InputValueError

__all__ = [
    "HALF_EVEN",
    "HALF_UP",
    "MAX_MINOR",
    "ROUNDING_MODES",
    "allocate_largest_remainder",
    "allocate_largest_remainder_groups",
    "decimal_to_minor",
    "float_to_minor_fast",
    "minor_to_decimal",
    "minor_to_decimal_array",
    "minor_to_decimals",
    "mul_div_round",
    "round_div",
    "round_div_py",
    "round_quotient",
    "rounding_code",
    "to_minor_units",
]


HALF_EVEN: Final = 0
HALF_UP: Final = 1
ROUNDING_MODES: Final = ("half_even", "half_up")
_DECIMAL_ROUNDING: Final = {HALF_EVEN: ROUND_HALF_EVEN, HALF_UP: ROUND_HALF_UP}

#: Largest magnitude accepted for one amount in minor units (10**15, i.e. ten
#: trillion in major units at two decimals).  Sums of up to ~9000 such amounts
#: still fit in int64; every kernel that multiplies keeps its products exact.
MAX_MINOR: Final = 10**15

_MAX_DECIMALS: Final = 9


def rounding_code(rounding: object) -> int:
    """Return the kernel code of a rounding rule name.

    Raises
    ------
    InputValueError
        If ``rounding`` is not ``"half_even"`` or ``"half_up"``.
    """
    if rounding == "half_even":
        return HALF_EVEN
    if rounding == "half_up":
        return HALF_UP
    raise InputValueError(f"`rounding` must be one of 'half_even', 'half_up'; got {rounding!r}.")


def check_decimals(decimals: object, name: str = "currency_decimals") -> int:
    """Check a number of currency decimals (an int in [0, 9]) and return it."""
    if isinstance(decimals, bool) or not isinstance(decimals, int | np.integer):
        raise InputTypeError(f"`{name}` must be an integer in [0, 9], got {decimals!r}.")
    if not 0 <= int(decimals) <= _MAX_DECIMALS:
        raise InputValueError(f"`{name}` must be an integer in [0, 9], got {decimals!r}.")
    return int(decimals)


# --- scalar kernels -------------------------------------------------------------


@jit
def round_quotient(q: int, r: int, d: int, mode: int) -> int:
    """Round ``q + r / d`` to an integer, given ``d > 0`` and ``0 <= r < d``."""
    half = d - r  # compare r with d - r instead of 2 * r with d: no overflow
    if r > half:
        return q + 1
    if r < half:
        return q
    if mode == 0:  # half_even: the even neighbour
        return q + (q & 1)
    # half_up: away from zero; q + 1/2 > 0 exactly when q >= 0
    return q + 1 if q >= 0 else q


@jit
def round_div(numerator: int, denominator: int, mode: int) -> int:
    """``numerator / denominator`` rounded with rule ``mode`` (``denominator > 0``)."""
    q = numerator // denominator  # floor division, also for negative numerators
    r = numerator - q * denominator
    return round_quotient(q, r, denominator, mode)


@jit
def mul_div_round(a: int, b: int, d: int, mode: int) -> int:
    """Return ``a * b / d`` rounded with rule ``mode``, exact without a 128-bit product.

    Requires ``d > 0``, ``0 <= b <= d`` and ``d * d < 2**63`` (``d <= 3 * 10**9``);
    ``a`` may be any int64.  Writing ``a = qa * d + ra`` (``0 <= ra < d``) gives
    ``a * b / d = qa * b + ra * b / d`` where ``|qa * b| <= |a|`` and
    ``ra * b < d * d`` both fit in int64.
    """
    qa = a // d
    ra = a - qa * d
    t = ra * b
    q2 = t // d
    r2 = t - q2 * d
    return round_quotient(qa * b + q2, r2, d, mode)


def round_div_py(numerator: int, denominator: int, mode: int) -> int:
    """Pure-Python :func:`round_div` on unbounded ints (``denominator > 0``)."""
    q, r = divmod(numerator, denominator)
    if 2 * r > denominator:
        return q + 1
    if 2 * r < denominator:
        return q
    if mode == HALF_EVEN:
        return q + (q & 1)
    return q + 1 if q >= 0 else q


# --- conversions ------------------------------------------------------------------


@jit
def float_to_minor_fast(v: float, scale: float) -> tuple[int, int]:
    """Fast conversion of one float (major units times ``scale``) to minor units.

    Returns ``(minor, 0)``, or ``(0, 1)`` when ``v`` is NaN or infinite, or
    ``(0, 2)`` when the scaled value lies within float error of a tie or is
    too large for the fast path (those need the exact Decimal route).
    """
    if not np.isfinite(v):
        return 0, 1
    m = v * scale
    if abs(m) >= 1e15:  # MAX_MINOR: larger values take the exact route, which checks them
        return 0, 2
    fl = np.floor(m)
    frac = m - fl
    tol = abs(m) * 2.0**-48 + 2.0**-40
    if abs(frac - 0.5) <= tol:
        return 0, 2
    return int(fl + 1.0) if frac > 0.5 else int(fl), 0


def _floats_to_minor_kernel(
    x: npt.NDArray[np.float64], scale: float, out: IntArray, slow: IntArray
) -> tuple[int, int]:
    """Fast float -> minor conversion in one pass (over threads for large inputs).

    Returns ``(first non-finite position or -1, number of slow values)``; the
    positions of the slow values (within float error of a tie or too large for
    the fast path: they need the exact Decimal route) fill ``slow[:count]`` in
    ascending order (with a non-finite value the count and ``out`` are
    incomplete: the caller refuses the input).
    """
    bad, n_slow = split_rows(
        _floats_to_minor_range, _floats_to_minor_chunks, x.size, (x, scale, out, slow)
    )
    return bad, n_slow


@jit_threads
def _floats_to_minor_chunks(
    bounds: IntArray, x: npt.NDArray[np.float64], scale: float, out: IntArray, slow: IntArray
) -> tuple[int, int]:
    k = bounds.size - 1
    bad = np.empty(k, dtype=np.int64)
    count = np.empty(k, dtype=np.int64)
    for c in prange(k):
        b, m = _floats_to_minor_range(bounds[c], bounds[c + 1], x, scale, out, slow)
        bad[c] = b
        count[c] = m
    n_slow = 0  # chunk c wrote its slow positions from slow[bounds[c]]: gather them
    for c in range(k):
        if bad[c] >= 0:
            return bad[c], n_slow
        for j in range(count[c]):
            slow[n_slow] = slow[bounds[c] + j]
            n_slow += 1
    return -1, n_slow


@jit
def _floats_to_minor_range(
    lo: int, hi: int, x: npt.NDArray[np.float64], scale: float, out: IntArray, slow: IntArray
) -> tuple[int, int]:
    """:func:`_floats_to_minor_kernel` on ``x[lo:hi]``, slow positions from ``slow[lo]``."""
    n_slow = 0
    for i in range(lo, hi):
        v, status = float_to_minor_fast(x[i], scale)
        if status == 1:
            return i, n_slow
        out[i] = v
        if status == 2:
            slow[lo + n_slow] = i
            n_slow += 1
    return -1, n_slow


def decimal_to_minor(value: Decimal, decimals: int, mode: int) -> int:
    """Round a finite Decimal to an int count of minor units with rule ``mode``."""
    try:
        scaled = value.scaleb(decimals).quantize(Decimal(1), rounding=_DECIMAL_ROUNDING[mode])
    except InvalidOperation:
        raise InputValueError(f"amount {value!r} is too large to convert.") from None
    return int(scaled)


def _float_to_minor(value: float, decimals: int, mode: int) -> int:
    return decimal_to_minor(Decimal(repr(float(value))), decimals, mode)


def _object_to_minor(value: object, decimals: int, mode: int, name: str, pos: int) -> int:
    if isinstance(value, bool | np.bool_):
        raise InputTypeError(
            f"`{name}` holds a boolean at position {pos} ({value!r}); amounts must be numbers."
        )
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise InputValueError(
                f"`{name}` has a missing or non-finite value at position {pos} ({value!r}); "
                f"drop or fill it before calling."
            )
        return decimal_to_minor(value, decimals, mode)
    if isinstance(value, int | np.integer):
        return int(value) * int(10**decimals)
    if isinstance(value, float | np.floating):
        if not math.isfinite(value):
            raise InputValueError(
                f"`{name}` has a missing or non-finite value at position {pos} ({value!r}); "
                f"drop or fill it before calling."
            )
        return _float_to_minor(float(value), decimals, mode)
    if value is None or value is pd.NA or value is pd.NaT:
        raise InputValueError(
            f"`{name}` has a missing value at position {pos}; drop or fill it before calling."
        )
    raise InputTypeError(
        f"`{name}` must hold numbers (float, int or Decimal), got {type(value).__name__} "
        f"{value!r} at position {pos}; convert the column first."
    )


def _minor_input(raw: npt.NDArray[Any], name: str) -> IntArray:
    """Values given as whole minor units: integers, or floats/Decimals without fraction."""
    if np.issubdtype(raw.dtype, np.integer):
        return raw.astype(np.int64)
    if np.issubdtype(raw.dtype, np.floating) or raw.dtype == object:
        out = np.empty(raw.size, dtype=np.int64)
        for i, v in enumerate(raw.tolist()):
            if isinstance(v, int) and not isinstance(v, bool):
                iv = v
            else:
                iv = _object_to_minor(v, 0, HALF_EVEN, name, i)
                exact = Decimal(repr(float(v))) if isinstance(v, float) else v
                if not isinstance(exact, Decimal) or exact != iv:
                    raise InputValueError(
                        f"`{name}` must hold whole minor units (amount_units='minor'), got "
                        f"{v!r} at position {i}."
                    )
            out[i] = iv if abs(iv) <= MAX_MINOR else MAX_MINOR + 1
        return out
    raise InputTypeError(f"`{name}` must hold numbers, got dtype {raw.dtype}.")


def _check_range(out: IntArray, name: str, unit: str) -> None:
    if out.size:
        if (pos := first_true(np.abs(out) > MAX_MINOR)) is not None:
            raise InputValueError(
                f"`{name}` has an amount too large for exact int64 arithmetic at position {pos} "
                f"({out[pos]} {unit}); amounts must stay within ±{MAX_MINOR} minor units."
            )


def _amount_values(values: pd.Series, name: str) -> npt.NDArray[Any]:
    """Return the values of an amount column; a missing value is refused (NaN: by the kernel)."""
    dtype = values.dtype
    # plain float64 columns: the conversion kernel reports NaN itself (one pass less)
    if not (dtype == np.float64) and values.hasnans:
        pos = first_true(values.isna().to_numpy())
        raise InputValueError(
            f"`{name}` has missing values (first at position {pos}); drop or fill them "
            f"before calling."
        )
    if isinstance(dtype, pd.api.extensions.ExtensionDtype) and (
        pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_float_dtype(dtype)
    ):
        return values.to_numpy(
            dtype=np.float64 if pd.api.types.is_float_dtype(dtype) else np.int64
        )
    return values.to_numpy()


def to_minor_units(
    values: object,
    decimals: int = 2,
    rounding: str = "half_even",
    *,
    name: str = "values",
    units: str = "major",
) -> IntArray:
    """Convert amounts to a new int64 array of minor units.

    Parameters
    ----------
    values : array-like
        1-D float, integer or object (``Decimal``/``int``/``float``) values.
    decimals : int
        Currency decimals (2 for cents).
    rounding : {"half_even", "half_up"}
        Rule used when a value has more decimals than the currency.
    name : str
        Argument or column name used in error messages.
    units : {"major", "minor"}
        ``"major"``: values are in currency units (12.34); ``"minor"``: values
        already are whole minor units (1234) and must be integers.

    Returns
    -------
    numpy.ndarray
        int64 minor units.

    Raises
    ------
    InputTypeError
        Non-numeric or boolean values.
    InputValueError
        NaN/inf/missing values, non-integral minor units, or magnitudes above
        :data:`MAX_MINOR`.

    Examples
    --------
    >>> to_minor_units([2.675, -2.675, 0.125], 2, "half_even").tolist()
    [268, -268, 12]
    >>> to_minor_units([2.675, -2.675, 0.125], 2, "half_up").tolist()
    [268, -268, 13]
    """
    mode = rounding_code(rounding)
    decimals = check_decimals(decimals, "decimals")
    raw = read_1d(values, name, lambda s: _amount_values(s, name))
    unit = "minor units"
    if units not in ("major", "minor"):
        raise InputValueError(f"`amount_units` must be 'major' or 'minor'; got {units!r}.")
    if raw.dtype == np.bool_:
        raise InputTypeError(f"`{name}` must hold numbers, got booleans.")
    if units == "minor":
        out = _minor_input(raw, name)
        _check_range(out, name, unit)
        return out
    if np.issubdtype(raw.dtype, np.integer):
        limit = MAX_MINOR // 10**decimals
        if raw.size and (np.abs(raw.astype(np.int64)) > limit).any():
            out = np.full(raw.size, MAX_MINOR + 1, dtype=np.int64)
            out[np.abs(raw) <= limit] = 0
            _check_range(out, name, unit)
        return raw.astype(np.int64) * np.int64(10**decimals)
    if np.issubdtype(raw.dtype, np.floating):
        x = np.ascontiguousarray(raw, dtype=np.float64)
        out = np.empty(x.size, dtype=np.int64)
        slow = np.empty(x.size, dtype=np.int64)  # only the slow positions are written
        bad, n_slow = _floats_to_minor_kernel(x, float(10**decimals), out, slow)
        if bad >= 0:
            raise InputValueError(
                f"`{name}` has a missing or non-finite value at position {bad} "
                f"({float(x[bad])!r}); drop or fill it before calling."
            )
        for i in slow[:n_slow].tolist():
            iv = _float_to_minor(float(x[i]), decimals, mode)
            if abs(iv) > MAX_MINOR:
                raise InputValueError(
                    f"`{name}` has an amount too large for exact int64 arithmetic at position "
                    f"{i} ({x[i]!r}); amounts must stay within ±{MAX_MINOR} minor units."
                )
            out[i] = iv
        return out
    if raw.dtype == object:
        out = np.empty(raw.size, dtype=np.int64)
        for i, v in enumerate(raw.tolist()):
            iv = _object_to_minor(v, decimals, mode, name, i)
            out[i] = iv if abs(iv) <= MAX_MINOR else MAX_MINOR + 1
        _check_range(out, name, unit)
        return out
    raise InputTypeError(
        f"`{name}` must hold numbers, got dtype {raw.dtype}; convert it with "
        f"pandas.to_numeric(...) first."
    )


def minor_to_decimal(minor: int, decimals: int) -> Decimal:
    """One amount in minor units as an exact :class:`~decimal.Decimal`.

    Examples
    --------
    >>> minor_to_decimal(-1234, 2)
    Decimal('-12.34')
    >>> minor_to_decimal(5, 0)
    Decimal('5')
    """
    minor = int(minor)
    digits = tuple(int(c) for c in str(abs(minor)))
    return Decimal((1 if minor < 0 else 0, digits, -decimals))


def minor_to_decimals(minor: IntArray | Sequence[int], decimals: int) -> list[Decimal]:
    """Many amounts in minor units as exact Decimals with ``decimals`` places (a list)."""
    values = np.asarray(minor).tolist()
    if decimals == 0:
        return [Decimal(v) for v in values]
    unit = Decimal(1).scaleb(-decimals)  # exact product, exponent -decimals
    return [Decimal(v) * unit for v in values]


def minor_to_decimal_array(minor: IntArray, decimals: int) -> pd.api.extensions.ExtensionArray:
    """Amounts in minor units as an exact Arrow ``decimal128(19, decimals)`` pandas array.

    Built without Python objects: the int64 minor units are the decimals' unscaled
    values (every int64 has at most 19 digits), so the conversion is exact.

    Examples
    --------
    >>> import numpy as np
    >>> arr = minor_to_decimal_array(np.array([-1234, 5, 0]), 2)
    >>> arr.dtype
    decimal128(19, 2)[pyarrow]
    >>> list(arr)
    [Decimal('-12.34'), Decimal('0.05'), Decimal('0.00')]
    """
    values = np.ascontiguousarray(minor, dtype=np.int64)
    # the buffer comes from Arrow's memory pool (which reuses freed pages), filled in place
    buf = pa.allocate_buffer(16 * values.size)
    _decimal128_words(values, np.frombuffer(buf, dtype=np.int64))
    dtype = pa.decimal128(19, decimals)
    arr = pa.Array.from_buffers(dtype, values.size, [None, buf])
    return pd.arrays.ArrowExtensionArray(arr)


def _decimal128_words(values: IntArray, out: IntArray) -> None:
    """Little-endian 128-bit two's complement of each value: low word, then sign word."""
    split_rows(_decimal128_range, _decimal128_chunks, values.size, (values, out))


@jit_threads
def _decimal128_chunks(bounds: IntArray, values: IntArray, out: IntArray) -> None:
    for c in prange(bounds.size - 1):
        _decimal128_range(bounds[c], bounds[c + 1], values, out)


@jit
def _decimal128_range(lo: int, hi: int, values: IntArray, out: IntArray) -> None:
    for i in range(lo, hi):
        v = values[i]
        out[2 * i] = v
        out[2 * i + 1] = v >> 63


# --- largest-remainder allocation -------------------------------------------------


def allocate_largest_remainder(total_minor: int, weights: Sequence[int]) -> list[int]:
    """Split ``total_minor`` into integer parts proportional to ``weights``.

    Rules: each part first gets ``floor(|total| * w / sum(w))``; the units left
    over go one each to the parts with the largest remainders, ties to the
    earlier part; parts of a negative total are the negated parts of ``|total|``
    (a reversal mirrors its sale).  The parts always sum exactly to the total.

    Raises
    ------
    InputValueError
        If a weight is negative or all weights are zero.

    Examples
    --------
    >>> allocate_largest_remainder(1, [1, 1, 1])
    [1, 0, 0]
    >>> allocate_largest_remainder(-100, [1, 1, 1])
    [-34, -33, -33]
    >>> allocate_largest_remainder(10, [25, 25, 50])
    [3, 2, 5]
    """
    ws = [int(w) for w in weights]
    if any(w < 0 for w in ws) or sum(ws) <= 0:
        raise InputValueError(f"`weights` must be >= 0 with a positive sum, got {ws!r}.")
    total = int(total_minor)
    sign = -1 if total < 0 else 1
    t = abs(total)
    wsum = sum(ws)
    parts = []
    rems = []
    for w in ws:
        q, r = divmod(t * w, wsum)
        parts.append(q)
        rems.append(r)
    left = t - sum(parts)
    order = sorted(range(len(ws)), key=lambda i: (-rems[i], i))
    for i in order[:left]:
        parts[i] += 1
    return [sign * p for p in parts]


@jit
def allocate_largest_remainder_groups(
    totals: IntArray, weights: IntArray, offsets: IntArray, wsum: int, out: IntArray
) -> None:
    """Largest-remainder allocation of ``totals[g]`` over ``weights[offsets[g]:offsets[g+1]]``.

    Every group's weights must sum to ``wsum`` (``0 < wsum <= 3 * 10**9``) and be
    ``>= 0``; the rules are those of :func:`allocate_largest_remainder`.
    """
    for g in range(totals.size):
        lo = offsets[g]
        hi = offsets[g + 1]
        t = totals[g]
        sign = 1
        if t < 0:
            sign = -1
            t = -t
        qt = t // wsum
        rt = t - qt * wsum
        left = t
        for j in range(lo, hi):
            # t * w / wsum = qt * w + rt * w / wsum, with rt * w < wsum**2
            p = rt * weights[j]
            part = qt * weights[j] + p // wsum
            out[j] = part
            left -= part
        while left > 0:
            best = -1
            best_rem = -1
            for j in range(lo, hi):
                rem = (rt * weights[j]) % wsum
                if rem > best_rem and out[j] >= 0:
                    best_rem = rem
                    best = j
            out[best] += 1
            # mark as served by flipping sign temporarily (all parts are >= 0 here)
            out[best] = -out[best] - 1
            left -= 1
        for j in range(lo, hi):
            if out[j] < 0:
                out[j] = -out[j] - 1
            out[j] *= sign
