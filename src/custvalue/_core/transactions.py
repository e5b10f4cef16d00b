"""Reading a transaction log: the one validation path for every log-based function.

A log is a DataFrame with a customer column, a time column and optionally an
amount column.  :func:`read_transactions` checks it once and returns a
:class:`TransactionLog` of contiguous arrays: customer codes, the customer ids,
purchase periods (period ordinals of :mod:`custvalue._core.calendar` for
datetime columns, the values themselves for numeric ones) and amounts.

The column readers are usable one by one, for domains whose lines carry more
than a log (sales lines with costs, ledgers with points):

- :func:`read_ids`: customer ids -> dense codes, missing ids of every dtype refused;
- :func:`read_time`: a time column -> period ordinals (datetime64 naive or
  time-zone aware, Arrow timestamps and dates, strings or integers through
  ``date_format``) or numeric time;
- :func:`read_datetimes`: a time column -> naive datetime64[ns] wall-clock values;
- :func:`read_amounts`: an amount column -> float64 (finite, sign kept);
- :func:`apply_returns`: the returns policy ``"error" | "net" | "drop"``;
- :func:`period_of`: an ``observation_end``-like argument -> a period ordinal;
- :func:`check_finite_totals`: refuse sums that left float64 range.

Returns policy
--------------
``"error"`` refuses negative amounts, naming the ``returns`` keyword;
``"drop"`` removes the negative lines; ``"net"`` sums the amounts per customer
and period, and a period whose net is ``<= 0`` is not a purchase occasion (its
lines are removed, customers left without purchase periods disappear).  Without
an amount column a return cannot be told from a purchase: every line is a
purchase.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from custvalue._core.arrays import FloatArray
from custvalue._core.arrays import IntArray
from custvalue._core.arrays import first_true
from custvalue._core.calendar import Freq
from custvalue._core.calendar import datetimes_to_periods
from custvalue._core.calendar import parse_freq
from custvalue._core.ids import Distinct
from custvalue._core.ids import code_ids
from custvalue._core.validation import as_float_array
from custvalue._core.validation import check_choice
from custvalue._core.validation import check_column_name
from custvalue._core.validation import check_dataframe
from custvalue.errors import InputTypeError
from custvalue.errors import InputValueError

__all__ = [
    "RETURNS",
    "TimeValues",
    "TransactionLog",
    "apply_returns",
    "check_finite_totals",
    "check_freq",
    "check_returns",
    "filter_window",
    "first_bad",
    "period_of",
    "read_amounts",
    "read_datetimes",
    "read_ids",
    "read_log",
    "read_time",
    "read_transactions",
    "time_column",
    "window_lines",
]


RETURNS = ("error", "net", "drop")


@dataclass(frozen=True, slots=True)
class TransactionLog:
    """A validated transaction log as contiguous arrays.

    ``freq`` is the checked frequency of ``periods`` (``None`` for numeric time).
    ``latest`` is the latest period of the log as read, before the returns policy
    removed lines (``None`` when it removed none): see :meth:`last_period`.
    ``ids_ascending`` tells that ``ids`` are known to be in ascending order
    (:func:`custvalue._core.ids.sorting_order` order), as the id coding puts them
    for integers, strings and categoricals; false means "not known".  The ids
    are built when first asked for (:class:`custvalue._core.ids.Distinct`).
    """

    codes: IntArray
    distinct: Distinct
    periods: FloatArray
    amounts: FloatArray
    has_amounts: bool
    tz: _dt.tzinfo | None
    numeric_time: bool
    freq: Freq | None = None
    latest: float | None = None
    ids_ascending: bool = False

    def last_period(self) -> float:
        """Latest period of the log as read (lines removed by the returns policy included).

        This is the default end of an observation window: a return shows the log runs
        at least that far, even when it is not a purchase.
        """
        return float(self.periods.max()) if self.latest is None else self.latest

    @property
    def ids(self) -> pd.Index:
        """The distinct customer ids, in code order (named after the customer column)."""
        return self.distinct.index()


@dataclass(frozen=True, slots=True)
class TimeValues:
    """A read time column: period ordinals (or numbers), time zone, numeric flag, freq."""

    periods: FloatArray
    tz: _dt.tzinfo | None
    numeric: bool
    freq: Freq | None


def first_bad(mask: npt.NDArray[np.bool_], column: pd.Series | pd.Index) -> str:
    """Describe the rows flagged by ``mask``: how many, and the index label of the first."""
    labels = column.index if isinstance(column, pd.Series) else column
    pos = int(np.flatnonzero(mask)[0])
    return f"{int(mask.sum())} row(s), first at index {labels[pos]!r}"


def check_freq(freq: object) -> str:
    """Check a pandas period alias (multiples allowed) and return it."""
    return parse_freq(freq).alias


# --- customer ids ------------------------------------------------------------------------


def read_ids(column: pd.Series, customer_col: str) -> tuple[IntArray, pd.Index]:
    """Dense codes ``0..k-1`` of a customer column and the ids (named ``customer_col``).

    Raises
    ------
    InputValueError
        If an id is missing, whatever the dtype (NaN, None, ``pd.NA``, NaT).

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue._core.transactions import read_ids
    >>> codes, ids = read_ids(pd.Series([7, 5, 7]), "customer_id")
    >>> codes.tolist(), ids.tolist()
    ([1, 0, 1], [5, 7])
    """
    codes, ids, _ = _read_ids(column, customer_col)
    return codes, ids.index()


def _read_ids(column: pd.Series, customer_col: str) -> tuple[IntArray, Distinct, bool]:
    """:func:`read_ids` (the ids not built yet), and whether they came out ascending.

    See :func:`custvalue._core.ids.code_ids`.
    """
    codes, ids, ascending = code_ids(column.rename(customer_col))
    if (missing := codes < 0).any():
        raise InputValueError(
            f"column {customer_col!r} (argument `customer_col`) has missing customer ids in "
            f"{first_bad(missing, column)}; drop those rows or fill the ids."
        )
    return np.ascontiguousarray(codes, dtype=np.int64), ids, ascending


# --- time --------------------------------------------------------------------------------


def _parse_dates(column: pd.Series, date_col: str, date_format: str) -> pd.Series:
    dtype = column.dtype
    if pd.api.types.is_bool_dtype(dtype):
        raise InputTypeError(f"column {date_col!r} (argument `date_col`) holds booleans.")
    if dtype.kind in "iu":
        text = column.astype("string")
    elif dtype.kind == "f":
        raise InputTypeError(
            f"column {date_col!r} (argument `date_col`) holds floats, which `date_format` "
            f"does not parse; convert whole numbers with .astype('Int64') first."
        )
    else:
        text = column
    parsed = pd.to_datetime(text, format=date_format, errors="coerce")
    bad = (parsed.isna() & column.notna()).to_numpy()
    if (pos := first_true(bad)) is not None:
        raise InputValueError(
            f"column {date_col!r} (argument `date_col`) has values that do not match "
            f"`date_format` {date_format!r} in {first_bad(bad, column)} "
            f"(value {column.iloc[pos]!r}); fix those rows or pass the right format."
        )
    return parsed


def _refuse_non_time(column: pd.Series, date_col: str) -> None:
    sample = column.iloc[0] if len(column) else None
    if isinstance(sample, _dt.datetime):
        hint = (
            "it holds datetimes with mixed time zones; convert with "
            "pandas.to_datetime(..., utc=True) and, if wanted, .dt.tz_convert(zone)"
        )
    else:
        hint = (
            "convert it with pandas.to_datetime(...), or pass `date_format` "
            "(e.g. date_format='%Y-%m-%d') to parse strings"
        )
    raise InputTypeError(
        f"column {date_col!r} (argument `date_col`) must be datetime64 or numeric, "
        f"got dtype {column.dtype} (first value {sample!r}); {hint}."
    )


def read_datetimes(
    column: pd.Series, date_col: str, *, date_format: object = None
) -> tuple[npt.NDArray[np.datetime64], _dt.tzinfo | None] | None:
    """Naive datetime64[ns] wall-clock values of a time column and its time zone.

    Accepts datetime64 (naive or time-zone aware), Arrow timestamps and dates
    (``timestamp[ns][pyarrow]``, ``date32[pyarrow]``), and with ``date_format``
    strings or integers (``pandas.to_datetime(..., format=date_format)``).
    Returns ``None`` for a numeric column (numeric time).

    Raises
    ------
    InputTypeError
        For other dtypes (strings without ``date_format``, booleans, objects).
    InputValueError
        For missing dates (NaT), values not matching ``date_format``, or dates
        outside the datetime64[ns] range.
    """
    if date_format is not None and not isinstance(date_format, str):
        raise InputTypeError(
            f"`date_format` must be a strftime format string such as '%Y%m%d', "
            f"got {date_format!r}."
        )
    col = column
    if date_format is not None and not (
        isinstance(col.dtype, pd.DatetimeTZDtype) or col.dtype.kind == "M"
    ):
        col = _parse_dates(col, date_col, date_format)
    dtype = col.dtype
    try:
        if isinstance(dtype, pd.ArrowDtype) and dtype.kind == "M":
            tz_name = getattr(dtype.pyarrow_dtype, "tz", None)
            col = col.astype(pd.DatetimeTZDtype("ns", tz_name) if tz_name else "datetime64[ns]")
            dtype = col.dtype
        if isinstance(dtype, pd.DatetimeTZDtype):
            tz: _dt.tzinfo | None = dtype.tz
            col = col.dt.tz_localize(None)  # wall-clock time in the column's own zone
        elif pd.api.types.is_datetime64_dtype(dtype):
            tz = None
        elif pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
            return None
        else:
            _refuse_non_time(column, date_col)
        values = col.to_numpy(dtype="datetime64[ns]")
    except (pd.errors.OutOfBoundsDatetime, OverflowError):
        raise InputValueError(
            f"column {date_col!r} (argument `date_col`) has dates outside the years "
            f"1677..2262 that datetime64[ns] can hold; fix or drop those rows."
        ) from None
    nat = np.isnat(values)
    if nat.any():
        raise InputValueError(
            f"column {date_col!r} has missing dates (NaT) in {first_bad(nat, column)}; "
            f"drop or fill those rows first."
        )
    return values, tz


def _refuse_yyyymmdd(column: pd.Series, values: FloatArray, date_col: str) -> None:
    """Refuse integer time values that all look like yyyymmdd dates."""
    if column.dtype.kind not in "iu" or not len(values):
        return
    if values.min() < 19000101 or values.max() > 21001231:
        return
    v = values.astype(np.int64)
    year, month, day = v // 10000, v // 100 % 100, v % 100
    if ((month < 1) | (month > 12) | (day < 1)).any():
        return
    start = ((year - 1970) * 12 + month - 1).astype("datetime64[M]")
    length = ((start + 1).astype("datetime64[D]") - start.astype("datetime64[D]")).astype(np.int64)
    if (day > length).any():
        return
    raise InputValueError(
        f"column {date_col!r} (argument `date_col`) holds integers that look like "
        f"yyyymmdd dates (e.g. {int(v[0])}); as numbers they would be read as time "
        f"values, not dates. Pass date_format='%Y%m%d' to parse them as dates (or convert "
        f"the column with pandas.to_datetime(col.astype(str), format='%Y%m%d'))."
    )


def read_time(
    column: pd.Series,
    date_col: str,
    freq: object = None,
    *,
    date_format: object = None,
    freq_on_numeric: str = "error",
) -> TimeValues:
    """Read a time column as period ordinals of ``freq`` (datetimes) or as numbers.

    ``freq=None`` means ``"D"`` for datetimes and "the values as they are" for
    numeric time.  Multiples (``"7D"``, ``"2W"``, ``"2M"``, ``"6h"``) are
    honoured, see :mod:`custvalue._core.calendar`.

    Raises
    ------
    InputValueError
        If the column is numeric and ``freq`` is given (``freq_on_numeric="error"``;
        ``"ignore"`` keeps the 0.1 behaviour of ignoring it), or its integers all look
        like yyyymmdd dates (the message gives ``date_format='%Y%m%d'`` as the fix),
        and as :func:`read_datetimes` otherwise.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue._core.transactions import read_time
    >>> read_time(pd.Series(pd.to_datetime(["1970-01-01", "1970-01-15"])), "date", "7D").periods
    array([0., 2.])
    >>> read_time(pd.Series([19970101, 19970102]), "date", date_format="%Y%m%d").periods
    array([9862., 9863.])
    """
    if freq_on_numeric not in ("error", "ignore"):
        raise InputValueError(
            f"`freq_on_numeric` must be 'error' or 'ignore'; got {freq_on_numeric!r}."
        )
    read = read_datetimes(column, date_col, date_format=date_format)
    if read is None:
        values = as_float_array(column, f"column {date_col!r}")
        _refuse_yyyymmdd(column, values, date_col)
        if freq is not None and freq_on_numeric == "error":
            raise InputValueError(
                f"`freq` ({freq!r}) applies to dates, but column {date_col!r} (argument "
                f"`date_col`) is numeric, so its values are used as they are; pass "
                f"freq=None, or convert the column to dates with pandas.to_datetime(...)."
            )
        return TimeValues(values, None, True, None)
    f = parse_freq("D" if freq is None else freq)
    values_ns, tz = read
    return TimeValues(datetimes_to_periods(values_ns, f), tz, False, f)


def time_column(
    transactions: pd.DataFrame, date_col: str, freq: object
) -> tuple[FloatArray, _dt.tzinfo | None, bool]:
    """Return (periods, time zone, numeric?) of the time column; freq ignored if numeric."""
    t = read_time(transactions[date_col], date_col, freq, freq_on_numeric="ignore")
    return t.periods, t.tz, t.numeric


# --- amounts and returns ------------------------------------------------------------------


def read_amounts(column: pd.Series, amount_col: str) -> FloatArray:
    """Read the amount column as a contiguous float64 array (finite; negative values kept).

    Raises
    ------
    InputTypeError
        For non-numeric columns.
    InputValueError
        For missing or non-finite amounts.
    """
    return as_float_array(column, f"column {amount_col!r}")


def check_returns(returns: object) -> str:
    """Check the returns policy (``"error"``, ``"net"`` or ``"drop"``)."""
    return str(check_choice(returns, "returns", RETURNS))


def _keep_lines(log: TransactionLog, keep: npt.NDArray[np.bool_]) -> TransactionLog:
    """Restrict the log to the lines in ``keep``, customers re-coded densely."""
    if not keep.any():
        raise InputValueError(
            "no purchase is left after applying `returns` (every period nets to <= 0 or "
            "every line is a return); check the sign of the amounts."
        )
    present = np.zeros(len(log.distinct), dtype=np.bool_)
    present[log.codes[keep]] = True
    remap = np.cumsum(present) - 1
    return replace(
        log,
        latest=log.last_period(),
        codes=np.ascontiguousarray(remap[log.codes[keep]], dtype=np.int64),
        distinct=Distinct.ready(log.ids[present]),
        periods=np.ascontiguousarray(log.periods[keep]),
        amounts=np.ascontiguousarray(log.amounts[keep]),
    )


def _net_per_period(log: TransactionLog) -> TransactionLog:
    """One line per customer and period with the summed amount; nets <= 0 removed."""
    order = np.lexsort((log.periods, log.codes))
    codes = log.codes[order]
    periods = log.periods[order]
    new = np.ones(len(codes), dtype=np.bool_)
    new[1:] = (codes[1:] != codes[:-1]) | (periods[1:] != periods[:-1])
    starts = np.flatnonzero(new)
    netted = replace(
        log,
        codes=np.ascontiguousarray(codes[starts]),
        periods=np.ascontiguousarray(periods[starts]),
        amounts=np.ascontiguousarray(np.add.reduceat(log.amounts[order], starts)),
    )
    positive = netted.amounts > 0
    return netted if positive.all() else _keep_lines(netted, positive)


def apply_returns(
    log: TransactionLog, returns: object, amount_col: str | None, index: pd.Index
) -> TransactionLog:
    """Apply the returns policy to a log (see the module notes); ``index`` labels its rows.

    With ``"net"`` the result has one line per customer and purchase period.
    Without amounts (``amount_col`` None) the log is returned unchanged.

    Raises
    ------
    InputValueError
        With ``returns="error"`` and a negative amount (the message names
        ``returns``), or when no purchase is left.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue._core.transactions import read_transactions
    >>> df = pd.DataFrame({"c": [1, 1, 2], "t": [0, 0, 1], "a": [5.0, -5.0, 3.0]})
    >>> read_transactions(df, "c", "t", "a", returns="net").ids.tolist()
    [2]
    """
    policy = check_returns(returns)
    if not log.has_amounts:
        return log
    if policy == "net":
        return log if (log.amounts > 0).all() else _net_per_period(log)
    negative = log.amounts < 0
    if not negative.any():
        return log
    if policy == "drop":
        return _keep_lines(log, ~negative)
    raise InputValueError(
        f"column {amount_col!r} (argument `amount_col`) has negative amounts (returns) in "
        f"{first_bad(negative, index)}, refused by `returns`='error'; pass returns='net' to net "
        f"them against the purchases of the same period, returns='drop' to ignore them, "
        f"or remove those rows."
    )


def check_finite_totals(totals: FloatArray, amount_col: object) -> None:
    """Refuse per-customer sums that left float64 range (inf), naming ``amount_col``."""
    if not np.isfinite(totals).all():
        raise InputValueError(
            f"column {amount_col!r} (argument `amount_col`) holds amounts whose "
            f"per-customer sums exceed the float64 range (about 1.8e308); rescale them "
            f"(e.g. to thousands) first."
        )


# --- the log -------------------------------------------------------------------------------


def read_transactions(
    data: object,
    customer_col: Any,
    date_col: Any,
    amount_col: Any,
    freq: object = None,
    *,
    returns: object = "error",
    date_format: object = None,
    freq_on_numeric: str = "ignore",
    name: str = "transactions",
) -> TransactionLog:
    """Validate a transaction log once and return it as coded, contiguous arrays.

    Parameters
    ----------
    data : pandas.DataFrame
        The log (never modified).
    customer_col, date_col : str
        Customer id and time columns.
    amount_col : str or None
        Amount column, or None (then every line is a purchase and ``amounts`` are zeros).
    freq : str or None
        Period alias for datetime columns (multiples honoured); None means ``"D"``.
    returns : {"error", "net", "drop"}
        Policy for negative amounts, see :func:`apply_returns`.
    date_format : str, optional
        strftime format parsing string or integer dates.
    freq_on_numeric : {"ignore", "error"}
        What a ``freq`` given with a numeric time column does: ``"error"`` (the
        library rule, used by :mod:`custvalue.rfm`) or ``"ignore"`` (0.1 behaviour).
    name : str
        Argument name of ``data`` in messages.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue._core.transactions import read_transactions
    >>> df = pd.DataFrame({"c": ["x", "y"], "t": pd.to_datetime(["2024-01-01", "2024-01-09"])})
    >>> log = read_transactions(df, "c", "t", None, "W")
    >>> log.codes.tolist(), log.periods.tolist()
    ([0, 1], [2819.0, 2820.0])
    """
    customer_col = check_column_name(customer_col, "customer_col")
    date_col = check_column_name(date_col, "date_col")
    if amount_col is not None:
        amount_col = check_column_name(amount_col, "amount_col")
    columns = {customer_col: "customer_col", date_col: "date_col"}
    if amount_col is not None:
        columns[amount_col] = "amount_col"
    df = check_dataframe(data, name, columns, select=True)
    codes, ids, ascending = _read_ids(df[customer_col], customer_col)
    time = read_time(
        df[date_col], date_col, freq, date_format=date_format, freq_on_numeric=freq_on_numeric
    )
    amounts = np.zeros(len(df)) if amount_col is None else read_amounts(df[amount_col], amount_col)
    log = TransactionLog(
        codes=codes,
        distinct=ids,
        periods=time.periods,
        amounts=amounts,
        has_amounts=amount_col is not None,
        tz=time.tz,
        numeric_time=time.numeric,
        freq=time.freq,
        ids_ascending=ascending,
    )
    return apply_returns(log, returns, amount_col, df.index)


def read_log(
    data: object,
    customer_col: Any,
    date_col: Any,
    amount_col: Any,
    freq: object,
    returns: object,
    date_format: object,
) -> TransactionLog:
    """Read the ``transactions`` argument of a public function with the library's keywords.

    :func:`read_transactions` with the library rule for numeric time: a ``freq`` given
    with a numeric time column is refused (``freq_on_numeric="error"``).
    """
    return read_transactions(
        data,
        customer_col,
        date_col,
        amount_col,
        freq,
        freq_on_numeric="error",
        returns=returns,
        date_format=date_format,
    )


def period_of(value: object, name: str, log: TransactionLog, freq: object = None) -> float:
    """Convert an observation/calibration end to the period scale of ``log``.

    Dates may be str, datetime, numpy.datetime64, pandas.Timestamp or
    pandas.Period.  A Period stands for its whole span: the window ends in the
    period (of ``freq``) containing the Period's last instant, so
    ``pd.Period("2024-03", "M")`` includes all of March 2024.  A Period is read
    as wall-clock time in the log's time zone.  ``freq`` defaults to the log's.
    """
    if log.numeric_time:
        if isinstance(value, bool) or not isinstance(
            value, int | float | np.integer | np.floating
        ):
            raise InputTypeError(
                f"`{name}` must be a number because the time column is numeric; got {value!r}."
            )
        if not np.isfinite(value):
            raise InputValueError(f"`{name}` must be finite, got {value!r}.")
        return float(value)
    f = parse_freq(freq if freq is not None else (log.freq or "D"))
    if isinstance(value, pd.Period):
        return float(datetimes_to_periods(np.array([value.end_time.to_datetime64()]), f)[0])
    if isinstance(value, bool) or not isinstance(
        value, str | _dt.date | np.datetime64 | pd.Timestamp
    ):
        raise InputTypeError(
            f"`{name}` must be a date (str, datetime, numpy.datetime64, pandas.Timestamp or "
            f"pandas.Period), got {value!r}."
        )
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise InputValueError(f"`{name}` could not be read as a date: {value!r}.") from None
    if pd.isna(ts):
        raise InputValueError(f"`{name}` must be a date, got NaT.")
    if ts.tzinfo is not None:
        if log.tz is None:
            raise InputValueError(
                f"`{name}` ({value!r}) has a time zone but the date column has none; "
                f"pass a time-zone-naive `{name}`."
            )
        ts = ts.tz_convert(log.tz).tz_localize(None)
    return float(datetimes_to_periods(np.array([ts.to_datetime64()]), f)[0])


def filter_window(
    log: TransactionLog, end: float, *, name: str = "observation_end"
) -> tuple[IntArray, pd.Index, FloatArray, FloatArray]:
    """Keep the transactions up to period ``end`` and re-code the customers that remain.

    Returns the codes, ids (in their order in ``log.ids``), periods and amounts of
    the kept transactions.
    """
    codes, ids, periods, amounts = window_lines(log, end, name=name)
    return codes, ids.index(), periods, amounts


def window_lines(
    log: TransactionLog, end: float, *, name: str = "observation_end"
) -> tuple[IntArray, Distinct, FloatArray, FloatArray]:
    """:func:`filter_window`, the ids not built yet when every line is kept."""
    keep = log.periods <= end
    codes, periods, amounts = log.codes, log.periods, log.amounts
    if keep.all():
        return codes, log.distinct, periods, amounts
    if not keep.any():
        raise InputValueError(
            f"`{name}` is before every transaction; pass a later date"
            + (" (or None for the latest transaction)." if name == "observation_end" else ".")
        )
    present = np.zeros(len(log.distinct), dtype=np.bool_)
    present[codes[keep]] = True
    remap = np.cumsum(present) - 1
    return (
        np.ascontiguousarray(remap[codes[keep]], dtype=np.int64),
        Distinct.ready(log.ids[present]),
        np.ascontiguousarray(periods[keep]),
        np.ascontiguousarray(amounts[keep]),
    )
