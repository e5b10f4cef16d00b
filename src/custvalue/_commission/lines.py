"""Reading sales lines: amounts in minor units, tiers, kinds, salesperson and period codes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from custvalue._commission import kernels as _k
from custvalue._commission.plan import CommissionPlan
from custvalue._commission.rates import money_scalar
from custvalue._commission.rates import show
from custvalue._core.arrays import first_true
from custvalue._core.ids import factorize_sorted_ids
from custvalue._core.money import to_minor_units
from custvalue._core.validation import check_dataframe
from custvalue.errors import InputTypeError
from custvalue.errors import InputValueError

IntArray = npt.NDArray[np.int64]


def label_codes(values: pd.Series, name: str) -> tuple[IntArray, pd.Index]:
    """Dense codes of labels (salespeople) and the labels, sorted where they can be.

    The id coding of :func:`custvalue._core.ids.factorize_sorted_ids`: integer
    and string labels come out ascending, categoricals in category order;
    other labels in ascending order when they compare, else in order of first
    appearance.  A missing label is refused.
    """
    if not (isinstance(values.dtype, np.dtype) and values.dtype.kind in "iu"):
        if (pos := first_true(values.isna().to_numpy())) is not None:
            raise InputValueError(
                f"column {name!r} has a missing value at position {pos}; every line needs one "
                f"(fill it or remove the line)."
            )
    codes, labels, ascending = factorize_sorted_ids(values)
    if ascending:
        return codes, labels
    try:
        order = np.argsort(labels.to_numpy(), kind="stable")
    except TypeError:
        return codes, labels
    remap = np.empty(order.size, dtype=np.int64)
    remap[order] = np.arange(order.size, dtype=np.int64)
    return remap[codes], labels[order]


def _date_values(s: pd.Series, date_col: str) -> tuple[IntArray, int]:
    """Dates of column ``s`` (named ``date_col``) as int64 counts of their unit, per day.

    Returns the wall-time counts and the number of units per day.
    """
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        s = s.dt.tz_localize(None)  # wall time
    if not pd.api.types.is_datetime64_dtype(s.dtype):
        raise InputTypeError(
            f"column {date_col!r} must hold datetimes, got dtype {s.dtype}; convert it "
            f"with pandas.to_datetime(...) first."
        )
    d = np.ascontiguousarray(s.to_numpy())
    unit, count = np.datetime_data(d.dtype)
    per_day = {
        "D": 1,
        "h": 24,
        "m": 1440,
        "s": 86_400,
        "ms": 86_400_000,
        "us": 86_400_000_000,
        "ns": 86_400_000_000_000,
    }.get(unit)
    if per_day is None or per_day % count:
        d = d.astype("datetime64[ns]")
        per_day, count = 86_400_000_000_000, 1
    return d.view(np.int64), per_day // count


FREQ_CODES = {None: 0, "M": 1, "Q": 2, "Y": 3}


def period_codes(
    lines: pd.DataFrame, date_col: str, period: str | None
) -> tuple[IntArray, IntArray, int, int]:
    """Sort key (the date's int64 count), period code, first ordinal, number of periods."""
    key, per_day = _date_values(lines[date_col], date_col)
    codes = np.empty(key.size, dtype=np.int64)
    first, n_per = _k.date_periods(key, per_day, FREQ_CODES[period], codes)
    if n_per < 0:
        raise InputValueError(
            f"column {date_col!r} has a missing date at position {first}; every line needs a date."
        )
    return key, codes, int(first), max(int(n_per), 1)


def period_labels(period: str | None, first: int, n_per: int) -> Any:
    if period is None:
        return None
    return pd.arrays.PeriodArray(
        np.arange(first, first + max(n_per, 1), dtype=np.int64), dtype=pd.PeriodDtype(period)
    )


def limits(value: object, name: str, sp_labels: pd.Index, decimals: int) -> IntArray | None:
    """Cap or floor per salesperson (minor units, -1 = none)."""
    if value is None:
        return None
    out = np.full(len(sp_labels), -1, dtype=np.int64)
    if isinstance(value, pd.Series | Mapping):
        items = value.items()
        pos = {lab: i for i, lab in enumerate(sp_labels.tolist())}
        for key, v in items:
            if v is None or (isinstance(v, float) and np.isnan(v)):
                continue
            m = money_scalar(v, f"{name}[{key!r}]", decimals)
            if m < 0:
                raise InputValueError(f"`{name}[{key!r}]` must be >= 0, got {v!r}.")
            i = pos.get(key)
            if i is not None:
                out[i] = m
        return out
    m = money_scalar(value, name, decimals)
    if m < 0:
        raise InputValueError(f"`{name}` must be >= 0, got {value!r}.")
    out[:] = m
    return out


def line_ids(lines: pd.DataFrame, line_id_col: str | None) -> pd.Index:
    ids = pd.Index(lines.index if line_id_col is None else lines[line_id_col])
    if not ids.is_unique:
        dup = ids[ids.duplicated()][0]
        where = "the index of `lines`" if line_id_col is None else f"column {line_id_col!r}"
        raise InputValueError(
            f"line ids in {where} must be unique to link returns and splits, but {dup!r} repeats."
        )
    result: pd.Index = ids
    return result


def product_table(
    products: object,
    plan: CommissionPlan,
    product_col: str,
    price_col: str,
    cost_col: str,
    decimals: int,
    mode: int,
    amount_units: str,
) -> tuple[pd.DataFrame, IntArray, IntArray, IntArray]:
    """Validate products; return them with price, margin (minor units) and tier."""
    df = check_dataframe(products, "products", [product_col, price_col, cost_col])
    ids = pd.Index(df[product_col])
    if ids.hasnans:
        raise InputValueError(f"`products` column {product_col!r} has a missing product id.")
    if not ids.is_unique:
        raise InputValueError(
            f"`products` column {product_col!r} lists product {ids[ids.duplicated()][0]!r} "
            f"more than once; give each product one price and cost."
        )
    rounding = "half_even" if mode == 0 else "half_up"
    price, cost = (
        to_minor_units(df[c], decimals, rounding, name=f"products[{c!r}]", units=amount_units)
        for c in (price_col, cost_col)
    )
    if (i := first_true(price <= 0)) is not None:
        raise InputValueError(
            f"`products` row for product {show(ids[i])} has cost without a positive price "
            f"({price_col!r} = {show(df[price_col].iloc[i])}); give it a price above 0."
        )
    if (i := first_true(cost < 0)) is not None:
        raise InputValueError(
            f"`products` column {cost_col!r} must be >= 0, product {show(ids[i])} has "
            f"{show(df[cost_col].iloc[i])}."
        )
    margin = price - cost
    tier = np.empty(price.size, dtype=np.int64)
    _k.margin_tiers(margin, price, plan._lowers(), tier)
    return df, price, margin, tier


# --- public functions ---------------------------------------------------------------------
