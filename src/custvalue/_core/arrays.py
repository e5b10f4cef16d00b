"""The numpy array types of the library's signatures (contiguous arrays of one dtype)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["FloatArray", "Int8Array", "IntArray", "UIntArray"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Int8Array = npt.NDArray[np.int8]
UIntArray = npt.NDArray[np.uint64]
