"""The explainable loyalty score (see :func:`custvalue.loyalty.loyalty_score`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from custvalue._core.ranks import percentile_rank
from custvalue._core.rhythm import overdue_ratio, purchase_rhythm
from custvalue._core.summary import history_arrays
from custvalue._core.validation import (
    as_float_array,
    check_consistent_length,
    check_dataframe,
    check_scalar,
)
from custvalue._loyalty.kernels import combine_components
from custvalue.errors import InputTypeError, InputValueError

FloatArray = npt.NDArray[np.float64]

#: The loyalty-score components, in the order of the result columns.
COMPONENTS: Final[tuple[str, ...]] = (
    "recency",
    "frequency",
    "tenure",
    "regularity",
    "spend_trend",
    "p_alive",
    "satisfaction",
)


#: Default weights of :func:`loyalty_score` (points out of 100 when every input is given).
DEFAULT_WEIGHTS: Final[Mapping[str, float]] = MappingProxyType(
    {
        "recency": 30.0,
        "frequency": 20.0,
        "tenure": 10.0,
        "regularity": 10.0,
        "spend_trend": 10.0,
        "p_alive": 10.0,
        "satisfaction": 10.0,
    }
)


# The measure behind each component, as reported in LoyaltyScore.measures.
_MEASURES: Final[dict[str, str]] = {
    "recency": "overdue_ratio",
    "frequency": "frequency",
    "tenure": "T",
    "regularity": "cv_interval",
    "spend_trend": "spend_trend",
    "p_alive": "p_alive",
    "satisfaction": "satisfaction",
}


_LOWER_IS_BETTER: Final[frozenset[str]] = frozenset({"recency", "regularity"})


def _nan_allowed_array(values: object, name: str, *, nonnegative: bool = False) -> FloatArray:
    """Like :func:`as_float_array`, but missing values (NaN/None/NA) become NaN."""
    if isinstance(values, pd.Series):
        if isinstance(values.dtype, pd.CategoricalDtype):
            raise InputTypeError(f"`{name}` must be numeric, got a categorical column.")
        raw = values.to_numpy()
    else:
        raw = np.asarray(values)
    if raw.ndim == 0:
        raw = raw.reshape(1)
    missing = np.asarray(pd.isna(raw), dtype=np.bool_) if raw.ndim == 1 else None
    if missing is None or not missing.any():
        return as_float_array(raw, name, nonnegative=nonnegative)
    known = as_float_array(raw[~missing], name, nonnegative=nonnegative, allow_empty=True)
    out = np.full(raw.shape[0], np.nan)
    out[~missing] = known
    return out


def _per_customer(values: object, name: str, index: pd.Index, *, allow_nan: bool) -> FloatArray:
    """Return one value per customer: a Series is aligned on ``index``, others by position."""
    if isinstance(values, pd.DataFrame):
        raise InputTypeError(
            f"`{name}` must be one value per customer (array or Series), got a DataFrame; "
            f"pass one column, e.g. frame[{name!r}]."
        )
    if isinstance(values, pd.Series):
        values = _align_series(values, name, index)
    arr = _nan_allowed_array(values, name) if allow_nan else as_float_array(values, name)
    check_consistent_length(summary=range(len(index)), **{name: arr})
    return arr


def _align_series(values: pd.Series, name: str, index: pd.Index) -> pd.Series:
    if values.index.equals(index):
        return values
    if (
        len(values) == len(index)
        and values.index.is_unique
        and bool(values.index.isin(index).all())
    ):
        return values.reindex(index)
    raise InputValueError(
        f"the index of `{name}` does not hold the customers of `summary` "
        f"({len(values)} entries vs {len(index)} customers); compute it from the same "
        f"customers, or pass a plain array in the order of `summary`."
    )


@dataclass(frozen=True, slots=True)
class LoyaltyScore:
    """A loyalty score per customer with everything needed to explain it.

    Attributes
    ----------
    score : pandas.Series
        The score in ``[0, 100]`` (NaN only when no positively weighted
        component is defined for the customer), indexed like the summary.
    components : pandas.DataFrame
        One column per available component: the customer's percentile rank
        in ``[0, 100]`` on that component (higher is more loyal), NaN where
        the component is undefined for the customer.
    contributions : pandas.DataFrame
        Points each component adds to the score; every row sums to
        ``score``.  0 for an undefined or zero-weighted component.
    measures : pandas.DataFrame
        The raw measure behind each component (``overdue_ratio``,
        ``frequency``, ``T``, ``cv_interval``, ``spend_trend``, ``p_alive``,
        ``satisfaction``), so a rank can be traced back to the data.
    weights : Mapping[str, float]
        Weight of each available component, scaled to sum to 1.
    """

    score: pd.Series
    components: pd.DataFrame
    contributions: pd.DataFrame
    measures: pd.DataFrame
    weights: Mapping[str, float]

    def to_frame(self) -> pd.DataFrame:
        """Return the score and the components side by side (columns ``loyalty_score``, ...)."""
        return pd.concat([self.score.rename("loyalty_score"), self.components], axis=1)


def _check_weights(weights: object, available: list[str]) -> dict[str, float]:
    """Validate ``weights``; return the weight of every available component (sum 1)."""
    if weights is None:
        raw = {name: DEFAULT_WEIGHTS[name] for name in available}
    else:
        if not isinstance(weights, Mapping):
            raise InputTypeError(
                f"`weights` must be a mapping of component name to weight, got "
                f"{type(weights).__name__}; e.g. {{'recency': 40, 'frequency': 60}}."
            )
        raw = {}
        for key, value in weights.items():
            if key not in COMPONENTS:
                listed = ", ".join(repr(c) for c in COMPONENTS)
                raise InputValueError(
                    f"`weights` has an unknown component {key!r}; use names among {listed}."
                )
            raw[key] = check_scalar(value, f"weights[{key!r}]", low=0.0)
        for key, value in raw.items():
            if value > 0 and key not in available:
                raise InputValueError(
                    f"`weights[{key!r}]` is {value:g} but the {key!r} component has no input; "
                    f"pass {_input_hint(key)}, or set its weight to 0."
                )
        raw = {name: raw.get(name, 0.0) for name in available}
    total = sum(raw.values())
    if total <= 0:
        raise InputValueError(
            "`weights` are all zero for the available components; give at least one "
            "component a positive weight."
        )
    return {name: w / total for name, w in raw.items()}


def _input_hint(component: str) -> str:
    return {
        "regularity": "`regularity=purchase_regularity(...)`",
        "spend_trend": "`spend_trend=...` or a `regularity` frame computed with `amount_col`",
        "p_alive": "`p_alive=model.probability_alive(...)`",
        "satisfaction": "`satisfaction=...`",
    }.get(component, "it")


def _frame(block: FloatArray, columns: list[str], index: pd.Index) -> pd.DataFrame:
    """Wrap a ``(k, n)`` block as an ``n x k`` DataFrame without copying it."""
    return pd.DataFrame(block.T, index=index, columns=columns, copy=False)


def _summary_measures(summary: pd.DataFrame) -> dict[str, FloatArray]:
    """Validate the RFM triple and derive the recency, frequency and tenure measures."""
    frequency, recency, T = history_arrays(
        summary["frequency"],
        summary["recency"],
        summary["T"],
        summary.index,
        names=("column 'frequency'", "column 'recency'", "column 'T'"),
    )
    rhythm = purchase_rhythm(frequency, recency, if_no_repeats=1.0)
    return {
        "recency": overdue_ratio(recency, T, rhythm),
        "frequency": frequency,
        "tenure": T,
    }


def loyalty_score(
    summary: pd.DataFrame,
    *,
    weights: Mapping[str, float] | None = None,
    p_alive: object = None,
    satisfaction: object = None,
    regularity: pd.DataFrame | None = None,
    spend_trend: object = None,
) -> LoyaltyScore:
    """Compute :func:`custvalue.loyalty.loyalty_score` (documented there)."""
    summary = check_dataframe(summary, "summary", ["frequency", "recency", "T"])
    index = summary.index
    if not index.is_unique:
        raise InputValueError(
            "`summary` has duplicate index labels; the index must identify each customer once."
        )
    measures = _summary_measures(summary)
    if regularity is not None:
        frame = check_dataframe(regularity, "regularity", ["cv_interval"])
        if not frame.index.equals(index):
            if (
                not frame.index.is_unique
                or len(frame) != len(index)
                or not bool(frame.index.isin(index).all())
            ):
                raise InputValueError(
                    f"`regularity` does not hold the customers of `summary` ({len(frame)} rows "
                    f"vs {len(index)} customers); compute both from the same log and "
                    f"observation_end."
                )
            frame = frame.reindex(index)
        measures["regularity"] = _nan_allowed_array(
            frame["cv_interval"], "column 'cv_interval' of `regularity`", nonnegative=True
        )
        if spend_trend is None and "spend_trend" in frame.columns:
            measures["spend_trend"] = _nan_allowed_array(
                frame["spend_trend"], "column 'spend_trend' of `regularity`"
            )
    if spend_trend is not None:
        measures["spend_trend"] = _per_customer(spend_trend, "spend_trend", index, allow_nan=True)
    if p_alive is not None:
        pa = _per_customer(p_alive, "p_alive", index, allow_nan=False)
        if (bad := (pa < 0) | (pa > 1)).any():
            i = int(np.flatnonzero(bad)[0])
            raise InputValueError(
                f"`p_alive` must be probabilities in [0, 1], but has {int(bad.sum())} value(s) "
                f"outside, first {pa[i]!r} at position {i}."
            )
        measures["p_alive"] = pa
    if satisfaction is not None:
        measures["satisfaction"] = _per_customer(
            satisfaction, "satisfaction", index, allow_nan=True
        )
    available = [name for name in COMPONENTS if name in measures]
    used = _check_weights(weights, available)

    comps = np.empty((len(available), len(index)))
    for j, name in enumerate(available):
        comps[j] = percentile_rank(measures[name], name not in _LOWER_IS_BETTER)
    w = np.array([used[name] for name in available])
    score, contrib = combine_components(comps, w)
    # (k, n) C-ordered blocks become frames without a copy (one block each).
    measure_block = np.empty_like(comps)
    for j, name in enumerate(available):
        measure_block[j] = measures[name]
    return LoyaltyScore(
        score=pd.Series(score, index=index, name="loyalty_score"),
        components=_frame(comps, available, index),
        contributions=_frame(contrib, available, index),
        measures=_frame(measure_block, [_MEASURES[name] for name in available], index),
        weights=MappingProxyType(dict(used)),
    )
