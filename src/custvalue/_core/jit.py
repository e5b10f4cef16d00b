"""The one numba decorator used by every kernel.

Kernels are compiled with fixed options: ``cache=True`` (compiled code is kept
on disk, so only the first run pays compilation), ``error_model="numpy"``
(division by zero gives inf/nan like numpy instead of raising) and
``nogil=True``.  ``fastmath`` is never enabled: NaN/inf semantics must stay
exact.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from typing import TypeVar
from typing import cast

import numba

F = TypeVar("F", bound=Callable[..., Any])


def jit(func: F) -> F:
    """Compile ``func`` with custvalue's fixed numba options."""
    return cast(F, numba.njit(cache=True, error_model="numpy", nogil=True)(func))
