"""Net Promoter Score (see :func:`custvalue.loyalty.nps`)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any
from typing import Final
from typing import overload

import numpy as np
import numpy.typing as npt
import pandas as pd

from custvalue._core.arrays import IntArray
from custvalue._core.arrays import first_true
from custvalue._core.validation import as_float_array
from custvalue._core.validation import check_consistent_length
from custvalue._core.validation import check_scalar
from custvalue.errors import InputTypeError
from custvalue.errors import InputValueError


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
        ``ci_low``, ``ci_high``, ``n``, ``promoters``, ``passives``,
        ``detractors`` and ``confidence`` (the level of the interval, the
        same on every row).

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
    bad = (scores < 0) | (scores > 10)
    if (i := first_true(bad)) is not None:
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
    missing = labels.isna().to_numpy()
    if (i := first_true(missing)) is not None:
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
    frame["confidence"] = conf
    return frame
