"""RFM scores: turn a per-customer RFM summary into R, F and M scores.

The public names are re-exported by :mod:`custvalue.rfm`.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any
from typing import Literal

import numpy as np
import pandas as pd

from custvalue._core.arrays import FloatArray
from custvalue._core.arrays import IntArray
from custvalue._core.arrays import first_true
from custvalue._core.validation import as_float_array
from custvalue._core.validation import check_choice
from custvalue._core.validation import check_dataframe
from custvalue._core.validation import check_scalar
from custvalue.errors import InputTypeError
from custvalue.errors import InputValueError
from custvalue.errors import MissingColumnError

__all__ = ["rfm_scores"]

_MAX_BINS = 9
_DIMENSIONS = ("R", "F", "M")


# Cell codes "000" .. "999" indexed by 100 * R + 10 * F + M.
_CELL_CODES = np.array([f"{i:03d}" for i in range(1000)], dtype=object)


def rfm_scores(
    summary: pd.DataFrame,
    *,
    bins: int | None = None,
    method: Literal["quantile", "edges", "mean"] = "quantile",
    recency_col: str = "inactivity",
    frequency_col: str = "purchases",
    monetary_col: str = "total_value",
    edges: Mapping[str, Sequence[float]] | None = None,
) -> pd.DataFrame:
    r"""Score every customer on recency (R), frequency (F) and monetary value (M).

    Parameters
    ----------
    summary : pandas.DataFrame
        One row per customer, typically the output of
        :func:`custvalue.rfm.rfm_summary`.  Not modified.
    bins : int, optional
        Number of scores per dimension.  For ``method="quantile"`` an integer
        from 2 to 9 (default 5).  For ``method="edges"`` the number follows
        from the edges (``len(edges[d]) + 1``) and ``bins`` may be omitted; if
        given it must agree with every dimension.  For ``method="mean"`` it is
        always 2 (omit it or pass 2).
    method : {"quantile", "edges", "mean"}, default "quantile"
        How values become scores; see Notes.
    recency_col : str, default "inactivity"
        Column holding the number of periods since the customer's last
        purchase (smaller is more recent, hence better).  Must be >= 0.
    frequency_col : str, default "purchases"
        Column holding the purchase count (higher is better).  Must be >= 0.
    monetary_col : str, default "total_value"
        Column holding the customer's spend (higher is better).  Must be >= 0.
        Pass ``monetary_col="monetary_value"`` to score the average spend per
        repeat purchase instead of the total.
    edges : mapping, optional
        Only for ``method="edges"``: ``{"R": [...], "F": [...], "M": [...]}``,
        for each dimension 1 to 8 finite, strictly increasing thresholds.
        ``"R"`` edges apply to ``recency_col`` (inactivity).

    Returns
    -------
    pandas.DataFrame
        Indexed like ``summary``, with columns ``R``, ``F``, ``M`` (scores
        1 to the number of scores, higher is better) of ordered categorical
        dtype whose categories are all the scores ``1 .. bins`` of that
        dimension, the string column ``cell`` (the three digits, e.g.
        ``"545"``) and the int64 column ``score`` (``R + F + M``).  The
        categories carry the number of scores with the column itself, through
        sorting, filtering and joins, so :func:`rfm_segments` reads it from
        there (``scores["R"].cat.categories``; use ``.astype(int)`` for plain
        integers).

    Raises
    ------
    InputTypeError
        If ``summary`` is not a DataFrame, a scored column is not numeric,
        ``bins`` is not an integer or ``edges`` is not a mapping of numbers.
    MissingColumnError
        If a scored column is absent; the message names the ``*_col``
        argument to pass.
    InputValueError
        If ``summary`` is empty, a scored column holds NaN, inf or negative
        values, ``bins`` is outside 2..9 or disagrees with ``method`` /
        ``edges``, ``method`` is unknown, or ``edges`` is missing, misplaced,
        lacks a dimension, or is not finite and strictly increasing.

    Notes
    -----
    Throughout, "worse" means a *larger* inactivity for R and a *smaller*
    value for F and M, so that for every dimension a higher score is better
    (the most recent customers get the highest R).

    **Quantile** (``method="quantile"``, ``b = bins``).  For a dimension with
    ``n`` customers let ``w_i`` be the number of customers whose value is
    *strictly* worse than customer ``i``'s.  The score is

    .. math:: s_i = 1 + \lfloor b \, w_i / n \rfloor ,

    computed in exact integer arithmetic.  A customer scores ``k`` exactly
    when at least ``(k - 1)/b`` and less than ``k/b`` of all customers are
    strictly worse.  Consequences:

    * equal values always get equal scores, and scores never decrease as the
      value improves;
    * without ties and with ``n`` a multiple of ``b`` every score holds
      exactly ``n/b`` customers (the usual equal-frequency quantile bins);
    * a group of tied customers is never split: it takes the score of the
      position where the group starts.  Scores that no group starts in stay
      *empty*; scores are never renumbered, so a score keeps its meaning.
      For example, when 60 % of customers made exactly one purchase they all
      get F = 1 and customers with two purchases get F = 1 + floor(5 * 0.6)
      = 4, leaving F = 2 and F = 3 empty;
    * the worst value always scores 1 and, since nobody is strictly worse,
      a dimension in which all customers are equal (or a single customer)
      scores 1 throughout.

    **Edges** (``method="edges"``).  Fixed thresholds ``e_1 < ... < e_k``
    give ``k + 1`` scores.  A value lying exactly on an edge gets the better
    score.  For F and M the score is one plus the number of edges the value
    reaches: ``s = 1 + #{j : x >= e_j}`` (intervals closed on the left).
    For R the edges are applied to the inactivity and the score is reversed:
    ``s = k + 1 - #{j : x > e_j}`` (intervals closed on the right), so with
    ``edges["R"] = [30, 90]`` an inactivity of at most 30 scores 3, of more
    than 30 up to 90 scores 2, and above 90 scores 1.

    **Mean** (``method="mean"``), the two-level split of the 8-cell RFM cube.
    The split point is the arithmetic mean of the column, clipped to the
    column's range so that rounding cannot separate equal values.  F and M
    score 2 when the value is above the mean and 1 when it is at or below;
    R scores 2 when the inactivity is below the mean (more recent than
    average) and 1 when it is at or above.

    Cell codes use one digit per dimension, hence at most 9 scores per
    dimension for every method.

    References
    ----------
    .. [1] Hughes, A. M. (1994). *Strategic Database Marketing*. Probus
       Publishing, Chicago (quintile RFM coding).
    .. [2] Miglautsch, J. R. (2000). Thoughts on RFM scoring. *Journal of
       Database Marketing*, 8(1), 67-72.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.rfm import rfm_scores
    >>> summary = pd.DataFrame(
    ...     {
    ...         "inactivity": [3, 40, 3, 200, 10],
    ...         "purchases": [5, 1, 1, 1, 2],
    ...         "total_value": [250.0, 20.0, 35.0, 15.0, 80.0],
    ...     },
    ...     index=pd.Index(["a", "b", "c", "d", "e"], name="customer"),
    ... )
    >>> rfm_scores(summary)
              R  F  M cell  score
    customer
    a         4  5  5  455     14
    b         2  1  2  212      5
    c         4  1  3  413      8
    d         1  1  1  111      3
    e         3  4  4  344     11

    Fixed business thresholds instead of quantiles:

    >>> edges = {"R": [7, 30, 90], "F": [2, 5], "M": [50, 200]}
    >>> rfm_scores(summary, method="edges", edges=edges)[["R", "F", "M", "cell"]]
              R  F  M cell
    customer
    a         4  3  3  433
    b         2  1  1  211
    c         4  1  1  411
    d         1  1  1  111
    e         3  2  2  322
    """
    method = check_choice(method, "method", ("quantile", "edges", "mean"))
    bins_rfm, edge_arrays = _resolve_bins(method, bins, edges)

    data = check_dataframe(summary, "summary", allow_empty=True)
    columns = {"R": recency_col, "F": frequency_col, "M": monetary_col}
    arguments = {"R": "recency_col", "F": "frequency_col", "M": "monetary_col"}
    for dim in _DIMENSIONS:
        col = columns[dim]
        if col not in data.columns:
            present = ", ".join(repr(c) for c in list(data.columns)[:20])
            raise MissingColumnError(
                f"`summary` has no column {col!r} to score {dim} from (columns present: "
                f"{present}); pass the right column name as {arguments[dim]}=..."
            )
    if len(data) == 0:
        raise InputValueError("`summary` is empty; pass at least one customer.")
    values = {
        dim: as_float_array(data[columns[dim]], f"summary[{columns[dim]!r}]", nonnegative=True)
        for dim in _DIMENSIONS
    }

    scores: dict[str, IntArray] = {}
    for dim, b in zip(_DIMENSIONS, bins_rfm, strict=True):
        higher_is_better = dim != "R"
        x = values[dim]
        if method == "quantile":
            scores[dim] = _quantile_scores(x, b, higher_is_better)
        elif method == "edges":
            scores[dim] = _edge_scores(x, edge_arrays[dim], higher_is_better)
        else:
            scores[dim] = _mean_scores(x, higher_is_better)

    r, f, m = scores["R"], scores["F"], scores["M"]
    out: dict[str, Any] = {
        dim: pd.Categorical.from_codes(
            scores[dim] - 1, dtype=pd.CategoricalDtype(list(range(1, b + 1)), ordered=True)
        )
        for dim, b in zip(_DIMENSIONS, bins_rfm, strict=True)
    }
    out["cell"] = _CELL_CODES[100 * r + 10 * f + m]
    out["score"] = r + f + m
    return pd.DataFrame(out, index=data.index.copy())


def _resolve_bins(
    method: str,
    bins: object,
    edges: object,
) -> tuple[tuple[int, int, int], dict[str, FloatArray]]:
    """Check ``bins`` and ``edges`` against ``method``; return bins per dimension and edges."""
    nbins: int | None = None
    if bins is not None:
        nbins = int(check_scalar(bins, "bins", integer=True, low=2))
        if nbins > _MAX_BINS:
            raise InputValueError(
                f"`bins` must be <= {_MAX_BINS}, got {bins!r}: cell codes use one digit "
                f"per dimension; use at most 9 scores."
            )
    if method != "edges" and edges is not None:
        raise InputValueError(
            f"`edges` is used only with method='edges', but method={method!r}; "
            f"drop `edges` or pass method='edges'."
        )
    if method == "quantile":
        b = 5 if nbins is None else nbins
        return (b, b, b), {}
    if method == "mean":
        if nbins is not None and nbins != 2:
            raise InputValueError(
                f"method='mean' always gives 2 scores per dimension, but bins={bins!r}; "
                f"omit `bins` or use method='quantile'."
            )
        return (2, 2, 2), {}
    edge_arrays = _check_edges(edges)
    counts = tuple(edge_arrays[d].size + 1 for d in _DIMENSIONS)
    if nbins is not None and any(c != nbins for c in counts):
        raise InputValueError(
            f"with method='edges' the number of scores is len(edges) + 1 per dimension "
            f"(R, F, M: {counts}), which disagrees with bins={bins!r}; omit `bins`."
        )
    return (counts[0], counts[1], counts[2]), edge_arrays


def _check_edges(edges: object) -> dict[str, FloatArray]:
    if edges is None:
        raise InputValueError(
            "method='edges' needs `edges`, e.g. "
            "edges={'R': [30, 90, 180, 365], 'F': [2, 3, 5, 10], 'M': [50, 100, 500, 1000]}."
        )
    if not isinstance(edges, Mapping):
        raise InputTypeError(
            f"`edges` must be a mapping such as {{'R': [...], 'F': [...], 'M': [...]}}, "
            f"got {type(edges).__name__}."
        )
    unknown = [k for k in edges if k not in _DIMENSIONS]
    if unknown:
        raise InputValueError(
            f"`edges` has unknown key {unknown[0]!r}; use the keys 'R', 'F' and 'M'."
        )
    out: dict[str, FloatArray] = {}
    for dim in _DIMENSIONS:
        if dim not in edges:
            raise InputValueError(
                f"`edges` has no thresholds for {dim!r}; give edges for all of 'R', 'F' and 'M'."
            )
        raw = edges[dim]
        name = f"edges[{dim!r}]"
        if isinstance(raw, str | bytes | numbers.Number) or raw is None:
            raise InputTypeError(f"`{name}` must be a list of numbers, got {raw!r}.")
        arr = as_float_array(raw, name)
        if arr.size > _MAX_BINS - 1:
            raise InputValueError(
                f"`{name}` has {arr.size} thresholds; at most {_MAX_BINS - 1} are allowed "
                f"because cell codes use one digit (at most 9 scores) per dimension."
            )
        steps = np.diff(arr)
        if (i := first_true(steps <= 0)) is not None:
            raise InputValueError(
                f"`{name}` must be strictly increasing, but {arr[i]!r} is followed by "
                f"{arr[i + 1]!r}; sort the thresholds and remove duplicates."
            )
        out[dim] = arr
    return out


def _strictly_worse_counts(x: FloatArray, higher_is_better: bool) -> IntArray:
    """For each element, the number of elements with a strictly worse value."""
    n = x.size
    top = float(x.max())
    if top <= 4 * n + 1024 and bool(np.all(x == np.floor(x))):
        # Small whole numbers (purchase counts, periods): counting, O(n).
        xi = x.astype(np.int64)
        counts = np.bincount(xi)
        at_most = np.cumsum(counts)
        if higher_is_better:
            return (at_most - counts)[xi]
        return (n - at_most)[xi]
    xs = np.sort(x)
    run_start = np.empty(n, dtype=np.bool_)
    run_start[0] = True
    np.not_equal(xs[1:], xs[:-1], out=run_start[1:])
    starts = np.flatnonzero(run_start)
    run = np.searchsorted(xs[run_start], x)  # exact: every value is a run's value
    if higher_is_better:
        # Strictly smaller values sit before the start of the run.
        return starts[run].astype(np.int64)
    # Strictly larger values sit after the end of the run.
    ends = np.append(starts[1:], n)
    return (n - ends[run]).astype(np.int64)


def _quantile_scores(x: FloatArray, bins: int, higher_is_better: bool) -> IntArray:
    worse = _strictly_worse_counts(x, higher_is_better)
    return 1 + (bins * worse) // x.size


def _edge_scores(x: FloatArray, edges: FloatArray, higher_is_better: bool) -> IntArray:
    if higher_is_better:
        reached = np.searchsorted(edges, x, side="right")  # edges <= x
        return (1 + reached).astype(np.int64)
    exceeded = np.searchsorted(edges, x, side="left")  # edges < x
    return (edges.size + 1 - exceeded).astype(np.int64)


def _mean_scores(x: FloatArray, higher_is_better: bool) -> IntArray:
    split = min(max(float(np.mean(x)), float(x.min())), float(x.max()))
    better = x > split if higher_is_better else x < split
    return 1 + better.astype(np.int64)
