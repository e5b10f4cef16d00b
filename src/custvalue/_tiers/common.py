"""Small helpers shared by the tiers modules: categorical outputs and argument checks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from custvalue._core.arrays import FloatArray
from custvalue.errors import InputValueError


def categorical(
    codes: npt.NDArray[Any], categories: Sequence[str], index: pd.Index | None, name: str
) -> Any:
    """Categorical of ``codes``; a named Series on ``index`` when one is given."""
    cat = from_codes(codes, categories)
    if index is None:
        return cat
    return pd.Series(cat, index=index, name=name)


def from_codes(codes: npt.NDArray[Any], categories: Sequence[str]) -> Any:
    """``pandas.Categorical`` from integer codes and the category labels."""
    return pd.Categorical.from_codes(
        np.asarray(codes, dtype=np.int64), categories=pd.Index(list(categories))
    )


def series_name(values: object, default: str) -> str:
    """Name of ``values`` when it is a named Series, else ``default``."""
    name = getattr(values, "name", None) if isinstance(values, pd.Series) else None
    return str(name) if name is not None else default


def check_finite_sum(values: FloatArray, what: str) -> None:
    """Refuse values whose sums (and differences of sums) would leave float64 range."""
    with np.errstate(over="ignore"):
        total = 4.0 * float(np.abs(values).sum())
    if not np.isfinite(total):
        raise InputValueError(
            f"{what} holds amounts so large that their sums leave the float64 range; "
            f"fix by expressing them in a larger unit (e.g. thousands)."
        )


def returns_mask(
    amounts: FloatArray, returns: str, amount_col: str
) -> npt.NDArray[np.bool_] | None:
    """Apply the ``returns`` policy to the sign of ``amounts``: the lines to keep, or None (all).

    ``"error"`` refuses negative amounts naming ``returns``; ``"drop"`` keeps
    the lines with ``amount >= 0``; ``"net"`` keeps every line.
    """
    negative = amounts < 0
    if returns == "net" or not negative.any():
        return None
    if returns == "error":
        pos = int(np.flatnonzero(negative)[0])
        raise InputValueError(
            f"column {amount_col!r} (argument `amount_col`) has {int(negative.sum())} negative "
            f"amount(s) (returns), first at position {pos}: {amounts[pos]!r}; fix by passing "
            f'returns="net" to net them against the purchases or returns="drop" to drop them.'
        )
    return ~negative
