"""The shared log reader of custvalue._core: column readers, calendar, returns, frame types."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from custvalue._core.calendar import add_months
from custvalue._core.calendar import datetimes_to_periods
from custvalue._core.calendar import month_ordinals
from custvalue._core.calendar import parse_freq
from custvalue._core.calendar import period_at
from custvalue._core.transactions import period_of
from custvalue._core.transactions import read_ids
from custvalue._core.transactions import read_time
from custvalue._core.transactions import read_transactions
from custvalue._core.validation import check_column_name
from custvalue._core.validation import check_dataframe
from custvalue.errors import InputTypeError
from custvalue.errors import InputValueError

# --- calendar -------------------------------------------------------------------------------

MULTIPLES = ["D", "W", "M", "Q", "Y", "h", "7D", "2W", "2M", "6h", "2Q", "3W-WED", "15min", "2Y"]


def slow_period(date: pd.Timestamp, freq: str) -> int:
    """Period of ``date``: floor of pandas' base ordinal over the multiple, one date at a time."""
    offset = pd.PeriodDtype(freq).freq
    base = pd.Period(date, freq=offset.base).ordinal
    return base // offset.n


@settings(max_examples=60, deadline=None)
@given(
    minutes=st.lists(st.integers(-30 * 525_600, 60 * 525_600), min_size=1, max_size=20),
    freq=st.sampled_from(MULTIPLES),
)
def test_period_ordinals_match_slow_pandas_reference(minutes, freq):
    dates = pd.Timestamp("1970-01-01") + pd.to_timedelta(minutes, unit="min")
    got = datetimes_to_periods(dates.to_numpy(dtype="datetime64[ns]"), freq)
    assert got.tolist() == [float(slow_period(d, freq)) for d in dates]
    for d, o in zip(dates, got, strict=True):
        p = period_at(o, freq)  # period o is a genuine pandas period holding d
        assert p.start_time <= d <= p.end_time


def test_multiples_are_not_read_as_their_base():
    days = np.array(["2024-01-01", "2024-01-06", "2024-01-08"], dtype="datetime64[ns]")
    assert (
        np.diff(datetimes_to_periods(days, "7D")).tolist()
        != np.diff(datetimes_to_periods(days, "D")).tolist()
    )
    months = np.array(["2024-01-15", "2024-02-15", "2024-03-15"], dtype="datetime64[ns]")
    assert datetimes_to_periods(months, "2M").tolist() == [324.0, 324.0, 325.0]


# ("H" is refused by pandas 3 but still an hourly alias in pandas 2.2: not listed)
@pytest.mark.parametrize("freq", ["0D", "-2D", "B", "2B", "ME", "X"])
def test_bad_freqs_are_refused(freq):
    with pytest.raises(InputValueError, match="freq"):
        parse_freq(freq)


def test_freq_type_checked():
    with pytest.raises(InputTypeError, match="freq"):
        parse_freq(7)


def test_month_ordinals_and_add_months_against_pandas():
    days = pd.date_range("1960-01-31", "2030-12-31", freq="17D")
    assert month_ordinals(days.to_numpy()).tolist() == [pd.Period(d, "M").ordinal for d in days]
    values = days.to_numpy().astype("datetime64[D]").astype(np.int64)
    for k in (-13, -1, 1, 12, 25):
        got = add_months(values, k).astype("datetime64[D]")
        want = (days + pd.DateOffset(months=k)).to_numpy().astype("datetime64[D]")
        assert (got == want).all()


# --- ids ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ids",
    [
        pd.Series([1, pd.NA, 3], dtype="Int64"),
        pd.Series(["a", pd.NA, "b"], dtype="string[pyarrow]"),
        pd.Series(["a", None, "b"], dtype=object),
        pd.Series([1.0, np.nan, 2.0]),
        pd.Series([1, None, 3], dtype="int64[pyarrow]"),
    ],
)
def test_missing_ids_of_every_dtype_refused(ids):
    with pytest.raises(InputValueError, match="customer_col"):
        read_ids(ids, "customer_id")


def test_nullable_ids_without_missing_are_coded():
    codes, ids = read_ids(pd.Series([7, 5, 7], dtype="Int64"), "customer_id")
    assert codes.tolist() == [1, 0, 1] and ids.tolist() == [5, 7]


# --- time ---------------------------------------------------------------------------------


def test_arrow_timestamps_are_read_as_datetimes():
    dates = pd.Series(pd.to_datetime(["2024-01-01", "2024-01-09"]))
    want = read_time(dates, "date", "W").periods
    for dtype in ("timestamp[ns][pyarrow]", "timestamp[us][pyarrow]", "date32[pyarrow]"):
        got = read_time(dates.astype(dtype), "date", "W")
        assert got.periods.tolist() == want.tolist() and not got.numeric
    aware = dates.dt.tz_localize("Europe/Paris")
    got = read_time(aware.astype("timestamp[ns, tz=Europe/Paris][pyarrow]"), "date")
    assert got.periods.tolist() == read_time(aware, "date").periods.tolist()
    assert str(got.tz) == "Europe/Paris"


def test_yyyymmdd_integers_refused_with_the_fix():
    col = pd.Series([19970101, 19970215, 19980630])
    with pytest.raises(InputValueError, match="date_format='%Y%m%d'"):
        read_time(col, "date")
    got = read_time(col, "date", date_format="%Y%m%d")
    assert got.periods.tolist() == [
        float(pd.Period(d, "D").ordinal) for d in ["1997-01-01", "1997-02-15", "1998-06-30"]
    ]
    # integers that are not all valid dates stay numeric time
    assert read_time(pd.Series([19970101, 19970230]), "date").numeric


def test_date_format_parses_strings_and_reports_mismatches():
    got = read_time(pd.Series(["01/02/2024", "15/02/2024"]), "date", date_format="%d/%m/%Y")
    assert got.periods.tolist() == [19754.0, 19768.0]
    with pytest.raises(InputValueError, match="date_format"):
        read_time(pd.Series(["01/02/2024", "2024-02-15"]), "date", date_format="%d/%m/%Y")
    with pytest.raises(InputTypeError, match="date_format"):
        read_time(pd.Series(["01/02/2024"]), "date", date_format=5)


def test_freq_on_numeric_time():
    col = pd.Series([1.0, 2.5])
    with pytest.raises(InputValueError, match="freq"):
        read_time(col, "date", "W")
    assert read_time(col, "date", "W", freq_on_numeric="ignore").periods.tolist() == [1.0, 2.5]
    assert read_time(col, "date").periods.tolist() == [1.0, 2.5]


# --- returns ------------------------------------------------------------------------------


def returns_log():
    return pd.DataFrame(
        {
            "c": [1, 1, 1, 2, 2, 3],
            "t": [0, 0, 1, 0, 2, 0],
            "a": [10.0, -4.0, 5.0, 3.0, -3.0, -1.0],
        }
    )


def test_returns_error_names_the_keyword():
    with pytest.raises(InputValueError, match="`returns`"):
        read_transactions(returns_log(), "c", "t", "a")


def test_returns_drop_and_net():
    drop = read_transactions(returns_log(), "c", "t", "a", returns="drop")
    assert drop.ids.tolist() == [1, 2]
    assert sorted(
        zip(drop.codes.tolist(), drop.periods.tolist(), drop.amounts.tolist(), strict=True)
    ) == [
        (0, 0.0, 10.0),
        (0, 1.0, 5.0),
        (1, 0.0, 3.0),
    ]
    net = read_transactions(returns_log(), "c", "t", "a", returns="net")
    assert net.ids.tolist() == [1, 2]
    assert sorted(
        zip(net.codes.tolist(), net.periods.tolist(), net.amounts.tolist(), strict=True)
    ) == [
        (0, 0.0, 6.0),
        (0, 1.0, 5.0),
        (1, 0.0, 3.0),
    ]
    with pytest.raises(InputValueError, match="returns"):
        read_transactions(returns_log(), "c", "t", "a", returns="keep")


def test_positional_call_of_the_domains_still_works():
    df = pd.DataFrame({"c": [1, 2], "t": [3.0, 4.0]})
    log = read_transactions(df, "c", "t", None, "D")  # numeric time, freq ignored
    assert log.numeric_time and log.periods.tolist() == [3.0, 4.0]


# --- column names and frame types ------------------------------------------------------------


@pytest.mark.parametrize("arg", ["customer_col", "date_col", "amount_col"])
@pytest.mark.parametrize("bad", [["c"], ("c", "t"), {"c"}])
def test_list_as_column_name_is_a_type_error_naming_the_argument(arg, bad):
    names = {"customer_col": "c", "date_col": "t", "amount_col": "a"}
    names[arg] = bad
    with pytest.raises(InputTypeError, match=arg):
        read_transactions(
            returns_log().abs(), names["customer_col"], names["date_col"], names["amount_col"]
        )
    with pytest.raises(InputTypeError, match=arg):
        check_column_name(bad, arg)


def test_polars_and_arrow_frames_are_read_through_arrow():
    import polars as pl
    import pyarrow as pa

    df = returns_log()
    for frame in (pl.from_pandas(df), pl.from_pandas(df).lazy(), pa.Table.from_pandas(df)):
        got = check_dataframe(frame, "transactions", ["c"], select=True)
        assert isinstance(got, pd.DataFrame) and list(got.columns) == ["c"]
        assert got["c"].tolist() == df["c"].tolist()


def test_dask_frame_is_named_with_the_fix():
    dd = pytest.importorskip("dask.dataframe")
    frame = dd.from_pandas(returns_log(), npartitions=1)
    with pytest.raises(InputTypeError, match="Dask") as err:
        check_dataframe(frame, "transactions")
    assert "custvalue.dask" in str(err.value)


# --- observation ends -----------------------------------------------------------------------


def test_period_observation_end_is_the_period_holding_its_last_instant():
    df = pd.DataFrame({"c": [1], "t": pd.to_datetime(["2024-01-05"])})
    log = read_transactions(df, "c", "t", None, "D")
    assert period_of(pd.Period("2024-03", "M"), "observation_end", log) == float(
        pd.Period("2024-03-31", "D").ordinal
    )
    weekly = read_transactions(df, "c", "t", None, "W")
    assert period_of(pd.Period("2024-03-13", "D"), "observation_end", weekly) == float(
        pd.Period("2024-03-13", "W").ordinal
    )
