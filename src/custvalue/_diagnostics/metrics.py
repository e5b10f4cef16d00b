"""Forecast accuracy and model comparison."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats

from custvalue._core.arrays import FloatArray
from custvalue._diagnostics.checks import check_frame
from custvalue._diagnostics.checks import positive_int
from custvalue.errors import InputTypeError
from custvalue.errors import InputValueError
from custvalue.errors import NotFittedError


def _values(values: object, name: str, n: int | None) -> FloatArray:
    if isinstance(values, str | bytes) or not hasattr(values, "__len__"):
        raise InputTypeError(f"`{name}` must be an array or Series, got {type(values).__name__}.")
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputTypeError(f"`{name}` must hold numbers.") from None
    if arr.ndim != 1:
        raise InputValueError(f"`{name}` must be one-dimensional, got shape {arr.shape}.")
    if n is not None and arr.size != n:
        raise InputValueError(f"`{name}` must have {n} values like `actual`, got {arr.size}.")
    if not np.isfinite(arr).all() or (arr < 0).any():
        raise InputValueError(f"`{name}` must be finite and >= 0; fix the bad values.")
    return arr


def holdout_metrics(actual: object, predicted: object) -> pd.DataFrame:
    r"""Return forecast accuracy of one or more models on the holdout purchases.

    Parameters
    ----------
    actual : array-like or pandas.Series
        Holdout purchases per customer.
    predicted : pandas.DataFrame, mapping or array-like
        Predicted purchases per customer: one column (or mapping entry) per
        model, in the order of ``actual``; an array is one model named
        ``"model"``.

    Returns
    -------
    pandas.DataFrame
        One row per model; columns ``MAE`` (mean absolute error), ``RMSE``,
        ``MSLE`` (mean of :math:`(\log(1+a) - \log(1+f))^2`), ``bias``
        (:math:`\sum f / \sum a - 1`), ``WAPE`` (:math:`\sum|a-f| / \sum a`)
        and ``correlation`` (Pearson, NaN when a side is constant).

    Examples
    --------
    >>> from custvalue.diagnostics import holdout_metrics
    >>> holdout_metrics([0, 1, 3], {"m": [0.5, 1.0, 2.5]})
            MAE      RMSE      MSLE  bias  WAPE  correlation
    m  0.333333  0.408248  0.060744   0.0  0.25     0.995871
    """
    a = _values(actual, "actual", None)
    if isinstance(predicted, pd.DataFrame):
        columns: dict[str, object] = {str(c): predicted[c] for c in predicted.columns}
    elif isinstance(predicted, Mapping):
        columns = {str(k): v for k, v in predicted.items()}
    else:
        columns = {"model": predicted}
    if a.sum() <= 0:
        raise InputValueError("`actual` must have a positive sum for bias and WAPE.")
    rows = {}
    for name, values in columns.items():
        f = _values(values, f"predicted[{name!r}]", a.size)
        err = a - f
        with np.errstate(invalid="ignore", divide="ignore"):
            corr = float(np.corrcoef(a, f)[0, 1]) if a.std() > 0 and f.std() > 0 else float("nan")
        rows[name] = {
            "MAE": float(np.mean(np.abs(err))),
            "RMSE": float(np.sqrt(np.mean(err**2))),
            "MSLE": float(np.mean((np.log1p(a) - np.log1p(f)) ** 2)),
            "bias": float(f.sum() / a.sum() - 1.0),
            "WAPE": float(np.abs(err).sum() / a.sum()),
            "correlation": corr,
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def _fit_of(model: object, name: str) -> tuple[float, int]:
    params = getattr(model, "params_", None)
    ll = getattr(model, "log_likelihood_", None)
    if params is None or not dataclasses.is_dataclass(params):
        raise NotFittedError(f"`{name}` must be a fitted custvalue model (no `params_`).")
    if not isinstance(ll, float | int | np.floating):
        raise NotFittedError(
            f"`{name}` has no `log_likelihood_`; fit it with .fit(...) (from_params sets none)."
        )
    # covariate coefficients (models fitted with covariates) are free parameters too
    n_coef = len(getattr(model, "coefficients_", ()))
    return float(ll), len(dataclasses.fields(params)) + n_coef


def aic(model: object) -> float:
    """Return Akaike's information criterion ``2 k - 2 LL`` of a fitted model.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.clv import BetaGeoModel
    >>> from custvalue.diagnostics import aic
    >>> data = pd.DataFrame({"frequency": [0, 1, 2, 0, 4], "recency": [0.0, 3, 8, 0, 9], "T": 10})
    >>> model = BetaGeoModel().fit(data)
    >>> bool(abs(aic(model) - (8 - 2 * model.log_likelihood_)) < 1e-12)
    True
    """
    ll, k = _fit_of(model, "model")
    return 2.0 * k - 2.0 * ll


def bic(model: object, n_obs: int) -> float:
    """Return the Bayesian information criterion ``k log(n) - 2 LL`` of a fitted model.

    ``n_obs`` is the number of customers the model was fitted on.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from custvalue.clv import BetaGeoModel
    >>> from custvalue.diagnostics import aic, bic
    >>> data = pd.DataFrame({"frequency": [0, 1, 2, 0, 4], "recency": [0.0, 3, 8, 0, 9], "T": 10})
    >>> model = BetaGeoModel().fit(data)
    >>> bool(np.isclose(bic(model, n_obs=5) - aic(model), 4 * (np.log(5) - 2)))
    True
    """
    ll, k = _fit_of(model, "model")
    n = positive_int(n_obs, "n_obs")
    return k * float(np.log(n)) - 2.0 * ll


def compare_models(models: Mapping[str, object], n_obs: int) -> pd.DataFrame:
    """Return log-likelihood, number of parameters, AIC and BIC of fitted models.

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.clv import BetaGeoModel, ParetoNBDModel
    >>> from custvalue.diagnostics import compare_models
    >>> data = pd.DataFrame({"frequency": [0, 1, 2, 0, 4], "recency": [0.0, 3, 8, 0, 9], "T": 10})
    >>> models = {"BG/NBD": BetaGeoModel().fit(data), "Pareto/NBD": ParetoNBDModel().fit(data)}
    >>> table = compare_models(models, n_obs=5)
    >>> list(table.index), list(table.columns)
    (['BG/NBD', 'Pareto/NBD'], ['log_likelihood', 'n_params', 'AIC', 'BIC'])
    """
    if not isinstance(models, Mapping):
        raise InputTypeError(
            f"`models` must be a mapping name -> model, got {type(models).__name__}."
        )
    rows = {}
    for name, model in models.items():
        ll, k = _fit_of(model, f"models[{name!r}]")
        rows[str(name)] = {
            "log_likelihood": ll,
            "n_params": k,
            "AIC": aic(model),
            "BIC": bic(model, n_obs),
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def likelihood_ratio_test(restricted: object, full: object, dof: int | None = None) -> pd.Series:
    """Return the likelihood-ratio test of a restricted model against the model nesting it.

    Parameters
    ----------
    restricted, full : fitted models
        ``restricted`` is ``full`` with some parameters fixed, fitted on the
        same data.
    dof : int, optional
        Number of restrictions; defaults to the difference in parameter counts.

    Returns
    -------
    pandas.Series
        ``statistic`` (:math:`2(LL_{full} - LL_{restricted})`), ``dof`` and
        ``p_value`` (chi-square upper tail).

    Examples
    --------
    >>> import pandas as pd
    >>> from scipy import stats
    >>> from custvalue.clv import BetaGeoModel, ModifiedBetaGeoModel
    >>> from custvalue.diagnostics import likelihood_ratio_test
    >>> data = pd.DataFrame({"frequency": [0, 1, 2, 0, 4], "recency": [0.0, 3, 8, 0, 9], "T": 10})
    >>> test = likelihood_ratio_test(BetaGeoModel().fit(data),
    ...                              ModifiedBetaGeoModel().fit(data), dof=1)
    >>> list(test.index)
    ['statistic', 'dof', 'p_value']
    >>> bool(test["p_value"] == stats.chi2.sf(test["statistic"], 1))
    True
    """
    ll0, k0 = _fit_of(restricted, "restricted")
    ll1, k1 = _fit_of(full, "full")
    df = positive_int(k1 - k0 if dof is None else dof, "dof")
    statistic = max(2.0 * (ll1 - ll0), 0.0)
    return pd.Series(
        {"statistic": statistic, "dof": float(df), "p_value": float(stats.chi2.sf(statistic, df))}
    )


def chi_square_test(table: pd.DataFrame, n_params: int, min_expected: float = 5.0) -> pd.Series:
    """Return a chi-square goodness-of-fit test of a period-transactions table.

    Bins are pooled from the top (the tail) until every pooled bin expects at
    least ``min_expected`` customers.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`period_transactions` (columns ``actual``, ``expected``).
    n_params : int
        Number of fitted parameters, subtracted from the degrees of freedom.
    min_expected : float, default 5
        Smallest expected count of a pooled bin.

    Returns
    -------
    pandas.Series
        ``statistic``, ``dof`` (pooled bins - 1 - ``n_params``), ``p_value``
        and ``bins`` (number of pooled bins).

    Examples
    --------
    >>> import pandas as pd
    >>> from custvalue.diagnostics import chi_square_test
    >>> table = pd.DataFrame({"actual": [50, 30, 15, 5], "expected": [48.0, 32.0, 14.0, 6.0]})
    >>> float(chi_square_test(table, n_params=1)["bins"])
    4.0
    """
    table = check_frame(table, "table", ["actual", "expected"])
    k = positive_int(n_params, "n_params", minimum=0)
    obs = np.asarray(table["actual"], dtype=np.float64)
    exp = np.asarray(table["expected"], dtype=np.float64)
    if not (np.isfinite(obs).all() and np.isfinite(exp).all()) or (exp < 0).any():
        raise InputValueError("`table` must hold finite counts with expected >= 0.")
    pooled_o: list[float] = []
    pooled_e: list[float] = []
    acc_o = acc_e = 0.0
    for o, e in zip(obs[::-1], exp[::-1], strict=True):
        acc_o += o
        acc_e += e
        if acc_e >= min_expected:
            pooled_o.append(acc_o)
            pooled_e.append(acc_e)
            acc_o = acc_e = 0.0
    if acc_e > 0 or acc_o > 0:
        if not pooled_e:
            raise InputValueError("`table` expects fewer than `min_expected` customers in all.")
        pooled_o[-1] += acc_o
        pooled_e[-1] += acc_e
    o_arr, e_arr = np.array(pooled_o), np.array(pooled_e)
    dof = o_arr.size - 1 - k
    if dof < 1:
        raise InputValueError(
            f"only {o_arr.size} bins remain after pooling, too few for {k} parameters; "
            "fix by raising max_frequency or lowering min_expected."
        )
    statistic = float(np.sum((o_arr - e_arr) ** 2 / e_arr))
    return pd.Series(
        {
            "statistic": statistic,
            "dof": float(dof),
            "p_value": float(stats.chi2.sf(statistic, dof)),
            "bins": float(o_arr.size),
        }
    )
