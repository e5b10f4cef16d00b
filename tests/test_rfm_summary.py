"""rfm_summary and calibration_holdout_summary against a naive reference and lifetimes."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from custvalue.errors import InputTypeError
from custvalue.errors import InputValueError
from custvalue.errors import MissingColumnError
from custvalue.rfm import calibration_holdout_summary
from custvalue.rfm import rfm_summary

DATA = Path(__file__).parent / "data"


# --- naive reference: one customer at a time, plain pandas periods ---------------------------


def naive_period(date: pd.Timestamp, freq: str) -> int:
    """Period of one date: pandas' ordinal of the base alias, floor-divided by the multiple."""
    offset = pd.PeriodDtype(freq).freq
    return pd.Period(date, freq=offset.base).ordinal // offset.n


def naive_periods(dates: pd.Series, freq: str) -> list[int]:
    if isinstance(dates.dtype, pd.DatetimeTZDtype):
        dates = dates.dt.tz_localize(None)
    return [naive_period(d, freq) for d in dates]


def naive_summary(df, end, freq, amount_col="amount", returns="error"):
    """Per customer, from scratch: periods -> per-period totals -> the summary columns."""
    periods = naive_periods(df["date"], freq)
    end_p = naive_period(pd.Timestamp(end), freq) if end is not None else max(periods)
    per_customer: dict[object, dict[int, float]] = {}
    for cid, p, amount in zip(df["customer_id"], periods, df[amount_col], strict=True):
        if returns == "drop" and amount < 0:
            continue
        totals = per_customer.setdefault(cid, {})
        totals[p] = totals.get(p, 0.0) + amount
    if returns == "net":  # a period whose net is <= 0 is no purchase
        per_customer = {
            cid: {p: a for p, a in totals.items() if a > 0} for cid, totals in per_customer.items()
        }
    per_customer = {
        cid: {p: a for p, a in totals.items() if p <= end_p}
        for cid, totals in per_customer.items()
    }
    per_customer = {cid: totals for cid, totals in per_customer.items() if totals}
    rows = {}
    for cid in sorted(per_customer):
        totals = per_customer[cid]
        ps = sorted(totals)
        repeat = [totals[p] for p in ps[1:]]
        rows[cid] = {
            "frequency": len(ps) - 1,
            "recency": float(ps[-1] - ps[0]),
            "T": float(end_p - ps[0]),
            "monetary_value": sum(repeat) / len(repeat) if repeat else 0.0,
            "purchases": len(ps),
            "total_value": sum(totals.values()),
            "inactivity": float(end_p - ps[-1]),
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "customer_id"
    return out


def assert_summary_equal(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert list(got.index) == list(want.index)
    assert list(got.columns) == list(want.columns)
    for col in want.columns:
        np.testing.assert_allclose(
            got[col].to_numpy(float), want[col].to_numpy(float), rtol=1e-9, err_msg=col
        )


# --- hypothesis strategies --------------------------------------------------------------------

logs = st.lists(
    st.tuples(
        st.integers(0, 6),  # customer
        st.integers(0, 400),  # day offset
        st.integers(0, 23),  # hour
        st.integers(0, 100_000).map(lambda c: c / 100),  # amount
    ),
    min_size=1,
    max_size=40,
)


ID_KINDS = {
    "dense int": lambda c: c,
    "negative int": lambda c: 7 * c - 20,  # offset coding from a negative minimum
    "sparse int": lambda c: (c - 3) * 10**12,  # too wide a range for offset coding
    "str": lambda c: f"c{c}",
}


def make_log(rows, *, tz=None, id_kind="dense int"):
    cust, day, hour, amount = zip(*rows, strict=True)
    dates = (
        pd.Timestamp("2023-12-20")
        + pd.to_timedelta(day, unit="D")
        + pd.to_timedelta(hour, unit="h")
    )
    ids = [ID_KINDS[id_kind](c) for c in cust]
    df = pd.DataFrame({"customer_id": ids, "date": dates, "amount": list(amount)})
    if tz is not None:
        df["date"] = df["date"].dt.tz_localize(tz, nonexistent="shift_forward", ambiguous=False)
    return df


@settings(max_examples=80, deadline=None)
@given(
    rows=logs,
    freq=st.sampled_from(["D", "W", "M", "Q"]),
    end_offset=st.one_of(st.none(), st.integers(0, 450)),
    tz=st.sampled_from([None, "Europe/Berlin", "America/New_York"]),
    id_kind=st.sampled_from(sorted(ID_KINDS)),
)
def test_summary_matches_naive_reference(rows, freq, end_offset, tz, id_kind):
    df = make_log(rows, tz=tz, id_kind=id_kind)
    end = (
        None if end_offset is None else pd.Timestamp("2023-12-20") + pd.Timedelta(days=end_offset)
    )
    before = df.copy()
    first_period = min(naive_periods(df["date"], freq))
    if end is not None and pd.Period(end, freq=freq).ordinal < first_period:
        with pytest.raises(InputValueError, match="observation_end"):
            rfm_summary(df, amount_col="amount", observation_end=end, freq=freq)
        return
    got = rfm_summary(df, amount_col="amount", observation_end=end, freq=freq)
    assert_summary_equal(got, naive_summary(df, end, freq))
    pd.testing.assert_frame_equal(df, before)  # the caller's data is untouched


@settings(max_examples=50, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.integers(0, 5), st.integers(-50, 50).map(lambda t: t / 4), st.integers(0, 500)
        ),
        min_size=1,
        max_size=30,
    )
)
def test_numeric_time_column_uses_values_as_times(rows):
    cust, t, amount = zip(*rows, strict=True)
    df = pd.DataFrame({"customer_id": cust, "date": t, "amount": np.array(amount, float)})
    got = rfm_summary(df, amount_col="amount")
    end = max(t)
    for cid, g in df.groupby("customer_id"):
        times = sorted(set(g["date"]))
        first_total = g.loc[g["date"] == times[0], "amount"].sum()
        assert got.loc[cid, "frequency"] == len(times) - 1
        assert got.loc[cid, "recency"] == times[-1] - times[0]
        assert got.loc[cid, "T"] == end - times[0]
        want_mv = (g["amount"].sum() - first_total) / (len(times) - 1) if len(times) > 1 else 0.0
        assert got.loc[cid, "monetary_value"] == pytest.approx(want_mv)


def test_hand_worked_weeks_and_months():
    # Mon 2024-01-01 and Sun 2024-01-07 share a week; Mon 2024-01-08 starts the next.
    df = pd.DataFrame(
        {
            "customer_id": [1, 1, 1, 2],
            "date": pd.to_datetime(["2024-01-01", "2024-01-07", "2024-01-08", "2024-03-31"]),
        }
    )
    weekly = rfm_summary(df, freq="W", observation_end="2024-01-22")  # a Monday
    assert weekly.loc[1, ["frequency", "recency", "T", "inactivity"]].tolist() == [1, 1, 3, 2]
    monthly = rfm_summary(df, freq="M", observation_end="2024-04-15")
    assert monthly.loc[1, ["frequency", "recency", "T"]].tolist() == [0, 0, 3]
    assert monthly.loc[2, ["frequency", "recency", "T"]].tolist() == [0, 0, 1]
    assert "monetary_value" not in weekly and "total_value" not in weekly


def test_tz_aware_observation_end_is_converted_to_the_column_zone():
    df = pd.DataFrame(
        {
            "customer_id": [1, 1],
            "date": pd.to_datetime(["2024-01-01 12:00", "2024-01-03 23:30"]).tz_localize(
                "Asia/Tokyo"
            ),
        }
    )
    # 2024-01-03 15:00 UTC is 2024-01-04 00:00 in Tokyo: T counts to Jan 4.
    got = rfm_summary(df, observation_end=pd.Timestamp("2024-01-03 15:00", tz="UTC"))
    assert got.loc[1, "T"] == 3.0
    with pytest.raises(InputValueError, match="observation_end"):
        rfm_summary(
            df.assign(date=df["date"].dt.tz_localize(None)),
            observation_end=pd.Timestamp("2024-01-03", tz="UTC"),
        )


# --- lifetimes on the full CDNOW master log ----------------------------------------------------


@pytest.fixture(scope="module")
def cdnow_master() -> pd.DataFrame:
    df = pd.read_csv(DATA / "CDNOW_master.txt", sep=r"\s+")
    df["date"] = pd.to_datetime(df["date"].astype(str), format="%Y%m%d")
    return df


@pytest.fixture(scope="module")
def lifetimes_utils():
    pytest.importorskip("lifetimes")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from lifetimes import utils
    return utils


@pytest.mark.parametrize("freq", ["D", "W"])
def test_equal_to_lifetimes_on_cdnow_master(cdnow_master, lifetimes_utils, freq):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = lifetimes_utils.summary_data_from_transaction_data(
            cdnow_master, "customer_id", "date", monetary_value_col="dollar_value", freq=freq
        )
    got = rfm_summary(cdnow_master, amount_col="dollar_value", freq=freq)
    assert len(got) == 23_570
    assert got.index.equals(want.index)
    for col in ["frequency", "recency", "T", "monetary_value"]:
        np.testing.assert_allclose(
            got[col].to_numpy(float), want[col].to_numpy(float), rtol=1e-12, err_msg=col
        )


@pytest.mark.parametrize(
    ("freq", "cal_end"),
    # lifetimes cuts the calibration window at the raw timestamp; with a cut at the end of a
    # period (any day for "D", a Sunday for "W") both definitions coincide.
    [("D", "1997-09-30"), ("W", "1997-09-28")],
)
def test_calibration_holdout_equal_to_lifetimes_on_cdnow_master(
    cdnow_master, lifetimes_utils, freq, cal_end
):
    kwargs = {"calibration_end": cal_end, "observation_end": "1998-06-30"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = lifetimes_utils.calibration_and_holdout_data(
            cdnow_master,
            "customer_id",
            "date",
            calibration_period_end=kwargs["calibration_end"],
            observation_period_end=kwargs["observation_end"],
            monetary_value_col="dollar_value",
            freq=freq,
        )
    got = calibration_holdout_summary(cdnow_master, **kwargs, amount_col="dollar_value", freq=freq)
    assert got.index.equals(want.index)
    assert list(got.columns) == list(want.columns)
    # lifetimes averages holdout transactions; custvalue averages per-period totals.
    for col in want.columns.drop("monetary_value_holdout"):
        np.testing.assert_allclose(
            got[col].to_numpy(float), want[col].to_numpy(float), rtol=1e-12, err_msg=col
        )
    df = cdnow_master
    period = df["date"].dt.to_period(freq)
    hold = df[
        (period > pd.Period(kwargs["calibration_end"], freq))
        & (period <= pd.Period(kwargs["observation_end"], freq))
    ]
    per_period = hold.groupby(["customer_id", hold["date"].dt.to_period(freq)])[
        "dollar_value"
    ].sum()
    want_mv = per_period.groupby(level=0).mean().reindex(got.index, fill_value=0.0)
    np.testing.assert_allclose(got["monetary_value_holdout"], want_mv.to_numpy(), rtol=1e-12)
    # Where every holdout period holds one transaction, the two definitions agree.
    lines = hold.groupby("customer_id").size().reindex(got.index, fill_value=0)
    same = (lines == got["frequency_holdout"]).to_numpy()
    np.testing.assert_allclose(
        got["monetary_value_holdout"][same], want["monetary_value_holdout"][same], rtol=1e-12
    )


# --- calibration / holdout against the naive reference ----------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    rows=logs,
    cal_day=st.integers(0, 300),
    extra=st.integers(1, 200),
    freq=st.sampled_from(["D", "W", "M"]),
)
def test_calibration_holdout_matches_naive(rows, cal_day, extra, freq):
    df = make_log(rows)
    cal_end = pd.Timestamp("2023-12-20") + pd.Timedelta(days=cal_day)
    obs_end = cal_end + pd.Timedelta(days=extra)
    cal_p, obs_p = (pd.Period(x, freq=freq).ordinal for x in (cal_end, obs_end))
    periods = naive_periods(df["date"], freq)
    if obs_p <= cal_p or min(periods) > cal_p:
        with pytest.raises(InputValueError):
            calibration_holdout_summary(df, cal_end, obs_end, amount_col="amount", freq=freq)
        return
    got = calibration_holdout_summary(df, cal_end, obs_end, amount_col="amount", freq=freq)
    cal = naive_summary(df, cal_end, freq)
    assert list(got.index) == list(cal.index)
    for col in ["frequency", "recency", "T", "monetary_value"]:
        np.testing.assert_allclose(got[f"{col}_cal"], cal[col].to_numpy(float), rtol=1e-9)
    for cid in cal.index:
        hold = [
            (p, a)
            for c, p, a in zip(df["customer_id"], periods, df["amount"], strict=True)
            if c == cid and cal_p < p <= obs_p
        ]
        assert got.loc[cid, "frequency_holdout"] == len({p for p, _ in hold})
        # Mean of the per-period totals (as monetary_value_cal), not per transaction.
        n_periods = len({p for p, _ in hold})
        want_mv = sum(a for _, a in hold) / n_periods if hold else 0.0
        assert got.loc[cid, "monetary_value_holdout"] == pytest.approx(want_mv)
        assert got.loc[cid, "duration_holdout"] == obs_p - cal_p


# --- bad input ----------------------------------------------------------------------------------


def base_log() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [1, 2, 1],
            "date": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-05"]),
            "amount": [1.0, 2.0, 3.0],
        }
    )


@pytest.mark.parametrize(
    ("change", "error", "pattern"),
    [
        (lambda d: d.drop(columns="date"), MissingColumnError, "'date'"),
        (lambda d: d.iloc[:0], InputValueError, "empty"),
        (lambda d: d.assign(date=d["date"].astype(str)), InputTypeError, "pandas.to_datetime"),
        (lambda d: d.assign(date=d["date"].where(d.index != 1)), InputValueError, "NaT"),
        (lambda d: d.assign(amount=[1.0, np.nan, 2.0]), InputValueError, "'amount'"),
        (lambda d: d.assign(amount=[1.0, -2.0, 2.0]), InputValueError, "`returns`"),
        (lambda d: d.assign(amount=[1.0, np.inf, 2.0]), InputValueError, "non-finite"),
        (lambda d: d.assign(amount=["1", "2", "x"]), InputTypeError, "'amount'"),
        (lambda d: d.assign(customer_id=[1, None, 2]), InputValueError, "customer_col"),
        (lambda d: d.assign(customer_id=[1, "b", 2]), InputTypeError, "mix types"),
        (
            lambda d: d.assign(customer_id=pd.array(["a", None, "b"], dtype="string")),
            InputValueError,
            "customer_col",
        ),
        (
            lambda d: d.assign(
                date=pd.Series(
                    [
                        pd.Timestamp("2024-01-01", tz="UTC"),
                        pd.Timestamp("2024-01-02", tz="Europe/Paris"),
                        pd.Timestamp("2024-01-03", tz="UTC"),
                    ],
                    dtype=object,
                )
            ),
            InputTypeError,
            "mixed time zones",
        ),
    ],
)
def test_bad_input_is_reported(change, error, pattern):
    with pytest.raises(error, match=pattern):
        rfm_summary(change(base_log()), amount_col="amount")


def test_bad_arguments_are_reported():
    df = base_log()
    with pytest.raises(InputValueError, match="freq"):
        rfm_summary(df, freq="fortnight")
    with pytest.raises(InputValueError, match="observation_end"):
        rfm_summary(df, observation_end="2023-01-01")
    with pytest.raises(InputValueError, match="observation_end"):
        rfm_summary(df, observation_end="not a date")
    with pytest.raises(InputTypeError, match="transactions"):
        rfm_summary(df.to_numpy())
    with pytest.raises(InputValueError, match="later period"):
        calibration_holdout_summary(df, "2024-01-03", "2024-01-03")
    numeric = df.assign(date=[1.0, 2.0, 3.0])
    with pytest.raises(InputTypeError, match="number"):
        rfm_summary(numeric, observation_end="2024-01-01")


def test_transactions_after_observation_end_are_excluded():
    got = rfm_summary(base_log(), amount_col="amount", observation_end="2024-01-03")
    assert got.loc[1, "purchases"] == 1 and got.loc[1, "total_value"] == 1.0
    late_only = base_log().assign(date=pd.to_datetime(["2024-01-01", "2024-02-01", "2024-01-05"]))
    assert list(rfm_summary(late_only, observation_end="2024-01-31").index) == [1]


# --- regression tests: readings that used to be silently wrong -----------------------------------


def cdnow_like():
    return pd.DataFrame(
        {
            "customer_id": [1, 1, 2, 2, 2],
            "date": [19970101, 19970115, 19970102, 19970110, 19970301],
            "amount": [10.0, 20.0, 5.0, 7.0, 9.0],
        }
    )


def test_yyyymmdd_integer_dates_are_refused_or_parsed():
    df = cdnow_like()
    with pytest.raises(InputValueError, match="date_format='%Y%m%d'"):
        rfm_summary(df, amount_col="amount")
    got = rfm_summary(df, amount_col="amount", date_format="%Y%m%d", freq="W")
    as_dates = df.assign(date=pd.to_datetime(df["date"].astype(str), format="%Y%m%d"))
    assert_summary_equal(got, naive_summary(as_dates, None, "W"))
    assert got.loc[2, "recency"] == naive_period(pd.Timestamp("1997-03-01"), "W") - naive_period(
        pd.Timestamp("1997-01-02"), "W"
    )


def test_freq_on_numeric_time_is_refused():
    df = pd.DataFrame({"customer_id": [1, 1], "date": [0.0, 3.0]})
    with pytest.raises(InputValueError, match="freq"):
        rfm_summary(df, freq="W")
    assert rfm_summary(df)["recency"].tolist() == [3.0]


@pytest.mark.parametrize(
    ("freq", "base"), [("7D", "D"), ("2W", "W"), ("2M", "M"), ("6h", "h"), ("2Q", "Q")]
)
def test_period_multiples_are_honoured(freq, base):
    rows = [(c, d, h, 1.0 + c) for c in range(4) for d, h in ((0, 0), (3, 5), (9, 1), (40, 20))]
    rows += [(1, 200, 7, 2.0), (2, 61, 13, 3.0)]
    df = make_log(rows)
    got = rfm_summary(df, amount_col="amount", freq=freq)
    assert_summary_equal(got, naive_summary(df, None, freq))
    assert not got.equals(rfm_summary(df, amount_col="amount", freq=base))


def returns_frame():
    return pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "a", "b", "b", "c"],
            "date": pd.to_datetime(
                [
                    "2024-01-01",
                    "2024-01-03",
                    "2024-01-03",
                    "2024-01-05",
                    "2024-01-02",
                    "2024-01-02",
                    "2024-01-04",
                ]
            ),
            "amount": [10.0, 8.0, -8.0, 6.0, 4.0, -1.0, -2.0],
        }
    )


def test_returns_policy():
    df = returns_frame()
    with pytest.raises(InputValueError, match="`returns`"):
        rfm_summary(df, amount_col="amount")
    net = rfm_summary(df, amount_col="amount", returns="net")
    # a: 01-03 nets to 0, not a purchase; b: one period of 3; c: only a return, absent.
    assert net.index.tolist() == ["a", "b"]
    assert net.loc["a", "frequency"] == 1 and net.loc["a", "recency"] == 4.0
    assert net.loc["a", "monetary_value"] == 6.0 and net.loc["a", "total_value"] == 16.0
    assert net.loc["b", "total_value"] == 3.0
    assert_summary_equal(net, naive_summary(df, None, "D", returns="net"))
    drop = rfm_summary(df, amount_col="amount", returns="drop")
    assert drop.index.tolist() == ["a", "b"]
    assert drop.loc["a", "frequency"] == 2 and drop.loc["a", "total_value"] == 24.0
    assert_summary_equal(drop, naive_summary(df, None, "D", returns="drop"))


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.integers(0, 5),
            st.integers(0, 120),
            st.integers(0, 23),
            st.integers(-3_000, 10_000).map(lambda c: c / 100),
        ),
        min_size=1,
        max_size=40,
    ),
    freq=st.sampled_from(["D", "7D", "2W", "2M", "6h", "W", "M"]),
    end_offset=st.one_of(st.none(), st.integers(0, 130)),
)
def test_multiples_and_net_returns_match_slow_reference(rows, freq, end_offset):
    df = make_log(rows)
    end = (
        None if end_offset is None else pd.Timestamp("2023-12-20") + pd.Timedelta(days=end_offset)
    )
    want = naive_summary(df, end, freq, returns="net")
    if want.empty:
        with pytest.raises(InputValueError):
            rfm_summary(df, amount_col="amount", freq=freq, returns="net", observation_end=end)
        return
    got = rfm_summary(df, amount_col="amount", freq=freq, returns="net", observation_end=end)
    assert_summary_equal(got, want)


def test_holdout_spend_is_the_mean_of_per_period_totals():
    log = pd.DataFrame(
        {
            "customer_id": [1, 1, 1, 1, 1],
            "date": pd.to_datetime(
                ["2024-01-01", "2024-01-02", "2024-01-10", "2024-01-10", "2024-01-12"]
            ),
            "amount": [1.0, 3.0, 4.0, 6.0, 20.0],
        }
    )
    got = calibration_holdout_summary(log, "2024-01-05", "2024-01-15", amount_col="amount")
    assert got.loc[1, "monetary_value_cal"] == 3.0
    # two holdout periods with totals 10 and 20 (three transactions: 10 per transaction)
    assert got.loc[1, "frequency_holdout"] == 2
    assert got.loc[1, "monetary_value_holdout"] == 15.0


def test_nullable_ids_with_missing_values_are_refused():
    df = base_log().assign(customer_id=pd.array([1, pd.NA, 2], dtype="Int64"))
    with pytest.raises(InputValueError, match="customer_col"):
        rfm_summary(df)
    ok = base_log().assign(customer_id=pd.array([1, 2, 1], dtype="Int64"))
    assert rfm_summary(ok)["purchases"].tolist() == [2, 1]


def test_arrow_timestamps_are_dates():
    df = base_log()
    want = rfm_summary(df, amount_col="amount", freq="W")
    got = rfm_summary(
        df.assign(date=df["date"].astype("timestamp[ns][pyarrow]")), amount_col="amount", freq="W"
    )
    pd.testing.assert_frame_equal(got, want)


@pytest.mark.parametrize("arg", ["customer_col", "date_col", "amount_col"])
def test_list_as_column_name_is_refused_naming_the_argument(arg):
    with pytest.raises(InputTypeError, match=arg):
        rfm_summary(base_log(), **{"amount_col": "amount", arg: ["date"]})


def test_period_observation_end():
    df = base_log()
    got = rfm_summary(df, observation_end=pd.Period("2024-01", "M"))
    assert got.equals(rfm_summary(df, observation_end="2024-01-31"))
    cal = calibration_holdout_summary(df, pd.Period("2024-01-02", "D"), pd.Period("2024-01", "M"))
    assert cal["duration_holdout"].tolist() == [29.0, 29.0]


def test_polars_and_arrow_logs_give_the_pandas_summary():
    import polars as pl
    import pyarrow as pa

    want = rfm_summary(base_log())
    for frame in (pl.from_pandas(base_log()), pa.Table.from_pandas(base_log())):
        pd.testing.assert_frame_equal(rfm_summary(frame), want)


# Few characters (NUL, multi-byte, astral) make shared prefixes and prefixes of each other likely.
ID_TEXT = st.one_of(
    st.text(st.sampled_from(["a", "\x00", "é", "😀", "0"]), max_size=12),
    st.text(max_size=10),
)


def _with_id_dtype(df: pd.DataFrame, kind: str) -> object:
    if kind == "polars":
        import polars as pl

        return pl.from_pandas(df.astype({"customer_id": "str"}))
    if kind == "category":
        ids = df["customer_id"]
        return df.assign(customer_id=pd.Categorical(ids, categories=sorted(set(ids))))
    return df.astype({"customer_id": kind})


@settings(max_examples=60, deadline=None)
@given(
    rows=logs,
    names=st.lists(ID_TEXT, min_size=7, max_size=7),
    kind=st.sampled_from([object, "str", "string[pyarrow]", "category", "polars"]),
)
def test_string_ids_of_every_kind_match_the_naive_reference(rows, names, kind):
    df = make_log(rows)
    df["customer_id"] = [names[c] for c in df["customer_id"]]
    got = rfm_summary(_with_id_dtype(df, kind), amount_col="amount")
    want = naive_summary(df, None, "D")
    assert [type(v) for v in got.index] == [str] * len(want)
    assert_summary_equal(got, want)
    assert got.index.name == "customer_id"


def test_object_ids_are_the_callers_objects_in_python_order():
    ids = np.array(["b", "a\x00", "é", "a", "b", "ab"], dtype=object)
    df = pd.DataFrame(
        {
            "customer_id": pd.Series(ids, dtype=object),
            "date": pd.to_datetime([f"2024-01-0{d}" for d in range(1, 7)]),
            "amount": 1.0,
        }
    )
    for got in (
        rfm_summary(df),
        rfm_summary(df, observation_end="2024-01-05"),  # a window re-codes the ids
        calibration_holdout_summary(df, "2024-01-04", "2024-01-06"),
    ):
        assert got.index.dtype == object
        assert list(got.index) == sorted(set(got.index))
        assert all(any(v is w for w in ids) for v in got.index)
    assert list(rfm_summary(df).index) == ["a", "a\x00", "ab", "b", "é"]


def test_time_unit_divides_the_time_columns():
    df = base_log()
    days = rfm_summary(df, amount_col="amount", observation_end="2024-01-15")
    weeks = rfm_summary(df, amount_col="amount", observation_end="2024-01-15", time_unit=7)
    for col in ("recency", "T", "inactivity"):
        np.testing.assert_allclose(weeks[col], days[col] / 7)
    pd.testing.assert_series_equal(weeks["frequency"], days["frequency"])
    split = calibration_holdout_summary(df, "2024-01-03", "2024-01-17", time_unit=7)
    assert split["duration_holdout"].tolist() == [2.0, 2.0]
    for bad in (0, -1.0, "7"):
        with pytest.raises((InputValueError, InputTypeError), match="time_unit"):
            rfm_summary(df, time_unit=bad)


def test_amount_sums_beyond_float_range_are_refused():
    df = base_log().assign(amount=[1e308, 1.0, 1e308])
    with pytest.raises(InputValueError, match="amount_col"):
        rfm_summary(df, amount_col="amount")


def test_calibration_end_before_every_transaction_names_calibration_end():
    with pytest.raises(InputValueError, match="`calibration_end` is before"):
        calibration_holdout_summary(base_log(), "2023-12-01", "2024-01-10")
