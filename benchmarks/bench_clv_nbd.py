"""BG/NBD and Pareto/NBD: maximum-likelihood fits and predictions against lifetimes.

Input: ``(frequency, recency, T)`` drawn with custvalue's own simulators, mostly at
weekly resolution — ages ``T`` uniform on 1..78 whole weeks, recency rounded up
to whole weeks — so that a million customers have a few tens of thousands of
distinct histories, as real weekly RFM summaries do; one BG/NBD fit is on daily
periods and one prediction case on continuous times (every history distinct).
Both libraries get the raw per-customer arrays: folding identical rows into
weights is custvalue's own work and part of its timing.

Checks: the fits must reach the same optimum (relative difference of the full
log-likelihoods, both evaluated with custvalue's kernel, at most 1e-6); the
predictions must agree to 1e-8 relative wherever lifetimes is finite.
"""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any

import numpy as np
import pandas as pd
from _harness import Case

from custvalue.clv import BetaGeoModel
from custvalue.clv import BetaGeoParams
from custvalue.clv import GGompertzNBDModel
from custvalue.clv import GGompertzNBDParams
from custvalue.clv import ModifiedBetaGeoCNBDModel
from custvalue.clv import ModifiedBetaGeoCNBDParams
from custvalue.clv import ModifiedBetaGeoModel
from custvalue.clv import ModifiedBetaGeoParams
from custvalue.clv import ParetoNBDModel
from custvalue.clv import ParetoNBDParams

BG_TRUE = BetaGeoParams(r=0.243, alpha=4.414, a=0.793, b=2.426)
PNBD_TRUE = ParetoNBDParams(r=0.553, alpha=10.578, s=0.606, beta=11.669)


def weekly_sample(model: Any, n: int, seed: int, max_age: int = 78) -> pd.DataFrame:
    """Ages uniform on 1..max_age whole periods, recency rounded up to whole periods."""
    rng = np.random.default_rng(seed)
    t_obs = rng.integers(1, max_age + 1, n).astype(np.float64)
    sim = model.simulate(n, t_obs, seed=seed + 1)
    sim["recency"] = np.ceil(sim["recency"])
    return sim[["frequency", "recency", "T"]]


def continuous_sample(model: Any, n: int, seed: int) -> pd.DataFrame:
    """Continuous ages (uniform on [1, 546] days) and recencies: every history distinct."""
    rng = np.random.default_rng(seed)
    sim = model.simulate(n, rng.uniform(1.0, 546.0, n), seed=seed + 1)
    return sim[["frequency", "recency", "T"]]


#: the weekly parameters in days
BG_DAILY = BetaGeoParams(r=BG_TRUE.r, alpha=7.0 * BG_TRUE.alpha, a=BG_TRUE.a, b=BG_TRUE.b)
PNBD_DAILY = ParetoNBDParams(
    r=PNBD_TRUE.r, alpha=7.0 * PNBD_TRUE.alpha, s=PNBD_TRUE.s, beta=7.0 * PNBD_TRUE.beta
)


def _lifetimes() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import lifetimes

    return lifetimes


# --- fits --------------------------------------------------------------------------


def bg_fit_contenders(
    x: np.ndarray, rec: np.ndarray, t_obs: np.ndarray, modified: bool = False
) -> dict[str, Any]:
    """The BG/NBD (``modified``: MBG/NBD) fits of both libraries on the same raw arrays."""
    model = ModifiedBetaGeoModel if modified else BetaGeoModel

    def cv() -> tuple[str, float, tuple[float, ...]]:
        m = model().fit(frequency=x, recency=rec, T=t_obs)
        p = m.params_
        return "custvalue", m.log_likelihood_, (p.r, p.alpha, p.a, p.b)

    def lt() -> tuple[str, float, tuple[float, ...]]:
        lifetimes = _lifetimes()
        fitter = lifetimes.ModifiedBetaGeoFitter if modified else lifetimes.BetaGeoFitter
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            f = fitter().fit(x, rec, t_obs)
        p = tuple(float(f.params_[k]) for k in ("r", "alpha", "a", "b"))
        return "lifetimes", float("nan"), p

    return {"custvalue": cv, "lifetimes": lt}


def fit_cases(quick: bool) -> list[Case]:
    n_bg = 20_000 if quick else 1_000_000
    n_pn = 5_000 if quick else 100_000
    bg = weekly_sample(BetaGeoModel.from_params(BG_TRUE), n_bg, seed=1)
    pn = weekly_sample(ParetoNBDModel.from_params(PNBD_TRUE), n_pn, seed=2)
    x_bg, r_bg, t_bg = (bg[c].to_numpy(np.float64) for c in ("frequency", "recency", "T"))
    x_pn, r_pn, t_pn = (pn[c].to_numpy(np.float64) for c in ("frequency", "recency", "T"))

    def pn_fit_contenders(x: np.ndarray, rec: np.ndarray, t_obs: np.ndarray) -> dict[str, Any]:
        def cv() -> tuple[str, float, tuple[float, ...]]:
            m = ParetoNBDModel().fit(frequency=x, recency=rec, T=t_obs)
            p = m.params_
            return "custvalue", m.log_likelihood_, (p.r, p.alpha, p.s, p.beta)

        def lt() -> tuple[str, float, tuple[float, ...]]:
            lifetimes = _lifetimes()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                f = lifetimes.ParetoNBDFitter().fit(x, rec, t_obs)
            p = tuple(float(f.params_[k]) for k in ("r", "alpha", "s", "beta"))
            return "lifetimes", float("nan"), p

        return {"custvalue": cv, "lifetimes": lt}

    def same_optimum(model_cls: Any, params_cls: Any, data: tuple[np.ndarray, ...]) -> Any:
        def check(outputs: dict[str, object]) -> None:
            ours = outputs["custvalue"]
            assert isinstance(ours, tuple)
            theirs = outputs.get("lifetimes")
            if not isinstance(theirs, tuple):
                return
            ll_theirs = float(
                model_cls.from_params(params_cls(*theirs[2]))
                .individual_log_likelihood(*data)
                .sum()
            )
            rel = abs(ours[1] - ll_theirs) / abs(ours[1])
            assert rel <= 1e-6, f"log-likelihoods differ: {ours[1]} vs {ll_theirs} ({rel:.2e})"

        return check

    daily = weekly_sample(BetaGeoModel.from_params(BG_DAILY), n_bg, seed=7, max_age=546)
    x_d, r_d, t_d = (daily[c].to_numpy(np.float64) for c in ("frequency", "recency", "T"))
    pn_d = weekly_sample(ParetoNBDModel.from_params(PNBD_DAILY), n_pn, seed=8, max_age=546)
    x_pd, r_pd, t_pd = (pn_d[c].to_numpy(np.float64) for c in ("frequency", "recency", "T"))

    distinct_bg = len(bg.drop_duplicates())
    distinct_pn = len(pn.drop_duplicates())
    specs = (
        (
            "bgnbd_fit",
            f"{n_bg:,} customers / {distinct_bg:,} distinct rows",
            bg_fit_contenders(x_bg, r_bg, t_bg),
            (BetaGeoModel, BetaGeoParams, (x_bg, r_bg, t_bg)),
            "BetaGeoFitter.fit on the raw arrays; custvalue folds rows into weights.",
        ),
        (
            "bgnbd_fit_daily",
            f"{n_bg:,} customers / {len(daily.drop_duplicates()):,} distinct rows, daily",
            bg_fit_contenders(x_d, r_d, t_d),
            (BetaGeoModel, BetaGeoParams, (x_d, r_d, t_d)),
            "BetaGeoFitter.fit on daily periods (ages up to 546 days).",
        ),
        (
            "mbgnbd_fit_daily",
            f"{n_bg:,} customers / {len(daily.drop_duplicates()):,} distinct rows, daily",
            bg_fit_contenders(x_d, r_d, t_d, modified=True),
            (ModifiedBetaGeoModel, ModifiedBetaGeoParams, (x_d, r_d, t_d)),
            "ModifiedBetaGeoFitter.fit on the same daily sample.",
        ),
        (
            "pareto_nbd_fit",
            f"{n_pn:,} customers / {distinct_pn:,} distinct rows",
            pn_fit_contenders(x_pn, r_pn, t_pn),
            (ParetoNBDModel, ParetoNBDParams, (x_pn, r_pn, t_pn)),
            "ParetoNBDFitter.fit (Nelder-Mead, scipy hyp2f1) on the raw arrays.",
        ),
        (
            "pareto_nbd_fit_daily",
            f"{n_pn:,} customers / {len(pn_d.drop_duplicates()):,} distinct rows, daily",
            pn_fit_contenders(x_pd, r_pd, t_pd),
            (ParetoNBDModel, ParetoNBDParams, (x_pd, r_pd, t_pd)),
            "ParetoNBDFitter.fit on daily periods (ages up to 546 days).",
        ),
    )
    return [
        Case(
            group=group,
            size=size,
            contenders=contenders,
            check=same_optimum(*optimum),
            repeat=3,
            repeat_for={"lifetimes": 1},
            memory=False,
            note=note,
        )
        for group, size, contenders, optimum, note in specs
    ]


def new_model_cases(quick: bool) -> list[Case]:
    """MBG/CNBD-k, GGompertz/NBD and covariate fits (no Python peer has them by MLE).

    The nearest Python analogue on the same data is timed beside them:
    lifetimes' BG/NBD fit for the MBG/CNBD-k (its k = 1 relative), lifetimes'
    Pareto/NBD fit for the GGompertz/NBD (its b -> 0 limit).  The rows compare
    costs, not equal answers: the models differ, so there is no check.
    """
    n = 5_000 if quick else 50_000
    cnbd = ModifiedBetaGeoCNBDModel.from_params(
        ModifiedBetaGeoCNBDParams(2, 0.85, 1.45, 0.79, 2.42)
    )
    sim_c = cnbd.simulate(n, 52.0, seed=5)
    gg = GGompertzNBDModel.from_params(GGompertzNBDParams(1.2, 3.0, 0.1, 1.0, 1.5))
    sim_g = gg.simulate(n, 52.0, seed=6)

    def lifetimes_fit(name: str, sim: pd.DataFrame) -> Any:
        def run() -> tuple[str, float, tuple[float, ...]]:
            lifetimes = _lifetimes()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                f = getattr(lifetimes, name)().fit(sim["frequency"], sim["recency"], sim["T"])
            return "lifetimes", float("nan"), tuple(float(v) for v in f.params_)

        return run

    def cv_cnbd() -> tuple[str, float, tuple[float, ...]]:
        m = ModifiedBetaGeoCNBDModel().fit(sim_c)
        return "custvalue", m.log_likelihood_, tuple(vars_of(m.params_))

    def cv_gg() -> tuple[str, float, tuple[float, ...]]:
        m = GGompertzNBDModel().fit(sim_g)
        return "custvalue", m.log_likelihood_, tuple(vars_of(m.params_))

    n_cov = 2_000 if quick else 100_000
    rng = np.random.default_rng(8)
    covariates = pd.DataFrame(
        {"age": rng.normal(size=n_cov).round(1), "channel": rng.choice(["shop", "web"], n_cov)}
    )
    sim_z = BetaGeoModel.from_params(BG_TRUE).simulate(
        n_cov,
        rng.integers(1, 79, n_cov).astype(np.float64),
        seed=9,
        covariates=covariates,
        coefficients={"gamma_purchase[age]": 0.3, "gamma_dropout[channel[web]]": -0.5},
    )
    sim_z["recency"] = np.ceil(sim_z["recency"])

    def cv_cov() -> tuple[str, float, tuple[float, ...]]:
        m = BetaGeoModel().fit(sim_z, covariates=["age", "channel"])
        return "custvalue", m.log_likelihood_, tuple(m.coefficients_)

    def cv_plain() -> tuple[str, float, tuple[float, ...]]:
        m = BetaGeoModel().fit(sim_z[["frequency", "recency", "T"]])
        return "custvalue", m.log_likelihood_, tuple(vars_of(m.params_))

    return [
        Case(
            group="bgnbd_fit_covariates",
            size=f"{n_cov:,} customers (weekly), 2 covariates (numeric, 2 levels)",
            contenders={
                "custvalue": cv_cov,
                "custvalue, no covariates": cv_plain,
                "lifetimes": lifetimes_fit("BetaGeoFitter", sim_z),
            },
            repeat=3,
            repeat_for={"lifetimes": 1},
            memory=False,
            note=(
                "no Python peer fits covariates by maximum likelihood; custvalue without "
                "covariates and lifetimes' BG/NBD (no covariates) on the same data."
            ),
        ),
        Case(
            group="mbgcnbd_fit",
            size=f"{n:,} customers (continuous times), k profiled over 1..",
            contenders={"custvalue": cv_cnbd, "lifetimes": lifetimes_fit("BetaGeoFitter", sim_c)},
            repeat=3,
            repeat_for={"lifetimes": 1},
            memory=False,
            note="no Python peer has the MBG/CNBD-k; lifetimes' BG/NBD fit on the same data.",
        ),
        Case(
            group="ggompertz_nbd_fit",
            size=f"{n:,} customers (continuous times)",
            contenders={"custvalue": cv_gg, "lifetimes": lifetimes_fit("ParetoNBDFitter", sim_g)},
            repeat=1,
            memory=False,
            note="no Python peer has the GGompertz/NBD; lifetimes' Pareto/NBD on the same data.",
        ),
    ]


def vars_of(params: Any) -> list[float]:
    return [float(getattr(params, f)) for f in params.__dataclass_fields__]


# --- predictions -------------------------------------------------------------------


def _same_values(outputs: dict[str, object]) -> None:
    """custvalue's values equal lifetimes' (rtol 1e-8) where lifetimes' are finite (> 99 %)."""
    ours, theirs = outputs["custvalue"], outputs.get("lifetimes")
    if theirs is None:
        return
    b = np.asarray(theirs, dtype=np.float64)
    ok = np.isfinite(b)
    assert ok.mean() > 0.99
    np.testing.assert_allclose(np.asarray(ours, dtype=np.float64)[ok], b[ok], rtol=1e-8)


def _fitter(fitter_name: str, true: Any) -> Any:
    """A lifetimes fitter holding the parameters ``true`` (no fit)."""
    lifetimes = _lifetimes()
    f = getattr(lifetimes, fitter_name)()
    f.params_ = pd.Series({k.name: getattr(true, k.name) for k in dataclasses.fields(true)})
    if hasattr(f, "conditional_expected_number_of_purchases_up_to_time"):
        f.predict = f.conditional_expected_number_of_purchases_up_to_time  # as after fit()
    return f


def _quiet(call: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return call()


def predict_cases(quick: bool) -> list[Case]:
    """One case per quantity: E[X(t)], P(alive), P(X(t) = n) and the discounted CLV."""
    n = 20_000 if quick else 1_000_000
    cases = []
    bg_weekly = BetaGeoModel.from_params(BG_TRUE)
    bg_daily = BetaGeoModel.from_params(BG_DAILY)
    pnbd = ParetoNBDModel.from_params(PNBD_TRUE)
    for group, model, fitter_name, true, sampler, horizon in (
        ("bgnbd_predict", bg_weekly, "BetaGeoFitter", BG_TRUE, weekly_sample, 52.0),
        (
            "bgnbd_predict_continuous",
            bg_daily,
            "BetaGeoFitter",
            BG_DAILY,
            continuous_sample,
            365.0,
        ),
        ("pareto_nbd_predict", pnbd, "ParetoNBDFitter", PNBD_TRUE, weekly_sample, 52.0),
    ):
        sample = sampler(model, n, seed=3)
        x, rec, t_obs = (sample[c].to_numpy(np.float64) for c in ("frequency", "recency", "T"))
        size = f"{n:,} customers / {len(sample.drop_duplicates()):,} distinct rows"
        f = _fitter(fitter_name, true)
        contenders: dict[str, dict[str, Any]] = {
            f"E[X({horizon:g})]": {
                "custvalue": lambda m=model, h=horizon, a=(x, rec, t_obs): m.expected_purchases(
                    h, *a
                ),
                "lifetimes": lambda f=f, h=horizon, a=(x, rec, t_obs): _quiet(
                    lambda: f.conditional_expected_number_of_purchases_up_to_time(h, *a)
                ),
            },
            "P(alive)": {
                "custvalue": lambda m=model, a=(x, rec, t_obs): m.probability_alive(*a),
                "lifetimes": lambda f=f, a=(x, rec, t_obs): _quiet(
                    lambda: f.conditional_probability_alive(*a)
                ),
            },
        }
        if fitter_name == "ParetoNBDFitter":
            contenders[f"P(X({horizon:g}) = 2)"] = {
                "custvalue": lambda m=model, h=horizon, a=(x, rec, t_obs): (
                    m.probability_of_purchases_given_history(2, h, *a)
                ),
                "lifetimes": lambda f=f, h=horizon, a=(x, rec, t_obs): _quiet(
                    lambda: f.conditional_probability_of_n_purchases_up_to_time(2, h, *a)
                ),
            }
        if group == "bgnbd_predict":
            contenders["12-period CLV"] = _clv_contenders(model, f, x, rec, t_obs)
        for quantity, pair in contenders.items():
            cases.append(
                Case(
                    group=group,
                    size=f"{size}, {quantity}",
                    contenders=pair,
                    check=_same_values,
                    repeat=3,
                    note=f"lifetimes {fitter_name} methods on the same parameters.",
                )
            )
    return cases


def _clv_contenders(
    model: Any, fitter: Any, x: np.ndarray, rec: np.ndarray, t_obs: np.ndarray
) -> dict[str, Any]:
    """Discounted CLV, 12 periods of 4.345 weeks at 1 % a period, with a Gamma-Gamma spend."""
    from custvalue.clv import GammaGammaModel
    from custvalue.clv import GammaGammaParams
    from custvalue.clv import customer_lifetime_value

    gg_true = GammaGammaParams(p=6.25, q=3.74, v=15.44)
    spend = np.where(x > 0, np.random.default_rng(4).gamma(3.0, 12.0, x.size), 0.0)
    data = pd.DataFrame({"frequency": x, "recency": rec, "T": t_obs, "monetary_value": spend})
    gg = GammaGammaModel.from_params(gg_true)
    gg_fitter = _fitter("GammaGammaFitter", gg_true)

    def cv() -> Any:
        return customer_lifetime_value(
            model, gg, data, horizon=12, discount_rate=0.01, step=4.345
        ).to_numpy()

    def lt() -> Any:
        return _quiet(
            lambda: gg_fitter.customer_lifetime_value(
                fitter,
                data["frequency"],
                data["recency"],
                data["T"],
                data["monetary_value"],
                time=12,
                discount_rate=0.01,
                freq="W",
            ).to_numpy()
        )

    return {"custvalue": cv, "lifetimes": lt}


def cases(quick: bool) -> list[Case]:
    return fit_cases(quick) + new_model_cases(quick) + predict_cases(quick)
