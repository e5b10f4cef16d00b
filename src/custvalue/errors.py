"""Exception types raised by custvalue.

Every public function validates its input once, at the boundary, and raises one
of these types.  Each message names the argument or column, says what was wrong
and how to fix it.  All types derive from :class:`CustvalueError`, and from the
matching built-in (``ValueError``, ``TypeError``, ``KeyError`` ...) so that
generic ``except ValueError`` handlers keep working.

Examples
--------
>>> import pandas as pd
>>> from custvalue.errors import CustvalueError, MissingColumnError
>>> from custvalue.rfm import rfm_summary
>>> try:
...     rfm_summary(pd.DataFrame({"id": [1], "date": ["2020-01-01"]}))
... except MissingColumnError as err:
...     print(type(err).__name__)
MissingColumnError
>>> issubclass(MissingColumnError, (CustvalueError, KeyError))
True
"""

from __future__ import annotations

__all__ = [
    "ConvergenceError",
    "ConvergenceWarning",
    "CustvalueError",
    "CustvalueWarning",
    "InputTypeError",
    "InputValueError",
    "MissingColumnError",
    "NotFittedError",
    "StandardErrorWarning",
]


class CustvalueError(Exception):
    """Base class of every error raised by custvalue."""


class InputValueError(CustvalueError, ValueError):
    """An argument or column holds values that cannot be used (NaN, negative, out of range ...)."""


class InputTypeError(CustvalueError, TypeError):
    """An argument or column has the wrong type or dtype."""


class MissingColumnError(CustvalueError, KeyError):
    """A required column is absent from a DataFrame argument."""

    def __str__(self) -> str:
        # KeyError quotes its message; show it as plain text like the other errors.
        return str(self.args[0]) if self.args else ""


class NotFittedError(CustvalueError, AttributeError):
    """A model method that needs fitted parameters was called before ``fit``."""


class ConvergenceError(CustvalueError, RuntimeError):
    """An optimizer failed to converge; the message carries the optimizer's own report."""


class CustvalueWarning(UserWarning):
    """Base class of every warning issued by custvalue."""


class ConvergenceWarning(CustvalueWarning):
    """An optimizer stopped (e.g. on its iteration limit) before meeting its tolerance.

    The model keeps the parameters of the last iterate and sets ``converged_``
    to False; fit again with a larger ``max_iter`` or other initial parameters.
    """


class StandardErrorWarning(CustvalueWarning):
    """Some standard errors of a fitted model are not available (NaN).

    The parameters are not identified by the data at the optimum (the observed
    information matrix is singular or not positive definite there).
    """
