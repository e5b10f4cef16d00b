"""One signature for functions that take the same options as another.

A Dask or derived version of a function (``custvalue.dask.rfm_summary`` of
``custvalue.rfm.rfm_summary``) takes exactly the options of the function it
mirrors.  :func:`same_options` gives it that function's signature, so the two
cannot drift apart: ``help()``, Sphinx, IDEs and mypy see the options with
their defaults, and an option the original does not take is refused.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any
from typing import Concatenate
from typing import ParamSpec
from typing import TypeVar

from custvalue.errors import InputTypeError

_P = ParamSpec("_P")
_R = TypeVar("_R")
_A = TypeVar("_A")


def same_options(
    original: Callable[Concatenate[Any, _P], object], first: type[_A]
) -> Callable[[Callable[..., _R]], Callable[Concatenate[_A, _P], _R]]:
    """Return a decorator giving ``f(data, **options)`` the options of ``original``.

    The decorated function keeps its name, docstring, first parameter (typed
    ``first``) and return annotation; every later parameter is ``original``'s.
    Arguments are bound against that signature, so a missing or unknown one
    is an :class:`~custvalue.errors.InputTypeError` naming it, and ``f`` is
    called with the first argument and the options the caller gave, by
    keyword (the defaults stay ``original``'s own).
    """
    reference = inspect.signature(original)

    def decorate(f: Callable[..., _R]) -> Callable[Concatenate[_A, _P], _R]:
        own = inspect.signature(f)
        head = next(iter(own.parameters.values()))
        signature = own.replace(parameters=[head, *list(reference.parameters.values())[1:]])

        @functools.wraps(f)
        def call(*args: Any, **kwargs: Any) -> _R:
            try:
                bound = signature.bind(*args, **kwargs)
            except TypeError as exc:
                raise InputTypeError(
                    f"{f.__name__}(): {exc}; it takes the options of "
                    f"{original.__name__}() (see help({f.__name__}))"
                ) from None
            data, *_ = bound.arguments.values()
            options = {k: v for k, v in bound.arguments.items() if k != head.name}
            return f(data, **options)

        call.__signature__ = signature  # type: ignore[attr-defined]
        return call

    return decorate
