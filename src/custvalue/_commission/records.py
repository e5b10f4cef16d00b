"""The records passed between the steps of the commission pipeline (int64 arrays)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["Lines", "Priced", "Statements", "TierArray", "tier_dtype"]

IntArray = npt.NDArray[np.int64]
#: tiers paid: int8 for plans of fewer than 127 tiers, else int32 (see :func:`tier_dtype`)
TierArray = npt.NDArray[np.signedinteger[Any]]


def tier_dtype(n_tiers: int) -> type[np.signedinteger[Any]]:
    """Return the narrowest integer type of the tier paid (-1 .. ``n_tiers - 1``)."""
    return np.int8 if n_tiers < 127 else np.int32


@dataclass(frozen=True, slots=True, eq=False)
class Lines:
    """Step 1: every line in minor units with its tier, kind, basis and period."""

    index: pd.Index
    rev: IntArray
    other: IntArray | None
    tier: IntArray
    pay_tier: TierArray  # tier paid (-1: none)
    basis: IntArray
    kind: npt.NDArray[np.int8]
    period: IntArray
    line_comm: IntArray | None  # per-line mode: each line's commission before reversals
    sort_key: IntArray | None  # the date's int64 count (None without dates)
    n_per: int
    period_labels: Any


@dataclass(frozen=True, slots=True, eq=False)
class Priced:
    """Step 4: basis, commission and bracket of every credit, and each line's commission."""

    c_basis: IntArray
    c_comm: IntArray
    c_tier: TierArray
    c_bracket: npt.NDArray[np.integer[Any]]  # int8 zeros in per-line mode
    line_comm: IntArray


@dataclass(frozen=True, slots=True, eq=False)
class Statements:
    """Step 5: the statement of each credit and the sums of each statement."""

    keys: IntArray  # salesperson code * n_per + period code, ascending
    c_stmt: IntArray
    count: IntArray
    basis: IntArray
    comm: IntArray
    reversals: IntArray
