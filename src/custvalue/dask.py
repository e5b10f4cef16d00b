"""custvalue on Dask: the in-memory numbers for logs that do not fit in memory.

Install the optional extra (``pip install custvalue[dask]``).  Every function
here takes a :class:`dask.dataframe.DataFrame` (a summary as a Dask DataFrame
indexed by customer, or a Dask Series) and gives the numbers of the in-memory
function of the same name; the log itself is never collected:

- :func:`rfm_summary` and :func:`calibration_holdout_summary` reduce each
  partition to one row per (customer, purchase period), shuffle those rows by
  customer with Dask's own shuffle and run the in-memory summary on each
  output partition.  The window end is fixed once for the whole log (one
  reduction over the time column), never per partition;
- :func:`sufficient_statistics`, :func:`fit_transaction_model` and
  :func:`fit_spend_model` reduce a summary on the workers to its distinct
  ``(frequency, recency, T)`` (or ``(frequency, monetary_value)``) rows with
  the number of customers holding each, and run the in-memory weighted
  maximum likelihood on that small frame;
- :func:`expected_purchases`, :func:`probability_alive` and
  :func:`customer_lifetime_value` run a fitted model on each partition;
- :func:`abc_classes` needs the global cumulative share: the class bounds
  come from pivots of the values and the counts and sums above them (a few
  passes, no global sort), then a pass classifies every customer by them;
- :func:`profit_contribution` shuffles the lines by customer and fixes the
  period totals and the log's last period globally;
- :func:`rfm_scores` (quantiles) and :func:`loyalty_score` (percentile ranks
  among all customers) rank from exact order statistics found in a few
  passes without a global sort (the loyalty score's per-customer inputs are
  joined to the summary by customer first); :func:`rfm_segments` runs per
  partition;
- :func:`commission` shuffles the sales lines by salesperson (with the
  salespeople they share split lines with, linked returns with their sale)
  and returns the lazy lines, credits and statements
  (:class:`CommissionFrames`).

Results are lazy Dask collections indexed by customer; each partition is
sorted by customer, partitions are not (``.compute().sort_index()`` gives the
in-memory frame).  Errors are the custvalue errors of the in-memory functions;
those found while reading a partition are raised by ``compute()`` (or by the
call itself for the passes it runs: the bounds of the log, the fits, the ABC
bounds, the score thresholds and ranks, the commission's global checks).  See
the "Scaling out" page of the documentation for when to use it and what it
costs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

try:
    import dask.dataframe as dd
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "custvalue.dask needs the optional Dask dependencies; install them with "
        "pip install 'custvalue[dask]'."
    ) from exc
import pandas as pd

from custvalue import commission as _commission_api
from custvalue import loyalty
from custvalue import rfm
from custvalue import tiers
from custvalue._core.docs import fill_doc
from custvalue._core.signatures import same_options
from custvalue._dask import commission as _commission
from custvalue._dask import loyalty as _loyalty
from custvalue._dask import models as _models
from custvalue._dask import profit as _profit
from custvalue._dask import scores as _scores
from custvalue._dask import summary as _summary
from custvalue._dask.docs import LOG_ERRORS
from custvalue._dask.docs import PREDICTION_PARAMS

CommissionFrames = _commission.CommissionFrames
LoyaltyFrames = _loyalty.LoyaltyFrames
for _cls in (CommissionFrames, LoyaltyFrames):
    _cls.__module__ = __name__
del _cls

__all__ = [
    "CommissionFrames",
    "LoyaltyFrames",
    "abc_classes",
    "calibration_holdout_summary",
    "commission",
    "customer_lifetime_value",
    "expected_purchases",
    "fit_spend_model",
    "fit_transaction_model",
    "loyalty_score",
    "probability_alive",
    "profit_contribution",
    "rfm_scores",
    "rfm_segments",
    "rfm_summary",
    "sufficient_statistics",
]


@same_options(rfm.rfm_summary, dd.DataFrame)
@fill_doc(LOG_ERRORS)
def rfm_summary(transactions: dd.DataFrame, **options: Any) -> dd.DataFrame:
    """Per-customer recency, frequency and value of a Dask transaction log.

    The Dask counterpart of :func:`custvalue.rfm.rfm_summary`, with the same
    keywords and the same columns, dtypes and numbers.

    Parameters
    ----------
    transactions : dask.dataframe.DataFrame
        One row per transaction, in any partitioning and order.
    customer_col, date_col, amount_col, freq, returns, date_format, time_unit
        As in :func:`custvalue.rfm.rfm_summary` (multiples of ``freq`` and the
        three returns policies included).
    observation_end : date, pandas.Period or number, optional
        End of the observation window, as in memory.  The default is the
        latest transaction of the whole log (found by one reduction before
        the summary is built), never a partition's own latest date.

    Returns
    -------
    dask.dataframe.DataFrame
        Lazy, indexed by customer id: ``frequency``, ``recency``, ``T``,
        (``monetary_value``), ``purchases``, (``total_value``),
        ``inactivity``.  A customer's rows are in one partition; each
        partition is sorted by customer, the partitions are hash-partitioned
        (no known divisions).

    Raises
    ------
    %(log_errors)s
    InputValueError
        As :func:`custvalue.rfm.rfm_summary`; an empty log, an unreadable or
        too early ``observation_end`` are reported by this call, problems
        inside a partition (missing ids, returns under ``returns="error"``)
        by ``compute()``.

    Notes
    -----
    Each input partition is read with the library's column readers and
    reduced to one row per (customer, period) up to the window end, amounts
    summed (``returns="drop"`` removes negative lines first, ``"error"``
    refuses them).  These rows, at most one per customer and period, are all
    that is shuffled.  After the shuffle the rows of a (customer, period)
    that came from several partitions are summed, periods netting to
    ``<= 0`` are removed under ``returns="net"``, and
    :func:`custvalue.rfm.rfm_summary` runs on the partition with time in
    period ordinals and the global window end.  Amount sums are added in a
    different order than in memory, so ``monetary_value`` and
    ``total_value`` can differ in the last bits (not at all when the amounts
    are exact in float64, e.g. whole cents below 2**53 / 100).

    Integer ``yyyymmdd`` dates without ``date_format`` are refused per
    partition (a partition whose numbers all look like dates is refused).

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> import pandas as pd
    >>> from custvalue import dask as cvd
    >>> log = pd.DataFrame({
    ...     "customer_id": ["a", "a", "a", "b"],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-04", "2024-01-03"]),
    ...     "amount": [10.0, 5.0, 20.0, 7.5],
    ... })
    >>> summary = cvd.rfm_summary(dd.from_pandas(log, npartitions=2), amount_col="amount",
    ...                           observation_end="2024-01-10")
    >>> summary.compute().sort_index()
                 frequency  recency    T  monetary_value  purchases  total_value  inactivity
    customer_id
    a                    1      3.0  9.0            20.0          2         35.0         6.0
    b                    0      0.0  7.0             0.0          1          7.5         7.0
    """
    return _summary.summarize(transactions, **options)


@same_options(rfm.calibration_holdout_summary, dd.DataFrame)
def calibration_holdout_summary(transactions: dd.DataFrame, **options: Any) -> dd.DataFrame:
    """Calibration summary and holdout outcomes of a Dask log.

    The Dask counterpart of :func:`custvalue.rfm.calibration_holdout_summary`
    (same arguments, columns and numbers), built like :func:`rfm_summary`:
    rows up to ``observation_end`` are reduced to (customer, period), shuffled
    by customer and split per partition.

    Parameters
    ----------
    transactions : dask.dataframe.DataFrame
        One row per transaction.
    calibration_end, observation_end : date, pandas.Period or number
        Ends of the calibration and holdout windows, as in memory.
    customer_col, date_col, amount_col, freq, returns, date_format, time_unit
        As in :func:`custvalue.rfm.calibration_holdout_summary`.

    Returns
    -------
    dask.dataframe.DataFrame
        Lazy, indexed by customer (customers with a purchase by
        ``calibration_end``), with the in-memory columns.

    Raises
    ------
    InputValueError
        If ``observation_end`` is not after ``calibration_end``, or as
        :func:`rfm_summary`.

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> from custvalue import dask as cvd
    >>> log = dd.from_dict(
    ...     {"customer_id": [1, 1, 1, 2, 3], "date": [0, 4, 11, 1, 10]}, npartitions=2)
    >>> split = cvd.calibration_holdout_summary(log, calibration_end=6, observation_end=13)
    >>> split.compute().sort_index()[["frequency_cal", "T_cal", "frequency_holdout"]]
                 frequency_cal  T_cal  frequency_holdout
    customer_id
    1                        1    6.0                  1
    2                        0    5.0                  0
    """
    return _summary.calibration_holdout(transactions, **options)


def sufficient_statistics(
    data: dd.DataFrame, columns: Sequence[str] = ("frequency", "recency", "T")
) -> pd.DataFrame:
    """Distinct rows of a Dask summary with the number of customers holding each.

    Computed on the workers (a grouped count); only the distinct rows reach
    the caller.  This is all a model fit needs: pass the result to a model's
    ``fit(stats, weights="customers")``.

    Parameters
    ----------
    data : dask.dataframe.DataFrame
        A per-customer summary, e.g. :func:`rfm_summary`'s output.
    columns : sequence of str, default ("frequency", "recency", "T")
        The columns whose distinct combinations are counted.

    Returns
    -------
    pandas.DataFrame
        ``columns`` plus ``customers`` (int), sorted by ``columns``.

    Raises
    ------
    InputTypeError
        If ``data`` is not a Dask DataFrame.
    MissingColumnError
        If a column is absent.

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> from custvalue import dask as cvd
    >>> summary = dd.from_dict(
    ...     {"frequency": [0, 1, 1], "recency": [0.0, 3.0, 3.0], "T": [5.0, 6.0, 6.0]},
    ...     npartitions=2)
    >>> cvd.sufficient_statistics(summary)
       frequency  recency    T  customers
    0          0      0.0  5.0          1
    1          1      3.0  6.0          2
    """
    return _models.sufficient_statistics(data, columns)


def fit_transaction_model(model: Any, data: dd.DataFrame, **fit_options: Any) -> Any:
    """Fit a transaction model on a Dask summary from its sufficient statistics.

    Parameters
    ----------
    model : BetaGeoModel, ModifiedBetaGeoModel, ParetoNBDModel ...
        An instance of a :mod:`custvalue.clv` model fitted on ``frequency``,
        ``recency`` and ``T``.
    data : dask.dataframe.DataFrame
        A per-customer summary with those columns.
    **fit_options
        Passed to ``model.fit`` (``max_iter``, ``initial_params`` ...).

    Returns
    -------
    model
        ``model``, fitted on the distinct rows weighted by their customer
        counts: the likelihood the in-memory fit maximises on the full
        summary, so the parameters are the in-memory ones.

    Raises
    ------
    InputTypeError
        If ``model`` is not a model instance or ``data`` not a Dask DataFrame.

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> from custvalue import dask as cvd
    >>> from custvalue.clv import BetaGeoModel
    >>> summary = dd.from_dict({
    ...     "frequency": [0, 2, 5, 1, 0, 3, 0, 1],
    ...     "recency": [0.0, 20.0, 35.0, 4.0, 0.0, 30.0, 0.0, 12.0],
    ...     "T": [40.0, 38.0, 39.0, 40.0, 30.0, 33.0, 36.0, 37.0]}, npartitions=2)
    >>> model = cvd.fit_transaction_model(BetaGeoModel(), summary)
    >>> model.converged_
    True
    """
    return _models.fit_transaction_model(model, data, **fit_options)


def fit_spend_model(model: Any, data: dd.DataFrame, **fit_options: Any) -> Any:
    """Fit a spend model (Gamma-Gamma) on the repeat customers of a Dask summary.

    Parameters
    ----------
    model : GammaGammaModel
        An instance of a spend model fitted on ``frequency`` and ``monetary_value``.
    data : dask.dataframe.DataFrame
        A per-customer summary with those columns; the rows with
        ``frequency > 0`` are used (as in memory, a repeat customer with a
        ``monetary_value`` of 0 is refused: filter it first).
    **fit_options
        Passed to ``model.fit``.

    Returns
    -------
    model
        ``model``, fitted on the distinct ``(frequency, monetary_value)`` rows
        weighted by their customer counts.

    Raises
    ------
    InputTypeError
        If ``model`` is not a model instance or ``data`` not a Dask DataFrame.
    InputValueError
        As the model's ``fit``.

    Notes
    -----
    The weighted likelihood is the in-memory one.  The Gamma-Gamma optimiser
    stops at a tolerance that depends on how the rows are grouped, so the
    parameters agree with an in-memory fit on the per-customer rows to about
    1e-6 relative, and with an in-memory fit on the same weighted rows exactly.

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> import pandas as pd
    >>> from custvalue import dask as cvd
    >>> from custvalue.clv import GammaGammaModel
    >>> summary = dd.from_pandas(pd.DataFrame({
    ...     "frequency": [1, 2, 5, 1, 0, 3],
    ...     "monetary_value": [10.0, 20.0, 35.0, 4.0, 0.0, 30.0]}), npartitions=2)
    >>> cvd.fit_spend_model(GammaGammaModel(), summary).converged_
    True
    """
    return _models.fit_spend_model(model, data, **fit_options)


@fill_doc(PREDICTION_PARAMS)
def expected_purchases(model: Any, data: dd.DataFrame, t: float) -> dd.Series:
    """Return the expected purchases of every customer in ``(T, T + t]``, per partition.

    Parameters
    ----------
    %(model)s
    %(data)s
    t : float
        Horizon in the summary's time unit.

    Returns
    -------
    dask.dataframe.Series
        ``expected_purchases`` (float): ``model.expected_purchases(t, ...)`` of
        each customer, on the summary's index.

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> from custvalue import dask as cvd
    >>> from custvalue.clv import BetaGeoModel, BetaGeoParams
    >>> model = BetaGeoModel.from_params(BetaGeoParams(r=0.25, alpha=4.4, a=0.79, b=2.4))
    >>> summary = dd.from_dict(
    ...     {"frequency": [0, 2], "recency": [0.0, 20.0], "T": [30.0, 38.0]}, npartitions=1)
    >>> cvd.expected_purchases(model, summary, 10.0).compute().round(4).tolist()
    [0.0697, 0.2782]
    """
    return _models.predict(model, "expected_purchases", data, t)


@fill_doc(PREDICTION_PARAMS)
def probability_alive(model: Any, data: dd.DataFrame) -> dd.Series:
    """P(alive) of every customer, per partition.

    Parameters
    ----------
    %(model)s
    %(data)s

    Returns
    -------
    dask.dataframe.Series
        ``probability_alive`` (float, in [0, 1]) on the summary's index.

    Examples
    --------
    Two customers with the same purchases, the second one observed 16 periods longer:

    >>> import dask.dataframe as dd
    >>> from custvalue import dask as cvd
    >>> summary = dd.from_dict(
    ...     {"frequency": [2, 2], "recency": [20.0, 20.0], "T": [22.0, 38.0]}, npartitions=1)
    >>> from custvalue.clv import BetaGeoModel, BetaGeoParams
    >>> model = BetaGeoModel.from_params(BetaGeoParams(r=0.25, alpha=4.4, a=0.79, b=2.4))
    >>> cvd.probability_alive(model, summary).compute().round(4).tolist()
    [0.7828, 0.5538]
    """
    return _models.predict(model, "probability_alive", data)


def customer_lifetime_value(
    transaction_model: Any,
    spend_model: Any,
    data: dd.DataFrame,
    *,
    horizon: int,
    discount_rate: float,
    margin: float = 1.0,
    step: float = 1.0,
) -> dd.Series:
    """Discounted CLV of every customer, per partition.

    Runs :func:`custvalue.clv.customer_lifetime_value` (see it for the
    arguments and the formula) on each partition of ``data``.

    Parameters
    ----------
    transaction_model, spend_model : fitted models
        E.g. from :func:`fit_transaction_model` and :func:`fit_spend_model`.
    data : dask.dataframe.DataFrame
        Summary with ``frequency``, ``recency``, ``T`` and ``monetary_value``.
    horizon, discount_rate, margin, step
        As in :func:`custvalue.clv.customer_lifetime_value`.

    Returns
    -------
    dask.dataframe.Series
        ``clv`` (float, in the unit of ``monetary_value``) on the summary's index.

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> from custvalue import dask as cvd
    >>> from custvalue.clv import BetaGeoModel, BetaGeoParams, GammaGammaModel, GammaGammaParams
    >>> bg = BetaGeoModel.from_params(BetaGeoParams(r=0.25, alpha=4.4, a=0.79, b=2.4))
    >>> gg = GammaGammaModel.from_params(GammaGammaParams(p=6.25, q=3.74, v=15.4))
    >>> summary = dd.from_dict({"frequency": [0, 2], "recency": [0.0, 20.0],
    ...     "T": [30.0, 38.0], "monetary_value": [0.0, 30.0]}, npartitions=1)
    >>> clv = cvd.customer_lifetime_value(bg, gg, summary, horizon=3, discount_rate=0.01, step=4)
    >>> clv.compute().round(2).tolist()
    [2.86, 10.02]
    """
    return _models.customer_lifetime_value(
        transaction_model, spend_model, data, horizon, discount_rate, margin, step
    )


@same_options(tiers.abc_classes, dd.Series)
def abc_classes(values: dd.Series, **options: Any) -> dd.Series:
    """ABC class of every customer from the global cumulative share of a Dask Series.

    The Dask counterpart of :func:`custvalue.tiers.abc_classes` (same
    arguments, same tie rule, same classes).

    Parameters
    ----------
    values : dask.dataframe.Series
        One contribution per customer (e.g. ``summary["total_value"]`` or a CLV).
    cutoffs, labels, rule, negative, negative_label
        As in :func:`custvalue.tiers.abc_classes`.

    Returns
    -------
    dask.dataframe.Series
        Categorical classes on the index of ``values`` (named like it, or
        ``abc_class``).

    Raises
    ------
    InputTypeError
        If ``values`` is not a Dask Series.
    InputValueError
        For NaN or infinite values, negative values under
        ``negative="error"``, a zero total, or invalid cutoffs/labels.

    Notes
    -----
    The rule is the in-memory one: an item belongs to the first class ``j``
    with ``above / total < cutoffs[j]``, ``above`` the sum (count) of the
    strictly larger items, so equal values share a class.  ``above`` falls as
    the value grows, so the values of classes ``0 .. j`` are those above a
    bound, the smallest value with ``above / total < cutoffs[j]``.  The bounds
    are found without a global sort, in passes of one task per partition:
    (1) the minimum, finiteness and count; (2) about 65,000 pivots, values
    sampled from each partition's local order (its minimum and maximum
    included); (3) the count and sum of the values above and at least each
    pivot, which bracket every bound between two consecutive pivots; (4) the
    few values strictly between those two pivots (fewer per partition than
    its sampling step), tried from the largest down.  Each customer's class
    then follows from the bounds, on the original partitions.  A partition
    sums its values from the largest down, the partitions' sums are then
    added, so a share within a few units in the last place of a cutoff can
    fall on the other side than in memory when the sums are not exact in
    float64 (they are for whole cents below 2**53 / 100 in total, and always
    with ``rule="count"``).

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> import pandas as pd
    >>> from custvalue import dask as cvd
    >>> values = dd.from_pandas(pd.Series([50.0, 30.0, 10.0, 6.0, 4.0], name="profit"),
    ...                         npartitions=2)
    >>> cvd.abc_classes(values).compute().tolist()
    ['A', 'A', 'B', 'B', 'C']
    """
    return _models.abc_classes(values, **options)


@same_options(tiers.profit_contribution, dd.DataFrame)
@fill_doc(LOG_ERRORS)
def profit_contribution(transactions: dd.DataFrame, **options: Any) -> dd.DataFrame:
    """Revenue, profit and their change per customer (and ``by`` value) and period of a Dask log.

    The Dask counterpart of :func:`custvalue.tiers.profit_contribution`, with
    the same keywords, rows and numbers.

    Parameters
    ----------
    transactions : dask.dataframe.DataFrame
        One row per sales line, in any partitioning and order.
    customer_col, date_col, amount_col, cost_col, profit_col, freq, by, returns, date_format
        As in :func:`custvalue.tiers.profit_contribution`.

    Returns
    -------
    dask.dataframe.DataFrame
        Lazy, indexed by customer id (Dask has no MultiIndex): the columns
        [``by``,] ``period`` (pandas Periods), then the in-memory columns
        ``revenue``, ``profit``, ``margin``, ``profit_share``,
        ``previous_profit``, ``profit_change``, ``profit_change_rel``.
        ``.compute().set_index([[by,] "period"], append=True).sort_index()``
        is the in-memory frame.  A customer's rows are in one partition.

    Raises
    ------
    %(log_errors)s
    InputValueError
        As :func:`custvalue.tiers.profit_contribution`; an empty log (or one
        of only returns under ``returns="drop"``) and not exactly one of
        ``cost_col`` / ``profit_col`` are reported by this call, problems
        inside a partition by ``compute()``.

    Notes
    -----
    The lines are shuffled by customer (Dask's shuffle; every line crosses
    it once) and the in-memory function runs on each partition.  What it
    computes across customers is fixed globally: ``profit_share`` divides by
    the period's total profit over all customers (a reduction over the
    per-partition panels, computed by this call), and the row for the period
    after a customer's last active period is added whenever that period is
    not later than the last period of the whole log (not of the partition).
    The period totals are added in a different order than in memory, so
    ``profit_share`` can differ in the last bits; the other columns are sums
    over one customer's lines (exact when the amounts are, e.g. whole cents
    below 2**53 / 100).  The shuffle and the in-memory panel run twice: once
    for the totals, once for the result (persist the log to avoid rereading).

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> import pandas as pd
    >>> from custvalue import dask as cvd

    Customer 1 buys only in 2023 and sits alone in the first partition; its
    2024 row (profit 0) and both shares come from the other partition:

    >>> lines = pd.DataFrame({"customer_id": [1, 2, 2], "profit": [40.0, 60.0, 100.0],
    ...     "date": pd.to_datetime(["2023-03-01", "2023-05-01", "2024-02-01"]),
    ...     "amount": [100.0, 200.0, 300.0]})
    >>> log = dd.from_pandas(lines, npartitions=2, sort=False)
    >>> out = cvd.profit_contribution(log, profit_col="profit").compute()
    >>> out.set_index("period", append=True).sort_index()[["profit", "profit_share"]]
                        profit  profit_share
    customer_id period
    1           2023      40.0           0.4
                2024       0.0           0.0
    2           2023      60.0           0.6
                2024     100.0           1.0
    """
    return _profit.profit_contribution(transactions, **options)


@same_options(rfm.rfm_scores, dd.DataFrame)
def rfm_scores(summary: dd.DataFrame, **options: Any) -> dd.DataFrame:
    """R, F and M scores of every customer of a Dask summary (quantiles or fixed edges).

    The Dask counterpart of :func:`custvalue.rfm.rfm_scores` for
    ``method="quantile"`` and ``method="edges"`` (same arguments, columns,
    dtypes and scores, ties included).

    Parameters
    ----------
    summary : dask.dataframe.DataFrame
        One row per customer, e.g. :func:`rfm_summary`'s output.
    bins, method, recency_col, frequency_col, monetary_col, edges
        As in :func:`custvalue.rfm.rfm_scores`; ``method="mean"`` is refused.

    Returns
    -------
    dask.dataframe.DataFrame
        ``R``, ``F``, ``M`` (ordered categoricals), ``cell`` and ``score`` on
        the summary's index.

    Raises
    ------
    InputValueError
        If ``method`` is ``"mean"``, the summary is empty, or as in memory
        (by ``compute()`` for the values of a partition).
    InputTypeError
        If ``summary`` is not a Dask DataFrame or ``edges`` not a mapping of
        the three dimensions.

    Notes
    -----
    A fixed-edge score depends on the customer's own values only: the
    in-memory function runs on each partition (nothing is shuffled).

    The quantile score ``1 + floor(bins * w / n)`` (``w`` the customers
    strictly worse) depends on every customer.  ``w >= m`` exactly when the
    value is above the ``m``-th worst value, so the score is one plus the
    number of thresholds ``t_k`` the value reaches, ``t_k`` the next better
    value after the ``ceil(k n / bins)``-th worst (``k = 1 .. bins - 1``;
    equal thresholds leave scores empty, as in memory).  This call finds
    those order statistics and the next values exactly, for the three
    dimensions at once, in three passes over the (persisted) values with no
    global sort: each partition's samples, the global counts at each sample,
    then the few values between the two samples around each position (see
    the "Scaling out" page).  Each partition is then scored with the
    thresholds, in exact comparisons, so the scores are the in-memory ones.

    The mean rule is refused: the mean summed in another order than in
    memory could put a value equal to it on the other side.  Pass the split
    points as edges, or score the computed summary in memory.

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> from custvalue import dask as cvd
    >>> summary = dd.from_dict({"inactivity": [3.0, 40.0, 100.0], "purchases": [5, 2, 1],
    ...                         "total_value": [500.0, 80.0, 10.0]}, npartitions=2)
    >>> edges = {"R": [30, 90], "F": [2, 4], "M": [50, 200]}
    >>> cvd.rfm_scores(summary, method="edges", edges=edges).compute()["cell"].tolist()
    ['333', '222', '111']
    >>> cvd.rfm_scores(summary, bins=3).compute()["cell"].tolist()
    ['333', '222', '111']
    """
    return _scores.rfm_scores(summary, **options)


@same_options(rfm.rfm_segments, dd.DataFrame)
def rfm_segments(scores: dd.DataFrame, **options: Any) -> dd.Series:
    """Segment of every customer from the R, F and M scores of a Dask frame, per partition.

    The Dask counterpart of :func:`custvalue.rfm.rfm_segments` (same
    arguments and labels): the map is decided per score cell, so it runs on
    each partition.

    Parameters
    ----------
    scores : dask.dataframe.DataFrame
        ``R``, ``F``, ``M`` scores, e.g. :func:`rfm_scores`'s output.
    scheme, bins, default
        As in :func:`custvalue.rfm.rfm_segments`.

    Returns
    -------
    dask.dataframe.Series
        ``segment`` (categorical, the scheme's categories) on the index of
        ``scores``.

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> from custvalue import dask as cvd
    >>> scores = dd.from_dict({"R": [5, 1], "F": [5, 1], "M": [5, 1]}, npartitions=2)
    >>> cvd.rfm_segments(scores).compute().tolist()
    ['high value', 'low value']
    """
    return _scores.rfm_segments(scores, **options)


@same_options(_commission_api.commission, dd.DataFrame)
def commission(lines: dd.DataFrame, **options: Any) -> CommissionFrames:
    """Sales commission of a Dask frame of sales lines: lines, credits and statements.

    The Dask counterpart of :func:`custvalue.commission.commission` (same
    arguments; the same lines, credits and statements, money exact).

    Parameters
    ----------
    lines : dask.dataframe.DataFrame
        One row per sales line, in any partitioning.
    plan, salesperson_col, amount_col, cost_col, margin_col, basis, tier_by, products, \
product_col, price_col, product_cost_col, mode, date_col, freq, caps, floors, splits, \
split_line_col, split_salesperson_col, split_share_col, line_id_col, reference_col, \
negative_margin, currency_col, currency_decimals, rounding, amount_units
        As in :func:`custvalue.commission.commission`; ``products`` and
        ``splits`` are pandas DataFrames (read in memory).

    Returns
    -------
    CommissionFrames
        Lazy ``lines``, ``statements`` and ``credits`` frames: the in-memory
        ``CommissionResult`` frames split over partitions (a salesperson's
        statements in one partition).  ``lines.compute()`` reindexed like the
        input, and ``statements.compute()`` sorted by salesperson and period
        with a fresh index, are the in-memory frames.  Compute them together
        (``dask.compute(...)``) to run the commission once.

    Raises
    ------
    InputTypeError
        If ``lines`` is not a Dask DataFrame, ``plan`` not a plan, ``splits``
        not a pandas DataFrame, or as in memory.
    InputValueError
        As :func:`custvalue.commission.commission`; repeated line ids (when
        ``splits`` or ``reference_col`` use them), ``splits`` rows naming no
        line and several currencies are found by this call, problems inside
        a salesperson's lines by ``compute()``.

    Notes
    -----
    A statement needs all lines credited to its salesperson, a split line
    all the salespeople it credits, a linked return its sale.  The lines are
    therefore shuffled (Dask's shuffle) by a group: the salesperson, or one
    representative for salespeople sharing split lines; a return linked by
    ``reference_col`` first meets its sale in a shuffle by the sale's id and
    takes its group.  Each line carries its position in the input, so every
    partition runs the in-memory function on its lines in input order (the
    order ``mode="graduated"`` uses for lines of the same date).  Money is
    in integer minor units throughout, so nothing depends on the
    partitioning.  One pass counts the lines per partition, one checks what
    spans partitions (unique line ids, the ``splits`` lines, one currency).

    Examples
    --------
    >>> from dask.dataframe import from_dict
    >>> from custvalue import dask as cvd
    >>> from custvalue.commission import CommissionPlan
    >>> plan = CommissionPlan([(None, None, ["2%", "3%"])], brackets=[0, 1000])
    >>> lines = from_dict({"salesperson": ["ann", "bob", "ann"], "amount": [600.0, 999.99, 400.0],
    ...                    "cost": [0.0, 0.0, 0.0]}, npartitions=2)
    >>> res = cvd.commission(lines, plan, cost_col="cost", mode="retroactive")
    >>> statements = res.statements.compute().sort_values("salesperson", ignore_index=True)
    >>> statements[["salesperson", "basis", "bracket", "commission"]]
      salesperson    basis  bracket  commission
    0         ann  1000.00        1       30.00
    1         bob   999.99        0       20.00
    """
    return _commission.commission(lines, **options)


@same_options(loyalty.loyalty_score, dd.DataFrame)
def loyalty_score(summary: dd.DataFrame, **options: Any) -> LoyaltyFrames:
    """Loyalty score of every customer of a Dask summary, ranked among all customers.

    The Dask counterpart of :func:`custvalue.loyalty.loyalty_score`, every
    component included: the same measures, percentile ranks, contributions
    and scores.

    Parameters
    ----------
    summary : dask.dataframe.DataFrame
        One row per customer with ``frequency``, ``recency`` and ``T`` (e.g.
        :func:`rfm_summary`'s output), a unique index.
    weights
        As in :func:`custvalue.loyalty.loyalty_score`.
    p_alive, satisfaction, spend_trend : dask.dataframe.Series or pandas.Series, optional
        One value per customer, indexed by customer like ``summary`` (any
        partitioning and order; values cannot be matched by position on
        Dask, so arrays and lists are refused).  The values and their
        missing values as in memory, e.g. ``probability_alive(model, summary)``.
    regularity : dask.dataframe.DataFrame or pandas.DataFrame, optional
        The columns of :func:`custvalue.loyalty.purchase_regularity`
        (``cv_interval``, and ``spend_trend`` when computed with
        ``amount_col``) indexed by customer.  There is no Dask
        ``purchase_regularity``: with each customer's lines in one partition
        (``log.shuffle(customer_col)``) it runs per partition, with the
        ``observation_end`` of the summary given explicitly::

            log.shuffle("customer_id").map_partitions(
                purchase_regularity, observation_end=end, meta=...)

    Returns
    -------
    LoyaltyFrames
        Lazy ``score``, ``components``, ``contributions`` and ``measures`` on
        the summary's index and partitions, and the ``weights``.

    Raises
    ------
    InputValueError
        If the summary is empty, its index repeats a customer, or an input
        does not hold each customer of the summary exactly once (found by
        this call), or as in memory (invalid weights by this call; invalid
        rows and input values by ``compute()``).
    InputTypeError
        If an input is not a Series (a DataFrame for ``regularity``) of
        Dask or pandas, or as in memory.
    MissingColumnError
        As in memory (``regularity`` without ``cv_interval`` included).

    Notes
    -----
    A percentile rank counts the customers worse than and equal to each one
    among *all* customers, and the recency measure needs the median rhythm
    of all repeat customers, so neither is computed per partition.  The
    median and ``4 * npartitions - 1`` *splitters* per measure are exact
    order statistics (a few passes with no global sort, no shuffle); one
    pass counts the values below and at each splitter.  A customer whose
    value is a splitter is ranked from those counts (large ties, such as all
    customers with ``frequency`` 0, are splitters and never move); the
    others are shuffled by the interval between two splitters (each holds
    about ``n / (4 * npartitions)`` customers), ranked inside it and sent
    back to their partition.  The ranks are counts, so they and the score
    (the in-memory weighted mean) are the in-memory numbers exactly.  The
    measures are persisted while the splitters are found.

    The other inputs reach the summary's partitions by a hash join on the
    customer (each input row takes the partition number of its customer,
    one shuffle; the divisions need not be known) and a shuffle to those
    partition numbers; one pass checks that every input holds each customer
    once.  Their measures are then those of the in-memory function on each
    partition, ranked like the others.

    Examples
    --------
    >>> from dask.dataframe import from_pandas
    >>> import pandas as pd
    >>> from custvalue import dask as cvd
    >>> summary = from_pandas(pd.DataFrame(
    ...     {"frequency": [4, 1, 0], "recency": [40.0, 10.0, 0.0], "T": [50.0, 40.0, 5.0]},
    ...     index=pd.Index(["a", "b", "c"], name="customer_id")), npartitions=2)
    >>> result = cvd.loyalty_score(summary)
    >>> result.score.compute().sort_index().round(2).tolist()
    [75.0, 25.0, 50.0]
    >>> satisfaction = pd.Series([5.0, None, 3.0], index=["c", "b", "a"])  # b did not answer
    >>> cvd.loyalty_score(summary, satisfaction=satisfaction).score.compute().sort_index().round(2)
    customer_id
    a    64.29
    b    25.00
    c    57.14
    Name: loyalty_score, dtype: float64
    """
    return _loyalty.loyalty_score(summary, **options)
