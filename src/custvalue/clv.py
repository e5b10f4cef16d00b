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

from typing import Any

import pandas as pd

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
from custvalue._clv.parts import customer_value_parts
from custvalue._clv.sbg import ShiftedBetaGeoModel
from custvalue._clv.sbg import ShiftedBetaGeoParams
from custvalue._clv.value import SpendModel
from custvalue._clv.value import TransactionModel
from custvalue._clv.value import acquisition_value
from custvalue._clv.value import customer_lifetime_value
from custvalue._core.signatures import same_options
from custvalue.rfm import rfm_summary

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


@same_options(rfm_summary, pd.DataFrame)
def cnbd_summary(transactions: pd.DataFrame, **options: Any) -> pd.DataFrame:
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
    Purchases of ``a`` at times 0, 2 and 6 (gaps 2 and 4, :math:`\log 2 + \log 4`):

    >>> import pandas as pd
    >>> from custvalue.clv import cnbd_summary
    >>> log = pd.DataFrame({"customer_id": list("aaab"), "date": [0.0, 2.0, 6.0, 1.0]})
    >>> cnbd_summary(log, observation_end=9.0)[["frequency", "recency", "T", "litt"]]
                 frequency  recency    T      litt
    customer_id
    a                    2      6.0  9.0  2.079442
    b                    0      0.0  8.0  0.000000
    """
    return log_interpurchase_summary(transactions, **options)
