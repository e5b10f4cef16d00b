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

from custvalue._loyalty.nps import NPSResult
from custvalue._loyalty.nps import nps
from custvalue._loyalty.points import points_balance
from custvalue._loyalty.programme import TierResult
from custvalue._loyalty.programme import program_tiers
from custvalue._loyalty.regularity import purchase_regularity
from custvalue._loyalty.score import COMPONENTS
from custvalue._loyalty.score import DEFAULT_WEIGHTS
from custvalue._loyalty.score import LoyaltyScore
from custvalue._loyalty.score import loyalty_score

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
