"""Diagnostic tables of a fitted model against per-customer summaries."""

from __future__ import annotations

import numpy as np
import pandas as pd

from custvalue._core.docs import fill_doc
from custvalue._diagnostics.checks import as_float
from custvalue._diagnostics.checks import check_frame
from custvalue._diagnostics.checks import float_column
from custvalue._diagnostics.checks import model_method
from custvalue._diagnostics.checks import positive_float
from custvalue._diagnostics.checks import positive_int
from custvalue._diagnostics.docs import DIAG_DOCS
from custvalue.errors import InputTypeError
from custvalue.errors import InputValueError


def period_transactions(model: object, data: pd.DataFrame, max_frequency: int = 7) -> pd.DataFrame:
    r"""Return customers by number of repeat transactions, actual and model-expected.

    Parameters
    ----------
    model : fitted transaction model
        Any custvalue model with ``probability_of_purchases(n, t)``.
    data : pandas.DataFrame
        Calibration summary with columns ``frequency`` and ``T``.
    max_frequency : int, default 7
        Last bin; it counts every customer with ``max_frequency`` or more
        repeat transactions (``"7+"``).

    Returns
    -------
    pandas.DataFrame
        Indexed by the bin labels ``"0", "1", ..., "7+"`` (name
        ``frequency``); columns ``actual`` (customers) and ``expected``
        (:math:`\sum_i P(X(T_i) = k)` from the model's exact pmf, and
        ``n - sum`` of the others for the last bin).

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.clv import BetaGeoModel, BetaGeoParams
    >>> from custvalue.diagnostics import period_transactions
    >>> data = pd.DataFrame({"frequency": [0, 1, 3], "T": 30.0})
    >>> model = BetaGeoModel.from_params(BetaGeoParams(r=0.24, alpha=4.4, a=0.79, b=2.4))
    >>> table = period_transactions(model, data, max_frequency=2)
    >>> table["actual"].tolist()
    [1, 1, 1]
    >>> round(float(table["expected"].sum()), 10)
    3.0
    """
    data = check_frame(data, "data", ["frequency", "T"])
    k_max = positive_int(max_frequency, "max_frequency")
    pmf = model_method(model, "probability_of_purchases")
    freq = float_column(data, "frequency", "data", integer=True)
    T = float_column(data, "T", "data")
    times, counts = np.unique(T, return_counts=True)
    expected = np.empty(k_max + 1)
    for k in range(k_max):
        probs = as_float(pmf(np.full(times.size, float(k)), times))
        expected[k] = float(np.dot(probs, counts))
    expected[k_max] = freq.size - expected[:k_max].sum()
    actual = np.bincount(np.minimum(freq, k_max).astype(np.int64), minlength=k_max + 1)
    labels = [str(k) for k in range(k_max)] + [f"{k_max}+"]
    return pd.DataFrame(
        {"actual": actual, "expected": expected},
        index=pd.Index(labels, name="frequency"),
    )


def calibration_vs_holdout(
    model: object,
    data: pd.DataFrame,
    by: str = "frequency_cal",
    max_value: int | None = 7,
) -> pd.DataFrame:
    """Return mean holdout purchases per group of customers, actual and predicted.

    Parameters
    ----------
    model : fitted transaction model
        Any custvalue model with ``expected_purchases(t, frequency, recency, T)``.
    data : pandas.DataFrame
        Output of :func:`custvalue.rfm.calibration_holdout_summary`: columns
        ``frequency_cal``, ``recency_cal``, ``T_cal``, ``frequency_holdout``,
        ``duration_holdout`` (and ``by``).
    by : str, default "frequency_cal"
        Column that groups the customers.
    max_value : int or None, default 7
        Values of a numeric ``by`` at or above it form one last group
        (labelled by ``max_value``); ``None`` keeps every value.

    Returns
    -------
    pandas.DataFrame
        Indexed by the value of ``by``; columns ``customers``, ``actual``
        (mean ``frequency_holdout``) and ``predicted`` (mean model prediction
        over ``duration_holdout``).

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.clv import BetaGeoModel, BetaGeoParams
    >>> from custvalue.diagnostics import calibration_vs_holdout
    >>> data = pd.DataFrame({"frequency_cal": [0, 1, 1], "recency_cal": [0.0, 5.0, 9.0],
    ...     "T_cal": 30.0, "frequency_holdout": [0, 1, 2], "duration_holdout": 30.0})
    >>> model = BetaGeoModel.from_params(BetaGeoParams(r=0.24, alpha=4.4, a=0.79, b=2.4))
    >>> calibration_vs_holdout(model, data)[["customers", "actual"]]
                   customers  actual
    frequency_cal
    0                      1     0.0
    1                      2     1.5
    """
    cols = ["frequency_cal", "recency_cal", "T_cal", "frequency_holdout", "duration_holdout"]
    data = check_frame(data, "data", [*cols, by])
    predict = model_method(model, "expected_purchases")
    f, r, T, actual, duration = (
        float_column(data, c, "data", integer=c.startswith("frequency")) for c in cols
    )
    predicted = as_float(predict(duration, f, r, T))
    key = data[by]
    if max_value is not None:
        top = positive_int(max_value, "max_value", minimum=0)
        if not pd.api.types.is_numeric_dtype(key):
            raise InputTypeError(
                f"`max_value` needs a numeric `by` column, got {by!r} of dtype {key.dtype}; "
                "fix by passing max_value=None."
            )
        key = key.clip(upper=top)
    frame = pd.DataFrame(
        {"customers": 1, "actual": actual, "predicted": predicted, by: key.to_numpy()}
    )
    out = frame.groupby(by, sort=True).agg(
        customers=("customers", "sum"), actual=("actual", "mean"), predicted=("predicted", "mean")
    )
    return out


def _over_grid(
    model: object, method: str, T: object, max_frequency: object, max_recency: object, *args: float
) -> pd.DataFrame:
    """Return ``model.method(*args, frequency, recency, T)`` over every possible history.

    Rows ``frequency`` ``0 .. max_frequency``, columns ``recency`` ``0 .. max_recency``
    (``floor(T)`` by default); a history that cannot occur is NaN.
    """
    t_obs = positive_float(T, "T")
    k_max = positive_int(max_frequency, "max_frequency", minimum=0)
    if max_recency is None:
        r_max = int(np.floor(t_obs))
    else:
        r_max = positive_int(max_recency, "max_recency", minimum=0)
        if r_max > t_obs:
            raise InputValueError(
                f"`max_recency` must be <= `T` ({t_obs}), got {r_max}; fix by lowering it."
            )
    predict = model_method(model, method)
    freq, rec = np.meshgrid(
        np.arange(k_max + 1, dtype=np.float64),
        np.arange(r_max + 1, dtype=np.float64),
        indexing="ij",
    )
    # x repeat purchases in distinct whole periods need recency >= x; none means recency 0.
    possible = np.where(freq == 0, rec == 0, rec >= freq)
    f, r = freq[possible], rec[possible]
    head = [np.full(f.size, a) for a in args]
    grid = np.full(freq.shape, np.nan)
    grid[possible] = as_float(predict(*head, f, r, np.full(f.size, t_obs)))
    return pd.DataFrame(
        grid,
        index=pd.Index(np.arange(k_max + 1), name="frequency"),
        columns=pd.Index(np.arange(r_max + 1), name="recency"),
    )


@fill_doc(DIAG_DOCS)
def frequency_recency_matrix(
    model: object,
    T: float,
    t: float = 1.0,
    max_frequency: int = 20,
    max_recency: int | None = None,
) -> pd.DataFrame:
    """Return expected purchases in the next ``t`` periods over the (frequency, recency) grid.

    Parameters
    ----------
    %(model_expected_purchases)s
    %(grid_T)s
    t : float, default 1
        Prediction horizon.
    %(grid_bounds)s

    Returns
    -------
    pandas.DataFrame
        Expected purchases, rows ``frequency``, columns ``recency``.  Histories
        that cannot occur with whole purchase periods (no repeat purchase but
        recency > 0, or fewer recency periods than repeat purchases) are NaN.

    Examples
    --------
    >>> from custvalue.clv import BetaGeoModel, BetaGeoParams
    >>> from custvalue.diagnostics import frequency_recency_matrix
    >>> model = BetaGeoModel.from_params(BetaGeoParams(r=0.24, alpha=4.4, a=0.79, b=2.4))
    >>> frequency_recency_matrix(model, T=3, max_frequency=2).isna().to_numpy().astype(int)
    array([[0, 1, 1, 1],
           [1, 0, 0, 0],
           [1, 1, 0, 0]])
    """
    horizon = positive_float(t, "t")
    return _over_grid(model, "expected_purchases", T, max_frequency, max_recency, horizon)


@fill_doc(DIAG_DOCS)
def probability_alive_matrix(
    model: object,
    T: float,
    max_frequency: int = 20,
    max_recency: int | None = None,
) -> pd.DataFrame:
    """Return P(alive) over the (frequency, recency) grid for customers of age ``T``.

    A cell is the probability that a customer with that history is still
    active at age ``T``: a purchase at ``T`` (recency ``T``) means alive.

    Parameters
    ----------
    %(model_probability_alive)s
    %(grid_T)s
    %(grid_bounds)s

    Returns
    -------
    pandas.DataFrame
        P(alive), rows ``frequency``, columns ``recency``; the histories that
        cannot occur NaN, as in :func:`frequency_recency_matrix`.

    Examples
    --------
    >>> from custvalue.clv import ParetoNBDModel, ParetoNBDParams
    >>> from custvalue.diagnostics import probability_alive_matrix
    >>> model = ParetoNBDModel.from_params(ParetoNBDParams(0.55, 10.6, 0.61, 11.7))
    >>> grid = probability_alive_matrix(model, T=3, max_frequency=1)
    >>> float(grid.loc[1, 3])  # a repeat purchase at age T: alive
    1.0
    """
    return _over_grid(model, "probability_alive", T, max_frequency, max_recency)


def spend_by_frequency(
    model: object, data: pd.DataFrame, max_frequency: int | None = 7
) -> pd.DataFrame:
    """Return observed and model-expected mean spend per customer, by repeat frequency.

    Parameters
    ----------
    model : fitted spend model
        Any custvalue model with ``expected_spend(frequency, monetary_value)``
        (e.g. :class:`custvalue.clv.GammaGammaModel`).
    data : pandas.DataFrame
        Columns ``frequency`` and ``monetary_value``; customers without a
        repeat purchase are left out.
    max_frequency : int or None, default 7
        Frequencies at or above it form one last group; ``None`` keeps all.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``frequency``; columns ``customers``, ``observed`` (mean
        ``monetary_value``) and ``expected`` (mean conditional expected spend).

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.clv import GammaGammaModel, GammaGammaParams
    >>> from custvalue.diagnostics import spend_by_frequency
    >>> model = GammaGammaModel.from_params(GammaGammaParams(p=6.25, q=3.74, v=15.44))
    >>> data = pd.DataFrame({"frequency": [0, 1, 1, 2], "monetary_value": [0.0, 10.0, 30.0, 20.0]})
    >>> spend_by_frequency(model, data)[["customers", "observed"]]
               customers  observed
    frequency
    1                  2      20.0
    2                  1      20.0
    """
    data = check_frame(data, "data", ["frequency", "monetary_value"])
    spend = model_method(model, "expected_spend")
    freq = float_column(data, "frequency", "data", integer=True)
    value = float_column(data, "monetary_value", "data")
    keep = freq > 0
    expected = as_float(spend(freq[keep], value[keep]))
    key = freq[keep]
    if max_frequency is not None:
        key = np.minimum(key, positive_int(max_frequency, "max_frequency"))
    frame = pd.DataFrame(
        {"frequency": key.astype(np.int64), "observed": value[keep], "expected": expected}
    )
    return frame.groupby("frequency").agg(
        customers=("observed", "size"),
        observed=("observed", "mean"),
        expected=("expected", "mean"),
    )
