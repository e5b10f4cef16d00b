r"""Time-invariant customer covariates of the CLV models: encoding and the grouped likelihood.

A covariate spec (``fit(data, covariates=...)``) is a column name of ``data``,
a list of column names, or a DataFrame on ``data``'s index.  Each column is
encoded once, at fit time, into the design matrix :math:`Z` (one row per
customer) and the encoding is kept on the model, so that predictions encode
new frames in exactly the same way:

- numeric columns (not bool) are used as they are (float64);
- bool, categorical, object and string columns are one-hot encoded with the
  **first level as the reference**: the first category of a categorical dtype
  (in its order), ``False`` for bool, else the first of the sorted distinct
  values; the other levels give the columns ``"name[level]"``.

Refused, with the column named: missing or infinite values, a column with one
value only (it is confounded with the base parameters), a category of the
dtype that never occurs, a design that is not of full column rank together
with a constant (collinear covariates), and, at prediction time, a level not
seen at fit time.

The likelihood of a model with covariates is the plain model's likelihood
with per-customer parameters.  Customers are grouped by their covariate row
and, within a group, identical histories are folded into weights; the plain
numba kernel runs on each group with the group's parameters
(:func:`custvalue._clv.grouped.grouped_log_likelihood`), and the gradient with respect to the
coefficients follows by the chain rule from the kernel's gradient in the
group's parameters.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from custvalue._core.validation import check_dataframe
from custvalue.errors import InputTypeError
from custvalue.errors import InputValueError
from custvalue.errors import MissingColumnError

__all__ = [
    "CovariateEncoding",
    "CovariateLinks",
    "encode_covariates",
]

FloatArray = npt.NDArray[np.float64]

#: How a model's parameters depend on the covariates: per process (``"purchase"``,
#: ``"dropout"``), the indices of the parameters multiplied by ``exp(sign * gamma'z)``
#: and their signs.
CovariateLinks = Mapping[str, tuple[tuple[int, float], ...]]


@dataclasses.dataclass(frozen=True, slots=True)
class _Column:
    """Encoding of one source column: numeric (``levels`` None) or one-hot."""

    name: str
    levels: tuple[Any, ...] | None

    def names(self) -> list[str]:
        if self.levels is None:
            return [self.name]
        return [f"{self.name}[{level}]" for level in self.levels[1:]]


@dataclasses.dataclass(frozen=True, slots=True)
class CovariateEncoding:
    """How the covariate columns of a frame become the design matrix ``Z``.

    ``processes`` maps each process of the model to the source columns it uses
    (None: every process uses every column).
    """

    columns: tuple[_Column, ...]
    processes: tuple[tuple[str, tuple[str, ...]], ...] | None = None

    def design_columns(self, process: str) -> npt.NDArray[np.intp]:
        """Return the indices of the design columns that enter ``process``."""
        used = None if self.processes is None else dict(self.processes).get(process, ())
        start = 0
        indices: list[int] = []
        for column in self.columns:
            n = len(column.names())
            if used is None or column.name in used:
                indices.extend(range(start, start + n))
            start += n
        return np.array(indices, dtype=np.intp)

    @property
    def sources(self) -> tuple[str, ...]:
        """The names of the source columns, in order."""
        return tuple(c.name for c in self.columns)

    @property
    def names(self) -> tuple[str, ...]:
        """The names of the design columns (``"age"``, ``"channel[web]"``, ...)."""
        return tuple(n for c in self.columns for n in c.names())

    def transform(self, data: pd.DataFrame, arg: str = "data") -> FloatArray:
        """Return the C-contiguous ``(n, k)`` design of ``data``'s covariate columns.

        Raises
        ------
        MissingColumnError
            If a covariate column is absent (all absent ones are named).
        InputValueError
            For missing or infinite values and for levels not seen at fit time.
        """
        missing = [c for c in self.sources if c not in data.columns]
        if missing:
            raise MissingColumnError(
                f"`{arg}` lacks the covariate column(s) {missing} the model was fitted with; "
                f"add them to `{arg}` (one value per customer)."
            )
        parts = [_encode_column(data[c.name], c, arg) for c in self.columns]
        return np.ascontiguousarray(np.column_stack(parts), dtype=np.float64)


def _is_numeric(values: pd.Series) -> bool:
    return bool(
        pd.api.types.is_numeric_dtype(values.dtype)
        and not pd.api.types.is_bool_dtype(values.dtype)
    )


def _check_present(values: pd.Series, name: str, arg: str) -> None:
    bad = values.isna().to_numpy()
    if bad.any():
        row = values.index[int(np.argmax(bad))]
        raise InputValueError(
            f"covariate `{name}` of `{arg}` has missing values (first at index {row!r}); "
            f"fill or drop them before fitting or predicting."
        )


def _encode_column(values: pd.Series, column: _Column, arg: str) -> FloatArray:
    """One column's design block (``(n,)`` numeric or ``(n, levels - 1)`` one-hot)."""
    _check_present(values, column.name, arg)
    if column.levels is None:
        if not _is_numeric(values):
            raise InputTypeError(
                f"covariate `{column.name}` of `{arg}` must be numeric as at fit time, "
                f"got dtype {values.dtype}; pass the same kind of column."
            )
        out = values.to_numpy(dtype=np.float64)
        if not np.all(np.isfinite(out)):
            raise InputValueError(
                f"covariate `{column.name}` of `{arg}` has infinite values; pass finite numbers."
            )
        return out
    codes = pd.Index(column.levels).get_indexer(values.to_numpy(dtype=object))
    if (codes < 0).any():
        unseen = values.to_numpy(dtype=object)[codes < 0][0]
        raise InputValueError(
            f"covariate `{column.name}` of `{arg}` has the level {unseen!r}, not seen at fit "
            f"time (levels {list(column.levels)}); map it to one of those levels."
        )
    out = np.zeros((codes.size, len(column.levels) - 1))
    rows = np.flatnonzero(codes > 0)
    out[rows, codes[rows] - 1] = 1.0
    return out


def _levels(values: pd.Series, name: str) -> tuple[Any, ...]:
    """Return the levels of a categorical column, the reference level first."""
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        levels = tuple(dtype.categories)
        present = set(values.unique())
        unused = [lev for lev in levels if lev not in present]
        if unused:
            raise InputValueError(
                f"covariate `{name}` has categories that never occur: {unused}; drop them "
                f"with .cat.remove_unused_categories()."
            )
        return levels
    if pd.api.types.is_bool_dtype(dtype):
        return tuple(v for v in (False, True) if v in set(values.unique()))
    try:
        return tuple(sorted(values.unique()))
    except TypeError:
        raise InputTypeError(
            f"covariate `{name}` mixes values that cannot be ordered (e.g. strings and "
            f"numbers); convert it to one type or to a pandas Categorical."
        ) from None


def _fit_column(values: pd.Series, name: str) -> _Column:
    _check_present(values, name, "covariates")
    if _is_numeric(values):
        column = _Column(name, None)
        out = _encode_column(values, column, "covariates")
        if out.size and np.all(out == out[0]):
            raise InputValueError(
                f"covariate `{name}` is constant ({out[0]!r}): it is confounded with the base "
                f"parameters; drop it."
            )
        return column
    if not (
        pd.api.types.is_bool_dtype(values.dtype)
        or isinstance(values.dtype, pd.CategoricalDtype)
        or pd.api.types.is_object_dtype(values.dtype)
        or pd.api.types.is_string_dtype(values.dtype)
    ):
        raise InputTypeError(
            f"covariate `{name}` has dtype {values.dtype}; pass numbers, bools, strings or a "
            f"pandas Categorical (e.g. convert dates to an age in numbers)."
        )
    levels = _levels(values, name)
    if len(levels) < 2:
        raise InputValueError(
            f"covariate `{name}` has one level only ({levels[0]!r}): it is confounded with "
            f"the base parameters; drop it."
        )
    return _Column(name, levels)


def _covariate_frame(data: pd.DataFrame | None, covariates: object) -> pd.DataFrame:
    """Return the frame of covariate columns named or given by ``covariates``."""
    if isinstance(covariates, pd.DataFrame):
        if data is not None and not covariates.index.equals(data.index):
            raise InputValueError(
                "`covariates` must be a DataFrame on the index of `data` (same labels, same "
                "order); align it with covariates.reindex(data.index)."
            )
        if covariates.shape[1] == 0:
            raise InputValueError("`covariates` has no columns; pass at least one covariate.")
        if not all(isinstance(c, str) for c in covariates.columns):
            raise InputTypeError(
                f"the columns of `covariates` must be named by strings (predictions read "
                f"them from `data=` by name), got {list(covariates.columns)}; rename them."
            )
        return check_dataframe(covariates, "covariates")
    names = [covariates] if isinstance(covariates, str) else covariates
    if not isinstance(names, list | tuple) or not all(isinstance(c, str) for c in names):
        raise InputTypeError(
            f"`covariates` must be a column name, a list of column names of `data` or a "
            f"DataFrame on data's index, got {covariates!r}."
        )
    if not names:
        raise InputValueError("`covariates` is empty; pass at least one column name.")
    if len(set(names)) < len(names):
        raise InputValueError(f"`covariates` names a column twice: {list(names)}.")
    if data is None:
        raise InputValueError(
            "`covariates` names columns, but no `data` was passed; pass the DataFrame as `data`."
        )
    return check_dataframe(data, "data", {c: "covariates" for c in names})[list(names)]


def _per_process(
    covariates: Mapping[Any, Any], processes: tuple[str, ...]
) -> tuple[list[str], tuple[tuple[str, tuple[str, ...]], ...]]:
    """Read ``{process: column name(s)}``; return the union of the columns and the selection."""
    unknown = [k for k in covariates if k not in processes]
    if unknown:
        raise InputValueError(
            f"`covariates` has the key(s) {unknown}; the processes of this model are "
            f"{list(processes)} (map each to column names of `data`)."
        )
    selection = []
    union: list[str] = []
    for process in processes:
        names = covariates.get(process, [])
        names = [names] if isinstance(names, str) else names
        if not isinstance(names, list | tuple) or not all(isinstance(c, str) for c in names):
            raise InputTypeError(
                f"`covariates[{process!r}]` must be a column name or a list of column names "
                f"of `data`, got {names!r}."
            )
        selection.append((process, tuple(names)))
        union += [c for c in names if c not in union]
    if not union:
        raise InputValueError("`covariates` names no column; pass at least one.")
    return union, tuple(selection)


def encode_covariates(
    data: pd.DataFrame | None, covariates: object, n_rows: int, processes: tuple[str, ...] = ()
) -> tuple[CovariateEncoding, FloatArray]:
    """Read and encode a covariate spec; return the encoding and the ``(n, k)`` design.

    ``covariates`` may also map each of the model's ``processes`` to its own
    column names (``{"purchase": ["channel"], "dropout": ["age"]}``).

    Raises
    ------
    InputTypeError, InputValueError, MissingColumnError
        For a bad spec or bad values (see the module docstring); the message
        names the column and the fix.
    """
    selection = None
    if isinstance(covariates, Mapping):
        covariates, selection = _per_process(covariates, processes)
    frame = _covariate_frame(data, covariates)
    if frame.shape[0] != n_rows:
        raise InputValueError(
            f"`covariates` has {frame.shape[0]} rows but the histories have {n_rows}; "
            f"pass one covariate row per customer."
        )
    encoding = CovariateEncoding(
        tuple(_fit_column(frame[c], str(c)) for c in frame.columns), selection
    )
    z = encoding.transform(frame, "covariates")
    _check_rank(z, encoding.names)
    return encoding, z


def _check_rank(z: FloatArray, names: tuple[str, ...]) -> None:
    """Refuse a design that is not of full column rank together with a constant."""
    design = np.column_stack([np.ones(z.shape[0]), z - z.mean(axis=0)])
    design /= np.maximum(np.abs(design).max(axis=0), 1e-300)
    if np.linalg.matrix_rank(design) == design.shape[1]:
        return
    # name the first column that adds nothing
    for j in range(1, design.shape[1]):
        if np.linalg.matrix_rank(design[:, : j + 1]) < j + 1:
            raise InputValueError(
                f"covariate column {names[j - 1]!r} is a linear combination of the constant "
                f"and the covariates before it (collinear design); drop it or one of those."
            )
