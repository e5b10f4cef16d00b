"""Cohort tracking curve: repeat transactions of a log against a fitted model."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from custvalue._diagnostics.checks import as_float, check_frame, model_method, positive_int
from custvalue.errors import InputTypeError, InputValueError


def read_periods(transactions: pd.DataFrame, date_col: str, freq: str) -> pd.PeriodIndex:
    dates = transactions[date_col]
    if not pd.api.types.is_datetime64_any_dtype(dates):
        raise InputTypeError(
            f"column {date_col!r} of `transactions` must hold datetime64 dates, got dtype "
            f"{dates.dtype}; fix by converting it with pandas.to_datetime(..., format=...)."
        )
    if dates.isna().any():
        raise InputValueError(
            f"column {date_col!r} of `transactions` has missing dates; fix by dropping them."
        )
    if not isinstance(freq, str):
        raise InputTypeError(f"`freq` must be a pandas period alias (str), got {freq!r}.")
    values = pd.DatetimeIndex(dates)
    if values.tz is not None:
        values = values.tz_localize(None)
    try:
        periods = values.to_period(freq)
    except (ValueError, TypeError):
        raise InputValueError(
            f"`freq` must be a pandas period alias such as 'D' or 'W', got {freq!r}."
        ) from None
    if periods.freq is None or periods.freq.n != 1:
        raise InputValueError(
            f"`freq` must be a single period such as 'D', 'W' or 'M', got {freq!r}; "
            "multiples are not supported here: use the base period and a model in that unit."
        )
    return periods


def period_offsets(periods: pd.PeriodIndex) -> tuple[pd.Period, npt.NDArray[np.int64]]:
    """Return the first period and every period's distance from it, in periods."""
    start = periods.min()
    return start, np.asarray(periods.asi8 - start.ordinal, dtype=np.int64)


def expected_cumulative_transactions(
    model: object,
    transactions: pd.DataFrame,
    t: int,
    *,
    customer_col: str = "customer_id",
    date_col: str = "date",
    freq: str = "D",
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
    customer_col, date_col : str
        Customer id and purchase date (``datetime64``) columns.
    freq : str, default "D"
        Pandas period alias of the time unit (``"D"``, ``"W"``, ...).

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
    >>> model = BetaGeoModel.from_params(BetaGeoParams(r=0.24, alpha=4.4, a=0.79, b=2.4))
    >>> log = pd.DataFrame({"customer_id": [1, 1, 2, 2, 2],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-02",
    ...                             "2024-01-02", "2024-01-04"])})
    >>> curve = expected_cumulative_transactions(model, log, 4)
    >>> curve["actual"].tolist()
    [0, 0, 1, 2]
    """
    transactions = check_frame(transactions, "transactions", [customer_col, date_col])
    t = positive_int(t, "t")
    new_customer = model_method(model, "expected_purchases_new_customer")
    periods = read_periods(transactions, date_col, freq)
    start, offset = period_offsets(periods)
    ids = transactions[customer_col]
    if ids.isna().any():
        raise InputValueError(
            f"column {customer_col!r} of `transactions` has missing ids; fix by dropping them."
        )
    lines = pd.DataFrame({"id": ids.to_numpy(), "k": offset})
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
