"""custvalue.dask gives the in-memory numbers, on random logs and on CDNOW.

Every expectation is the in-memory function of the same name run on the same
data (``ddf.compute()``, so the ids have the dtype Dask holds them in).
"""

from __future__ import annotations

import dataclasses
import inspect
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

import dask  # noqa: E402

from custvalue import clv  # noqa: E402
from custvalue import commission  # noqa: E402
from custvalue import dask as cvd  # noqa: E402
from custvalue import loyalty  # noqa: E402
from custvalue import rfm  # noqa: E402
from custvalue import tiers  # noqa: E402
from custvalue._dask import select  # noqa: E402
from custvalue.errors import InputTypeError  # noqa: E402
from custvalue.errors import InputValueError  # noqa: E402
from custvalue.errors import MissingColumnError  # noqa: E402

DATA = Path(__file__).parent / "data"
START = pd.Timestamp("2024-01-01")
# the synchronous scheduler, with the task-based shuffle (the peer-to-peer shuffle Dask
# picks while a distributed client exists needs workers)
SYNC = {"scheduler": "sync", "dataframe.shuffle.method": "tasks"}
# no dashboard; the scheduler's other HTTP routes on a free port (by default they take the
# dashboard's port 8787, which another cluster on the machine may hold)
NO_DASHBOARD = {"dashboard_address": None, "scheduler_kwargs": {"dashboard_address": ":0"}}


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, **NO_DASHBOARD
    )
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    df = pd.read_csv(DATA / "CDNOW_master.txt", sep=r"\s+")
    df["date"] = pd.to_datetime(df["date"].astype(str), format="%Y%m%d")
    return df


def assert_same(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(got.sort_index(), expected, check_exact=False, rtol=1e-12)


def column(draw, n: int, low: int, high: int) -> list[int]:
    """Draw ``n`` integers in ``[low, high]`` (one column of a drawn frame)."""
    return draw(st.lists(st.integers(low, high), min_size=n, max_size=n))


@st.composite
def logs(draw):
    n = draw(st.integers(1, 60))
    customers, days = column(draw, n, 0, 12), column(draw, n, 0, 90)
    # quarters of a unit: exact in float64, so sums do not depend on their order
    amounts = column(draw, n, -40, 400)
    df = pd.DataFrame(
        {
            "customer_id": customers,
            "date": START + pd.to_timedelta(days, unit="D"),
            "amount": np.asarray(amounts, dtype=np.float64) / 4,
        }
    )
    if draw(st.booleans()):
        df["customer_id"] = "c" + df["customer_id"].astype(str)
    return df


def random_log(
    seed: int, n: int, customers: int, days: int, cents: tuple[int, int]
) -> pd.DataFrame:
    """A log of ``n`` lines: integer ids, dates over ``days`` days, amounts ``k / cents[1]``."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "customer_id": rng.integers(0, customers, n),
            "date": START + pd.to_timedelta(rng.integers(0, days, n), unit="D"),
            "amount": rng.integers(1, cents[0], n) / cents[1],
        }
    )


def _nothing_left(error: Exception) -> bool:
    """In memory, no purchase (in the window) after the returns policy is an error; on Dask
    the partitions cannot tell, and the result is empty (documented)."""
    return "no purchase is left" in str(error) or "before every transaction" in str(error)


def _empty_or_refused(run) -> None:
    # (in memory, a log with nothing left stops before the ends are compared, so Dask may
    # refuse ends in one period as well)
    try:
        assert len(run()) == 0
    except InputValueError as exc:
        assert "before every transaction" in str(exc) or "must fall in a later period" in str(exc)


def _in_memory_or_error(func, *args, **kwargs):
    try:
        return func(*args, **kwargs), None
    except InputValueError as exc:
        return None, exc


@settings(max_examples=25)
@given(
    log=logs(),
    npartitions=st.integers(1, 4),
    freq=st.sampled_from([None, "W", "3D", "2M"]),
    returns=st.sampled_from(["error", "net", "drop"]),
    end_day=st.one_of(st.none(), st.integers(0, 100)),
    unit=st.sampled_from([1.0, 7.0]),
)
def test_rfm_summary_equals_in_memory(log, npartitions, freq, returns, end_day, unit):
    ddf = dd.from_pandas(log, npartitions=npartitions)
    end = None if end_day is None else START + pd.Timedelta(days=end_day)
    kw = dict(amount_col="amount", freq=freq, returns=returns, observation_end=end, time_unit=unit)
    expected, error = _in_memory_or_error(rfm.rfm_summary, ddf.compute(), **kw)
    with dask.config.set(SYNC):
        if error is not None:
            if _nothing_left(error):
                _empty_or_refused(lambda: cvd.rfm_summary(ddf, **kw).compute())
            else:
                with pytest.raises(type(error)):
                    cvd.rfm_summary(ddf, **kw).compute()
            return
        got = cvd.rfm_summary(ddf, **kw).compute()
        assert_same(got, expected)
        # without amounts: the same purchase periods, no money columns
        no_amount = {k: v for k, v in kw.items() if k not in ("amount_col", "returns")}
        assert_same(
            cvd.rfm_summary(ddf, **no_amount).compute(),
            rfm.rfm_summary(ddf.compute(), **no_amount),
        )


@settings(max_examples=20)
@given(
    log=logs(),
    npartitions=st.integers(1, 4),
    freq=st.sampled_from([None, "W", "2M"]),
    returns=st.sampled_from(["net", "drop"]),
    cal_day=st.integers(0, 60),
    span=st.integers(1, 60),
)
def test_calibration_holdout_equals_in_memory(log, npartitions, freq, returns, cal_day, span):
    ddf = dd.from_pandas(log, npartitions=npartitions)
    cal, obs = START + pd.Timedelta(days=cal_day), START + pd.Timedelta(days=cal_day + span)
    kw = dict(amount_col="amount", freq=freq, returns=returns)
    args = (cal, obs)
    expected, error = _in_memory_or_error(
        rfm.calibration_holdout_summary, ddf.compute(), *args, **kw
    )
    with dask.config.set(SYNC):
        if error is not None:
            if _nothing_left(error):
                _empty_or_refused(
                    lambda: cvd.calibration_holdout_summary(ddf, *args, **kw).compute()
                )
                return
            with pytest.raises(type(error)):
                cvd.calibration_holdout_summary(ddf, *args, **kw).compute()
            return
        assert_same(cvd.calibration_holdout_summary(ddf, *args, **kw).compute(), expected)


@settings(max_examples=25)
@given(
    values=st.lists(st.integers(-5, 60) | st.sampled_from([0, 5, 20]), min_size=1, max_size=80),
    npartitions=st.integers(1, 5),
    rule=st.sampled_from(["value", "count"]),
    cutoffs=st.sampled_from([None, (0.5,), (0.3, 0.6, 0.9), (0.25, 0.5, 0.75, 1.0)]),
    pivots=st.sampled_from([4, 1000]),
)
def test_abc_classes_equals_in_memory(values, npartitions, rule, cutoffs, pivots):
    s = pd.Series(
        np.asarray(values, dtype=np.float64), index=[f"c{i}" for i in range(len(values))]
    )
    labels = ("A", "B", "C") if cutoffs is None else tuple("ABCD"[: len(cutoffs) + 1])
    kw = dict(cutoffs=cutoffs, labels=labels, rule=rule, negative="separate", negative_label="N")
    ds = dd.from_pandas(s, npartitions=npartitions)
    expected, error = _in_memory_or_error(tiers.abc_classes, ds.compute(), **kw)
    # few pivots: the class bounds strictly between two pivots are exercised too
    with dask.config.set(SYNC), pytest.MonkeyPatch.context() as patch:
        patch.setattr(select, "_PIVOTS", pivots)
        if error is not None:
            with pytest.raises(InputValueError):
                cvd.abc_classes(ds, **kw).compute()
            return
        got = cvd.abc_classes(ds, **kw).compute()
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index())


# --- CDNOW on a local cluster ----------------------------------------------------------------


def test_loyalty_score_with_dask_inputs_on_a_cluster(client):
    log = random_log(seed=5, n=1200, customers=150, days=200, cents=(80, 2))
    end = log["date"].max()
    mem = rfm.rfm_summary(log, observation_end=end)
    regularity = loyalty.purchase_regularity(log, amount_col="amount", observation_end=end)
    dlog = dd.from_pandas(log, npartitions=3)
    summary = cvd.rfm_summary(dlog, observation_end=end)
    # purchase_regularity on Dask: each customer's lines in one partition, then per partition
    on_dask = dlog.shuffle("customer_id").map_partitions(
        loyalty.purchase_regularity,
        amount_col="amount",
        observation_end=end,
        meta=regularity.iloc[:0],
    )
    # a uniform random log identifies no dropout process: a small penalty keeps the fit inside
    bg = cvd.fit_transaction_model(clv.BetaGeoModel(), summary, penalizer=0.01)
    p_alive = cvd.probability_alive(bg, summary).persist()
    got = cvd.loyalty_score(summary, regularity=on_dask, p_alive=p_alive)
    expected = loyalty.loyalty_score(
        mem, regularity=regularity, p_alive=p_alive.compute().sort_index()
    )
    score, measures = dask.compute(got.score, got.measures)
    pd.testing.assert_series_equal(score.sort_index(), expected.score)
    pd.testing.assert_frame_equal(measures.sort_index(), expected.measures)


@pytest.mark.parametrize("npartitions", [1, 3, 8])
def test_cdnow_pipeline_on_a_cluster(client, cdnow, npartitions):
    ddf = dd.from_pandas(cdnow, npartitions=npartitions)
    kw = dict(amount_col="dollar_value", observation_end="1997-09-30", time_unit=7)
    summary = cvd.rfm_summary(ddf, **kw)
    mem = rfm.rfm_summary(cdnow, **kw)
    assert_same(summary.compute(), mem)

    bg = cvd.fit_transaction_model(clv.BetaGeoModel(), summary)
    bg_mem = clv.BetaGeoModel().fit(mem)
    np.testing.assert_allclose(
        dataclasses.astuple(bg.params_), dataclasses.astuple(bg_mem.params_), rtol=1e-8
    )

    repeat = summary[summary["monetary_value"] > 0]
    repeat_mem = mem[mem["monetary_value"] > 0]
    gg = cvd.fit_spend_model(clv.GammaGammaModel(), repeat)
    # the same weighted rows in memory: the same fit
    stats = (
        repeat_mem.groupby(["frequency", "monetary_value"])
        .size()
        .rename("customers")
        .reset_index()
    )
    gg_weighted = clv.GammaGammaModel().fit(stats, weights="customers")
    gg_mem = clv.GammaGammaModel().fit(repeat_mem)
    for name in ("p", "q", "v"):
        assert getattr(gg.params_, name) == pytest.approx(
            getattr(gg_weighted.params_, name), rel=1e-8
        )
        assert getattr(gg.params_, name) == pytest.approx(getattr(gg_mem.params_, name), rel=1e-6)

    value = cvd.customer_lifetime_value(
        bg, gg, summary, horizon=12, discount_rate=0.01, step=4
    ).compute()
    value_mem = clv.customer_lifetime_value(bg, gg, mem, horizon=12, discount_rate=0.01, step=4)
    pd.testing.assert_series_equal(value.sort_index(), value_mem, rtol=1e-12)
    alive = cvd.probability_alive(bg, summary).compute().sort_index()
    np.testing.assert_allclose(
        alive, bg.probability_alive(mem["frequency"], mem["recency"], mem["T"]), rtol=1e-12
    )
    expected = cvd.expected_purchases(bg, summary, 10.0).compute().sort_index()
    np.testing.assert_allclose(
        expected,
        bg.expected_purchases(10.0, mem["frequency"], mem["recency"], mem["T"]),
        rtol=1e-12,
    )
    for rule in ("value", "count"):
        values = dd.from_pandas(mem["purchases"].astype("float64"), npartitions=npartitions)
        with dask.config.set(SYNC):
            got = cvd.abc_classes(values, rule=rule).compute()
        want = tiers.abc_classes(mem["purchases"].astype("float64"), rule=rule)
        pd.testing.assert_series_equal(got.sort_index(), want)


def test_fit_from_sufficient_statistics_equals_in_memory_fit(cdnow):
    ddf = dd.from_pandas(cdnow, npartitions=4)
    with dask.config.set(SYNC):
        summary = cvd.rfm_summary(ddf, amount_col="dollar_value", time_unit=7)
        stats = cvd.sufficient_statistics(summary)
    mem = rfm.rfm_summary(cdnow, amount_col="dollar_value", time_unit=7)
    assert int(stats["customers"].sum()) == len(mem)
    assert len(stats) == len(mem[["frequency", "recency", "T"]].drop_duplicates())
    fitted = clv.ParetoNBDModel().fit(stats, weights="customers")
    in_memory = clv.ParetoNBDModel().fit(mem)
    for name in ("r", "alpha", "s", "beta"):
        assert getattr(fitted.params_, name) == pytest.approx(
            getattr(in_memory.params_, name), rel=1e-8
        )


def test_integer_dates_with_date_format_and_a_period_end(cdnow):
    raw = cdnow.assign(date=cdnow["date"].dt.strftime("%Y%m%d").astype("int64"))
    kw = dict(
        amount_col="dollar_value",
        date_format="%Y%m%d",
        freq="M",
        observation_end=pd.Period("1997-12", "M"),
    )
    with dask.config.set(SYNC):
        got = cvd.rfm_summary(dd.from_pandas(raw, npartitions=5), **kw).compute()
    assert_same(got, rfm.rfm_summary(raw, **kw))


# --- refusals ----------------------------------------------------------------------------------


def test_refuses_what_it_cannot_read():
    log = pd.DataFrame(
        {"customer_id": [1, 2], "date": pd.to_datetime(["2024-01-01", "2024-01-05"])}
    )
    with pytest.raises(InputTypeError, match="dask DataFrame"):
        cvd.rfm_summary(log)
    ddf = dd.from_pandas(log, npartitions=2)
    with pytest.raises(MissingColumnError, match="'amount'"):
        cvd.rfm_summary(ddf, amount_col="amount")
    with dask.config.set(SYNC):
        with pytest.raises(InputValueError, match="before every transaction"):
            cvd.rfm_summary(ddf, observation_end="2023-01-01")
        with pytest.raises(InputValueError, match="later period"):
            cvd.calibration_holdout_summary(ddf, "2024-01-05", "2024-01-02")
        with pytest.raises(InputValueError, match="empty"):
            cvd.rfm_summary(ddf[ddf["customer_id"] > 5])
        returns = dd.from_pandas(log.assign(amount=[5.0, -1.0]), npartitions=2)
        with pytest.raises(InputValueError, match="returns"):
            cvd.rfm_summary(returns, amount_col="amount").compute()
        with pytest.raises(InputValueError, match="negative"):
            cvd.abc_classes(returns["amount"])
    with pytest.raises(InputTypeError, match="dask Series"):
        cvd.abc_classes(log["customer_id"])
    with pytest.raises(InputTypeError, match="model"):
        cvd.fit_transaction_model(clv.BetaGeoModel, ddf)


@pytest.mark.parametrize(
    ("on_dask", "in_memory"),
    [
        (cvd.rfm_summary, rfm.rfm_summary),
        (cvd.calibration_holdout_summary, rfm.calibration_holdout_summary),
        (cvd.abc_classes, tiers.abc_classes),
        (cvd.profit_contribution, tiers.profit_contribution),
        (cvd.rfm_scores, rfm.rfm_scores),
        (cvd.rfm_segments, rfm.rfm_segments),
        (cvd.commission, commission.commission),
        (cvd.loyalty_score, loyalty.loyalty_score),
    ],
)
def test_mirrors_take_exactly_the_in_memory_options(on_dask, in_memory):
    ours = list(inspect.signature(on_dask).parameters.values())[1:]
    theirs = list(inspect.signature(in_memory).parameters.values())[1:]
    assert ours == theirs
    ddf = dd.from_pandas(pd.DataFrame({"customer_id": [1], "date": [0.0]}), npartitions=1)
    required = {p.name: 0 for p in theirs if p.default is inspect.Parameter.empty}
    with pytest.raises(InputTypeError, match="no_such_option"):
        on_dask(ddf, no_such_option=1, **required)


def test_missing_summary_column_names_the_fix():
    summary = dd.from_pandas(pd.DataFrame({"frequency": [0], "recency": [0.0]}), npartitions=1)
    with pytest.raises(MissingColumnError, match=r"no column 'T' .*custvalue.dask.rfm_summary"):
        cvd.sufficient_statistics(summary)


# --- profit contribution, scores and segments --------------------------------------------------


def _as_in_memory(got: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    keys = ([] if by is None else [by]) + ["period"]
    return got.set_index(keys, append=True).sort_index()


def assert_same_panel(got: pd.DataFrame, expected: pd.DataFrame, by: str | None = None) -> None:
    pd.testing.assert_frame_equal(
        _as_in_memory(got, by), expected, check_exact=False, rtol=1e-12, check_index_type=False
    )


@st.composite
def sales(draw):
    n = draw(st.integers(1, 50))
    customers, days = column(draw, n, 0, 10), column(draw, n, 0, 1500)
    amounts, costs = column(draw, n, -40, 400), column(draw, n, 0, 300)
    products = draw(st.lists(st.sampled_from(["p", "q", "r"]), min_size=n, max_size=n))
    return pd.DataFrame(
        {
            "customer_id": customers,
            "date": START + pd.to_timedelta(days, unit="D"),
            # quarters of a unit: exact in float64, so the sums do not depend on their order
            "amount": np.asarray(amounts, dtype=np.float64) / 4,
            "cost": np.asarray(costs, dtype=np.float64) / 4,
            "product": products,
        }
    )


@settings(max_examples=20, deadline=None)
@given(
    log=sales(),
    npartitions=st.integers(1, 5),
    freq=st.sampled_from(["Y", "Q", "M", "2M"]),
    by=st.sampled_from([None, "product"]),
    returns=st.sampled_from(["error", "net", "drop"]),
)
def test_profit_contribution_equals_in_memory(log, npartitions, freq, by, returns):
    ddf = dd.from_pandas(log, npartitions=npartitions)
    kw = dict(cost_col="cost", freq=freq, by=by, returns=returns)
    expected, error = _in_memory_or_error(tiers.profit_contribution, ddf.compute(), **kw)
    with dask.config.set(SYNC):
        if error is not None:
            with pytest.raises(type(error)):
                cvd.profit_contribution(ddf, **kw).compute()
            return
        got = cvd.profit_contribution(ddf, **kw).compute()
    assert_same_panel(got, expected, by)


def test_profit_contribution_fixes_what_spans_customers():
    # customer 1 buys only in 2023 and sits alone in its partition: its 2024 drop row
    # (the log's last period is 2024) and both shares need the other partition's customers
    log = pd.DataFrame(
        {
            "customer_id": [1, 2, 2],
            "date": pd.to_datetime(["2023-03-01", "2023-05-01", "2024-02-01"]),
            "amount": [100.0, 200.0, 300.0],
            "profit": [40.0, 60.0, 100.0],
        }
    )
    ddf = dd.from_pandas(log, npartitions=2, sort=False)
    with dask.config.set(SYNC):
        got = cvd.profit_contribution(ddf, profit_col="profit").compute()
    expected = tiers.profit_contribution(log, profit_col="profit")
    assert_same_panel(got, expected)
    one = _as_in_memory(got).loc[1]
    assert one["profit_share"].tolist() == [0.4, 0.0]
    assert one["profit_change"].tolist() == [40.0, -40.0]


@pytest.mark.parametrize("npartitions", [1, 3, 7])
def test_cdnow_profit_scores_segments_on_a_cluster(client, cdnow, npartitions):
    log = cdnow.assign(cost=np.round(cdnow["dollar_value"] * 0.6, 2))
    ddf = dd.from_pandas(log, npartitions=npartitions)
    kw = dict(amount_col="dollar_value", cost_col="cost", freq="Q")
    assert_same_panel(
        cvd.profit_contribution(ddf, **kw).compute(), tiers.profit_contribution(log, **kw)
    )
    by_month = dict(amount_col="dollar_value", profit_col="cost", freq="M", by="number_of_cds")
    assert_same_panel(
        cvd.profit_contribution(ddf, **by_month).compute(),
        tiers.profit_contribution(log, **by_month),
        "number_of_cds",
    )

    summary = cvd.rfm_summary(ddf, amount_col="dollar_value", time_unit=7)
    mem = rfm.rfm_summary(cdnow, amount_col="dollar_value", time_unit=7)
    edges = {"R": [2, 4, 12, 40], "F": [2, 3, 5, 8], "M": [20.0, 50.0, 100.0, 250.0]}
    scores = cvd.rfm_scores(summary, method="edges", edges=edges)
    scores_mem = rfm.rfm_scores(mem, method="edges", edges=edges)
    pd.testing.assert_frame_equal(scores.compute().sort_index(), scores_mem)
    for scheme in ("classic4", "marketing"):
        got = cvd.rfm_segments(scores, scheme).compute().sort_index()
        pd.testing.assert_series_equal(got, rfm.rfm_segments(scores_mem, scheme))
    # quantile scores from global thresholds: CDNOW's heavy ties (most customers bought once)
    # (the global sort under the task shuffle, as for abc_classes above)
    for bins in (3, 5):
        with dask.config.set(SYNC):
            got = cvd.rfm_scores(summary, bins=bins).compute().sort_index()
        pd.testing.assert_frame_equal(got, rfm.rfm_scores(mem, bins=bins))


def summary_rows(inactivity: int, purchases: tuple[int, int], value: int):
    """Up to 40 (inactivity, purchases, total value) rows with values in the given ranges."""
    row = st.tuples(st.integers(0, inactivity), st.integers(*purchases), st.integers(0, value))
    return st.lists(row, min_size=1, max_size=40)


@settings(max_examples=15, deadline=None)
@given(
    summary=summary_rows(12, (0, 4), 40),
    npartitions=st.integers(1, 4),
    bins=st.integers(2, 9),
)
def test_quantile_scores_equal_in_memory(summary, npartitions, bins):
    # few distinct values: ties across partitions and empty scores
    frame = pd.DataFrame(summary, columns=["inactivity", "purchases", "total_value"])
    frame["total_value"] = frame["total_value"] / 4
    ds = dd.from_pandas(frame.rename(index=lambda i: f"c{i}"), npartitions=npartitions)
    with dask.config.set(SYNC):
        got = cvd.rfm_scores(ds, bins=bins, monetary_col="total_value").compute()
    expected = rfm.rfm_scores(ds.compute(), bins=bins)
    pd.testing.assert_frame_equal(got.sort_index(), expected.sort_index())


@settings(max_examples=10, deadline=None)
@given(summary=summary_rows(50, (1, 9), 400), npartitions=st.integers(1, 4))
def test_rfm_scores_and_segments_equal_in_memory(summary, npartitions):
    frame = pd.DataFrame(
        summary, columns=["inactivity", "purchases", "total_value"], dtype="float64"
    ).rename(index=lambda i: f"c{i}")
    edges = {"R": [5, 20], "F": [2, 4], "M": [10.0, 100.0, 200.0]}
    ds = dd.from_pandas(frame, npartitions=npartitions)
    with dask.config.set(SYNC):
        scores = cvd.rfm_scores(ds, method="edges", edges=edges)
        got = scores.compute()
        segments = cvd.rfm_segments(scores, "classic4").compute()
    expected = rfm.rfm_scores(ds.compute(), method="edges", edges=edges)
    pd.testing.assert_frame_equal(got.sort_index(), expected.sort_index())
    pd.testing.assert_series_equal(
        segments.sort_index(), rfm.rfm_segments(expected, "classic4").sort_index()
    )


def test_scores_refuse_what_a_partition_cannot_see():
    summary = dd.from_pandas(
        pd.DataFrame({"inactivity": [1.0], "purchases": [1], "total_value": [1.0]}),
        npartitions=1,
    )
    with pytest.raises(InputValueError, match=r"got 'mean'.*method='edges'"):
        cvd.rfm_scores(summary, method="mean")
    with pytest.raises(InputValueError, match="bins"):
        cvd.rfm_scores(summary, bins=12)
    with dask.config.set(SYNC):
        with pytest.raises(InputValueError, match="empty"):
            cvd.rfm_scores(summary[summary["purchases"] > 5])
        with pytest.raises(InputValueError):
            cvd.rfm_scores(summary.assign(purchases=-1)).compute()
    with pytest.raises(InputTypeError, match="`edges` must be a mapping"):
        cvd.rfm_scores(summary, method="edges", edges={"R": [1]})
    log = dd.from_pandas(
        pd.DataFrame(
            {"customer_id": [1], "date": pd.to_datetime(["2024-01-01"]), "amount": [1.0]}
        ),
        npartitions=1,
    )
    with pytest.raises(InputValueError, match="exactly one of `cost_col`"):
        cvd.profit_contribution(log)
    returns = log.assign(amount=-1.0, cost=0.0)
    with dask.config.set(SYNC), pytest.raises(InputValueError, match="every line"):
        cvd.profit_contribution(returns, cost_col="cost", returns="drop")


@settings(max_examples=15, deadline=None)
@given(
    values=st.lists(st.integers(0, 30), min_size=1, max_size=300),
    npartitions=st.integers(1, 5),
    pivots=st.sampled_from([4, 16, 1000]),
)
def test_order_statistics_equal_a_full_sort(values, npartitions, pivots):
    v = np.asarray(values, dtype=np.float64) / 2
    frame = dd.from_pandas(pd.DataFrame({"a": v, "b": -v[::-1]}), npartitions=npartitions)
    every = lambda n: np.arange(n, dtype=np.int64)  # noqa: E731
    # few pivots: most order statistics lie strictly between two of them
    with dask.config.set(SYNC), pytest.MonkeyPatch.context() as patch:
        patch.setattr(select, "_PIVOTS", pivots)
        sizes, got, nexts = select.order_statistics(frame, ["a", "b"], every)
    for c, column in enumerate((v, -v[::-1])):
        ordered = np.sort(column)
        assert sizes[c] == v.size
        np.testing.assert_array_equal(got[c], ordered)
        larger = [ordered[ordered > x].min() if (ordered > x).any() else np.inf for x in ordered]
        np.testing.assert_array_equal(nexts[c], larger)


def _within(seconds: float, run):
    """``run()``'s result, or a test failure if it has not returned after ``seconds``."""
    import threading

    box: dict[str, object] = {}

    def target() -> None:
        try:
            box["value"] = run()
        except BaseException as exc:  # re-raised in the test's thread
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        pytest.fail(f"did not finish within {seconds:.0f} s (a deadlock)")
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]


def test_quantile_scores_of_a_dask_summary_on_a_process_cluster():
    # the scheduler runs in this process; a global sort computing its divisions while Dask
    # builds a graph used to deadlock with the scheduler's own graph building
    log = random_log(seed=0, n=1500, customers=200, days=120, cents=(400, 4))
    mem = rfm.rfm_summary(log, amount_col="amount")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, **NO_DASHBOARD
        ) as cluster,
        distributed.Client(cluster),
    ):
        summary = cvd.rfm_summary(dd.from_pandas(log, npartitions=3), amount_col="amount")
        for bins in (3, 5):
            got = _within(90, lambda b=bins: cvd.rfm_scores(summary, bins=b).compute())
            pd.testing.assert_frame_equal(got.sort_index(), rfm.rfm_scores(mem, bins=bins))
        # the ABC bounds (a global sort used to deadlock here too)
        for column, rule in (("total_value", "value"), ("frequency", "count")):
            classes = _within(
                90, lambda c=column, r=rule: cvd.abc_classes(summary[c], rule=r).compute()
            )
            pd.testing.assert_series_equal(
                classes.sort_index(), tiers.abc_classes(mem[column], rule=rule)
            )
        # the other global passes (order statistics, shuffles, an index of known divisions)
        score = _within(90, lambda: cvd.loyalty_score(summary).score.compute())
        pd.testing.assert_series_equal(score.sort_index(), loyalty.loyalty_score(mem).score)
        # the per-customer inputs, joined to the summary by customer (a hash join)
        regularity = loyalty.purchase_regularity(log, amount_col="amount")
        satisfaction = pd.Series(np.arange(len(mem)) % 5, index=mem.index[::-1]).where(
            lambda x: x != 2
        )
        inputs = dict(
            regularity=dd.from_pandas(regularity, npartitions=2),
            satisfaction=dd.from_pandas(satisfaction, npartitions=4, sort=False),
        )
        score = _within(90, lambda: cvd.loyalty_score(summary, **inputs).score.compute())
        pd.testing.assert_series_equal(
            score.sort_index(),
            loyalty.loyalty_score(mem, regularity=regularity, satisfaction=satisfaction).score,
        )
        plan = commission.CommissionPlan([(None, None, ["2%", "3%"])], brackets=[0, 500])
        lines = log.assign(salesperson=log["customer_id"] % 7, cost=0.0)
        statements = _within(
            90,
            lambda: cvd.commission(
                dd.from_pandas(lines, npartitions=3), plan, cost_col="cost"
            ).statements.compute(),
        )
        pd.testing.assert_frame_equal(
            statements.sort_values("salesperson", ignore_index=True),
            commission.commission(lines, plan, cost_col="cost").statements,
        )
