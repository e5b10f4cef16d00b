"""Model fits, per-customer predictions and ABC classes on Dask summaries.

Fits reduce the summary to its sufficient statistics on the workers: the
distinct ``(frequency, recency, T)`` rows (``(frequency, monetary_value)`` for
the spend model) with the number of customers holding each, a small frame the
in-memory weighted maximum likelihood is run on.  The likelihood of the
in-memory fit folds identical rows into the same weights, so the two fits
optimise the same function.

Predictions run the fitted in-memory model on each partition.  ABC classes
need a global cumulative share: the class bounds are found from pivots of the
values and the counts and sums above them, in a few passes without a global
sort, then each partition is classified by the bounds (see :func:`abc_classes`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from collections.abc import Sequence
from typing import Any

import dask.dataframe as dd
import numpy as np
import numpy.typing as npt
import pandas as pd

from custvalue import clv
from custvalue import tiers
from custvalue._core.validation import check_choice
from custvalue._core.validation import check_dataframe
from custvalue._dask.options import with_defaults
from custvalue._dask.select import pivots_of
from custvalue._dask.select import tail_sums
from custvalue._dask.select import values_between
from custvalue.errors import InputTypeError
from custvalue.errors import InputValueError

__all__ = [
    "abc_classes",
    "customer_lifetime_value",
    "fit_spend_model",
    "fit_transaction_model",
    "predict",
    "sufficient_statistics",
]

FloatArray = npt.NDArray[np.float64]
WEIGHT = "customers"
_TRANSACTION_COLUMNS = ("frequency", "recency", "T")
_SPEND_COLUMNS = ("frequency", "monetary_value")


def _check_summary(data: object, name: str, columns: Sequence[str]) -> dd.DataFrame:
    if not isinstance(data, dd.DataFrame):
        raise InputTypeError(
            f"`{name}` must be a dask DataFrame (e.g. custvalue.dask.rfm_summary(...)), "
            f"got {type(data).__name__}; use custvalue.clv directly for pandas frames."
        )
    hint = "pass the output of custvalue.dask.rfm_summary (with amount_col for the spend model)"
    check_dataframe(data._meta, name, columns, allow_empty=True, hint=hint)  # columns only
    return data


def sufficient_statistics(data: object, columns: Sequence[str]) -> pd.DataFrame:
    """Distinct rows of ``columns`` with their customer counts (column ``customers``)."""
    frame = _check_summary(data, "data", columns)
    cols = list(columns)
    counts = frame[cols].groupby(cols).size().compute()
    stats = counts.rename(WEIGHT).reset_index()
    return stats.sort_values(cols, kind="stable", ignore_index=True)


def _check_model(model: object, method: str, what: str) -> None:
    if not callable(getattr(model, method, None)) or isinstance(model, type):
        raise InputTypeError(
            f"`model` must be an instance of a {what} with a `{method}` method, got {model!r}."
        )


def fit_transaction_model(model: Any, data: object, **fit_options: Any) -> Any:
    """Fit ``model`` (BG/NBD, MBG/NBD, Pareto/NBD ...) on a Dask summary; return it."""
    _check_model(model, "expected_purchases", "transaction model (e.g. BetaGeoModel())")
    stats = sufficient_statistics(data, _TRANSACTION_COLUMNS)
    return model.fit(stats, weights=WEIGHT, **fit_options)


def fit_spend_model(model: Any, data: object, **fit_options: Any) -> Any:
    """Fit a spend model (Gamma-Gamma) on the repeat customers of a Dask summary."""
    _check_model(model, "expected_spend", "spend model (e.g. GammaGammaModel())")
    frame = _check_summary(data, "data", _SPEND_COLUMNS)
    stats = sufficient_statistics(frame[frame["frequency"] > 0], _SPEND_COLUMNS)
    return model.fit(stats, weights=WEIGHT, **fit_options)


def _per_partition(
    data: object,
    columns: Sequence[str],
    name: str,
    compute: Callable[[pd.DataFrame], Any],
) -> dd.Series:
    """Per-customer float predictions ``compute(partition)`` as a Dask Series named ``name``."""
    frame = _check_summary(data, "data", columns)
    meta = pd.Series([], dtype="float64", name=name, index=frame._meta.index)

    def part(rows: pd.DataFrame) -> pd.Series:
        if len(rows) == 0:
            return meta
        return pd.Series(compute(rows), index=rows.index, name=name, dtype="float64")

    return frame.map_partitions(part, meta=meta)


def predict(model: Any, method: str, data: object, *args: Any) -> dd.Series:
    """``model.<method>(*args, frequency, recency, T)`` of every customer, named ``method``.

    The per-customer predictions of a fitted transaction model
    (``expected_purchases``, ``probability_alive``), run on each partition.
    """
    _check_model(model, method, "fitted transaction model")
    predict_rows = getattr(model, method)
    return _per_partition(
        data,
        _TRANSACTION_COLUMNS,
        method,
        lambda f: predict_rows(*args, f["frequency"], f["recency"], f["T"]),
    )


def customer_lifetime_value(
    transaction_model: Any,
    spend_model: Any,
    data: object,
    horizon: int,
    discount_rate: float,
    margin: float,
    step: float,
) -> dd.Series:
    """Return the discounted CLV of every customer (see ``clv.customer_lifetime_value``)."""
    _check_model(transaction_model, "expected_purchases", "fitted transaction model")
    _check_model(spend_model, "expected_spend", "fitted spend model")
    clv_of = functools.partial(
        clv.customer_lifetime_value,
        transaction_model,
        spend_model,
        horizon=horizon,
        discount_rate=discount_rate,
        margin=margin,
        step=step,
    )
    return _per_partition(data, (*_TRANSACTION_COLUMNS, "monetary_value"), "clv", clv_of)


# --- ABC classes ----------------------------------------------------------------------------


def abc_classes(values: object, **options: Any) -> dd.Series:
    """Compute :func:`custvalue.dask.abc_classes` (see its documentation)."""
    if not isinstance(values, dd.Series):
        raise InputTypeError(
            f"`values` must be a dask Series (e.g. a column of a custvalue.dask summary), "
            f"got {type(values).__name__}; use custvalue.tiers.abc_classes for pandas."
        )
    given = with_defaults(tiers.abc_classes, options)
    cutoffs, labels, rule, negative = (given[k] for k in ("cutoffs", "labels", "rule", "negative"))
    check_choice(rule, "rule", ("value", "count"))
    check_choice(negative, "negative", ("error", "separate"))
    # Validates cutoffs and labels exactly as in memory, and yields the categories.
    probe = tiers.abc_classes(pd.Series([1.0]), **given)
    categories = list(probe.cat.categories)
    k = len(labels) - 1
    cuts = np.asarray(
        cutoffs if cutoffs is not None else ((0.8, 0.95) if rule == "value" else (0.2, 0.5)),
        dtype=np.float64,
    )
    by_count = rule == "count"
    name = values.name if values.name is not None else "abc_class"
    bounds = _abc_bounds(values, cuts, by_count, negative, k)
    meta = pd.Series(
        pd.Categorical([], categories=categories), name=name, index=values._meta.index
    )

    def classify(part: pd.Series) -> pd.Series:
        v = part.to_numpy(dtype=np.float64)
        codes = np.full(v.size, k, dtype=np.int8)
        for j in range(k - 1, -1, -1):
            codes[v >= bounds[j]] = j
        codes[v < 0] = k + 1
        return pd.Series(
            pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(categories)),
            index=part.index,
            name=name,
        )

    return values.map_partitions(classify, meta=meta)


def _abc_bounds(
    values: dd.Series, cutoffs: FloatArray, by_count: bool, negative: str, k: int
) -> FloatArray:
    """Class lower bounds of the whole Series, from counts and sums above candidate values.

    ``above(x)``, the sum (count) of the values strictly larger than ``x``,
    falls as ``x`` grows, so the values of classes ``0 .. j`` are those with
    ``above(x) / total < cutoffs[j]``: an upper set, whose smallest member is
    ``bounds[j]``.  The pivots of :func:`custvalue._dask.select.pivots_of`
    (the minimum and maximum among them) with ``above`` at each pivot bracket
    it between two consecutive pivots; the few values strictly between them
    are then fetched and tried from the largest down.
    """
    # held while the passes run (a custvalue.dask summary would be rebuilt by each)
    frame = values.rename("v").to_frame().persist()
    lowest, finite, n = dd.compute(
        frame["v"].min(), np.isfinite(frame["v"]).all(), (frame["v"] >= 0).sum()
    )
    if not finite:
        raise InputValueError("`values` holds NaN or infinite values; drop or fill them first.")
    if lowest < 0 and negative == "error":
        raise InputValueError(
            f"`values` has negative values (the lowest is {lowest!r}); cumulative shares need "
            f'nonnegative contributions; fix by passing negative="separate" to put them in '
            f"their own class, or drop them first."
        )
    parts, (pivots,) = pivots_of(frame[frame["v"] >= 0], ["v"])
    if not (pivots.size and pivots[-1] > 0):
        raise InputValueError(
            "`values` has no positive value (its total is zero), so shares are undefined; "
            "pass values with a positive total."
        )
    # a power of two keeps the sums finite (shares do not depend on the unit), as in memory
    largest = float(pivots[-1])
    scale = 1.0 if np.isfinite(4.0 * largest * n) else float(np.ldexp(1.0, -np.frexp(largest)[1]))
    count_above, count_at_least, sum_above, sum_at_least = tail_sums(parts, "v", pivots, scale)
    total = float(n) if by_count else float(sum_at_least[0])
    above = count_above if by_count else sum_above
    at_least = count_at_least if by_count else sum_at_least
    # the first pivot inside classes 0 .. j (the largest pivot always is: nothing is above it)
    first = [int(np.argmax(above / total < c)) for c in cutoffs]
    intervals = [(float(pivots[max(h - 1, 0)]), float(pivots[h])) for h in first]
    inside = values_between(parts, ["v"], [intervals])
    bounds = np.empty(k)
    for j, h in enumerate(first):
        bounds[j] = pivots[h]
        between = np.sort(np.concatenate([part[0][j] for part in inside]))[::-1]
        if h == 0 or between.size == 0:
            continue
        steps = np.ones(between.size) if by_count else between * scale
        # ``above`` of each value: the values from the pivot up, then the larger ones between
        running = np.concatenate(([float(at_least[h])], steps)).cumsum()[:-1]
        tied = np.concatenate(([False], between[1:] == between[:-1]))
        running = np.maximum.accumulate(np.where(tied, -np.inf, running))
        inside_class = running / total < cutoffs[j]
        if inside_class.any():
            bounds[j] = between[inside_class][-1]
    return bounds
