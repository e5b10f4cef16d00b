"""Lifecycle stages: new, active, at risk, lapsed, reactivated and prospect."""

from __future__ import annotations

from collections.abc import Hashable
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from typing import Literal
from typing import Protocol
from typing import runtime_checkable

import numpy as np
import numpy.typing as npt
import pandas as pd

from custvalue._core.arrays import FloatArray
from custvalue._core.ids import sorting_order
from custvalue._core.rhythm import fallback_rhythm
from custvalue._core.rhythm import overdue_ratio
from custvalue._core.rhythm import purchase_rhythm
from custvalue._core.summary import summary_arrays
from custvalue._core.transactions import check_returns
from custvalue._core.transactions import filter_window
from custvalue._core.transactions import period_of
from custvalue._core.transactions import read_transactions
from custvalue._core.validation import check_choice
from custvalue._core.validation import check_column_name
from custvalue._core.validation import check_dataframe
from custvalue._core.validation import check_scalar
from custvalue._tiers.common import from_codes
from custvalue._tiers.kernels import purchase_history
from custvalue.errors import InputTypeError
from custvalue.errors import InputValueError
from custvalue.errors import MissingColumnError

STAGES = ("prospect", "new", "active", "reactivated", "at risk", "lapsed")


@runtime_checkable
class SupportsProbabilityAlive(Protocol):
    """Any fitted model with ``probability_alive(frequency, recency, T)`` (e.g. BG/NBD)."""

    def probability_alive(self, frequency: Any, recency: Any, T: Any) -> Any:
        """Probability that each customer is still alive."""
        ...


@dataclass(frozen=True, slots=True)
class _Thresholds:
    """Validated stage thresholds (internal)."""

    risk: float
    lapse: float
    alive_risk: float
    alive_lapse: float
    gap: float | None


@dataclass(frozen=True, slots=True)
class _Histories:
    """Per-customer history arrays, sorted by customer id (internal)."""

    ids: pd.Index
    frequency: FloatArray
    recency: FloatArray
    T: FloatArray
    last_gap: FloatArray | None  # transactions only
    rhythm_before: FloatArray | None  # transactions only


def _thresholds(
    at_risk_after: float,
    lapsed_after: float,
    alive_at_risk: float,
    alive_lapsed: float,
    reactivation_gap: float | None,
) -> _Thresholds:
    k_risk = check_scalar(at_risk_after, "at_risk_after", low=0.0, low_inclusive=False)
    k_lapse = check_scalar(lapsed_after, "lapsed_after", low=0.0, low_inclusive=False)
    if k_lapse <= k_risk:
        raise InputValueError(
            f"`lapsed_after` ({lapsed_after!r}) must be larger than `at_risk_after` "
            f"({at_risk_after!r})."
        )
    a_risk = check_scalar(alive_at_risk, "alive_at_risk", low=0.0, high=1.0)
    a_lapse = check_scalar(alive_lapsed, "alive_lapsed", low=0.0, high=1.0)
    if a_lapse > a_risk:
        raise InputValueError(
            f"`alive_lapsed` ({alive_lapsed!r}) must not exceed `alive_at_risk` "
            f"({alive_at_risk!r})."
        )
    gap = (
        None
        if reactivation_gap is None
        else check_scalar(reactivation_gap, "reactivation_gap", low=0.0, low_inclusive=False)
    )
    return _Thresholds(k_risk, k_lapse, a_risk, a_lapse, gap)


def _history(
    df: pd.DataFrame,
    customer_col: str,
    date_col: str,
    amount_col: str | None,
    returns: str,
    freq: object,
    observation_end: object,
    date_format: str | None,
) -> _Histories:
    if date_format is not None and not isinstance(date_format, str):
        raise InputTypeError(
            f"`date_format` must be a strftime format such as '%Y%m%d', got {date_format!r}."
        )
    log = read_transactions(
        df,
        customer_col,
        date_col,
        amount_col,
        freq,
        returns=returns,
        date_format=date_format,
        name="data",
    )
    end = (
        float(log.periods.max())
        if observation_end is None
        else period_of(observation_end, "observation_end", log, freq)
    )
    codes, ids, periods, _ = filter_window(log, end)
    first, last, second, distinct = purchase_history(codes, periods, len(ids))
    frequency = (distinct - 1).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        rhythm_before = np.where(distinct >= 3, (second - first) / (distinct - 2), np.nan)
    order = sorting_order(ids)
    return _Histories(
        ids=ids[order],
        frequency=frequency[order],
        recency=(last - first)[order],
        T=(end - first)[order],
        last_gap=(last - second)[order],
        rhythm_before=rhythm_before[order],
    )


def _summary(df: pd.DataFrame) -> _Histories:
    missing = [c for c in ("frequency", "recency", "T") if c not in df.columns]
    if missing:
        present = ", ".join(repr(c) for c in list(df.columns)[:20])
        raise MissingColumnError(
            f"`data` is neither a transaction log (columns 'customer_id' and 'date', or the "
            f"names given by `customer_col` / `date_col`) nor an RFM summary: it has no column "
            f"{missing[0]!r} (columns present: {present}); pass rfm_summary(...) output or "
            f"the transactions."
        )
    frequency, recency, T = summary_arrays(df)
    return _Histories(df.index, frequency, recency, T, None, None)


def _p_alive(
    model: SupportsProbabilityAlive, frequency: FloatArray, recency: FloatArray, T: FloatArray
) -> FloatArray:
    raw = model.probability_alive(frequency, recency, T)
    try:
        p = np.asarray(raw, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise InputTypeError(
            f"`model.probability_alive` must return numbers, got {type(raw).__name__}."
        ) from None
    if p.size != frequency.size:
        raise InputValueError(
            f"`model.probability_alive` returned {p.size} value(s) for {frequency.size} "
            f"customers; it must return one probability per customer."
        )
    if not np.isfinite(p).all() or (p < 0).any() or (p > 1).any():
        raise InputValueError(
            "`model.probability_alive` returned values outside [0, 1] or NaN; is the model fitted?"
        )
    return p


def _with_prospects(
    out: pd.DataFrame, codes: npt.NDArray[np.int8], customers: Iterable[Hashable] | None
) -> pd.DataFrame:
    """Append the customers without purchases as prospects and insert the stage column."""
    stage = codes
    if customers is not None:
        if isinstance(customers, str | bytes) or not isinstance(customers, Iterable):
            raise InputTypeError(
                f"`customers` must be an iterable of customer ids, got {customers!r}."
            )
        known = set(out.index)
        extra = [c for c in dict.fromkeys(customers) if c not in known]
        if extra:
            out = pd.concat([out, pd.DataFrame(index=pd.Index(extra, name=out.index.name))])
            stage = np.concatenate(
                [codes, np.full(len(extra), STAGES.index("prospect"), dtype=np.int8)]
            )
    out.insert(0, "stage", from_codes(stage, STAGES))
    return out


def lifecycle_stages(
    data: pd.DataFrame,
    *,
    kind: Literal["auto", "transactions", "summary"] = "auto",
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str | None = None,
    returns: Literal["error", "net", "drop"] = "error",
    date_format: str | None = None,
    freq: str = "D",
    observation_end: object = None,
    customers: Iterable[Hashable] | None = None,
    model: SupportsProbabilityAlive | None = None,
    at_risk_after: float = 1.5,
    lapsed_after: float = 3.0,
    new_periods: float | None = None,
    default_rhythm: float | None = None,
    reactivation_gap: float | None = None,
    alive_at_risk: float = 0.5,
    alive_lapsed: float = 0.2,
) -> pd.DataFrame:
    """Lifecycle stage of every customer, judged against their own purchase rhythm.

    Parameters
    ----------
    data : pandas.DataFrame
        Either a transaction log (columns ``customer_col`` and ``date_col``)
        or an RFM summary as returned by :func:`custvalue.rfm.rfm_summary`
        (columns ``frequency``, ``recency`` and ``T``, indexed by customer).
    kind : {"auto", "transactions", "summary"}, default "auto"
        What ``data`` is; ``"auto"`` picks transactions when both
        ``customer_col`` and ``date_col`` are columns, else a summary.
    customer_col, date_col, observation_end
        For transactions, as in :func:`custvalue.rfm.rfm_summary`.
    amount_col : str, optional
        For transactions: the sale value of each line.  Without it every line
        is a purchase and returns cannot be told apart (a return line counts
        as a purchase); pass it when the log holds returns.
    date_format : str, optional
        For transactions: strftime format parsing a time column of strings or
        integers (e.g. ``"%Y%m%d"`` for ``20240131``).  Integers that look
        like yyyymmdd dates are refused without it rather than read as
        numeric time.
    returns : {"error", "net", "drop"}, default "error"
        With ``amount_col``, the policy for negative amounts (returns):
        ``"error"`` refuses them, ``"drop"`` removes those lines, ``"net"``
        sums the amounts per customer and period (of ``freq``), and a period
        whose net is not positive is not a purchase occasion.
    freq : str, default "D"
        For transactions: the period in which time is counted, a pandas
        period alias (``"D"``, ``"W"``, ``"M"`` ...).  Multiples are
        honoured: ``"7D"`` counts in 7-day periods, ``"2M"`` in two-month
        periods (January–February, March–April, ...), anchored on pandas'
        period 0 (1970-01-01 for days, January 1970 for months).
    customers : iterable, optional
        All known customer ids; those without purchases are ``"prospect"``.
    model : object with ``probability_alive(frequency, recency, T)``, optional
        A fitted CLV model (e.g. BG/NBD); its P(alive) adds a second verdict.
    at_risk_after : float, default 1.5
        A customer silent for more than this many own inter-purchase times is
        at risk.
    lapsed_after : float, default 3.0
        ... and for more than this many, lapsed.
    new_periods : float, optional
        Customers whose first purchase is fewer than this many periods before
        the observation end are new.  Default: the fallback rhythm (below).
    default_rhythm : float, optional
        Inter-purchase time used for customers without a rhythm of their own
        (one purchase period only).  Default: the median own rhythm of the
        repeat customers.
    reactivation_gap : float, optional
        An absolute gap (periods) before the latest purchase that also counts
        as a reactivation, in addition to the rhythm rule.
    alive_at_risk, alive_lapsed : float, default 0.5 and 0.2
        With ``model``: P(alive) below ``alive_at_risk`` means at risk, below
        ``alive_lapsed`` lapsed.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer id (sorted; prospects appended in the order
        given), with columns ``stage`` (categorical, categories
        ``prospect, new, active, reactivated, at risk, lapsed``),
        ``frequency``, ``recency``, ``T``, ``inactivity``, ``rhythm`` (the
        inter-purchase time used), ``silence`` (``inactivity / rhythm``),
        ``last_gap`` (periods between the last two purchase periods;
        transactions only) and ``p_alive`` (with ``model``).  Prospects have
        NaN numbers.

    Raises
    ------
    MissingColumnError
        If ``data`` has neither the transaction nor the summary columns.
    InputValueError
        For invalid values or thresholds (``lapsed_after`` must exceed
        ``at_risk_after``, ``alive_lapsed`` must not exceed ``alive_at_risk``),
        when no customer repeats and ``default_rhythm`` is not given, a
        model returning something other than one probability per customer,
        missing customer ids (also ``pd.NA``), negative amounts under
        ``returns="error"``, or a summary row that is not a possible history
        (``recency > T``; ``recency > 0`` without repeats, or ``recency == 0``
        with them).
    InputTypeError
        For a column argument that is not one column name (e.g. a list).

    Notes
    -----
    Time is counted in periods (``freq``).  A customer's own rhythm is the
    mean inter-purchase time ``recency / frequency`` (``frequency >= 1``);
    customers with one purchase period use ``default_rhythm``.  ``silence =
    inactivity / rhythm`` (``inactivity = T - recency``, periods since the
    last purchase).  The stage is the first that applies:

    1. **prospect**: in ``customers`` but without purchases;
    2. **new**: ``T < new_periods`` (first purchase within the new window);
    3. **lapsed**: ``silence > lapsed_after``, or P(alive) ``< alive_lapsed``;
    4. **at risk**: ``silence > at_risk_after``, or P(alive) ``< alive_at_risk``;
    5. **reactivated** (transactions only): the gap between the last two
       purchase periods exceeded ``lapsed_after`` times the rhythm the
       customer had *before* that gap (``default_rhythm`` for customers with
       only two purchase periods), or exceeded ``reactivation_gap``: the
       customer had lapsed by the rules above and came back;
    6. **active**: everyone else.

    With a model, the more severe of the rhythm verdict and the P(alive)
    verdict wins.  From a summary alone the history before the last purchase
    is unknown, so only prospect, new, active, at risk and lapsed can be told
    apart; "reactivated" needs the transactions.  A reactivated customer
    becomes active again with their next purchase at a normal gap.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.tiers import lifecycle_stages
    >>> log = pd.DataFrame({
    ...     "customer_id": ["a", "a", "a", "b", "b", "c", "c", "c", "d"],
    ...     "date": pd.to_datetime([
    ...         "2024-01-01", "2024-01-11", "2024-01-21",   # a: every 10 days
    ...         "2024-01-01", "2024-01-11",                 # b: then silent
    ...         "2024-01-01", "2024-01-11", "2024-03-25",   # c: long gap, back
    ...         "2024-03-28",                               # d: first purchase
    ...     ]),
    ... })
    >>> out = lifecycle_stages(log, observation_end="2024-03-31", customers=list("abcde"))
    >>> out[["stage", "rhythm", "silence"]].round(3)
                       stage  rhythm  silence
    customer_id
    a                 lapsed    10.0    7.000
    b                 lapsed    10.0    8.000
    c            reactivated    42.0    0.143
    d                    new    10.0    0.300
    e               prospect     NaN      NaN
    """
    kind = check_choice(kind, "kind", ("auto", "transactions", "summary"))
    customer_col = check_column_name(customer_col, "customer_col")
    date_col = check_column_name(date_col, "date_col")
    if amount_col is not None:
        amount_col = check_column_name(amount_col, "amount_col")
    policy = check_returns(returns)
    df = check_dataframe(data, "data")
    if kind == "auto":
        kind = (
            "transactions" if customer_col in df.columns and date_col in df.columns else "summary"
        )
    th = _thresholds(at_risk_after, lapsed_after, alive_at_risk, alive_lapsed, reactivation_gap)
    if model is not None and not isinstance(model, SupportsProbabilityAlive):
        raise InputTypeError(
            f"`model` must have a probability_alive(frequency, recency, T) method, got "
            f"{type(model).__name__}."
        )
    h = (
        _history(
            df, customer_col, date_col, amount_col, policy, freq, observation_end, date_format
        )
        if kind == "transactions"
        else _summary(df)
    )
    fallback = fallback_rhythm(h.frequency, h.recency, default_rhythm=default_rhythm)
    window = fallback if new_periods is None else check_scalar(new_periods, "new_periods", low=0.0)
    rhythm = purchase_rhythm(h.frequency, h.recency, default_rhythm=fallback)
    silence = overdue_ratio(h.recency, h.T, rhythm)
    severity = np.where(silence > th.lapse, 2, np.where(silence > th.risk, 1, 0))
    p_alive = None
    if model is not None:
        p_alive = _p_alive(model, h.frequency, h.recency, h.T)
        model_sev = np.where(p_alive < th.alive_lapse, 2, np.where(p_alive < th.alive_risk, 1, 0))
        severity = np.maximum(severity, model_sev)
    codes = np.full(h.frequency.size, STAGES.index("active"), dtype=np.int8)
    if h.last_gap is not None and h.rhythm_before is not None:
        before = np.where(np.isnan(h.rhythm_before), fallback, h.rhythm_before)
        back = (h.frequency >= 1) & (h.last_gap > th.lapse * before)
        if th.gap is not None:
            back |= (h.frequency >= 1) & (h.last_gap > th.gap)
        codes[back] = STAGES.index("reactivated")
    codes[severity == 1] = STAGES.index("at risk")
    codes[severity == 2] = STAGES.index("lapsed")
    codes[h.T < window] = STAGES.index("new")
    columns: dict[str, Any] = {
        "frequency": h.frequency,
        "recency": h.recency,
        "T": h.T,
        "inactivity": h.T - h.recency,
        "rhythm": rhythm,
        "silence": silence,
    }
    if h.last_gap is not None:
        columns["last_gap"] = h.last_gap
    if p_alive is not None:
        columns["p_alive"] = p_alive
    return _with_prospects(pd.DataFrame(columns, index=h.ids), codes, customers)
