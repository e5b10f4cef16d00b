"""Value grading: weighted percentile scores, a two-dimensional grid and relationship classes."""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from custvalue._core.arrays import FloatArray
from custvalue._core.arrays import IntArray
from custvalue._core.arrays import first_true
from custvalue._core.ranks import percentile_rank
from custvalue._core.validation import as_float_array
from custvalue._core.validation import check_consistent_length
from custvalue._core.validation import check_dataframe
from custvalue._core.validation import check_scalar
from custvalue._core.validation import common_index
from custvalue._tiers.common import from_codes
from custvalue.errors import InputTypeError
from custvalue.errors import InputValueError

RELATIONSHIP = ("cash-flow", "quasi-cash-flow", "high-cost-to-serve", "transaction")


def _factor_values(column: pd.Series, name: str) -> FloatArray:
    """Return a factor as float64 whose order and ties are those of the column's values.

    Integers beyond 2**53, which float64 cannot tell apart, are replaced by
    their dense rank (the percentile rank only depends on order and ties).
    """
    values = as_float_array(column, name)
    if column.dtype.kind in "iu" and np.abs(values).max() >= 2.0**53:
        raw = column.to_numpy(dtype=np.uint64 if column.dtype.kind == "u" else np.int64)
        _, inverse = np.unique(raw, return_inverse=True)
        values = np.ascontiguousarray(inverse.reshape(-1), dtype=np.float64)
    return values


def _weights(
    df: pd.DataFrame, weights: Mapping[str, float] | Sequence[float]
) -> tuple[list[Any], FloatArray]:
    """Return the weighted columns and their weights, scaled so that the largest is 1."""
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
    w = np.array(
        [check_scalar(v, f"weights[{c!r}]", low=0.0) for c, v in zip(columns, raw, strict=True)]
    )
    if w.max() <= 0:
        raise InputValueError("`weights` sum to zero; give at least one factor a positive weight.")
    # Only ratios of weights matter; scaling by the largest keeps every product finite.
    return columns, w / w.max()


def _rank(values: FloatArray, higher_is_better: bool) -> FloatArray:
    """Return the shared percentile rank, clipped to ``[0, 100]`` (rounding of its scale)."""
    return np.clip(percentile_rank(values, higher_is_better), 0.0, 100.0)


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
    df = check_dataframe(factors, "factors")
    columns, w = _weights(df, weights)
    if not isinstance(rescore, bool | np.bool_):
        raise InputTypeError(f"`rescore` must be True or False, got {rescore!r}.")
    if isinstance(lower_is_better, str | bytes) or not isinstance(lower_is_better, Iterable):
        raise InputTypeError(
            f"`lower_is_better` must be a list of column names, got {lower_is_better!r}; "
            f"fix by passing e.g. lower_is_better=[{lower_is_better!r}]."
        )
    lower = list(lower_is_better)
    check_dataframe(df, "factors", lower)
    combined = np.zeros(len(df))
    for col, weight in zip(columns, w, strict=True):
        values = _factor_values(df[col], f"column {col!r} of `factors`")
        combined += weight * _rank(values, col not in lower)
    combined = np.round(combined / w.sum(), 9)
    score = _rank(combined, True) if rescore else combined
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
        if (pos := first_true(bad)) is not None:
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
            "grade": from_codes(grade_codes, categories),
            "rule": from_codes(rule_codes, rule_names),
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
            "relationship": from_codes(codes, RELATIONSHIP),
            "net_profit": p - cost,
            "cost_ratio": cost_ratio,
            "share_of_wallet": sow,
        }
    )
    if index is not None:
        out.index = index
    return out
