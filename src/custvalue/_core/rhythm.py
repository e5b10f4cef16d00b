"""The one rule for a customer's purchase rhythm and how overdue they are.

From an RFM history (``frequency`` repeat purchase periods, ``recency`` the
time from the first to the last purchase, ``T`` the time from the first
purchase to the end of observation, all in periods):

- a customer with repeat purchases (``frequency > 0``) has their *own* rhythm,
  the mean gap between purchase occasions, ``recency / frequency``;
- a customer without repeats has none and is judged against the
  :func:`fallback_rhythm`: ``default_rhythm`` when the caller gives one, else
  the median own rhythm of the customers who repeat; when nobody repeats,
  ``if_no_repeats`` when given, else an :class:`~custvalue.errors.InputValueError`
  asking for ``default_rhythm``;
- ``inactivity = T - recency`` (periods since the last purchase) and the
  overdue ratio ``inactivity / rhythm`` (above 1: later than usual).

The inputs are already valid histories (see :mod:`custvalue._core.summary`).
"""

from __future__ import annotations

from typing import TypedDict
from typing import Unpack

import numpy as np

from custvalue._core.arrays import FloatArray
from custvalue._core.validation import check_scalar
from custvalue.errors import InputValueError

__all__ = ["Fallback", "fallback_rhythm", "overdue_ratio", "purchase_rhythm"]


def fallback_rhythm(
    frequency: FloatArray,
    recency: FloatArray,
    *,
    default_rhythm: float | None = None,
    if_no_repeats: float | None = None,
) -> float:
    """Rhythm for customers without a rhythm of their own (no repeat purchase).

    Parameters
    ----------
    frequency, recency : float64 arrays
        Valid histories (whole ``frequency >= 0``; ``recency > 0`` exactly
        when ``frequency > 0``).
    default_rhythm : float, optional
        The caller's typical periods between purchases (``> 0``); when given
        it is the fallback, whatever the data (message names ``default_rhythm``
        if it is not a positive number).
    if_no_repeats : float, optional
        The fallback when nobody repeats and ``default_rhythm`` is None.
        Without it that case is an error.

    Returns
    -------
    float
        ``default_rhythm``; else the median of ``recency / frequency`` over
        the customers with ``frequency > 0``; else ``if_no_repeats``.

    Raises
    ------
    InputValueError
        If nobody repeats and neither ``default_rhythm`` nor ``if_no_repeats``
        is given, or ``default_rhythm`` is not ``> 0``.
    """
    if default_rhythm is not None:
        return check_scalar(default_rhythm, "default_rhythm", low=0.0, low_inclusive=False)
    repeat = frequency > 0
    if repeat.any():
        return float(np.median(recency[repeat] / frequency[repeat]))
    if if_no_repeats is not None:
        return float(if_no_repeats)
    raise InputValueError(
        "no customer has more than one purchase period, so there is no rhythm to judge "
        "against; pass `default_rhythm` (typical periods between purchases)."
    )


class Fallback(TypedDict, total=False):
    """The keywords of :func:`fallback_rhythm`, which :func:`purchase_rhythm` passes on."""

    default_rhythm: float | None
    if_no_repeats: float | None


def purchase_rhythm(
    frequency: FloatArray, recency: FloatArray, **fallback: Unpack[Fallback]
) -> FloatArray:
    """Inter-purchase time per customer: their own, or the fallback without repeats.

    ``recency / frequency`` where ``frequency > 0``, elsewhere
    :func:`fallback_rhythm` (called with the same keywords, ``fallback``).
    Always finite and ``> 0`` for valid histories and a positive fallback.

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue._core.rhythm import purchase_rhythm
    >>> purchase_rhythm(np.array([4.0, 2.0, 0.0]), np.array([40.0, 10.0, 0.0]))
    array([10. ,  5. ,  7.5])
    >>> purchase_rhythm(np.array([0.0]), np.array([0.0]), if_no_repeats=1.0)
    array([1.])
    """
    repeat = frequency > 0
    out = np.empty(frequency.shape[0])
    np.divide(recency, frequency, out=out, where=repeat)
    if not repeat.all():
        out[~repeat] = fallback_rhythm(frequency, recency, **fallback)
    return out


def overdue_ratio(recency: FloatArray, T: FloatArray, rhythm: FloatArray) -> FloatArray:
    """Periods since the last purchase per rhythm: ``(T - recency) / rhythm``.

    0 right after a purchase, 1 when a purchase is exactly one rhythm late.

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue._core.rhythm import overdue_ratio
    >>> overdue_ratio(np.array([40.0, 10.0]), np.array([50.0, 40.0]), np.array([10.0, 5.0]))
    array([1., 6.])
    """
    return (T - recency) / rhythm
