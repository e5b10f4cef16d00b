from __future__ import annotations

import statistics

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from custvalue.errors import InputTypeError
from custvalue.errors import InputValueError
from custvalue.errors import MissingColumnError
from custvalue.rfm import rfm_summary
from custvalue.tiers import lifecycle_stages


class StandIn:
    """A fitted-model stand-in: returns fixed P(alive) values and records its input."""

    def __init__(self, p):
        self.p = np.asarray(p, dtype=float)
        self.seen = None

    def probability_alive(self, frequency, recency, T):
        self.seen = (np.asarray(frequency), np.asarray(recency), np.asarray(T))
        return self.p


# ---------------------------------------------------------------------------
# Reference: per customer, from the sorted distinct purchase times.


def ref_stages(
    times_by_customer,
    end,
    k_risk=1.5,
    k_lapse=3.0,
    new=None,
    default=None,
    gap_abs=None,
    p_alive=None,
    a_risk=0.5,
    a_lapse=0.2,
):
    ids = sorted(times_by_customer)
    hist = {c: sorted(set(times_by_customer[c])) for c in ids}
    own = {c: (h[-1] - h[0]) / (len(h) - 1) for c, h in hist.items() if len(h) > 1}
    fallback = default if default is not None else statistics.median(own.values())
    window = fallback if new is None else new
    out = {}
    for i, c in enumerate(ids):
        h = hist[c]
        rhythm = own.get(c, fallback)
        T = end - h[0]
        silence = (end - h[-1]) / rhythm
        sev = 2 if silence > k_lapse else 1 if silence > k_risk else 0
        if p_alive is not None:
            p = p_alive[i]
            sev = max(sev, 2 if p < a_lapse else 1 if p < a_risk else 0)
        if T < window:
            stage = "new"
        elif sev == 2:
            stage = "lapsed"
        elif sev == 1:
            stage = "at risk"
        else:
            stage = "active"
            if len(h) >= 2:
                gap = h[-1] - h[-2]
                before = (h[-2] - h[0]) / (len(h) - 2) if len(h) >= 3 else fallback
                if gap > k_lapse * before or (gap_abs is not None and gap > gap_abs):
                    stage = "reactivated"
        out[c] = (stage, rhythm, silence)
    return out


def make_log(times_by_customer):
    rows = [(c, t) for c, ts in times_by_customer.items() for t in ts]
    return pd.DataFrame(rows, columns=["customer_id", "date"])


@st.composite
def histories(draw):
    n = draw(st.integers(min_value=1, max_value=12))
    out = {}
    for c in range(n):
        k = draw(st.integers(min_value=1, max_value=6))
        out[c * 3] = draw(
            st.lists(st.integers(min_value=0, max_value=100), min_size=k, max_size=k)
        )
    if all(len(set(ts)) == 1 for ts in out.values()):
        out[-1] = [0, 10]
    return out


# ---------------------------------------------------------------------------
# Hand-worked examples


def test_lifecycle_by_hand_numeric_time():
    times = {
        "steady": [0, 10, 20, 30, 38],  # rhythm 9.5, silent 2 -> active
        "slow": [0, 10, 20, 25],  # rhythm 25/3, silent 15: 1.8 rhythms -> at risk
        "gone": [0, 5, 10],  # rhythm 5, silent 30 -> lapsed
        "back": [0, 2, 4, 38],  # gap 34 > 3 * 2 -> reactivated (silent 2 / 12.67)
        "fresh": [36],  # T = 4 < median rhythm 8.33... -> new
        "once": [5],  # one purchase, silent 35 / 8.33 > 3 -> lapsed
    }
    out = lifecycle_stages(make_log(times), observation_end=40)
    assert out["stage"].to_dict() == {
        "back": "reactivated",
        "fresh": "new",
        "gone": "lapsed",
        "once": "lapsed",
        "slow": "at risk",
        "steady": "active",
    }
    # fallback rhythm = median(9.5, 25/3, 5, 38/3) = (25/3 + 9.5) / 2
    assert out.loc["once", "rhythm"] == pytest.approx((25 / 3 + 9.5) / 2)
    assert out.loc["back", "last_gap"] == 34.0
    assert out.loc["slow", "silence"] == pytest.approx(15 / (25 / 3))


def test_reactivation_with_two_purchases_uses_fallback_and_absolute_gap():
    times = {"a": [0, 10, 20], "b": [0, 10, 20], "c": [0, 25]}
    # fallback = median(10, 10, 25) = 10; c's gap 25 <= 3 * 10 -> active
    out = lifecycle_stages(make_log(times), observation_end=26)
    assert out.loc["c", "stage"] == "active"
    out = lifecycle_stages(make_log(times), observation_end=26, reactivation_gap=20)
    assert out.loc["c", "stage"] == "reactivated"


def test_prospects_and_custom_thresholds():
    times = {1: [0, 10], 2: [0, 10]}
    out = lifecycle_stages(
        make_log(times),
        observation_end=25,
        customers=[3, 1, 3, 2],
        at_risk_after=1.0,
        lapsed_after=2.0,
    )
    assert out.index.tolist() == [1, 2, 3]
    assert out["stage"].tolist() == ["at risk", "at risk", "prospect"]
    assert np.isnan(out.loc[3, "frequency"])
    assert list(out["stage"].cat.categories) == [
        "prospect",
        "new",
        "active",
        "reactivated",
        "at risk",
        "lapsed",
    ]


def test_summary_input_and_model():
    log = pd.DataFrame(
        {
            "customer_id": [1, 1, 1, 2, 2, 3],
            "date": pd.to_datetime(
                [
                    "2024-01-01",
                    "2024-01-11",
                    "2024-01-21",
                    "2024-01-01",
                    "2024-01-21",
                    "2024-01-30",
                ]
            ),
        }
    )
    summary = rfm_summary(log, observation_end="2024-01-31")
    out = lifecycle_stages(summary)
    # rhythms 10 and 20 (median 15); 1: silent 10 -> active; 2: silent 10 / 20 -> active;
    # 3: T = 1 < 15 -> new.  No last_gap column without transactions.
    assert out["stage"].tolist() == ["active", "active", "new"]
    assert "last_gap" not in out.columns
    model = StandIn([0.9, 0.3, 0.1])
    out = lifecycle_stages(summary, model=model)
    assert out["stage"].tolist() == ["active", "at risk", "new"]
    assert out["p_alive"].tolist() == [0.9, 0.3, 0.1]
    assert model.seen[0].tolist() == [2.0, 1.0, 0.0]
    model = StandIn([0.1, 0.9, 0.9])
    assert lifecycle_stages(summary, model=model)["stage"].tolist()[0] == "lapsed"


def test_transactions_and_summary_agree():
    times = {"a": [0, 3, 9], "b": [1, 2], "c": [4]}
    log = make_log(times)
    from_log = lifecycle_stages(log, observation_end=12)
    summary = rfm_summary(log, observation_end=12)
    from_summary = lifecycle_stages(summary)
    assert from_log["stage"].tolist() == from_summary["stage"].tolist()
    pd.testing.assert_series_equal(from_log["silence"], from_summary["silence"])


# ---------------------------------------------------------------------------
# Reference checks


@settings(max_examples=80, deadline=None)
@given(
    times=histories(),
    extra=st.integers(min_value=0, max_value=30),
    k=st.sampled_from([(1.5, 3.0), (1.0, 2.0), (0.5, 4.0)]),
    gap=st.sampled_from([None, 15.0]),
    new=st.sampled_from([None, 0.0, 20.0]),
)
def test_lifecycle_matches_reference(times, extra, k, gap, new):
    end = max(max(ts) for ts in times.values()) + extra
    out = lifecycle_stages(
        make_log(times),
        observation_end=end,
        at_risk_after=k[0],
        lapsed_after=k[1],
        reactivation_gap=gap,
        new_periods=new,
    )
    ref = ref_stages(times, end, k[0], k[1], new=new, gap_abs=gap)
    assert out.index.tolist() == sorted(times)
    assert out["stage"].tolist() == [ref[c][0] for c in sorted(times)]
    np.testing.assert_allclose(out["rhythm"], [ref[c][1] for c in sorted(times)])
    np.testing.assert_allclose(out["silence"], [ref[c][2] for c in sorted(times)])


@settings(max_examples=40, deadline=None)
@given(times=histories(), data=st.data())
def test_lifecycle_with_model_matches_reference(times, data):
    end = max(max(ts) for ts in times.values()) + 5
    p = data.draw(
        st.lists(
            st.sampled_from([0.0, 0.1, 0.2, 0.4, 0.5, 1.0]),
            min_size=len(times),
            max_size=len(times),
        )
    )
    out = lifecycle_stages(
        make_log(times), observation_end=end, model=StandIn(p), default_rhythm=7.0
    )
    ref = ref_stages(times, end, default=7.0, p_alive=p)
    assert out["stage"].tolist() == [ref[c][0] for c in sorted(times)]


@settings(max_examples=40, deadline=None)
@given(times=histories())
def test_severity_grows_with_silence(times):
    # Later observation ends never make a customer less severe (new/reactivated aside).
    end = max(max(ts) for ts in times.values())
    rank = {"active": 0, "reactivated": 0, "at risk": 1, "lapsed": 2}
    a = lifecycle_stages(make_log(times), observation_end=end, new_periods=0.0)
    b = lifecycle_stages(make_log(times), observation_end=end + 50, new_periods=0.0)
    for c in a.index:
        assert rank[b.loc[c, "stage"]] >= rank[a.loc[c, "stage"]]


# ---------------------------------------------------------------------------
# Bad input


@pytest.mark.parametrize(
    ("kwargs", "err", "fragment"),
    [
        ({"at_risk_after": 3.0, "lapsed_after": 2.0}, InputValueError, "`lapsed_after`"),
        ({"at_risk_after": 0.0}, InputValueError, "`at_risk_after`"),
        ({"alive_at_risk": 0.1, "alive_lapsed": 0.3}, InputValueError, "`alive_lapsed`"),
        ({"alive_at_risk": 1.5}, InputValueError, "`alive_at_risk`"),
        ({"reactivation_gap": -1.0}, InputValueError, "`reactivation_gap`"),
        ({"default_rhythm": 0.0}, InputValueError, "`default_rhythm`"),
        ({"new_periods": -1.0}, InputValueError, "`new_periods`"),
        ({"kind": "log"}, InputValueError, "`kind`"),
        ({"model": object()}, InputTypeError, "`model`"),
        ({"model": StandIn([0.5])}, InputValueError, "one probability per customer"),
        ({"model": StandIn([0.5, 1.5])}, InputValueError, "outside [0, 1]"),
        ({"observation_end": -5}, InputValueError, "`observation_end`"),
        ({"kind": "summary"}, MissingColumnError, "'frequency'"),
    ],
)
def test_lifecycle_errors(kwargs, err, fragment):
    log = make_log({"a": [0, 10], "b": [3]})
    with pytest.raises(err) as info:
        lifecycle_stages(log, **kwargs)
    assert fragment in str(info.value)


def test_lifecycle_needs_a_rhythm():
    with pytest.raises(InputValueError, match="`default_rhythm`"):
        lifecycle_stages(make_log({"a": [1], "b": [2]}))
    # a: silent 4 > 3 rhythms -> lapsed; b: silent 3 (not more than 3) -> at risk
    out = lifecycle_stages(make_log({"a": [1], "b": [2]}), default_rhythm=1.0, observation_end=5)
    assert out["stage"].tolist() == ["lapsed", "at risk"]


def test_summary_errors():
    good = pd.DataFrame({"frequency": [1], "recency": [5.0], "T": [6.0]})
    with pytest.raises(InputValueError, match="`recency` must be <= `T`"):
        lifecycle_stages(good.assign(T=[4.0]))
    with pytest.raises(InputValueError, match="`recency` must be > 0 when `frequency` > 0"):
        lifecycle_stages(good.assign(recency=[0.0]))
    # the one rule of custvalue._core.summary: no repeat purchase means recency 0
    with pytest.raises(InputValueError, match="`recency` must be 0 when `frequency` is 0"):
        lifecycle_stages(good.assign(frequency=[0]))
    with pytest.raises(InputValueError, match="column 'frequency'"):
        lifecycle_stages(good.assign(frequency=[1.5]))
    with pytest.raises(MissingColumnError, match="neither a transaction log"):
        lifecycle_stages(pd.DataFrame({"x": [1]}))
    with pytest.raises(InputTypeError, match="`data`"):
        lifecycle_stages([1, 2])
