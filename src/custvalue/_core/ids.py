"""Dense coding of ids: codes ``0..k-1`` per distinct id, and the order that sorts them."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from custvalue._core.jit import jit
from custvalue.errors import InputTypeError

IntArray = npt.NDArray[np.int64]


@jit
def offset_codes(values: IntArray, low: int, span: int) -> tuple[IntArray, IntArray]:
    """Code integer ids by their offset from ``low = values.min()``, in ascending id order.

    Returns the code of each value and the sorted distinct offsets.
    """
    present = np.zeros(span, dtype=np.bool_)
    for v in values:
        present[v - low] = True
    code_of = np.empty(span, dtype=np.int64)
    kept = np.empty(span, dtype=np.int64)
    k = 0
    for s in range(span):
        if present[s]:
            code_of[s] = k
            kept[k] = s
            k += 1
    codes = np.empty(values.shape[0], dtype=np.int64)
    for i in range(values.shape[0]):
        codes[i] = code_of[values[i] - low]
    return codes, kept[:k].copy()


def factorize_ids(ids: pd.Series) -> tuple[IntArray, pd.Index]:
    """Codes ``0..k-1`` for the customer ids and the ids themselves (``-1`` for missing).

    Integer ids spanning a range not much wider than the log are coded by
    offset, which needs no hashing and yields the ids already sorted.  Missing
    ids of every dtype (NaN, None, ``pd.NA`` in nullable ``Int64`` or
    ``string[pyarrow]`` columns, NaT) get code ``-1``.
    """
    plain = isinstance(ids.dtype, np.dtype)
    if ids.dtype.kind in "iu" and len(ids) and (plain or not ids.hasnans):
        # numpy integers, or nullable/Arrow integers without missing values.
        values = ids.to_numpy() if plain else ids.to_numpy(dtype=ids.dtype.numpy_dtype)  # type: ignore[union-attr]
        low, high = int(values.min()), int(values.max())
        if high - low < 4 * len(values) + 1024:
            codes, kept = offset_codes(
                np.ascontiguousarray(values, dtype=np.int64), low, high - low + 1
            )
            return codes, pd.Index((kept + low).astype(values.dtype))
    # Hashing the plain object array is faster than going through a string array.
    keys: npt.NDArray[Any] | pd.Series = (
        ids.to_numpy(dtype=object) if isinstance(ids.dtype, pd.StringDtype) else ids
    )
    codes, uniques = pd.factorize(keys, sort=False, use_na_sentinel=True)
    return np.asarray(codes, dtype=np.int64), pd.Index(uniques, dtype=ids.dtype)


def sorting_order(ids: pd.Index) -> IntArray:
    """Positions that sort the customer ids ascending (fast paths for numbers and strings)."""
    if ids.is_monotonic_increasing:
        return np.arange(len(ids), dtype=np.int64)
    if ids.dtype.kind in "iufmM":
        return np.argsort(ids.to_numpy())
    if pd.api.types.infer_dtype(ids, skipna=False) == "string":
        # numpy's fixed-width unicode sort orders by code point, like Python's str.
        return np.argsort(np.asarray(ids.to_numpy(dtype=object), dtype=str))
    try:
        return np.asarray(ids.argsort(), dtype=np.int64)
    except TypeError:
        raise InputTypeError(
            f"customer ids in column {ids.name!r} mix types that cannot be ordered "
            f"(e.g. numbers and strings); convert them to one type, e.g. .astype(str)."
        ) from None
