from __future__ import annotations

import copy
import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from custvalue._rfm.scores import rfm_scores
from custvalue._rfm.segments import SegmentRule
from custvalue._rfm.segments import SegmentRulesReport
from custvalue._rfm.segments import check_segment_rules
from custvalue._rfm.segments import rfm_segments
from custvalue._rfm.segments import segment_rules
from custvalue.errors import CustvalueError
from custvalue.errors import InputTypeError
from custvalue.errors import InputValueError
from custvalue.errors import MissingColumnError

# ---------------------------------------------------------------------------
# Slow, obviously-correct references, written from the documented tables.


def bins_of(scores):
    """Number of scores per dimension carried by the categorical R, F, M columns."""
    return tuple(len(scores[d].cat.categories) for d in ("R", "F", "M"))


def level(score, bins):
    """'low' below the centre (bins + 1) / 2, 'middle' on it, 'high' above."""
    if 2 * score < bins + 1:
        return "low"
    if 2 * score == bins + 1:
        return "middle"
    return "high"


def ref_classic4(r, f, m, bins):
    lr, lf, lm = level(r, bins[0]), level(f, bins[1]), level(m, bins[2])
    if lr == "high" and lf == "high" and lm == "high":
        return "high value"
    if lr == "low" and lf == "high" and lm in ("middle", "high"):
        return "must-retain"
    if lr == "high" and lf == "low" and lm == "low":
        return "new"
    if lr == "low" and lf == "low" and lm == "low":
        return "low value"
    return "other"


REF_CUBE8 = {
    (2, 2, 2): "important value",
    (2, 1, 2): "important development",
    (1, 2, 2): "important retention",
    (1, 1, 2): "important win-back",
    (2, 2, 1): "general value",
    (2, 1, 1): "general development",
    (1, 2, 1): "general retention",
    (1, 1, 1): "general win-back",
}

# rows R = 5 .. 1, columns FM = 1 .. 5 (copied from the documented grid)
REF_MARKETING_GRID = {
    5: ["New", "Potential Loyalist", "Potential Loyalist", "Champions", "Champions"],
    4: ["Promising", "Potential Loyalist", "Potential Loyalist", "Champions", "Champions"],
    3: ["About to Sleep", "About to Sleep", "Need Attention", "Loyal", "Loyal"],
    2: ["Hibernating", "Hibernating", "At Risk", "At Risk", "At Risk"],
    1: ["Lost", "Lost", "At Risk", "Can't Lose", "Can't Lose"],
}
MARKETING_ORDER = [
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
]


def ref_marketing(r, f, m):
    fm = int(np.floor((f + m) / 2))
    return REF_MARKETING_GRID[r][fm - 1]


def rule_cells(rule, bins):
    rr = rule.r or (1, bins[0])
    ff = rule.f or (1, bins[1])
    mm = rule.m or (1, bins[2])
    return {
        (r, f, m)
        for r in range(rr[0], rr[1] + 1)
        for f in range(ff[0], ff[1] + 1)
        for m in range(mm[0], mm[1] + 1)
    }


def ref_custom(rules, default, cell):
    for rule in rules:
        r, f, m = cell
        rr, ff, mm = rule.r or (1, 9), rule.f or (1, 9), rule.m or (1, 9)
        if rr[0] <= r <= rr[1] and ff[0] <= f <= ff[1] and mm[0] <= m <= mm[1]:
            return rule.name
    return default


def ref_report(rules, bins):
    cells = list(
        itertools.product(range(1, bins[0] + 1), range(1, bins[1] + 1), range(1, bins[2] + 1))
    )
    sets = [rule_cells(rule, bins) for rule in rules]
    overlaps = [
        (i, j) for i in range(len(rules)) for j in range(i + 1, len(rules)) if sets[i] & sets[j]
    ]
    winners = set()
    uncovered = []
    for cell in cells:
        hits = [i for i, s in enumerate(sets) if cell in s]
        if hits:
            winners.add(hits[0])
        else:
            uncovered.append(f"{cell[0]}{cell[1]}{cell[2]}")
    unreachable = [i for i in range(len(rules)) if i not in winners]
    return overlaps, unreachable, uncovered


def all_cells(bins):
    cells = list(
        itertools.product(range(1, bins[0] + 1), range(1, bins[1] + 1), range(1, bins[2] + 1))
    )
    return pd.DataFrame(cells, columns=["R", "F", "M"]), cells


# ---------------------------------------------------------------------------
# Built-in schemes, exhaustively


@pytest.mark.parametrize("bins", [(b, b, b) for b in range(2, 10)] + [(3, 4, 5), (2, 9, 4)])
def test_classic4_every_cell(bins):
    frame, cells = all_cells(bins)
    out = rfm_segments(frame, "classic4", bins=bins if len(set(bins)) > 1 else bins[0])
    assert list(out) == [ref_classic4(*cell, bins) for cell in cells]
    assert list(out.cat.categories) == ["high value", "must-retain", "new", "low value", "other"]
    assert set(out) == set(out.cat.categories)  # every segment occurs somewhere


def test_classic4_levels_for_five_bins():
    frame = pd.DataFrame(
        {"R": [4, 5, 2, 1, 5, 2, 3], "F": [4, 5, 4, 5, 2, 1, 3], "M": [4, 5, 3, 3, 1, 2, 3]}
    )
    out = rfm_segments(frame)
    assert list(out) == [
        "high value",
        "high value",
        "must-retain",
        "must-retain",
        "new",
        "low value",
        "other",
    ]


def test_cube8_every_cell():
    frame, cells = all_cells((2, 2, 2))
    out = rfm_segments(frame, "cube8")
    assert list(out) == [REF_CUBE8[cell] for cell in cells]
    assert list(out.cat.categories) == [
        "important value",
        "important development",
        "important retention",
        "important win-back",
        "general value",
        "general development",
        "general retention",
        "general win-back",
    ]


def test_marketing_every_cell():
    frame, cells = all_cells((5, 5, 5))
    out = rfm_segments(frame, "marketing")
    assert len(cells) == 125
    assert list(out) == [ref_marketing(*cell) for cell in cells]
    assert list(out.cat.categories) == MARKETING_ORDER
    assert set(out) == set(MARKETING_ORDER)
    assert not pd.isna(np.asarray(out, dtype=object)).any()


@pytest.mark.parametrize(
    ("scheme", "bins"),
    [("classic4", 5), ("classic4", 2), ("classic4", (3, 6, 9)), ("cube8", 2), ("marketing", 5)],
)
def test_segment_rules_round_trip(scheme, bins):
    table = segment_rules(scheme, bins)
    assert list(table.columns) == ["name", "r_lo", "r_hi", "f_lo", "f_hi", "m_lo", "m_hi"]
    b = (bins,) * 3 if isinstance(bins, int) else bins
    frame, _ = all_cells(b)
    builtin = rfm_segments(frame, scheme, bins=bins)
    custom = rfm_segments(frame, table, bins=bins)
    assert list(custom) == list(builtin)
    report = check_segment_rules(table, bins)
    assert report.unreachable == () and report.uncovered == ()
    if scheme != "classic4":
        assert report.is_partition


def test_segment_rules_classic4_table():
    table = segment_rules("classic4", 4)
    assert table.values.tolist() == [
        ["high value", 3, 4, 3, 4, 3, 4],
        ["must-retain", 1, 2, 3, 4, 3, 4],
        ["new", 3, 4, 1, 2, 1, 2],
        ["low value", 1, 2, 1, 2, 1, 2],
        ["other", 1, 4, 1, 4, 1, 4],
    ]
    assert segment_rules("cube8").shape == (8, 7)


# ---------------------------------------------------------------------------
# Custom rules vs a naive loop, and the report vs brute force


@st.composite
def rule_sets(draw):
    bins = tuple(draw(st.integers(2, 4)) for _ in range(3))

    def rng(b):
        return st.one_of(
            st.none(),
            st.tuples(st.integers(1, b), st.integers(1, b)).map(lambda t: (min(t), max(t))),
        )

    rules = draw(
        st.lists(
            st.builds(
                SegmentRule,
                name=st.sampled_from(["a", "b", "c", "d"]),
                r=rng(bins[0]),
                f=rng(bins[1]),
                m=rng(bins[2]),
            ),
            min_size=1,
            max_size=6,
        )
    )
    return bins, rules


@settings(max_examples=100, deadline=None)
@given(
    data=rule_sets(),
    default=st.sampled_from([None, "rest", "a"]),
    seed=st.integers(0, 2**16),
)
def test_custom_rules_match_naive_loop(data, default, seed):
    bins, rules = data
    rng = np.random.default_rng(seed)
    n = 30
    cells = [tuple(int(rng.integers(1, b + 1)) for b in bins) for _ in range(n)]
    frame = pd.DataFrame(cells, columns=["R", "F", "M"])
    _, unreachable, uncovered = ref_report(rules, bins)
    if unreachable:
        with pytest.raises(InputValueError, match="unreachable"):
            rfm_segments(frame, rules, bins=bins, default=default)
        return
    if uncovered and default is None:
        with pytest.raises(InputValueError, match="uncovered"):
            rfm_segments(frame, rules, bins=bins, default=default)
        return
    out = rfm_segments(frame, rules, bins=bins, default=default)
    assert list(out) == [ref_custom(rules, default, cell) for cell in cells]
    expected_categories = list(dict.fromkeys([r.name for r in rules]))
    if default is not None and default not in expected_categories:
        expected_categories.append(default)
    assert list(out.cat.categories) == expected_categories


@settings(max_examples=100, deadline=None)
@given(data=rule_sets())
def test_report_matches_brute_force(data):
    bins, rules = data
    report = check_segment_rules(rules, bins)
    overlaps, unreachable, uncovered = ref_report(rules, bins)
    assert isinstance(report, SegmentRulesReport)
    assert list(report.overlaps) == overlaps
    assert list(report.unreachable) == unreachable
    assert sorted(report.uncovered) == sorted(uncovered)
    assert report.bins == bins
    assert [r.name for r in report.rules] == [r.name for r in rules]
    assert report.is_partition == (not overlaps and not unreachable and not uncovered)


def test_report_hand_worked():
    rules = [
        SegmentRule("top", r=(5, 5), f=(5, 5), m=(5, 5)),
        SegmentRule("recent", r=(4, 5)),
        SegmentRule("recent too", r=(5, 5)),
        SegmentRule("old", r=(1, 2)),
    ]
    report = check_segment_rules(rules)
    assert report.overlaps == ((0, 1), (0, 2), (1, 2))
    assert report.unreachable == (2,)
    assert len(report.uncovered) == 25 and report.uncovered[0] == "311"
    assert report.rules[1] == SegmentRule("recent", r=(4, 5), f=(1, 5), m=(1, 5))


def test_rules_as_dataframe_both_layouts():
    flat = pd.DataFrame(
        {
            "name": ["hi", "lo"],
            "r_lo": [3, 1],
            "r_hi": [5, 2],
            "f_lo": [1, 1],
            "f_hi": [5, 5],
            "m_lo": [1, 1],
            "m_hi": [5, 5],
        }
    )
    pairs = pd.DataFrame(
        {"name": ["hi", "lo"], "r": [(3, 5), (1, 2)], "f": [None, None], "m": [None, (1, 5)]}
    )
    scores = pd.DataFrame({"R": [1, 3, 5, 2], "F": [1, 2, 3, 4], "M": [5, 4, 3, 2]})
    assert list(rfm_segments(scores, flat)) == ["lo", "hi", "hi", "lo"]
    assert list(rfm_segments(scores, pairs)) == ["lo", "hi", "hi", "lo"]


def test_duplicate_names_and_default_equal_to_a_name():
    rules = [
        SegmentRule("edge", r=(1, 1)),
        SegmentRule("middle", r=(2, 4)),
        SegmentRule("edge", r=(5, 5), f=(1, 4)),
    ]
    scores = pd.DataFrame({"R": [1, 3, 5, 5], "F": [1, 1, 1, 5], "M": [1, 1, 1, 1]})
    out = rfm_segments(scores, rules, default="middle")
    assert list(out) == ["edge", "middle", "edge", "middle"]
    assert list(out.cat.categories) == ["edge", "middle"]


def test_segment_rule_normalises_lists():
    rule = SegmentRule("x", r=[2, 3])
    assert rule.r == (2, 3) and rule.f is None
    with pytest.raises(AttributeError):
        rule.name = "y"  # type: ignore[misc]


# ---------------------------------------------------------------------------
# Interplay with rfm_scores, alignment, non-mutation


def summary_frame():
    return pd.DataFrame(
        {
            "inactivity": [1, 5, 9, 2, 30, 12, 3, 7],
            "purchases": [9, 1, 2, 5, 1, 3, 1, 6],
            "total_value": [900.0, 20.0, 50.0, 400.0, 10.0, 80.0, 15.0, 300.0],
        },
        index=pd.Index(list("abcdefgh"), name="customer"),
    )


def test_bins_recorded_by_rfm_scores_are_used():
    scores = rfm_scores(summary_frame(), bins=4)
    out = rfm_segments(scores)
    explicit = rfm_segments(scores.copy(), bins=4)
    assert list(out) == list(explicit)
    expected = [ref_classic4(r, f, m, (4, 4, 4)) for r, f, m in scores[["R", "F", "M"]].to_numpy()]
    assert list(out) == expected
    with pytest.raises(InputValueError, match="bins"):
        rfm_segments(scores, bins=5)


def test_cube8_from_mean_scores_and_alignment():
    summary = summary_frame()
    scores = rfm_scores(summary, method="mean")
    shuffled = scores.iloc[::-1]
    out = rfm_segments(shuffled, "cube8")
    expected = [REF_CUBE8[tuple(row)] for row in shuffled[["R", "F", "M"]].to_numpy()]
    assert list(out) == expected
    # customer "a": recent (1 < mean), frequent, big spender
    assert pd.Series(out, index=shuffled.index)["a"] == "important value"


def test_edges_scores_with_per_dimension_bins():
    scores = rfm_scores(
        summary_frame(), method="edges", edges={"R": [3, 10], "F": [2, 5, 8], "M": [100]}
    )
    assert bins_of(scores) == (3, 4, 2)
    out = rfm_segments(scores)
    expected = [ref_classic4(r, f, m, (3, 4, 2)) for r, f, m in scores[["R", "F", "M"]].to_numpy()]
    assert list(out) == expected


def test_scores_not_modified_and_empty_scores():
    scores = rfm_scores(summary_frame())
    before = copy.deepcopy(scores)
    rfm_segments(scores, "marketing")
    pd.testing.assert_frame_equal(scores, before)
    assert scores.attrs == before.attrs
    empty = pd.DataFrame({"R": [], "F": [], "M": []}, dtype=np.int64)
    out = rfm_segments(empty, "marketing")
    assert len(out) == 0 and list(out.cat.categories) == MARKETING_ORDER


def test_nullable_integer_scores_accepted():
    scores = pd.DataFrame({"R": [5, 1], "F": [5, 1], "M": [5, 1]}, dtype="Int64")
    assert list(rfm_segments(scores)) == ["high value", "low value"]


# ---------------------------------------------------------------------------
# Bad input

GOOD = pd.DataFrame({"R": [1, 5], "F": [2, 3], "M": [3, 4]})
COVER_ALL = [SegmentRule("all")]


def scores_with(col, values):
    frame = GOOD.copy()
    frame[col] = values
    return frame


@pytest.mark.parametrize(
    ("scores", "args", "kwargs", "error", "words"),
    [
        ([[1, 2, 3]], (), {}, InputTypeError, ["scores"]),
        (GOOD.drop(columns="R"), (), {}, MissingColumnError, ["'R'", "rfm_scores"]),
        (GOOD.drop(columns="M"), ("marketing",), {}, MissingColumnError, ["'M'"]),
        (scores_with("F", [2, 6]), (), {}, InputValueError, ["scores['F']", "1..5"]),
        (scores_with("R", [0, 1]), (), {}, InputValueError, ["scores['R']"]),
        (scores_with("M", [2.5, 1]), (), {}, InputValueError, ["scores['M']", "whole"]),
        (scores_with("M", [np.nan, 1]), (), {}, InputValueError, ["scores['M']"]),
        (scores_with("R", ["high", "low"]), (), {}, InputTypeError, ["scores['R']"]),
        (GOOD, ("cube8",), {}, InputValueError, ["cube8", "method='mean'"]),
        (GOOD, ("cube8",), {"bins": 5}, InputValueError, ["cube8", "method='mean'"]),
        (GOOD, ("marketing",), {"bins": 4}, InputValueError, ["marketing", "five"]),
        (GOOD, ("rfm11",), {}, InputValueError, ["scheme"]),
        (GOOD, (42,), {}, InputTypeError, ["scheme"]),
        (GOOD, ("classic4",), {"default": "x"}, InputValueError, ["default"]),
        (GOOD, (COVER_ALL,), {"default": 3}, InputTypeError, ["default"]),
        (GOOD, (COVER_ALL,), {"default": ""}, InputValueError, ["default"]),
        (GOOD, ([],), {}, InputValueError, ["empty"]),
        (GOOD, ([("a", (1, 2))],), {}, InputTypeError, ["rule 0", "SegmentRule"]),
        (
            GOOD,
            ([SegmentRule("a", r=(1, 6))],),
            {},
            InputValueError,
            ["rule 0", "'a'", "R", "1..5"],
        ),
        (
            GOOD,
            ([SegmentRule("a"), SegmentRule("b", f=(2, 3))],),
            {},
            InputValueError,
            ["rule 1", "'b'", "unreachable"],
        ),
        (
            GOOD,
            ([SegmentRule("a", r=(1, 4))],),
            {},
            InputValueError,
            ["25 of 125", "uncovered", "default"],
        ),
        (GOOD, ("classic4",), {"bins": 1}, InputValueError, ["bins"]),
        (GOOD, ("classic4",), {"bins": 10}, InputValueError, ["bins"]),
        (GOOD, ("classic4",), {"bins": (5, 5)}, InputTypeError, ["bins"]),
        (GOOD, ("classic4",), {"bins": "5"}, InputTypeError, ["bins"]),
        (GOOD, ("classic4",), {"bins": 2.0}, InputTypeError, ["bins"]),
        (GOOD, (pd.DataFrame({"r": [(1, 5)]}),), {}, MissingColumnError, ["'name'"]),
        (
            GOOD,
            (pd.DataFrame({"name": ["a"], "r_lo": [1], "r_hi": [5], "m": [None]}),),
            {},
            MissingColumnError,
            ["'f_lo'", "'f'"],
        ),
        (
            GOOD,
            (pd.DataFrame({"name": ["a"], "r": [None], "f": [None], "m": [(1.5, 2)]}),),
            {},
            InputTypeError,
            ["'a'", "m"],
        ),
    ],
)
def test_bad_input(scores, args, kwargs, error, words):
    with pytest.raises(error) as info:
        rfm_segments(scores, *args, **kwargs)
    assert isinstance(info.value, CustvalueError)
    message = str(info.value)
    for word in words:
        assert word in message


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"name": 3}, InputTypeError, ["name"]),
        ({"name": ""}, InputValueError, ["name"]),
        ({"name": "x", "r": (3, 2)}, InputValueError, ["'x'", "r", "(3, 2)"]),
        ({"name": "x", "f": (0, 2)}, InputValueError, ["'x'", "f"]),
        ({"name": "x", "m": (1, 2, 3)}, InputTypeError, ["'x'", "m"]),
        ({"name": "x", "m": ("1", "2")}, InputTypeError, ["'x'", "m"]),
        ({"name": "x", "r": (True, 2)}, InputTypeError, ["'x'", "r"]),
        ({"name": "x", "r": 3}, InputTypeError, ["'x'", "r"]),
    ],
)
def test_bad_segment_rule(kwargs, error, words):
    with pytest.raises(error) as info:
        SegmentRule(**kwargs)
    for word in words:
        assert word in str(info.value)


def test_check_segment_rules_bad_input():
    with pytest.raises(InputValueError, match=r"rule 0 \('a'\).*outside 1\.\.3"):
        check_segment_rules([SegmentRule("a", m=(1, 4))], bins=3)
    with pytest.raises(InputTypeError, match="rules"):
        check_segment_rules("classic4")
    with pytest.raises(InputValueError, match="empty"):
        check_segment_rules([])
    with pytest.raises(InputValueError, match="bins"):
        check_segment_rules(COVER_ALL, bins=(2, 3, 12))


def test_segment_rules_bad_input():
    with pytest.raises(InputValueError, match="scheme"):
        segment_rules("rfm11")
    with pytest.raises(InputValueError, match="cube8"):
        segment_rules("cube8", 5)
    with pytest.raises(InputValueError, match="marketing"):
        segment_rules("marketing", 3)


# ---------------------------------------------------------------------------
# Alignment and bins carried by the scores (regressions)


def test_segments_follow_the_customers_after_reordering():
    summary = rfm_summary_like()
    scores = rfm_scores(summary)
    by_position = rfm_segments(scores)
    out = summary.assign(segment=rfm_segments(scores.sort_values("score")))
    assert out["segment"].tolist() == by_position.tolist()
    segments = rfm_segments(scores.sort_values("score"))
    assert isinstance(segments, pd.Series) and segments.name == "segment"
    assert isinstance(segments.dtype, pd.CategoricalDtype)
    assert segments.index.equals(scores.sort_values("score").index)


def rfm_summary_like():
    return pd.DataFrame(
        {
            "inactivity": [1, 5, 9, 2, 30, 12, 3, 7, 40, 0],
            "purchases": [9, 1, 2, 5, 1, 3, 1, 6, 2, 8],
            "total_value": [900.0, 20.0, 50.0, 400.0, 10.0, 80.0, 15.0, 300.0, 5.0, 700.0],
        },
        index=pd.Index(list("abcdefghij"), name="customer"),
    )


def test_bins_travel_with_the_score_columns():
    scores = rfm_scores(rfm_summary_like(), bins=3)
    subset = scores[scores["score"] <= 4]  # the top score 3 may be absent here
    want = [
        ref_classic4(r, f, m, (3, 3, 3))
        for r, f, m in subset[["R", "F", "M"]].astype(int).to_numpy()
    ]
    assert rfm_segments(subset).tolist() == want
    merged = rfm_summary_like().join(scores)
    assert rfm_segments(merged).tolist() == rfm_segments(scores).tolist()
    with pytest.raises(InputValueError, match="bins"):
        rfm_segments(scores, bins=5)
    assert not scores.attrs


def test_mixed_categorical_and_plain_scores_need_bins():
    scores = rfm_scores(rfm_summary_like(), bins=3)
    mixed = scores.assign(R=scores["R"].astype(int))
    with pytest.raises(InputValueError, match="bins"):
        rfm_segments(mixed)
    assert rfm_segments(mixed, bins=3).tolist() == rfm_segments(scores).tolist()
    with pytest.raises(InputValueError, match="bins"):
        rfm_segments(mixed, bins=(3, 4, 3))
