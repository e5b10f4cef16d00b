"""Rates, shares and exact money scalars of the commission plans (exact Decimal reading)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from decimal import InvalidOperation

import numpy as np

from custvalue._commission import kernels as _k
from custvalue._core.money import MAX_MINOR
from custvalue.errors import InputTypeError
from custvalue.errors import InputValueError

__all__ = [
    "KINDS",
    "RATE_DECIMALS",
    "RATE_SCALE",
    "bps",
    "money_scalar",
    "parse_rate",
    "parse_share",
    "pct",
    "scaled",
    "show",
]

RateLike = Decimal | str | int | float
MoneyLike = Decimal | str | int | float

RATE_SCALE = _k.RATE_SCALE
RATE_DECIMALS = 9
BOUND_LIMIT = Decimal(10)
_QUANTUM = Decimal(1).scaleb(-RATE_DECIMALS)

KINDS = ("sale", "return", "reversal", "negative_margin", "below_plan")
SALE, RETURN, REVERSAL, NEGATIVE, BELOW = range(5)


def bps(value: int | str | Decimal) -> Decimal:
    """Return a rate given in basis points (1 bp = 0.01 % = 0.0001) as an exact Decimal.

    Examples
    --------
    >>> bps(750)
    Decimal('0.0750')
    """
    if isinstance(value, bool) or not isinstance(value, int | str | Decimal):
        raise InputTypeError(f"`bps` takes an int, str or Decimal, got {value!r}.")
    try:
        d = Decimal(value) if not isinstance(value, str) else Decimal(value.strip())
    except InvalidOperation:
        raise InputValueError(f"`bps` got {value!r}, which is not a number.") from None
    if not d.is_finite():
        raise InputValueError(f"`bps` got {value!r}; a rate must be finite.")
    return d.scaleb(-4)


def parse_rate(value: object, name: str = "rate") -> Decimal:
    """Read a rate or margin-rate bound as an exact Decimal fraction.

    Accepted forms (all mean 7.5 %):

    * ``Decimal("0.075")`` as is;
    * strings ``"0.075"``, ``"7.5%"``, ``"750bp"`` / ``"750bps"`` (basis points);
    * ``int`` (``0`` and ``1`` are the usual ones: ``1`` means 100 %);
    * ``float`` through its shortest ``repr``: ``0.075`` is ``Decimal("0.075")``.

    The value must be exact with at most 9 decimals once read (``"1/3"``-like
    rates such as ``0.333333333333`` are refused, not rounded).

    Raises
    ------
    InputTypeError
        For booleans and non-numeric types.
    InputValueError
        For unparsable strings, NaN/inf, or more than 9 decimals.

    Examples
    --------
    >>> [parse_rate(v) for v in ("7.5%", "750bp", "0.075", 0.075)]
    [Decimal('0.075'), Decimal('0.075'), Decimal('0.075'), Decimal('0.075')]
    """
    d = _read_decimal(
        value,
        name,
        _rate_text,
        ("a rate (e.g. '7.5%')", "read from", "write e.g. '0.075', '7.5%' or '750bp'"),
    )
    if d.quantize(_QUANTUM, rounding="ROUND_HALF_EVEN") != d:
        raise InputValueError(
            f"`{name}` = {value!r} has more than {RATE_DECIMALS} decimals; rates and bounds "
            f"must be exact at 1e-9 (e.g. '7.125%')."
        )
    return d


def _rate_text(text: str) -> Decimal:
    """Read a rate written as a fraction, a percentage or basis points."""
    if text.endswith("%"):
        return Decimal(text[:-1].strip()).scaleb(-2)
    if text.lower().endswith("bps"):
        return Decimal(text[:-3].strip()).scaleb(-4)
    if text.lower().endswith("bp"):
        return Decimal(text[:-2].strip()).scaleb(-4)
    return Decimal(text)


def _read_decimal(
    value: object, name: str, parse: Callable[[str], Decimal], what: tuple[str, str, str]
) -> Decimal:
    """Exact finite Decimal of a Decimal, int, float or str ``value`` (``parse`` reads str).

    ``what = (what the value must be, how a str is read, how to fix it)`` for messages.
    """
    if isinstance(value, bool | np.bool_):
        raise InputTypeError(f"`{name}` must be {what[0]}, got {value!r}.")
    number = numeric_decimal(value, name)
    if number is not None:
        d = number
    elif isinstance(value, str):
        try:
            d = parse(value.strip().replace("_", ""))
        except InvalidOperation:
            raise InputValueError(
                f"`{name}` could not be {what[1]} {value!r}; {what[2]}."
            ) from None
    else:
        raise InputTypeError(
            f"`{name}` must be {what[0]} (Decimal, str, int or float), got {type(value).__name__}."
        )
    if not d.is_finite():
        raise InputValueError(f"`{name}` must be finite, got {value!r}.")
    return d


def numeric_decimal(value: object, name: str) -> Decimal | None:
    """Decimal of a Decimal, int or float (shortest repr) value; None for other types.

    Booleans are the caller's to refuse; NaN and infinities are refused here.
    """
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, int | np.integer):
        d = Decimal(int(value))
    elif isinstance(value, float | np.floating):
        d = Decimal(repr(float(value)))
    else:
        return None
    if not d.is_finite():
        raise InputValueError(f"`{name}` must be finite, got {value!r}.")
    return d


def show(value: object) -> str:
    """Repr of a label for messages (numpy scalars shown as plain Python values)."""
    if isinstance(value, np.generic):
        value = value.item()
    return repr(value)


def scaled(d: Decimal) -> int:
    return int(d.scaleb(RATE_DECIMALS))


def pct(d: Decimal) -> str:
    text = format(d.scaleb(2), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}%"


def money_scalar(value: object, name: str, decimals: int) -> int:
    """Convert an exact money amount (major units) to minor units; refuse extra decimals."""
    d = _read_decimal(
        value,
        name,
        Decimal,
        ("an amount", "read as an amount from", "write e.g. '12.50'"),
    )
    scaled = d.scaleb(decimals)
    if scaled != scaled.to_integral_value():
        raise InputValueError(
            f"`{name}` = {value!r} has more decimals than the currency ({decimals}); "
            f"give it in whole minor units of the currency."
        )
    out = int(scaled)
    if abs(out) > MAX_MINOR:
        raise InputValueError(
            f"`{name}` = {value!r} is too large (limit {MAX_MINOR} minor units)."
        )
    return out


def parse_share(value: object, name: str) -> int:
    d = parse_rate(value, name)
    if not Decimal(0) <= d <= Decimal(1):
        raise InputValueError(f"`{name}` must be between 0 and 100 %, got {value!r}.")
    return scaled(d)
