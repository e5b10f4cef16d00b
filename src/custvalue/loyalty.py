"""Loyalty: purchase rhythm, an explainable loyalty score, NPS and programme rules.

* :func:`purchase_regularity` measures each customer's own purchase rhythm
  (mean and coefficient of variation of the gaps between purchases), how
  overdue the customer is against it, and the trend of their spend.
* :func:`loyalty_score` turns an RFM summary (and, optionally, the rhythm,
  P(alive) from a CLV model and a satisfaction score) into a 0–100 score per
  customer, returned with every component so that each score can be
  explained.
* :func:`nps` computes the Net Promoter Score with its standard error and
  confidence interval, overall or by group.
* :func:`program_tiers` replays a loyalty programme's tier rules over the
  qualifying activity of each customer; :func:`points_balance` keeps a points
  ledger with first-in-first-out expiry.

All functions validate their input once, never modify it, and do no I/O.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final, Literal, overload

import numpy as np
import numpy.typing as npt
import pandas as pd

from custvalue._core.ids import sorting_order
from custvalue._core.ranks import percentile_rank
from custvalue._core.rhythm import overdue_ratio, purchase_rhythm
from custvalue._core.summary import history_arrays
from custvalue._core.transactions import (
    TransactionLog,
    filter_window,
    period_of,
    read_transactions,
)
from custvalue._core.validation import (
    as_float_array,
    check_choice,
    check_consistent_length,
    check_dataframe,
    check_scalar,
)
from custvalue._loyalty.kernels import (
    EVENT_DOWNGRADE,
    EVENT_UPGRADE,
    OUTCOME_DOWNGRADED,
    OUTCOME_GRACE,
    OUTCOME_REQUALIFIED,
    OUTCOME_UPGRADED,
    combine_components,
    points_fifo,
    regularity_stats,
    tier_timeline,
)
from custvalue.errors import InputTypeError, InputValueError

__all__ = [
    "COMPONENTS",
    "DEFAULT_WEIGHTS",
    "LoyaltyScore",
    "NPSResult",
    "TierResult",
    "loyalty_score",
    "nps",
    "points_balance",
    "program_tiers",
    "purchase_regularity",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

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

# Relative tolerance of the tier threshold comparison (see program_tiers).
_TIER_RTOL: Final[float] = 1e-9

_NS_PER_DAY: Final[int] = 86_400 * 10**9
_MAX_TIERS: Final[int] = 100


# =============================================================================
# shared helpers
# =============================================================================


def _sorted_codes(codes: IntArray, ids: pd.Index) -> tuple[IntArray, pd.Index]:
    """Re-code customers so that code order is ascending id order."""
    order = sorting_order(ids)
    if np.array_equal(order, np.arange(len(ids))):
        return codes, ids
    rank = np.empty(len(ids), dtype=np.int64)
    rank[order] = np.arange(len(ids))
    return np.ascontiguousarray(rank[codes]), ids[order]


def _days_to_datetime(days: npt.NDArray[Any]) -> npt.NDArray[np.datetime64]:
    """Day ordinals as ``datetime64[ns]`` (midnight)."""
    return (np.asarray(days, dtype=np.int64) * _NS_PER_DAY).view("datetime64[ns]")


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


# =============================================================================
# purchase regularity
# =============================================================================


def purchase_regularity(
    transactions: pd.DataFrame,
    *,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str | None = None,
    observation_end: object = None,
    freq: str = "D",
) -> pd.DataFrame:
    r"""Measure each customer's purchase rhythm and how overdue they are against it.

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per transaction, read exactly as by
        :func:`custvalue.rfm.rfm_summary` (same columns, periods and checks).
    customer_col, date_col : str
        Columns holding the customer id and the purchase time (datetime64 or
        numeric).
    amount_col : str, optional
        Column with transaction amounts (finite, ``>= 0``); when given, the
        ``spend_trend`` column is added.
    observation_end : date or number, optional
        End of the observation window (default: the latest transaction);
        later transactions are ignored, as in ``rfm_summary``.
    freq : str, default "D"
        Period length for datetime columns (pandas period alias).

    Returns
    -------
    pandas.DataFrame
        Indexed by customer id (sorted ascending, the same rows as
        ``rfm_summary`` with the same arguments), with columns

        - ``purchases`` (int): purchase occasions (distinct periods);
        - ``mean_interval``: mean gap between consecutive occasions, in periods;
        - ``std_interval``: sample standard deviation of the gaps;
        - ``cv_interval``: ``std_interval / mean_interval`` (0 = perfectly regular);
        - ``inactivity``: periods from the last occasion to ``observation_end``;
        - ``overdue_periods``: ``inactivity - mean_interval`` (positive = late);
        - ``overdue_ratio``: ``inactivity / mean_interval`` (above 1 = late);
        - ``spend_trend`` (with ``amount_col``): see Notes, in ``[-1, 1]``.

    Raises
    ------
    MissingColumnError, InputTypeError, InputValueError
        As :func:`custvalue.rfm.rfm_summary` for the log and its arguments.

    Notes
    -----
    All purchases of a customer within one period form one *occasion*; the
    gaps are the differences between consecutive occasions
    :math:`t_1 < \dots < t_m`, :math:`g_j = t_{j+1} - t_j`.  Only completed
    gaps count: the open time since the last occasion is ``inactivity``.

    - ``mean_interval`` :math:`= (t_m - t_1)/(m - 1)`, which is
      ``recency / frequency`` of the RFM summary; undefined (NaN) for a
      single occasion, and so are ``overdue_periods`` and ``overdue_ratio``.
    - ``std_interval`` uses the sample formula (divisor :math:`m - 2`, the
      number of gaps minus one), so it needs at least two gaps: it and
      ``cv_interval`` are NaN for customers with fewer than three occasions.
      Two gaps of 5 and 15 periods give ``std_interval`` 7.07 and
      ``cv_interval`` 0.71.
    - ``spend_trend`` compares the spend of the customer's later occasions
      with that of the earlier ones: with :math:`h = \lfloor m/2 \rfloor`,
      :math:`E` the total of the first :math:`h` occasions and :math:`L` that
      of the last :math:`h` (the middle occasion of an odd count is left
      out), the trend is :math:`(L - E)/(L + E)`: ``0`` for flat spend (and
      when both are zero), ``+1/3`` when the later occasions spend twice as
      much, ``-1/3`` when half as much, ``±1`` when one side spent nothing.
      It is NaN for a single occasion.  The bounded form keeps customers
      whose early spend was zero comparable.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.loyalty import purchase_regularity
    >>> log = pd.DataFrame({
    ...     "customer_id": ["a", "a", "a", "a", "b", "b", "c"],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-01-11", "2024-01-21", "2024-01-31",
    ...                             "2024-01-05", "2024-01-25", "2024-01-20"]),
    ...     "amount": [10.0, 10.0, 20.0, 20.0, 30.0, 10.0, 5.0],
    ... })
    >>> reg = purchase_regularity(log, amount_col="amount", observation_end="2024-02-10")
    >>> reg[["purchases", "mean_interval", "cv_interval", "overdue_ratio", "spend_trend"]]
                 purchases  mean_interval  cv_interval  overdue_ratio  spend_trend
    customer_id
    a                    4           10.0          0.0            1.0     0.333333
    b                    2           20.0          NaN            0.8    -0.500000
    c                    1            NaN          NaN            NaN          NaN
    """
    log = read_transactions(transactions, customer_col, date_col, amount_col, freq)
    end = (
        float(log.periods.max())
        if observation_end is None
        else period_of(observation_end, "observation_end", log, str(freq))
    )
    codes, ids, periods, amounts = filter_window(log, end)
    codes, ids = _sorted_codes(codes, ids)
    purchases, last, mean_gap, sd_gap, trend = regularity_stats(codes, periods, amounts, len(ids))
    inactivity = end - last
    with np.errstate(invalid="ignore", divide="ignore"):
        cv = sd_gap / mean_gap
        ratio = inactivity / mean_gap
    out: dict[str, npt.NDArray[Any]] = {
        "purchases": purchases,
        "mean_interval": mean_gap,
        "std_interval": sd_gap,
        "cv_interval": cv,
        "inactivity": inactivity,
        "overdue_periods": inactivity - mean_gap,
        "overdue_ratio": ratio,
    }
    if log.has_amounts:
        out["spend_trend"] = trend
    return pd.DataFrame(out, index=ids)


# =============================================================================
# loyalty score
# =============================================================================


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


# =============================================================================
# NPS
# =============================================================================


@dataclass(frozen=True, slots=True)
class NPSResult:
    """Net Promoter Score of one group of survey responses.

    Attributes
    ----------
    nps : float
        Share of promoters minus share of detractors, in percentage points
        (``-100`` to ``100``).
    standard_error : float
        Standard error of ``nps`` (percentage points).
    ci_low, ci_high : float
        Confidence interval of ``nps`` at level ``confidence``, clipped to
        ``[-100, 100]``.
    n : int
        Number of responses.
    promoters, passives, detractors : int
        Counts of responses 9–10, 7–8 and 0–6.
    confidence : float
        Level of the interval.
    """

    nps: float
    standard_error: float
    ci_low: float
    ci_high: float
    n: int
    promoters: int
    passives: int
    detractors: int
    confidence: float


_NPS_COLUMNS: Final[tuple[str, ...]] = (
    "nps",
    "standard_error",
    "ci_low",
    "ci_high",
    "n",
    "promoters",
    "passives",
    "detractors",
)


def _nps_from_counts(
    promoters: IntArray, passives: IntArray, detractors: IntArray, z: float
) -> dict[str, npt.NDArray[Any]]:
    n = promoters + passives + detractors
    p = promoters / n
    d = detractors / n
    score = 100.0 * (p - d)
    var = np.maximum(p + d - (p - d) ** 2, 0.0) / n
    se = 100.0 * np.sqrt(var)
    return {
        "nps": score,
        "standard_error": se,
        "ci_low": np.maximum(score - z * se, -100.0),
        "ci_high": np.minimum(score + z * se, 100.0),
        "n": n,
        "promoters": promoters,
        "passives": passives,
        "detractors": detractors,
    }


@overload
def nps(responses: object, *, by: None = None, confidence: float = 0.95) -> NPSResult: ...


@overload
def nps(responses: object, *, by: object, confidence: float = 0.95) -> pd.DataFrame: ...


def nps(
    responses: object, *, by: object = None, confidence: float = 0.95
) -> NPSResult | pd.DataFrame:
    r"""Net Promoter Score with its standard error and confidence interval.

    Parameters
    ----------
    responses : array-like
        Answers to "How likely are you to recommend us?" on the 0–10 scale:
        whole numbers from 0 to 10 (a list, numpy array or pandas Series;
        non-respondents must be dropped, not passed as NaN).
    by : array-like, optional
        Group label of each response (segment, store, month ...), same length
        as ``responses``.  When both are Series their indexes must match.
    confidence : float, default 0.95
        Level of the two-sided confidence interval, in ``(0, 1)``.

    Returns
    -------
    NPSResult or pandas.DataFrame
        Without ``by``, one :class:`NPSResult`.  With ``by``, a DataFrame
        indexed by group (sorted) with columns ``nps``, ``standard_error``,
        ``ci_low``, ``ci_high``, ``n``, ``promoters``, ``passives`` and
        ``detractors``; ``attrs["confidence"]`` holds the level.

    Raises
    ------
    InputTypeError
        If ``responses`` is not numeric, or group labels cannot be sorted.
    InputValueError
        If ``responses`` is empty, holds NaN, non-integers or values outside
        0–10, ``by`` has missing labels or a different length, or
        ``confidence`` is not in ``(0, 1)``.

    Notes
    -----
    Promoters answer 9 or 10, passives 7 or 8, detractors 0 to 6 [1]_.  With
    ``n`` responses and shares :math:`p` of promoters and :math:`d` of
    detractors,

    .. math::

        \mathrm{NPS} = 100\,(p - d), \qquad
        \mathrm{SE} = 100 \sqrt{\frac{p + d - (p - d)^2}{n}},

    the standard error of a difference of two proportions of one
    multinomial sample [2]_.  The interval is the Wald interval
    :math:`\mathrm{NPS} \pm z\,\mathrm{SE}` with :math:`z` the standard normal
    quantile of ``(1 + confidence) / 2``, clipped to ``[-100, 100]``.  It is
    reliable for a few dozen responses or more; it collapses to a point when
    all answers fall in one category (e.g. all promoters: NPS 100, SE 0),
    which should be read as "too few responses", not as certainty.

    References
    ----------
    .. [1] Reichheld, F. F. (2003). The one number you need to grow.
       *Harvard Business Review*, 81(12), 46-54.
    .. [2] Rocks, B. (2016). Interval estimation for the "net promoter
       score". *The American Statistician*, 70(4), 365-372.

    Examples
    --------
    >>> from custvalue.loyalty import nps
    >>> answers = [10, 9, 9, 8, 7, 6, 3, 10, 9, 0]
    >>> result = nps(answers)
    >>> result.nps, result.promoters, result.passives, result.detractors
    (20.0, 5, 2, 3)
    >>> round(result.standard_error, 2)
    27.57
    >>> table = nps(answers, by=["web"] * 6 + ["store"] * 4)
    >>> table[["nps", "n", "promoters", "passives", "detractors"]].round(1)
            nps  n  promoters  passives  detractors
    store   0.0  4          2         0           2
    web    33.3  6          3         2           1
    """
    conf = check_scalar(
        confidence, "confidence", low=0.0, high=1.0, low_inclusive=False, high_inclusive=False
    )
    z = statistics.NormalDist().inv_cdf((1.0 + conf) / 2.0)
    scores = as_float_array(responses, "responses", integer=True)
    if (bad := (scores < 0) | (scores > 10)).any():
        i = int(np.flatnonzero(bad)[0])
        raise InputValueError(
            f"`responses` must be answers on the 0-10 scale, but has {int(bad.sum())} value(s) "
            f"outside it, first {scores[i]:g} at position {i}; drop or correct them."
        )
    category = np.where(scores >= 9, 2, np.where(scores >= 7, 1, 0)).astype(np.int64)
    if by is None:
        counts = np.bincount(category, minlength=3)
        out = _nps_from_counts(counts[2:3], counts[1:2], counts[0:1], z)
        return NPSResult(
            nps=float(out["nps"][0]),
            standard_error=float(out["standard_error"][0]),
            ci_low=float(out["ci_low"][0]),
            ci_high=float(out["ci_high"][0]),
            n=int(out["n"][0]),
            promoters=int(counts[2]),
            passives=int(counts[1]),
            detractors=int(counts[0]),
            confidence=conf,
        )
    if isinstance(by, pd.DataFrame):
        raise InputTypeError("`by` must be one label per response (1-D), got a DataFrame.")
    if isinstance(by, pd.Series):
        labels = by
    else:
        raw = np.asarray(by, dtype=object)
        if raw.ndim != 1:
            raise InputTypeError(
                f"`by` must be one label per response (1-D), got shape {raw.shape}."
            )
        labels = pd.Series(raw)
    check_consistent_length(responses=scores, by=labels.to_numpy())
    if (
        isinstance(responses, pd.Series)
        and isinstance(by, pd.Series)
        and not responses.index.equals(by.index)
    ):
        raise InputValueError(
            "`responses` and `by` are Series with different indexes; align them first "
            "(e.g. take both from one DataFrame)."
        )
    if (missing := labels.isna().to_numpy()).any():
        i = int(np.flatnonzero(missing)[0])
        raise InputValueError(
            f"`by` has {int(missing.sum())} missing group label(s), first at position {i}; "
            f"fill them (e.g. with 'unknown') or drop those responses."
        )
    try:
        codes, groups = pd.factorize(labels, sort=True)
    except TypeError:
        raise InputTypeError(
            "`by` mixes labels that cannot be sorted (e.g. numbers and strings); "
            "convert them to one type, e.g. with .astype(str)."
        ) from None
    k = len(groups)
    flat = np.bincount(codes * 3 + category, minlength=3 * k).reshape(k, 3)
    table = _nps_from_counts(flat[:, 2], flat[:, 1], flat[:, 0], z)
    frame = pd.DataFrame(
        table,
        index=pd.Index(groups, name=labels.name),
        columns=list(_NPS_COLUMNS),
    )
    frame.attrs["confidence"] = conf
    return frame


# =============================================================================
# programme tiers
# =============================================================================


@dataclass(frozen=True, slots=True)
class TierResult:
    """Tiers held by each customer and how they got there.

    Attributes
    ----------
    tiers : pandas.DataFrame
        One row per customer (index: customer id, sorted) after all activity
        and evaluations: ``tier`` (ordered categorical), ``level`` (int, 0 =
        lowest tier), ``since`` (date the tier was entered; the first
        activity date for customers who never changed tier) and
        ``failed_evaluations`` (consecutive evaluations failed in the
        current tier, i.e. grace used).
    history : pandas.DataFrame
        One row per tier change, sorted by customer then date: the customer
        column, ``date``, ``from_tier``, ``to_tier``, ``event``
        (``"upgrade"`` / ``"downgrade"``) and ``qualifying_value`` (the value
        in the window that day).
    evaluations : pandas.DataFrame
        One row per customer and evaluation date on or after the customer's
        first activity, sorted by customer then date: the customer column,
        ``date``, ``qualifying_value``, ``qualified_tier`` (highest tier the
        value reaches), ``tier_before``, ``tier`` (held afterwards) and
        ``outcome`` (``"requalified"``, ``"grace"``, ``"downgraded"`` or
        ``"upgraded"``).
    """

    tiers: pd.DataFrame
    history: pd.DataFrame
    evaluations: pd.DataFrame


_WINDOW_RE: Final = re.compile(r"rolling-(\d+)M")
_OUTCOMES: Final[tuple[str, ...]] = ("requalified", "grace", "downgraded", "upgraded")
_EVENTS: Final[tuple[str, ...]] = ("upgrade", "downgrade")
assert (OUTCOME_REQUALIFIED, OUTCOME_GRACE, OUTCOME_DOWNGRADED, OUTCOME_UPGRADED) == (0, 1, 2, 3)
assert (EVENT_UPGRADE, EVENT_DOWNGRADE) == (0, 1)


def _check_window(window: object) -> int:
    """Months of a rolling window, or 0 for the calendar year."""
    if window == "calendar-year":
        return 0
    if isinstance(window, str) and (m := _WINDOW_RE.fullmatch(window)) and int(m[1]) >= 1:
        return int(m[1])
    raise InputValueError(
        f"`window` must be 'rolling-12M' (or 'rolling-<n>M' for another number of months) "
        f"or 'calendar-year'; got {window!r}."
    )


def _months_back(days: IntArray, months: int) -> IntArray:
    """Return the same day ``months`` calendar months earlier (clipped to the month end)."""
    d = days.astype("datetime64[D]")
    month = d.astype("datetime64[M]")
    day_of_month = (d - month.astype("datetime64[D]")).astype(np.int64)
    target = month - np.timedelta64(months, "M")
    length = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(
        np.int64
    )
    start = target.astype("datetime64[D]").astype(np.int64)
    return np.ascontiguousarray(start + np.minimum(day_of_month, length - 1), dtype=np.int64)


def _months_ahead(days: IntArray, months: int) -> IntArray:
    """Return the same day ``months`` calendar months later (clipped to the month end)."""
    d = days.astype("datetime64[D]")
    month = d.astype("datetime64[M]")
    day_of_month = (d - month.astype("datetime64[D]")).astype(np.int64)
    target = month + np.timedelta64(months, "M")
    length = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(
        np.int64
    )
    start = target.astype("datetime64[D]").astype(np.int64)
    return np.ascontiguousarray(start + np.minimum(day_of_month, length - 1), dtype=np.int64)


def _window_start(days: IntArray, months: int) -> IntArray:
    """First day of the qualifying window that ends on each day (inclusive)."""
    if len(days) > 64:
        # Calendar arithmetic once per day of the covered range, then a lookup.
        low, high = int(days.min()), int(days.max())
        if high - low < len(days) // 2:
            span = np.arange(low, high + 1, dtype=np.int64)
            return np.ascontiguousarray(_window_start(span, months)[days - low])
    if months == 0:
        year = days.astype("datetime64[D]").astype("datetime64[Y]")
        return np.ascontiguousarray(year.astype("datetime64[D]").astype(np.int64))
    return _months_back(days, months) + 1


def _check_tiers(tiers: object) -> tuple[list[Any], FloatArray]:
    if not isinstance(tiers, Mapping) or len(tiers) == 0:
        raise InputTypeError(
            "`tiers` must be a non-empty mapping of tier name to qualifying threshold, "
            "e.g. {'Member': 0, 'Silver': 1000, 'Gold': 5000}."
        )
    if len(tiers) > _MAX_TIERS:
        raise InputValueError(
            f"`tiers` has {len(tiers)} tiers; at most {_MAX_TIERS} are supported."
        )
    names = list(tiers.keys())
    values = np.array([check_scalar(tiers[name], f"tiers[{name!r}]", low=0.0) for name in names])
    order = np.argsort(values, kind="stable")
    names = [names[i] for i in order]
    values = values[order]
    if (dup := np.flatnonzero(np.diff(values) == 0)).size:
        j = int(dup[0])
        raise InputValueError(
            f"`tiers` {names[j]!r} and {names[j + 1]!r} have the same threshold "
            f"{values[j]:g}; every tier needs its own threshold."
        )
    if values[0] != 0:
        raise InputValueError(
            f"the lowest tier of `tiers` ({names[0]!r}) must have threshold 0, got "
            f"{values[0]:g}: every member holds at least the lowest tier; add a base tier, "
            f"e.g. {{'Member': 0, ...}}."
        )
    return names, np.ascontiguousarray(values, dtype=np.float64)


def _date_list(value: object, name: str, log: TransactionLog) -> IntArray:
    """Sorted, distinct day ordinals of one date or a sequence of dates."""
    if isinstance(value, str | pd.Timestamp | np.datetime64) or not np.iterable(value):
        items: list[object] = [value]
    else:
        items = list(value)  # type: ignore[call-overload,unused-ignore]
    if not items:
        raise InputValueError(f"`{name}` is empty; pass at least one date.")
    days = np.array(
        [
            period_of(item, f"{name}[{i}]" if len(items) > 1 else name, log, "D")
            for i, item in enumerate(items)
        ],
        dtype=np.float64,
    ).astype(np.int64)
    days = np.sort(days)
    if (dup := np.flatnonzero(np.diff(days) == 0)).size:
        day = np.datetime64(int(days[dup[0]]), "D")
        raise InputValueError(f"`{name}` lists the date {day} more than once; pass each once.")
    return np.ascontiguousarray(days)


def _calendar_log(
    frame: object,
    name: str,
    columns: list[str],
    customer_col: str,
    date_col: str,
    value_col: str | None,
) -> TransactionLog:
    frame = check_dataframe(frame, name, columns)
    log = read_transactions(frame, customer_col, date_col, value_col, "D")
    if log.numeric_time:
        raise InputTypeError(
            f"column {date_col!r} (argument `date_col`) of `{name}` must hold dates "
            f"(datetime64), got numbers; convert them with pandas.to_datetime(...)."
        )
    return log


def program_tiers(
    activity: pd.DataFrame,
    tiers: Mapping[str, float],
    *,
    window: str = "rolling-12M",
    evaluate_at: object,
    downgrade: Literal["one-level", "to-qualified"] = "one-level",
    grace_periods: int = 0,
    customer_col: str = "customer_id",
    date_col: str = "date",
    value_col: str = "amount",
) -> TierResult:
    """Replay a loyalty programme's tier rules over each customer's qualifying activity.

    Parameters
    ----------
    activity : pandas.DataFrame
        One row per qualifying event (purchase, points award ...), any order.
    tiers : mapping
        Tier name -> qualifying threshold (same unit as ``value_col``), e.g.
        ``{"Member": 0, "Silver": 1000, "Gold": 5000}``.  Thresholds are
        distinct and non-negative; the lowest must be 0.  Any order (tiers are
        ranked by threshold).
    window : {"rolling-12M", "calendar-year"} or "rolling-<n>M", default "rolling-12M"
        Which activity counts towards qualification on a given day; see Notes.
    evaluate_at : date or sequence of dates
        Evaluation dates (required): the only days on which a tier can be
        lost.  Any order; no duplicates.
    downgrade : {"one-level", "to-qualified"}, default "one-level"
        How far a customer who fails an evaluation (after any grace) falls:
        one tier, or straight to the tier their qualifying value reaches.
    grace_periods : int, default 0
        Number of consecutive failed evaluations a tier survives; the next
        one downgrades.
    customer_col, date_col : str
        Columns with the customer id and the activity date (datetime64, naive
        or time-zone aware; the wall-clock day is used).
    value_col : str, default "amount"
        Column with the qualifying value: spend or points, finite and
        ``>= 0`` (net refunds out of their purchases before calling).

    Returns
    -------
    TierResult
        ``tiers`` (per customer, after all activity and evaluations),
        ``history`` (every upgrade and downgrade) and ``evaluations`` (every
        evaluation of every member).  Dates are days as time-zone-naive
        ``datetime64``.

    Raises
    ------
    MissingColumnError
        If a named column is absent.
    InputTypeError
        If the date column is not datetime64, ``tiers`` is not a non-empty
        mapping of numbers, or an argument has the wrong type.
    InputValueError
        For an empty log, missing ids or dates, negative or non-finite
        values, tiers with equal thresholds, a lowest threshold other than 0
        or more than 100 tiers, an unknown ``window`` / ``downgrade``, a negative
        ``grace_periods``, or empty or repeated ``evaluate_at`` dates.

    Notes
    -----
    Time is counted in days; a customer joins the programme in the lowest
    tier on the day of their first activity.

    **Qualifying value.**  On day ``d`` it is the sum of the customer's
    values on the days of the window ending on ``d`` (inclusive):

    - ``"rolling-<n>M"``: the days after the same date ``n`` months earlier
      (day clipped to the month's end): for ``"rolling-12M"`` on 2024-06-30
      the window is 2023-07-01 to 2024-06-30, on 2024-02-29 it starts on
      2023-03-01;
    - ``"calendar-year"``: January 1 of ``d``'s year to ``d`` (year to date).

    A tier is reached when the value is at least its threshold (lower bound
    inclusive).  Values are summed in float64, so a value within a relative
    ``1e-9`` below a threshold counts as reaching it (e.g. three payments of
    333.33, 333.33 and 333.34 reach 1000).

    **Upgrades** are immediate: at the end of every day with activity, a
    customer whose value reaches a higher tier moves to the highest tier it
    reaches (levels may be skipped upwards).

    **Evaluations** happen at the end of each ``evaluate_at`` day, after that
    day's activity.  The customer's value on that day gives the qualified
    tier ``q``; with ``L`` the tier held:

    - ``q >= L``: requalified (``q > L`` upgrades, as above); the count of
      failed evaluations resets to 0;
    - ``q < L``: a failed evaluation.  While the count of consecutive
      failures is at most ``grace_periods`` the tier is kept (outcome
      ``"grace"``); the failure after that downgrades: to ``L - 1`` with
      ``"one-level"`` (never skipping a level, even if ``q`` is lower), to
      ``q`` with ``"to-qualified"``.

    Every tier change resets the count, so each tier held gets the full
    grace afresh: with ``grace_periods=1`` and ``"one-level"`` a customer
    whose activity stops drops one tier every second evaluation.  Customers
    appear in ``evaluations`` from their first activity on; earlier
    evaluation dates do not concern them.

    Examples
    --------
    A customer who qualifies for Silver mid-year, then Gold, and stops buying:

    >>> import pandas as pd
    >>> from custvalue.loyalty import program_tiers
    >>> activity = pd.DataFrame({
    ...     "customer_id": ["a", "a", "a", "b"],
    ...     "date": pd.to_datetime(["2023-03-01", "2023-06-15", "2023-09-01", "2023-05-01"]),
    ...     "amount": [400.0, 700.0, 4000.0, 50.0],
    ... })
    >>> tiers = {"Member": 0, "Silver": 1000, "Gold": 5000}
    >>> result = program_tiers(activity, tiers, window="calendar-year",
    ...                        evaluate_at=["2023-12-31", "2024-12-31"])
    >>> result.history
      customer_id       date from_tier to_tier      event  qualifying_value
    0           a 2023-06-15    Member  Silver    upgrade            1100.0
    1           a 2023-09-01    Silver    Gold    upgrade            5100.0
    2           a 2024-12-31      Gold  Silver  downgrade               0.0
    >>> result.tiers
                   tier  level      since  failed_evaluations
    customer_id
    a            Silver      1 2024-12-31                   0
    b            Member      0 2023-05-01                   0
    """
    columns = [customer_col, date_col, value_col]
    log = _calendar_log(activity, "activity", columns, customer_col, date_col, value_col)
    names, thresholds = _check_tiers(tiers)
    months = _check_window(window)
    mode = check_choice(downgrade, "downgrade", ("one-level", "to-qualified"))
    grace = check_scalar(grace_periods, "grace_periods", integer=True, low=0)
    eval_days = _date_list(evaluate_at, "evaluate_at", log)

    codes, ids = _sorted_codes(log.codes, log.ids)
    days = log.periods.astype(np.int64)
    effective = thresholds - _TIER_RTOL * np.maximum(1.0, thresholds)
    (
        level,
        since,
        fails,
        h_cust,
        h_day,
        h_from,
        h_to,
        h_event,
        h_value,
        e_cust,
        e_idx,
        e_value,
        e_qual,
        e_before,
        e_after,
        e_outcome,
    ) = tier_timeline(
        codes,
        np.ascontiguousarray(days),
        log.amounts,
        _window_start(days, months),
        len(ids),
        eval_days,
        _window_start(eval_days, months),
        np.ascontiguousarray(effective),
        mode == "to-qualified",
        int(grace),
    )

    tier_dtype = pd.CategoricalDtype(names, ordered=True)

    def tier_of(levels: npt.NDArray[np.integer[Any]]) -> pd.Categorical:
        return pd.Categorical.from_codes(levels, dtype=tier_dtype)

    current = pd.DataFrame(
        {
            "tier": tier_of(level),
            "level": level,
            "since": _days_to_datetime(since),
            "failed_evaluations": fails,
        },
        index=ids,
    )
    history = pd.DataFrame(
        {
            customer_col: ids.take(h_cust),
            "date": _days_to_datetime(h_day),
            "from_tier": tier_of(h_from),
            "to_tier": tier_of(h_to),
            "event": pd.Categorical.from_codes(h_event, dtype=pd.CategoricalDtype(list(_EVENTS))),
            "qualifying_value": h_value,
        }
    )
    evaluations = pd.DataFrame(
        {
            customer_col: ids.take(e_cust),
            "date": _days_to_datetime(eval_days[e_idx]),
            "qualifying_value": e_value,
            "qualified_tier": tier_of(e_qual),
            "tier_before": tier_of(e_before),
            "tier": tier_of(e_after),
            "outcome": pd.Categorical.from_codes(
                e_outcome, dtype=pd.CategoricalDtype(list(_OUTCOMES))
            ),
        }
    )
    return TierResult(tiers=current, history=history, evaluations=evaluations)


# =============================================================================
# points balance
# =============================================================================

_EXPIRY_RE: Final = re.compile(r"(\d+)([DMY])")


def _check_expiry(expiry: object) -> tuple[int, str] | None:
    if expiry is None:
        return None
    if isinstance(expiry, str) and (m := _EXPIRY_RE.fullmatch(expiry)) and int(m[1]) >= 1:
        return int(m[1]), m[2]
    raise InputValueError(
        f"`expiry` must be None (points never expire) or a period such as '12M', '24M', "
        f"'365D' or '2Y' (a positive whole number of days D, months M or years Y); "
        f"got {expiry!r}."
    )


def points_balance(
    ledger: pd.DataFrame,
    *,
    expiry: str | None = None,
    as_of: object = None,
    customer_col: str = "customer_id",
    date_col: str = "date",
    points_col: str = "points",
) -> pd.DataFrame:
    """Points balance per customer with first-in-first-out redemption and expiry.

    Parameters
    ----------
    ledger : pandas.DataFrame
        One row per points movement, any order: positive ``points`` are
        earned, negative ones redeemed (zero rows are ignored).
    expiry : str, optional
        How long earned points stay usable: ``"<n>D"`` days, ``"<n>M"``
        calendar months or ``"<n>Y"`` years, e.g. ``"24M"``.  ``None`` (the
        default): points never expire.
    as_of : date, optional
        Day of the balance (default: the latest ledger date).  Rows after it
        are ignored; lots whose expiry day is on or before it have expired.
    customer_col, date_col, points_col : str
        Columns with the customer id, the day of the movement (datetime64,
        naive or time-zone aware; the wall-clock day is used) and the signed
        points (whole numbers).

    Returns
    -------
    pandas.DataFrame
        Indexed by customer id (sorted ascending; customers with rows up to
        ``as_of``), with int64 columns ``earned``, ``redeemed``, ``expired``
        and ``balance`` (``earned - redeemed - expired``, never negative),
        ``next_expiry`` (the next day on which points expire, NaT if none)
        and ``expiring_points`` (how many expire then).

    Raises
    ------
    MissingColumnError
        If a named column is absent.
    InputTypeError
        If the date column is not datetime64 or points are not numeric.
    InputValueError
        For an empty ledger, missing ids or dates, non-finite or fractional
        points, an invalid ``expiry``, an ``as_of`` before every row, or a
        redemption larger than the balance available that day (the message
        names the customer, the date and both amounts).

    Notes
    -----
    Points earned on day ``d`` form a lot that expires on day
    ``d + expiry`` (calendar arithmetic; a month-end overflow is clipped, so
    points earned on January 31 with ``"1M"`` expire on February 28 or 29):
    they can be redeemed up to the day before and are gone from that day on.
    Each day is processed in this order: lots expiring that day are removed,
    the day's earnings are credited, then the day's redemptions are taken
    from the oldest remaining lots (first in, first out), so a redemption may
    use points earned the same day but never points expiring that day.  A
    redemption larger than the balance is an error, not a negative balance:
    the ledger is inconsistent with the expiry rule.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.loyalty import points_balance
    >>> ledger = pd.DataFrame({
    ...     "customer_id": ["a", "a", "a", "a"],
    ...     "date": pd.to_datetime(["2023-01-10", "2023-06-01", "2023-09-01", "2024-01-10"]),
    ...     "points": [100, 50, -120, 10],
    ... })
    >>> points_balance(ledger, expiry="12M")
                 earned  redeemed  expired  balance next_expiry  expiring_points
    customer_id
    a               160       120        0       40  2024-06-01               30
    """
    columns = [customer_col, date_col, points_col]
    log = _calendar_log(ledger, "ledger", columns, customer_col, date_col, None)
    points = as_float_array(ledger[points_col], f"column {points_col!r}", integer=True)
    rule = _check_expiry(expiry)
    end = float(log.periods.max()) if as_of is None else period_of(as_of, "as_of", log, "D")
    keep = log.periods <= end
    if not keep.any():
        raise InputValueError(
            "`as_of` is before every ledger row; pass a later date (or None for the latest row)."
        )
    codes, ids = log.codes, log.ids
    rows = np.arange(len(points))
    if not keep.all():
        present = np.zeros(len(ids), dtype=np.bool_)
        present[codes[keep]] = True
        codes = (np.cumsum(present) - 1)[codes[keep]]
        ids = ids[present]
        rows = rows[keep]
    codes, ids = _sorted_codes(np.ascontiguousarray(codes, dtype=np.int64), ids)
    days = np.ascontiguousarray(log.periods[rows].astype(np.int64))
    as_of_day = int(end)
    if rule is None:
        expires = np.full(len(days), np.iinfo(np.int64).max, dtype=np.int64)
    else:
        n, unit = rule
        if unit == "D":
            expires = days + n
        else:
            expires = _months_ahead(days, n * (12 if unit == "Y" else 1))
    earned, redeemed, expired, balance, next_day, next_pts, bad_row, available = points_fifo(
        np.ascontiguousarray(codes, dtype=np.int64),
        days,
        np.ascontiguousarray(points[rows]),
        np.ascontiguousarray(expires, dtype=np.int64),
        len(ids),
        as_of_day,
    )
    if bad_row >= 0:
        original = int(rows[bad_row])
        label = ledger.index[original]
        cust = ledger[customer_col].iloc[original]
        day = np.datetime64(int(days[bad_row]), "D")
        raise InputValueError(
            f"customer {cust!r} redeems {-points[original]:g} points on {day} (row {label!r}) "
            f"but only {available:g} are available that day"
            + ("" if rule is None else f" after expiry ({expiry})")
            + "; the ledger is missing an earning or holds a duplicated redemption."
        )
    has_next = next_day >= 0 if rule is not None else np.zeros(len(ids), dtype=np.bool_)
    next_expiry = np.full(len(ids), np.datetime64("NaT"), dtype="datetime64[ns]")
    next_expiry[has_next] = _days_to_datetime(next_day[has_next])
    return pd.DataFrame(
        {
            "earned": earned.astype(np.int64),
            "redeemed": redeemed.astype(np.int64),
            "expired": expired.astype(np.int64),
            "balance": balance.astype(np.int64),
            "next_expiry": next_expiry,
            "expiring_points": np.where(has_next, next_pts, 0.0).astype(np.int64),
        },
        index=ids,
    )
