"""Time-invariant covariates in BG/NBD, MBG/NBD and Pareto/NBD.

References: the plain models (a model with covariates at coefficient 0 *is* the
plain model; a prediction is the plain model's at the customer's scaled
parameters, evaluated in a slow loop), finite differences of the likelihood,
and data simulated with known coefficients.
"""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap
from typing import Any

import numpy as np
import pandas as pd
import pytest
from reference import central_differences

from custvalue._clv.base import _covariate_rows
from custvalue._clv.base import compress_weighted
from custvalue._clv.grouped import _grouped
from custvalue.clv import BetaGeoCNBDModel
from custvalue.clv import BetaGeoModel
from custvalue.clv import BetaGeoParams
from custvalue.clv import GammaGammaModel
from custvalue.clv import GammaGammaParams
from custvalue.clv import GGompertzNBDModel
from custvalue.clv import ModifiedBetaGeoModel
from custvalue.clv import ModifiedBetaGeoParams
from custvalue.clv import ParetoNBDModel
from custvalue.clv import ParetoNBDParams
from custvalue.clv import acquisition_value
from custvalue.clv import customer_lifetime_value
from custvalue.clv import customer_value_parts
from custvalue.diagnostics import aic
from custvalue.diagnostics import likelihood_ratio_test
from custvalue.errors import InputTypeError
from custvalue.errors import InputValueError
from custvalue.errors import MissingColumnError

TRUTHS: dict[str, Any] = {
    "bgnbd": BetaGeoModel.from_params(BetaGeoParams(0.8, 5.0, 0.8, 2.5)),
    "mbgnbd": ModifiedBetaGeoModel.from_params(ModifiedBetaGeoParams(0.8, 5.0, 0.8, 2.5)),
    "pareto": ParetoNBDModel.from_params(ParetoNBDParams(0.8, 5.0, 0.6, 12.0)),
}
COEF = {
    "gamma_purchase[age]": 0.4,
    "gamma_purchase[channel[web]]": -0.5,
    "gamma_dropout[age]": 0.3,
    "gamma_dropout[channel[web]]": 0.6,
}


def _covariates(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {"age": rng.normal(size=n).round(1), "channel": rng.choice(["shop", "web"], n)}
    )


def _sim(label: str, n: int, coef: dict[str, float] | None = None, seed: int = 1) -> pd.DataFrame:
    truth = TRUTHS[label]
    cov = _covariates(n, seed)
    return truth.simulate(n, 40.0, seed=seed, covariates=cov, coefficients=coef or COEF)


def _scaled_params(label: str, params: Any, coef: pd.Series, row: pd.Series) -> Any:
    """The documented link: alpha exp(-g_p'z); a, b exp(g_d'z) (BG) or beta exp(-g_d'z)."""
    z = {"age": float(row["age"]), "channel[web]": float(row["channel"] == "web")}
    eta_p = sum(coef[f"gamma_purchase[{k}]"] * v for k, v in z.items())
    eta_d = sum(coef[f"gamma_dropout[{k}]"] * v for k, v in z.items())
    if label == "pareto":
        r, alpha, s, beta = params.r, params.alpha, params.s, params.beta
        return ParetoNBDParams(r, alpha * math.exp(-eta_p), s, beta * math.exp(-eta_d))
    kind = BetaGeoParams if label == "bgnbd" else ModifiedBetaGeoParams
    return kind(
        params.r,
        params.alpha * math.exp(-eta_p),
        params.a * math.exp(eta_d),
        params.b * math.exp(eta_d),
    )


# ----------------------------------------------------------------------------------------
# the likelihood: coefficient 0 is the plain model; the gradient is exact
# ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("label", list(TRUTHS))
def test_likelihood_at_zero_coefficients_is_the_plain_likelihood(label: str) -> None:
    sim = _sim(label, 600)
    model = type(TRUTHS[label])()
    hist = [sim[c].to_numpy(dtype=np.float64) for c in ("frequency", "recency", "T")]
    rows = _covariate_rows(sim, ["age", "channel"], hist, None, ("purchase", "dropout"))
    p = np.array([0.7, 4.0, 0.9, 3.0])
    value, grad = model._covariate_neg_log_lik(rows)(np.concatenate([p, np.zeros(4)]))
    plain_value, plain_grad = model._neg_log_lik(compress_weighted(hist, None))(p)
    assert value == pytest.approx(plain_value, rel=1e-13)
    np.testing.assert_allclose(grad[:4], plain_grad, rtol=1e-11)


@pytest.mark.parametrize("label", list(TRUTHS))
def test_gradient_matches_finite_differences(label: str) -> None:
    sim = _sim(label, 400, seed=5)
    model = type(TRUTHS[label])()
    hist = [sim[c].to_numpy(dtype=np.float64) for c in ("frequency", "recency", "T")]
    rows = _covariate_rows(sim, ["age", "channel"], hist, None, ("purchase", "dropout"))
    nll = model._covariate_neg_log_lik(rows)
    theta = np.array([0.7, 4.0, 0.9, 3.0, 0.2, -0.3, 0.25, 0.4])
    _, grad = nll(theta)
    numeric = central_differences(lambda t: nll(t)[0], theta)
    np.testing.assert_allclose(grad, numeric, rtol=2e-6, atol=1e-5)


# ----------------------------------------------------------------------------------------
# recovery of known coefficients
# ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("label", ["bgnbd", "pareto"])
def test_coefficients_are_recovered_from_simulated_data(label: str) -> None:
    sim = _sim(label, 20_000)
    fitted = type(TRUTHS[label])().fit(sim, covariates=["age", "channel"])
    assert fitted.converged_
    table = fitted.summary()
    for name, true in COEF.items():
        est, se = table.loc[name, "estimate"], table.loc[name, "std_error"]
        assert 0 < se < 0.2
        assert abs(est - true) < 3.5 * se, (name, est, true, se)
    truth = TRUTHS[label].params_
    for name in ("r", "alpha"):
        est, se = table.loc[name, "estimate"], table.loc[name, "std_error"]
        assert abs(est - getattr(truth, name)) < 3.5 * se


def test_modified_bgnbd_recovers_its_coefficients() -> None:
    sim = _sim("mbgnbd", 10_000, seed=2)
    fitted = ModifiedBetaGeoModel().fit(sim, covariates=["age", "channel"])
    table = fitted.summary()
    for name, true in COEF.items():
        est, se = table.loc[name, "estimate"], table.loc[name, "std_error"]
        assert abs(est - true) < 3.5 * se, (name, est, true, se)


def test_without_an_effect_the_fit_is_the_plain_fit() -> None:
    sim = _sim("bgnbd", 4000, coef={"gamma_purchase[age]": 0.0}, seed=7)
    plain = BetaGeoModel().fit(sim)
    with_cov = BetaGeoModel().fit(sim, covariates=["age", "channel"])
    # nested models: the likelihood-ratio statistic is chi-square(4) under no effect
    gain = with_cov.log_likelihood_ - plain.log_likelihood_
    assert 0.0 <= gain < 10.0
    assert np.all(np.abs(with_cov.coefficients_) < 4 * with_cov.summary()["std_error"].iloc[4:])


# ----------------------------------------------------------------------------------------
# predictions: the plain model at each customer's scaled parameters
# ----------------------------------------------------------------------------------------
def _history_predictions(model: Any, data: pd.DataFrame) -> dict[str, Any]:
    return {
        "alive": model.probability_alive(data=data),
        "alive_t": model.probability_alive(t=13.0, data=data),
        "expected": model.expected_purchases(26.0, data=data),
        "pmf": model.probability_of_purchases_given_history(1, 26.0, data=data),
        "loglik": model.individual_log_likelihood(data=data),
        # a new customer's predictions read the horizon (and count) from `data` too
        "new": model.expected_purchases_new_customer(data=data.assign(t=26.0)),
        "new_pmf": model.probability_of_purchases("n", "t", data=data.assign(t=26.0, n=2)),
    }


@pytest.mark.parametrize("label", list(TRUTHS))
def test_predictions_are_the_plain_model_at_each_customers_parameters(label: str) -> None:
    sim = _sim(label, 3000, seed=3)
    fitted = type(TRUTHS[label])().fit(sim, covariates=["age", "channel"])
    data = sim.sample(25, random_state=1)
    got = _history_predictions(fitted, data)
    for key, series in got.items():
        assert isinstance(series, pd.Series) and series.index.equals(data.index), key
    for cid, row in data.iterrows():
        params = _scaled_params(label, fitted.params_, fitted.coefficients_, row)
        plain = type(fitted).from_params(params)
        x, tx, t_obs = float(row["frequency"]), float(row["recency"]), float(row["T"])
        want = {
            "alive": plain.probability_alive(x, tx, t_obs),
            "alive_t": plain.probability_alive(x, tx, t_obs, t=13.0),
            "expected": plain.expected_purchases(26.0, x, tx, t_obs),
            "pmf": plain.probability_of_purchases_given_history(1, 26.0, x, tx, t_obs),
            "loglik": plain.individual_log_likelihood(x, tx, t_obs),
            "new": plain.expected_purchases_new_customer(26.0),
            "new_pmf": plain.probability_of_purchases(2, 26.0),
        }
        for key, value in want.items():
            assert got[key][cid] == pytest.approx(value, rel=1e-9, abs=1e-12), (key, cid)


def test_pareto_dert_uses_each_customers_parameters() -> None:
    sim = _sim("pareto", 2000, seed=4)
    fitted = ParetoNBDModel().fit(sim, covariates=["age", "channel"])
    data = sim.head(10)
    got = fitted.discounted_expected_residual_transactions(discount_rate=0.01, data=data)
    for cid, row in data.iterrows():
        plain = ParetoNBDModel.from_params(
            _scaled_params("pareto", fitted.params_, fitted.coefficients_, row)
        )
        want = plain.discounted_expected_residual_transactions(
            row["frequency"], row["recency"], row["T"], discount_rate=0.01
        )
        assert got[cid] == pytest.approx(want, rel=1e-10)


# ----------------------------------------------------------------------------------------
# state, summary, simulation
# ----------------------------------------------------------------------------------------
def test_fitted_state_names_and_summary_rows() -> None:
    sim = _sim("bgnbd", 2000)
    fitted = BetaGeoModel().fit(sim, covariates=["age", "channel"])
    assert fitted.covariate_names_ == ("age", "channel[web]")
    assert list(fitted.coefficients_.index) == list(COEF)
    table = fitted.summary()
    assert list(table.index) == ["r", "alpha", "a", "b", *COEF]
    assert np.all(np.isfinite(table["std_error"]))
    np.testing.assert_allclose(table["estimate"].iloc[4:], fitted.coefficients_)
    # a refit without covariates is the plain model again
    fitted.fit(sim)
    assert fitted.covariate_names_ == () and fitted.coefficients_.empty
    assert len(fitted.summary()) == 4


def test_covariate_frame_and_single_name_specs() -> None:
    sim = _sim("bgnbd", 1500)
    by_name = BetaGeoModel().fit(sim, covariates=["age"])
    by_frame = BetaGeoModel().fit(sim, covariates=sim[["age"]])
    by_str = BetaGeoModel().fit(sim, covariates="age")
    np.testing.assert_allclose(by_name.coefficients_, by_frame.coefficients_, rtol=1e-10)
    np.testing.assert_allclose(by_name.coefficients_, by_str.coefficients_, rtol=1e-10)
    with pytest.raises(InputValueError, match="index of `data`"):
        BetaGeoModel().fit(sim, covariates=sim[["age"]].iloc[::-1])


def test_simulate_with_fitted_coefficients_and_its_errors() -> None:
    sim = _sim("bgnbd", 1500)
    fitted = BetaGeoModel().fit(sim, covariates=["age", "channel"])
    cov = _covariates(200, seed=9)
    again = fitted.simulate(200, 40.0, seed=2, covariates=cov)
    assert list(again.columns) == ["frequency", "recency", "T", "alive", "age", "channel"]
    with pytest.raises(InputValueError, match="fitted coefficients"):
        fitted.simulate(200, 40.0, covariates=cov, coefficients=COEF)
    with pytest.raises(InputTypeError, match="one row per simulated customer"):
        fitted.simulate(10, 40.0)
    with pytest.raises(InputValueError, match="not coefficients"):
        TRUTHS["bgnbd"].simulate(200, 40.0, covariates=cov, coefficients={"gamma_x[age]": 1.0})


def test_penalizer_shrinks_the_coefficients() -> None:
    sim = _sim("bgnbd", 2000)
    free = BetaGeoModel().fit(sim, covariates=["age", "channel"])
    shrunk = BetaGeoModel().fit(sim, covariates=["age", "channel"], penalizer=0.5)
    assert np.abs(shrunk.coefficients_).sum() < np.abs(free.coefficients_).sum()


# ----------------------------------------------------------------------------------------
# encoding and refusals
# ----------------------------------------------------------------------------------------
def _frame(**cols: Any) -> pd.DataFrame:
    n = len(next(iter(cols.values())))
    base = TRUTHS["bgnbd"].simulate(n, 40.0, seed=11)
    return base.assign(**cols)


def test_one_hot_reference_levels() -> None:
    n = 300
    levels = np.array(["b", "c", "a"])[np.arange(n) % 3]
    cat = pd.Categorical(levels, categories=["c", "a", "b"])
    flags = np.arange(n) % 2 == 0
    data = _frame(s=levels, k=cat, f=flags)
    assert BetaGeoModel().fit(data, covariates="s").covariate_names_ == ("s[b]", "s[c]")
    assert BetaGeoModel().fit(data, covariates="k").covariate_names_ == ("k[a]", "k[b]")
    assert BetaGeoModel().fit(data, covariates="f").covariate_names_ == ("f[True]",)


def test_prediction_refusals() -> None:
    data = _frame(channel=np.array(["shop", "web"])[np.arange(400) % 2])
    fitted = BetaGeoModel().fit(data, covariates="channel")
    with pytest.raises(InputValueError, match="level 'app', not seen at fit time"):
        fitted.probability_alive(data=data.assign(channel="app"))
    with pytest.raises(MissingColumnError, match="channel"):
        fitted.probability_alive(data=data.drop(columns="channel"))
    with pytest.raises(InputValueError, match="columns of `data=`"):
        fitted.probability_alive(1, 2.0, 3.0)
    with pytest.raises(InputValueError, match="columns of `data=`"):
        fitted.expected_purchases_new_customer(10.0)
    with pytest.raises(InputValueError, match="columns of `data=`"):
        fitted._discounted_purchases(data["frequency"], data["recency"], data["T"], 3, 0.0, 1.0)
    with pytest.raises(InputValueError, match="`transaction_model` was fitted with covariates"):
        acquisition_value(fitted, GG_TRUTH, horizon=3, discount_rate=0.0)
    with pytest.raises(InputValueError, match="pass `data=`"):
        customer_lifetime_value(
            fitted,
            GG_TRUTH,
            frequency=data["frequency"],
            recency=data["recency"],
            T=data["T"],
            monetary_value=np.full(len(data), 20.0),
            horizon=3,
            discount_rate=0.0,
        )


@pytest.mark.parametrize(
    ("column", "match"),
    [
        ([1.0, np.nan] * 100, "missing values"),
        ([1.0, np.inf] * 100, "infinite"),
        ([2.0] * 200, "constant"),
        (["web"] * 200, "one level only"),
        (pd.Categorical(["a", "b"] * 100, categories=["a", "b", "c"]), "never occur"),
    ],
)
def test_bad_covariate_values_are_refused(column: Any, match: str) -> None:
    with pytest.raises(InputValueError, match=match):
        BetaGeoModel().fit(_frame(z=column), covariates="z")


def test_bad_specs_and_designs_are_refused() -> None:
    data = _frame(u=np.arange(200.0), v=2.0 * np.arange(200.0) + 1.0)
    with pytest.raises(InputValueError, match="'v' is a linear combination"):
        BetaGeoModel().fit(data, covariates=["u", "v"])
    with pytest.raises(MissingColumnError, match="nope"):
        BetaGeoModel().fit(data, covariates=["nope"])
    with pytest.raises(InputTypeError, match="`covariates` must be"):
        BetaGeoModel().fit(data, covariates=[1, 2])
    with pytest.raises(InputValueError, match="twice"):
        BetaGeoModel().fit(data, covariates=["u", "u"])
    with pytest.raises(InputTypeError, match="dtype"):
        BetaGeoModel().fit(data.assign(d=pd.Timestamp("2020-01-01")), covariates="d")
    with pytest.raises(InputTypeError, match="named by strings"):
        BetaGeoModel().fit(data, covariates=pd.DataFrame({0: data["u"]}))
    with pytest.raises(InputTypeError, match="cannot be ordered"):
        BetaGeoModel().fit(data.assign(m=["a", 1] * 100), covariates="m")


@pytest.mark.parametrize("cls", [GGompertzNBDModel, BetaGeoCNBDModel])
def test_models_without_covariates_refuse_them(cls: Any) -> None:
    data = _frame(u=np.arange(200.0))
    with pytest.raises(InputValueError, match="does not take covariates"):
        cls().fit(data, covariates="u")


# ----------------------------------------------------------------------------------------
# Gamma-Gamma: covariates on the spend scale v
# ----------------------------------------------------------------------------------------
GG_TRUTH = GammaGammaModel.from_params(GammaGammaParams(6.25, 3.74, 15.44))
GG_COEF = {"gamma_spend[age]": 0.3, "gamma_spend[channel[web]]": -0.4}


def _gg_sim(n: int, seed: int = 1) -> pd.DataFrame:
    freq = np.random.default_rng(seed).integers(1, 8, n)
    return GG_TRUTH.simulate(
        freq, seed=seed, covariates=_covariates(n, seed), coefficients=GG_COEF
    )


def test_gamma_gamma_zero_coefficients_and_gradient() -> None:
    sim = _gg_sim(500)
    model = GammaGammaModel()
    rows = model._fit_data(sim, None, None, None, ["age", "channel"])
    plain = model._fit_data(sim, None, None, None)
    theta = np.array([5.0, 3.0, 12.0])
    value, grad = model._neg_log_lik(rows)(np.concatenate([theta, np.zeros(2)]))
    plain_value, plain_grad = model._neg_log_lik(plain)(theta)
    assert value == pytest.approx(plain_value, rel=1e-12)
    np.testing.assert_allclose(grad[:3], plain_grad, rtol=1e-10)
    nll = model._neg_log_lik(rows)
    point = np.array([5.0, 3.0, 12.0, 0.2, -0.3])
    _, grad = nll(point)
    np.testing.assert_allclose(grad, central_differences(lambda t: nll(t)[0], point), rtol=1e-6)


def test_gamma_gamma_recovers_coefficients_and_predicts_per_customer() -> None:
    sim = _gg_sim(20_000)
    fitted = GammaGammaModel().fit(sim, covariates=["age", "channel"])
    table = fitted.summary()
    for name, true in GG_COEF.items():
        est, se = table.loc[name, "estimate"], table.loc[name, "std_error"]
        assert abs(est - true) < 3.5 * se, (name, est, true, se)
    data = sim.head(20)
    spend = fitted.expected_spend(data=data)
    loglik = fitted.individual_log_likelihood(data=data)
    for cid, row in data.iterrows():
        eta = sum(
            fitted.coefficients_[f"gamma_spend[{k}]"] * v
            for k, v in {"age": row["age"], "channel[web]": float(row["channel"] == "web")}.items()
        )
        p = fitted.params_
        plain = GammaGammaModel.from_params(GammaGammaParams(p.p, p.q, p.v * math.exp(eta)))
        x, m = row["frequency"], row["monetary_value"]
        assert spend[cid] == pytest.approx(plain.expected_spend(x, m), rel=1e-12)
        assert loglik[cid] == pytest.approx(plain.individual_log_likelihood(x, m), rel=1e-12)
    with pytest.raises(InputValueError, match="columns of `data=`"):
        fitted.expected_spend(data["frequency"], data["monetary_value"])
    with pytest.raises(InputValueError, match="depends on them"):
        fitted.population_mean_spend()


# ----------------------------------------------------------------------------------------
# a covariate set per process, weights, start values
# ----------------------------------------------------------------------------------------
def test_covariates_per_process() -> None:
    sim = _sim("pareto", 3000, seed=6)
    spec = {"purchase": ["channel"], "dropout": "age"}
    fitted = ParetoNBDModel().fit(sim, covariates=spec)
    assert list(fitted.coefficients_.index) == [
        "gamma_purchase[channel[web]]",
        "gamma_dropout[age]",
    ]
    assert fitted.covariate_names_ == ("channel[web]", "age")
    # the likelihood is the full design's with the left-out coefficients at 0
    hist = [sim[c].to_numpy(dtype=np.float64) for c in ("frequency", "recency", "T")]
    procs = ("purchase", "dropout")
    part = _covariate_rows(sim, spec, hist, None, procs)
    full = _covariate_rows(sim, ["age", "channel"], hist, None, procs)
    p = np.array([0.7, 4.0, 0.9, 3.0])
    value = ParetoNBDModel()._covariate_neg_log_lik(part)(np.concatenate([p, [-0.4, 0.3]]))[0]
    full_theta = np.concatenate([p, [0.0, -0.4, 0.3, 0.0]])
    assert value == pytest.approx(
        ParetoNBDModel()._covariate_neg_log_lik(full)(full_theta)[0], rel=1e-13
    )
    data = sim.head(5)
    coef = pd.Series(0.0, index=list(COEF)).add(fitted.coefficients_, fill_value=0.0)
    got = fitted.expected_purchases(20.0, data=data)
    for cid, row in data.iterrows():
        plain = ParetoNBDModel.from_params(_scaled_params("pareto", fitted.params_, coef, row))
        want = plain.expected_purchases(20.0, row["frequency"], row["recency"], row["T"])
        assert got[cid] == pytest.approx(want, rel=1e-10)
    with pytest.raises(InputValueError, match="processes of this model"):
        ParetoNBDModel().fit(sim, covariates={"spend": ["age"]})
    with pytest.raises(InputTypeError, match=r"covariates\['purchase'\]"):
        ParetoNBDModel().fit(sim, covariates={"purchase": [1]})


def test_weights_count_customers_and_initial_params_start_the_search() -> None:
    sim = _sim("bgnbd", 1000, seed=8)
    doubled = pd.concat([sim, sim], ignore_index=True)
    a = BetaGeoModel().fit(doubled, covariates=["age", "channel"])
    b = BetaGeoModel().fit(sim.assign(w=2.0), covariates=["age", "channel"], weights="w")
    np.testing.assert_allclose(a.coefficients_, b.coefficients_, rtol=1e-5)
    assert a.log_likelihood_ == pytest.approx(b.log_likelihood_, rel=1e-9)
    c = BetaGeoModel().fit(
        sim, covariates=["age", "channel"], initial_params=BetaGeoParams(0.8, 5.0, 0.8, 2.5)
    )
    d = BetaGeoModel().fit(sim, covariates=["age", "channel"])
    np.testing.assert_allclose(c.coefficients_, d.coefficients_, rtol=1e-4, atol=1e-5)


def test_information_criteria_count_the_coefficients() -> None:
    sim = _sim("bgnbd", 2000)
    plain = BetaGeoModel().fit(sim)
    with_cov = BetaGeoModel().fit(sim, covariates=["age", "channel"])
    assert aic(with_cov) == pytest.approx(2 * 8 - 2 * with_cov.log_likelihood_)
    assert aic(plain) == pytest.approx(2 * 4 - 2 * plain.log_likelihood_)
    test = likelihood_ratio_test(plain, with_cov)
    assert test["dof"] == 4
    assert test["statistic"] == pytest.approx(
        2 * (with_cov.log_likelihood_ - plain.log_likelihood_)
    )


def test_intervals_draw_the_coefficients_too() -> None:
    """With covariates, intervals come from draws of the parameters and the coefficients.

    With the parameters' block of ``covariance_`` set to 0, only the
    coefficients vary: the interval of a customer at covariate 0 (where they do
    not enter) collapses to the estimate, that of a customer at 2 does not.
    And the 90 % interval covers the true value at about the nominal rate
    (20 simulated data sets of 2000 customers: covered ~ Binomial(20, 0.9),
    mean 18, sd 1.3; 14 accepted).
    """
    truth = BetaGeoModel.from_params(BetaGeoParams(r=0.8, alpha=5.0, a=0.8, b=2.5))
    coef = {"gamma_purchase[x]": 0.4, "gamma_dropout[x]": -0.3}
    customers = pd.DataFrame(
        {"frequency": [3, 3], "recency": [30.0, 30.0], "T": [40.0, 40.0], "x": [0.0, 2.0]}
    )
    at_two = BetaGeoParams(
        r=0.8, alpha=5.0 * math.exp(-0.8), a=0.8 * math.exp(-0.6), b=2.5 * math.exp(-0.6)
    )
    true_value = BetaGeoModel.from_params(at_two).expected_purchases(20.0, 3, 30.0, 40.0)
    covered = 0
    for rep in range(20):
        rng = np.random.default_rng(rep)
        cov = pd.DataFrame({"x": rng.choice([0.0, 1.0, 2.0], 2000)})
        sim = truth.simulate(2000, T=40.0, seed=100 + rep, covariates=cov, coefficients=coef)
        fitted = BetaGeoModel().fit(sim, covariates="x")
        out = fitted.expected_purchases(20.0, data=customers, interval=0.9, n_draws=200, seed=rep)
        point = fitted.expected_purchases(20.0, data=customers)
        np.testing.assert_allclose(out["estimate"], point)
        covered += int(out["lower"].iloc[1] <= true_value <= out["upper"].iloc[1])
        if rep == 0:
            assert fitted.covariance_ is not None
            only_coef = fitted.covariance_.copy()
            only_coef[:4, :] = 0.0
            only_coef[:, :4] = 0.0
            fitted.covariance_ = only_coef
            out = fitted.expected_purchases(20.0, data=customers, interval=0.9, seed=0)
            np.testing.assert_allclose(out.iloc[0], point.iloc[0], rtol=1e-12)
            assert out["upper"].iloc[1] - out["lower"].iloc[1] > 0.01 * point.iloc[1]
    assert covered >= 14


@pytest.mark.parametrize("label", ["bgnbd", "pareto"])
def test_customer_value_uses_each_customers_parameters(label: str) -> None:
    """CLV (and its parts) with covariates in both models = the plain models per customer."""
    sim = _sim(label, 3000, seed=5)
    transactions = type(TRUTHS[label])().fit(sim, covariates=["age", "channel"])
    spend_sim = _gg_sim(3000, seed=5)
    spend = GammaGammaModel().fit(spend_sim, covariates=["age", "channel"])
    data = sim.head(15).assign(monetary_value=spend_sim["monetary_value"].head(15).to_numpy())
    data.loc[data["frequency"] == 0, "monetary_value"] = 0.0
    grid = {"horizon": 6, "discount_rate": 0.01, "step": 4.0, "margin": 0.3}
    clv = customer_lifetime_value(transactions, spend, data, **grid)
    past = pd.Series(0.0, index=data.index)
    parts = customer_value_parts(transactions, spend, data, historical=past, **grid)
    assert clv.index.equals(data.index)
    np.testing.assert_allclose(parts["current"], clv, rtol=1e-12)
    p = spend.params_
    for cid, row in data.iterrows():
        plain = type(transactions).from_params(
            _scaled_params(label, transactions.params_, transactions.coefficients_, row)
        )
        eta = sum(
            spend.coefficients_[f"gamma_spend[{k}]"] * v
            for k, v in {"age": row["age"], "channel[web]": float(row["channel"] == "web")}.items()
        )
        plain_spend = GammaGammaModel.from_params(GammaGammaParams(p.p, p.q, p.v * math.exp(eta)))
        one = data.loc[[cid], ["frequency", "recency", "T", "monetary_value"]]
        want = customer_lifetime_value(plain, plain_spend, one, **grid)
        assert clv[cid] == pytest.approx(float(want.iloc[0]), rel=1e-9), cid
    with_interval = customer_lifetime_value(
        transactions, spend, data, **grid, interval=0.9, n_draws=50, seed=0
    )
    np.testing.assert_allclose(with_interval["estimate"], clv, rtol=1e-12)
    assert np.all(with_interval["lower"] <= clv) and np.all(clv <= with_interval["upper"])


# ----------------------------------------------------------------------------------------
# compiled once: a new process loads the grouped likelihood from numba's cache
# ----------------------------------------------------------------------------------------
_FIT_IN_A_NEW_PROCESS = textwrap.dedent(
    """
    import numpy as np, pandas as pd
    from custvalue._clv.grouped import _grouped
    from custvalue.clv import BetaGeoModel, BetaGeoParams, ParetoNBDModel, ParetoNBDParams
    cov = pd.DataFrame({"channel": np.random.default_rng(0).choice(["shop", "web"], 500)})
    effect = {"gamma_purchase[channel[web]]": -0.5}
    for truth in (BetaGeoModel.from_params(BetaGeoParams(0.8, 5.0, 0.8, 2.5)),
                  ParetoNBDModel.from_params(ParetoNBDParams(0.8, 5.0, 0.6, 12.0))):
        sim = truth.simulate(500, 40.0, seed=1, covariates=cov, coefficients=effect)
        type(truth)().fit(sim, covariates="channel").probability_alive(data=sim)
    print(sum(_grouped.stats.cache_hits.values()), sum(_grouped.stats.cache_misses.values()))
    """
)


def test_a_new_process_loads_the_grouped_likelihood_from_the_cache() -> None:
    # compiled (or loaded) here first, so the cache holds it
    for label in ("bgnbd", "pareto"):
        sim = _sim(label, 300, seed=4)
        type(TRUTHS[label])().fit(sim, covariates="channel").probability_alive(data=sim)
    assert _grouped.signatures
    run = subprocess.run(
        [sys.executable, "-c", _FIT_IN_A_NEW_PROCESS], capture_output=True, text=True, check=True
    )
    hits, misses = map(int, run.stdout.split())
    assert (hits, misses) == (1, 0)
