"""custvalue.dask.loyalty_score gives the in-memory loyalty scores, on random summaries.

Every expectation is :func:`custvalue.loyalty.loyalty_score` on the computed summary.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

dd = pytest.importorskip("dask.dataframe")

import dask  # noqa: E402

from custvalue import dask as cvd  # noqa: E402
from custvalue import loyalty  # noqa: E402
from custvalue._dask import select  # noqa: E402
from custvalue.errors import InputTypeError  # noqa: E402
from custvalue.errors import InputValueError  # noqa: E402
from custvalue.errors import MissingColumnError  # noqa: E402

SYNC = {"scheduler": "sync", "dataframe.shuffle.method": "tasks"}


@st.composite
def summaries(draw):
    """Valid RFM histories with many ties (few distinct values)."""
    triples = st.tuples(st.integers(0, 4), st.integers(1, 30), st.integers(0, 20))
    drawn = np.array(draw(st.lists(triples, min_size=1, max_size=80)), dtype=np.float64)
    frequency, own_recency, idle = drawn.T
    recency = np.where(frequency > 0, own_recency, 0.0)
    frame = pd.DataFrame({"frequency": frequency.astype(np.int64), "recency": recency})
    frame["T"] = recency + idle
    return frame.rename(index=lambda i: f"c{i}")


def _check_same(got: cvd.LoyaltyFrames, expected: loyalty.LoyaltyScore) -> None:
    score, components, contributions, measures = dask.compute(
        got.score, got.components, got.contributions, got.measures
    )
    order = expected.score.index
    pd.testing.assert_series_equal(score.loc[order], expected.score, check_exact=True)
    for ours, theirs in (
        (components, expected.components),
        (contributions, expected.contributions),
        (measures, expected.measures),
    ):
        pd.testing.assert_frame_equal(ours.loc[order], theirs, check_exact=True)
    assert dict(got.weights) == dict(expected.weights)


@settings(max_examples=20, deadline=None)
@given(
    summary=summaries(),
    npartitions=st.integers(1, 4),
    weights=st.sampled_from([None, {"recency": 1, "frequency": 3}, {"tenure": 2.5}]),
    pivots=st.sampled_from([4, 1000]),
)
def test_loyalty_score_equals_in_memory(summary, npartitions, weights, pivots):
    ds = dd.from_pandas(summary, npartitions=npartitions)
    expected = loyalty.loyalty_score(ds.compute(), weights=weights)
    # few pivots: the order statistics between pivots are exercised too
    with dask.config.set(SYNC), pytest.MonkeyPatch.context() as patch:
        patch.setattr(select, "_PIVOTS", pivots)
        _check_same(cvd.loyalty_score(ds, weights=weights), expected)


@st.composite
def other_inputs(draw, index):
    """Some of the per-customer inputs of ``index``, in shuffled order, pandas or Dask."""
    n = len(index)
    values = st.sampled_from([0.0, 0.25, 0.5, 1.0, np.nan])
    out = {}
    for name in draw(st.sets(st.sampled_from(["p_alive", "satisfaction", "spend_trend"]))):
        v = np.array(draw(st.lists(values, min_size=n, max_size=n)))
        out[name] = pd.Series(np.nan_to_num(v) if name == "p_alive" else v, index=index)
    if draw(st.booleans()):
        cv = np.array(draw(st.lists(values, min_size=n, max_size=n)))
        frame = pd.DataFrame({"cv_interval": cv}, index=index)
        if draw(st.booleans()):
            frame["spend_trend"] = -np.array(draw(st.lists(values, min_size=n, max_size=n)))
        out["regularity"] = frame
    order = draw(st.permutations(range(n)))
    return {k: v.iloc[list(order)] for k, v in out.items()}


@settings(max_examples=10, deadline=None)
@given(data=st.data(), npartitions=st.integers(1, 3), pivots=st.sampled_from([4, 1000]))
def test_loyalty_score_with_other_inputs_equals_in_memory(data, npartitions, pivots):
    summary = data.draw(summaries())
    ds = dd.from_pandas(summary, npartitions=npartitions)
    computed = ds.compute()
    inputs = data.draw(other_inputs(computed.index))
    parts = data.draw(st.integers(1, 3))
    # pandas inputs as they are, or as Dask collections of another partitioning
    on_dask = {
        k: v if data.draw(st.booleans()) else dd.from_pandas(v, npartitions=parts, sort=False)
        for k, v in inputs.items()
    }
    expected = loyalty.loyalty_score(computed, **inputs)
    with dask.config.set(SYNC), pytest.MonkeyPatch.context() as patch:
        patch.setattr(select, "_PIVOTS", pivots)
        _check_same(cvd.loyalty_score(ds, **on_dask), expected)


def test_loyalty_score_of_a_dask_rfm_summary():
    rng = np.random.default_rng(3)
    n = 3000
    log = pd.DataFrame(
        {
            "customer_id": rng.integers(0, 400, n),
            "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300, n), "D"),
        }
    )
    with dask.config.set(SYNC):
        summary = cvd.rfm_summary(dd.from_pandas(log, npartitions=5), time_unit=7)
        got = cvd.loyalty_score(summary)
        _check_same(got, loyalty.loyalty_score(summary.compute()))


def test_loyalty_score_refuses_what_it_cannot_rank():
    summary = pd.DataFrame(
        {"frequency": [1, 0], "recency": [3.0, 0.0], "T": [5.0, 4.0]}, index=["a", "a"]
    )
    ds = dd.from_pandas(summary, npartitions=2, sort=False)
    with dask.config.set(SYNC):
        with pytest.raises(InputValueError, match="duplicate index labels"):
            cvd.loyalty_score(ds)
        for name in ("p_alive", "satisfaction", "regularity", "spend_trend"):
            with pytest.raises(InputTypeError, match=f"`{name}` must be a Dask"):
                cvd.loyalty_score(ds, **{name: [0.5, 0.5]})
        with pytest.raises(InputValueError, match="empty"):
            cvd.loyalty_score(ds[ds["T"] > 10])
        with pytest.raises(InputValueError, match="unknown component"):
            cvd.loyalty_score(ds, weights={"loudness": 1})
        bad = dd.from_pandas(summary.set_axis(["a", "b"]).assign(recency=[9.0, 0.0]), 1)
        with pytest.raises(InputValueError, match="recency"):
            cvd.loyalty_score(bad).score.compute()


def test_loyalty_score_refuses_inputs_of_other_customers():
    summary = pd.DataFrame(
        {"frequency": [1, 0, 2], "recency": [3.0, 0.0, 4.0], "T": [5.0, 4.0, 6.0]},
        index=["a", "b", "c"],
    )
    ds = dd.from_pandas(summary, npartitions=2)
    p_alive = pd.Series([0.5, 0.2, 0.9], index=["c", "a", "b"])
    with dask.config.set(SYNC):
        for wrong in (
            p_alive.iloc[:2],
            p_alive.set_axis(["a", "b", "x"]),
            p_alive.iloc[[0, 0, 1]],
        ):
            with pytest.raises(InputValueError, match="index of `p_alive` does not hold"):
                cvd.loyalty_score(ds, p_alive=dd.from_pandas(wrong, npartitions=2, sort=False))
        with pytest.raises(InputValueError, match="probabilities"):
            cvd.loyalty_score(ds, p_alive=p_alive * 2).score.compute()
        with pytest.raises(MissingColumnError, match="cv_interval"):
            cvd.loyalty_score(ds, regularity=p_alive.to_frame("cv"))
        with pytest.raises(InputTypeError, match="`satisfaction` must be a Dask"):
            cvd.loyalty_score(ds, satisfaction=dd.from_pandas(p_alive.to_frame(), 1))
        with pytest.raises(InputValueError, match="no input"):
            cvd.loyalty_score(ds, weights={"recency": 1, "p_alive": 1})
        got = cvd.loyalty_score(ds, p_alive=p_alive, weights={"p_alive": 1}).score.compute()
    expected = loyalty.loyalty_score(summary, p_alive=p_alive, weights={"p_alive": 1}).score
    pd.testing.assert_series_equal(got.sort_index(), expected, check_index_type=False)
