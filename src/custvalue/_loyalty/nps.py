"""Net Promoter Score (see :func:`custvalue.loyalty.nps`)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from custvalue._core.validation import as_float_array, check_consistent_length, check_scalar
from custvalue.errors import InputTypeError, InputValueError

IntArray = npt.NDArray[np.int64]


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


def nps(
    responses: object, *, by: object = None, confidence: float = 0.95
) -> NPSResult | pd.DataFrame:
    """Compute :func:`custvalue.loyalty.nps` (documented there)."""
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
    frame["confidence"] = conf
    return frame
