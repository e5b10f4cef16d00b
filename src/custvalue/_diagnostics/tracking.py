"""Cohort tracking curve: repeat transactions of a log against a fitted model."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from custvalue._core.calendar import period_at
from custvalue._core.docs import fill_doc
from custvalue._core.transactions import read_log
from custvalue._diagnostics.checks import as_float
from custvalue._diagnostics.checks import check_frame
from custvalue._diagnostics.checks import model_method
from custvalue._diagnostics.checks import positive_int
from custvalue._diagnostics.docs import DIAG_DOCS
from custvalue.errors import InputTypeError


def log_offsets(
    transactions: object,
    customer_col: str | None,
    date_col: str,
    amount_col: str | None,
    freq: object,
    returns: object,
    date_format: object,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], pd.Period]:
    """Read a log through the library's one reader: customer codes, period offsets, start.

    ``customer_col=None`` reads the log as one customer's purchases.  Offsets count
    periods of ``freq`` (multiples honoured) from the first period of the log.
    """
    frame = check_frame(transactions, "transactions", [date_col])
    if customer_col is None:
        columns = {"customer": np.zeros(len(frame), dtype=np.int64), date_col: frame[date_col]}
        if amount_col is not None:
            check_frame(frame, "transactions", [amount_col])
            columns[amount_col] = frame[amount_col]
        frame, customer_col = pd.DataFrame(columns, index=frame.index), "customer"
    freq = "D" if freq is None else freq
    log = read_log(frame, customer_col, date_col, amount_col, freq, returns, date_format)
    if log.numeric_time or log.freq is None:
        raise InputTypeError(
            f"column {date_col!r} of `transactions` must hold dates, got numbers; fix by "
            f"converting it with pandas.to_datetime(...) or passing `date_format`."
        )
    first = float(log.periods.min())
    offsets = np.asarray(log.periods - first, dtype=np.int64)
    return log.codes, offsets, period_at(first, log.freq)


@fill_doc(DIAG_DOCS)
def expected_cumulative_transactions(
    model: object,
    transactions: pd.DataFrame,
    t: int,
    *,
    customer_col: str | None = "customer_id",
    date_col: str = "date",
    freq: str = "D",
    amount_col: str | None = None,
    returns: str = "error",
    date_format: str | None = None,
) -> pd.DataFrame:
    """Return the cohort tracking curve: actual and expected repeat transactions per period.

    Every customer enters at the period of their first purchase; the model
    predicts each entry cohort's repeat purchases with
    ``model.expected_purchases_new_customer``.

    Parameters
    ----------
    model : fitted transaction model
        Any custvalue model with ``expected_purchases_new_customer(t)`` whose
        time unit is ``freq`` (e.g. :class:`custvalue.clv.BetaGeoModel`).
    transactions : pandas.DataFrame
        The transaction log; several lines in one period count once.
    t : int
        Number of periods tracked from the period of the first purchase in
        the log.
    customer_col : str or None, default "customer_id"
        Column with the customer id (missing ids are an error); None reads
        ``transactions`` as the purchases of one customer.
    %(dated_log)s

    Returns
    -------
    pandas.DataFrame
        Indexed by the period offset ``0 .. t-1``; columns ``period`` (the
        pandas Period), ``actual`` and ``predicted`` (cumulative repeat
        transactions up to and including that period), ``actual_incremental``
        and ``predicted_incremental`` (the same per period).

    Notes
    -----
    Row ``i`` is lifetimes' ``expected_cumulative_transactions`` row ``i``:
    the prediction of a cohort entering in period ``c <= i`` is its expected
    number of repeat purchases within ``i + 1 - c`` periods.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.clv import BetaGeoModel, BetaGeoParams
    >>> from custvalue.diagnostics import expected_cumulative_transactions
    >>> log = pd.DataFrame({"customer_id": [1, 1, 2, 2, 2],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-02",
    ...                             "2024-01-02", "2024-01-04"])})
    >>> model = BetaGeoModel.from_params(BetaGeoParams(r=0.24, alpha=4.4, a=0.79, b=2.4))
    >>> curve = expected_cumulative_transactions(model, log, 4)
    >>> curve["actual"].tolist()
    [0, 0, 1, 2]
    """
    t = positive_int(t, "t")
    new_customer = model_method(model, "expected_purchases_new_customer")
    codes, offset, start = log_offsets(
        transactions, customer_col, date_col, amount_col, freq, returns, date_format
    )
    lines = pd.DataFrame({"id": codes, "k": offset})
    lines = lines[lines["k"] <= t].drop_duplicates()
    first = lines.groupby("id", sort=False)["k"].transform("min").to_numpy()
    is_first = lines["k"].to_numpy() == first
    cohorts = np.bincount(lines["k"].to_numpy()[is_first], minlength=t + 1)[:t]
    repeats = np.bincount(lines["k"].to_numpy()[~is_first], minlength=t + 1)[:t]
    horizon = np.arange(1, t + 1, dtype=np.float64)
    per_customer = as_float(new_customer(horizon))
    predicted = np.convolve(cohorts.astype(np.float64), per_customer)[:t]
    actual = np.cumsum(repeats)
    out = pd.DataFrame(
        {
            "period": pd.period_range(start, periods=t, freq=start.freq),
            "actual": actual,
            "predicted": predicted,
            "actual_incremental": repeats,
            "predicted_incremental": np.diff(predicted, prepend=0.0),
        },
        index=pd.RangeIndex(t, name="t"),
    )
    return out
