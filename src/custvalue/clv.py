"""Customer lifetime value: buy-till-you-die models, spend model, discounted CLV.

Transaction models (how many purchases, is the customer still alive):

- :class:`BetaGeoModel` — BG/NBD (Fader, Hardie & Lee 2005);
- :class:`ModifiedBetaGeoModel` — MBG/NBD (Batislam, Denizel & Filiztekin 2007);
- :class:`ParetoNBDModel` — Pareto/NBD (Schmittlein, Morrison & Colombo 1987);
- :class:`BetaGeoBetaBinomModel` — BG/BB for discrete purchase opportunities
  (Fader, Hardie & Shang 2010);
- :class:`BetaGeoCNBDModel`, :class:`ModifiedBetaGeoCNBDModel` — (M)BG/CNBD-k,
  Erlang-k inter-purchase times (Platzer & Reutterer 2016), fitted on the
  output of :func:`cnbd_summary`;
- :class:`GGompertzNBDModel` — GGompertz/NBD, Gompertz lifetimes
  (Bemmaor & Glady 2012).

Spend and retention models:

- :class:`GammaGammaModel` — spend per transaction (Fader, Hardie & Lee 2005b);
- :class:`ShiftedBetaGeoModel` — sBG contractual cohort retention
  (Fader & Hardie 2007).

Every model follows one pattern: ``Model().fit(...)`` (with ``max_iter`` and
``tol``; the ``_cal`` columns of a calibration split are understood) returns
the model with ``params_`` (a frozen dataclass named as in the paper),
``log_likelihood_``, ``standard_errors_``, ``converged_`` (False, with a
:class:`~custvalue.errors.ConvergenceWarning`, when the search stopped on
``max_iter``) and ``summary()``; ``individual_log_likelihood`` gives the
per-customer summands and ``simulate`` a DataFrame that ``fit`` takes.

Every prediction follows one convention: scalar inputs give a float;
array-likes broadcast by numpy's rules and give an array; Series give a Series
on their index; ``data=`` (a frame with the model's columns) gives a Series on
``data.index``.

Examples
--------
>>> from custvalue.clv import BetaGeoModel, BetaGeoParams
>>> model = BetaGeoModel.from_params(BetaGeoParams(r=0.243, alpha=4.414, a=0.793, b=2.426))
>>> round(model.probability_alive(2, 30.43, 38.86), 3)
0.727
"""

from __future__ import annotations

import pandas as pd

from custvalue._clv import parts as _parts
from custvalue._clv.bgbb import BetaGeoBetaBinomModel
from custvalue._clv.bgbb import BetaGeoBetaBinomParams
from custvalue._clv.bgnbd import BetaGeoModel
from custvalue._clv.bgnbd import BetaGeoParams
from custvalue._clv.bgnbd import ModifiedBetaGeoModel
from custvalue._clv.bgnbd import ModifiedBetaGeoParams
from custvalue._clv.cnbd import BetaGeoCNBDModel
from custvalue._clv.cnbd import BetaGeoCNBDParams
from custvalue._clv.cnbd import ModifiedBetaGeoCNBDModel
from custvalue._clv.cnbd import ModifiedBetaGeoCNBDParams
from custvalue._clv.cnbd import log_interpurchase_summary
from custvalue._clv.gamma_gamma import GammaGammaModel
from custvalue._clv.gamma_gamma import GammaGammaParams
from custvalue._clv.ggompertz import GGompertzNBDModel
from custvalue._clv.ggompertz import GGompertzNBDParams
from custvalue._clv.pareto_nbd import ParetoNBDModel
from custvalue._clv.pareto_nbd import ParetoNBDParams
from custvalue._clv.sbg import ShiftedBetaGeoModel
from custvalue._clv.sbg import ShiftedBetaGeoParams
from custvalue._clv.value import SpendModel
from custvalue._clv.value import TransactionModel
from custvalue._clv.value import acquisition_value
from custvalue._clv.value import customer_lifetime_value

__all__ = [
    "BetaGeoBetaBinomModel",
    "BetaGeoBetaBinomParams",
    "BetaGeoCNBDModel",
    "BetaGeoCNBDParams",
    "BetaGeoModel",
    "BetaGeoParams",
    "GGompertzNBDModel",
    "GGompertzNBDParams",
    "GammaGammaModel",
    "GammaGammaParams",
    "ModifiedBetaGeoCNBDModel",
    "ModifiedBetaGeoCNBDParams",
    "ModifiedBetaGeoModel",
    "ModifiedBetaGeoParams",
    "ParetoNBDModel",
    "ParetoNBDParams",
    "ShiftedBetaGeoModel",
    "ShiftedBetaGeoParams",
    "SpendModel",
    "TransactionModel",
    "acquisition_value",
    "cnbd_summary",
    "customer_lifetime_value",
    # the parts of customer value
    "customer_value_parts",
]


# --- the three parts of customer value ----------------------------------------------
def customer_value_parts(
    transaction_model: TransactionModel,
    spend_model: SpendModel,
    data: pd.DataFrame | None = None,
    *,
    historical: object,
    horizon: int,
    discount_rate: float,
    group: object = None,
    quantile: float = 0.75,
    margin: float = 1.0,
    step: float = 1.0,
    historical_rate: float = 0.0,
    historical_periods: object = 0.0,
    frequency: object = None,
    recency: object = None,
    T: object = None,
    monetary_value: object = None,
) -> pd.DataFrame:
    r"""Historical, current and potential value of each customer, each its own column.

    - **historical** :math:`H_i`: the profit the customer has already brought,
      given as ``historical`` (e.g. the per-customer sum of
      :func:`custvalue.tiers.profit_contribution`'s ``profit``), compounded to
      today as :math:`H_i (1 + \rho)^{k_i}` with ``historical_rate``
      :math:`\rho` and ``historical_periods`` :math:`k_i` (default no compounding);
    - **current** :math:`C_i`: the discounted CLV if the customer goes on as
      now, :func:`customer_lifetime_value` with the same ``horizon``,
      ``discount_rate``, ``margin`` and ``step``:
      :math:`C_i = D_i\,E[Z_i]\,\mathrm{margin}`, :math:`D_i` the discounted
      expected purchases and :math:`E[Z_i]` the expected spend;
    - **potential** :math:`P_i`: the upside if the customer rose to the
      purchase rate and spend of the better customers of its group,

      .. math::

          P_i = \max\Big(0,\; P_A(i)\,Q_q\Big[\frac{D_j}{P_A(j)}\Big]_{j \in g(i)}
                \,Q_q\big[E[Z_j]\big]_{j \in g(i)}\,\mathrm{margin} - C_i\Big),

      :math:`P_A` the probability of being alive, :math:`Q_q` the
      ``quantile`` :math:`q` within the customer's group :math:`g(i)`
      (``group``, e.g. the RFM segment or ABC class; all customers one group
      by default) and :math:`D_j / P_A(j)` the discounted purchases of
      customer :math:`j` if alive.

    ``total`` is their sum.

    Parameters
    ----------
    transaction_model, spend_model
        Fitted models as for :func:`customer_lifetime_value`; the transaction
        model must also offer ``probability_alive(frequency, recency, T)``.
    data : pandas.DataFrame, optional
        One row per customer with ``frequency``, ``recency``, ``T`` (or
        ``n_periods``) and ``monetary_value``; the result is on its index.
    historical : pandas.Series or array-like
        Profit already brought per customer (a Series must cover every customer
        of ``data``; it is aligned on ``data.index``).
    horizon, discount_rate, margin, step
        As for :func:`customer_lifetime_value`.
    group : pandas.Series or array-like, optional
        Group label per customer (aligned like ``historical``).
    quantile : float, default 0.75
        The level :math:`q` in [0, 1] that defines the "better customers".
    historical_rate : float, default 0.0
        Rate per period at which past profit is compounded to today.
    historical_periods : float or array-like, default 0.0
        Periods between the (mean) date of the past profit and today.
    frequency, recency, T, monetary_value : array-like, optional
        Per-customer inputs overriding the columns of ``data``.

    Returns
    -------
    pandas.DataFrame
        Columns ``historical``, ``current``, ``potential``, ``total`` on the
        index of ``data`` (or of the Series inputs).

    Raises
    ------
    InputValueError
        For a ``historical`` or ``group`` that misses customers, bad rates or
        quantiles, and the errors of :func:`customer_lifetime_value`.
    InputTypeError
        If a model lacks a needed method.

    Notes
    -----
    Assumptions: the customer's probability of being alive is kept (potential
    is an upside of engagement, not of retention); frequency and spend are
    raised to their group quantiles separately (the transaction and spend
    models are independent); a customer at or above the quantile in both has
    potential 0; historical value is taken as given (no model).  This follows
    the historical + current + potential decomposition of customer value of
    Gupta & Lehmann (2005) and Kumar (2008), with potential defined against
    peers of the same segment.

    References
    ----------
    Gupta, S. & Lehmann, D. R. (2005). *Managing Customers as Investments*.
    Wharton School Publishing.
    Kumar, V. (2008). *Managing Customers for Profit*. Wharton School Publishing.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.clv import (BetaGeoModel, BetaGeoParams, GammaGammaModel,
    ...     GammaGammaParams, customer_value_parts)
    >>> bg = BetaGeoModel.from_params(BetaGeoParams(0.243, 4.414, 0.793, 2.426))
    >>> gg = GammaGammaModel.from_params(GammaGammaParams(6.25, 3.74, 15.44))
    >>> rfm = pd.DataFrame({"frequency": [2, 7, 1], "recency": [30.0, 35.0, 10.0],
    ...                     "T": [38.0, 38.0, 38.0], "monetary_value": [20.0, 40.0, 15.0]},
    ...                    index=pd.Index(["ann", "bob", "cid"], name="customer"))
    >>> past = pd.Series({"ann": 50.0, "bob": 300.0, "cid": 12.0})
    >>> parts = customer_value_parts(bg, gg, rfm, historical=past, horizon=12,
    ...                              discount_rate=0.01, step=4.0, quantile=1.0)
    >>> parts.round(2)
              historical  current  potential   total
    customer
    ann             50.0    31.92     138.68  220.60
    bob            300.0   201.45       0.00  501.45
    cid             12.0    10.31      93.55  115.86
    >>> float(parts.loc["bob", "potential"])
    0.0
    """
    return _parts.customer_value_parts(
        transaction_model,
        spend_model,
        data,
        historical=historical,
        horizon=horizon,
        discount_rate=discount_rate,
        group=group,
        quantile=quantile,
        margin=margin,
        step=step,
        historical_rate=historical_rate,
        historical_periods=historical_periods,
        frequency=frequency,
        recency=recency,
        T=T,
        monetary_value=monetary_value,
    )


def cnbd_summary(
    transactions: pd.DataFrame,
    *,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str | None = None,
    observation_end: object = None,
    freq: str | None = None,
    returns: str = "error",
    date_format: str | None = None,
    time_unit: float = 1.0,
) -> pd.DataFrame:
    r"""Summarise a log for the (M)BG/CNBD-k: :func:`custvalue.rfm.rfm_summary` plus ``litt``.

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per transaction.
    customer_col, date_col, amount_col, observation_end, freq, returns, date_format, time_unit
        As in :func:`custvalue.rfm.rfm_summary` (same defaults, same checks).

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`custvalue.rfm.rfm_summary` and ``litt``
        (float): :math:`\sum_{j=1}^{x} \log(t_j - t_{j-1})`, the sum of the
        logarithms of the times between the customer's successive distinct
        purchase periods, in the output time unit (0 without repeat purchase).

    Raises
    ------
    InputValueError, InputTypeError, MissingColumnError
        As :func:`custvalue.rfm.rfm_summary`.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.clv import cnbd_summary
    >>> log = pd.DataFrame({
    ...     "customer_id": ["a", "a", "a", "b"],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-07", "2024-01-02"]),
    ... })
    >>> cnbd_summary(log, observation_end="2024-01-10")[["frequency", "recency", "T", "litt"]]
                 frequency  recency     T      litt
    customer_id
    a                    2      6.0   9.0  2.079442
    b                    0      0.0   8.0  0.000000
    """
    return log_interpurchase_summary(
        transactions,
        customer_col=customer_col,
        date_col=date_col,
        amount_col=amount_col,
        observation_end=observation_end,
        freq=freq,
        returns=returns,
        date_format=date_format,
        time_unit=time_unit,
    )
