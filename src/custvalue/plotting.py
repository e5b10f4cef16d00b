"""Pictures of the model checks and of the other modules' results (matplotlib).

Install with ``pip install custvalue[plot]``; matplotlib is imported only
when a function is called.  Every function takes the result it draws (of
:mod:`custvalue.diagnostics` or of another custvalue module) and ``ax=None``
(a new figure when omitted), labels its axes and legend, and returns the
Axes: ``plot_period_transactions(period_transactions(model, data))``.
Nothing is saved or shown: call ``ax.figure.savefig(...)`` yourself.
"""

from __future__ import annotations

from custvalue._plotting.base import PlottingUnavailableError
from custvalue._plotting.model_plots import plot_calibration_vs_holdout
from custvalue._plotting.model_plots import plot_cumulative_transactions
from custvalue._plotting.model_plots import plot_frequency_recency_matrix
from custvalue._plotting.model_plots import plot_history_alive
from custvalue._plotting.model_plots import plot_incremental_transactions
from custvalue._plotting.model_plots import plot_period_transactions
from custvalue._plotting.model_plots import plot_probability_alive_matrix
from custvalue._plotting.model_plots import plot_spend_by_frequency
from custvalue._plotting.result_plots import plot_abc_curve
from custvalue._plotting.result_plots import plot_customer_exposure
from custvalue._plotting.result_plots import plot_loyalty_components
from custvalue._plotting.result_plots import plot_profit_contribution
from custvalue._plotting.result_plots import plot_rfm_heatmap
from custvalue._plotting.result_plots import plot_segments

__all__ = [
    "PlottingUnavailableError",
    "plot_abc_curve",
    "plot_calibration_vs_holdout",
    "plot_cumulative_transactions",
    "plot_customer_exposure",
    "plot_frequency_recency_matrix",
    "plot_history_alive",
    "plot_incremental_transactions",
    "plot_loyalty_components",
    "plot_period_transactions",
    "plot_probability_alive_matrix",
    "plot_profit_contribution",
    "plot_rfm_heatmap",
    "plot_segments",
    "plot_spend_by_frequency",
]
