"""Frames of other libraries -> the pandas DataFrame the readers work on.

custvalue computes on contiguous numpy arrays read from pandas columns.  A
polars ``DataFrame`` or ``LazyFrame`` and a pyarrow ``Table`` are accepted
everywhere a pandas DataFrame is: :func:`as_pandas_frame` selects the needed
columns first (a LazyFrame is collected after the selection), hands them over
through Arrow and converts only those columns to pandas.  The conversion is
pyarrow's ``Table.to_pandas`` with dates as ``datetime64`` (``date_as_object``
off), so that

- strings become pandas' Arrow-backed ``str`` columns (no Python objects);
- polars ``Categorical``/``Enum`` and Arrow dictionaries become pandas categoricals;
- timestamps keep their unit and time zone, dates become ``datetime64``;
- decimals become Python :class:`decimal.Decimal` objects (exact);
- nulls become the pandas missing value of the column's dtype (an integer
  column with nulls becomes float with NaN), which the readers then refuse or
  handle exactly as for a pandas frame.

A pyarrow Table written from a pandas frame (``pyarrow.Table.from_pandas``)
keeps its index: the index columns recorded in its pandas metadata are read
along.  Any other polars or Arrow input gets a ``RangeIndex``, so outputs that
follow their input's rows are indexed by position.

Frames of distributed or database engines (Dask, Spark, DuckDB) are refused
with the way to get an in-memory frame.  The libraries are recognised by the
module that defines the type; none of them is imported here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from custvalue.errors import InputTypeError
from custvalue.errors import MissingColumnError

__all__ = ["as_pandas_frame", "frame_columns", "is_foreign_frame"]

# Frames that are refused: module prefix -> (library name, how to get a frame custvalue reads).
_REFUSED = {
    "dask": ("Dask", "use the functions of custvalue.dask, or `.compute()` it first"),
    "pyspark": ("Spark", "convert it with `.toPandas()` (or `.toArrow()`)"),
    "duckdb": ("DuckDB", "convert it with `.pl()`, `.arrow()` or `.df()`"),
}


def _library(data: object) -> str:
    return type(data).__module__.split(".")[0]


def _kind(data: object) -> str | None:
    """``"polars"``, ``"polars-lazy"``, ``"arrow"`` for the accepted foreign frames, else None."""
    library = _library(data)
    name = type(data).__name__
    if library == "polars" and name == "DataFrame":
        return "polars"
    if library == "polars" and name == "LazyFrame":
        return "polars-lazy"
    if library == "pyarrow" and name == "Table":
        return "arrow"
    return None


def is_foreign_frame(data: object) -> bool:
    """Tell whether ``data`` is a polars DataFrame/LazyFrame or a pyarrow Table."""
    return _kind(data) is not None


def frame_columns(data: Any) -> list[Any]:
    """Column names of a pandas, polars or pyarrow frame (schema only, nothing computed)."""
    kind = _kind(data)
    if kind == "polars-lazy":
        return list(data.collect_schema().names())
    if kind == "arrow":
        return list(data.column_names)
    return list(data.columns)


def _index_columns(table: Any) -> list[str]:
    """Names of the index columns a pandas-written Arrow table records in its metadata."""
    try:
        meta = table.schema.pandas_metadata
    except (AttributeError, ValueError):
        return []
    if not meta:
        return []
    present = set(table.column_names)
    return [c for c in meta.get("index_columns", []) if isinstance(c, str) and c in present]


def _refuse(data: object, name: str) -> None:
    library = _library(data)
    kind = type(data).__name__
    if library in _REFUSED:
        label, fix = _REFUSED[library]
        raise InputTypeError(
            f"`{name}` must be a pandas DataFrame, a polars DataFrame/LazyFrame or a "
            f"pyarrow Table, got a {label} {kind}; {fix}."
        )
    if library in {"polars", "pyarrow"}:
        raise InputTypeError(
            f"`{name}` must be a pandas DataFrame, a polars DataFrame/LazyFrame or a "
            f"pyarrow Table, got a {library} {kind}; pass a frame, e.g. `.to_frame()`."
        )
    raise InputTypeError(
        f"`{name}` must be a pandas DataFrame, a polars DataFrame/LazyFrame or a pyarrow "
        f"Table, got {kind}; build one with pandas.DataFrame(...)."
    )


def as_pandas_frame(
    data: object,
    name: str,
    columns: Sequence[Any] = (),
    *,
    hint: str = "rename the column or pass its name through the matching *_col argument",
) -> pd.DataFrame:
    """Return ``data`` as a pandas DataFrame, reading only ``columns`` of a foreign frame.

    A pandas DataFrame is returned as it is (never copied).  A polars
    DataFrame/LazyFrame or a pyarrow Table is reduced to ``columns`` (all
    columns when ``columns`` is empty) and converted through Arrow, see the
    module docstring.

    Raises
    ------
    InputTypeError
        For anything else; Dask, Spark and DuckDB frames are named with the way
        to convert them.
    MissingColumnError
        If a foreign frame lacks one of ``columns`` (checked on its schema,
        before anything is read).

    Examples
    --------
    >>> import pyarrow as pa
    >>> from custvalue._core.frames import as_pandas_frame
    >>> table = pa.table({"c": ["a", "b"], "x": [1.5, 2.0], "unused": [0, 0]})
    >>> as_pandas_frame(table, "data", ["c", "x"])
       c    x
    0  a  1.5
    1  b  2.0
    """
    if isinstance(data, pd.DataFrame):
        return data
    kind = _kind(data)
    if kind is None:
        _refuse(data, name)
    frame: Any = data
    present = frame_columns(frame)
    wanted = list(dict.fromkeys(columns)) if columns else present
    missing = [c for c in wanted if c not in present]
    if missing:
        listed = ", ".join(repr(c) for c in present[:20])
        raise MissingColumnError(
            f"`{name}` has no column {missing[0]!r} (columns present: {listed}); {hint}."
        )
    if kind == "polars-lazy":
        table = frame.select(wanted).collect().to_arrow()
    elif kind == "polars":
        table = frame.select(wanted).to_arrow()
    else:
        keep = wanted + [c for c in _index_columns(frame) if c not in wanted]
        table = frame.select(keep)
    out = table.to_pandas(date_as_object=False)
    if not isinstance(out, pd.DataFrame):  # pragma: no cover - to_pandas of a Table
        raise InputTypeError(f"`{name}` could not be read as a table.")
    return out
