"""numpydoc entries shared by the docstrings of the CLV models (see `_core.docs.fill_doc`)."""

from __future__ import annotations

__all__ = ["FIT_PARAMS", "INTERVAL_PARAMS", "MODEL_ERRORS"]

#: The controls of every model's ``fit``.
FIT_PARAMS: dict[str, str] = {
    "weights": """
        weights : array-like or str, optional
            Number of customers with each history (non-negative); default 1.
        """,
    "max_iter": """
        max_iter, tol : int, float
            Iteration limit (default 2000) and gradient tolerance (default 1e-9).
        """,
    "penalizer": r"""
        penalizer : float, default 0.0
            Weight :math:`c \ge 0` of the L2 penalty on the log-parameters: the
            search minimises :math:`-\ell/W + c \sum_j (\log\theta_j)^2` (``W``
            the number of customers); 0 is the plain maximum-likelihood fit.
            For small or degenerate samples; see :doc:`/clv_uncertainty`.
        """,
}

#: The errors every history model's fit and predictions share (class docstrings).
MODEL_ERRORS: dict[str, str] = {
    "fit_errors": """
        ConvergenceError
            When the optimizer fails (with its message).
        NotFittedError
            When a prediction is asked of a model without parameters.
        """,
}

#: The prediction-interval keywords of a prediction method.
INTERVAL_PARAMS: dict[str, str] = {
    "interval": """
        interval : float, optional
            A level in (0, 1): return a DataFrame with columns ``estimate``,
            ``lower`` and ``upper``, the equal-tailed interval of the prediction
            over draws of the parameters from the asymptotic normal distribution
            of their log-scale estimates (:doc:`/clv_uncertainty`).  Needs a
            fitted model (its ``covariance_``).
        n_draws : int, default 500
            Number of parameter draws; the cost is ``n_draws`` prediction passes.
        seed : int, optional
            Seed of the draws; a fixed seed gives a fixed interval.
        """,
}
