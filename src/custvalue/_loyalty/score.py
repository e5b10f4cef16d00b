"""The explainable loyalty score (see :func:`custvalue.loyalty.loyalty_score`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

import numpy as np
import pandas as pd

from custvalue._core.arrays import FloatArray
from custvalue._core.ranks import percentile_rank
from custvalue._core.rhythm import overdue_ratio
from custvalue._core.rhythm import purchase_rhythm
from custvalue._core.summary import summary_arrays
from custvalue._core.validation import as_float_array
from custvalue._core.validation import check_consistent_length
from custvalue._core.validation import check_dataframe
from custvalue._core.validation import check_scalar
from custvalue._loyalty.kernels import combine_components
from custvalue.errors import InputTypeError
from custvalue.errors import InputValueError

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
    frequency, recency, T = summary_arrays(summary)
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
    r"""Score every customer's loyalty from 0 to 100 from explainable components.

    Parameters
    ----------
    summary : pandas.DataFrame
        One row per customer with columns ``frequency`` (repeat purchase
        periods, whole numbers), ``recency`` and ``T``, as returned by
        :func:`custvalue.rfm.rfm_summary` (or lifetimes).  Its index (unique)
        identifies the customers.  Not modified.
    weights : mapping, optional
        Component name -> non-negative weight.  Default
        :data:`DEFAULT_WEIGHTS`: recency 30, frequency 20, tenure 10,
        regularity 10, spend_trend 10, p_alive 10, satisfaction 10.  A given
        mapping *replaces* the defaults: components it does not name get
        weight 0.  Weights are rescaled to sum to 1, so only their ratios
        matter.
    p_alive : array-like, optional
        Probability that each customer is still active, in ``[0, 1]``, e.g.
        ``model.probability_alive(frequency, recency, T)`` of a fitted
        :mod:`custvalue.clv` model.  One value per row of ``summary``; a
        Series is aligned on the index, anything else is taken in row order.
    satisfaction : array-like, optional
        A per-customer satisfaction measure on any scale where higher is
        better (survey score, CSAT, NPS answer ...).  Missing values (NaN,
        ``None``) mark non-respondents.  Aligned as ``p_alive``.
    regularity : pandas.DataFrame, optional
        The output of :func:`purchase_regularity` for the same customers (same
        index, any row order): its ``cv_interval`` column feeds the
        regularity component and, when present (computed with
        ``amount_col``), its ``spend_trend`` column the spend-trend component.
    spend_trend : array-like, optional
        A spend-trend measure per customer (higher is better; NaN =
        undefined) that replaces ``regularity["spend_trend"]``.  Aligned as
        ``p_alive``.

    Returns
    -------
    LoyaltyScore
        ``score`` (Series named ``loyalty_score``), ``components``,
        ``contributions``, ``measures`` and the ``weights`` used.

    Raises
    ------
    InputTypeError
        If ``summary`` or ``regularity`` is not a DataFrame, ``weights`` is not
        a mapping of numbers, or an input is not numeric.
    MissingColumnError
        If ``summary`` lacks ``frequency``, ``recency`` or ``T``, or
        ``regularity`` lacks ``cv_interval``.
    InputValueError
        For an empty summary, a non-unique index, NaN/inf or negative values,
        ``recency > T``, ``frequency`` and ``recency`` that disagree about
        repeat purchases, ``p_alive`` outside ``[0, 1]``, inputs whose length
        or index does not match ``summary``, an unknown weight name, a
        negative weight, weights that are all zero, or a positive weight for
        a component whose input was not passed.

    Notes
    -----
    **Components** (each from the inputs named; "better" is more loyal):

    ==============  ==================================================  =================
    component       measure                                             better when
    ==============  ==================================================  =================
    recency         ``overdue_ratio = (T - recency) / rhythm``          lower
    frequency       ``frequency`` (repeat purchase periods)             higher
    tenure          ``T`` (periods since the first purchase)            higher
    regularity      ``regularity["cv_interval"]``                       lower
    spend_trend     ``spend_trend`` or ``regularity["spend_trend"]``    higher
    p_alive         ``p_alive``                                         higher
    satisfaction    ``satisfaction``                                    higher
    ==============  ==================================================  =================

    The recency component measures inactivity against the customer's *own*
    rhythm, ``rhythm = recency / frequency`` (the mean gap between purchase
    occasions).  A customer without repeat purchases has no rhythm of their
    own and is measured against the median rhythm of the customers who have
    one (against 1 period when nobody has, which ranks by plain inactivity).

    **Normalisation.**  Each measure becomes a tie-safe percentile rank among
    the customers for whom it is defined: with ``n`` such customers, ``b`` of
    them strictly worse than the customer and ``e`` equal to them (the
    customer included),

    .. math:: c = 100 \, \frac{b + (e - 1)/2}{n - 1},

    the share of the *other* customers beaten, ties counted half.  The worst
    customer gets 0, the best 100, tied customers the same value, and 50 when
    all are tied or ``n = 1``.  Ranks make components on different scales
    comparable and are not moved by outliers.

    **Missing inputs.**  A component whose input is not passed is left out:
    with the default weights its weight is dropped and the others are
    rescaled to sum to 1 (with only ``summary``: recency 50 %, frequency
    33.3 %, tenure 16.7 %).  Explicit ``weights`` may not give a positive
    weight to such a component (an error, to catch a forgotten input).
    Within a passed input, a component can be *undefined* for a customer:
    regularity for fewer than three purchase occasions (NaN
    ``cv_interval``), spend trend for a single occasion, satisfaction for
    non-respondents.  The customer is then scored on their defined
    components, their weights rescaled to sum to 1 for that customer:

    .. math:: \text{score} = \frac{\sum_{k \in D} w_k c_k}{\sum_{k \in D} w_k},

    with ``D`` the positively weighted components defined for the customer.
    ``contributions`` holds the terms :math:`w_k c_k / \sum_{D} w_k`.  The
    score is therefore a weighted mean of ranks: within ``[0, 100]`` and
    non-decreasing in every component when the others are fixed.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.loyalty import loyalty_score
    >>> summary = pd.DataFrame(
    ...     {"frequency": [4, 1, 0], "recency": [40.0, 10.0, 0.0], "T": [50.0, 40.0, 5.0]},
    ...     index=pd.Index(["a", "b", "c"], name="customer_id"),
    ... )
    >>> result = loyalty_score(summary)
    >>> result.measures
                 overdue_ratio  frequency     T
    customer_id
    a                      1.0        4.0  50.0
    b                      3.0        1.0  40.0
    c                      0.5        0.0   5.0
    >>> result.to_frame().round(2)
                 loyalty_score  recency  frequency  tenure
    customer_id
    a                    75.00     50.0      100.0    100.0
    b                    25.00      0.0       50.0     50.0
    c                    50.00    100.0        0.0      0.0
    >>> dict(result.weights)  # doctest: +NUMBER
    {'recency': 0.5, 'frequency': 0.333, 'tenure': 0.167}
    """
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
