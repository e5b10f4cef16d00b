"""Value tiers: grade customers by what they contribute.

A big customer is not always a valuable one.  This module grades customers by
their contribution (revenue or, better, profit) and by their relationship with
the business:

- :func:`abc_classes` — classic ABC classes by cumulative share of value (or
  by rank), with an explicit policy for negative contributions;
- :func:`abc_computed` — the computed ABC analysis of Ultsch & Lötsch (2015),
  which derives the class limits from the shape of the ABC curve;
- :func:`abc_two_criteria` — two-criteria ABC (e.g. revenue class × profit
  class, ``"AB"``);
- :func:`profit_contribution` — revenue, profit, margin, share of the
  period's profit and change against the previous period, per customer (and
  product) and period;
- :func:`grade_by_profit` — grades from one period's profit contribution;
- :func:`weighted_score` — a tie-safe percentile score from weighted factors;
- :func:`value_grid` — grades from a two-dimensional matrix with override
  rules;
- :func:`relationship_classes` — transaction versus relationship customers
  (cash-flow, quasi-cash-flow, high-cost-to-serve);
- :func:`lifecycle_stages` — new, active, at risk, lapsed, reactivated and
  prospect, judged against each customer's own purchase rhythm.

Every function validates its input once, never modifies the caller's data and
returns results aligned with the input (a pandas Series in, a Series with the
same index out).
"""

from __future__ import annotations

from custvalue._tiers.abc import ComputedABC
from custvalue._tiers.abc import abc_classes
from custvalue._tiers.abc import abc_computed
from custvalue._tiers.abc import abc_two_criteria
from custvalue._tiers.grading import Override
from custvalue._tiers.grading import relationship_classes
from custvalue._tiers.grading import value_grid
from custvalue._tiers.grading import weighted_score
from custvalue._tiers.lifecycle import SupportsProbabilityAlive
from custvalue._tiers.lifecycle import lifecycle_stages
from custvalue._tiers.profit import grade_by_profit
from custvalue._tiers.profit import profit_contribution

__all__ = [
    "ComputedABC",
    "Override",
    "SupportsProbabilityAlive",
    "abc_classes",
    "abc_computed",
    "abc_two_criteria",
    "grade_by_profit",
    "lifecycle_stages",
    "profit_contribution",
    "relationship_classes",
    "value_grid",
    "weighted_score",
]
