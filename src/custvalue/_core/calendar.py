"""Calendar arithmetic: periods of any pandas period alias, months, month shifts.

Periods
-------
A frequency ``freq`` is a pandas period alias, optionally with a multiple:
``"D"``, ``"7D"``, ``"W"`` (weeks Monday–Sunday), ``"2W-WED"``, ``"M"``,
``"2M"``, ``"Q"``, ``"2Q"``, ``"Y"``, ``"6h"``, ``"15min"`` ...  A period of
``"kX"`` is ``k`` consecutive periods of the *base* alias ``X``.

pandas itself does not partition time by a multiple: ``pd.Period(d, freq="7D")``
is the 7-day span *starting at* ``d``, so two dates a day apart get two
overlapping "periods".  custvalue needs a partition (each date in exactly one
purchase period), so it fixes the anchor: with ``b`` the pandas ordinal of a
date in the base alias (``pd.Period(d, freq=X).ordinal``), the date falls in
period ``floor(b / k)``.  The anchor is pandas' base ordinal 0: 1970-01-01
for ``"D"``, January 1970 for ``"M"``, 1970Q1 for ``"Q"``, 1970 for ``"Y"``,
midnight 1970-01-01 for ``"h"``, and for ``"W"`` the week Monday 1969-12-22 –
Sunday 1969-12-28 (pandas numbers the week holding 1970-01-01 as 1).  Period
``o`` of ``"kX"`` is therefore exactly the pandas period
``pd.Period(ordinal=k * o, freq="kX")`` — its ``start_time`` and ``end_time``
bound every date mapped to ``o`` — so "2M" periods are January–February,
March–April, ... and "2Q" periods are half-years.
With ``k = 1`` the ordinals are pandas' own ordinals.

Business-day aliases (``"B"``, ``"C"``) are refused: they leave weekends
outside every period.  Multiples must be positive integers.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from custvalue._core.arrays import FloatArray
from custvalue._core.arrays import IntArray
from custvalue._core.jit import jit
from custvalue.errors import InputTypeError
from custvalue.errors import InputValueError

__all__ = [
    "Freq",
    "add_months",
    "civil_month",
    "civil_month_table",
    "datetimes_to_periods",
    "day_ordinals",
    "month_ordinals",
    "month_ordinals_ns",
    "parse_freq",
    "period_at",
]


_DAY_NS = 86_400_000_000_000
_REFUSED_BASES = ("B", "C")


@dataclass(frozen=True, slots=True)
class Freq:
    """A checked period frequency: ``n`` periods of the pandas base alias ``base``."""

    alias: str
    base: str
    n: int

    def __str__(self) -> str:
        return self.alias


def parse_freq(freq: object, name: str = "freq") -> Freq:
    """Check a pandas period alias (multiples allowed) and split it into base and multiple.

    Raises
    ------
    InputTypeError
        If ``freq`` is not a string.
    InputValueError
        If ``freq`` is not a pandas period alias, its multiple is not positive,
        or it is a business-day alias.

    Examples
    --------
    >>> from custvalue._core.calendar import parse_freq
    >>> parse_freq("7D")
    Freq(alias='7D', base='D', n=7)
    >>> parse_freq("2W")
    Freq(alias='2W', base='W-SUN', n=2)
    """
    if isinstance(freq, Freq):
        return freq
    if not isinstance(freq, str):
        raise InputTypeError(
            f"`{name}` must be a pandas period alias such as 'D', 'W', 'M' or '7D', got {freq!r}."
        )
    if freq in ("D", "W", "M"):
        return Freq(freq, "W-SUN" if freq == "W" else freq, 1)
    try:
        with warnings.catch_warnings():
            # pandas deprecates business-day periods; they are refused below anyway.
            warnings.simplefilter("ignore", FutureWarning)
            offset = pd.PeriodDtype(freq).freq
            base_dtype = pd.PeriodDtype(offset.base)  # type: ignore[arg-type]
    except (ValueError, TypeError):
        raise InputValueError(
            f"`{name}` {freq!r} is not a pandas period frequency; "
            f"use e.g. 'D', '7D', 'W', 'M', '2M', 'Q' or 'Y'."
        ) from None
    base = str(base_dtype).removeprefix("period[").removesuffix("]")
    if base in _REFUSED_BASES:
        raise InputValueError(
            f"`{name}` {freq!r} is a business-day frequency, which leaves weekends and "
            f"holidays outside every period; use 'D' (or 'W') instead."
        )
    if offset.n <= 0:
        raise InputValueError(
            f"`{name}` {freq!r} has a multiple that is not a positive integer; "
            f"use e.g. '7D' or '2W'."
        )
    return Freq(freq, base, int(offset.n))


def _base_ordinals(values: npt.NDArray[np.datetime64], base: str) -> IntArray:
    if base == "D":
        return values.astype("datetime64[D]").astype(np.int64)
    if base == "W-SUN":
        # Weeks run Monday..Sunday; 1970-01-01 was a Thursday, so day d belongs to
        # week floor((d + 3) / 7) + 1 (pandas numbers that week 1).
        return np.floor_divide(values.astype("datetime64[D]").astype(np.int64) + 3, 7) + 1
    if base == "M":
        return month_ordinals(values)
    return np.asarray(pd.PeriodIndex(pd.DatetimeIndex(values), freq=base).asi8, dtype=np.int64)


def datetimes_to_periods(values: npt.NDArray[np.datetime64], freq: str | Freq) -> FloatArray:
    """Map naive datetime64 values to period ordinals of ``freq`` (see the module notes).

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue._core.calendar import datetimes_to_periods
    >>> days = np.array(["1970-01-01", "1970-01-07", "1970-01-08"], dtype="datetime64[D]")
    >>> datetimes_to_periods(days, "7D")
    array([0., 0., 1.])
    """
    f = parse_freq(freq)
    ordinals = _base_ordinals(values, f.base)
    if f.n > 1:
        ordinals = np.floor_divide(ordinals, f.n)
    return np.ascontiguousarray(ordinals, dtype=np.float64)


def period_at(ordinal: float, freq: str | Freq) -> pd.Period:
    """Return the pandas period that period ordinal ``ordinal`` of ``freq`` stands for.

    Examples
    --------
    >>> from custvalue._core.calendar import period_at
    >>> period_at(1, "2M")
    Period('1970-03', '2M')
    """
    f = parse_freq(freq)
    return pd.Period(ordinal=int(ordinal) * f.n, freq=f.alias)


def day_ordinals(values: npt.NDArray[np.datetime64]) -> IntArray:
    """Days since 1970-01-01 of naive datetime64 values (floor for times of day)."""
    return np.ascontiguousarray(values.astype("datetime64[D]").astype(np.int64))


@jit
def civil_month(days: int) -> int:
    """Calendar month ordinal (months since 1970-01) of a day count since 1970-01-01.

    Civil-from-days conversion of the proleptic Gregorian calendar
    (H. Hinnant's algorithm), in integer arithmetic.
    """
    z = days + 719_468
    era = z // 146_097
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    year = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    month = mp + 3 if mp < 10 else mp - 9
    if month <= 2:
        year += 1
    return (year - 1970) * 12 + month - 1


@jit
def civil_month_table(day0: int, day1: int) -> IntArray:
    """Month ordinal of every day from ``day0`` to ``day1`` (days since 1970-01-01).

    ``table[d - day0] == civil_month(d)``; the ordinals never decrease.
    """
    table = np.empty(day1 - day0 + 1, dtype=np.int64)
    for d in range(day0, day1 + 1):
        table[d - day0] = civil_month(d)
    return table


@jit
def month_ordinals_ns(nanoseconds: IntArray) -> IntArray:
    """Calendar month ordinal (months since 1970-01) of nanosecond timestamps.

    Each timestamp's day through :func:`civil_month`; when the timestamps span
    no more days than there are of them, through a table of those days
    (:func:`civil_month_table`).
    """
    n = nanoseconds.shape[0]
    out = np.empty(n, dtype=np.int64)
    if n == 0:
        return out
    day_ns = np.int64(86_400_000_000_000)
    vmin = nanoseconds[0]
    vmax = nanoseconds[0]
    for i in range(n):
        vmin = min(vmin, nanoseconds[i])
        vmax = max(vmax, nanoseconds[i])
    d0 = vmin // day_ns
    if vmax // day_ns - d0 <= n:
        table = civil_month_table(d0, vmax // day_ns)
        for i in range(n):
            out[i] = table[nanoseconds[i] // day_ns - d0]
        return out
    for i in range(n):
        out[i] = civil_month(nanoseconds[i] // day_ns)
    return out


def month_ordinals(values: npt.NDArray[np.datetime64]) -> IntArray:
    """Calendar months since 1970-01 of naive datetime64 values (pandas ``"M"`` ordinals).

    Nanosecond values (pandas' unit) go through the compiled
    :func:`month_ordinals_ns`; other units through numpy.

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue._core.calendar import month_ordinals
    >>> month_ordinals(np.array(["1969-12-31", "1970-02-03"], dtype="datetime64[D]"))
    array([-1,  1])
    """
    if values.dtype == np.dtype("datetime64[ns]"):
        return month_ordinals_ns(np.ascontiguousarray(values).view(np.int64))
    return np.ascontiguousarray(values.astype("datetime64[M]").astype(np.int64))


def add_months(days: IntArray, months: int) -> IntArray:
    """Shift days by ``months`` calendar months (earlier if negative), clipped to month end.

    ``days`` are days since 1970-01-01.  2024-01-31 plus one month is 2024-02-29.

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue._core.calendar import add_months
    >>> d = np.array(["2024-01-31", "2024-03-15"], dtype="datetime64[D]").astype(np.int64)
    >>> add_months(d, 1).astype("datetime64[D]")
    array(['2024-02-29', '2024-04-15'], dtype='datetime64[D]')
    """
    d = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    month = d.astype("datetime64[M]")
    day_of_month = (d - month.astype("datetime64[D]")).astype(np.int64)
    target = month + np.timedelta64(int(months), "M")
    start = target.astype("datetime64[D]")
    length = ((target + 1).astype("datetime64[D]") - start).astype(np.int64)
    out = start.astype(np.int64) + np.minimum(day_of_month, length - 1)
    return np.ascontiguousarray(out, dtype=np.int64)
