"""Customer lifetime value: buy-till-you-die models, spend model, discounted CLV.

Transaction models (how many purchases, is the customer still alive):

- :class:`BetaGeoModel` — BG/NBD (Fader, Hardie & Lee 2005);
- :class:`ModifiedBetaGeoModel` — MBG/NBD (Batislam, Denizel & Filiztekin 2007);
- :class:`ParetoNBDModel` — Pareto/NBD (Schmittlein, Morrison & Colombo 1987);
- :class:`BetaGeoBetaBinomModel` — BG/BB for discrete purchase opportunities
  (Fader, Hardie & Shang 2010).

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

from custvalue._clv.bgbb import BetaGeoBetaBinomModel, BetaGeoBetaBinomParams
from custvalue._clv.bgnbd import (
    BetaGeoModel,
    BetaGeoParams,
    ModifiedBetaGeoModel,
    ModifiedBetaGeoParams,
)
from custvalue._clv.gamma_gamma import GammaGammaModel, GammaGammaParams
from custvalue._clv.pareto_nbd import ParetoNBDModel, ParetoNBDParams
from custvalue._clv.sbg import ShiftedBetaGeoModel, ShiftedBetaGeoParams
from custvalue._clv.value import (
    SpendModel,
    TransactionModel,
    acquisition_value,
    customer_lifetime_value,
)

__all__ = [
    "BetaGeoBetaBinomModel",
    "BetaGeoBetaBinomParams",
    "BetaGeoModel",
    "BetaGeoParams",
    "GammaGammaModel",
    "GammaGammaParams",
    "ModifiedBetaGeoModel",
    "ModifiedBetaGeoParams",
    "ParetoNBDModel",
    "ParetoNBDParams",
    "ShiftedBetaGeoModel",
    "ShiftedBetaGeoParams",
    "SpendModel",
    "TransactionModel",
    "acquisition_value",
    "customer_lifetime_value",
]
