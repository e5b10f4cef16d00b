"""Model fits, per-customer predictions and ABC classes on Dask summaries.

Fits reduce the summary to its sufficient statistics on the workers: the
distinct ``(frequency, recency, T)`` rows (``(frequency, monetary_value)`` for
the spend model) with the number of customers holding each, a small frame the
in-memory weighted maximum likelihood is run on.  The likelihood of the
in-memory fit folds identical rows into the same weights, so the two fits
optimise the same function.

Predictions run the fitted in-memory model on each partition.  ABC classes
need a global cumulative share, computed in passes: totals, then a global sort
by value with one running sum per partition, then the class of each customer
from the class bounds (see :func:`abc_classes`).
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


def _local_bounds(
    part: pd.DataFrame, cutoffs: FloatArray, by_count: bool, total: float, k: int
) -> pd.DataFrame:
    """Class lower bounds found in one partition of the globally sorted values.

    ``part`` holds the values (column ``v``, largest first) and the running
    sum (or count) of the values of all earlier partitions (column ``before``,
    constant).  ``inf`` where the partition holds no value of that class or better.
    """
    bounds = np.full(k, np.inf)
    v = part["v"].to_numpy(dtype=np.float64)
    if v.size:
        steps = np.ones(v.size) if by_count else v
        running = np.cumsum(np.concatenate(([float(part["before"].iloc[0])], steps)))[:-1]
        # the first item of each tie group carries the group's share ``above``
        first = np.ones(v.size, dtype=np.bool_)
        first[1:] = v[1:] != v[:-1]
        above = running[first] / total
        values = v[first]
        cls = np.searchsorted(cutoffs, above, side="right")  # first j with above < cutoffs[j]
        for j in range(k):
            better = cls <= j
            if better.any():
                bounds[j] = values[better].min()
    return pd.DataFrame([bounds], columns=[f"b{j}" for j in range(k)])


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
    """Class lower bounds of the whole Series: totals, then a global sort by value."""
    # persisted first: a global sort of a frame that still holds a p2p shuffle (a
    # custvalue.dask summary) never finishes on a distributed cluster
    frame = values.rename("v").to_frame().persist()
    lowest, finite = dd.compute(frame["v"].min(), np.isfinite(frame["v"]).all())
    if not finite:
        raise InputValueError("`values` holds NaN or infinite values; drop or fill them first.")
    if lowest < 0 and negative == "error":
        raise InputValueError(
            f"`values` has negative values (the lowest is {lowest!r}); cumulative shares need "
            f'nonnegative contributions; fix by passing negative="separate" to put them in '
            f"their own class, or drop them first."
        )
    kept = frame[frame["v"] >= 0]
    ordered = kept.sort_values("v", ascending=False, shuffle_method="tasks")
    sums = ordered.map_partitions(
        lambda p: pd.DataFrame({"n": [len(p)], "s": [float(p["v"].sum())]}),
        meta=pd.DataFrame({"n": pd.Series(dtype="int64"), "s": pd.Series(dtype="float64")}),
    ).compute()
    steps = sums["n"].to_numpy(np.float64) if by_count else sums["s"].to_numpy(np.float64)
    total = float(steps.sum())
    if not float(sums["s"].sum()) > 0:
        raise InputValueError(
            "`values` has no positive value (its total is zero), so shares are undefined; "
            "pass values with a positive total."
        )
    before = np.concatenate(([0.0], np.cumsum(steps)))[:-1]
    meta = pd.DataFrame({f"b{j}": pd.Series(dtype="float64") for j in range(k)})
    parts = [
        ordered.partitions[i].map_partitions(
            lambda p, b=float(before[i]): _local_bounds(
                p.assign(before=b), cutoffs, by_count, total, k
            ),
            meta=meta,
        )
        for i in range(ordered.npartitions)
    ]
    found = dd.concat(parts).compute()
    return np.asarray(found.min(axis=0).to_numpy(), dtype=np.float64)
