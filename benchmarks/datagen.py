"""Fixed-seed synthetic transaction logs for the benchmarks.

The generator is fully vectorised with numpy, so a log of one million customers
and 2.6 million transactions takes a few seconds.  Its shape resembles real
retail data:

* purchase counts per customer are ``1 + X`` with ``X`` negative binomial, its
  dispersion chosen so that about 60 % of customers buy only once (when the
  requested mean allows it), with a long tail of heavy buyers; the extra
  purchases are then rescaled so that the log has exactly ``n_transactions``
  rows;
* every customer has a uniformly random first purchase date within the window
  and later purchases spread uniformly between that date and the end of the
  window, each at a random time of day (so period flooring matters and some
  customers buy several times on the same day);
* amounts are log-normal around a per-customer spending level, positive and
  rounded to cents;
* rows are shuffled, so nothing downstream can rely on sorted input.

The same arguments always give the same frame.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

__all__ = ["synthetic_transactions"]

SINGLE_PURCHASE_SHARE = 0.6
_NS_PER_DAY = 86_400 * 10**9


def _dispersion_for(mean_extra: float, p_zero: float) -> float:
    """Negative binomial shape ``r`` with mean ``mean_extra`` and ``P(0) = p_zero``.

    ``P(0) = (r / (r + m)) ** r`` falls monotonically from 1 (``r -> 0``) to
    ``exp(-m)`` (``r -> inf``); when ``exp(-m)`` is already above ``p_zero`` the
    largest ``r`` searched is returned (close to Poisson).
    """

    def p0(r: float) -> float:
        return float((r / (r + mean_extra)) ** r)

    lo, hi = 1e-4, 1e4
    if p0(hi) >= p_zero:
        return hi
    for _ in range(100):
        mid = float(np.sqrt(lo * hi))
        if p0(mid) > p_zero:
            lo = mid
        else:
            hi = mid
    return float(np.sqrt(lo * hi))


def _extra_purchases(rng: np.random.Generator, n_customers: int, n_extra: int) -> np.ndarray:
    """Repeat-purchase counts per customer summing exactly to ``n_extra``."""
    if n_extra == 0:
        return np.zeros(n_customers, dtype=np.int64)
    mean = n_extra / n_customers
    r = _dispersion_for(mean, SINGLE_PURCHASE_SHARE)
    extra = rng.negative_binomial(r, r / (r + mean), size=n_customers).astype(np.int64)
    total = int(extra.sum())
    if total > 0:
        # stochastic rounding keeps zeros at zero and the shape of the tail
        scaled = extra * (n_extra / total)
        extra = np.floor(scaled + rng.random(n_customers)).astype(np.int64)
        extra[scaled == 0] = 0
    diff = n_extra - int(extra.sum())
    if diff > 0:
        # add the shortfall to customers who already repeat (all, if none do)
        repeaters = np.flatnonzero(extra)
        pool = repeaters if repeaters.size else np.arange(n_customers)
        extra += np.bincount(rng.choice(pool, size=diff), minlength=n_customers)
    elif diff < 0:
        # remove the excess one purchase at a time, uniformly over repeat slots
        owners = np.repeat(np.arange(n_customers), extra)
        drop = rng.choice(owners.size, size=-diff, replace=False)
        extra -= np.bincount(owners[drop], minlength=n_customers)
    return extra


def synthetic_transactions(
    n_customers: int,
    n_transactions: int,
    *,
    seed: int = 0,
    id_kind: Literal["int", "str"] = "int",
    start: str = "2020-01-01",
    days: int = 730,
    with_amount: bool = True,
) -> pd.DataFrame:
    """Return a shuffled synthetic transaction log.

    Parameters
    ----------
    n_customers : int
        Number of distinct customers; every customer buys at least once.
    n_transactions : int
        Number of rows (at least ``n_customers``).
    seed : int
        Seed of the numpy generator; equal arguments give equal frames.
    id_kind : {"int", "str"}
        ``"int"``: sparse increasing int64 ids; ``"str"``: strings such as
        ``"C00012345"`` (pandas' default string dtype).
    start : str
        First day of the observation window.
    days : int
        Length of the window in days.
    with_amount : bool
        Include the ``amount`` column.

    Returns
    -------
    pandas.DataFrame
        Columns ``customer_id``, ``date`` (datetime64[ns]) and, if requested,
        ``amount`` (float64, positive, two decimals), in random row order with a
        default RangeIndex.
    """
    if n_customers < 1:
        raise ValueError("n_customers must be at least 1")
    if n_transactions < n_customers:
        raise ValueError("n_transactions must be at least n_customers")
    if id_kind not in ("int", "str"):
        raise ValueError("id_kind must be 'int' or 'str'")
    if days < 1:
        raise ValueError("days must be at least 1")

    rng = np.random.default_rng(seed)
    counts = 1 + _extra_purchases(rng, n_customers, n_transactions - n_customers)
    owner = np.repeat(np.arange(n_customers), counts)

    # first purchase day uniform over the window; the customer's first row sits
    # on it, later rows spread uniformly between it and the end of the window
    first_day = rng.integers(0, days, size=n_customers)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    is_first = np.zeros(n_transactions, dtype=bool)
    is_first[starts] = True
    f = first_day[owner]
    day = f + np.floor(rng.random(n_transactions) * (days - f)).astype(np.int64)
    day[is_first] = f[is_first]
    time_of_day = rng.integers(0, _NS_PER_DAY, size=n_transactions)
    origin = np.datetime64(pd.Timestamp(start).normalize().to_datetime64(), "ns")
    date = origin + (day * _NS_PER_DAY + time_of_day).astype("timedelta64[ns]")

    ids = np.cumsum(rng.integers(1, 8, size=n_customers)) + 10_000
    columns: dict[str, object] = {}
    if id_kind == "int":
        columns["customer_id"] = ids[owner]
    else:
        width = len(str(int(ids[-1])))
        labels = pd.Index(ids).astype(str).str.zfill(width)
        columns["customer_id"] = ("C" + labels).take(owner)
    columns["date"] = date
    if with_amount:
        level = rng.lognormal(mean=3.0, sigma=0.6, size=n_customers)
        noise = rng.lognormal(mean=0.0, sigma=0.5, size=n_transactions)
        columns["amount"] = np.maximum(np.round(level[owner] * noise, 2), 0.01)

    order = rng.permutation(n_transactions)
    frame = pd.DataFrame(columns)
    return frame.take(order).reset_index(drop=True)
