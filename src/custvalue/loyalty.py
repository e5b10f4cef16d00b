"""Loyalty: purchase rhythm, an explainable loyalty score, NPS and programme rules.

* :func:`purchase_regularity` measures each customer's own purchase rhythm
  (mean and coefficient of variation of the gaps between purchases), how
  overdue the customer is against it, and the trend of their spend.
* :func:`loyalty_score` turns an RFM summary (and, optionally, the rhythm,
  P(alive) from a CLV model and a satisfaction score) into a 0–100 score per
  customer, returned with every component so that each score can be
  explained.
* :func:`nps` computes the Net Promoter Score with its standard error and
  confidence interval, overall or by group.
* :func:`program_tiers` replays a loyalty programme's tier rules over the
  qualifying activity of each customer; :func:`points_balance` keeps a points
  ledger with first-in-first-out expiry.

All functions validate their input once, never modify it, and do no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, overload

import pandas as pd

from custvalue._loyalty import nps as _nps
from custvalue._loyalty import points as _points
from custvalue._loyalty import programme as _programme
from custvalue._loyalty import regularity as _regularity
from custvalue._loyalty import score as _score
from custvalue._loyalty.nps import NPSResult
from custvalue._loyalty.programme import TierResult
from custvalue._loyalty.score import COMPONENTS, DEFAULT_WEIGHTS, LoyaltyScore

__all__ = [
    "COMPONENTS",
    "DEFAULT_WEIGHTS",
    "LoyaltyScore",
    "NPSResult",
    "TierResult",
    "loyalty_score",
    "nps",
    "points_balance",
    "program_tiers",
    "purchase_regularity",
]


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
    r"""Measure each customer's purchase rhythm and how overdue they are against it.

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per transaction, read exactly as by
        :func:`custvalue.rfm.rfm_summary` (same columns, periods and checks).
    customer_col, date_col : str
        Columns holding the customer id and the purchase time (datetime64 or
        numeric).
    amount_col : str, optional
        Column with transaction amounts (finite); when given, the
        ``spend_trend`` column is added and negative amounts (returns)
        follow ``returns``.
    observation_end : date or number, optional
        End of the observation window (default: the latest transaction);
        later transactions are ignored, as in ``rfm_summary``.
    freq : str, default "D"
        Period length for datetime columns: a pandas period alias, multiples
        honoured as in ``rfm_summary`` (``"7D"``: periods of seven days,
        ``"2W"``: of two weeks; a period of ``k`` base units has the ordinal
        ``floor(pandas base ordinal / k)``).  Intervals are counted in these
        periods.
    returns : {"error", "net", "drop"}, default "error"
        Policy for negative amounts (with ``amount_col``): refuse them;
        ``"net"``: sum the amounts per customer and period, a period whose
        net is ``<= 0`` is not a purchase occasion; ``"drop"``: ignore the
        negative lines.  A customer left without a purchase is not listed.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer id (sorted ascending, the same rows as
        ``rfm_summary`` with the same arguments), with columns

        - ``purchases`` (int): purchase occasions (distinct periods);
        - ``mean_interval``: mean gap between consecutive occasions, in periods;
        - ``std_interval``: sample standard deviation of the gaps;
        - ``cv_interval``: ``std_interval / mean_interval`` (0 = perfectly regular);
        - ``inactivity``: periods from the last occasion to ``observation_end``;
        - ``overdue_periods``: ``inactivity - mean_interval`` (positive = late);
        - ``overdue_ratio``: ``inactivity / mean_interval`` (above 1 = late);
        - ``spend_trend`` (with ``amount_col``): see Notes, in ``[-1, 1]``.

    Raises
    ------
    MissingColumnError, InputTypeError, InputValueError
        As :func:`custvalue.rfm.rfm_summary` for the log and its arguments
        (a column name that is not a single label, missing customer ids,
        negative amounts with ``returns="error"``, an unknown ``freq``).

    Notes
    -----
    All purchases of a customer within one period form one *occasion*; the
    gaps are the differences between consecutive occasions
    :math:`t_1 < \dots < t_m`, :math:`g_j = t_{j+1} - t_j`.  Only completed
    gaps count: the open time since the last occasion is ``inactivity``.

    - ``mean_interval`` :math:`= (t_m - t_1)/(m - 1)`, which is
      ``recency / frequency`` of the RFM summary; undefined (NaN) for a
      single occasion, and so are ``overdue_periods`` and ``overdue_ratio``.
    - ``std_interval`` uses the sample formula (divisor :math:`m - 2`, the
      number of gaps minus one), so it needs at least two gaps: it and
      ``cv_interval`` are NaN for customers with fewer than three occasions.
      Two gaps of 5 and 15 periods give ``std_interval`` 7.07 and
      ``cv_interval`` 0.71.
    - ``spend_trend`` compares the spend of the customer's later occasions
      with that of the earlier ones: with :math:`h = \lfloor m/2 \rfloor`,
      :math:`E` the total of the first :math:`h` occasions and :math:`L` that
      of the last :math:`h` (the middle occasion of an odd count is left
      out), the trend is :math:`(L - E)/(L + E)`: ``0`` for flat spend (and
      when both are zero), ``+1/3`` when the later occasions spend twice as
      much, ``-1/3`` when half as much, ``±1`` when one side spent nothing.
      It is NaN for a single occasion.  The bounded form keeps customers
      whose early spend was zero comparable.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.loyalty import purchase_regularity
    >>> log = pd.DataFrame({
    ...     "customer_id": ["a", "a", "a", "a", "b", "b", "c"],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-01-11", "2024-01-21", "2024-01-31",
    ...                             "2024-01-05", "2024-01-25", "2024-01-20"]),
    ...     "amount": [10.0, 10.0, 20.0, 20.0, 30.0, 10.0, 5.0],
    ... })
    >>> reg = purchase_regularity(log, amount_col="amount", observation_end="2024-02-10")
    >>> reg[["purchases", "mean_interval", "cv_interval", "overdue_ratio", "spend_trend"]]
                 purchases  mean_interval  cv_interval  overdue_ratio  spend_trend
    customer_id
    a                    4           10.0          0.0            1.0     0.333333
    b                    2           20.0          NaN            0.8    -0.500000
    c                    1            NaN          NaN            NaN          NaN
    """
    return _regularity.purchase_regularity(
        transactions,
        customer_col=customer_col,
        date_col=date_col,
        amount_col=amount_col,
        observation_end=observation_end,
        freq=freq,
        returns=returns,
    )


def loyalty_score(
    summary: pd.DataFrame,
    *,
    weights: Mapping[str, float] | None = None,
    p_alive: object = None,
    satisfaction: object = None,
    regularity: pd.DataFrame | None = None,
    spend_trend: object = None,
) -> LoyaltyScore:
    r"""Score every customer's loyalty from 0 to 100 from explainable components.

    Parameters
    ----------
    summary : pandas.DataFrame
        One row per customer with columns ``frequency`` (repeat purchase
        periods, whole numbers), ``recency`` and ``T``, as returned by
        :func:`custvalue.rfm.rfm_summary` (or lifetimes).  Its index (unique)
        identifies the customers.  Not modified.
    weights : mapping, optional
        Component name -> non-negative weight.  Default
        :data:`DEFAULT_WEIGHTS`: recency 30, frequency 20, tenure 10,
        regularity 10, spend_trend 10, p_alive 10, satisfaction 10.  A given
        mapping *replaces* the defaults: components it does not name get
        weight 0.  Weights are rescaled to sum to 1, so only their ratios
        matter.
    p_alive : array-like, optional
        Probability that each customer is still active, in ``[0, 1]``, e.g.
        ``model.probability_alive(frequency, recency, T)`` of a fitted
        :mod:`custvalue.clv` model.  One value per row of ``summary``; a
        Series is aligned on the index, anything else is taken in row order.
    satisfaction : array-like, optional
        A per-customer satisfaction measure on any scale where higher is
        better (survey score, CSAT, NPS answer ...).  Missing values (NaN,
        ``None``) mark non-respondents.  Aligned as ``p_alive``.
    regularity : pandas.DataFrame, optional
        The output of :func:`purchase_regularity` for the same customers (same
        index, any row order): its ``cv_interval`` column feeds the
        regularity component and, when present (computed with
        ``amount_col``), its ``spend_trend`` column the spend-trend component.
    spend_trend : array-like, optional
        A spend-trend measure per customer (higher is better; NaN =
        undefined) that replaces ``regularity["spend_trend"]``.  Aligned as
        ``p_alive``.

    Returns
    -------
    LoyaltyScore
        ``score`` (Series named ``loyalty_score``), ``components``,
        ``contributions``, ``measures`` and the ``weights`` used.

    Raises
    ------
    InputTypeError
        If ``summary`` or ``regularity`` is not a DataFrame, ``weights`` is not
        a mapping of numbers, or an input is not numeric.
    MissingColumnError
        If ``summary`` lacks ``frequency``, ``recency`` or ``T``, or
        ``regularity`` lacks ``cv_interval``.
    InputValueError
        For an empty summary, a non-unique index, NaN/inf or negative values,
        ``recency > T``, ``frequency`` and ``recency`` that disagree about
        repeat purchases, ``p_alive`` outside ``[0, 1]``, inputs whose length
        or index does not match ``summary``, an unknown weight name, a
        negative weight, weights that are all zero, or a positive weight for
        a component whose input was not passed.

    Notes
    -----
    **Components** (each from the inputs named; "better" is more loyal):

    ==============  ==================================================  =================
    component       measure                                             better when
    ==============  ==================================================  =================
    recency         ``overdue_ratio = (T - recency) / rhythm``          lower
    frequency       ``frequency`` (repeat purchase periods)             higher
    tenure          ``T`` (periods since the first purchase)            higher
    regularity      ``regularity["cv_interval"]``                       lower
    spend_trend     ``spend_trend`` or ``regularity["spend_trend"]``    higher
    p_alive         ``p_alive``                                         higher
    satisfaction    ``satisfaction``                                    higher
    ==============  ==================================================  =================

    The recency component measures inactivity against the customer's *own*
    rhythm, ``rhythm = recency / frequency`` (the mean gap between purchase
    occasions).  A customer without repeat purchases has no rhythm of their
    own and is measured against the median rhythm of the customers who have
    one (against 1 period when nobody has, which ranks by plain inactivity).

    **Normalisation.**  Each measure becomes a tie-safe percentile rank among
    the customers for whom it is defined: with ``n`` such customers, ``b`` of
    them strictly worse than the customer and ``e`` equal to them (the
    customer included),

    .. math:: c = 100 \, \frac{b + (e - 1)/2}{n - 1},

    the share of the *other* customers beaten, ties counted half.  The worst
    customer gets 0, the best 100, tied customers the same value, and 50 when
    all are tied or ``n = 1``.  Ranks make components on different scales
    comparable and are not moved by outliers.

    **Missing inputs.**  A component whose input is not passed is left out:
    with the default weights its weight is dropped and the others are
    rescaled to sum to 1 (with only ``summary``: recency 50 %, frequency
    33.3 %, tenure 16.7 %).  Explicit ``weights`` may not give a positive
    weight to such a component (an error, to catch a forgotten input).
    Within a passed input, a component can be *undefined* for a customer:
    regularity for fewer than three purchase occasions (NaN
    ``cv_interval``), spend trend for a single occasion, satisfaction for
    non-respondents.  The customer is then scored on their defined
    components, their weights rescaled to sum to 1 for that customer:

    .. math:: \text{score} = \frac{\sum_{k \in D} w_k c_k}{\sum_{k \in D} w_k},

    with ``D`` the positively weighted components defined for the customer.
    ``contributions`` holds the terms :math:`w_k c_k / \sum_{D} w_k`.  The
    score is therefore a weighted mean of ranks: within ``[0, 100]`` and
    non-decreasing in every component when the others are fixed.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.loyalty import loyalty_score
    >>> summary = pd.DataFrame(
    ...     {"frequency": [4, 1, 0], "recency": [40.0, 10.0, 0.0], "T": [50.0, 40.0, 5.0]},
    ...     index=pd.Index(["a", "b", "c"], name="customer_id"),
    ... )
    >>> result = loyalty_score(summary)
    >>> result.measures
                 overdue_ratio  frequency     T
    customer_id
    a                      1.0        4.0  50.0
    b                      3.0        1.0  40.0
    c                      0.5        0.0   5.0
    >>> result.to_frame().round(2)
                 loyalty_score  recency  frequency  tenure
    customer_id
    a                    75.00     50.0      100.0    100.0
    b                    25.00      0.0       50.0     50.0
    c                    50.00    100.0        0.0      0.0
    >>> dict(result.weights)  # doctest: +NUMBER
    {'recency': 0.5, 'frequency': 0.333, 'tenure': 0.167}
    """
    return _score.loyalty_score(
        summary,
        weights=weights,
        p_alive=p_alive,
        satisfaction=satisfaction,
        regularity=regularity,
        spend_trend=spend_trend,
    )


@overload
def nps(responses: object, *, by: None = None, confidence: float = 0.95) -> NPSResult: ...


@overload
def nps(responses: object, *, by: object, confidence: float = 0.95) -> pd.DataFrame: ...


def nps(
    responses: object, *, by: object = None, confidence: float = 0.95
) -> NPSResult | pd.DataFrame:
    r"""Net Promoter Score with its standard error and confidence interval.

    Parameters
    ----------
    responses : array-like
        Answers to "How likely are you to recommend us?" on the 0–10 scale:
        whole numbers from 0 to 10 (a list, numpy array or pandas Series;
        non-respondents must be dropped, not passed as NaN).
    by : array-like, optional
        Group label of each response (segment, store, month ...), same length
        as ``responses``.  When both are Series their indexes must match.
    confidence : float, default 0.95
        Level of the two-sided confidence interval, in ``(0, 1)``.

    Returns
    -------
    NPSResult or pandas.DataFrame
        Without ``by``, one :class:`NPSResult`.  With ``by``, a DataFrame
        indexed by group (sorted) with columns ``nps``, ``standard_error``,
        ``ci_low``, ``ci_high``, ``n``, ``promoters``, ``passives``,
        ``detractors`` and ``confidence`` (the level of the interval, the
        same on every row).

    Raises
    ------
    InputTypeError
        If ``responses`` is not numeric, or group labels cannot be sorted.
    InputValueError
        If ``responses`` is empty, holds NaN, non-integers or values outside
        0–10, ``by`` has missing labels or a different length, or
        ``confidence`` is not in ``(0, 1)``.

    Notes
    -----
    Promoters answer 9 or 10, passives 7 or 8, detractors 0 to 6 [1]_.  With
    ``n`` responses and shares :math:`p` of promoters and :math:`d` of
    detractors,

    .. math::

        \mathrm{NPS} = 100\,(p - d), \qquad
        \mathrm{SE} = 100 \sqrt{\frac{p + d - (p - d)^2}{n}},

    the standard error of a difference of two proportions of one
    multinomial sample [2]_.  The interval is the Wald interval
    :math:`\mathrm{NPS} \pm z\,\mathrm{SE}` with :math:`z` the standard normal
    quantile of ``(1 + confidence) / 2``, clipped to ``[-100, 100]``.  It is
    reliable for a few dozen responses or more; it collapses to a point when
    all answers fall in one category (e.g. all promoters: NPS 100, SE 0),
    which should be read as "too few responses", not as certainty.

    References
    ----------
    .. [1] Reichheld, F. F. (2003). The one number you need to grow.
       *Harvard Business Review*, 81(12), 46-54.
    .. [2] Rocks, B. (2016). Interval estimation for the "net promoter
       score". *The American Statistician*, 70(4), 365-372.

    Examples
    --------
    >>> from custvalue.loyalty import nps
    >>> answers = [10, 9, 9, 8, 7, 6, 3, 10, 9, 0]
    >>> result = nps(answers)
    >>> result.nps, result.promoters, result.passives, result.detractors
    (20.0, 5, 2, 3)
    >>> round(result.standard_error, 2)
    27.57
    >>> table = nps(answers, by=["web"] * 6 + ["store"] * 4)
    >>> table[["nps", "n", "promoters", "passives", "detractors"]].round(1)
            nps  n  promoters  passives  detractors
    store   0.0  4          2         0           2
    web    33.3  6          3         2           1
    """
    return _nps.nps(responses, by=by, confidence=confidence)


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
    ...     "customer_id": ["a", "a", "a", "b"],
    ...     "date": pd.to_datetime(["2023-03-01", "2023-06-15", "2023-09-01", "2023-05-01"]),
    ...     "amount": [400.0, 700.0, 4000.0, 50.0],
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
    b            Member      0 2023-05-01                   0
    """
    return _programme.program_tiers(
        activity,
        tiers,
        window=window,
        observation_end=observation_end,
        downgrade=downgrade,
        grace_periods=grace_periods,
        customer_col=customer_col,
        date_col=date_col,
        amount_col=amount_col,
        returns=returns,
    )


def points_balance(
    ledger: pd.DataFrame,
    *,
    expiry: str | None = None,
    observation_end: object = None,
    customer_col: str = "customer_id",
    date_col: str = "date",
    points_col: str = "points",
) -> pd.DataFrame:
    """Points balance per customer with first-in-first-out redemption and expiry.

    Parameters
    ----------
    ledger : pandas.DataFrame
        One row per points movement, any order: positive ``points`` are
        earned, negative ones redeemed (zero rows are ignored).
    expiry : str, optional
        How long earned points stay usable: ``"<n>D"`` days, ``"<n>M"``
        calendar months or ``"<n>Y"`` years, e.g. ``"24M"``.  ``None`` (the
        default): points never expire.
    observation_end : date, optional
        Day of the balance (default: the latest ledger date).  Rows after it
        are ignored; lots whose expiry day is on or before it have expired.
    customer_col, date_col, points_col : str
        Columns with the customer id, the day of the movement (datetime64,
        naive or time-zone aware; the wall-clock day is used) and the signed
        points: whole numbers, counted exactly in int64 (an integer column
        is taken as it is; floats must stay within ``±2**53``, where float64
        still holds every integer).

    Returns
    -------
    pandas.DataFrame
        Indexed by customer id (sorted ascending; customers with rows up to
        ``observation_end``), with int64 columns ``earned``, ``redeemed``, ``expired``
        and ``balance`` (``earned - redeemed - expired``, never negative),
        ``next_expiry`` (the next day on which points expire, NaT if none)
        and ``expiring_points`` (how many expire then).

    Raises
    ------
    MissingColumnError
        If a named column is absent.
    InputTypeError
        If the date column is not datetime64 or points are not numeric.
    InputValueError
        For an empty ledger, missing ids or dates, non-finite or fractional
        points, points or per-customer totals that int64 cannot hold exactly
        (the message names ``points_col``), an invalid ``expiry``, an
        ``observation_end`` before every row, or a redemption larger than
        the balance available that day (the message names the customer, the
        date and both amounts).

    Notes
    -----
    Points earned on day ``d`` form a lot that expires on day
    ``d + expiry`` (calendar arithmetic; a month-end overflow is clipped, so
    points earned on January 31 with ``"1M"`` expire on February 28 or 29):
    they can be redeemed up to the day before and are gone from that day on.
    Each day is processed in this order: lots expiring that day are removed,
    the day's earnings are credited, then the day's redemptions are taken
    from the oldest remaining lots (first in, first out), so a redemption may
    use points earned the same day but never points expiring that day.  A
    redemption larger than the balance is an error, not a negative balance:
    the ledger is inconsistent with the expiry rule.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.loyalty import points_balance
    >>> ledger = pd.DataFrame({
    ...     "customer_id": ["a", "a", "a", "a"],
    ...     "date": pd.to_datetime(["2023-01-10", "2023-06-01", "2023-09-01", "2024-01-10"]),
    ...     "points": [100, 50, -120, 10],
    ... })
    >>> points_balance(ledger, expiry="12M")
                 earned  redeemed  expired  balance next_expiry  expiring_points
    customer_id
    a               160       120        0       40  2024-06-01               30
    """
    return _points.points_balance(
        ledger,
        expiry=expiry,
        observation_end=observation_end,
        customer_col=customer_col,
        date_col=date_col,
        points_col=points_col,
    )
