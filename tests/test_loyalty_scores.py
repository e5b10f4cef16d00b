"""purchase_regularity, loyalty_score, nps and the rank kernels against naive references."""

from __future__ import annotations

import itertools
import math
import statistics

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from reference import percentile_rank as ref_percentile

from custvalue._loyalty.kernels import combine_components
from custvalue.errors import CustvalueError
from custvalue.errors import InputTypeError
from custvalue.errors import InputValueError
from custvalue.errors import MissingColumnError
from custvalue.loyalty import COMPONENTS
from custvalue.loyalty import DEFAULT_WEIGHTS
from custvalue.loyalty import LoyaltyScore
from custvalue.loyalty import NPSResult
from custvalue.loyalty import loyalty_score
from custvalue.loyalty import nps
from custvalue.loyalty import purchase_regularity
from custvalue.rfm import rfm_summary

# ---------------------------------------------------------------------------
# Slow, obviously-correct references written from the documented rules.


def ref_regularity(log, end=None, amount_col="amount"):
    """One customer at a time: occasions -> gaps -> statistics."""
    per = {}
    for cid, t, a in zip(log["customer_id"], log["date"], log[amount_col], strict=True):
        if end is not None and t > end:
            continue
        occ = per.setdefault(cid, {})
        occ[t] = occ.get(t, 0.0) + a
    last_t = max(t for occ in per.values() for t in occ) if end is None else end
    rows = {}
    for cid in sorted(per):
        times = sorted(per[cid])
        amounts = [per[cid][t] for t in times]
        m = len(times)
        gaps = [b - a for a, b in itertools.pairwise(times)]
        mean = statistics.mean(gaps) if gaps else math.nan
        sd = statistics.stdev(gaps) if len(gaps) >= 2 else math.nan
        inactivity = last_t - times[-1]
        if m >= 2:
            h = m // 2
            early, late = sum(amounts[:h]), sum(amounts[-h:])
            trend = (late - early) / (late + early) if late + early > 0 else 0.0
        else:
            trend = math.nan
        rows[cid] = {
            "purchases": m,
            "mean_interval": mean,
            "std_interval": sd,
            "cv_interval": sd / mean if m >= 3 else math.nan,
            "inactivity": float(inactivity),
            "overdue_periods": inactivity - mean,
            "overdue_ratio": inactivity / mean,
            "spend_trend": trend,
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def ref_loyalty(frequency, recency, T, extra, weights):
    """Measures -> ranks -> weighted mean over each customer's defined components."""
    n = len(frequency)
    rhythms = [r / f for f, r in zip(frequency, recency, strict=True) if f > 0]
    reference = statistics.median(rhythms) if rhythms else 1.0
    overdue = []
    for f, r, t in zip(frequency, recency, T, strict=True):
        rhythm = r / f if f > 0 else reference
        overdue.append((t - r) / rhythm)
    measures = {"recency": overdue, "frequency": list(frequency), "tenure": list(T)}
    measures.update(extra)
    comps = {
        name: ref_percentile(vals, higher_is_better=name not in ("recency", "regularity"))
        for name, vals in measures.items()
    }
    total = sum(weights[name] for name in comps)
    w = {name: weights[name] / total for name in comps}
    scores = []
    for i in range(n):
        defined = [k for k in comps if w[k] > 0 and not math.isnan(comps[k][i])]
        den = sum(w[k] for k in defined)
        scores.append(sum(w[k] * comps[k][i] for k in defined) / den if den else math.nan)
    return scores, comps


def ref_nps(scores):
    n = len(scores)
    p = sum(1 for s in scores if s >= 9) / n
    d = sum(1 for s in scores if s <= 6) / n
    se = 100 * math.sqrt((p + d - (p - d) ** 2) / n)
    return 100 * (p - d), se


# ---------------------------------------------------------------------------
# Combination kernel (the rank kernel is tested in test_core_ranks.py)


@settings(max_examples=100, deadline=None)
@given(
    comps=st.lists(
        st.lists(st.one_of(st.floats(0, 100), st.just(math.nan)), min_size=3, max_size=3),
        min_size=1,
        max_size=5,
    ),
    weights=st.lists(st.floats(0, 10), min_size=3, max_size=3),
    which=st.integers(0, 2),
    bump=st.floats(0, 100),
)
def test_combination_bounded_and_monotone_in_each_component(comps, weights, which, bump):
    c = np.array(comps, dtype=np.float64).T.copy()  # (3, n)
    w = np.array(weights)
    score, contrib = combine_components(c, w)
    ok = ~np.isnan(score)
    assert np.all((score[ok] >= 0) & (score[ok] <= 100))
    np.testing.assert_allclose(np.nansum(contrib, axis=0)[ok], score[ok], atol=1e-9)
    # Raise one component of customer 0, everything else fixed.
    if not math.isnan(c[which, 0]):
        raised = c.copy()
        raised[which, 0] = min(100.0, c[which, 0] + bump)
        score2, _ = combine_components(raised, w)
        if ok[0]:
            assert score2[0] >= score[0] - 1e-12


# ---------------------------------------------------------------------------
# purchase_regularity


def test_purchase_regularity_hand_example():
    log = pd.DataFrame(
        {
            "customer_id": [1, 1, 1, 1, 1, 2, 2, 3],
            "date": pd.to_datetime(
                [
                    "2024-01-01",
                    "2024-01-06",
                    "2024-01-06",  # same day: one occasion of 30
                    "2024-01-21",
                    "2024-01-21",
                    "2024-01-10",
                    "2024-01-20",
                    "2024-01-31",
                ]
            ),
            "amount": [10.0, 10.0, 20.0, 5.0, 5.0, 8.0, 8.0, 3.0],
        }
    )
    out = purchase_regularity(log, amount_col="amount", observation_end="2024-01-31")
    assert list(out.index) == [1, 2, 3]
    # Customer 1: occasions on days 0, 5, 20 -> gaps 5 and 15: mean 10, sd sqrt(50).
    row = out.loc[1]
    assert row["purchases"] == 3
    assert row["mean_interval"] == 10.0
    assert row["std_interval"] == pytest.approx(math.sqrt(50.0))
    assert row["cv_interval"] == pytest.approx(math.sqrt(50.0) / 10.0)
    assert row["inactivity"] == 10.0
    assert row["overdue_periods"] == 0.0
    assert row["overdue_ratio"] == 1.0
    # h = 1: first occasion 10, last 10 -> flat.
    assert row["spend_trend"] == 0.0
    # Customer 2: one gap of 10, last purchase 11 days ago; flat spend.
    row = out.loc[2]
    assert (row["purchases"], row["mean_interval"], row["inactivity"]) == (2, 10.0, 11.0)
    assert np.isnan(row["std_interval"]) and np.isnan(row["cv_interval"])
    assert row["overdue_periods"] == 1.0
    assert row["overdue_ratio"] == pytest.approx(1.1)
    # Customer 3: a single occasion, bought on the last day.
    row = out.loc[3]
    assert row["purchases"] == 1 and row["inactivity"] == 0.0
    assert np.isnan(row[["mean_interval", "overdue_ratio", "spend_trend"]]).all()


def test_purchase_regularity_matches_rfm_summary():
    log = pd.DataFrame(
        {
            "customer_id": ["b", "a", "a", "b", "c", "a"],
            "date": pd.to_datetime(
                [
                    "2024-02-01",
                    "2024-01-01",
                    "2024-01-09",
                    "2024-01-05",
                    "2024-03-01",
                    "2024-03-02",
                ]
            ),
        }
    )
    reg = purchase_regularity(log, observation_end="2024-03-01")
    summary = rfm_summary(log, observation_end="2024-03-01")
    assert reg.index.equals(summary.index)
    assert "spend_trend" not in reg.columns
    np.testing.assert_array_equal(reg["purchases"], summary["purchases"])
    np.testing.assert_array_equal(reg["inactivity"], summary["inactivity"])
    repeat = summary["frequency"] > 0
    np.testing.assert_allclose(
        reg["mean_interval"][repeat], (summary["recency"] / summary["frequency"])[repeat]
    )


log_rows = st.lists(
    st.tuples(st.integers(0, 5), st.integers(0, 40), st.integers(0, 30)),
    min_size=1,
    max_size=40,
)


@settings(max_examples=100, deadline=None)
@given(rows=log_rows, end_offset=st.one_of(st.none(), st.integers(0, 45)))
def test_purchase_regularity_matches_reference(rows, end_offset):
    log = pd.DataFrame(rows, columns=["customer_id", "date", "amount"]).astype(
        {"date": float, "amount": float}
    )
    end = None if end_offset is None else float(end_offset)
    if end is not None and (log["date"] > end).all():
        with pytest.raises(InputValueError, match="observation_end"):
            purchase_regularity(log, amount_col="amount", observation_end=end)
        return
    got = purchase_regularity(log, amount_col="amount", observation_end=end)
    ref = ref_regularity(log, end)
    assert list(got.index) == list(ref.index)
    for col in ref.columns:
        np.testing.assert_allclose(
            got[col].to_numpy(dtype=float), ref[col].to_numpy(dtype=float), rtol=1e-12, err_msg=col
        )


# ---------------------------------------------------------------------------
# loyalty_score


def make_summary(frequency, recency, T, index=None):
    return pd.DataFrame(
        {"frequency": frequency, "recency": recency, "T": T},
        index=index if index is not None else [f"c{i}" for i in range(len(frequency))],
    )


def test_loyalty_score_hand_example_with_all_components():
    summary = make_summary([2, 1, 0, 3], [20.0, 10.0, 0.0, 30.0], [30.0, 40.0, 10.0, 30.0])
    # rhythms: 10, 10, -, 10 -> reference 10; overdue: 1.0, 3.0, 1.0, 0.0
    # Any row order: the frame is aligned on the summary's index.
    regularity = pd.DataFrame(
        {"cv_interval": [0.5, np.nan, np.nan, np.nan], "spend_trend": [0.0, np.nan, -0.2, 0.2]},
        index=["c3", "c2", "c1", "c0"],
    )
    res = loyalty_score(
        summary,
        weights={
            "recency": 1,
            "frequency": 1,
            "tenure": 1,
            "regularity": 1,
            "spend_trend": 1,
            "p_alive": 1,
            "satisfaction": 2,
        },
        p_alive=pd.Series([0.9, 0.5, 0.5, 0.1], index=summary.index[::-1]),
        satisfaction=[10, np.nan, 7, 7],
        regularity=regularity,
    )
    comps = res.components
    # recency: overdue 1, 3, 1, 0 -> c3 best (100), c0/c2 tie (worse=1, equal=2 -> 50), c1 0.
    np.testing.assert_allclose(comps["recency"], [50, 0, 50, 100])
    np.testing.assert_allclose(comps["frequency"], [200 / 3, 100 / 3, 0, 100])
    # tenure 30, 40, 10, 30 -> 50, 100, 0, 50
    np.testing.assert_allclose(comps["tenure"], [50, 100, 0, 50])
    # regularity defined for c3 only -> 50
    np.testing.assert_allclose(comps["regularity"], [np.nan, np.nan, np.nan, 50])
    # spend trend: c0 0.2, c1 -0.2, c2 undefined, c3 0.0
    np.testing.assert_allclose(comps["spend_trend"], [100, 0, np.nan, 50])
    # p_alive Series in reverse order: c3 0.9, c2 0.5, c1 0.5, c0 0.1
    np.testing.assert_allclose(comps["p_alive"], [0, 50, 50, 100])
    # satisfaction 10, -, 7, 7 -> n = 3: 100, nan, (0 + 0.5) / 2 = 25, 25
    np.testing.assert_allclose(comps["satisfaction"], [100, np.nan, 25, 25])
    # c1: recency, frequency, tenure, spend_trend, p_alive defined (weights 1 each).
    expected_c1 = (0 + 100 / 3 + 100 + 0 + 50) / 5
    # c0: all but regularity, satisfaction weighted 2.
    expected_c0 = (50 + 200 / 3 + 50 + 100 + 0 + 2 * 100) / 7
    np.testing.assert_allclose(res.score[["c0", "c1"]], [expected_c0, expected_c1])
    np.testing.assert_allclose(res.contributions.sum(axis=1), res.score)
    assert res.contributions.loc["c1", "satisfaction"] == 0.0
    assert sum(res.weights.values()) == pytest.approx(1.0)
    assert res.weights["satisfaction"] == pytest.approx(2 / 8)
    assert list(res.measures.columns) == [
        "overdue_ratio",
        "frequency",
        "T",
        "cv_interval",
        "spend_trend",
        "p_alive",
        "satisfaction",
    ]
    assert res.score.name == "loyalty_score"
    assert list(res.to_frame().columns) == ["loyalty_score", *COMPONENTS]


def test_loyalty_score_default_weights_drop_missing_components():
    summary = make_summary([1, 0], [5.0, 0.0], [10.0, 10.0])
    res = loyalty_score(summary)
    assert set(res.weights) == {"recency", "frequency", "tenure"}
    assert res.weights["recency"] == pytest.approx(30 / 60)
    res2 = loyalty_score(summary, p_alive=[0.2, 0.8])
    assert res2.weights["p_alive"] == pytest.approx(10 / 70)
    assert dict(DEFAULT_WEIGHTS)["recency"] == 30.0


def test_loyalty_score_nan_when_no_weighted_component_is_defined():
    summary = make_summary([1, 0], [5.0, 0.0], [10.0, 10.0])
    res = loyalty_score(summary, weights={"satisfaction": 1}, satisfaction=[3.0, np.nan])
    assert res.score.iloc[0] == 50.0
    assert np.isnan(res.score.iloc[1])


def test_loyalty_score_uses_regularity_from_purchase_regularity():
    log = pd.DataFrame(
        {
            "customer_id": [1, 1, 1, 2, 2, 2, 3],
            "date": [0.0, 10.0, 20.0, 0.0, 2.0, 20.0, 5.0],
            "amount": [1.0, 1.0, 2.0, 4.0, 2.0, 1.0, 3.0],
        }
    )
    summary = rfm_summary(log, amount_col="amount")
    reg = purchase_regularity(log, amount_col="amount")
    res = loyalty_score(summary, regularity=reg, weights={"regularity": 1, "spend_trend": 1})
    # customer 1: cv 0 (best of two) -> 100; customer 2 cv > 0 -> 0; 3 undefined
    np.testing.assert_allclose(res.components["regularity"], [100, 0, np.nan])
    # spend trend: 1 -> (2-1)/3 > 0, 2 -> (1-4)/5 < 0 -> ranks 100, 0
    np.testing.assert_allclose(res.components["spend_trend"], [100, 0, np.nan])
    np.testing.assert_allclose(res.score, [100, 0, np.nan])
    # An explicit spend_trend replaces the regularity frame's column.
    res2 = loyalty_score(summary, regularity=reg, spend_trend=[0.0, 1.0, 0.5])
    np.testing.assert_allclose(res2.components["spend_trend"], [0, 100, 50])


summaries = st.lists(
    st.tuples(st.integers(0, 4), st.integers(1, 6), st.integers(0, 20)),
    min_size=1,
    max_size=25,
).map(
    lambda rows: (
        [f for f, _, _ in rows],
        [float(f * g) for f, g, _ in rows],  # recency = frequency * gap
        [float(f * g + idle) for f, g, idle in rows],
    )
)
maybe_nan_floats = st.one_of(st.floats(-5, 5), st.just(math.nan))


@settings(max_examples=100, deadline=None)
@given(data=st.data(), triple=summaries)
def test_loyalty_score_matches_reference(data, triple):
    frequency, recency, T = triple
    n = len(frequency)
    extra = {}
    kwargs = {}
    if data.draw(st.booleans()):
        reg = data.draw(
            st.lists(st.one_of(st.floats(0, 3), st.just(math.nan)), min_size=n, max_size=n)
        )
        trend = data.draw(st.lists(maybe_nan_floats, min_size=n, max_size=n))
        kwargs["regularity"] = pd.DataFrame(
            {"cv_interval": reg, "spend_trend": trend}, index=[f"c{i}" for i in range(n)]
        )
        extra["regularity"] = reg
        extra["spend_trend"] = trend
    if data.draw(st.booleans()):
        pa = data.draw(st.lists(st.floats(0, 1), min_size=n, max_size=n))
        kwargs["p_alive"] = pa
        extra["p_alive"] = pa
    if data.draw(st.booleans()):
        sat = data.draw(
            st.lists(
                st.one_of(st.integers(0, 10).map(float), st.just(math.nan)), min_size=n, max_size=n
            )
        )
        kwargs["satisfaction"] = sat
        extra["satisfaction"] = sat
    names = ["recency", "frequency", "tenure", *extra]
    weights = {name: data.draw(st.integers(0, 5)) for name in names}
    if sum(weights.values()) == 0:
        weights["recency"] = 1
    res = loyalty_score(make_summary(frequency, recency, T), weights=weights, **kwargs)
    ref_scores, ref_comps = ref_loyalty(frequency, recency, T, extra, weights)
    for name, vals in ref_comps.items():
        np.testing.assert_allclose(res.components[name], vals, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(res.score, ref_scores, rtol=1e-12, atol=1e-9)
    ok = res.score.notna()
    assert ((res.score[ok] >= 0) & (res.score[ok] <= 100)).all()


@settings(max_examples=60, deadline=None)
@given(
    triple=summaries,
    pa=st.lists(st.floats(0, 1), min_size=25, max_size=25),
    who=st.integers(0, 24),
    bump=st.floats(0, 1),
)
def test_loyalty_score_monotone_in_p_alive_and_tenure(triple, pa, who, bump):
    frequency, recency, T = triple
    n = len(frequency)
    who = who % n
    pa = pa[:n]
    summary = make_summary(frequency, recency, T)
    base = loyalty_score(summary, p_alive=pa).score.iloc[who]
    # Better P(alive) for one customer, everything else unchanged.
    raised = list(pa)
    raised[who] = min(1.0, pa[who] + bump)
    assert loyalty_score(summary, p_alive=raised).score.iloc[who] >= base - 1e-9
    # Longer tenure with the same inactivity: tenure up, overdue ratio down.
    longer = summary.copy()
    if frequency[who] > 0:
        longer.iloc[who, longer.columns.get_loc("recency")] += 5.0
        longer.iloc[who, longer.columns.get_loc("T")] += 5.0
        assert loyalty_score(longer, p_alive=pa).score.iloc[who] >= base - 1e-9


@settings(max_examples=40, deadline=None)
@given(triple=summaries, perm_seed=st.integers(0, 1000))
def test_loyalty_score_does_not_depend_on_row_order(triple, perm_seed):
    summary = make_summary(*triple)
    perm = np.random.default_rng(perm_seed).permutation(len(summary))
    a = loyalty_score(summary).score
    b = loyalty_score(summary.iloc[perm]).score
    pd.testing.assert_series_equal(a, b.reindex(a.index))


def test_loyalty_score_does_not_modify_inputs():
    summary = make_summary([1, 0], [5.0, 0.0], [10.0, 10.0])
    before = summary.copy()
    pa = pd.Series([0.3, 0.4], index=summary.index)
    loyalty_score(summary, p_alive=pa)
    pd.testing.assert_frame_equal(summary, before)
    assert pa.tolist() == [0.3, 0.4]


@pytest.mark.parametrize(
    ("kwargs", "error", "fragment"),
    [
        ({"weights": {"loyalty": 1}}, InputValueError, "unknown component 'loyalty'"),
        ({"weights": {"recency": -1}}, InputValueError, "weights['recency']"),
        ({"weights": {"recency": 0, "frequency": 0}}, InputValueError, "all zero"),
        ({"weights": {"recency": float("nan")}}, InputValueError, "weights['recency']"),
        ({"weights": {"recency": "1"}}, InputTypeError, "weights['recency']"),
        ({"weights": [1, 2]}, InputTypeError, "`weights`"),
        ({"weights": {"p_alive": 1}}, InputValueError, "p_alive=model.probability_alive"),
        ({"p_alive": [0.5, 1.5]}, InputValueError, "`p_alive`"),
        ({"p_alive": [0.5]}, InputValueError, "`p_alive` has 1"),
        ({"p_alive": [0.5, np.nan]}, InputValueError, "`p_alive`"),
        ({"p_alive": ["a", "b"]}, InputTypeError, "`p_alive`"),
        ({"p_alive": pd.Series([0.1, 0.2], index=["x", "y"])}, InputValueError, "`p_alive`"),
        ({"p_alive": pd.DataFrame({"p": [0.1, 0.2]})}, InputTypeError, "`p_alive`"),
        ({"satisfaction": [1.0, np.inf]}, InputValueError, "`satisfaction`"),
        ({"spend_trend": [1.0]}, InputValueError, "`spend_trend`"),
        ({"regularity": [1, 2]}, InputTypeError, "`regularity`"),
        ({"regularity": pd.DataFrame({"cv": [1, 2]})}, MissingColumnError, "cv_interval"),
        (
            {"regularity": pd.DataFrame({"cv_interval": [1.0]}, index=["c0"])},
            InputValueError,
            "`regularity`",
        ),
        (
            {"regularity": pd.DataFrame({"cv_interval": [1.0, -1.0]}, index=["c0", "c1"])},
            InputValueError,
            "cv_interval",
        ),
    ],
)
def test_loyalty_score_bad_arguments(kwargs, error, fragment):
    summary = make_summary([1, 0], [5.0, 0.0], [10.0, 10.0])
    with pytest.raises(error) as info:
        loyalty_score(summary, **kwargs)
    assert fragment in str(info.value)
    assert isinstance(info.value, CustvalueError)


@pytest.mark.parametrize(
    ("summary", "error", "fragment"),
    [
        ([1, 2], InputTypeError, "`summary`"),
        (pd.DataFrame({"frequency": [1], "recency": [1.0]}), MissingColumnError, "'T'"),
        (make_summary([], [], []), InputValueError, "`summary` is empty"),
        (make_summary([1.5], [3.0], [4.0]), InputValueError, "'frequency'"),
        (make_summary([1], [-3.0], [4.0]), InputValueError, "'recency'"),
        (make_summary([1], [3.0], [2.0]), InputValueError, "must be <= `T`"),
        (make_summary([0], [3.0], [4.0]), InputValueError, "must be 0 when `frequency` is 0"),
        (make_summary([2], [0.0], [4.0]), InputValueError, "must be > 0 when `frequency` > 0"),
        (make_summary([1], [np.nan], [4.0]), InputValueError, "'recency'"),
        (
            make_summary([1, 1], [1.0, 1.0], [2.0, 2.0], index=["a", "a"]),
            InputValueError,
            "duplicate",
        ),
    ],
)
def test_loyalty_score_bad_summary(summary, error, fragment):
    with pytest.raises(error) as info:
        loyalty_score(summary)
    assert fragment in str(info.value)


def test_loyalty_score_result_is_frozen():
    res = loyalty_score(make_summary([1], [2.0], [3.0]))
    assert isinstance(res, LoyaltyScore)
    with pytest.raises(AttributeError):
        res.score = None  # type: ignore[misc]


# ---------------------------------------------------------------------------
# nps


def test_nps_hand_example():
    res = nps([10, 9, 8, 7, 6, 0, 10, 10])
    # 4 promoters, 2 passives, 2 detractors of 8: p = 0.5, d = 0.25
    assert (res.promoters, res.passives, res.detractors, res.n) == (4, 2, 2, 8)
    assert res.nps == 25.0
    # var = (0.75 - 0.0625) / 8 = 0.0859375
    assert res.standard_error == pytest.approx(100 * math.sqrt(0.0859375))
    z = 1.959963984540054
    assert res.ci_low == pytest.approx(25.0 - z * res.standard_error)
    assert res.ci_high == pytest.approx(25.0 + z * res.standard_error)
    assert res.confidence == 0.95
    assert isinstance(res, NPSResult)


def test_nps_boundaries_and_degenerate_interval():
    assert nps([9, 10]).nps == 100.0
    assert nps([7, 8]).nps == 0.0
    res = nps([6, 0, 6])
    assert (res.nps, res.standard_error, res.ci_low, res.ci_high) == (-100.0, 0.0, -100.0, -100.0)
    # A wide interval is clipped to [-100, 100].
    res = nps([10, 0], confidence=0.99)
    assert res.nps == 0.0 and res.ci_low == -100.0 and res.ci_high == 100.0


def test_nps_by_group():
    responses = pd.Series([10, 2, 9, 8, 10, 10], index=list("abcdef"))
    groups = pd.Series(["y", "x", "x", "x", "y", "z"], index=list("abcdef"), name="store")
    out = nps(responses, by=groups, confidence=0.9)
    assert list(out.index) == ["x", "y", "z"]
    assert out.index.name == "store"
    assert out.loc["x", "nps"] == pytest.approx(0.0)  # 1 promoter, 1 passive, 1 detractor
    assert out.loc["y", "nps"] == 100.0
    assert out.loc["x", "n"] == 3
    assert (out["confidence"] == 0.9).all()
    assert out.attrs == {}  # no state carried in attrs
    assert out["promoters"].dtype.kind == "i"


@settings(max_examples=100, deadline=None)
@given(
    answers=st.lists(st.integers(0, 10), min_size=1, max_size=60),
    groups=st.lists(st.sampled_from(["a", "b", "c"]), min_size=60, max_size=60),
)
def test_nps_matches_reference(answers, groups):
    res = nps(answers)
    score, se = ref_nps(answers)
    assert res.nps == pytest.approx(score, abs=1e-9)
    assert res.standard_error == pytest.approx(se, abs=1e-9)
    assert -100 <= res.ci_low <= res.nps <= res.ci_high <= 100
    labels = groups[: len(answers)]
    table = nps(answers, by=labels)
    for g in sorted(set(labels)):
        sub = [a for a, lab in zip(answers, labels, strict=True) if lab == g]
        s, e = ref_nps(sub)
        assert table.loc[g, "nps"] == pytest.approx(s, abs=1e-9)
        assert table.loc[g, "standard_error"] == pytest.approx(e, abs=1e-9)
        assert table.loc[g, "n"] == len(sub)


@pytest.mark.parametrize(
    ("responses", "kwargs", "error", "fragment"),
    [
        ([5, 11], {}, InputValueError, "0-10 scale"),
        ([-1, 5], {}, InputValueError, "0-10 scale"),
        ([7.5], {}, InputValueError, "whole numbers"),
        ([7, np.nan], {}, InputValueError, "`responses`"),
        (["9", "10"], {}, InputTypeError, "`responses`"),
        ([], {}, InputValueError, "`responses` is empty"),
        ([True, False], {}, InputTypeError, "`responses`"),
        ([9, 10], {"by": ["a"]}, InputValueError, "`by` has 1"),
        ([9, 10], {"by": ["a", None]}, InputValueError, "missing group"),
        ([9, 10], {"by": [["a", "b"]]}, InputTypeError, "`by`"),
        ([9, 10], {"confidence": 1.0}, InputValueError, "`confidence`"),
        ([9, 10], {"confidence": "95%"}, InputTypeError, "`confidence`"),
        (
            pd.Series([9, 10], index=[0, 1]),
            {"by": pd.Series(["a", "b"], index=[5, 6])},
            InputValueError,
            "different indexes",
        ),
    ],
)
def test_nps_bad_input(responses, kwargs, error, fragment):
    with pytest.raises(error) as info:
        nps(responses, **kwargs)
    assert fragment in str(info.value)
