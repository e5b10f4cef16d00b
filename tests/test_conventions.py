"""One vocabulary: every public signature follows the naming table of docs/conventions.rst."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from collections.abc import Iterator
from typing import Any

import pytest

MODULES = ["rfm", "clv", "tiers", "commission", "loyalty", "diagnostics", "plotting"]

# Names replaced by the naming table (old -> new); none may reappear in a public signature.
RETIRED = {
    "revenue_col": "amount_col",
    "value_col": "amount_col",
    "at": "observation_end",
    "as_of": "observation_end",
    "evaluate_at": "observation_end",
    "period": "freq",
    "datetime_format": "date_format",
    "freq_multiplier": "time_unit",
    "penalizer_coef": "penalizer",
}

# Parameters with one meaning, hence one default, wherever they appear.
DEFAULTS = {
    "customer_col": "customer_id",
    "date_col": "date",
    "returns": "error",
    "negative": "error",
    "date_format": None,
    "time_unit": 1.0,
}


def _public_callables() -> Iterator[tuple[str, Callable[..., Any]]]:
    for name in MODULES:
        try:
            module = importlib.import_module(f"custvalue.{name}")
        except ImportError:  # a module of a later release
            continue
        for attr in module.__all__:
            obj = getattr(module, attr)
            if inspect.isfunction(obj):
                yield f"{name}.{attr}", obj
            elif inspect.isclass(obj):
                for meth_name, meth in inspect.getmembers(obj, inspect.isfunction):
                    if not meth_name.startswith("_") and meth.__module__.startswith("custvalue"):
                        yield f"{name}.{attr}.{meth_name}", meth


CALLABLES = sorted(dict(_public_callables()).items())


def test_there_is_something_to_check() -> None:
    assert len(CALLABLES) > 60


@pytest.mark.parametrize(("qualname", "func"), CALLABLES, ids=[q for q, _ in CALLABLES])
def test_signature_follows_the_naming_table(qualname: str, func: Callable[..., Any]) -> None:
    params = inspect.signature(func).parameters
    for pname, param in params.items():
        assert pname not in RETIRED, f"{qualname}: `{pname}` is now `{RETIRED[pname]}`"
        optional_column = pname.endswith("_col") and param.default is None
        if pname in DEFAULTS and param.default is not inspect.Parameter.empty:
            assert param.default == DEFAULTS[pname] or optional_column, (
                f"{qualname}: `{pname}` defaults to {param.default!r}, "
                f"the library's default is {DEFAULTS[pname]!r}"
            )
        if pname.endswith("_col") and param.default is not inspect.Parameter.empty:
            assert param.default is None or isinstance(param.default, str), qualname
    if "transactions" in params:
        # a transaction log: the same column arguments and the same returns policy
        for required in ("customer_col", "date_col", "returns"):
            assert required in params, f"{qualname} reads a log but has no `{required}`"


@pytest.mark.parametrize(("qualname", "func"), CALLABLES, ids=[q for q, _ in CALLABLES])
def test_public_callable_has_a_runnable_example(qualname: str, func: Callable[..., Any]) -> None:
    doc = inspect.getdoc(func) or ""
    if "." in qualname.split(".", 1)[1]:  # methods: the class docstring holds the example
        return
    assert ">>>" in doc, f"{qualname} has no Examples doctest"
