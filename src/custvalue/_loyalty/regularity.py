"""Purchase rhythm per customer (see :func:`custvalue.loyalty.purchase_regularity`)."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from custvalue._core.transactions import check_freq, filter_window, period_of
from custvalue._loyalty.common import read_log, sorted_codes
from custvalue._loyalty.kernels import regularity_stats
from custvalue.errors import InputValueError


def check_single_periods(freq: object) -> None:
    """Refuse a period alias with a multiple ("7D", "2W"): gaps are counted in single periods."""
    freq = check_freq(freq)
    n = pd.Period("2000-01-01", freq=freq).freq.n
    if n != 1:
        base = freq.lstrip("0123456789")
        raise InputValueError(
            f"`freq` {freq!r} has a multiple ({n}); purchase_regularity counts gaps in single "
            f"periods, so a multiple would be read as {base!r}. Pass {base!r} and divide the "
            f"intervals by {n}, or a longer alias (e.g. 'W' for weeks)."
        )


def purchase_regularity(
    transactions: pd.DataFrame,
    *,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str | None = None,
    observation_end: object = None,
    freq: str = "D",
    returns: Literal["error", "net", "drop"] = "error",
) -> pd.DataFrame:
    """Compute :func:`custvalue.loyalty.purchase_regularity` (documented there)."""
    check_single_periods(freq)
    log = read_log(transactions, "transactions", customer_col, date_col, amount_col, freq, returns)
    end = (
        float(log.periods.max())
        if observation_end is None
        else period_of(observation_end, "observation_end", log, str(freq))
    )
    codes, ids, periods, amounts = filter_window(log, end)
    codes, ids = sorted_codes(codes, ids)
    purchases, last, mean_gap, sd_gap, trend = regularity_stats(codes, periods, amounts, len(ids))
    inactivity = end - last
    with np.errstate(invalid="ignore", divide="ignore"):
        cv = sd_gap / mean_gap
        ratio = inactivity / mean_gap
    out: dict[str, npt.NDArray[Any]] = {
        "purchases": purchases,
        "mean_interval": mean_gap,
        "std_interval": sd_gap,
        "cv_interval": cv,
        "inactivity": inactivity,
        "overdue_periods": inactivity - mean_gap,
        "overdue_ratio": ratio,
    }
    if log.has_amounts:
        out["spend_trend"] = trend
    return pd.DataFrame(out, index=ids)
