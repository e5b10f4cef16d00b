"""One convention for the inputs and outputs of per-customer computations.

:func:`resolve` reads the named inputs of a vectorised computation and
:func:`shape_output` gives its result the caller's form:

- every input a scalar → a Python ``float``;
- array-likes (lists, tuples, numpy arrays of any shape) broadcast together by
  numpy's rules → a numpy array of the broadcast shape;
- a pandas Series among the inputs → a Series on its index (several Series must
  share one index; scalars and arrays of the same length broadcast against it);
- ``data=`` a DataFrame → inputs left as ``None`` are read from its columns (a
  string names the column to use) and the result is a Series on ``data.index``.

Inputs are validated by :func:`custvalue._core.validation.as_float_array`
(finite, non-negative, whole numbers where asked) and handed over as flat,
contiguous float64 arrays of one common length, so kernels see one layout
whatever the caller passed.  Reading ``data`` takes a column ``name`` or, when
that is absent, ``name + "_cal"`` (the calibration columns of a
calibration/holdout split).

Typing: :func:`shape_output` is overloaded (a float ``like`` gives ``float``,
a Series gives ``Series``, a sequence or array gives an ndarray, a
:class:`Resolved` the union).  The public prediction methods of the
continuous-time CLV models carry the same overloads on their own signatures
(all-float histories → ``float``; ``data=`` or a Series first → ``Series``;
sequences or arrays → ndarray; anything else ``Any``).  With a
``Series[Any]`` argument (e.g. ``df["frequency"]``) mypy cannot choose and
falls back to ``Any``.

Examples
--------
>>> import numpy as np
>>> res = resolve({"t": 2.0, "x": [1.0, 2.0, 3.0]})
>>> res.shape, sorted(res.scalars)
((3,), ['t'])
>>> shape_output(res.arrays["t"] * res.arrays["x"], res, "y")
array([2., 4., 6.])
>>> shape_output(np.array([5.0]), resolve({"t": 2.0}), "y")
5.0
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any
from typing import overload

import numpy as np
import numpy.typing as npt
import pandas as pd

from custvalue._core.validation import as_float_array
from custvalue._core.validation import check_dataframe
from custvalue.errors import InputTypeError
from custvalue.errors import InputValueError
from custvalue.errors import MissingColumnError

__all__ = ["Resolved", "column_name", "resolve", "shape_output"]

FloatArray = npt.NDArray[np.float64]

#: What :func:`shape_output` returns.
Output = float | FloatArray | pd.Series


@dataclasses.dataclass(frozen=True, slots=True)
class Resolved:
    """Validated inputs of one call and the form its output takes.

    Attributes
    ----------
    arrays : dict of str to numpy.ndarray
        Flat float64 arrays of length :attr:`size`: contiguous, except that a
        scalar input is a read-only broadcast view (stride 0) of its one value.
    shape : tuple of int
        Broadcast shape of the inputs (``()`` when every input is a scalar).
    index : pandas.Index or None
        Index of the Series inputs or of ``data``; the output is a Series on it.
    scalars : frozenset of str
        Names of the inputs that were scalars (one value broadcast to all rows).
    """

    arrays: dict[str, FloatArray]
    shape: tuple[int, ...]
    index: pd.Index | None
    scalars: frozenset[str]

    @property
    def size(self) -> int:
        """Number of rows of every array."""
        return int(np.prod(self.shape)) if self.shape else 1


def column_name(data: pd.DataFrame, name: str, source: str = "data") -> str:
    """Return the column of ``data`` that holds ``name``: ``name`` itself, else ``name_cal``.

    Raises
    ------
    MissingColumnError
        If neither column exists; the message lists the columns present.
    """
    if name in data.columns:
        return name
    if f"{name}_cal" in data.columns:
        return f"{name}_cal"
    present = ", ".join(repr(c) for c in list(data.columns)[:20])
    raise MissingColumnError(
        f"`{source}` has no column {name!r} (nor {name + '_cal'!r}; columns present: "
        f"{present}); pass `{name}` explicitly or name its column with {name}='...'."
    )


def _lookup(data: pd.DataFrame | None, name: str, value: object) -> object:
    if isinstance(value, str):
        if data is None:
            raise InputValueError(
                f"`{name}` names the column {value!r}, but no `data` was passed; "
                f"pass the DataFrame as `data` or the values of `{name}` themselves."
            )
        check_dataframe(data, "data", [value], allow_empty=True)
        return data[value]
    if value is None:
        if data is None:
            raise InputValueError(
                f"`{name}` is missing: pass it, or pass `data` (a DataFrame with a "
                f"{name!r} column, e.g. the output of custvalue.rfm.rfm_summary)."
            )
        return data[column_name(data, name)]
    if isinstance(value, pd.DataFrame):
        raise InputTypeError(
            f"`{name}` must be a scalar, an array or a Series, got a DataFrame; "
            f"pass the frame as `data=` or select one column."
        )
    return value


def resolve(
    values: Mapping[str, object],
    *,
    data: pd.DataFrame | None = None,
    integer: Sequence[str] = (),
    positive: Sequence[str] = (),
    signed: Sequence[str] = (),
) -> Resolved:
    """Validate and broadcast the named inputs of a per-customer computation.

    Parameters
    ----------
    values : mapping of str to object
        Argument name → value: a scalar, an array-like, a Series, a column
        name of ``data`` (str) or ``None`` (the column of that name in ``data``).
    data : pandas.DataFrame, optional
        Frame the columns are read from; the output is a Series on its index.
    integer, positive, signed : sequence of str
        Names whose values must be whole numbers (> 0).  Every value must be
        finite and >= 0, except those of the names in ``signed`` (finite, any sign).

    Raises
    ------
    InputValueError
        For invalid values, inputs that do not broadcast together, or Series
        whose indexes differ (from each other or from ``data.index``).
    InputTypeError
        For non-numeric inputs or a DataFrame passed as one input.
    MissingColumnError
        If ``data`` lacks a needed column.
    """
    if data is not None:
        data = check_dataframe(data, "data")
    index: pd.Index | None = None if data is None else data.index
    index_from = "data"
    flat: dict[str, FloatArray] = {}
    shapes: dict[str, tuple[int, ...]] = {}
    for name, value in values.items():
        raw = _lookup(data, name, value)
        if isinstance(raw, pd.Series):
            if index is None:
                index, index_from = raw.index, f"`{name}`"
            elif not index.equals(raw.index):
                raise InputValueError(
                    f"`{name}` is a Series whose index differs from that of {index_from}; "
                    f"align them first (e.g. take both from one DataFrame or use .reindex(...))."
                )
            shapes[name] = (len(raw),)
            column: object = raw
        else:
            arr = np.asarray(raw)
            shapes[name] = arr.shape
            column = arr.reshape(-1) if arr.ndim != 1 else arr
        flat[name] = as_float_array(
            column,
            name,
            nonnegative=name not in signed,
            positive=name in positive,
            integer=name in integer,
        )
    try:
        shape = np.broadcast_shapes(*shapes.values())
    except ValueError:
        desc = ", ".join(f"`{k}` has shape {s}" for k, s in shapes.items())
        raise InputValueError(
            f"inputs must broadcast together (numpy rules), but {desc}; pass one value, "
            f"or one value per customer."
        ) from None
    if index is not None and shape != (len(index),):
        raise InputValueError(
            f"inputs have shape {shape} but the Series/`data` index has {len(index)} entries; "
            f"pass scalars or one value per row of the index."
        )
    size = int(np.prod(shape)) if shape else 1
    scalars = frozenset(k for k, s in shapes.items() if int(np.prod(s)) == 1 and s != shape)
    for name, s in shapes.items():
        if name in scalars:
            # a read-only view: one value for every row, no pass over the data
            flat[name] = np.broadcast_to(flat[name], (size,))
        elif s != shape:
            flat[name] = np.ascontiguousarray(
                np.broadcast_to(flat[name].reshape(s), shape).reshape(size)
            )
    return Resolved(flat, tuple(shape), index, scalars)


@overload
def shape_output(values: FloatArray, like: float, name: str = ...) -> float: ...


@overload
def shape_output(values: FloatArray, like: pd.Series, name: str = ...) -> pd.Series: ...


@overload
def shape_output(values: FloatArray, like: Resolved, name: str = ...) -> Output: ...


@overload
def shape_output(
    values: FloatArray, like: Sequence[float] | npt.NDArray[Any], name: str = ...
) -> FloatArray: ...


def shape_output(
    values: FloatArray,
    like: float | pd.Series | Resolved | Sequence[float] | npt.NDArray[Any],
    name: str = "value",
) -> Output:
    """Give the flat result ``values`` the caller's form.

    ``like`` is the :class:`Resolved` inputs of the call (or, for one-input
    computations, the input itself: a float, a Series or an array-like).
    The result is a float when every input was a scalar, a Series named
    ``name`` on the index of the Series inputs or of ``data``, else an array of
    the broadcast shape.  No pass over the data: the array is reshaped in place
    and the Series wraps it without a copy.
    """
    if not isinstance(like, Resolved):
        if isinstance(like, pd.Series):
            return pd.Series(values, index=like.index, name=name, copy=False)
        shape = np.shape(like)
        return float(values[0]) if shape == () else values.reshape(shape)
    out: Output
    if like.index is not None:
        out = pd.Series(values, index=like.index, name=name, copy=False)
    elif like.shape == ():
        out = float(values[0])
    else:
        out = values.reshape(like.shape)
    return out
