"""Loyalty score of a Dask summary (implementation of :mod:`custvalue.dask`).

The components are percentile ranks among *all* customers, so no partition can
rank its own customers.  The per-customer inputs (``p_alive``, ``regularity``
...) are first sent to the summary partition of their customer: a hash join
with the partition number of every customer, then a shuffle to an index of
known divisions.  For each measure:

1. the exact order statistics at ``k - 1`` evenly spaced positions
   (:mod:`custvalue._dask.select`) are the *splitters*, and one pass counts
   the values strictly below and at most each splitter;
2. a value equal to a splitter has its rank from those counts (heavy ties,
   such as the many customers with frequency 0, are splitters and never
   move);
3. the other values, strictly between two splitters, are shuffled (Dask's
   shuffle) by that interval, ranked inside it and sent back to their
   partition (an index of known divisions: the partition number).

The recency measure needs the median rhythm of the repeat customers: two
order statistics of the same kind.  The score is then the in-memory weighted
mean of the ranks, partition by partition.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import dask.dataframe as dd
import numpy as np
import numpy.typing as npt
import pandas as pd

from custvalue import loyalty
from custvalue._core.ranks import rank_from_counts
from custvalue._core.rhythm import overdue_ratio
from custvalue._core.rhythm import purchase_rhythm
from custvalue._core.summary import summary_arrays
from custvalue._dask.options import with_defaults
from custvalue._dask.select import counts_at
from custvalue._dask.select import order_statistics
from custvalue._dask.summary import check_dask_frame
from custvalue._dask.summary import first_row
from custvalue.errors import InputTypeError
from custvalue.errors import InputValueError

__all__ = ["LoyaltyFrames", "loyalty_score"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Every component in the in-memory order: its measure, and whether a lower one is better.
_COMPONENTS = {"recency": ("overdue_ratio", True), "frequency": ("frequency", False)}
_COMPONENTS |= {"tenure": ("T", False), "regularity": ("cv_interval", True)}
_COMPONENTS |= {n: (n, False) for n in ("spend_trend", "p_alive", "satisfaction")}
#: The components of the summary itself.
_SUMMARY_COMPONENTS = ("recency", "frequency", "tenure")
#: The per-customer inputs besides the summary (options of the in-memory function).
_SERIES_INPUTS = ("p_alive", "satisfaction", "spend_trend")
#: Intervals per partition between the splitters of a measure.
_INTERVALS = 4


@dataclass(frozen=True, slots=True)
class LoyaltyFrames:
    """The lazy results of :func:`custvalue.dask.loyalty_score`.

    The fields of :class:`custvalue.loyalty.LoyaltyScore`, as Dask
    collections on the summary's index and partitions.

    Attributes
    ----------
    score : dask.dataframe.Series
        ``loyalty_score`` in ``[0, 100]``.
    components : dask.dataframe.DataFrame
        The percentile rank of each component among all customers.
    contributions : dask.dataframe.DataFrame
        The points each component adds to the score.
    measures : dask.dataframe.DataFrame
        The raw measures (``overdue_ratio``, ``frequency``, ``T``, and
        ``cv_interval``, ``spend_trend``, ``p_alive``, ``satisfaction`` for
        the inputs given).
    weights : Mapping[str, float]
        The weight of each component, summing to 1.
    """

    score: dd.Series
    components: dd.DataFrame
    contributions: dd.DataFrame
    measures: dd.DataFrame
    weights: Mapping[str, float]


def _rhythms(part: pd.DataFrame) -> pd.DataFrame:
    """Return the own rhythm of each repeat customer (NaN for the others), checking the rows."""
    own = np.full(len(part), np.nan)
    if len(part):
        frequency, recency, _ = summary_arrays(part)  # the in-memory checks of the summary
        repeat = frequency > 0
        own[repeat] = recency[repeat] / frequency[repeat]
    return pd.DataFrame({"rhythm": own}, index=part.index)


def _measures(
    part: pd.DataFrame, fallback: float, names: list[str], *routed: pd.DataFrame
) -> pd.DataFrame:
    """Return the measures of a partition's customers, with the global fallback rhythm.

    ``routed`` are the partition's rows of the other inputs (one frame per
    input, see :func:`_route`); their measures are those of the in-memory
    function on the partition, with its checks.
    """
    if len(part) == 0:
        return pd.DataFrame({_COMPONENTS[c][0]: np.zeros(0) for c in names}, index=part.index)
    frequency, recency, T = summary_arrays(part)
    rhythm = purchase_rhythm(frequency, recency, default_rhythm=fallback)
    out = {"overdue_ratio": overdue_ratio(recency, T, rhythm), "frequency": frequency, "T": T}
    if routed:
        inputs: dict[str, Any] = {}
        for rows in routed:
            rows = rows.set_index("_customer").reindex(part.index)
            if "cv_interval" in rows.columns:
                inputs["regularity"] = rows
            else:
                inputs[str(rows.columns[0])] = rows.iloc[:, 0]
        other = loyalty.loyalty_score(part, **inputs).measures
        out |= {m: other[m].to_numpy() for m in other.columns if m not in out}
    return pd.DataFrame({_COMPONENTS[c][0]: out[_COMPONENTS[c][0]] for c in names}, part.index)


def _as_dask(value: object, name: str, frame_wanted: bool) -> dd.DataFrame:
    """One per-customer input as a Dask DataFrame indexed by customer, or refused."""
    if isinstance(value, pd.DataFrame | pd.Series):
        value = dd.from_pandas(value, npartitions=1, sort=False)
    wanted = dd.DataFrame if frame_wanted else dd.Series
    if not isinstance(value, wanted):
        what = "DataFrame" if frame_wanted else "Series"
        raise InputTypeError(
            f"`{name}` must be a Dask (or pandas) {what} indexed by customer like `summary`, "
            f"got {type(value).__name__}; on Dask values cannot be matched by position, so "
            f"fix by giving them the customer ids as index."
        )
    return value.to_frame(name) if isinstance(value, dd.Series) else value


def _origins(part: pd.DataFrame, partition_info: dict[str, Any] | None = None) -> pd.DataFrame:
    """Return the partition number of each customer of a partition (column ``origin``)."""
    number = 0 if partition_info is None else int(partition_info["number"])
    return pd.DataFrame({"origin": np.full(len(part), number, dtype=np.int64)}, part.index)


def _route(inputs: dd.DataFrame, origins: dd.DataFrame) -> tuple[dd.DataFrame, Any]:
    """Send each row of ``inputs`` to the partition of its customer in the summary.

    A hash join on the customer (the divisions are unknown) gives each row
    the number of its customer's summary partition, then a shuffle to an index
    of known divisions (the partition numbers).  Also returns the lazy
    ``(rows, distinct customers, rows joined)`` of ``inputs``.
    """
    joined = inputs.join(origins, how="inner")
    meta = joined._meta.rename_axis("_customer").reset_index()
    flat = joined.map_partitions(lambda p: p.rename_axis("_customer").reset_index(), meta=meta)
    last = origins.npartitions - 1
    routed = flat.set_index("origin", divisions=[*range(origins.npartitions), last])
    counts = (inputs.map_partitions(len).sum(), inputs.index.to_series().nunique())
    return routed, (*counts, joined.map_partitions(len).sum())


def _other_inputs(given: Mapping[str, Any]) -> dict[str, dd.DataFrame]:
    """Return the per-customer inputs given, as Dask frames of their measure columns."""
    out = {}
    if given["regularity"] is not None:
        regularity = _as_dask(given["regularity"], "regularity", True)
        check_dask_frame(regularity, "regularity", ["cv_interval"])
        keep = ["cv_interval"]
        if given["spend_trend"] is None and "spend_trend" in regularity.columns:
            keep.append("spend_trend")
        out["regularity"] = regularity[keep]
    for name in _SERIES_INPUTS:
        if given[name] is not None:
            out[name] = _as_dask(given[name], name, False)
    return out


def _probe_inputs(inputs: Mapping[str, dd.DataFrame], probe: pd.DataFrame) -> dict[str, Any]:
    """One-row stand-ins for the other inputs: the in-memory checks of the weights."""
    out: dict[str, Any] = {n: [0.5] for n in inputs if n != "regularity"}
    if "regularity" in inputs:
        cols = list(inputs["regularity"].columns)
        out["regularity"] = pd.DataFrame({c: [0.0] for c in cols}, index=probe.index)
    return out


def _rank(below: Any, equal: Any, n: int, lower_is_better: bool) -> FloatArray:
    """Return the percentile rank from the values below and equal (the in-memory formula)."""
    as_float = np.ascontiguousarray
    return rank_from_counts(
        as_float(below, dtype=np.float64),
        as_float(equal, dtype=np.float64),
        n,
        not lower_is_better,
    )


def _off_splitter_rows(
    part: pd.DataFrame,
    splitters: list[FloatArray],
    width: int,
    partition_info: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Return the values strictly between two splitters, with their interval and place."""
    number = 0 if partition_info is None else int(partition_info["number"])
    frames = []
    for c, s in enumerate(splitters):
        v = part.iloc[:, c].to_numpy(dtype=np.float64)
        j = np.searchsorted(s, v, side="left")
        on = (
            (j < s.size) & (s[np.minimum(j, s.size - 1)] == v)
            if s.size
            else np.zeros(v.size, bool)
        )
        rows = np.flatnonzero(~on & ~np.isnan(v))
        frames.append(
            pd.DataFrame(
                {"origin": number, "row": rows, "col": c, "key": c * width + j[rows], "v": v[rows]}
            )
        )
    return pd.concat(frames, ignore_index=True).astype(_LONG_DTYPES)


_LONG_DTYPES = {"origin": "int64", "row": "int64", "col": "int64", "key": "int64", "v": "float64"}


def _rank_inside(
    part: pd.DataFrame,
    below: list[IntArray],
    sizes: list[int],
    lower: list[bool],
    width: int,
) -> pd.DataFrame:
    """Rank the values of each interval: the values below it plus those below in it."""
    out = np.empty(len(part))
    keys = part["key"].to_numpy(dtype=np.int64)
    values = part["v"].to_numpy(dtype=np.float64)
    for key in np.unique(keys):
        at = np.flatnonzero(keys == key)
        c, j = divmod(int(key), width)
        inside = np.sort(values[at])
        lt = np.searchsorted(inside, values[at], side="left")
        eq = np.searchsorted(inside, values[at], side="right") - lt
        base = int(below[c][j - 1]) if j > 0 else 0
        out[at] = _rank(base + lt, eq, sizes[c], lower[c])
    return pd.DataFrame(
        {"origin": part["origin"], "row": part["row"], "col": part["col"], "rank": out}
    )


def _assemble(
    measures: pd.DataFrame,
    back: pd.DataFrame,
    splitters: list[FloatArray],
    counts: list[tuple[IntArray, IntArray]],
    sizes: list[int],
    weights: FloatArray,
    names: list[str],
) -> pd.DataFrame:
    """Return the measures, ranks, contributions and score of one partition's customers."""
    comps = np.full((len(names), len(measures)), np.nan)
    for c, (measure, lower) in enumerate(_COMPONENTS[n] for n in names):
        v = measures[measure].to_numpy(dtype=np.float64)
        s, (lt, le) = splitters[c], counts[c]
        j = np.minimum(np.searchsorted(s, v, side="left"), max(s.size - 1, 0))
        on = np.flatnonzero(s[j] == v) if s.size else np.zeros(0, dtype=np.int64)
        comps[c, on] = _rank(lt[j[on]], le[j[on]] - lt[j[on]], sizes[c], lower)
        mine = back[back["col"].to_numpy() == c]
        comps[c, mine["row"].to_numpy(dtype=np.int64)] = mine["rank"].to_numpy()
    # the in-memory weighted mean, in its order of operations
    total = np.zeros(len(measures))
    for k, w in enumerate(weights):
        if w > 0:
            total += np.where(comps[k] == comps[k], w, 0.0)
    score = np.zeros(len(measures))
    contrib = np.zeros_like(comps)
    with np.errstate(invalid="ignore", divide="ignore"):
        for k, w in enumerate(weights):
            if w > 0:
                defined = (comps[k] == comps[k]) & (total > 0)
                contrib[k] = np.where(defined, w * comps[k] / total, 0.0)
                score = score + contrib[k]
    score = np.where(total == 0, np.nan, np.clip(score, 0.0, 100.0))
    contrib[:, total == 0] = np.nan
    out = {f"m:{m}": measures[m].to_numpy() for m in measures.columns}
    out.update({f"c:{n}": comps[i] for i, n in enumerate(names)})
    out.update({f"w:{n}": contrib[i] for i, n in enumerate(names)})
    out["loyalty_score"] = score
    return pd.DataFrame(out, index=measures.index)


def loyalty_score(summary: object, **options: Any) -> LoyaltyFrames:
    """Compute :func:`custvalue.dask.loyalty_score` (see its documentation)."""
    given = with_defaults(loyalty.loyalty_score, options)
    frame = check_dask_frame(summary, "summary", ["frequency", "recency", "T"])
    rows = frame[["frequency", "recency", "T"]]
    inputs = _other_inputs(given)
    # the in-memory checks of the options (weights) on one row, and the weights used
    probe = first_row(rows, "summary", "customer")
    weights = loyalty.loyalty_score(
        probe, weights=given["weights"], **_probe_inputs(inputs, probe)
    ).weights
    origins = rows.map_partitions(_origins, meta=_origins(rows._meta))
    routes = {name: _route(value, origins) for name, value in inputs.items()}
    n, distinct, *checks = dd.compute(
        rows.map_partitions(len).sum(),
        rows.index.to_series().nunique(),
        *[c for _, counts in routes.values() for c in counts],
    )
    if int(distinct) != int(n):
        raise InputValueError(
            "`summary` has duplicate index labels; the index must identify each customer once."
        )
    for i, name in enumerate(routes):
        size, unique, matched = (int(c) for c in checks[3 * i : 3 * i + 3])
        if not size == unique == matched == int(n):
            raise InputValueError(
                f"the index of `{name}` does not hold the customers of `summary` ({size} "
                f"entries, {unique} distinct, {matched} of them in `summary`, vs {int(n)} "
                f"customers); compute it from the same customers."
            )
    present = {*_SUMMARY_COMPONENTS, *inputs}
    if "regularity" in inputs and "spend_trend" in inputs["regularity"].columns:
        present.add("spend_trend")  # the column of `regularity`
    names = [c for c in _COMPONENTS if c in present]
    return _ranked(rows, [routed for routed, _ in routes.values()], names, weights)


def _ranked(
    rows: dd.DataFrame, routed: list[dd.DataFrame], names: list[str], weights: Mapping[str, float]
) -> LoyaltyFrames:
    """Rank the measures of every customer among all customers; the weighted score."""
    rhythm = rows.map_partitions(_rhythms, meta=pd.DataFrame({"rhythm": [0.0]}).iloc[:0])
    repeaters, (middle,), _ = order_statistics(
        rhythm, ["rhythm"], lambda m: np.array([(m - 1) // 2, m // 2], dtype=np.int64)
    )
    fallback = float((middle[0] + middle[1]) / 2) if repeaters[0] else 1.0
    meta = _measures(rows._meta, 1.0, names)
    measures = dd.map_partitions(
        _measures, rows, fallback, names, *routed, meta=meta, align_dataframes=False
    ).persist()
    cols = [_COMPONENTS[c][0] for c in names]
    k = _INTERVALS * measures.npartitions
    sizes, picked, _ = order_statistics(
        measures, cols, lambda m: (np.arange(1, k, dtype=np.int64) * m) // k
    )
    splitters = [np.unique(v) for v in picked]
    counts = counts_at(measures, cols, splitters)
    width = max(s.size for s in splitters) + 1
    lower = [_COMPONENTS[c][1] for c in names]
    long_meta = pd.DataFrame({c: pd.Series(dtype=t) for c, t in _LONG_DTYPES.items()})
    rank_meta = long_meta[["origin", "row", "col"]].assign(rank=pd.Series(dtype="float64"))
    ranked = (
        measures.map_partitions(_off_splitter_rows, splitters, width, meta=long_meta)
        .shuffle(on="key")
        .map_partitions(
            _rank_inside, [le for _, le in counts], sizes, lower, width, meta=rank_meta
        )
    )
    last = measures.npartitions - 1
    back = ranked.set_index("origin", divisions=[*range(measures.npartitions), last])
    w = np.array([weights.get(name, 0.0) for name in names], dtype=np.float64)
    empty_back = rank_meta.set_index("origin")
    out_meta = _assemble(meta, empty_back, splitters, counts, sizes, w, names)
    result = dd.map_partitions(
        _assemble,
        measures,
        back,
        splitters,
        counts,
        sizes,
        w,
        names,
        meta=out_meta,
        align_dataframes=False,
    )
    used = [name for name in names if name in weights]
    return LoyaltyFrames(
        score=result["loyalty_score"],
        components=result[[f"c:{n}" for n in used]].rename(columns=lambda c: c[2:]),
        contributions=result[[f"w:{n}" for n in used]].rename(columns=lambda c: c[2:]),
        measures=result[[f"m:{_COMPONENTS[n][0]}" for n in used]].rename(columns=lambda c: c[2:]),
        weights=MappingProxyType(dict(weights)),
    )
