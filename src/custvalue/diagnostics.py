"""Model checking: a fitted model against the data it should describe.

Every function takes a fitted custvalue model and pandas data and returns a
pandas object; :mod:`custvalue.plotting` draws each of them.

- :func:`expected_cumulative_transactions` — cohort tracking curve;
- :func:`period_transactions` and :func:`chi_square_test` — customers by
  number of repeat transactions, actual vs the model's pmf;
- :func:`calibration_vs_holdout` — mean holdout purchases by group;
- :func:`frequency_recency_matrix`, :func:`probability_alive_matrix`;
- :func:`probability_alive_history` — one customer's P(alive) over time;
- :func:`holdout_metrics` — forecast accuracy of several models;
- :func:`aic`, :func:`bic`, :func:`compare_models`, :func:`likelihood_ratio_test`;
- :func:`spend_by_frequency` — a spend model's expected vs observed mean spend.
"""

from __future__ import annotations

from custvalue._diagnostics.history import probability_alive_history
from custvalue._diagnostics.metrics import aic
from custvalue._diagnostics.metrics import bic
from custvalue._diagnostics.metrics import chi_square_test
from custvalue._diagnostics.metrics import compare_models
from custvalue._diagnostics.metrics import holdout_metrics
from custvalue._diagnostics.metrics import likelihood_ratio_test
from custvalue._diagnostics.tables import calibration_vs_holdout
from custvalue._diagnostics.tables import frequency_recency_matrix
from custvalue._diagnostics.tables import period_transactions
from custvalue._diagnostics.tables import probability_alive_matrix
from custvalue._diagnostics.tables import spend_by_frequency
from custvalue._diagnostics.tracking import expected_cumulative_transactions

__all__ = [
    "aic",
    "bic",
    "calibration_vs_holdout",
    "chi_square_test",
    "compare_models",
    "expected_cumulative_transactions",
    "frequency_recency_matrix",
    "holdout_metrics",
    "likelihood_ratio_test",
    "period_transactions",
    "probability_alive_history",
    "probability_alive_matrix",
    "spend_by_frequency",
]
