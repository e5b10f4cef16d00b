"""Argument checks shared by the diagnostics."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from custvalue._core.arrays import FloatArray
from custvalue._core.arrays import first_true
from custvalue._core.validation import check_dataframe
from custvalue.errors import InputTypeError
from custvalue.errors import InputValueError


def check_frame(data: object, name: str, columns: Sequence[str]) -> pd.DataFrame:
    """Return ``data`` as a pandas DataFrame holding ``columns``, else raise.

    The library's one frame check (:func:`custvalue._core.validation.check_dataframe`:
    polars and pyarrow frames converted, missing columns named), with column names
    that must be strings.
    """
    for col in columns:
        if not isinstance(col, str):
            raise InputTypeError(f"column names must be str, got {type(col).__name__} ({col!r}).")
    return check_dataframe(data, name, list(columns), allow_empty=True)


def float_column(data: pd.DataFrame, col: str, name: str, *, integer: bool = False) -> FloatArray:
    """Return a column as a finite, non-negative float array, or raise."""
    series = data[col]
    if not (pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)):
        raise InputTypeError(
            f"column {col!r} of `{name}` must be numeric, got dtype {series.dtype}; "
            "fix by converting it."
        )
    arr = np.asarray(series, dtype=np.float64)
    bad = ~np.isfinite(arr) | (arr < 0)
    if integer:
        bad |= np.isfinite(arr) & (arr != np.round(arr))
    if (pos := first_true(bad)) is not None:
        what = "whole numbers >= 0" if integer else "finite and >= 0"
        raise InputValueError(
            f"column {col!r} of `{name}` must be {what}, got {float(arr[pos])!r} at row "
            f"{data.index[pos]!r}; fix or drop that row."
        )
    return np.ascontiguousarray(arr)


def positive_int(value: object, name: str, *, minimum: int = 1) -> int:
    """Return ``value`` as an int ``>= minimum``, or raise."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise InputTypeError(f"`{name}` must be an int, got {type(value).__name__} ({value!r}).")
    if value < minimum:
        raise InputValueError(f"`{name}` must be >= {minimum}, got {value}.")
    return int(value)


def positive_float(value: object, name: str) -> float:
    """Return ``value`` as a finite float > 0, or raise."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise InputTypeError(f"`{name}` must be a number, got {type(value).__name__}.")
    out = float(value)
    if not np.isfinite(out) or out <= 0:
        raise InputValueError(f"`{name}` must be finite and > 0, got {value!r}.")
    return out


def model_method(model: object, method: str, name: str = "model") -> Any:
    """Return the bound ``method`` of ``model`` or raise naming what is needed."""
    fn = getattr(model, method, None)
    if not callable(fn):
        raise InputTypeError(
            f"`{name}` must be a fitted custvalue model with a `{method}` method, "
            f"got {type(model).__name__}."
        )
    return fn


def as_float(values: Any) -> FloatArray:
    """Return a model output as a 1-D float array."""
    return np.ascontiguousarray(np.ravel(np.asarray(values, dtype=np.float64)))
