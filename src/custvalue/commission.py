"""Sales commission by product margin, exact to the minor unit.

A :class:`CommissionPlan` is data: margin-rate tiers (each with a commission
rate) and optional volume brackets (accelerators).  :func:`commission` prices
every sales line, splits it between salespeople, aggregates statements per
salesperson and period, applies caps and floors, and returns a
:class:`CommissionResult` whose numbers reconcile to the cent.
:func:`product_margin_tiers` gives the tier of each product for a price list.

Money rules
-----------
* All amounts are integer minor units (``currency_decimals``, default 2).
  Float amounts are read through their shortest ``repr`` and rounded once, at
  the boundary, with the rounding rule; ``Decimal`` and integers are exact.
* A commission is ``basis * rate`` computed exactly (rates are exact fractions
  with at most 9 decimals) and rounded once per line with the one rounding rule
  (``"half_even"`` by default, ``"half_up"`` available).
* Statement totals are sums of rounded line credits, so a statement always
  equals the sum of its lines; caps and floors appear as a separate
  ``adjustment_minor`` column.

Examples
--------
>>> import pandas as pd
>>> from custvalue.commission import CommissionPlan, Tier, commission
>>> plan = CommissionPlan([Tier(None, "20%", "2%"), Tier("20%", None, "5%")])
>>> lines = pd.DataFrame({"salesperson": ["ann", "ann", "bob"],
...                       "amount": [100.0, 50.0, 80.0], "cost": [90.0, 30.0, 40.0]})
>>> res = commission(lines, plan, cost_col="cost")
>>> res.lines[["tier", "basis", "rate", "commission"]]
   tier  basis  rate commission
0     0  10.00  0.02       0.20
1     1  20.00  0.05       1.00
2     1  40.00  0.05       2.00
>>> res.statements[["salesperson", "basis", "commission"]]
  salesperson  basis commission
0         ann  30.00       1.20
1         bob  40.00       2.00
"""

from __future__ import annotations

from collections.abc import Hashable
from collections.abc import Mapping
from decimal import Decimal
from typing import Literal

import numpy as np
import pandas as pd

from custvalue._commission.lines import product_table
from custvalue._commission.pipeline import run
from custvalue._commission.plan import CommissionPlan
from custvalue._commission.plan import Tier
from custvalue._commission.rates import RATE_SCALE
from custvalue._commission.rates import MoneyLike
from custvalue._commission.rates import bps
from custvalue._commission.rates import parse_rate
from custvalue._commission.result import CommissionResult
from custvalue._commission.result import Reconciliation
from custvalue._core.money import check_decimals
from custvalue._core.money import rounding_code
from custvalue._core.validation import check_choice
from custvalue.errors import InputTypeError

__all__ = [
    "RATE_SCALE",
    "CommissionPlan",
    "CommissionResult",
    "Reconciliation",
    "Tier",
    "bps",
    "commission",
    "parse_rate",
    "product_margin_tiers",
]

Mode = Literal["per_line", "graduated", "retroactive"]

for _obj in (CommissionPlan, CommissionResult, Reconciliation, Tier, bps, parse_rate):
    _obj.__module__ = __name__
del _obj


def product_margin_tiers(
    products: pd.DataFrame,
    plan: CommissionPlan,
    *,
    product_col: str = "product",
    price_col: str = "price",
    cost_col: str = "cost",
    currency_decimals: int = 2,
    rounding: Literal["half_even", "half_up"] = "half_even",
    amount_units: Literal["major", "minor"] = "major",
) -> pd.DataFrame:
    """Return the margin tier of each product, for the sales team's price list.

    Parameters
    ----------
    products : pandas.DataFrame
        One row per product: id, list price and unit cost.
    plan : CommissionPlan
        The plan whose tiers are looked up.
    product_col, price_col, cost_col : str
        Column names.
    currency_decimals : int
        Decimals of the currency (prices and costs are rounded to them first).
    rounding : {"half_even", "half_up"}
        Rounding rule for float prices with more decimals than the currency.
    amount_units : {"major", "minor"}
        Whether prices and costs are in currency units or whole minor units.

    Returns
    -------
    pandas.DataFrame
        On the products' index: ``product``, ``margin_rate`` (float, display),
        ``tier`` (-1 = below the first tier), ``tier_name``, ``rate`` (the
        tier's first-bracket rate, ``Decimal``; 0 below plan).

    Raises
    ------
    MissingColumnError
        A column is absent.
    InputValueError
        Duplicate or missing product ids, NaN prices or costs, a cost without
        a positive price, a negative cost.

    Notes
    -----
    The margin rate is ``(price - cost) / price`` on the prices rounded to
    minor units; the tier comparison is exact (no float error at a bound).

    Examples
    --------
    >>> import pandas as pd
    >>> plan = CommissionPlan([("0%", "20%", "2%"), ("20%", "35%", "5%"),
    ...                        ("35%", None, "8%")])
    >>> products = pd.DataFrame({"product": ["A", "B", "C", "D"],
    ...                          "price": [10.0, 10.0, 10.0, 10.0],
    ...                          "cost": [9.0, 8.0, 6.5, 11.0]})
    >>> product_margin_tiers(products, plan)[["product", "tier", "tier_name", "rate"]]
      product  tier   tier_name  rate
    0       A     0   [0%, 20%)  0.02
    1       B     1  [20%, 35%)  0.05
    2       C     2   [35%, inf)  0.08
    3       D    -1                 0
    """
    if not isinstance(plan, CommissionPlan):
        raise InputTypeError(f"`plan` must be a CommissionPlan, got {type(plan).__name__}.")
    decimals = check_decimals(currency_decimals)
    mode = rounding_code(rounding)
    check_choice(amount_units, "amount_units", ("major", "minor"))
    df, price, margin, tier = product_table(
        products, plan, product_col, price_col, cost_col, decimals, mode, amount_units
    )
    names = np.asarray((*plan.tier_names, ""), dtype=object)
    rates = [plan.tiers[t].rate if t >= 0 else Decimal(0) for t in tier.tolist()]
    return pd.DataFrame(
        {
            "product": df[product_col].to_numpy(),
            "margin_rate": margin / price,
            "tier": tier,
            "tier_name": names[tier],
            "rate": rates,
        },
        index=df.index,
    )


def commission(
    lines: pd.DataFrame,
    plan: CommissionPlan,
    *,
    salesperson_col: str = "salesperson",
    amount_col: str = "amount",
    cost_col: str | None = None,
    margin_col: str | None = None,
    basis: Literal["margin", "revenue"] = "margin",
    tier_by: Literal["line", "product"] = "line",
    products: pd.DataFrame | None = None,
    product_col: str = "product",
    price_col: str = "price",
    product_cost_col: str = "cost",
    mode: Mode = "per_line",
    date_col: str | None = None,
    freq: Literal["M", "Q", "Y"] | None = None,
    caps: MoneyLike | Mapping[Hashable, MoneyLike] | pd.Series | None = None,
    floors: MoneyLike | Mapping[Hashable, MoneyLike] | pd.Series | None = None,
    splits: pd.DataFrame | None = None,
    split_line_col: str = "line",
    split_salesperson_col: str | None = None,
    split_share_col: str = "share",
    line_id_col: str | None = None,
    reference_col: str | None = None,
    negative_margin: Literal["zero", "as_plan"] = "zero",
    currency_col: str | None = None,
    currency_decimals: int = 2,
    rounding: Literal["half_even", "half_up"] = "half_even",
    amount_units: Literal["major", "minor"] = "major",
) -> CommissionResult:
    """Compute sales commissions by margin tier, exactly, with statements per period.

    Parameters
    ----------
    lines : pandas.DataFrame
        One row per sales line (invoice line, credit-note line ...).
    plan : CommissionPlan
        Margin tiers and optional volume brackets.
    salesperson_col : str
        Salesperson of each line (no missing values, except on lines that
        ``splits`` credits).
    amount_col : str
        Revenue of the line (negative for returns and credit notes).
    cost_col, margin_col : str, optional
        Cost of the line, or its margin (``revenue - cost``); at most one.
        Needed for ``basis="margin"`` and ``tier_by="line"``.  A cost has the
        sign of its revenue (negative on returns).
    basis : {"margin", "revenue"}
        The amount the rate is paid on: gross margin or revenue.
    tier_by : {"line", "product"}
        Tier each line by its own margin rate, or by its product's list margin
        rate from ``products``.
    products : pandas.DataFrame, optional
        Required with ``tier_by="product"``: ``product_col``, ``price_col``,
        ``product_cost_col`` (see :func:`product_margin_tiers`).  ``lines``
        must then have ``product_col`` too.
    mode : {"per_line", "graduated", "retroactive"}
        How volume brackets apply (see Notes).
    date_col : str, optional
        Line dates (datetime dtype); required with ``freq`` and used to order
        lines for ``"graduated"`` mode and partial returns.
    freq : {"M", "Q", "Y"} or None
        Statement period (calendar month, quarter, year of the date's wall
        time, like ``Series.dt.to_period``); None = one period for all lines.
        Multiples such as ``"2M"`` are refused (a statement covers one
        calendar period).
    caps, floors : amount, mapping or Series, optional
        Maximum / minimum payable commission per salesperson per period, in
        major units: one amount for everyone, or per salesperson label
        (salespeople absent from the mapping have none; extra labels are
        ignored).  Amounts must be exact in the currency.
    splits : pandas.DataFrame, optional
        Lines credited to several salespeople: ``split_line_col`` (the line
        id), ``split_salesperson_col`` (default ``salesperson_col``) and
        ``split_share_col`` (fraction or percentage, read like rates).  The
        shares of a line must sum to exactly 100 %.
    line_id_col : str, optional
        Line ids for ``splits`` and ``reference_col``; default: the index.
    reference_col : str, optional
        On a negative line, the id of the sale it returns (missing on sales).
    negative_margin : {"zero", "as_plan"}
        Lines with a negative margin rate: ``"zero"`` pays nothing (default),
        ``"as_plan"`` treats them like any line (the plan may give negative
        margin rates a tier; with ``basis="margin"`` that charges pay).
    currency_col : str, optional
        Currency of each line; all lines must have the same one.
    currency_decimals : int
        Minor-unit decimals of the currency (2 for cents, 0 for yen).
    rounding : {"half_even", "half_up"}
        The one rounding rule, used for float amounts and for each line's
        commission.
    amount_units : {"major", "minor"}
        Amount and cost columns in currency units (default) or whole minor
        units.

    Returns
    -------
    CommissionResult
        ``.statements``, ``.lines``, ``.credits``, ``.reconcile()``.

    Raises
    ------
    MissingColumnError
        A named column is absent from ``lines``, ``products`` or ``splits``.
    InputTypeError
        Wrong argument types (e.g. a list as a column name), non-numeric
        amounts, non-datetime dates.
    InputValueError
        NaN or missing amounts/salespeople/dates, an unknown product, a cost
        without a price (zero revenue with a cost), a cost of the wrong sign,
        split shares not summing to 100 %, an unknown split line, mixed
        currencies, a reference to an unknown line or to a non-sale, a return
        of more than was sold or dated before its sale, amounts beyond
        10**15 minor units, a total basis beyond the int64 range, a ``freq``
        other than "M", "Q", "Y" or None.

    Notes
    -----
    **Margin rate and tier.**  margin rate = ``(revenue - cost) / revenue``,
    on the amounts in minor units, compared exactly with the tier bounds
    (lower inclusive, upper exclusive).  Below the first tier: no commission
    (kind ``"below_plan"``).

    **Basis.**  ``margin`` or ``revenue`` of the line.  With
    ``negative_margin="zero"`` a line with a negative margin rate (a sale below
    cost, or the return of one) has basis 0 and commission 0 (kind
    ``"negative_margin"``); pay is never negative except through returns.

    **Modes.**  Let ``rate[tier, k]`` be the tier's rate in volume bracket
    ``k``, and the *volume* of a salesperson in a period the sum of its credited
    basis (returns included, reducing it; below-plan lines count, zeroed
    negative-margin lines add 0).

    * ``"per_line"``: every line pays ``basis * rate[tier, 0]`` rounded once.
    * ``"graduated"``: credits are taken in date order (then input order); each
      moves the running volume from ``V`` to ``V + basis``, and each part of
      that interval lying in bracket ``k`` is paid at ``rate[tier, k]``; the
      line's sum is rounded once.  A negative line comes off the top brackets.
    * ``"retroactive"``: the bracket of the period's total volume (its lower
      bound inclusive) applies to every credit of the period: reaching a
      bracket edge raises the rate of the whole period (a cliff).

    **Splits.**  In ``"per_line"`` mode the line's commission (and basis) is
    split by largest remainder over the shares, so credits sum exactly to the
    line; ties go to the salesperson listed first.  In the volume modes the
    basis is split the same way and each share is priced in its salesperson's
    own volume; the line's commission is the sum of its credits.

    **Returns.**  A negative line whose ``reference_col`` names a sale is a
    *reversal*: it is charged to the salespeople credited with that sale, in
    the return's period, at the original sale's rate: with ``f`` the
    cumulative returned fraction of the sale's revenue, each credit reverses
    ``round(original_credit * f) - already_reversed`` (basis likewise), so
    returning a sale in full, at once or in parts, restores the earlier total
    exactly.  The return's own cost, salesperson and tier are not used.  A
    negative line without a link (the fallback) is priced like a sale with
    negative basis, at its own tier, in its own period and mode.  In the
    ``returns=`` vocabulary of the log readers, commission always nets
    (``"net"``): returns reduce pay, they are neither refused nor dropped;
    filter negative lines out first to ignore them.

    **Rounding.**  Once per credit (``half_even``: ties to even; ``half_up``:
    ties away from zero).  Statement amounts are exact sums of credits.
    Caps and floors apply to each statement's net commission; a floor applies
    only to statements that exist (the salesperson has lines in the period).

    Examples
    --------
    A retroactive plan: 2 % up to 1,000 of margin, 3 % on all of it from 1,000.

    >>> import pandas as pd
    >>> plan = CommissionPlan([(None, None, ["2%", "3%"])], brackets=[0, 1000])
    >>> lines = pd.DataFrame({"salesperson": ["ann", "ann", "bob"],
    ...                       "amount": [600.0, 400.0, 999.99], "cost": [0.0, 0.0, 0.0]})
    >>> res = commission(lines, plan, cost_col="cost", mode="retroactive")
    >>> res.statements[["salesperson", "basis", "bracket", "commission"]]
      salesperson   basis  bracket commission
    0         ann 1000.00        1      30.00
    1         bob  999.99        0      20.00
    >>> res.reconcile().ok
    True
    """
    return run(
        lines,
        plan,
        {
            "salesperson_col": salesperson_col,
            "amount_col": amount_col,
            "cost_col": cost_col,
            "margin_col": margin_col,
            "basis": basis,
            "tier_by": tier_by,
            "products": products,
            "product_col": product_col,
            "price_col": price_col,
            "product_cost_col": product_cost_col,
            "mode": mode,
            "date_col": date_col,
            "freq": freq,
            "caps": caps,
            "floors": floors,
            "splits": splits,
            "split_line_col": split_line_col,
            "split_salesperson_col": split_salesperson_col,
            "split_share_col": split_share_col,
            "line_id_col": line_id_col,
            "reference_col": reference_col,
            "negative_margin": negative_margin,
            "currency_col": currency_col,
            "currency_decimals": currency_decimals,
            "rounding": rounding,
            "amount_units": amount_units,
        },
    )
