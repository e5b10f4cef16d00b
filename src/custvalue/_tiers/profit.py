"""Profit contribution per customer (and product) and calendar period, and grades from it."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from typing import Literal
from typing import cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from custvalue._core.arrays import FloatArray
from custvalue._core.arrays import IntArray
from custvalue._core.calendar import Freq
from custvalue._core.calendar import month_ordinals_ns
from custvalue._core.calendar import parse_freq
from custvalue._core.calendar import period_at
from custvalue._core.ids import factorize_ids
from custvalue._core.ids import pair_codes
from custvalue._core.ids import sorting_order
from custvalue._core.transactions import check_returns
from custvalue._core.transactions import first_bad
from custvalue._core.transactions import read_datetimes
from custvalue._core.transactions import read_ids
from custvalue._core.validation import as_float_array
from custvalue._core.validation import check_choice
from custvalue._core.validation import check_column_name
from custvalue._core.validation import check_dataframe
from custvalue._core.validation import check_scalar
from custvalue._tiers.abc import NEGATIVE
from custvalue._tiers.abc import VALUE_CUTOFFS
from custvalue._tiers.abc import abc_codes
from custvalue._tiers.abc import check_abc_options
from custvalue._tiers.abc import check_labels
from custvalue._tiers.common import check_finite_sum
from custvalue._tiers.common import from_codes
from custvalue._tiers.common import returns_mask
from custvalue._tiers.kernels import PANEL_NAMES
from custvalue._tiers.kernels import classify_by_bounds
from custvalue._tiers.kernels import period_panel
from custvalue.errors import InputTypeError
from custvalue.errors import InputValueError

_MONTHS = {"Y-DEC": 12, "Q-DEC": 3, "M": 1}  # months per base period


@dataclass(frozen=True, slots=True)
class _Lines:
    """Validated transaction lines for the profit functions (internal)."""

    customers: IntArray  # sorted rank of each line's customer
    ids: pd.Index  # customer ids, sorted ascending
    months: IntArray  # calendar month ordinal of each line
    revenue: FloatArray
    profit: FloatArray
    tz: Any
    by_codes: IntArray | None  # sorted rank of each line's ``by`` value
    by_ids: pd.Index | None


def check_freq(freq: object) -> Freq:
    """Check a calendar period: years, quarters or months, multiples honoured (``"2M"``)."""
    f = parse_freq(freq)
    if f.base not in _MONTHS:
        raise InputValueError(
            f"`freq` must be calendar years, quarters or months ('Y', 'Q', 'M', or a "
            f"multiple such as '2M' or '6M'), got {freq!r}; fix by passing one of them."
        )
    return f


def _sorted_codes(column: pd.Series, name: str) -> tuple[IntArray, pd.Index]:
    """Codes of a key column in ascending order of its values, and the sorted values."""
    if name == "customer_col":
        codes, ids = read_ids(column, str(column.name))
    else:
        codes, ids = factorize_ids(column)
        if (missing := codes < 0).any():
            raise InputValueError(
                f"column {column.name!r} (argument `{name}`) has missing values in "
                f"{first_bad(missing, column)}; drop those rows or fill them."
            )
    try:
        order = sorting_order(ids)
    except InputTypeError:
        raise InputTypeError(
            f"column {column.name!r} (argument `{name}`) mixes types that cannot be ordered; "
            f"convert it to one type, e.g. .astype(str)."
        ) from None
    if ids.is_monotonic_increasing:
        return np.ascontiguousarray(codes), ids.rename(column.name)
    rank = np.empty(len(ids), dtype=np.int64)
    rank[order] = np.arange(len(ids), dtype=np.int64)
    return np.ascontiguousarray(rank[codes]), ids[order].rename(column.name)


def read_lines(
    transactions: object,
    customer_col: str,
    date_col: str,
    amount_col: str,
    cost_col: str | None,
    profit_col: str | None,
    returns: str,
    by: str | None = None,
    date_format: str | None = None,
) -> _Lines:
    """Validate sales lines once: coded customers, month ordinals, revenue and profit."""
    customer_col = check_column_name(customer_col, "customer_col")
    date_col = check_column_name(date_col, "date_col")
    amount_col = check_column_name(amount_col, "amount_col")
    for value, name in ((cost_col, "cost_col"), (profit_col, "profit_col"), (by, "by")):
        if value is not None:
            check_column_name(value, name)
    returns = check_returns(returns)
    if (cost_col is None) == (profit_col is None):
        raise InputValueError(
            "pass exactly one of `cost_col` (profit = amount - cost) and `profit_col` "
            f"(profit per line); got cost_col={cost_col!r}, profit_col={profit_col!r}."
        )
    third = cast(str, cost_col if cost_col is not None else profit_col)
    extra = [by] if by is not None else []
    named = {customer_col: "customer_col", date_col: "date_col", amount_col: "amount_col"}
    named[third] = "cost_col" if cost_col is not None else "profit_col"
    named.update({column: "by" for column in extra})
    df = check_dataframe(transactions, "transactions", named)
    revenue = as_float_array(df[amount_col], f"column {amount_col!r}")
    keep = returns_mask(revenue, returns, amount_col)
    if keep is not None:
        if not keep.any():
            raise InputValueError(
                f"every line of column {amount_col!r} is a return (negative), so "
                f'returns="drop" leaves no line; pass returns="net" or a log with sales.'
            )
        df = df.loc[keep]
        revenue = np.ascontiguousarray(revenue[keep])
    customers, ids = _sorted_codes(df[customer_col], "customer_col")
    months, tz = _month_column(df, date_col, date_format)
    other = as_float_array(df[third], f"column {third!r}")
    profit = np.ascontiguousarray(revenue - other if cost_col is not None else other)
    check_finite_sum(revenue, f"column {amount_col!r} (argument `amount_col`)")
    arg = "cost_col" if cost_col is not None else "profit_col"
    check_finite_sum(profit, f"the profit from column {third!r} (argument `{arg}`)")
    by_codes, by_ids = _sorted_codes(df[by], "by") if by is not None else (None, None)
    return _Lines(customers, ids, months, revenue, profit, tz, by_codes, by_ids)


def _month_column(
    df: pd.DataFrame, date_col: str, date_format: str | None
) -> tuple[IntArray, Any]:
    """Calendar month ordinals of a datetime column (wall-clock time) and its time zone."""
    if date_format is not None and not isinstance(date_format, str):
        raise InputTypeError(
            f"`date_format` must be a strftime format such as '%Y%m%d', got {date_format!r}."
        )
    read = read_datetimes(df[date_col], date_col, date_format=date_format)
    if read is None:
        raise InputTypeError(
            f"column {date_col!r} (argument `date_col`) must hold datetimes to form calendar "
            f"periods, got numeric dtype {df[date_col].dtype}; convert it with "
            f"pandas.to_datetime(...), or pass `date_format` (e.g. '%Y%m%d') to parse it."
        )
    values, tz = read
    return month_ordinals_ns(values.view(np.int64)), tz


def _to_period(months: IntArray, freq: Freq) -> IntArray:
    """Period ordinal of ``freq`` of each month: ``k`` base periods from January 1970."""
    if freq.base == "M" and freq.n == 1:
        return months
    return np.floor_divide(months, _MONTHS[freq.base] * freq.n)


def _month_of(value: object, tz: Any) -> int:
    """Calendar month ordinal of ``observation_end`` (wall-clock time of the log's zone)."""
    if isinstance(value, pd.Period):
        value = value.end_time  # a Period stands for its whole span, as in the core reader
    if isinstance(value, bool) or not isinstance(
        value, str | _dt.date | np.datetime64 | pd.Timestamp
    ):
        raise InputTypeError(
            "`observation_end` must be a date (str, datetime, numpy.datetime64, "
            f"pandas.Timestamp or pandas.Period), got {value!r}."
        )
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise InputValueError(
            f"`observation_end` could not be read as a date: {value!r}; pass e.g. '2024-12-31'."
        ) from None
    if pd.isna(ts):
        raise InputValueError("`observation_end` must be a date, got NaT.")
    if ts.tzinfo is not None:
        if tz is None:
            raise InputValueError(
                f"`observation_end` ({value!r}) has a time zone but the date column has none; "
                f"pass a time-zone-naive `observation_end`."
            )
        ts = ts.tz_convert(tz).tz_localize(None)
    return (ts.year - 1970) * 12 + ts.month - 1


def profit_contribution(
    transactions: pd.DataFrame,
    *,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
    cost_col: str | None = None,
    profit_col: str | None = None,
    freq: str = "Y",
    by: str | None = None,
    returns: Literal["error", "net", "drop"] = "error",
    date_format: str | None = None,
) -> pd.DataFrame:
    """Revenue, profit and their change per customer (and product) and calendar period.

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per line (any order).  Not modified.
    customer_col : str, default "customer_id"
        Customer id column (missing ids are an error).
    date_col : str, default "date"
        Datetime column (naive or time-zone aware, or Arrow timestamps;
        bucketed by wall-clock time).
    date_format : str, optional
        strftime format parsing a column of strings or integers, e.g.
        ``"%Y%m%d"`` for ``20240131``.  Without it such a column is refused.
    amount_col : str, default "amount"
        Sale value (revenue) of each line, finite; returns are negative lines
        (see ``returns``).
    cost_col : str, optional
        Cost of each line; profit = amount − cost.
    profit_col : str, optional
        Profit of each line, instead of ``cost_col`` (exactly one is needed).
    freq : str, default "Y"
        Calendar years, quarters or months: the pandas period aliases ``"Y"``,
        ``"Q"``, ``"M"``, multiples honoured (``"2M"``: January–February,
        March–April ...; ``"6M"`` and ``"2Q"``: half-years; ``"2Y"``: 1970–71,
        1972–73 ...), counted from January 1970.  Other aliases (weeks, days,
        fiscal years such as ``"Y-JUN"``) are refused.
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
        ``returns="error"``, a ``freq`` that is not years, quarters or months, or not exactly one
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
    f = check_freq(freq)
    lines = read_lines(
        transactions,
        customer_col,
        date_col,
        amount_col,
        cost_col,
        profit_col,
        returns,
        by,
        date_format,
    )
    ords = _to_period(lines.months, f)
    pmin, pmax = int(ords.min()), int(ords.max())
    n_periods = pmax - pmin + 1
    pidx = np.ascontiguousarray(ords - pmin)
    n_cust = len(lines.ids)
    if lines.by_codes is None or lines.by_ids is None:
        groups = lines.customers
        n_groups = n_cust
    else:
        n_by = len(lines.by_ids)
        groups, kept = pair_codes(lines.customers, n_cust, lines.by_codes, n_by)
        n_groups = kept.size
    dense = n_groups * n_periods <= 2 * groups.size + (1 << 20)
    g, p, block = period_panel(
        (groups, pidx, lines.revenue, lines.profit), n_groups, n_periods, dense
    )
    periods = pd.period_range(
        start=period_at(pmin, f), periods=n_periods, freq=f.alias, name="period"
    )
    if lines.by_ids is None:
        levels = [lines.ids, periods]
        codes = [g, p]
        names: list[Any] = [customer_col, "period"]
    else:
        levels = [lines.ids, lines.by_ids, periods]
        codes = [kept[g] // n_by, kept[g] % n_by, p]
        names = [customer_col, by, "period"]
    index = pd.MultiIndex(
        levels=cast(Any, levels), codes=cast(Any, codes), names=names, verify_integrity=False
    )
    # One float block, handed to pandas without a copy.
    return pd.DataFrame(block.T, index=index, columns=list(PANEL_NAMES), copy=False)


def _graded_period(lines: _Lines, freq: Freq, observation_end: object) -> tuple[IntArray, int]:
    """Period ordinal of every line and the ordinal of the period to grade."""
    ords = _to_period(lines.months, freq)
    pmin, pmax = int(ords.min()), int(ords.max())
    if observation_end is None:
        return ords, pmax
    month = _month_of(observation_end, lines.tz)
    target = int(_to_period(np.array([month], dtype=np.int64), freq)[0])
    if not pmin <= target <= pmax:
        first = period_at(pmin, freq)
        last = period_at(pmax, freq)
        raise InputValueError(
            f"`observation_end` ({observation_end!r}) falls in period "
            f"{period_at(target, freq)}, outside the log's periods "
            f"{first} .. {last}; pass a date inside them."
        )
    return ords, target


def _sum_by(codes: IntArray, weights: FloatArray, size: int) -> FloatArray:
    """Sum of ``weights`` per code ``0 .. size-1`` (float64)."""
    return np.asarray(np.bincount(codes, weights=weights, minlength=size), dtype=np.float64)


def _threshold_codes(
    profit: FloatArray, thresholds: Sequence[float] | None, labels: object
) -> tuple[npt.NDArray[np.int8], tuple[str, ...]]:
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
    labs = check_labels(labels, th.size + 1, "labels", "one more than thresholds")
    return classify_by_bounds(profit, th), labs


def grade_by_profit(
    transactions: pd.DataFrame,
    *,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
    cost_col: str | None = None,
    profit_col: str | None = None,
    freq: str = "Y",
    observation_end: object = None,
    method: Literal["abc", "thresholds"] = "abc",
    cutoffs: Sequence[float] | None = None,
    thresholds: Sequence[float] | None = None,
    labels: Sequence[str] = ("A", "B", "C"),
    negative: Literal["error", "separate"] = "error",
    negative_label: str = "D",
    returns: Literal["error", "net", "drop"] = "error",
    date_format: str | None = None,
) -> pd.DataFrame:
    """Grade every customer by the profit contributed in one calendar period.

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per line; see :func:`profit_contribution`.
    customer_col, date_col, amount_col, cost_col, profit_col, freq, returns, date_format
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
    f = check_freq(freq)
    method = check_choice(method, "method", ("abc", "thresholds"))
    check_choice(negative, "negative", NEGATIVE)
    if method == "abc":
        cuts, _, cats, _ = check_abc_options(
            VALUE_CUTOFFS if cutoffs is None else cutoffs,
            labels,
            "value",
            negative,
            negative_label,
        )
    lines = read_lines(
        transactions,
        customer_col,
        date_col,
        amount_col,
        cost_col,
        profit_col,
        returns,
        date_format=date_format,
    )
    ords, target = _graded_period(lines, f, observation_end)
    n = len(lines.ids)
    inside = ords == target
    profit = _sum_by(lines.customers[inside], lines.profit[inside], n)
    revenue = _sum_by(lines.customers[inside], lines.revenue[inside], n)
    if method == "abc":
        codes = abc_codes(
            profit, cuts, False, negative, "profit in the graded period", negative_label
        )
    else:
        codes, cats = _threshold_codes(profit, thresholds, labels)
    return pd.DataFrame(
        {
            "period": period_at(target, f),
            "revenue": revenue,
            "profit": profit,
            "grade": from_codes(codes, cats),
        },
        index=lines.ids,
    )
