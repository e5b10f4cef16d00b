"""Value tiers: grade customers by what they contribute.

A big customer is not always a valuable one.  This module grades customers by
their contribution (revenue or, better, profit) and by their relationship with
the business:

- :func:`abc_classes` — classic ABC classes by cumulative share of value (or
  by rank), with an explicit policy for negative contributions;
- :func:`abc_computed` — the computed ABC analysis of Ultsch & Lötsch (2015),
  which derives the class limits from the shape of the ABC curve;
- :func:`abc_two_criteria` — two-criteria ABC (e.g. revenue class × profit
  class, ``"AB"``);
- :func:`profit_contribution` — revenue, profit, margin, share of the
  period's profit and change against the previous period, per customer (and
  product) and period;
- :func:`grade_by_profit` — grades from one period's profit contribution;
- :func:`weighted_score` — a tie-safe percentile score from weighted factors;
- :func:`value_grid` — grades from a two-dimensional matrix with override
  rules;
- :func:`relationship_classes` — transaction versus relationship customers
  (cash-flow, quasi-cash-flow, high-cost-to-serve);
- :func:`lifecycle_stages` — new, active, at risk, lapsed, reactivated and
  prospect, judged against each customer's own purchase rhythm.

Every function validates its input once, never modifies the caller's data and
returns results aligned with the input (a pandas Series in, a Series with the
same index out).
"""

from __future__ import annotations

import numbers
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, cast, runtime_checkable

import numpy as np
import numpy.typing as npt
import pandas as pd

from custvalue._core.ids import factorize_ids, sorting_order
from custvalue._core.transactions import (
    TransactionLog,
    first_bad,
    period_of,
    read_transactions,
    time_column,
)
from custvalue._core.validation import (
    as_float_array,
    check_choice,
    check_consistent_length,
    check_dataframe,
    check_scalar,
    common_index,
)
from custvalue._tiers.kernels import (
    PANEL_NAMES,
    abc_lower_bounds,
    classify_by_bounds,
    month_ordinals,
    period_panel,
    period_panel_dense,
    purchase_history,
    sort_descending,
)
from custvalue.errors import InputTypeError, InputValueError, MissingColumnError

__all__ = [
    "ComputedABC",
    "Override",
    "SupportsProbabilityAlive",
    "abc_classes",
    "abc_computed",
    "abc_two_criteria",
    "grade_by_profit",
    "lifecycle_stages",
    "profit_contribution",
    "relationship_classes",
    "value_grid",
    "weighted_score",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_VALUE_CUTOFFS = (0.8, 0.95)
_COUNT_CUTOFFS = (0.2, 0.5)
_PERIODS = ("Y", "Q", "M")

# ---------------------------------------------------------------------------
# Shared helpers


def _check_cutoffs(cutoffs: object, name: str) -> FloatArray:
    if isinstance(cutoffs, str | bytes) or not isinstance(cutoffs, Iterable):
        raise InputTypeError(
            f"`{name}` must be a sequence of shares such as (0.8, 0.95), got {cutoffs!r}."
        )
    values = list(cutoffs)
    if not values:
        raise InputValueError(f"`{name}` is empty; pass at least one share, e.g. (0.8, 0.95).")
    out = np.array(
        [
            check_scalar(v, f"{name}[{i}]", low=0.0, high=1.0, low_inclusive=False)
            for i, v in enumerate(values)
        ],
        dtype=np.float64,
    )
    if (np.diff(out) <= 0).any():
        raise InputValueError(
            f"`{name}` must be strictly increasing, got {tuple(values)!r}; "
            f"list the shares from the best class to the worst, e.g. (0.8, 0.95)."
        )
    return out


def _check_labels(labels: object, n: int, name: str, what: str) -> tuple[str, ...]:
    if isinstance(labels, str) or not isinstance(labels, Iterable):
        raise InputTypeError(f"`{name}` must be a sequence of strings, got {labels!r}.")
    out = tuple(labels)
    if not all(isinstance(v, str) for v in out):
        raise InputTypeError(f"`{name}` must hold strings, got {out!r}.")
    if len(out) != n:
        raise InputValueError(f"`{name}` must hold {n} labels ({what}), got {len(out)}: {out!r}.")
    if len(set(out)) != len(out):
        raise InputValueError(f"`{name}` must hold distinct labels, got {out!r}.")
    return out


def _categorical(
    codes: npt.NDArray[Any], categories: Sequence[str], index: pd.Index | None, name: str
) -> Any:
    cat = _from_codes(codes, categories)
    if index is None:
        return cat
    return pd.Series(cat, index=index, name=name)


def _from_codes(codes: npt.NDArray[Any], categories: Sequence[str]) -> Any:
    return pd.Categorical.from_codes(
        np.asarray(codes, dtype=np.int64), categories=pd.Index(list(categories))
    )


def _abc_codes(
    arr: FloatArray,
    cutoffs: FloatArray,
    by_count: bool,
    negative: str,
    name: str,
    negative_label: str,
) -> npt.NDArray[np.int8]:
    """Class codes ``0 .. k`` (``k + 1`` for negative values under ``negative='separate'``)."""
    k = cutoffs.shape[0]
    neg = arr < 0
    has_negative = bool(neg.any())
    if has_negative and negative == "error":
        raise InputValueError(
            f"`{name}` has negative values ({_first_negative(arr, neg)}); cumulative shares "
            f"need nonnegative contributions.  Pass negative='separate' to put them in their "
            f"own class {negative_label!r}, or drop them first."
        )
    kept = arr[~neg] if has_negative else arr
    if kept.size == 0 or not (kept > 0).any():
        raise InputValueError(
            f"`{name}` has no positive value (its total is zero), so shares are undefined; "
            f"pass values with a positive total."
        )
    bounds = abc_lower_bounds(sort_descending(kept), cutoffs, by_count)
    codes = classify_by_bounds(arr, bounds)
    if has_negative:
        codes[neg] = k + 1
    return codes


def _first_negative(arr: FloatArray, mask: npt.NDArray[np.bool_]) -> str:
    idx = np.flatnonzero(mask)
    return f"{idx.size} value(s), first at position {idx[0]}: {arr[idx[0]]!r}"


def _series_name(values: object, default: str) -> str:
    name = getattr(values, "name", None) if isinstance(values, pd.Series) else None
    return str(name) if name is not None else default


# ---------------------------------------------------------------------------
# ABC classes


def abc_classes(
    values: object,
    *,
    cutoffs: Sequence[float] | None = None,
    labels: Sequence[str] = ("A", "B", "C"),
    rule: Literal["value", "count"] = "value",
    negative: Literal["error", "separate"] = "error",
    negative_label: str = "D",
) -> Any:
    """ABC class of every item from its cumulative share of value (or of items).

    Parameters
    ----------
    values : array-like or pandas.Series
        One contribution per item (revenue, profit ...), finite.
    cutoffs : sequence of float, optional
        Strictly increasing shares in ``(0, 1]``, one per class limit.
        Default ``(0.8, 0.95)`` for ``rule="value"`` and ``(0.2, 0.5)`` for
        ``rule="count"``.
    labels : sequence of str, default ("A", "B", "C")
        Class labels from best to worst, ``len(cutoffs) + 1`` of them.
    rule : {"value", "count"}, default "value"
        ``"value"``: share of the total value held by larger items;
        ``"count"``: share of the items that are larger (the "top 20 % of
        items" rule).
    negative : {"error", "separate"}, default "error"
        Policy for negative values.  ``"error"`` refuses them; ``"separate"``
        puts them in their own class ``negative_label`` and computes the
        shares on the nonnegative items only.
    negative_label : str, default "D"
        Label of the class of negative values (``negative="separate"``).

    Returns
    -------
    pandas.Categorical or pandas.Series
        The class of each item, in input order; a categorical Series on the
        input's index when ``values`` is a Series.  Categories are ``labels``
        (followed by ``negative_label`` with ``negative="separate"``).

    Raises
    ------
    InputTypeError
        For non-numeric values or badly typed arguments.
    InputValueError
        For empty input, NaN/inf, negative values under ``negative="error"``,
        a zero total, or invalid cutoffs/labels.

    Notes
    -----
    Items are sorted by value, largest first.  For each item, ``above`` is the
    sum of the values of all items *strictly larger* than it (``rule="value"``)
    or their number (``rule="count"``), and ``total`` the sum of all values
    (the number of items).  The item belongs to the first class ``j`` with
    ``above / total < cutoffs[j]``, and to the last class if there is none.
    Hence

    - the item whose own value crosses a cutoff still belongs to the better
      class (with cutoff 0.8 and values 50, 30, 20 the item 30 is A: only 50,
      i.e. 50 %, lies above it; the item 20 has 80 % above it and is B);
    - equal values always share a class;
    - classes are monotone in value;
    - zeros land in the last class.

    Sums are running sums in float64 in descending order (ties do not change
    them), so shares that land exactly on a cutoff (80 of 100) are decided
    as written.  A total of zero, NaN or an empty input is an error; negative
    values are never silently clipped, because a loss-making item would
    otherwise inflate the share of everyone else (the "whale curve" of
    cumulative profit rises above 100 % and falls back).

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.tiers import abc_classes
    >>> list(abc_classes([50.0, 30.0, 10.0, 6.0, 4.0]))
    ['A', 'A', 'B', 'B', 'C']
    >>> list(abc_classes([50.0, 30.0, 10.0, 5.0, 5.0], rule="count"))
    ['A', 'B', 'B', 'C', 'C']
    >>> profit = pd.Series([90.0, 10.0, -10.0], index=["x", "y", "z"], name="profit")
    >>> abc_classes(profit, negative="separate").tolist()
    ['A', 'B', 'D']
    """
    rule = check_choice(rule, "rule", ("value", "count"))
    negative = check_choice(negative, "negative", ("error", "separate"))
    if cutoffs is None:
        cutoffs = _VALUE_CUTOFFS if rule == "value" else _COUNT_CUTOFFS
    cuts = _check_cutoffs(cutoffs, "cutoffs")
    labs = _check_labels(labels, cuts.size + 1, "labels", "one more than cutoffs")
    if not isinstance(negative_label, str):
        raise InputTypeError(f"`negative_label` must be a string, got {negative_label!r}.")
    if negative == "separate" and negative_label in labs:
        raise InputValueError(
            f"`negative_label` {negative_label!r} is also in `labels` {labs!r}; pick another."
        )
    arr = as_float_array(values, "values")
    index = common_index(values)
    codes = _abc_codes(arr, cuts, rule == "count", negative, "values", negative_label)
    categories = (*labs, negative_label) if negative == "separate" else labs
    return _categorical(codes, categories, index, _series_name(values, "abc_class"))


def abc_two_criteria(
    first: object,
    second: object,
    *,
    cutoffs: Sequence[float] | None = None,
    second_cutoffs: Sequence[float] | None = None,
    labels: Sequence[str] = ("A", "B", "C"),
    rule: Literal["value", "count"] = "value",
    negative: Literal["error", "separate"] = "error",
    negative_label: str = "D",
) -> Any:
    """Two-criteria ABC: the class on ``first`` followed by the class on ``second``.

    Parameters
    ----------
    first, second : array-like or pandas.Series
        Two contributions per item, e.g. revenue and profit (same length; two
        Series must share their index).
    cutoffs : sequence of float, optional
        Cutoffs of ``first`` (see :func:`abc_classes`).
    second_cutoffs : sequence of float, optional
        Cutoffs of ``second``; default: the same as ``cutoffs``.
    labels, rule, negative, negative_label
        As in :func:`abc_classes`, applied to both criteria.  ``negative``
        matters mostly for profit: with ``"separate"`` a loss-making customer
        with revenue class A reads ``"AD"``.

    Returns
    -------
    pandas.Categorical or pandas.Series
        Combined labels such as ``"AB"`` (A on ``first``, B on ``second``).
        Categories are all combinations, ``first`` class major
        (``"AA", "AB", "AC", "BA", ...``).

    Raises
    ------
    InputValueError, InputTypeError
        As in :func:`abc_classes`, naming ``first`` or ``second``; also for
        different lengths or indexes.

    Notes
    -----
    Each criterion is classified by :func:`abc_classes` on its own; the
    combined label is the concatenation.  A customer who is ``"AC"`` on
    (revenue, profit) buys a lot but earns little.

    Examples
    --------
    >>> from custvalue.tiers import abc_two_criteria
    >>> revenue = [500.0, 300.0, 150.0, 50.0]
    >>> profit = [2.0, 90.0, 30.0, 5.0]
    >>> list(abc_two_criteria(revenue, profit))
    ['AC', 'AA', 'BA', 'CB']
    """
    rule = check_choice(rule, "rule", ("value", "count"))
    negative = check_choice(negative, "negative", ("error", "separate"))
    default = _VALUE_CUTOFFS if rule == "value" else _COUNT_CUTOFFS
    cuts1 = _check_cutoffs(default if cutoffs is None else cutoffs, "cutoffs")
    cuts2 = _check_cutoffs(cuts1 if second_cutoffs is None else second_cutoffs, "second_cutoffs")
    if cuts1.size != cuts2.size:
        raise InputValueError(
            f"`cutoffs` and `second_cutoffs` must have the same length (one set of labels "
            f"serves both), got {cuts1.size} and {cuts2.size}."
        )
    labs = _check_labels(labels, cuts1.size + 1, "labels", "one more than cutoffs")
    if negative == "separate" and negative_label in labs:
        raise InputValueError(
            f"`negative_label` {negative_label!r} is also in `labels` {labs!r}; pick another."
        )
    a = as_float_array(first, "first")
    b = as_float_array(second, "second")
    check_consistent_length(first=a, second=b)
    index = common_index(first, second)
    c1 = _abc_codes(a, cuts1, rule == "count", negative, "first", negative_label)
    c2 = _abc_codes(b, cuts2, rule == "count", negative, "second", negative_label)
    cats = (*labs, negative_label) if negative == "separate" else labs
    m = len(cats)
    codes = c1.astype(np.int16) * m + c2
    combined = [x + y for x in cats for y in cats]
    return _categorical(codes, combined, index, "abc_class")


# ---------------------------------------------------------------------------
# Computed ABC


@dataclass(frozen=True, slots=True)
class ComputedABC:
    """Result of :func:`abc_computed`.

    Attributes
    ----------
    classes : pandas.Categorical or pandas.Series
        Class ``"A"``, ``"B"`` or ``"C"`` of each item, in input order.
    ab_limit : float
        Smallest value in class A.
    bc_limit : float
        Smallest value in classes A and B together (equal to ``ab_limit`` when
        B is empty).
    pareto_point, break_even_point, submarginal_point : tuple of float
        ``(effort, yield)`` coordinates of the three points on the ABC curve.
    ab_point, bc_point : tuple of float
        The A/B limit (the earlier of the Pareto and break-even points) and the
        B/C limit (the submarginal point).
    curve : pandas.DataFrame
        The ABC curve: columns ``effort`` (``0, 1/n, ..., 1``) and ``yield``
        (cumulative share of the largest values, from 0 to 1), ``n + 1`` rows.
    """

    classes: Any
    ab_limit: float
    bc_limit: float
    pareto_point: tuple[float, float]
    break_even_point: tuple[float, float]
    submarginal_point: tuple[float, float]
    ab_point: tuple[float, float]
    bc_point: tuple[float, float]
    curve: pd.DataFrame


def abc_computed(values: object) -> ComputedABC:
    r"""Classify by computed ABC analysis (Ultsch & Lötsch 2015): limits from the ABC curve.

    Parameters
    ----------
    values : array-like or pandas.Series
        Finite, nonnegative contributions with a positive total.

    Returns
    -------
    ComputedABC
        Classes, limits, the three points and the curve.

    Raises
    ------
    InputTypeError
        For non-numeric input.
    InputValueError
        For empty input, NaN/inf, negative values or a zero total.

    Notes
    -----
    Sort the ``n`` values descending, :math:`v_1 \ge \dots \ge v_n`, with
    total :math:`S`.  The ABC curve joins :math:`(0, 0)` and the points
    :math:`P_i = (x_i, y_i)` with effort :math:`x_i = i / n` and yield
    :math:`y_i = (v_1 + \dots + v_i) / S`.  The slope of the segment ending at
    :math:`P_i` is :math:`v_i / \bar v` (:math:`\bar v = S / n`).

    - **Pareto point**: the :math:`P_i` closest to the ideal point
      :math:`(0, 1)` (first one on ties).
    - **Break-even point**: where the slope of the curve is 1, i.e. where
      yield stops growing faster than effort: the point :math:`P_j` with
      :math:`j` the last item with :math:`v_j \ge \bar v`.  The segments
      before it have slope :math:`\ge 1`, those after it :math:`< 1`, so it is
      the rightmost point maximising :math:`y_i - x_i` (the curve's tangent of
      slope 1 touches it).
    - **A/B limit**: the earlier of the two points.
    - **Submarginal point** (B/C limit): the :math:`P_i` closest to
      :math:`(B_x, 1)`, where :math:`B_x` is the effort of the later of the two
      points (first one on ties).

    An item at sorted position :math:`i` is A if the first item of its tie
    group lies at or before the A/B limit, else B if it lies at or before the
    B/C limit, else C: the items at the limit points belong to the better
    class and equal values share a class (a tie group cut by a limit moves
    wholly to the better class).  The points are taken on the empirical curve
    itself, not on a spline through it as in the ABCanalysis R package, so
    they do not depend on an interpolation grid.  On the Swiss inhabitants
    data of that package (2896 municipalities) this gives the limits
    published for it: Pareto point (0.2538, 0.7220), break-even point
    (0.2217, 0.6914), submarginal point (0.3715, 0.8103), with 642 items in
    A; B holds 435 items and C 1819, because the item after the submarginal
    point has the same value as the item at it (the published split, 434 and
    1820, cuts that tie).

    Zeros are items like any other (they add effort but no yield).  Negative
    values are refused: the ABC curve of a series with losses is not monotone.

    References
    ----------
    .. [1] Ultsch, A. and Lötsch, J. (2015). Computed ABC Analysis for Rational
       Selection of Most Informative Variables in Multivariate Data.
       PLOS ONE 10(6): e0129767. doi:10.1371/journal.pone.0129767

    Examples
    --------
    >>> from custvalue.tiers import abc_computed
    >>> res = abc_computed([100.0, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1])
    >>> "".join(res.classes)
    'ABBCCCCCCCC'
    >>> res.pareto_point, res.break_even_point, res.submarginal_point
    ((0.1818..., 0.7096...), (0.0909..., 0.6451...), (0.2727..., 0.7677...))
    >>> res.ab_limit, res.bc_limit
    (100.0, 9.0)
    """
    arr = as_float_array(values, "values", nonnegative=True)
    index = common_index(values)
    if not (arr > 0).any():
        raise InputValueError(
            "`values` has no positive value (its total is zero), so the ABC curve is "
            "undefined; pass values with a positive total."
        )
    n = arr.size
    s = sort_descending(arr)
    cum = np.cumsum(s)
    total = float(cum[-1])
    x = np.arange(1, n + 1, dtype=np.float64) / n
    y = cum / total
    pareto = int(np.argmin(x * x + (1.0 - y) ** 2))
    # Break-even: the vertex where the slope v_i / mean passes through 1.
    brk = int(np.flatnonzero(s >= total / n)[-1])
    a_idx = min(pareto, brk)
    bx = x[max(pareto, brk)]
    sub = int(np.argmin((x - bx) ** 2 + (1.0 - y) ** 2))
    bounds = np.array([s[a_idx], s[sub]], dtype=np.float64)
    codes = classify_by_bounds(arr, bounds)

    def point(i: int) -> tuple[float, float]:
        return (float(x[i]), float(y[i]))

    curve = pd.DataFrame(
        {
            "effort": np.arange(n + 1, dtype=np.float64) / n,
            "yield": np.concatenate(([0.0], y)),
        }
    )
    return ComputedABC(
        classes=_categorical(codes, ("A", "B", "C"), index, _series_name(values, "abc_class")),
        ab_limit=float(s[a_idx]),
        bc_limit=float(s[sub]),
        pareto_point=point(pareto),
        break_even_point=point(brk),
        submarginal_point=point(sub),
        ab_point=point(a_idx),
        bc_point=point(sub),
        curve=curve,
    )


# ---------------------------------------------------------------------------
# Profit contribution


@dataclass(frozen=True, slots=True)
class _Lines:
    """Validated transaction lines for the profit functions (internal)."""

    customers: IntArray  # sorted rank of each line's customer
    ids: pd.Index  # customer ids, sorted ascending
    months: IntArray  # calendar month ordinal of each line
    revenue: FloatArray
    profit: FloatArray
    tz: Any


def _read_lines(
    transactions: object,
    customer_col: str,
    date_col: str,
    revenue_col: str,
    cost_col: str | None,
    profit_col: str | None,
    extra: Sequence[str] = (),
) -> tuple[pd.DataFrame, _Lines]:
    if (cost_col is None) == (profit_col is None):
        raise InputValueError(
            "pass exactly one of `cost_col` (profit = revenue - cost) and `profit_col` "
            f"(profit per line); got cost_col={cost_col!r}, profit_col={profit_col!r}."
        )
    third = cost_col if cost_col is not None else profit_col
    assert third is not None
    df = check_dataframe(
        transactions, "transactions", [customer_col, date_col, revenue_col, third, *extra]
    )
    codes, ids = factorize_ids(df[customer_col])
    if (missing := codes < 0).any():
        raise InputValueError(
            f"column {customer_col!r} (argument `customer_col`) has missing customer ids in "
            f"{first_bad(missing, df[customer_col])}; drop those rows or fill the ids."
        )
    months, tz = _month_column(df, date_col)
    revenue = as_float_array(df[revenue_col], f"column {revenue_col!r}")
    other = as_float_array(df[third], f"column {third!r}")
    profit = revenue - other if cost_col is not None else other
    order = sorting_order(ids)
    if ids.is_monotonic_increasing:
        customers = codes
    else:
        rank = np.empty(len(ids), dtype=np.int64)
        rank[order] = np.arange(len(ids), dtype=np.int64)
        customers = rank[codes]
    return df, _Lines(
        customers=np.ascontiguousarray(customers),
        ids=ids[order].rename(customer_col),
        months=months,
        revenue=revenue,
        profit=np.ascontiguousarray(profit),
        tz=tz,
    )


def _month_column(df: pd.DataFrame, date_col: str) -> tuple[IntArray, Any]:
    """Calendar month ordinals of a datetime column (wall-clock time) and its time zone."""
    col = df[date_col]
    dtype = col.dtype
    if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(dtype):
        tz = getattr(dtype, "tz", None)
        naive = col.dt.tz_localize(None) if tz is not None else col
        values = naive.to_numpy(dtype="datetime64[ns]")
        nat = np.isnat(values)
        if nat.any():
            raise InputValueError(
                f"column {date_col!r} has missing dates (NaT) in {first_bad(nat, col)}; "
                f"drop or fill those rows first."
            )
        return month_ordinals(values.view(np.int64)), tz
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        raise InputTypeError(
            f"column {date_col!r} (argument `date_col`) must hold datetimes to form calendar "
            f"periods, got numeric dtype {dtype}; convert it with pandas.to_datetime(...)."
        )
    time_column(df, date_col, "M")  # raises the detailed error for other dtypes
    raise InputTypeError(f"column {date_col!r} (argument `date_col`) must hold datetimes.")


def _to_period(months: IntArray, period: str) -> IntArray:
    if period == "M":
        return months
    return np.floor_divide(months, 3 if period == "Q" else 12)


def _check_period(period: object) -> Literal["Y", "Q", "M"]:
    return cast(Literal["Y", "Q", "M"], check_choice(period, "period", _PERIODS))


def _weighted_count(codes: IntArray, weights: FloatArray, size: int) -> FloatArray:
    """Sum of ``weights`` per code ``0 .. size-1`` (float64)."""
    return np.asarray(np.bincount(codes, weights=weights, minlength=size), dtype=np.float64)


def _dense_codes(key: IntArray, size: int) -> tuple[IntArray, IntArray]:
    """Dense codes of ``key`` (values in ``0 .. size-1``) preserving order, and the kept keys."""
    if size <= 4 * key.size + 1024:
        present = np.bincount(key, minlength=size) > 0
        remap = np.cumsum(present) - 1
        return np.ascontiguousarray(remap[key]), np.flatnonzero(present)
    kept, inverse = np.unique(key, return_inverse=True)
    return np.ascontiguousarray(inverse.reshape(-1), dtype=np.int64), kept


def profit_contribution(
    transactions: pd.DataFrame,
    *,
    customer_col: str = "customer_id",
    date_col: str = "date",
    revenue_col: str = "revenue",
    cost_col: str | None = None,
    profit_col: str | None = None,
    period: Literal["Y", "Q", "M"] = "Y",
    by: str | None = None,
) -> pd.DataFrame:
    """Revenue, profit and their change per customer (and product) and calendar period.

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per line (any order).  Not modified.
    customer_col : str, default "customer_id"
        Customer id column (missing ids are an error).
    date_col : str, default "date"
        Datetime column (naive or time-zone aware; bucketed by wall-clock time).
    revenue_col : str, default "revenue"
        Revenue of each line (finite, any sign: returns are negative).
    cost_col : str, optional
        Cost of each line; profit = revenue − cost.
    profit_col : str, optional
        Profit of each line, instead of ``cost_col`` (exactly one is needed).
    period : {"Y", "Q", "M"}, default "Y"
        Calendar years, quarters or months.
    by : str, optional
        A second grouping column, e.g. a product or product group.

    Returns
    -------
    pandas.DataFrame
        Indexed by (customer, [``by``,] ``period``), sorted by customer id,
        ``by`` value and period; ``period`` holds pandas Periods.  Columns:

        - ``revenue``, ``profit``: sums over the lines;
        - ``margin``: ``profit / revenue`` (NaN when revenue is 0);
        - ``profit_share``: ``profit`` over the total profit of all rows of the
          period (NaN when that total is not positive);
        - ``previous_profit``: the same customer's (and ``by`` value's)
          profit in the previous calendar period, 0 if there were no lines;
        - ``profit_change``: ``profit - previous_profit``;
        - ``profit_change_rel``: ``profit_change / |previous_profit|``
          (NaN when ``previous_profit`` is 0).

    Raises
    ------
    MissingColumnError
        If a named column is absent.
    InputTypeError
        If the date column is not datetime64, or values are not numeric.
    InputValueError
        For an empty log, missing ids or dates, NaN/inf amounts, or not
        exactly one of ``cost_col`` / ``profit_col``.

    Notes
    -----
    There is a row for every period in which a customer (and ``by`` value)
    has lines.  So that a customer who stops buying shows the drop, there is
    also a row for the period right after each active period when it has no
    lines (revenue and profit 0, ``profit_change = -previous_profit``), as
    long as that period is not later than the last period of the log.  Longer
    silent stretches add no rows.  The change is always measured against the
    previous *calendar* period, not against the customer's previous active
    period.  The relative change divides by the absolute previous profit, so
    that a loss shrinking from −100 to −50 reads +0.5.  Shares of the period's
    profit sum to 1 within every period with a positive total.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.tiers import profit_contribution
    >>> lines = pd.DataFrame({
    ...     "customer_id": [1, 1, 2, 2, 1],
    ...     "date": pd.to_datetime(["2023-03-01", "2023-07-01", "2023-05-01",
    ...                             "2024-02-01", "2024-06-01"]),
    ...     "revenue": [100.0, 50.0, 200.0, 300.0, 80.0],
    ...     "cost": [60.0, 30.0, 150.0, 200.0, 40.0],
    ... })
    >>> out = profit_contribution(lines, cost_col="cost", period="Y")
    >>> out[["revenue", "profit", "margin", "profit_share", "profit_change"]]
                        revenue  profit    margin  profit_share  profit_change
    customer_id period
    1           2023      150.0    60.0  0.400000      0.545455           60.0
                2024       80.0    40.0  0.500000      0.285714          -20.0
    2           2023      200.0    50.0  0.250000      0.454545           50.0
                2024      300.0   100.0  0.333333      0.714286           50.0
    """
    period = _check_period(period)
    extra = [by] if by is not None else []
    df, lines = _read_lines(
        transactions, customer_col, date_col, revenue_col, cost_col, profit_col, extra
    )
    ords = _to_period(lines.months, period)
    pmin, pmax = int(ords.min()), int(ords.max())
    n_periods = pmax - pmin + 1
    pidx = np.ascontiguousarray(ords - pmin)
    n_cust = len(lines.ids)
    if by is None:
        groups = lines.customers
        n_groups = n_cust
    else:
        prod_codes, prod_ids = _factorize_by(df[by], by)
        key = lines.customers * len(prod_ids) + prod_codes
        groups, kept = _dense_codes(key, n_cust * len(prod_ids))
        n_groups = kept.size
    dense = n_groups * n_periods <= 2 * groups.size + (1 << 20)
    panel = period_panel_dense if dense else period_panel
    g, p, block = panel(groups, pidx, lines.revenue, lines.profit, n_groups, n_periods)
    periods = pd.period_range(
        start=pd.Period(ordinal=pmin, freq=period), periods=n_periods, freq=period, name="period"
    )
    if by is None:
        levels = [lines.ids, periods]
        codes = [g, p]
        names = [customer_col, "period"]
    else:
        levels = [lines.ids, prod_ids, periods]
        codes = [kept[g] // len(prod_ids), kept[g] % len(prod_ids), p]
        names = [customer_col, by, "period"]
    index = pd.MultiIndex(
        levels=cast(Any, levels), codes=cast(Any, codes), names=names, verify_integrity=False
    )
    # One float block, handed to pandas without a copy.
    return pd.DataFrame(block.T, index=index, columns=list(PANEL_NAMES), copy=False)


def _factorize_by(column: pd.Series, by: str) -> tuple[IntArray, pd.Index]:
    try:
        codes, uniques = pd.factorize(column, sort=True, use_na_sentinel=True)
    except TypeError:
        raise InputTypeError(
            f"column {by!r} (argument `by`) mixes types that cannot be ordered; convert it "
            f"to one type, e.g. .astype(str)."
        ) from None
    codes = np.asarray(codes, dtype=np.int64)
    if (missing := codes < 0).any():
        raise InputValueError(
            f"column {by!r} (argument `by`) has missing values in "
            f"{first_bad(missing, column)}; drop those rows or fill them."
        )
    return codes, pd.Index(uniques, name=by)


def grade_by_profit(
    transactions: pd.DataFrame,
    *,
    customer_col: str = "customer_id",
    date_col: str = "date",
    revenue_col: str = "revenue",
    cost_col: str | None = None,
    profit_col: str | None = None,
    period: Literal["Y", "Q", "M"] = "Y",
    at: object = None,
    method: Literal["abc", "thresholds"] = "abc",
    cutoffs: Sequence[float] | None = None,
    thresholds: Sequence[float] | None = None,
    labels: Sequence[str] = ("A", "B", "C"),
    negative: Literal["error", "separate"] = "separate",
    negative_label: str = "D",
) -> pd.DataFrame:
    """Grade every customer by the profit contributed in one calendar period.

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per line; see :func:`profit_contribution`.
    customer_col, date_col, revenue_col, cost_col, profit_col, period
        As in :func:`profit_contribution`.
    at : date, optional
        A date inside the period to grade.  Default: the last period of the
        log.  Pass e.g. the end of the last *complete* year when the log ends
        mid-year.
    method : {"abc", "thresholds"}, default "abc"
        ``"abc"``: :func:`abc_classes` on the period's profit (``rule="value"``);
        ``"thresholds"``: business thresholds on the profit itself.
    cutoffs : sequence of float, optional
        ABC cutoffs (default ``(0.8, 0.95)``), for ``method="abc"``.
    thresholds : sequence of float, optional
        Strictly decreasing lower bounds of profit, for
        ``method="thresholds"``: profit ``>= thresholds[0]`` gets
        ``labels[0]``, else ``>= thresholds[1]`` gets ``labels[1]`` ..., and
        the rest the last label.
    labels : sequence of str, default ("A", "B", "C")
        Grades from best to worst.
    negative : {"error", "separate"}, default "separate"
        ABC policy for loss-making customers (see :func:`abc_classes`); by
        default they get their own grade ``negative_label``.
    negative_label : str, default "D"
        Grade of loss-making customers under ``negative="separate"``.

    Returns
    -------
    pandas.DataFrame
        One row per customer of the whole log (sorted by id), with columns
        ``period`` (the graded period), ``revenue`` and ``profit`` in that
        period (0 without lines) and ``grade`` (categorical).

    Raises
    ------
    InputValueError
        As in :func:`profit_contribution`; also when ``at`` lies outside the
        log's periods, when no customer made a profit in the period
        (``method="abc"``), or for invalid thresholds/labels.

    Notes
    -----
    Every customer of the log is graded, including those without lines in
    the graded period: their profit there is 0, which puts them in the last
    ABC class (or below the last threshold).  Thresholds are inclusive lower
    bounds.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.tiers import grade_by_profit
    >>> lines = pd.DataFrame({
    ...     "customer_id": ["a", "b", "c", "d", "a"],
    ...     "date": pd.to_datetime(["2024-01-05", "2024-02-01", "2024-03-01",
    ...                             "2024-03-02", "2023-06-01"]),
    ...     "revenue": [900.0, 300.0, 100.0, 50.0, 10.0],
    ...     "profit": [400.0, 80.0, 20.0, -5.0, 2.0],
    ... })
    >>> grade_by_profit(lines, profit_col="profit")
                period  revenue  profit grade
    customer_id
    a             2024    900.0   400.0     A
    b             2024    300.0    80.0     B
    c             2024    100.0    20.0     C
    d             2024     50.0    -5.0     D
    >>> grade_by_profit(lines, profit_col="profit", method="thresholds",
    ...                 thresholds=[100.0, 50.0])["grade"].tolist()
    ['A', 'B', 'C', 'C']
    """
    period = _check_period(period)
    method = check_choice(method, "method", ("abc", "thresholds"))
    negative = check_choice(negative, "negative", ("error", "separate"))
    _, lines = _read_lines(transactions, customer_col, date_col, revenue_col, cost_col, profit_col)
    ords = _to_period(lines.months, period)
    pmin, pmax = int(ords.min()), int(ords.max())
    if at is None:
        target = pmax
    else:
        if isinstance(at, pd.Period):
            at = at.start_time
        probe = TransactionLog(
            codes=lines.customers,
            ids=lines.ids,
            periods=np.zeros(0),
            amounts=np.zeros(0),
            has_amounts=False,
            tz=lines.tz,
            numeric_time=False,
        )
        month = int(period_of(at, "at", probe, "M"))
        target = int(_to_period(np.array([month], dtype=np.int64), period)[0])
        if not pmin <= target <= pmax:
            first = pd.Period(ordinal=pmin, freq=period)
            last = pd.Period(ordinal=pmax, freq=period)
            raise InputValueError(
                f"`at` ({at!r}) falls in period {pd.Period(ordinal=target, freq=period)}, "
                f"outside the log's periods {first} .. {last}; pass a date inside them."
            )
    n = len(lines.ids)
    inside = ords == target
    profit = _weighted_count(lines.customers[inside], lines.profit[inside], n)
    revenue = _weighted_count(lines.customers[inside], lines.revenue[inside], n)
    if method == "abc":
        cuts = _check_cutoffs(_VALUE_CUTOFFS if cutoffs is None else cutoffs, "cutoffs")
        labs = _check_labels(labels, cuts.size + 1, "labels", "one more than cutoffs")
        if negative == "separate" and negative_label in labs:
            raise InputValueError(
                f"`negative_label` {negative_label!r} is also in `labels` {labs!r}; pick another."
            )
        codes = _abc_codes(
            profit, cuts, False, negative, "profit in the graded period", negative_label
        )
        cats = (*labs, negative_label) if negative == "separate" else labs
    else:
        if thresholds is None:
            raise InputValueError(
                "`thresholds` is required with method='thresholds', e.g. [10000.0, 1000.0]."
            )
        th = np.array(
            [check_scalar(v, f"thresholds[{i}]") for i, v in enumerate(thresholds)],
            dtype=np.float64,
        )
        if th.size == 0 or (np.diff(th) >= 0).any():
            raise InputValueError(
                f"`thresholds` must be a non-empty, strictly decreasing sequence of profit "
                f"lower bounds, got {list(thresholds)!r}."
            )
        labs = _check_labels(labels, th.size + 1, "labels", "one more than thresholds")
        codes = classify_by_bounds(profit, th)
        cats = labs
    return pd.DataFrame(
        {
            "period": pd.Period(ordinal=target, freq=period),
            "revenue": revenue,
            "profit": profit,
            "grade": _from_codes(codes, cats),
        },
        index=lines.ids,
    )


# ---------------------------------------------------------------------------
# Value grading


def _percentile_rank(values: FloatArray) -> FloatArray:
    """Percentile rank ``100 * (#smaller + #equal / 2) / n`` of each value."""
    u = np.sort(values)
    less = np.searchsorted(u, values, side="left")
    less_equal = np.searchsorted(u, values, side="right")
    return 100.0 * (less + less_equal).astype(np.float64) / (2.0 * values.size)


def weighted_score(
    factors: pd.DataFrame,
    weights: Mapping[str, float] | Sequence[float],
    *,
    lower_is_better: Iterable[str] = (),
    rescore: bool = True,
) -> pd.Series:
    """Percentile score from several weighted factors (tie-safe).

    Parameters
    ----------
    factors : pandas.DataFrame
        One row per customer, one numeric column per factor (e.g. industry
        influence, position in the industry, public profile, as numbers).
    weights : mapping or sequence of float
        Nonnegative weight per factor with a positive sum: a mapping
        ``column -> weight`` (only those columns are used) or one weight per
        column of ``factors``, in order.
    lower_is_better : iterable of str, default ()
        Columns where a smaller value is better (e.g. a rank "1 = leader").
    rescore : bool, default True
        Turn the weighted mean of the factor percentiles into a percentile
        rank again, so that the score is spread evenly over 0..100 (score 80
        means "better than about 80 % of customers").  With ``False`` the
        weighted mean itself is returned.

    Returns
    -------
    pandas.Series
        Score in ``[0, 100]`` per customer, on ``factors``' index, named
        ``"score"``.

    Raises
    ------
    MissingColumnError
        If a weighted or ``lower_is_better`` column is absent.
    InputTypeError
        For non-numeric factors or weights.
    InputValueError
        For NaN/inf factors, negative weights, a zero weight sum, a wrong
        number of weights or an empty frame.

    Notes
    -----
    Each factor becomes the percentile rank
    ``100 * (#customers with a smaller value + #customers with an equal value / 2) / n``
    (the mid-rank definition), computed on the reversed order for
    ``lower_is_better`` columns.  Equal values get equal percentiles, so the
    score never depends on row order.  The score is the weighted mean of the
    factor percentiles, rounded to 9 decimals so that mathematically equal
    combinations tie exactly, and, with ``rescore``, its percentile rank.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.tiers import weighted_score
    >>> factors = pd.DataFrame(
    ...     {"industry": [3, 1, 2, 2], "position": [1, 3, 2, 2], "profile": [10, 0, 5, 5]},
    ...     index=["a", "b", "c", "d"],
    ... )
    >>> weighted_score(factors, {"industry": 0.5, "position": 0.3, "profile": 0.2},
    ...                lower_is_better=["position"])
    a    87.5
    b    12.5
    c    50.0
    d    50.0
    Name: score, dtype: float64
    """
    df = check_dataframe(factors, "factors")
    if isinstance(weights, Mapping):
        columns = list(weights.keys())
        raw = list(weights.values())
    elif isinstance(weights, str | bytes) or not isinstance(weights, Iterable):
        raise InputTypeError(
            f"`weights` must be a mapping column -> weight or a sequence of weights, "
            f"got {weights!r}."
        )
    else:
        raw = list(weights)
        columns = list(df.columns)
        if len(raw) != len(columns):
            raise InputValueError(
                f"`weights` has {len(raw)} value(s) but `factors` has {len(columns)} "
                f"column(s); pass one weight per column or a mapping column -> weight."
            )
    if not columns:
        raise InputValueError("`weights` is empty; give at least one factor a weight.")
    check_dataframe(df, "factors", columns)
    lower = list(lower_is_better)
    check_dataframe(df, "factors", lower)
    w = np.array(
        [check_scalar(v, f"weights[{c!r}]", low=0.0) for c, v in zip(columns, raw, strict=True)]
    )
    if w.sum() <= 0:
        raise InputValueError("`weights` sum to zero; give at least one factor a positive weight.")
    combined = np.zeros(len(df))
    for col, weight in zip(columns, w, strict=True):
        values = as_float_array(df[col], f"column {col!r} of `factors`")
        if col in lower:
            values = -values
        combined += weight * _percentile_rank(values)
    combined = np.round(combined / w.sum(), 9)
    score = _percentile_rank(combined) if rescore else combined
    return pd.Series(score, index=df.index, name="score")


@dataclass(frozen=True, slots=True)
class Override:
    """An override rule for :func:`value_grid`, evaluated before the grid.

    Attributes
    ----------
    name : str
        Reported in the ``rule`` column for the customers it decides
        (e.g. ``"annual sales >= 10,000,000"``).
    condition : array-like of bool
        One flag per customer (a boolean array or Series aligned with ``x``).
    grade : str
        Grade given where ``condition`` is true.
    """

    name: str
    condition: object
    grade: str


def _check_edges(edges: object, name: str) -> FloatArray:
    if isinstance(edges, str | bytes) or not isinstance(edges, Iterable):
        raise InputTypeError(f"`{name}` must be a sequence of numbers, got {edges!r}.")
    raw = list(edges)
    arr = np.empty(len(raw))
    for i, v in enumerate(raw):
        if isinstance(v, bool | np.bool_) or not isinstance(v, numbers.Real):
            raise InputTypeError(f"`{name}[{i}]` must be a number, got {v!r}.")
        if np.isnan(float(v)):
            raise InputValueError(f"`{name}[{i}]` is NaN; edges must be numbers or +-inf.")
        arr[i] = float(v)
    if arr.size < 2:
        raise InputValueError(f"`{name}` needs at least two edges (one bin), got {raw!r}.")
    if (np.diff(arr) <= 0).any():
        raise InputValueError(f"`{name}` must be strictly increasing, got {raw!r}.")
    return arr


def _bins(values: FloatArray, edges: FloatArray) -> IntArray:
    """Bin of each value (lower edge inclusive, upper exclusive); -1 outside."""
    idx = np.searchsorted(edges, values, side="right").astype(np.int64) - 1
    idx[(values < edges[0]) | (values >= edges[-1])] = -1
    return idx


def value_grid(
    x: object,
    y: object,
    *,
    x_edges: Sequence[float],
    y_edges: Sequence[float],
    grid: Sequence[Sequence[str]],
    overrides: Sequence[Override] = (),
) -> pd.DataFrame:
    """Grade each customer from a two-dimensional matrix, after override rules.

    Parameters
    ----------
    x, y : array-like or pandas.Series
        Two finite values per customer, e.g. sales percentile and influence
        percentile (see :func:`weighted_score`).
    x_edges, y_edges : sequence of float
        Strictly increasing bin edges (``-inf``/``inf`` allowed).  Bin ``j``
        holds ``edges[j] <= value < edges[j + 1]``: lower edge inclusive,
        upper edge exclusive, also for the last bin.
    grid : sequence of sequences of str
        The grade matrix: ``grid[i][j]`` is the grade of y-bin ``i`` and
        x-bin ``j`` (rows follow ``y_edges`` from low to high, columns follow
        ``x_edges`` from low to high), shape
        ``(len(y_edges) - 1, len(x_edges) - 1)``.
    overrides : sequence of Override, default ()
        Rules evaluated first, in order; the first whose condition holds
        decides the grade.

    Returns
    -------
    pandas.DataFrame
        Columns ``grade`` and ``rule`` (categoricals): the grade and the name
        of the override that decided it, or ``"grid"``.  Indexed like ``x``
        when it is a Series, else by position.

    Raises
    ------
    InputTypeError
        For non-numeric values, non-string grades or non-boolean conditions.
    InputValueError
        For NaN/inf values, bad edges, a grid of the wrong shape or with empty
        cells, duplicate override names, or a customer not decided by an
        override whose ``x`` or ``y`` falls outside the edges (the matrix does
        not cover it).

    Notes
    -----
    Overrides come first so that hard business rules ("annual sales ≥
    10,000,000 → A") win over the matrix; a customer decided by an override
    need not lie inside the grid.  Everyone else must: a value outside
    ``[edges[0], edges[-1])`` is an error rather than a silent default grade;
    use ``-inf``/``inf`` as outer edges for a grid that covers everything.

    Examples
    --------
    >>> import numpy as np
    >>> from custvalue.tiers import Override, value_grid
    >>> sales_pct = np.array([90.0, 55.0, 10.0, 30.0])
    >>> influence_pct = np.array([20.0, 75.0, 95.0, 30.0])
    >>> annual_sales = np.array([2e6, 3e6, 12e6, 1e5])
    >>> value_grid(
    ...     sales_pct, influence_pct,
    ...     x_edges=[0, 50, 100.0001], y_edges=[0, 50, 100.0001],
    ...     grid=[["C", "B"],      # low influence: low sales, high sales
    ...           ["B", "A"]],     # high influence
    ...     overrides=[Override("annual sales >= 10M", annual_sales >= 10e6, "A")],
    ... )
      grade                 rule
    0     B                 grid
    1     A                 grid
    2     A  annual sales >= 10M
    3     C                 grid
    """
    xs = as_float_array(x, "x")
    ys = as_float_array(y, "y")
    n = check_consistent_length(x=xs, y=ys)
    if not isinstance(overrides, Sequence) or not all(isinstance(o, Override) for o in overrides):
        raise InputTypeError(
            "`overrides` must be a sequence of custvalue.tiers.Override(name, condition, grade)."
        )
    conditions = [o.condition for o in overrides]
    index = common_index(x, y, *conditions)
    xe = _check_edges(x_edges, "x_edges")
    ye = _check_edges(y_edges, "y_edges")
    if isinstance(grid, str) or not isinstance(grid, Sequence):
        raise InputTypeError("`grid` must be a sequence of rows, each a sequence of grades.")
    rows = [list(r) if isinstance(r, Sequence) and not isinstance(r, str) else None for r in grid]
    ny, nx = ye.size - 1, xe.size - 1
    if len(rows) != ny or any(r is None or len(r) != nx for r in rows):
        shape = [len(r) if r is not None else None for r in rows]
        raise InputValueError(
            f"`grid` must have {ny} row(s) (one per y bin) of {nx} grade(s) (one per x bin); "
            f"got rows of lengths {shape}."
        )
    for i, r in enumerate(rows):
        assert r is not None
        for j, cell in enumerate(r):
            if cell is None or cell == "" or (isinstance(cell, float) and np.isnan(cell)):
                raise InputValueError(
                    f"`grid` cell [{i}][{j}] (y bin {ye[i]}..{ye[i + 1]}, x bin "
                    f"{xe[j]}..{xe[j + 1]}) is empty; the matrix must grade every cell."
                )
            if not isinstance(cell, str):
                raise InputTypeError(f"`grid` cell [{i}][{j}] must be a string, got {cell!r}.")
    names = [o.name for o in overrides]
    for o in overrides:
        if not isinstance(o.name, str) or not isinstance(o.grade, str):
            raise InputTypeError(
                f"Override name and grade must be strings, got {o.name!r} and {o.grade!r}."
            )
    if len(set(names)) != len(names) or "grid" in names:
        raise InputValueError(f"override names must be distinct and not 'grid', got {names!r}.")
    grades: list[str] = []
    for r in rows:
        assert r is not None
        grades.extend(r)
    grades.extend(o.grade for o in overrides)
    categories = sorted(set(grades))
    cat_code = {g: i for i, g in enumerate(categories)}
    grade_codes = np.full(n, -1, dtype=np.int64)
    rule_codes = np.full(n, -1, dtype=np.int64)
    for k, o in enumerate(overrides):
        cond = _as_condition(o.condition, o.name, n)
        take = cond & (rule_codes < 0)
        grade_codes[take] = cat_code[o.grade]
        rule_codes[take] = k
    free = rule_codes < 0
    bx = _bins(xs, xe)
    by_ = _bins(ys, ye)
    for arr, bins, nm, edges in ((xs, bx, "x", xe), (ys, by_, "y", ye)):
        bad = free & (bins < 0)
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise InputValueError(
                f"`{nm}` has {int(bad.sum())} value(s) outside the grid "
                f"[{edges[0]}, {edges[-1]}) and not decided by an override, first at "
                f"position {pos}: {arr[pos]!r}; widen `{nm}_edges` (e.g. with inf) or add "
                f"an override."
            )
    table = np.array([[cat_code[c] for c in r] for r in rows if r is not None], dtype=np.int64)
    grade_codes[free] = table[by_[free], bx[free]]
    rule_codes[free] = len(overrides)
    rule_names = [*names, "grid"]
    out = pd.DataFrame(
        {
            "grade": _from_codes(grade_codes, categories),
            "rule": _from_codes(rule_codes, rule_names),
        }
    )
    if index is not None:
        out.index = index
    return out


def _as_condition(condition: object, name: str, n: int) -> npt.NDArray[np.bool_]:
    if isinstance(condition, pd.Series):
        raw = condition.to_numpy()
    else:
        raw = np.asarray(condition)
    if raw.ndim != 1 or raw.dtype != np.bool_:
        raise InputTypeError(
            f"the condition of override {name!r} must be a 1-D boolean array or Series, got "
            f"dtype {raw.dtype} with shape {raw.shape}; build it with a comparison such as "
            f"sales >= 1e7."
        )
    if raw.size != n:
        raise InputValueError(
            f"the condition of override {name!r} has {raw.size} flags but there are {n} "
            f"customers; pass one flag per customer."
        )
    return raw


# ---------------------------------------------------------------------------
# Relationship classes

_RELATIONSHIP = ("cash-flow", "quasi-cash-flow", "high-cost-to-serve", "transaction")


def relationship_classes(
    profit: object,
    share_of_wallet: object,
    cost_to_serve: object,
    *,
    spend: object = None,
    wallet: object = None,
    profit_threshold: float | None = None,
    profit_quantile: float = 0.5,
    max_cost_ratio: float = 0.5,
    min_share_of_wallet: float = 0.5,
) -> pd.DataFrame:
    """Transaction versus relationship customers, and the three kinds of relationship.

    Parameters
    ----------
    profit : array-like or pandas.Series
        Gross profit per customer *before* the cost to serve (finite, any sign).
    share_of_wallet : array-like, pandas.Series or None
        The customer's share of wallet in ``[0, 1]``: our revenue over their
        total spending in the category.  Pass ``None`` together with ``spend``
        and ``wallet`` to estimate it.
    cost_to_serve : array-like or pandas.Series
        Marketing, sales and service cost per customer (finite, ``>= 0``).
    spend, wallet : array-like, optional
        Our revenue with the customer and an estimate of their total category
        spending (``> 0``); used when ``share_of_wallet`` is ``None``: share =
        ``min(spend / wallet, 1)``.
    profit_threshold : float, optional
        Gross profit below which a customer is a transaction customer.
        Default: the ``profit_quantile`` quantile of ``profit``.
    profit_quantile : float, default 0.5
        Quantile (linear interpolation) giving the default threshold: by
        default the lower half of customers by gross profit are transaction
        customers.
    max_cost_ratio : float, default 0.5
        A relationship customer whose cost to serve is at least this share of
        the gross profit is high-cost-to-serve.
    min_share_of_wallet : float, default 0.5
        A (not high-cost) relationship customer below this share of wallet is
        quasi-cash-flow, at or above it cash-flow.

    Returns
    -------
    pandas.DataFrame
        Columns ``relationship`` (categorical: ``"cash-flow"``,
        ``"quasi-cash-flow"``, ``"high-cost-to-serve"``, ``"transaction"``),
        ``net_profit`` (profit − cost to serve), ``cost_ratio`` (cost to
        serve / profit, NaN when profit ≤ 0) and ``share_of_wallet``.  Indexed
        like the Series inputs, else by position.

    Raises
    ------
    InputTypeError
        For non-numeric input.
    InputValueError
        For NaN/inf, negative cost to serve, shares outside ``[0, 1]``,
        nonpositive wallets, different lengths or thresholds out of range.

    Notes
    -----
    Rules, in order (the first that applies decides):

    1. **transaction**: gross profit ``< profit_threshold`` or ``<= 0`` —
       price-driven customers that leave little profit;
    2. **high-cost-to-serve**: ``cost_to_serve >= max_cost_ratio * profit`` —
       profitable, but marketing and service eat the profit;
    3. **quasi-cash-flow**: ``share_of_wallet < min_share_of_wallet`` — good
       profit from a small part of their spending: grow the share;
    4. **cash-flow**: everyone else — high profit and high share: keep them.

    Examples
    --------
    >>> from custvalue.tiers import relationship_classes
    >>> relationship_classes(
    ...     profit=[1000.0, 800.0, 900.0, 50.0],
    ...     share_of_wallet=[0.8, 0.2, 0.9, 0.9],
    ...     cost_to_serve=[100.0, 100.0, 600.0, 10.0],
    ...     profit_threshold=100.0,
    ... )
             relationship  net_profit  cost_ratio  share_of_wallet
    0           cash-flow       900.0    0.100000              0.8
    1     quasi-cash-flow       700.0    0.125000              0.2
    2  high-cost-to-serve       300.0    0.666667              0.9
    3         transaction        40.0    0.200000              0.9
    """
    p = as_float_array(profit, "profit")
    cost = as_float_array(cost_to_serve, "cost_to_serve", nonnegative=True)
    if share_of_wallet is None:
        if spend is None or wallet is None:
            raise InputValueError(
                "pass `share_of_wallet`, or `spend` and `wallet` to estimate it."
            )
        sp = as_float_array(spend, "spend", nonnegative=True)
        wl = as_float_array(wallet, "wallet", positive=True)
        check_consistent_length(spend=sp, wallet=wl)
        sow = np.minimum(sp / wl, 1.0)
        index = common_index(profit, cost_to_serve, spend, wallet)
    else:
        sow = as_float_array(share_of_wallet, "share_of_wallet", nonnegative=True)
        if (bad := sow > 1).any():
            raise InputValueError(
                f"`share_of_wallet` must lie in [0, 1], but has {int(bad.sum())} value(s) above "
                f"1 (first {sow[bad][0]!r}); pass shares, not percentages."
            )
        index = common_index(profit, share_of_wallet, cost_to_serve)
    check_consistent_length(profit=p, share_of_wallet=sow, cost_to_serve=cost)
    q = check_scalar(profit_quantile, "profit_quantile", low=0.0, high=1.0)
    ratio_max = check_scalar(max_cost_ratio, "max_cost_ratio", low=0.0, low_inclusive=False)
    sow_min = check_scalar(min_share_of_wallet, "min_share_of_wallet", low=0.0, high=1.0)
    threshold = (
        float(np.quantile(p, q))
        if profit_threshold is None
        else check_scalar(profit_threshold, "profit_threshold")
    )
    codes = np.zeros(p.size, dtype=np.int8)
    codes[sow < sow_min] = 1
    codes[cost >= ratio_max * p] = 2
    codes[(p < threshold) | (p <= 0)] = 3
    with np.errstate(divide="ignore", invalid="ignore"):
        cost_ratio = np.where(p > 0, cost / np.where(p > 0, p, 1.0), np.nan)
    out = pd.DataFrame(
        {
            "relationship": _from_codes(codes, _RELATIONSHIP),
            "net_profit": p - cost,
            "cost_ratio": cost_ratio,
            "share_of_wallet": sow,
        }
    )
    if index is not None:
        out.index = index
    return out


# ---------------------------------------------------------------------------
# Lifecycle stages

_STAGES = ("prospect", "new", "active", "reactivated", "at risk", "lapsed")


@runtime_checkable
class SupportsProbabilityAlive(Protocol):
    """Any fitted model with ``probability_alive(frequency, recency, T)`` (e.g. BG/NBD)."""

    def probability_alive(self, frequency: Any, recency: Any, T: Any) -> Any:
        """Probability that each customer is still alive."""
        ...


def lifecycle_stages(
    data: pd.DataFrame,
    *,
    kind: Literal["auto", "transactions", "summary"] = "auto",
    customer_col: str = "customer_id",
    date_col: str = "date",
    freq: str = "D",
    observation_end: object = None,
    customers: Iterable[Hashable] | None = None,
    model: SupportsProbabilityAlive | None = None,
    at_risk_after: float = 1.5,
    lapsed_after: float = 3.0,
    new_periods: float | None = None,
    default_rhythm: float | None = None,
    reactivation_gap: float | None = None,
    alive_at_risk: float = 0.5,
    alive_lapsed: float = 0.2,
) -> pd.DataFrame:
    """Lifecycle stage of every customer, judged against their own purchase rhythm.

    Parameters
    ----------
    data : pandas.DataFrame
        Either a transaction log (columns ``customer_col`` and ``date_col``)
        or an RFM summary as returned by :func:`custvalue.rfm.rfm_summary`
        (columns ``frequency``, ``recency`` and ``T``, indexed by customer).
    kind : {"auto", "transactions", "summary"}, default "auto"
        What ``data`` is; ``"auto"`` picks transactions when both
        ``customer_col`` and ``date_col`` are columns, else a summary.
    customer_col, date_col, freq, observation_end
        For transactions, as in :func:`custvalue.rfm.rfm_summary`.
    customers : iterable, optional
        All known customer ids; those without purchases are ``"prospect"``.
    model : object with ``probability_alive(frequency, recency, T)``, optional
        A fitted CLV model (e.g. BG/NBD); its P(alive) adds a second verdict.
    at_risk_after : float, default 1.5
        A customer silent for more than this many own inter-purchase times is
        at risk.
    lapsed_after : float, default 3.0
        ... and for more than this many, lapsed.
    new_periods : float, optional
        Customers whose first purchase is fewer than this many periods before
        the observation end are new.  Default: the fallback rhythm (below).
    default_rhythm : float, optional
        Inter-purchase time used for customers without a rhythm of their own
        (one purchase period only).  Default: the median own rhythm of the
        repeat customers.
    reactivation_gap : float, optional
        An absolute gap (periods) before the latest purchase that also counts
        as a reactivation, in addition to the rhythm rule.
    alive_at_risk, alive_lapsed : float, default 0.5 and 0.2
        With ``model``: P(alive) below ``alive_at_risk`` means at risk, below
        ``alive_lapsed`` lapsed.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer id (sorted; prospects appended in the order
        given), with columns ``stage`` (categorical, categories
        ``prospect, new, active, reactivated, at risk, lapsed``),
        ``frequency``, ``recency``, ``T``, ``inactivity``, ``rhythm`` (the
        inter-purchase time used), ``silence`` (``inactivity / rhythm``),
        ``last_gap`` (periods between the last two purchase periods;
        transactions only) and ``p_alive`` (with ``model``).  Prospects have
        NaN numbers.

    Raises
    ------
    MissingColumnError
        If ``data`` has neither the transaction nor the summary columns.
    InputValueError
        For invalid values or thresholds (``lapsed_after`` must exceed
        ``at_risk_after``, ``alive_lapsed`` must not exceed ``alive_at_risk``),
        when no customer repeats and ``default_rhythm`` is not given, or a
        model returning something other than one probability per customer.

    Notes
    -----
    Time is counted in periods (``freq``).  A customer's own rhythm is the
    mean inter-purchase time ``recency / frequency`` (``frequency >= 1``);
    customers with one purchase period use ``default_rhythm``.  ``silence =
    inactivity / rhythm`` (``inactivity = T - recency``, periods since the
    last purchase).  The stage is the first that applies:

    1. **prospect**: in ``customers`` but without purchases;
    2. **new**: ``T < new_periods`` (first purchase within the new window);
    3. **lapsed**: ``silence > lapsed_after``, or P(alive) ``< alive_lapsed``;
    4. **at risk**: ``silence > at_risk_after``, or P(alive) ``< alive_at_risk``;
    5. **reactivated** (transactions only): the gap between the last two
       purchase periods exceeded ``lapsed_after`` times the rhythm the
       customer had *before* that gap (``default_rhythm`` for customers with
       only two purchase periods), or exceeded ``reactivation_gap``: the
       customer had lapsed by the rules above and came back;
    6. **active**: everyone else.

    With a model, the more severe of the rhythm verdict and the P(alive)
    verdict wins.  From a summary alone the history before the last purchase
    is unknown, so only prospect, new, active, at risk and lapsed can be told
    apart; "reactivated" needs the transactions.  A reactivated customer
    becomes active again with their next purchase at a normal gap.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.tiers import lifecycle_stages
    >>> log = pd.DataFrame({
    ...     "customer_id": ["a", "a", "a", "b", "b", "c", "c", "c", "d"],
    ...     "date": pd.to_datetime([
    ...         "2024-01-01", "2024-01-11", "2024-01-21",   # a: every 10 days
    ...         "2024-01-01", "2024-01-11",                 # b: then silent
    ...         "2024-01-01", "2024-01-11", "2024-03-25",   # c: long gap, back
    ...         "2024-03-28",                               # d: first purchase
    ...     ]),
    ... })
    >>> out = lifecycle_stages(log, observation_end="2024-03-31", customers=list("abcde"))
    >>> out[["stage", "rhythm", "silence"]].round(3)
                       stage  rhythm  silence
    customer_id
    a                 lapsed    10.0    7.000
    b                 lapsed    10.0    8.000
    c            reactivated    42.0    0.143
    d                    new    10.0    0.300
    e               prospect     NaN      NaN
    """
    kind = check_choice(kind, "kind", ("auto", "transactions", "summary"))
    df = check_dataframe(data, "data")
    if kind == "auto":
        kind = (
            "transactions" if customer_col in df.columns and date_col in df.columns else "summary"
        )
    k_risk = check_scalar(at_risk_after, "at_risk_after", low=0.0, low_inclusive=False)
    k_lapse = check_scalar(lapsed_after, "lapsed_after", low=0.0, low_inclusive=False)
    if k_lapse <= k_risk:
        raise InputValueError(
            f"`lapsed_after` ({lapsed_after!r}) must be larger than `at_risk_after` "
            f"({at_risk_after!r})."
        )
    a_risk = check_scalar(alive_at_risk, "alive_at_risk", low=0.0, high=1.0)
    a_lapse = check_scalar(alive_lapsed, "alive_lapsed", low=0.0, high=1.0)
    if a_lapse > a_risk:
        raise InputValueError(
            f"`alive_lapsed` ({alive_lapsed!r}) must not exceed `alive_at_risk` "
            f"({alive_at_risk!r})."
        )
    gap_abs = (
        None
        if reactivation_gap is None
        else check_scalar(reactivation_gap, "reactivation_gap", low=0.0, low_inclusive=False)
    )
    if model is not None and not isinstance(model, SupportsProbabilityAlive):
        raise InputTypeError(
            f"`model` must have a probability_alive(frequency, recency, T) method, got "
            f"{type(model).__name__}."
        )

    last_gap: FloatArray | None
    rhythm_before: FloatArray | None
    if kind == "transactions":
        ids, frequency, recency, T, last_gap, rhythm_before = _history(
            df, customer_col, date_col, freq, observation_end
        )
    else:
        ids, frequency, recency, T = _summary_columns(df)
        last_gap = None
        rhythm_before = None

    repeat = frequency >= 1
    own = np.full(frequency.size, np.nan)
    own[repeat] = recency[repeat] / frequency[repeat]
    if default_rhythm is not None:
        fallback = check_scalar(default_rhythm, "default_rhythm", low=0.0, low_inclusive=False)
    elif repeat.any():
        fallback = float(np.median(own[repeat]))
    else:
        raise InputValueError(
            "no customer has more than one purchase period, so there is no rhythm to judge "
            "against; pass `default_rhythm` (typical periods between purchases)."
        )
    window = fallback if new_periods is None else check_scalar(new_periods, "new_periods", low=0.0)
    rhythm = np.where(repeat, own, fallback)
    inactivity = T - recency
    silence = inactivity / rhythm
    severity = np.where(silence > k_lapse, 2, np.where(silence > k_risk, 1, 0))
    p_alive = None
    if model is not None:
        p_alive = _p_alive(model, frequency, recency, T)
        model_sev = np.where(p_alive < a_lapse, 2, np.where(p_alive < a_risk, 1, 0))
        severity = np.maximum(severity, model_sev)
    codes = np.full(frequency.size, _STAGES.index("active"), dtype=np.int8)
    if last_gap is not None and rhythm_before is not None:
        before = np.where(np.isnan(rhythm_before), fallback, rhythm_before)
        back = (frequency >= 1) & (last_gap > k_lapse * before)
        if gap_abs is not None:
            back |= (frequency >= 1) & (last_gap > gap_abs)
        codes[back] = _STAGES.index("reactivated")
    codes[severity == 1] = _STAGES.index("at risk")
    codes[severity == 2] = _STAGES.index("lapsed")
    codes[T < window] = _STAGES.index("new")

    columns: dict[str, Any] = {
        "frequency": frequency,
        "recency": recency,
        "T": T,
        "inactivity": inactivity,
        "rhythm": rhythm,
        "silence": silence,
    }
    if last_gap is not None:
        columns["last_gap"] = last_gap
    if p_alive is not None:
        columns["p_alive"] = p_alive
    out = pd.DataFrame(columns, index=ids)
    stage = codes
    if customers is not None:
        known = set(ids)
        extra = [c for c in dict.fromkeys(customers) if c not in known]
        if extra:
            out = pd.concat([out, pd.DataFrame(index=pd.Index(extra, name=ids.name))])
            stage = np.concatenate(
                [codes, np.full(len(extra), _STAGES.index("prospect"), dtype=np.int8)]
            )
    out.insert(0, "stage", _from_codes(stage, _STAGES))
    return out


def _history(
    df: pd.DataFrame, customer_col: str, date_col: str, freq: str, observation_end: object
) -> tuple[pd.Index, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    log = read_transactions(df, customer_col, date_col, None, freq)
    end = (
        float(log.periods.max())
        if observation_end is None
        else period_of(observation_end, "observation_end", log, freq)
    )
    codes, ids, periods = log.codes, log.ids, log.periods
    keep = periods <= end
    if not keep.all():
        if not keep.any():
            raise InputValueError(
                "`observation_end` is before every transaction; pass a later date "
                "(or None for the latest transaction)."
            )
        present = np.zeros(len(ids), dtype=np.bool_)
        present[codes[keep]] = True
        remap = np.cumsum(present) - 1
        codes = np.ascontiguousarray(remap[codes[keep]])
        ids = ids[present]
        periods = np.ascontiguousarray(periods[keep])
    first, last, second, distinct = purchase_history(codes, periods, len(ids))
    frequency = (distinct - 1).astype(np.float64)
    recency = last - first
    T = end - first
    last_gap = last - second
    with np.errstate(divide="ignore", invalid="ignore"):
        rhythm_before = np.where(distinct >= 3, (second - first) / (distinct - 2), np.nan)
    order = sorting_order(ids)
    return (
        ids[order],
        frequency[order],
        recency[order],
        T[order],
        last_gap[order],
        rhythm_before[order],
    )


def _summary_columns(df: pd.DataFrame) -> tuple[pd.Index, FloatArray, FloatArray, FloatArray]:
    missing = [c for c in ("frequency", "recency", "T") if c not in df.columns]
    if missing:
        present = ", ".join(repr(c) for c in list(df.columns)[:20])
        raise MissingColumnError(
            f"`data` is neither a transaction log (columns 'customer_id' and 'date', or the "
            f"names given by `customer_col` / `date_col`) nor an RFM summary: it has no column "
            f"{missing[0]!r} (columns present: {present}); pass rfm_summary(...) output or "
            f"the transactions."
        )
    frequency = as_float_array(
        df["frequency"], "column 'frequency'", nonnegative=True, integer=True
    )
    recency = as_float_array(df["recency"], "column 'recency'", nonnegative=True)
    T = as_float_array(df["T"], "column 'T'", nonnegative=True)
    if (bad := recency > T).any():
        raise InputValueError(
            f"column 'recency' exceeds column 'T' in {first_bad(bad, df['T'])}; recency is "
            f"measured from the first purchase, so it cannot exceed the customer's age T."
        )
    if (bad := (frequency >= 1) & (recency <= 0)).any():
        raise InputValueError(
            f"column 'recency' is 0 for repeat customers (frequency >= 1) in "
            f"{first_bad(bad, df['recency'])}; repeat purchases need recency > 0."
        )
    return df.index, frequency, recency, T


def _p_alive(
    model: SupportsProbabilityAlive, frequency: FloatArray, recency: FloatArray, T: FloatArray
) -> FloatArray:
    raw = model.probability_alive(frequency, recency, T)
    try:
        p = np.asarray(raw, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise InputTypeError(
            f"`model.probability_alive` must return numbers, got {type(raw).__name__}."
        ) from None
    if p.size != frequency.size:
        raise InputValueError(
            f"`model.probability_alive` returned {p.size} value(s) for {frequency.size} "
            f"customers; it must return one probability per customer."
        )
    if not np.isfinite(p).all() or (p < 0).any() or (p > 1).any():
        raise InputValueError(
            "`model.probability_alive` returned values outside [0, 1] or NaN; is the model fitted?"
        )
    return p
