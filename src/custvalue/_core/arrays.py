"""The numpy array types of the library's signatures, and the first flagged row of a mask."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["FloatArray", "Int8Array", "IntArray", "UIntArray", "first_true"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Int8Array = npt.NDArray[np.int8]
UIntArray = npt.NDArray[np.uint64]


def first_true(mask: npt.NDArray[np.bool_]) -> int | None:
    """Position of the first True of ``mask``, or None when there is none.

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue._core.arrays import first_true
    >>> first_true(np.array([False, True, True])), first_true(np.array([False]))
    (1, None)
    """
    hits = np.flatnonzero(mask)
    return int(hits[0]) if hits.size else None
