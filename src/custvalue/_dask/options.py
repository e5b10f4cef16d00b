"""The options of a Dask mirror of an in-memory function, with that function's defaults."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from collections.abc import Mapping
from typing import Any


def with_defaults(original: Callable[..., object], options: Mapping[str, Any]) -> dict[str, Any]:
    """Every option of ``original`` after its first parameter: the given one or its default.

    ``options`` are those a caller gave to a function decorated with
    :func:`custvalue._core.signatures.same_options` (already bound against
    ``original``'s signature, so every required one is present).
    """
    parameters = list(inspect.signature(original).parameters.values())[1:]
    return {p.name: options.get(p.name, p.default) for p in parameters}
