"""Purchase rhythm per customer (see :func:`custvalue.loyalty.purchase_regularity`)."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from custvalue._core.transactions import filter_window, period_of, read_transactions
from custvalue._loyalty.common import sorted_codes
from custvalue._loyalty.kernels import regularity_stats


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
    log = read_transactions(
        transactions, customer_col, date_col, amount_col, freq, returns=returns
    )
    end = (
        float(log.periods.max())
        if observation_end is None
        else period_of(observation_end, "observation_end", log)
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
