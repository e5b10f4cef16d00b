"""The one rule for what a valid (frequency, recency, T) customer history is.

Every function that takes an RFM summary (the CLV models, lifecycle stages,
the loyalty score) checks its rows here, so they accept and refuse the same
rows:

- ``frequency`` is a whole number ``>= 0`` (repeat purchase periods);
- ``recency`` and ``T`` are finite and ``>= 0``;
- ``recency <= T`` (the last purchase is not after the end of observation);
- ``recency > 0`` exactly when ``frequency > 0`` (repeat purchases come after
  the first one; a customer without repeats has recency 0).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from custvalue._core.arrays import FloatArray
from custvalue._core.arrays import first_true
from custvalue._core.jit import jit
from custvalue._core.validation import as_float_array
from custvalue._core.validation import check_consistent_length
from custvalue.errors import InputValueError

__all__ = ["check_histories", "history_arrays", "summary_arrays"]


def _where(mask: npt.NDArray[np.bool_], index: pd.Index | None) -> str:
    pos = int(np.flatnonzero(mask)[0])
    where = f"position {pos}"
    if index is not None:
        label = index[pos]
        label = label.item() if isinstance(label, np.generic) else label
        where += f" (customer {label!r})"
    return f"{int(mask.sum())} row(s), first at {where}"


def check_histories(
    frequency: FloatArray,
    recency: FloatArray,
    T: FloatArray,
    index: pd.Index | None = None,
) -> None:
    """Refuse rows that are not a possible customer history (see the module docstring).

    The arrays are already finite, non-negative float64 and ``frequency`` whole
    (as :func:`history_arrays` returns them).

    Raises
    ------
    InputValueError
        Naming the first offending row and how to fix it.
    """
    if _possible_histories(frequency, recency, T):
        return
    rules = (
        (
            recency > T,
            "`recency` must be <= `T` (the last purchase cannot be after the end of observation)",
            "recency={r:g}, T={t:g}; recency and T must come from the same summary.",
        ),
        (
            (frequency > 0) & (recency == 0),
            "`recency` must be > 0 when `frequency` > 0 (repeat purchases happen after the "
            "first one)",
            "frequency={f:g}, recency=0; measure recency from the first purchase at a finer "
            "time resolution.",
        ),
        (
            (frequency == 0) & (recency > 0),
            "`recency` must be 0 when `frequency` is 0 (no repeat purchase)",
            "frequency=0, recency={r:g}.",
        ),
    )
    for bad, rule, found in rules:
        if (i := first_true(bad)) is not None:
            found = found.format(f=frequency[i], r=recency[i], t=T[i])
            raise InputValueError(f"{rule}, but {_where(bad, index)} has {found}")


@jit
def _possible_histories(frequency: FloatArray, recency: FloatArray, T: FloatArray) -> bool:
    """Whether every row keeps the rules of :func:`check_histories` (one vectorised pass)."""
    bad = False
    for i in range(frequency.shape[0]):
        x = frequency[i]
        r = recency[i]
        bad |= (r > T[i]) | ((x > 0.0) & (r == 0.0)) | ((x == 0.0) & (r > 0.0))
    return not bad


def history_arrays(
    frequency: object,
    recency: object,
    T: object,
    index: pd.Index | None = None,
    *,
    names: tuple[str, str, str] = ("frequency", "recency", "T"),
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Validate three per-customer columns and return them as float64 arrays.

    ``names`` are the names used in messages (e.g. ``"column 'frequency'"``).
    """
    x = as_float_array(frequency, names[0], nonnegative=True, integer=True)
    tx = as_float_array(recency, names[1], nonnegative=True)
    t_obs = as_float_array(T, names[2], nonnegative=True)
    check_consistent_length(**{names[0]: x, names[1]: tx, names[2]: t_obs})
    check_histories(x, tx, t_obs, index)
    return x, tx, t_obs


def summary_arrays(summary: pd.DataFrame) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Validate the ``frequency``, ``recency`` and ``T`` columns of an RFM summary frame."""
    return history_arrays(
        summary["frequency"],
        summary["recency"],
        summary["T"],
        summary.index,
        names=("column 'frequency'", "column 'recency'", "column 'T'"),
    )
