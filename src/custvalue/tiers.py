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

from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any, Literal

import pandas as pd

from custvalue._tiers import abc as _abc
from custvalue._tiers import grading as _grading
from custvalue._tiers import lifecycle as _lifecycle
from custvalue._tiers import profit as _profit
from custvalue._tiers.abc import ComputedABC
from custvalue._tiers.grading import Override
from custvalue._tiers.lifecycle import SupportsProbabilityAlive

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
    return _abc.abc_classes(
        values,
        cutoffs=cutoffs,
        labels=labels,
        rule=rule,
        negative=negative,
        negative_label=negative_label,
    )


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
    return _abc.abc_two_criteria(
        first,
        second,
        cutoffs=cutoffs,
        second_cutoffs=second_cutoffs,
        labels=labels,
        rule=rule,
        negative=negative,
        negative_label=negative_label,
    )


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
    return _abc.abc_computed(values)


def profit_contribution(
    transactions: pd.DataFrame,
    *,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
    cost_col: str | None = None,
    profit_col: str | None = None,
    freq: Literal["Y", "Q", "M"] = "Y",
    by: str | None = None,
    returns: Literal["error", "net", "drop"] = "error",
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
    amount_col : str, default "amount"
        Sale value (revenue) of each line, finite; returns are negative lines
        (see ``returns``).
    cost_col : str, optional
        Cost of each line; profit = amount − cost.
    profit_col : str, optional
        Profit of each line, instead of ``cost_col`` (exactly one is needed).
    freq : {"Y", "Q", "M"}, default "Y"
        Calendar years, quarters or months (pandas period aliases; multiples
        such as ``"2M"`` are refused).
    by : str, optional
        A second grouping column, e.g. a product or product group.
    returns : {"error", "net", "drop"}, default "error"
        Policy for lines with a negative amount (returns): ``"error"`` refuses
        them, ``"drop"`` removes those lines (their cost or profit too),
        ``"net"`` keeps them, so they are summed into their customer's (and
        ``by`` value's) period like any line.

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
        For an empty log, missing ids or dates, NaN/inf amounts, amounts whose
        sums leave the float64 range, negative amounts under
        ``returns="error"``, a period multiple in ``freq``, or not exactly one
        of ``cost_col`` / ``profit_col``.

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
    ...     "amount": [100.0, 50.0, 200.0, 300.0, 80.0],
    ...     "cost": [60.0, 30.0, 150.0, 200.0, 40.0],
    ... })
    >>> out = profit_contribution(lines, cost_col="cost", freq="Y")
    >>> out[["revenue", "profit", "margin", "profit_share", "profit_change"]]
                        revenue  profit    margin  profit_share  profit_change
    customer_id period
    1           2023      150.0    60.0  0.400000      0.545455           60.0
                2024       80.0    40.0  0.500000      0.285714          -20.0
    2           2023      200.0    50.0  0.250000      0.454545           50.0
                2024      300.0   100.0  0.333333      0.714286           50.0
    """
    return _profit.profit_contribution(
        transactions,
        customer_col=customer_col,
        date_col=date_col,
        amount_col=amount_col,
        cost_col=cost_col,
        profit_col=profit_col,
        freq=freq,
        by=by,
        returns=returns,
    )


def grade_by_profit(
    transactions: pd.DataFrame,
    *,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
    cost_col: str | None = None,
    profit_col: str | None = None,
    freq: Literal["Y", "Q", "M"] = "Y",
    observation_end: object = None,
    method: Literal["abc", "thresholds"] = "abc",
    cutoffs: Sequence[float] | None = None,
    thresholds: Sequence[float] | None = None,
    labels: Sequence[str] = ("A", "B", "C"),
    negative: Literal["error", "separate"] = "error",
    negative_label: str = "D",
    returns: Literal["error", "net", "drop"] = "error",
) -> pd.DataFrame:
    """Grade every customer by the profit contributed in one calendar period.

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per line; see :func:`profit_contribution`.
    customer_col, date_col, amount_col, cost_col, profit_col, freq, returns
        As in :func:`profit_contribution`.
    observation_end : str, datetime, numpy.datetime64, pandas.Timestamp or pandas.Period, optional
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
    negative : {"error", "separate"}, default "error"
        ABC policy for loss-making customers (see :func:`abc_classes`):
        ``"error"`` refuses a period with losses, ``"separate"`` gives them
        their own grade ``negative_label``.
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
    ...     "amount": [900.0, 300.0, 100.0, 50.0, 10.0],
    ...     "profit": [400.0, 80.0, 20.0, -5.0, 2.0],
    ... })
    >>> grade_by_profit(lines, profit_col="profit", negative="separate")
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
    return _profit.grade_by_profit(
        transactions,
        customer_col=customer_col,
        date_col=date_col,
        amount_col=amount_col,
        cost_col=cost_col,
        profit_col=profit_col,
        freq=freq,
        observation_end=observation_end,
        method=method,
        cutoffs=cutoffs,
        thresholds=thresholds,
        labels=labels,
        negative=negative,
        negative_label=negative_label,
        returns=returns,
    )


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
    Each factor becomes custvalue's one percentile rank
    ``100 * (worse + (equal - 1) / 2) / (n - 1)``, with ``worse`` the number
    of customers with a worse value and ``equal`` the number with the same
    value (the customer included): the share of the *other* customers beaten,
    ties counted half.  The worst value gets 0, the best 100, and a single
    customer or all-equal values 50.  For ``lower_is_better`` columns a
    smaller value is the better one.  Equal values get equal percentiles, so
    the score never depends on row order.  The score is the weighted mean of
    the factor percentiles, rounded to 9 decimals so that mathematically equal
    combinations tie exactly, and, with ``rescore``, its percentile rank.
    Only the ratios of the weights matter (any finite weights work, however
    large), and integer factors are ranked exactly, also beyond 2**53.

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
    a    100.0
    b      0.0
    c     50.0
    d     50.0
    Name: score, dtype: float64
    """
    return _grading.weighted_score(
        factors, weights, lower_is_better=lower_is_better, rescore=rescore
    )


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
    return _grading.value_grid(
        x, y, x_edges=x_edges, y_edges=y_edges, grid=grid, overrides=overrides
    )


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
    return _grading.relationship_classes(
        profit,
        share_of_wallet,
        cost_to_serve,
        spend=spend,
        wallet=wallet,
        profit_threshold=profit_threshold,
        profit_quantile=profit_quantile,
        max_cost_ratio=max_cost_ratio,
        min_share_of_wallet=min_share_of_wallet,
    )


def lifecycle_stages(
    data: pd.DataFrame,
    *,
    kind: Literal["auto", "transactions", "summary"] = "auto",
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str | None = None,
    returns: Literal["error", "net", "drop"] = "error",
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
    customer_col, date_col, observation_end
        For transactions, as in :func:`custvalue.rfm.rfm_summary`.
    amount_col : str, optional
        For transactions: the sale value of each line.  Without it every line
        is a purchase and returns cannot be told apart (a return line counts
        as a purchase); pass it when the log holds returns.
    returns : {"error", "net", "drop"}, default "error"
        With ``amount_col``, the policy for negative amounts (returns):
        ``"error"`` refuses them, ``"drop"`` removes those lines, ``"net"``
        sums the amounts per customer and period (of ``freq``), and a period
        whose net is not positive is not a purchase occasion.
    freq : str, default "D"
        For transactions: the period in which time is counted, a pandas
        period alias (``"D"``, ``"W"``, ``"M"`` ...).  Multiples are
        honoured: ``"7D"`` counts in 7-day periods, ``"2M"`` in two-month
        periods (January–February, March–April, ...), anchored on pandas'
        period 0 (1970-01-01 for days, January 1970 for months).
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
        when no customer repeats and ``default_rhythm`` is not given, a
        model returning something other than one probability per customer,
        missing customer ids (also ``pd.NA``), negative amounts under
        ``returns="error"``, or a summary row that is not a possible history
        (``recency > T``; ``recency > 0`` without repeats, or ``recency == 0``
        with them).
    InputTypeError
        For a column argument that is not one column name (e.g. a list).

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
    return _lifecycle.lifecycle_stages(
        data,
        kind=kind,
        customer_col=customer_col,
        date_col=date_col,
        amount_col=amount_col,
        returns=returns,
        freq=freq,
        observation_end=observation_end,
        customers=customers,
        model=model,
        at_risk_after=at_risk_after,
        lapsed_after=lapsed_after,
        new_periods=new_periods,
        default_rhythm=default_rhythm,
        reactivation_gap=reactivation_gap,
        alive_at_risk=alive_at_risk,
        alive_lapsed=alive_lapsed,
    )
