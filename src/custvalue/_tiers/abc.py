"""ABC classes: cumulative-share classes, two criteria and the computed ABC analysis."""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from custvalue._core.arrays import FloatArray
from custvalue._core.sorting import sort_floats
from custvalue._core.validation import as_float_array
from custvalue._core.validation import check_choice
from custvalue._core.validation import check_consistent_length
from custvalue._core.validation import check_scalar
from custvalue._core.validation import common_index
from custvalue._tiers.common import categorical
from custvalue._tiers.common import series_name
from custvalue._tiers.kernels import abc_lower_bounds
from custvalue._tiers.kernels import classify_by_bounds
from custvalue.errors import InputTypeError
from custvalue.errors import InputValueError

VALUE_CUTOFFS = (0.8, 0.95)
COUNT_CUTOFFS = (0.2, 0.5)
NEGATIVE = ("error", "separate")


def check_cutoffs(cutoffs: object, name: str) -> FloatArray:
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


def check_labels(labels: object, n: int, name: str, what: str) -> tuple[str, ...]:
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


def abc_codes(
    arr: FloatArray,
    cutoffs: FloatArray,
    by_count: bool,
    negative: str,
    name: str,
    negative_label: str,
) -> npt.NDArray[np.int8]:
    """Class codes ``0 .. k`` (``k + 1`` for negative values under ``negative="separate"``)."""
    k = cutoffs.shape[0]
    neg = arr < 0
    has_negative = bool(neg.any())
    if has_negative and negative == "error":
        raise InputValueError(
            f"`{name}` has negative values ({_first_negative(arr, neg)}); cumulative shares "
            f'need nonnegative contributions; fix by passing negative="separate" to put them '
            f"in their own class {negative_label!r}, or drop them first."
        )
    kept = arr[~neg] if has_negative else arr
    if kept.size == 0 or not (kept > 0).any():
        raise InputValueError(
            f"`{name}` has no positive value (its total is zero), so shares are undefined; "
            f"pass values with a positive total."
        )
    ordered = sort_floats(kept, True)
    scale = power_of_two_scale(float(ordered[0]), ordered.size)
    if scale != 1.0:
        # Shares do not depend on the unit; a power of two rescales exactly.
        ordered = ordered * scale
        arr = arr * scale
    bounds = abc_lower_bounds(ordered, cutoffs, by_count)
    codes = classify_by_bounds(arr, bounds)
    if has_negative:
        codes[neg] = k + 1
    return codes


def power_of_two_scale(largest: float, n: int) -> float:
    """Return a power of two that keeps a sum of ``n`` values up to ``largest`` within float64.

    1.0 when the sum cannot overflow, so ordinary inputs are summed as given.
    """
    if np.isfinite(4.0 * largest * n):
        return 1.0
    _, exponent = np.frexp(largest)
    return float(np.ldexp(1.0, -int(exponent)))


def _first_negative(arr: FloatArray, mask: npt.NDArray[np.bool_]) -> str:
    idx = np.flatnonzero(mask)
    return f"{idx.size} value(s), first at position {idx[0]}: {arr[idx[0]]!r}"


def check_abc_options(
    cutoffs: object,
    labels: object,
    rule: object,
    negative: object,
    negative_label: object,
) -> tuple[FloatArray, tuple[str, ...], tuple[str, ...], bool]:
    """Validate the ABC options; return cutoffs, labels, categories and ``by_count``.

    The categories are the labels, followed by ``negative_label`` under
    ``negative="separate"``.
    """
    rule = check_choice(rule, "rule", ("value", "count"))
    negative = check_choice(negative, "negative", NEGATIVE)
    if cutoffs is None:
        cutoffs = VALUE_CUTOFFS if rule == "value" else COUNT_CUTOFFS
    cuts = check_cutoffs(cutoffs, "cutoffs")
    labs = check_labels(labels, cuts.size + 1, "labels", "one more than cutoffs")
    if not isinstance(negative_label, str):
        raise InputTypeError(f"`negative_label` must be a string, got {negative_label!r}.")
    if negative == "separate" and negative_label in labs:
        raise InputValueError(
            f"`negative_label` {negative_label!r} is also in `labels` {labs!r}; pick another."
        )
    categories = (*labs, negative_label) if negative == "separate" else labs
    return cuts, labs, categories, rule == "count"


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
    cuts, _, categories, by_count = check_abc_options(
        cutoffs, labels, rule, negative, negative_label
    )
    arr = as_float_array(values, "values")
    index = common_index(values)
    codes = abc_codes(arr, cuts, by_count, negative, "values", negative_label)
    return categorical(codes, categories, index, series_name(values, "abc_class"))


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
    cuts1, _, cats, by_count = check_abc_options(cutoffs, labels, rule, negative, negative_label)
    cuts2 = check_cutoffs(cuts1 if second_cutoffs is None else second_cutoffs, "second_cutoffs")
    if cuts1.size != cuts2.size:
        raise InputValueError(
            f"`cutoffs` and `second_cutoffs` must have the same length (one set of labels "
            f"serves both), got {cuts1.size} and {cuts2.size}."
        )
    a = as_float_array(first, "first")
    b = as_float_array(second, "second")
    check_consistent_length(first=a, second=b)
    index = common_index(first, second)
    c1 = abc_codes(a, cuts1, by_count, negative, "first", negative_label)
    c2 = abc_codes(b, cuts2, by_count, negative, "second", negative_label)
    m = len(cats)
    codes = c1.astype(np.int16) * m + c2
    combined = [x + y for x in cats for y in cats]
    return categorical(codes, combined, index, "abc_class")


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
    s = sort_floats(arr, True)
    # The curve does not depend on the unit; a power of two rescales exactly.
    scaled = s * power_of_two_scale(float(s[0]), n)
    cum = np.cumsum(scaled)
    total = float(cum[-1])
    x = np.arange(1, n + 1, dtype=np.float64) / n
    y = cum / total
    pareto = int(np.argmin(x * x + (1.0 - y) ** 2))
    # Break-even: the vertex where the slope v_i / mean passes through 1 (the
    # largest value is never below the mean; rounding of the total aside).
    above_mean = np.flatnonzero(scaled >= total / n)
    brk = int(above_mean[-1]) if above_mean.size else 0
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
        classes=categorical(codes, ("A", "B", "C"), index, series_name(values, "abc_class")),
        ab_limit=float(s[a_idx]),
        bc_limit=float(s[sub]),
        pareto_point=point(pareto),
        break_even_point=point(brk),
        submarginal_point=point(sub),
        ab_point=point(a_idx),
        bc_point=point(sub),
        curve=curve,
    )
