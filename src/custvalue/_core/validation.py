"""The one place where custvalue checks and converts its inputs.

Every public function calls these helpers once, at its boundary, before any
computation.  They never modify the caller's objects: conversions return new
arrays.  Messages follow one pattern: *what* (argument or column name), *what
is wrong* (with an example of an offending value where useful) and *how to fix
it*.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from collections.abc import Hashable
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from custvalue._core.frames import as_pandas_frame
from custvalue._core.jit import jit
from custvalue.errors import InputTypeError
from custvalue.errors import InputValueError
from custvalue.errors import MissingColumnError

__all__ = [
    "as_float_array",
    "check_choice",
    "check_column_name",
    "check_consistent_length",
    "check_dataframe",
    "check_scalar",
    "common_index",
    "read_1d",
    "wrap_like",
]

FloatArray = npt.NDArray[np.float64]

# pandas.api.types.infer_dtype results accepted in an object column of numbers.
_NUMERIC_KINDS = {"integer", "floating", "mixed-integer-float", "decimal", "empty"}


def read_1d(
    values: object, name: str, series: Callable[[pd.Series], npt.NDArray[Any]]
) -> npt.NDArray[Any]:
    """Return one column of numbers as a 1-D numpy array (a scalar becomes one value).

    A DataFrame, a categorical column or an array of more dimensions is an
    :class:`~custvalue.errors.InputTypeError` naming ``name``; a Series is read
    with ``series``, anything else with :func:`numpy.asarray`.

    Examples
    --------
    >>> from custvalue._core.validation import read_1d
    >>> read_1d(3.5, "x", lambda s: s.to_numpy())
    array([3.5])
    """
    if isinstance(values, pd.DataFrame):
        raise InputTypeError(f"`{name}` must be one column (1-D), got a DataFrame.")
    if isinstance(values, pd.Series):
        if isinstance(values.dtype, pd.CategoricalDtype):
            raise InputTypeError(f"`{name}` must be numeric, got a categorical column.")
        raw = series(values)
    else:
        raw = np.asarray(values)
    if raw.ndim == 0:
        raw = raw.reshape(1)
    if raw.ndim != 1:
        raise InputTypeError(f"`{name}` must be 1-D, got an array of shape {raw.shape}.")
    return raw


def _series_values(values: pd.Series) -> npt.NDArray[Any]:
    """Return a Series' values, missing ones as NaN."""
    return values.to_numpy(dtype=None, na_value=np.nan) if values.hasnans else values.to_numpy()


def check_column_name(value: object, name: str) -> Any:
    """Check that a ``*_col`` argument is one column label (not a list, tuple or set).

    Raises
    ------
    InputTypeError
        If ``value`` is a list, tuple, set, dict or another unhashable object.

    Examples
    --------
    >>> from custvalue._core.validation import check_column_name
    >>> check_column_name("date", "date_col")
    'date'
    """
    if isinstance(
        value, list | tuple | set | frozenset | dict | pd.Index | pd.Series | np.ndarray
    ):
        raise InputTypeError(
            f"`{name}` must be one column name (a string), got {type(value).__name__} "
            f"{value!r}; pass a single name, e.g. {name}='...'."
        )
    try:
        hash(value)
    except TypeError:
        raise InputTypeError(
            f"`{name}` must be one column name (a string), got unhashable "
            f"{type(value).__name__}; pass a single name."
        ) from None
    return value


def check_dataframe(
    data: object,
    name: str,
    columns: Iterable[Any] | Mapping[Any, str] = (),
    *,
    allow_empty: bool = False,
    hint: str = "rename the column or pass its name through the matching *_col argument",
    select: bool = False,
) -> pd.DataFrame:
    """Check that ``data`` is a frame holding ``columns``; return it as a pandas DataFrame.

    A pandas DataFrame is returned unchanged.  A polars DataFrame/LazyFrame or a
    pyarrow Table is read through Arrow (see :mod:`custvalue._core.frames`):
    with ``select`` only ``columns`` are converted (for callers that need no
    other column), otherwise every column.

    ``columns`` may map each column to the argument that named it
    (``{"date": "date_col"}``), so that a missing column's message names the argument.

    Raises
    ------
    InputTypeError
        If ``data`` is not one of those frames.  For a Dask, Spark or DuckDB
        frame the message names the type and the conversion to use.
    MissingColumnError
        If a required column is absent (the message lists the columns present).
    InputValueError
        If ``data`` has no rows and ``allow_empty`` is false.
    """
    named = dict(columns) if isinstance(columns, Mapping) else {}
    columns = list(columns)
    for c in columns:
        if isinstance(c, list | tuple | set | dict) or not isinstance(c, Hashable):
            raise InputTypeError(
                f"column names of `{name}` must be single labels, got {type(c).__name__} "
                f"{c!r}; pass one name per *_col argument."
            )
    data = as_pandas_frame(data, name, columns if select else (), hint=hint)
    missing = [c for c in columns if c not in data.columns]
    if missing:
        present = ", ".join(repr(c) for c in list(data.columns)[:20])
        given = f", given as `{named[missing[0]]}`" if missing[0] in named else ""
        raise MissingColumnError(
            f"`{name}` has no column {missing[0]!r}{given} (columns present: {present}); {hint}."
        )
    if not allow_empty and len(data) == 0:
        raise InputValueError(f"`{name}` is empty; pass at least one row.")
    return data


def _describe_bad(values: npt.NDArray[Any], mask: npt.NDArray[np.bool_]) -> str:
    idx = np.flatnonzero(mask)
    return f"{idx.size} value(s), first at position {idx[0]}: {values[idx[0]]!r}"


def as_float_array(
    values: object,
    name: str,
    *,
    nonnegative: bool = False,
    positive: bool = False,
    integer: bool = False,
    allow_empty: bool = False,
) -> FloatArray:
    """Return ``values`` as a new contiguous 1-D float64 array after checking it.

    Checks happen on the raw values *before* any cast, so that a non-integer
    value is reported rather than silently truncated.

    Parameters
    ----------
    values : array-like
        Numbers (list, tuple, numpy array or pandas Series; booleans refused).
    name : str
        The argument or column name used in error messages.
    nonnegative, positive : bool
        Require ``values >= 0`` (``> 0``).
    integer : bool
        Require whole numbers.
    allow_empty : bool
        Accept a zero-length input.

    Raises
    ------
    InputTypeError
        For non-numeric input (strings, objects, datetimes, booleans) or not 1-D.
    InputValueError
        For NaN/inf, or values violating the requested constraints.
    """
    raw = read_1d(values, name, _series_values)
    if raw.dtype == np.bool_ or not (np.issubdtype(raw.dtype, np.number) or raw.dtype == object):
        raise InputTypeError(
            f"`{name}` must hold numbers, got dtype {raw.dtype}; convert it with "
            f"pandas.to_numeric(...) first."
        )
    if raw.dtype == object:
        kind = pd.api.types.infer_dtype(raw, skipna=True)
        if kind not in _NUMERIC_KINDS:
            first = next((v for v in raw if not isinstance(v, numbers.Real)), raw[0])
            raise InputTypeError(
                f"`{name}` must hold numbers, but holds {kind} values (e.g. {first!r}); "
                f"convert it with pandas.to_numeric(...) first."
            )
        try:
            arr = raw = raw.astype(np.float64)
        except (TypeError, ValueError):
            raise InputTypeError(
                f"`{name}` must hold numbers, but holds non-numeric objects "
                f"(e.g. {raw[0]!r}); convert it with pandas.to_numeric(...) first."
            ) from None
    elif np.issubdtype(raw.dtype, np.complexfloating):
        raise InputTypeError(f"`{name}` must hold real numbers, got complex values.")
    elif raw.dtype == np.float64:
        arr = np.empty(raw.shape[0])
    else:
        arr = raw = raw.astype(np.float64)
    if arr.size == 0 and not allow_empty:
        raise InputValueError(f"`{name}` is empty; pass at least one value.")
    low = 0.0 if positive or nonnegative else -np.inf
    if not _copy_if_valid(raw, arr, low, positive, integer):
        arr[:] = raw
        _refuse_invalid(arr, name, positive=positive, nonnegative=nonnegative, integer=integer)
    return arr


@jit
def _copy_if_valid(
    src: FloatArray, dst: FloatArray, low: float, strict: bool, integer: bool
) -> bool:
    """Copy ``src`` into ``dst``; whether every value is finite, ``>= low`` (``> low``) and whole.

    One pass for every rule, without a branch per value (the loop is
    vectorised: as fast as the copy alone).
    """
    bad = False
    for i in range(src.shape[0]):
        v = src[i]
        dst[i] = v
        bad |= (
            (not abs(v) < np.inf)
            | (v < low)
            | (strict & (v == low))
            | (integer & (math.floor(v) != v))
        )
    return not bad


def _refuse_invalid(
    arr: FloatArray, name: str, *, positive: bool, nonnegative: bool, integer: bool
) -> None:
    """Raise the error of the first rule of :func:`as_float_array` that ``arr`` breaks."""
    bad = ~np.isfinite(arr)
    if bad.any():
        raise InputValueError(
            f"`{name}` has missing or non-finite values ({_describe_bad(arr, bad)}); "
            f"drop or fill them before calling."
        )
    if positive and (bad := arr <= 0).any():
        raise InputValueError(f"`{name}` must be > 0, but has {_describe_bad(arr, bad)}.")
    if nonnegative and (bad := arr < 0).any():
        raise InputValueError(f"`{name}` must be >= 0, but has {_describe_bad(arr, bad)}.")
    if integer and (bad := arr != np.round(arr)).any():
        raise InputValueError(
            f"`{name}` must hold whole numbers, but has {_describe_bad(arr, bad)}."
        )


def check_consistent_length(**arrays: Sequence[Any] | npt.NDArray[Any]) -> int:
    """Check that all named arrays have the same length and return it."""
    lengths = {k: len(v) for k, v in arrays.items()}
    if len(set(lengths.values())) > 1:
        desc = ", ".join(f"`{k}` has {n}" for k, n in lengths.items())
        raise InputValueError(
            f"inputs must have the same length, but {desc}; pass one value per customer."
        )
    return next(iter(lengths.values()), 0)


def check_scalar(
    value: object,
    name: str,
    *,
    integer: bool = False,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
) -> float:
    """Check a numeric scalar argument and return it as a float (or int if ``integer``).

    Raises
    ------
    InputTypeError
        If ``value`` is not a real number (bool refused), or not integral when
        ``integer`` is set.
    InputValueError
        If ``value`` is NaN/inf or outside ``[low, high]`` (bounds as requested).
    """
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool | np.bool_) or not isinstance(value, kind):
        want = "an integer" if integer else "a real number"
        raise InputTypeError(f"`{name}` must be {want}, got {value!r}.")
    v = float(value)
    if not np.isfinite(v):
        raise InputValueError(f"`{name}` must be finite, got {value!r}.")
    if low is not None and (v < low or (v == low and not low_inclusive)):
        op = ">=" if low_inclusive else ">"
        raise InputValueError(f"`{name}` must be {op} {low}, got {value!r}.")
    if high is not None and (v > high or (v == high and not high_inclusive)):
        op = "<=" if high_inclusive else "<"
        raise InputValueError(f"`{name}` must be {op} {high}, got {value!r}.")
    return int(value) if integer else v  # type: ignore[call-overload]


def _is_option(value: object, option: object) -> bool:
    """``value == option`` for one option, safely (no array or ``pd.NA`` truth values)."""
    if value is option:
        return True
    if isinstance(value, str) != isinstance(option, str):
        return False
    try:
        return bool(value == option)
    except (TypeError, ValueError):
        return False


def check_choice(value: object, name: str, choices: Iterable[object]) -> Any:
    """Check that ``value`` is one of ``choices`` and return it.

    Raises
    ------
    InputValueError
        For a string, number or None that is not one of ``choices``.
    InputTypeError
        For any other type (an array, a Series, ``pd.NA`` ...).
    """
    options = tuple(choices)
    if any(_is_option(value, c) for c in options):
        return value
    listed = ", ".join(repr(c) for c in options)
    if value is None or isinstance(value, str | numbers.Number):
        raise InputValueError(f"`{name}` must be one of {listed}; got {value!r}.")
    raise InputTypeError(
        f"`{name}` must be one of {listed}, got {type(value).__name__} {value!r:.60}."
    )


def common_index(*inputs: object) -> pd.Index | None:
    """Return the index of the first pandas Series among ``inputs``, or ``None``.

    Raises
    ------
    InputValueError
        If two Series inputs carry different indexes (results would be misaligned).
    """
    index: pd.Index | None = None
    for x in inputs:
        if isinstance(x, pd.Series):
            if index is None:
                index = x.index
            elif not index.equals(x.index):
                raise InputValueError(
                    "Series inputs have different indexes; align them first "
                    "(e.g. with DataFrame columns or .reindex(...))."
                )
    return index


def wrap_like(result: npt.NDArray[Any], index: pd.Index | None, name: str) -> Any:
    """Return ``result`` as a Series on ``index`` (if given), else the array itself."""
    if index is None:
        return result
    return pd.Series(result, index=index, name=name)
