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
from custvalue.errors import InputValueError  # noqa: E402

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
            with pytest.raises(InputValueError, match=f"`{name}` is not taken"):
                cvd.loyalty_score(ds, **{name: [0.5, 0.5]})
        with pytest.raises(InputValueError, match="empty"):
            cvd.loyalty_score(ds[ds["T"] > 10])
        with pytest.raises(InputValueError, match="unknown component"):
            cvd.loyalty_score(ds, weights={"loudness": 1})
        bad = dd.from_pandas(summary.set_axis(["a", "b"]).assign(recency=[9.0, 0.0]), 1)
        with pytest.raises(InputValueError, match="recency"):
            cvd.loyalty_score(bad).score.compute()
