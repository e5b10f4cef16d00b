r"""Scalar special functions for numba code (numba has no ``scipy.special``).

- :func:`digamma` — :math:`\psi(x)` for ``x > 0``: upward recurrence to
  ``x >= 10``, then the asymptotic (Stirling) series; agrees with
  ``scipy.special.psi`` to 1e-13 (relative, or absolute near its root);
- :func:`trigamma` — :math:`\psi_1(x) = \psi'(x)` for ``x > 0``: the same
  recurrence, then its asymptotic series; agrees with ``scipy.special.polygamma(1, x)``
  to 1e-13 relative;
- :func:`betaln` — :math:`\log B(a, b)` from ``math.lgamma``.

All are tested against :mod:`scipy.special` directly.  Vectorised code uses
:mod:`scipy.special` itself.
"""

from __future__ import annotations

import math

from custvalue._core.jit import jit

__all__ = ["betaln", "digamma", "trigamma"]


@jit
def digamma(x: float) -> float:
    """Digamma function for ``x > 0`` (recurrence to ``x >= 10`` + asymptotic series)."""
    result = 0.0
    while x < 10.0:
        result -= 1.0 / x
        x += 1.0
    f = 1.0 / (x * x)
    series = f * (
        1.0 / 12.0
        - f
        * (
            1.0 / 120.0
            - f
            * (
                1.0 / 252.0
                - f * (1.0 / 240.0 - f * (1.0 / 132.0 - f * (691.0 / 32760.0 - f / 12.0)))
            )
        )
    )
    return result + math.log(x) - 0.5 / x - series


@jit
def trigamma(x: float) -> float:
    """Trigamma function for ``x > 0`` (recurrence to ``x >= 10`` + asymptotic series)."""
    result = 0.0
    while x < 10.0:
        result += 1.0 / (x * x)
        x += 1.0
    f = 1.0 / (x * x)
    # 1/x + 1/(2x²) + Σ_k B_2k / x^(2k+1), Bernoulli numbers B_2 .. B_14
    series = (
        1.0
        + f
        * (
            1.0 / 6.0
            - f
            * (
                1.0 / 30.0
                - f
                * (
                    1.0 / 42.0
                    - f * (1.0 / 30.0 - f * (5.0 / 66.0 - f * (691.0 / 2730.0 - f * 7.0 / 6.0)))
                )
            )
        )
    ) / x
    return result + series + 0.5 * f


@jit
def betaln(a: float, b: float) -> float:
    """Return ``log B(a, b)`` for ``a, b > 0`` from ``math.lgamma``."""
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
