"""RFM segment maps: name customers from their R, F and M scores.

The public names are re-exported by :mod:`custvalue.rfm`.
"""

from __future__ import annotations

import functools
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from custvalue._core.frames import as_pandas_frame
from custvalue._core.frames import is_foreign_frame
from custvalue._core.validation import as_float_array
from custvalue._core.validation import check_choice
from custvalue._core.validation import check_dataframe
from custvalue.errors import InputTypeError
from custvalue.errors import InputValueError
from custvalue.errors import MissingColumnError

__all__ = [
    "SegmentRule",
    "SegmentRulesReport",
    "check_segment_rules",
    "rfm_segments",
    "segment_rules",
]

_MAX_BINS = 9
_DIMS = ("R", "F", "M")
_SCHEMES = ("classic4", "cube8", "marketing")
_RULE_COLUMNS = ["name", "r_lo", "r_hi", "f_lo", "f_hi", "m_lo", "m_hi"]

Bins = tuple[int, int, int]
Box = tuple[int, int, int, int, int, int]  # r_lo, r_hi, f_lo, f_hi, m_lo, m_hi

_CLASSIC4 = ("high value", "must-retain", "new", "low value", "other")
_CUBE8 = (
    "important value",
    "important development",
    "important retention",
    "important win-back",
    "general value",
    "general development",
    "general retention",
    "general win-back",
)
_MARKETING = (
    "Champions",
    "Loyal",
    "Potential Loyalist",
    "New",
    "Promising",
    "Need Attention",
    "About to Sleep",
    "At Risk",
    "Can't Lose",
    "Hibernating",
    "Lost",
)
# R x FM grid of the "marketing" scheme: _MARKETING_GRID[5 - R][FM - 1].
_MARKETING_GRID = (
    ("New", "Potential Loyalist", "Potential Loyalist", "Champions", "Champions"),
    ("Promising", "Potential Loyalist", "Potential Loyalist", "Champions", "Champions"),
    ("About to Sleep", "About to Sleep", "Need Attention", "Loyal", "Loyal"),
    ("Hibernating", "Hibernating", "At Risk", "At Risk", "At Risk"),
    ("Lost", "Lost", "At Risk", "Can't Lose", "Can't Lose"),
)


@dataclass(frozen=True, slots=True)
class SegmentRule:
    """One rule of a segment map: a name and an inclusive box of R, F, M scores.

    Parameters
    ----------
    name : str
        Segment label given to the cells the rule matches.
    r, f, m : tuple of (int, int) or None, default None
        Inclusive score range ``(low, high)`` for R, F and M; ``None`` means
        any score.  Lists are accepted and stored as tuples.

    Raises
    ------
    InputTypeError
        If ``name`` is not a string or a range is not a pair of integers.
    InputValueError
        If ``name`` is empty, or a range has ``low < 1`` or ``low > high``.

    Notes
    -----
    Whether the ranges fit the number of scores (``high <= bins``) is checked
    when the rule is used, by :func:`rfm_segments` and
    :func:`check_segment_rules`.

    Examples
    --------
    >>> from custvalue.rfm import SegmentRule
    >>> SegmentRule("best", r=(5, 5), f=[4, 5])
    SegmentRule(name='best', r=(5, 5), f=(4, 5), m=None)
    """

    name: str
    r: tuple[int, int] | None = None
    f: tuple[int, int] | None = None
    m: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise InputTypeError(
                f"`SegmentRule.name` must be a string, got {type(self.name).__name__}."
            )
        if not self.name:
            raise InputValueError("`SegmentRule.name` is empty; give the segment a name.")
        for attr in ("r", "f", "m"):
            value = getattr(self, attr)
            if value is not None:
                object.__setattr__(self, attr, _check_range(value, f"rule {self.name!r}: {attr}"))


@dataclass(frozen=True, slots=True)
class SegmentRulesReport:
    """What :func:`check_segment_rules` found in a list of segment rules.

    Attributes
    ----------
    rules : tuple of SegmentRule
        The rules checked, in priority order, with every range explicit.
    bins : tuple of (int, int, int)
        Number of scores for R, F and M.
    overlaps : tuple of (int, int)
        Pairs ``(i, j)``, ``i < j``, of rule positions whose boxes share at
        least one cell (whatever their names).  Rule ``i`` wins there.
    unreachable : tuple of int
        Positions of rules every cell of which is matched by earlier rules.
    uncovered : tuple of str
        Cells (codes like ``"135"`` for R=1, F=3, M=5, as in the ``cell``
        column of :func:`rfm_scores`) matched by no rule.
    """

    rules: tuple[SegmentRule, ...]
    bins: tuple[int, int, int]
    overlaps: tuple[tuple[int, int], ...]
    unreachable: tuple[int, ...]
    uncovered: tuple[str, ...]

    @property
    def is_partition(self) -> bool:
        """True when every cell is matched by exactly one rule."""
        return not (self.overlaps or self.unreachable or self.uncovered)


def segment_rules(scheme: str, bins: int | Sequence[int] | None = None) -> pd.DataFrame:
    """Return the rule table of a built-in segment scheme.

    Parameters
    ----------
    scheme : {"classic4", "cube8", "marketing"}
        The scheme; see :func:`rfm_segments` for the definitions.
    bins : int or sequence of 3 ints, optional
        Number of scores (per dimension R, F, M if a sequence).  Default: 2
        for ``"cube8"``, 5 otherwise.  ``"cube8"`` needs 2 and ``"marketing"``
        needs 5; ``"classic4"`` accepts 2 to 9.

    Returns
    -------
    pandas.DataFrame
        One row per rule in priority order (first match wins), with columns
        ``name``, ``r_lo``, ``r_hi``, ``f_lo``, ``f_hi``, ``m_lo``, ``m_hi``
        (inclusive score ranges).  Passing the table back as
        ``rfm_segments(scores, scheme=table)`` reproduces the scheme, so it
        can be copied and edited into a custom map.

    Raises
    ------
    InputValueError
        If ``scheme`` is unknown or ``bins`` does not suit it.
    InputTypeError
        If ``bins`` is not an integer or a sequence of three integers.

    Notes
    -----
    A segment whose cells do not form one box is listed as several rows with
    the same name (the ``"marketing"`` segments, defined on the average of
    F and M, need several boxes each).  ``"classic4"`` ends with a catch-all
    ``"other"`` row.

    Examples
    --------
    >>> from custvalue.rfm import segment_rules
    >>> segment_rules("classic4")
              name  r_lo  r_hi  f_lo  f_hi  m_lo  m_hi
    0   high value     4     5     4     5     4     5
    1  must-retain     1     2     4     5     3     5
    2          new     4     5     1     2     1     2
    3    low value     1     2     1     2     1     2
    4        other     1     5     1     5     1     5
    >>> len(segment_rules("marketing"))
    43
    """
    scheme = check_choice(scheme, "scheme", _SCHEMES)
    nbins = _default_bins(scheme) if bins is None else _check_bins(bins)
    rules, _ = _builtin_rules(scheme, nbins)
    return _rules_frame(rules, nbins)


def check_segment_rules(
    rules: Sequence[SegmentRule] | pd.DataFrame,
    bins: int | Sequence[int] = 5,
) -> SegmentRulesReport:
    """Check custom segment rules against every cell of the score cube.

    Parameters
    ----------
    rules : sequence of SegmentRule or pandas.DataFrame
        Rules in priority order (first match wins).  A DataFrame needs a
        ``name`` column and, per dimension, either the columns ``r_lo``,
        ``r_hi`` (likewise ``f_*``, ``m_*``) as in :func:`segment_rules`, or a
        column ``r`` (``f``, ``m``) of ``(low, high)`` pairs or ``None``.
    bins : int or sequence of 3 ints, default 5
        Number of scores (per dimension R, F, M if a sequence), 2 to 9.

    Returns
    -------
    SegmentRulesReport
        Overlapping rule pairs, unreachable rules and uncovered cells.

    Raises
    ------
    InputTypeError
        If ``rules`` is not a sequence of :class:`SegmentRule` or a DataFrame,
        or ``bins`` is not an integer or a sequence of three integers.
    MissingColumnError
        If a rules DataFrame lacks a needed column.
    InputValueError
        If ``rules`` is empty, a range is malformed or lies outside
        ``1..bins``, or ``bins`` is outside 2..9.

    Notes
    -----
    The check runs over all ``bins_R * bins_F * bins_M`` cells, whatever
    scores actually occur.  :func:`rfm_segments` refuses rule lists with
    unreachable rules, and with uncovered cells unless a ``default`` label is
    given; overlaps are allowed (first match wins).

    Examples
    --------
    >>> from custvalue.rfm import SegmentRule, check_segment_rules
    >>> rules = [
    ...     SegmentRule("active", r=(4, 5)),
    ...     SegmentRule("big spender", m=(5, 5)),
    ...     SegmentRule("recent big spender", r=(5, 5), m=(5, 5)),
    ...     SegmentRule("lapsed", r=(1, 2)),
    ... ]
    >>> report = check_segment_rules(rules, bins=5)
    >>> report.overlaps
    ((0, 1), (0, 2), (1, 2), (1, 3))
    >>> report.unreachable
    (2,)
    >>> report.uncovered[:3], len(report.uncovered)
    (('311', '312', '313'), 20)
    >>> report.is_partition
    False
    """
    nbins = _check_bins(bins)
    rule_list = _rules_from_input(rules)
    boxes = _rule_boxes(rule_list, nbins)
    first = _first_match(boxes, nbins)
    overlaps = tuple(
        (i, j)
        for i in range(len(boxes))
        for j in range(i + 1, len(boxes))
        if _intersects(boxes[i], boxes[j])
    )
    winners = set(np.unique(first[first >= 0]).tolist())
    unreachable = tuple(i for i in range(len(boxes)) if i not in winners)
    uncovered = tuple(
        f"{r + 1}{f + 1}{m + 1}" for r, f, m in zip(*np.nonzero(first < 0), strict=True)
    )
    explicit = tuple(
        SegmentRule(rule.name, r=(b[0], b[1]), f=(b[2], b[3]), m=(b[4], b[5]))
        for rule, b in zip(rule_list, boxes, strict=True)
    )
    return SegmentRulesReport(explicit, nbins, overlaps, unreachable, uncovered)


def rfm_segments(
    scores: pd.DataFrame,
    scheme: str | Sequence[SegmentRule] | pd.DataFrame = "classic4",
    *,
    bins: int | Sequence[int] | None = None,
    default: str | None = None,
) -> pd.Series:
    """Name every customer's segment from the R, F and M scores.

    Parameters
    ----------
    scores : pandas.DataFrame
        Integer columns ``R``, ``F``, ``M`` (1..bins, higher is better),
        typically the output of :func:`custvalue.rfm.rfm_scores`.  Not
        modified.  May be empty.
    scheme : {"classic4", "cube8", "marketing"}, sequence of SegmentRule \
or pandas.DataFrame, default "classic4"
        A built-in scheme (see Notes) or custom rules in priority order
        (first match wins), given as :class:`SegmentRule` objects or as a
        DataFrame like the one :func:`segment_rules` returns.
    bins : int or sequence of 3 ints, optional
        Number of scores (per dimension R, F, M if a sequence).  Default: the
        number of categories of the categorical ``R``, ``F``, ``M`` columns
        that :func:`rfm_scores` returns (the dtype carries it, so it cannot be
        lost or go stale); for plain integer scores from elsewhere, 2 for
        ``"cube8"`` and 5 otherwise — pass it explicitly for those.
    default : str, optional
        Only for custom rules: the label of cells no rule matches.  With
        ``None`` every cell must be matched by a rule.

    Returns
    -------
    pandas.Series
        Named ``"segment"``, of categorical dtype, on the index of
        ``scores`` (so ``summary.assign(segment=rfm_segments(scores))``
        aligns by customer whatever the row order).  Categories follow the
        scheme's documented order; for custom rules, the rule names in
        first-appearance order, then ``default``.

    Raises
    ------
    InputTypeError
        If ``scores`` is not a DataFrame, a score column is not numeric,
        ``scheme`` has the wrong type or ``default`` is not a string.
    MissingColumnError
        If ``scores`` lacks ``R``, ``F`` or ``M`` or a rules DataFrame lacks
        a needed column.
    InputValueError
        If a score is not a whole number in ``1..bins``; ``bins`` contradicts
        the categories of the score columns or does not suit the scheme (``"cube8"``
        needs 2, ``"marketing"`` needs 5); the scheme name is unknown;
        ``default`` is given with a built-in scheme; or custom rules are
        empty, malformed, outside ``1..bins``, unreachable (fully shadowed by
        earlier rules) or leave cells uncovered while ``default`` is None.

    Notes
    -----
    The map is decided per cell of the score cube, never per customer, so
    every customer in a cell gets the same label.  Below ``b`` is the number
    of scores of a dimension and ``c = (b + 1) / 2`` its centre.

    **classic4** (any ``b`` from 2 to 9).  A score is *low* when below the
    centre (``s < c``), *middle* when equal to it (``s = c``, only for odd
    ``b``) and *high* when above (``s > c``).  For ``b = 5``: low 1-2,
    middle 3, high 4-5; for ``b = 4``: low 1-2, high 3-4, no middle.

    ==============  ======  ======  ================
    segment         R       F       M
    ==============  ======  ======  ================
    high value      high    high    high
    must-retain     low     high    middle or high
    new             high    low     low
    low value       low     low     low
    other           any     any     any (all the rest)
    ==============  ======  ======  ================

    **cube8** (needs ``b = 2``, i.e. scores from ``rfm_scores(...,
    method="mean")``, where 2 means better than average; other scores are
    refused rather than split, because the cube is defined on the mean
    split).  With M = 2 the labels are "important ...", with M = 1
    "general ...":

    =====  =====  ========================  ======================
    R      F      M = 2                     M = 1
    =====  =====  ========================  ======================
    2      2      important value           general value
    2      1      important development     general development
    1      2      important retention       general retention
    1      1      important win-back        general win-back
    =====  =====  ========================  ======================

    **marketing** (needs ``b = 5``; other numbers of scores are refused).
    Eleven segments on the grid of R and ``FM = floor((F + M) / 2)``, the
    average of the F and M scores with halves rounded down (a customer must
    earn the higher level; e.g. a recent one-time buyer with F = 1 and
    M = 2 has FM = 1 and is New).  Every one of the
    125 cells gets exactly one segment:

    =====  ===============  ==================  ==================  ==========  ==========
    R      FM = 1           FM = 2              FM = 3              FM = 4      FM = 5
    =====  ===============  ==================  ==================  ==========  ==========
    5      New              Potential Loyalist  Potential Loyalist  Champions   Champions
    4      Promising        Potential Loyalist  Potential Loyalist  Champions   Champions
    3      About to Sleep   About to Sleep      Need Attention      Loyal       Loyal
    2      Hibernating      Hibernating         At Risk             At Risk     At Risk
    1      Lost             Lost                At Risk             Can't Lose  Can't Lose
    =====  ===============  ==================  ==================  ==========  ==========

    The segments and their (R, FM) score ranges follow [1]_ (names
    shortened: "Loyal Customers" is "Loyal", "Recent Customers" is "New",
    "Customers Needing Attention" is "Need Attention", "Can't Lose Them" is
    "Can't Lose").  The published ranges overlap; the grid above resolves
    them into a partition that keeps every segment inside its published
    ranges (e.g. Champions R 4-5 and FM 4-5, Can't Lose R <= 1 and FM 4-5,
    Lost R <= 2 and FM <= 2) and follows the layout of the widely
    circulated 5 x 5 R-by-frequency segment grid.  Categories are in the
    order Champions, Loyal, Potential Loyalist, New, Promising, Need
    Attention, About to Sleep, At Risk, Can't Lose, Hibernating, Lost.

    **Custom rules**: each :class:`SegmentRule` is an inclusive box; a cell
    takes the name of the first rule containing it, else ``default``.
    See :func:`check_segment_rules` for a diagnosis of a rule list.

    References
    ----------
    .. [1] Putler. "RFM Analysis For Successful Customer Segmentation".
       https://www.putler.com/rfm-analysis/

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.rfm import SegmentRule, rfm_segments
    >>> scores = pd.DataFrame({"R": [5, 1, 5, 1, 3], "F": [5, 5, 1, 1, 3], "M": [4, 3, 2, 1, 3]})
    >>> list(rfm_segments(scores))
    ['high value', 'must-retain', 'new', 'low value', 'other']
    >>> list(rfm_segments(scores, "marketing"))
    ['Champions', "Can't Lose", 'New', 'Lost', 'Need Attention']

    Custom rules, first match wins:

    >>> rules = [SegmentRule("vip", r=(4, 5), m=(4, 5)), SegmentRule("recent", r=(4, 5))]
    >>> segments = rfm_segments(scores, rules, default="rest")
    >>> list(segments), list(segments.cat.categories)
    (['vip', 'rest', 'recent', 'rest', 'rest'], ['vip', 'recent', 'rest'])
    """
    data = check_dataframe(
        scores,
        "scores",
        _DIMS,
        allow_empty=True,
        hint="pass the output of rfm_scores(...), which has the columns 'R', 'F' and 'M'",
    )
    if is_foreign_frame(scheme):
        scheme = as_pandas_frame(scheme, "scheme")
    if isinstance(scheme, str):
        scheme = check_choice(scheme, "scheme", _SCHEMES)
    elif not isinstance(scheme, pd.DataFrame | Sequence):
        raise InputTypeError(
            f"`scheme` must be one of {_SCHEMES}, a sequence of SegmentRule or a DataFrame "
            f"of rules, got {type(scheme).__name__}."
        )
    nbins = _resolve_bins(data, bins, scheme if isinstance(scheme, str) else None)

    if isinstance(scheme, str):
        if default is not None:
            raise InputValueError(
                f"`default` applies only to custom rules; scheme {scheme!r} labels every "
                f"cell itself. Drop `default`."
            )
        rule_list, categories = _builtin_rules(scheme, nbins)
    else:
        if default is not None and not isinstance(default, str):
            raise InputTypeError(f"`default` must be a string or None, got {default!r}.")
        if default == "":
            raise InputValueError("`default` is empty; give the label for unmatched cells.")
        rule_list = _rules_from_input(scheme)
        categories = list(dict.fromkeys(rule.name for rule in rule_list))
        if default is not None and default not in categories:
            categories.append(default)

    boxes = _rule_boxes(rule_list, nbins)
    first = _first_match(boxes, nbins)
    _check_usable(first, rule_list, boxes, default)

    # Map each cell to its category code.
    code_of_rule = np.array([categories.index(rule.name) for rule in rule_list], dtype=np.int64)
    default_code = categories.index(default) if default is not None else -1
    table: npt.NDArray[np.int64] = np.where(
        first >= 0, code_of_rule[np.maximum(first, 0)], default_code
    ).ravel()

    hint = (
        "scheme 'cube8' needs scores from rfm_scores(summary, method='mean')"
        if isinstance(scheme, str) and scheme == "cube8"
        else "pass the `bins` the scores were computed with"
    )
    r, f, m = (_score_column(data, dim, b, hint) for dim, b in zip(_DIMS, nbins, strict=True))
    flat = ((r - 1) * nbins[1] + (f - 1)) * nbins[2] + (m - 1)
    codes: npt.NDArray[np.int64] = table[flat]
    result = pd.Categorical.from_codes(codes, categories=pd.Index(categories))
    return pd.Series(result, index=data.index, name="segment")


# ---------------------------------------------------------------------------
# helpers


def _check_range(value: object, name: str) -> tuple[int, int]:
    if isinstance(value, str | bytes) or not isinstance(value, Sequence | np.ndarray):
        raise InputTypeError(
            f"`{name}` must be a pair (low, high) of integers or None, got {value!r}."
        )
    items = list(value)
    if len(items) != 2 or any(
        isinstance(v, bool | np.bool_) or not isinstance(v, numbers.Integral) for v in items
    ):
        raise InputTypeError(
            f"`{name}` must be a pair (low, high) of integers or None, got {value!r}."
        )
    lo, hi = int(items[0]), int(items[1])
    if lo < 1 or lo > hi:
        raise InputValueError(
            f"`{name}` must satisfy 1 <= low <= high, got ({lo}, {hi}); scores start at 1."
        )
    return lo, hi


def _check_bins(bins: object) -> Bins:
    if isinstance(bins, numbers.Integral) and not isinstance(bins, bool | np.bool_):
        values = [int(bins)] * 3
    elif isinstance(bins, Sequence | np.ndarray) and not isinstance(bins, str | bytes):
        values = list(bins)
        if len(values) != 3 or any(
            isinstance(v, bool | np.bool_) or not isinstance(v, numbers.Integral) for v in values
        ):
            raise InputTypeError(
                f"`bins` must be an integer or three integers (R, F, M), got {bins!r}."
            )
        values = [int(v) for v in values]
    else:
        raise InputTypeError(
            f"`bins` must be an integer or three integers (R, F, M), got {bins!r}."
        )
    if any(v < 2 or v > _MAX_BINS for v in values):
        raise InputValueError(
            f"`bins` must lie in 2..{_MAX_BINS} for every dimension, got {bins!r}."
        )
    return values[0], values[1], values[2]


def _default_bins(scheme: str) -> Bins:
    return (2, 2, 2) if scheme == "cube8" else (5, 5, 5)


def _categorical_bins(column: pd.Series) -> int | None:
    """Return the number of scores a categorical score column carries (categories 1..b)."""
    dtype = column.dtype
    if not isinstance(dtype, pd.CategoricalDtype):
        return None
    cats = list(dtype.categories)
    if cats != list(range(1, len(cats) + 1)):
        raise InputValueError(
            f"categorical score column {column.name!r} must have the categories 1..bins "
            f"(as rfm_scores makes them), got {cats[:10]!r}; convert it with .astype(int) "
            f"and pass `bins`."
        )
    return len(cats)


def _resolve_bins(data: pd.DataFrame, bins: object, scheme: str | None) -> Bins:
    found = [_categorical_bins(data[dim]) for dim in _DIMS]
    recorded: Bins | None = None
    if all(b is not None for b in found):
        recorded = _check_bins(found)
    if bins is None:
        if recorded is not None:
            return recorded
        if any(b is not None for b in found):
            raise InputValueError(
                "the score columns R, F, M of `scores` mix categorical scores (which carry "
                "their number of scores) and plain numbers; pass `bins` for all three."
            )
        return _default_bins(scheme) if scheme is not None else (5, 5, 5)
    nbins = _check_bins(bins)
    if any(b is not None and b != n for b, n in zip(found, nbins, strict=True)):
        raise InputValueError(
            f"`bins`={bins!r} contradicts the scores per dimension (R, F, M) that the "
            f"categorical score columns of `scores` carry ({found}); omit `bins`."
        )
    return nbins


def _classic4_rules(nbins: Bins) -> list[SegmentRule]:
    low = [(1, b // 2) for b in nbins]
    high = [(b - b // 2 + 1, b) for b in nbins]
    mid_or_high = (nbins[2] // 2 + 1, nbins[2])
    return [
        SegmentRule("high value", r=high[0], f=high[1], m=high[2]),
        SegmentRule("must-retain", r=low[0], f=high[1], m=mid_or_high),
        SegmentRule("new", r=high[0], f=low[1], m=low[2]),
        SegmentRule("low value", r=low[0], f=low[1], m=low[2]),
        SegmentRule("other", r=(1, nbins[0]), f=(1, nbins[1]), m=(1, nbins[2])),
    ]


def _cube8_rules() -> list[SegmentRule]:
    rules: list[SegmentRule] = []
    for m, prefix in ((2, "important"), (1, "general")):
        for r, f, suffix in (
            (2, 2, "value"),
            (2, 1, "development"),
            (1, 2, "retention"),
            (1, 1, "win-back"),
        ):
            rules.append(SegmentRule(f"{prefix} {suffix}", r=(r, r), f=(f, f), m=(m, m)))
    return rules


@functools.cache
def _marketing_rules() -> tuple[SegmentRule, ...]:
    boxes: dict[str, list[Box]] = {name: [] for name in _MARKETING}
    for r in range(1, 6):
        for f in range(1, 6):
            for m in range(1, 6):
                name = _MARKETING_GRID[5 - r][(f + m) // 2 - 1]
                boxes[name].append((r, r, f, f, m, m))
    rules: list[SegmentRule] = []
    for name in _MARKETING:
        merged = sorted(_merge_boxes(boxes[name]), key=lambda b: (-b[1], b[2], b[4]))
        rules.extend(
            SegmentRule(name, r=(b[0], b[1]), f=(b[2], b[3]), m=(b[4], b[5])) for b in merged
        )
    return tuple(rules)


def _merge_boxes(boxes: list[Box]) -> list[Box]:
    """Merge boxes that are equal in two dimensions and adjacent in the third."""
    out = list(boxes)
    merged = True
    while merged:
        merged = False
        for i in range(len(out)):
            for j in range(len(out)):
                if i == j:
                    continue
                a, b = out[i], out[j]
                for d in range(3):
                    others_equal = all(
                        a[2 * e] == b[2 * e] and a[2 * e + 1] == b[2 * e + 1]
                        for e in range(3)
                        if e != d
                    )
                    if others_equal and a[2 * d + 1] + 1 == b[2 * d]:
                        new = list(a)
                        new[2 * d + 1] = b[2 * d + 1]
                        out[i] = (new[0], new[1], new[2], new[3], new[4], new[5])
                        del out[j]
                        merged = True
                        break
                if merged:
                    break
            if merged:
                break
    return out


# The built-in schemes defined for one number of scores only: the bins they need and
# the message naming the fix when the scores have other bins.
_FIXED_BINS = {
    "cube8": (
        (2, 2, 2),
        "scheme 'cube8' needs two scores per dimension (1 = at or below the mean, "
        "2 = better), but bins={nbins}; compute the scores with "
        "rfm_scores(summary, method='mean').",
    ),
    "marketing": (
        (5, 5, 5),
        "scheme 'marketing' is defined for five scores per dimension, but "
        "bins={nbins}; compute the scores with rfm_scores(summary, bins=5) or "
        "use scheme='classic4' or custom rules.",
    ),
}


def _builtin_rules(scheme: str, nbins: Bins) -> tuple[list[SegmentRule], list[str]]:
    if scheme in _FIXED_BINS:
        needed, message = _FIXED_BINS[scheme]
        if nbins != needed:
            raise InputValueError(message.format(nbins=nbins))
    if scheme == "cube8":
        return _cube8_rules(), list(_CUBE8)
    if scheme == "marketing":
        return list(_marketing_rules()), list(_MARKETING)
    return _classic4_rules(nbins), list(_CLASSIC4)


def _rules_frame(rules: Sequence[SegmentRule], nbins: Bins) -> pd.DataFrame:
    boxes = _rule_boxes(rules, nbins)
    frame = pd.DataFrame(boxes, columns=_RULE_COLUMNS[1:], dtype=np.int64)
    frame.insert(0, "name", [rule.name for rule in rules])
    return frame


def _rules_from_input(rules: object) -> list[SegmentRule]:
    if is_foreign_frame(rules):
        rules = as_pandas_frame(rules, "rules")
    if isinstance(rules, pd.DataFrame):
        return _rules_from_frame(rules)
    if isinstance(rules, str | bytes) or not isinstance(rules, Sequence):
        raise InputTypeError(
            f"rules must be a sequence of SegmentRule or a DataFrame, got {type(rules).__name__}."
        )
    out = list(rules)
    for i, rule in enumerate(out):
        if not isinstance(rule, SegmentRule):
            raise InputTypeError(
                f"rule {i} must be a SegmentRule, got {type(rule).__name__}; build it with "
                f"SegmentRule(name, r=(lo, hi), f=(lo, hi), m=(lo, hi))."
            )
    if not out:
        raise InputValueError("the rule list is empty; give at least one SegmentRule.")
    return out


def _rules_from_frame(frame: pd.DataFrame) -> list[SegmentRule]:
    present = ", ".join(repr(c) for c in list(frame.columns)[:20])
    if "name" not in frame.columns:
        raise MissingColumnError(
            f"the rules DataFrame has no column 'name' (columns present: {present}); "
            f"use the layout of segment_rules(...)."
        )
    if len(frame) == 0:
        raise InputValueError("the rules DataFrame is empty; give at least one rule.")
    ranges: dict[str, list[tuple[int, int] | None]] = {}
    for dim in ("r", "f", "m"):
        lo_col, hi_col = f"{dim}_lo", f"{dim}_hi"
        if lo_col in frame.columns and hi_col in frame.columns:
            lo = as_float_array(frame[lo_col], f"rules[{lo_col!r}]", integer=True)
            hi = as_float_array(frame[hi_col], f"rules[{hi_col!r}]", integer=True)
            ranges[dim] = [(int(a), int(b)) for a, b in zip(lo, hi, strict=True)]
        elif dim in frame.columns:
            ranges[dim] = [None if _is_missing(v) else v for v in frame[dim].to_list()]
        else:
            raise MissingColumnError(
                f"the rules DataFrame has neither columns {lo_col!r} and {hi_col!r} nor a "
                f"column {dim!r} of (low, high) pairs (columns present: {present}); use the "
                f"layout of segment_rules(...)."
            )
    return [
        SegmentRule(name, r=r, f=f, m=m)
        for name, r, f, m in zip(
            frame["name"].to_list(), ranges["r"], ranges["f"], ranges["m"], strict=True
        )
    ]


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def _rule_boxes(rules: Sequence[SegmentRule], nbins: Bins) -> list[Box]:
    boxes: list[Box] = []
    for i, rule in enumerate(rules):
        parts: list[int] = []
        for dim, rng, b in zip(_DIMS, (rule.r, rule.f, rule.m), nbins, strict=True):
            lo, hi = (1, b) if rng is None else rng
            if hi > b:
                raise InputValueError(
                    f"rule {i} ({rule.name!r}) has {dim} range ({lo}, {hi}) outside 1..{b}; "
                    f"scores run from 1 to bins={b}. Narrow the range or pass the right bins."
                )
            parts.extend((lo, hi))
        boxes.append((parts[0], parts[1], parts[2], parts[3], parts[4], parts[5]))
    return boxes


def _first_match(boxes: Sequence[Box], nbins: Bins) -> npt.NDArray[np.int64]:
    """Index of the first rule matching each cell of the score cube, -1 if none."""
    first = np.full(nbins, -1, dtype=np.int64)
    for i in range(len(boxes) - 1, -1, -1):
        r0, r1, f0, f1, m0, m1 = boxes[i]
        first[r0 - 1 : r1, f0 - 1 : f1, m0 - 1 : m1] = i
    return first


def _intersects(a: Box, b: Box) -> bool:
    return all(a[2 * d] <= b[2 * d + 1] and b[2 * d] <= a[2 * d + 1] for d in range(3))


def _check_usable(
    first: npt.NDArray[np.int64],
    rules: Sequence[SegmentRule],
    boxes: Sequence[Box],
    default: str | None,
) -> None:
    winners = set(np.unique(first[first >= 0]).tolist())
    for i, rule in enumerate(rules):
        if i not in winners:
            r0, r1, f0, f1, m0, m1 = boxes[i]
            raise InputValueError(
                f"rule {i} ({rule.name!r}, R {r0}-{r1}, F {f0}-{f1}, M {m0}-{m1}) is "
                f"unreachable: earlier rules match all of its cells. Remove or reorder it "
                f"(check_segment_rules lists overlaps)."
            )
    if default is None and (first < 0).any():
        missing = [
            f"{r + 1}{f + 1}{m + 1}" for r, f, m in zip(*np.nonzero(first < 0), strict=True)
        ]
        listed = ", ".join(repr(c) for c in missing[:5])
        raise InputValueError(
            f"the rules leave {len(missing)} of {first.size} cells uncovered (e.g. {listed}, "
            f"as R F M digits); add rules for them or pass default='other'."
        )


def _score_column(data: pd.DataFrame, dim: str, b: int, hint: str) -> npt.NDArray[np.int64]:
    name = f"scores[{dim!r}]"
    column = data[dim]
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = column.cat.codes.to_numpy()
        if (codes < 0).any():
            raise InputValueError(
                f"`{name}` has missing scores at position {int(np.flatnonzero(codes < 0)[0])}; "
                f"score every customer."
            )
        return np.asarray(column.cat.categories.to_numpy()[codes], dtype=np.int64)
    values = as_float_array(column, name, integer=True, allow_empty=True)
    bad = (values < 1) | (values > b)
    if bad.any():
        idx = np.flatnonzero(bad)
        raise InputValueError(
            f"`{name}` must lie in 1..{b} (bins={b} for {dim}), but has {idx.size} value(s) "
            f"outside, first at position {idx[0]}: {values[idx[0]]:g}; {hint}."
        )
    return values.astype(np.int64)
