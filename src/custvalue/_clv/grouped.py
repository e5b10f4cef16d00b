"""The likelihood of a model with covariates: the plain kernel over groups of customers.

Customers sharing a covariate row share their parameters; the histories are
sorted by group and each block ``starts[g]:starts[g + 1]`` runs the model's
own likelihood kernel at the group's parameters.  The group loop names each
model's kernel in its own branch (``_KERNELS`` gives the branch), so numba
compiles it once and loads it from its on-disk cache in every later process;
a loop that took the kernel as an argument would be compiled again in every
process (see :mod:`custvalue._core.jit`).

This module imports the model modules, so the model template
(:mod:`custvalue._clv.base`) imports it where it is used, not at the top.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from custvalue._clv import bgnbd
from custvalue._clv import pareto_nbd
from custvalue._core.jit import jit

__all__ = ["grouped_log_likelihood", "grouped_row_terms"]

FloatArray = npt.NDArray[np.float64]

#: The history kernels of the models that take covariates, by branch of :func:`_grouped`.
_KERNELS: tuple[Callable[..., float], ...] = (bgnbd._loglik_kernel, pareto_nbd._loglik_kernel)


@jit
def _grouped(
    model: int,
    params: FloatArray,
    h: FloatArray,
    w: FloatArray,
    starts: npt.NDArray[np.intp],
    out: FloatArray,
    grads: FloatArray,
) -> float:
    """Sum model ``model``'s kernel over the row blocks ``starts[g]:starts[g + 1]``.

    Block ``g`` runs at the parameters ``params[g]``; ``grads[g]`` receives
    the kernel's gradient in them; ``out`` is ``(2, 0)`` or ``(2, n)`` (then
    filled per row).
    """
    total = 0.0
    per_row = out.shape[1] > 0
    for g in range(params.shape[0]):
        s = starts[g]
        e = starts[g + 1]
        block = out[:, s:e] if per_row else out
        if model == 0:
            total += bgnbd._loglik_kernel(params[g], h[:, s:e], w[s:e], block, grads[g])
        else:
            total += pareto_nbd._loglik_kernel(params[g], h[:, s:e], w[s:e], block, grads[g])
    return total


def _branch(kernel: Callable[..., float]) -> int:
    for i, known in enumerate(_KERNELS):
        if kernel is known:
            return i
    raise TypeError(f"no grouped likelihood for the kernel {kernel!r}; add it to _KERNELS")


def grouped_log_likelihood(
    kernel: Callable[..., float],
    params: FloatArray,
    rows: tuple[FloatArray, FloatArray, npt.NDArray[np.intp]],
    n_params: int,
) -> tuple[float, FloatArray]:
    """Weighted log-likelihood and per-group gradients (``(G, n_params)``) of a history kernel.

    ``kernel`` is the model's ``HistoryModel._kernel``; ``params`` is
    ``(G, m)``: group ``g``'s kernel parameters (``m`` may exceed the
    ``n_params`` model parameters, e.g. the MBG/NBD flag); ``h`` the ``(3, n)``
    histories sorted by group, ``starts`` the ``G + 1`` block bounds, given as
    ``rows = (h, w, starts)``.
    """
    h, w, starts = rows
    grads = np.zeros((params.shape[0], n_params))
    total = _grouped(_branch(kernel), params, h, w, starts, np.empty((2, 0)), grads)
    return float(total), grads


def grouped_row_terms(
    kernel: Callable[..., float], params: FloatArray, h: FloatArray, n_params: int
) -> tuple[FloatArray, FloatArray]:
    """Per row of ``h``: the log-likelihood and P(alive) at the row's parameters ``params[i]``."""
    n = h.shape[1]
    out = np.empty((2, n))
    grads = np.empty((n, n_params))
    starts = np.arange(n + 1, dtype=np.intp)
    _grouped(_branch(kernel), params, h, np.ones(n), starts, out, grads)
    return out[0], out[1]
