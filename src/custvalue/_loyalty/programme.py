"""Programme tiers over qualifying activity (see :func:`custvalue.loyalty.program_tiers`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from typing import Final
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from custvalue._core.arrays import FloatArray
from custvalue._core.arrays import IntArray
from custvalue._core.calendar import add_months
from custvalue._core.transactions import check_finite_totals
from custvalue._core.validation import check_choice
from custvalue._core.validation import check_scalar
from custvalue._loyalty.common import calendar_log
from custvalue._loyalty.common import date_list
from custvalue._loyalty.common import days_to_datetime
from custvalue._loyalty.common import sorted_codes
from custvalue._loyalty.kernels import EVENT_NAMES
from custvalue._loyalty.kernels import OUTCOME_NAMES
from custvalue._loyalty.kernels import tier_timeline
from custvalue.errors import InputTypeError
from custvalue.errors import InputValueError

# Relative tolerance of the tier threshold comparison (see program_tiers).
_TIER_RTOL: Final[float] = 1e-9


_MAX_TIERS: Final[int] = 100


@dataclass(frozen=True, slots=True)
class TierResult:
    """Tiers held by each customer and how they got there.

    Attributes
    ----------
    tiers : pandas.DataFrame
        One row per customer (index: customer id, sorted) after all activity
        and evaluations: ``tier`` (ordered categorical), ``level`` (int, 0 =
        lowest tier), ``since`` (date the tier was entered; the first
        activity date for customers who never changed tier) and
        ``failed_evaluations`` (consecutive evaluations failed in the
        current tier, i.e. grace used).
    history : pandas.DataFrame
        One row per tier change, sorted by customer then date: the customer
        column, ``date``, ``from_tier``, ``to_tier``, ``event``
        (``"upgrade"`` / ``"downgrade"``) and ``qualifying_value`` (the value
        in the window that day).
    evaluations : pandas.DataFrame
        One row per customer and evaluation date on or after the customer's
        first activity, sorted by customer then date: the customer column,
        ``date``, ``qualifying_value``, ``qualified_tier`` (highest tier the
        value reaches), ``tier_before``, ``tier`` (held afterwards) and
        ``outcome`` (``"requalified"``, ``"grace"``, ``"downgraded"`` or
        ``"upgraded"``).
    """

    tiers: pd.DataFrame
    history: pd.DataFrame
    evaluations: pd.DataFrame


_WINDOW_RE: Final = re.compile(r"rolling-(\d+)M")


_OUTCOME_DTYPE: Final = pd.CategoricalDtype(list(OUTCOME_NAMES))


_EVENT_DTYPE: Final = pd.CategoricalDtype(list(EVENT_NAMES))


def _check_window(window: object) -> int:
    """Months of a rolling window, or 0 for the calendar year."""
    if isinstance(window, str) and window == "calendar-year":
        return 0
    if isinstance(window, str) and (m := _WINDOW_RE.fullmatch(window)) and int(m[1]) >= 1:
        return int(m[1])
    raise InputValueError(
        f"`window` must be 'rolling-12M' (or 'rolling-<n>M' for another number of months) "
        f"or 'calendar-year'; got {window!r}."
    )


def _window_start(days: IntArray, months: int) -> IntArray:
    """First day of the qualifying window that ends on each day (inclusive)."""
    if len(days) > 64:
        # Calendar arithmetic once per day of the covered range, then a lookup.
        low, high = int(days.min()), int(days.max())
        if high - low < len(days) // 2:
            span = np.arange(low, high + 1, dtype=np.int64)
            return np.ascontiguousarray(_window_start(span, months)[days - low])
    if months == 0:
        year = days.astype("datetime64[D]").astype("datetime64[Y]")
        return np.ascontiguousarray(year.astype("datetime64[D]").astype(np.int64))
    return add_months(days, -months) + 1


def _check_tiers(tiers: object) -> tuple[list[Any], FloatArray]:
    if not isinstance(tiers, Mapping) or len(tiers) == 0:
        raise InputTypeError(
            "`tiers` must be a non-empty mapping of tier name to qualifying threshold, "
            "e.g. {'Member': 0, 'Silver': 1000, 'Gold': 5000}."
        )
    if len(tiers) > _MAX_TIERS:
        raise InputValueError(
            f"`tiers` has {len(tiers)} tiers; at most {_MAX_TIERS} are supported."
        )
    names = list(tiers.keys())
    values = np.array([check_scalar(tiers[name], f"tiers[{name!r}]", low=0.0) for name in names])
    order = np.argsort(values, kind="stable")
    names = [names[i] for i in order]
    values = values[order]
    if (dup := np.flatnonzero(np.diff(values) == 0)).size:
        j = int(dup[0])
        raise InputValueError(
            f"`tiers` {names[j]!r} and {names[j + 1]!r} have the same threshold "
            f"{values[j]:g}; every tier needs its own threshold."
        )
    if values[0] != 0:
        raise InputValueError(
            f"the lowest tier of `tiers` ({names[0]!r}) must have threshold 0, got "
            f"{values[0]:g}: every member holds at least the lowest tier; add a base tier, "
            f"e.g. {{'Member': 0, ...}}."
        )
    return names, np.ascontiguousarray(values, dtype=np.float64)


def program_tiers(
    activity: pd.DataFrame,
    tiers: Mapping[str, float],
    *,
    window: str = "rolling-12M",
    observation_end: object,
    downgrade: Literal["one-level", "to-qualified"] = "one-level",
    grace_periods: int = 0,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
    returns: Literal["error", "net", "drop"] = "error",
    date_format: str | None = None,
) -> TierResult:
    """Replay a loyalty programme's tier rules over each customer's qualifying activity.

    Parameters
    ----------
    activity : pandas.DataFrame
        One row per qualifying event (purchase, points award ...), any order.
    tiers : mapping
        Tier name -> qualifying threshold (same unit as ``amount_col``), e.g.
        ``{"Member": 0, "Silver": 1000, "Gold": 5000}``.  Thresholds are
        distinct and non-negative; the lowest must be 0.  Any order (tiers are
        ranked by threshold).
    window : {"rolling-12M", "calendar-year"} or "rolling-<n>M", default "rolling-12M"
        Which activity counts towards qualification on a given day; see Notes.
    observation_end : date or sequence of dates
        Evaluation dates (required): the only days on which a tier can be
        lost.  Any order; no duplicates.
    downgrade : {"one-level", "to-qualified"}, default "one-level"
        How far a customer who fails an evaluation (after any grace) falls:
        one tier, or straight to the tier their qualifying value reaches.
    grace_periods : int, default 0
        Number of consecutive failed evaluations a tier survives; the next
        one downgrades.
    customer_col, date_col : str
        Columns with the customer id and the activity date (datetime64, naive
        or time-zone aware; the wall-clock day is used).
    amount_col : str, default "amount"
        Column with the qualifying value: spend or points, finite.
    returns : {"error", "net", "drop"}, default "error"
        Policy for negative values (returns): refuse them; ``"net"``: sum the
        values per customer and day, a day whose net is ``<= 0`` is no
        activity; ``"drop"``: ignore the negative lines.  A refund on a later
        day than its purchase is not netted: net it out before calling.
    date_format : str, optional
        strftime format parsing a string or integer date column, e.g.
        ``"%Y%m%d"`` for ``20240131``.

    Returns
    -------
    TierResult
        ``tiers`` (per customer, after all activity and evaluations),
        ``history`` (every upgrade and downgrade) and ``evaluations`` (every
        evaluation of every member).  Dates are days as time-zone-naive
        ``datetime64``.

    Raises
    ------
    MissingColumnError
        If a named column is absent.
    InputTypeError
        If the date column is not datetime64, ``tiers`` is not a non-empty
        mapping of numbers, or an argument has the wrong type.
    InputValueError
        For an empty log, missing ids or dates, non-finite values, negative
        values with ``returns="error"``, tiers with equal thresholds, a
        lowest threshold other than 0 or more than 100 tiers, an unknown
        ``window`` / ``downgrade`` / ``returns``, a negative
        ``grace_periods``, or empty or repeated ``observation_end`` dates.

    Notes
    -----
    Time is counted in days; a customer joins the programme in the lowest
    tier on the day of their first activity.

    **Qualifying value.**  On day ``d`` it is the sum of the customer's
    values on the days of the window ending on ``d`` (inclusive):

    - ``"rolling-<n>M"``: the days after the same date ``n`` months earlier
      (day clipped to the month's end): for ``"rolling-12M"`` on 2024-06-30
      the window is 2023-07-01 to 2024-06-30, on 2024-02-29 it starts on
      2023-03-01;
    - ``"calendar-year"``: January 1 of ``d``'s year to ``d`` (year to date).

    A tier is reached when the value is at least its threshold (lower bound
    inclusive).  Values are summed in float64, so a value within a relative
    ``1e-9`` below a threshold counts as reaching it (e.g. three payments of
    333.33, 333.33 and 333.34 reach 1000).

    **Upgrades** are immediate: at the end of every day with activity, a
    customer whose value reaches a higher tier moves to the highest tier it
    reaches (levels may be skipped upwards).

    **Evaluations** happen at the end of each ``observation_end`` day, after that
    day's activity.  The customer's value on that day gives the qualified
    tier ``q``; with ``L`` the tier held:

    - ``q >= L``: requalified (``q > L`` upgrades, as above); the count of
      failed evaluations resets to 0;
    - ``q < L``: a failed evaluation.  While the count of consecutive
      failures is at most ``grace_periods`` the tier is kept (outcome
      ``"grace"``); the failure after that downgrades: to ``L - 1`` with
      ``"one-level"`` (never skipping a level, even if ``q`` is lower), to
      ``q`` with ``"to-qualified"``.

    Every tier change resets the count, so each tier held gets the full
    grace afresh: with ``grace_periods=1`` and ``"one-level"`` a customer
    whose activity stops drops one tier every second evaluation.  Customers
    appear in ``evaluations`` from their first activity on; earlier
    evaluation dates do not concern them.

    Examples
    --------
    A customer who qualifies for Silver mid-year, then Gold, and stops buying:

    >>> import pandas as pd
    >>> from custvalue.loyalty import program_tiers
    >>> activity = pd.DataFrame({
    ...     "customer_id": "a",
    ...     "date": pd.to_datetime(["2023-03-01", "2023-06-15", "2023-09-01"]),
    ...     "amount": [400.0, 700.0, 4000.0],
    ... })
    >>> tiers = {"Member": 0, "Silver": 1000, "Gold": 5000}
    >>> result = program_tiers(activity, tiers, window="calendar-year",
    ...                        observation_end=["2023-12-31", "2024-12-31"])
    >>> result.history
      customer_id       date from_tier to_tier      event  qualifying_value
    0           a 2023-06-15    Member  Silver    upgrade            1100.0
    1           a 2023-09-01    Silver    Gold    upgrade            5100.0
    2           a 2024-12-31      Gold  Silver  downgrade               0.0
    >>> result.tiers
                   tier  level      since  failed_evaluations
    customer_id
    a            Silver      1 2024-12-31                   0
    """
    log = calendar_log(
        activity, "activity", customer_col, date_col, amount_col, returns, date_format
    )
    # every window sum is bounded by the customer's sum of absolute amounts
    check_finite_totals(np.bincount(log.codes, np.abs(log.amounts)).astype(np.float64), amount_col)
    names, thresholds = _check_tiers(tiers)
    months = _check_window(window)
    mode = check_choice(downgrade, "downgrade", ("one-level", "to-qualified"))
    grace = check_scalar(grace_periods, "grace_periods", integer=True, low=0)
    eval_days = date_list(observation_end, "observation_end", log)

    codes, ids = sorted_codes(log.codes, log.ids)
    days = log.periods.astype(np.int64)
    effective = thresholds - _TIER_RTOL * np.maximum(1.0, thresholds)
    state, h_ids, h_codes, h_value, e_ids, e_codes, e_value = tier_timeline(
        codes,
        np.ascontiguousarray(days),
        log.amounts,
        _window_start(days, months),
        len(ids),
        eval_days,
        _window_start(eval_days, months),
        np.ascontiguousarray(effective),
        mode == "to-qualified",
        int(grace),
    )
    tier_dtype = pd.CategoricalDtype(names, ordered=True)

    def tier_of(levels: npt.NDArray[np.integer[Any]]) -> pd.Categorical:
        return pd.Categorical.from_codes(levels, dtype=tier_dtype)

    current = pd.DataFrame(
        {
            "tier": tier_of(state[0]),
            "level": state[0],
            "since": days_to_datetime(state[1]),
            "failed_evaluations": state[2],
        },
        index=ids,
    )
    history = pd.DataFrame(
        {
            customer_col: ids.take(h_ids[0]),
            "date": days_to_datetime(h_ids[1]),
            "from_tier": tier_of(h_codes[0]),
            "to_tier": tier_of(h_codes[1]),
            "event": pd.Categorical.from_codes(h_codes[2], dtype=_EVENT_DTYPE),
            "qualifying_value": h_value,
        }
    )
    evaluations = pd.DataFrame(
        {
            customer_col: ids.take(e_ids[0]),
            "date": days_to_datetime(eval_days[e_ids[1]]),
            "qualifying_value": e_value,
            "qualified_tier": tier_of(e_codes[0]),
            "tier_before": tier_of(e_codes[1]),
            "tier": tier_of(e_codes[2]),
            "outcome": pd.Categorical.from_codes(e_codes[3], dtype=_OUTCOME_DTYPE),
        }
    )
    return TierResult(tiers=current, history=history, evaluations=evaluations)
