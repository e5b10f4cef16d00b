"""custvalue.diagnostics against lifetimes, slow references and BTYDplus' published numbers."""

from __future__ import annotations

import inspect
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import integrate
from scipy import stats

from custvalue.clv import BetaGeoModel
from custvalue.clv import BetaGeoParams
from custvalue.clv import GammaGammaModel
from custvalue.clv import GammaGammaParams
from custvalue.clv import ModifiedBetaGeoModel
from custvalue.clv import ModifiedBetaGeoParams
from custvalue.clv import ParetoNBDModel
from custvalue.clv import ParetoNBDParams
from custvalue.diagnostics import aic
from custvalue.diagnostics import bic
from custvalue.diagnostics import calibration_vs_holdout
from custvalue.diagnostics import chi_square_test
from custvalue.diagnostics import compare_models
from custvalue.diagnostics import expected_cumulative_transactions
from custvalue.diagnostics import frequency_recency_matrix
from custvalue.diagnostics import holdout_metrics
from custvalue.diagnostics import likelihood_ratio_test
from custvalue.diagnostics import period_transactions
from custvalue.diagnostics import probability_alive_history
from custvalue.diagnostics import probability_alive_matrix
from custvalue.diagnostics import spend_by_frequency
from custvalue.errors import InputTypeError
from custvalue.errors import InputValueError
from custvalue.errors import MissingColumnError
from custvalue.errors import NotFittedError
from custvalue.rfm import calibration_holdout_summary

DATA = Path(__file__).parent / "data"
BG = BetaGeoParams(r=0.243, alpha=4.414, a=0.793, b=2.426)


@pytest.fixture(scope="module")
def master_log() -> pd.DataFrame:
    log = pd.read_csv(DATA / "CDNOW_master.txt", sep=r"\s+")
    log["date"] = pd.to_datetime(log["date"].astype(str), format="%Y%m%d")
    return log


@pytest.fixture(scope="module")
def sample_log() -> pd.DataFrame:
    log = pd.read_csv(
        DATA / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["master_id", "customer_id", "date", "cds", "amount"],
    )
    log["date"] = pd.to_datetime(log["date"].astype(str), format="%Y%m%d")
    return log


@pytest.fixture(scope="module")
def split(sample_log: pd.DataFrame) -> pd.DataFrame:
    # BTYDplus demo: elog2cbs(elog, T.cal = "1997-09-30", T.tot = "1998-06-30"), in weeks.
    return calibration_holdout_summary(sample_log, "1997-09-30", "1998-06-30")


@pytest.fixture(scope="module")
def weekly(split: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "frequency": split["frequency_cal"],
            "recency": split["recency_cal"] / 7,
            "T": split["T_cal"] / 7,
        }
    )


@pytest.fixture(scope="module")
def fitted(weekly: pd.DataFrame) -> dict[str, object]:
    # Three fits on the 2357 CDNOW sample customers (a few seconds, shared by the module).
    return {
        "BG/NBD": BetaGeoModel().fit(weekly),
        "MBG/NBD": ModifiedBetaGeoModel().fit(weekly),
        "Pareto/NBD": ParetoNBDModel().fit(weekly),
    }


# -- expected_cumulative_transactions ---------------------------------------------------


@pytest.fixture(scope="module")
def lifetimes():
    pytest.importorskip("lifetimes")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import lifetimes
        import lifetimes.utils
    return lifetimes


def _lifetimes_fitter(lifetimes, kind: str, params: dict[str, float]) -> object:
    fitter = lifetimes.BetaGeoFitter() if kind == "bg" else lifetimes.ParetoNBDFitter()

    fitter.params_ = pd.Series(params)
    return fitter


@pytest.mark.parametrize(
    ("freq", "t", "kind"),
    [("D", 546, "bg"), ("W", 78, "bg"), ("W", 78, "pnbd")],
)
def test_tracking_curve_equals_lifetimes_on_cdnow(lifetimes, master_log, freq, t, kind):
    if kind == "bg":
        params = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
        model = BetaGeoModel.from_params(BetaGeoParams(**params))
    else:
        params = {"r": 0.553, "alpha": 10.58, "s": 0.606, "beta": 11.67}
        model = ParetoNBDModel.from_params(ParetoNBDParams(**params))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = lifetimes.utils.expected_cumulative_transactions(
            _lifetimes_fitter(lifetimes, kind, params),
            master_log,
            "date",
            "customer_id",
            t,
            freq=freq,
        )
    got = expected_cumulative_transactions(model, master_log, t, freq=freq)
    assert len(got) == t
    np.testing.assert_array_equal(got["actual"].to_numpy(), ref["actual"].to_numpy())
    np.testing.assert_allclose(got["predicted"].to_numpy(), ref["predicted"].to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(np.cumsum(got["predicted_incremental"]), got["predicted"])
    np.testing.assert_array_equal(np.cumsum(got["actual_incremental"]), got["actual"])
    assert got["period"].iloc[0] == pd.Period("1997-01-01", freq)


def test_tracking_curve_does_not_mutate_and_refuses_bad_input(master_log):
    model = BetaGeoModel.from_params(BG)
    small = master_log.head(200)
    before = small.copy()
    expected_cumulative_transactions(model, small, 30)
    pd.testing.assert_frame_equal(small, before)
    with pytest.raises(MissingColumnError, match="customer"):
        expected_cumulative_transactions(model, small.drop(columns="customer_id"), 30)
    with pytest.raises(InputTypeError, match="datetime64"):
        expected_cumulative_transactions(model, small.assign(date="x"), 30)
    with pytest.raises(InputValueError, match="`t`"):
        expected_cumulative_transactions(model, small, 0)
    # period multiples are honoured: periods of two days, counted from the first one
    two_days = expected_cumulative_transactions(model, small, 30, freq="2D")["period"]
    assert (two_days.iloc[1].start_time - two_days.iloc[0].start_time) == pd.Timedelta(days=2)
    with pytest.raises(InputValueError, match="`freq` 'bogus' is not a pandas period"):
        expected_cumulative_transactions(model, small, 30, freq="bogus")
    with pytest.raises(InputTypeError, match="expected_purchases_new_customer"):
        expected_cumulative_transactions(object(), small, 3)
    # customer_col=None: the log is one customer's purchases
    one = small.assign(customer_id=7)
    pd.testing.assert_frame_equal(
        expected_cumulative_transactions(model, small, 30, customer_col=None),
        expected_cumulative_transactions(model, one, 30),
    )


def test_history_reads_the_log_with_the_tracking_options(master_log):
    model = BetaGeoModel.from_params(BG)
    one = master_log[master_log["customer_id"] == master_log["customer_id"].iloc[0]]
    assert list(inspect.signature(probability_alive_history).parameters) == list(
        inspect.signature(expected_cumulative_transactions).parameters
    )
    weekly = probability_alive_history(model, one, 10, freq="W", date_col="date")
    assert weekly["period"].iloc[0] == pd.Period(one["date"].min(), "W")
    with pytest.raises(InputTypeError, match="datefmt"):
        probability_alive_history(model, one, 10, datefmt="%Y")


# -- period_transactions -----------------------------------------------------------------


def _bgnbd_pmf_by_integration(p, n: int, t: float, modified: bool = False) -> float:
    """P(X(t) = n): the individual (M)BG/NBD pmf, mixed over p in closed form, over lambda by quad.

    BG/NBD: alive through n purchases with prob (1-p)^n, or dropped right after the n-th
    (n > 0) with prob p (1-p)^(n-1) once n purchases happened.  MBG/NBD adds a dropout
    opportunity at time 0: (1-p)^(n+1) and p (1-p)^n.
    """
    from scipy.special import beta as beta_fn

    m = 1 if modified else 0
    stay = beta_fn(p.a, p.b + n + m) / beta_fn(p.a, p.b)  # E[(1 - p)^(n + m)]
    has_drop = n + m > 0
    drop = beta_fn(p.a + 1, p.b + n + m - 1) / beta_fn(p.a, p.b) if has_drop else 0.0

    def integrand(u: float) -> float:  # lambda = exp(u): the r < 1 pole becomes smooth
        lam = np.exp(u)
        out = stay * stats.poisson.pmf(n, lam * t)
        if has_drop:
            out += drop * (stats.poisson.sf(n - 1, lam * t) if n > 0 else 1.0)
        return float(out * stats.gamma.pdf(lam, p.r, scale=1 / p.alpha) * lam)

    val, _ = integrate.quad(integrand, -400, 8, limit=400, epsabs=1e-13, epsrel=1e-11)
    return float(val)


@pytest.mark.parametrize("modified", [False, True])
def test_period_transactions_equals_integrated_pmf(modified):
    params = (ModifiedBetaGeoParams if modified else BetaGeoParams)(
        r=BG.r, alpha=BG.alpha, a=BG.a, b=BG.b
    )
    model = (ModifiedBetaGeoModel if modified else BetaGeoModel).from_params(params)
    T = np.array([5.0, 5.0, 20.0, 38.0, 38.0, 38.0])
    freq = np.array([0, 1, 0, 2, 5, 9])
    data = pd.DataFrame({"frequency": freq, "recency": np.minimum(freq * 2.0, T), "T": T})
    table = period_transactions(model, data, max_frequency=3)
    assert list(table.index) == ["0", "1", "2", "3+"]
    assert table["actual"].tolist() == [2, 1, 1, 2]
    for k in range(3):
        ref = sum(_bgnbd_pmf_by_integration(params, k, t, modified) for t in T)
        assert table["expected"].iloc[k] == pytest.approx(ref, rel=1e-8)
    assert table["expected"].sum() == pytest.approx(len(T))


def test_period_transactions_matches_simulation_for_pareto():
    params = ParetoNBDParams(r=0.55, alpha=10.6, s=0.61, beta=11.7)
    model = ParetoNBDModel.from_params(params)
    rng = np.random.default_rng(3)
    n = 200_000
    lam = rng.gamma(params.r, 1 / params.alpha, n)
    mu = rng.gamma(params.s, 1 / params.beta, n)
    life = rng.exponential(1 / mu)
    counts = rng.poisson(lam * np.minimum(life, 39.0))
    data = pd.DataFrame({"frequency": [0], "recency": [0.0], "T": [39.0]})
    table = period_transactions(model, data, max_frequency=4)
    simulated = np.bincount(np.minimum(counts, 4), minlength=5) / n
    np.testing.assert_allclose(table["expected"].to_numpy(), simulated, atol=4e-3)


def test_chi_square_pools_tail_like_a_hand_computation():
    table = pd.DataFrame(
        {"actual": [100, 40, 12, 3, 1, 2], "expected": [95.0, 45.0, 10.0, 4.0, 2.0, 2.0]}
    )
    res = chi_square_test(table, n_params=1)
    # bins pooled from the top: {5,4,3} expect 8 -> bins 0, 1, 2, {3,4,5}
    o = np.array([100, 40, 12, 6])
    e = np.array([95.0, 45.0, 10.0, 8.0])
    stat = float(((o - e) ** 2 / e).sum())
    assert res["statistic"] == pytest.approx(stat)
    assert res["dof"] == 2
    assert res["p_value"] == pytest.approx(np.exp(-stat / 2))  # chi2(2) survival function
    with pytest.raises(InputValueError, match="bins"):
        chi_square_test(table.head(2), n_params=1)


def test_chi_square_on_cdnow_fit(fitted, weekly):
    table = period_transactions(fitted["BG/NBD"], weekly, max_frequency=7)
    assert table["actual"].sum() == 2357
    assert table["actual"].iloc[0] == (weekly["frequency"] == 0).sum()
    res = chi_square_test(table, n_params=4)
    assert res["dof"] == 3
    assert 0 <= res["p_value"] <= 1


# -- calibration_vs_holdout ----------------------------------------------------------------


def test_calibration_vs_holdout_equals_loop(split):
    model = BetaGeoModel.from_params(BetaGeoParams(r=0.243, alpha=4.414 * 7, a=0.793, b=2.426))
    table = calibration_vs_holdout(model, split, max_value=5)
    groups: dict[int, list[tuple[float, float]]] = {}
    for row in split.head(len(split)).itertuples():
        pred = float(
            np.asarray(
                model.expected_purchases(
                    np.array([row.duration_holdout]),
                    np.array([row.frequency_cal], dtype=float),
                    np.array([row.recency_cal]),
                    np.array([row.T_cal]),
                ),
                dtype=float,
            ).ravel()[0]
        )
        groups.setdefault(min(row.frequency_cal, 5), []).append((row.frequency_holdout, pred))
    assert list(table.index) == sorted(groups)
    for key, rows in groups.items():
        assert table.loc[key, "customers"] == len(rows)
        assert table.loc[key, "actual"] == pytest.approx(np.mean([a for a, _ in rows]))
        assert table.loc[key, "predicted"] == pytest.approx(np.mean([p for _, p in rows]))


def test_calibration_vs_holdout_by_other_column(split):
    model = BetaGeoModel.from_params(BG)
    data = split.assign(old=split["T_cal"] > 200)
    table = calibration_vs_holdout(model, data, by="old", max_value=None)
    assert table["customers"].sum() == len(split)
    with pytest.raises(InputTypeError, match="max_value"):
        calibration_vs_holdout(model, data.assign(old=data["old"].map(str)), by="old")
    with pytest.raises(MissingColumnError, match="nope"):
        calibration_vs_holdout(model, data, by="nope")


# -- matrices ---------------------------------------------------------------------------------


def test_matrices_mask_impossible_cells_and_equal_cellwise_calls():
    model = BetaGeoModel.from_params(BG)
    er = frequency_recency_matrix(model, T=10, t=4, max_frequency=5)
    pa = probability_alive_matrix(model, T=10, max_frequency=5)
    assert er.shape == (6, 11)
    for f in range(6):
        for r in range(11):
            possible = (r == 0) if f == 0 else (r >= f)
            assert np.isnan(er.loc[f, r]) != possible
            assert np.isnan(pa.loc[f, r]) != possible
            if possible:
                args = (np.array([float(f)]), np.array([float(r)]), np.array([10.0]))
                ref_e = np.asarray(model.expected_purchases(np.array([4.0]), *args), dtype=float)
                ref_p = np.asarray(model.probability_alive(*args), dtype=float)
                assert er.loc[f, r] == pytest.approx(float(ref_e.ravel()[0]), rel=1e-12)
                assert pa.loc[f, r] == pytest.approx(float(ref_p.ravel()[0]), rel=1e-12)
    with pytest.raises(InputValueError, match="max_recency"):
        frequency_recency_matrix(model, T=10, max_recency=11)
    with pytest.raises(InputValueError, match="`T`"):
        probability_alive_matrix(model, T=-1)


# -- holdout metrics ------------------------------------------------------------------------


def test_holdout_metrics_reproduce_btydplus_cdnow_table(fitted, weekly, split):
    """BTYDplus demo/cdnow.r (github.com/mplatzer/BTYDplus, commit 28316a11), CDNOW sample.

    39 weeks calibration / 39 weeks holdout, ``round(acc, 3)`` printed in the demo:
    pnbd MAPE 0.945 RMSE 1.603 MSLE 0.238; bgnbd 0.984 1.608 0.234; cbgnbd (BTYDplus'
    earlier name of the MBG/NBD) 0.958 1.607 0.231.  The demo's "MAPE" is
    sum|a - f| / sum(a), our WAPE.
    """
    n = len(weekly)
    pred = {
        name: np.asarray(
            m.expected_purchases(
                np.full(n, 39.0),
                weekly["frequency"].to_numpy(dtype=float),
                weekly["recency"].to_numpy(),
                weekly["T"].to_numpy(),
            ),
            dtype=float,
        )
        for name, m in fitted.items()
    }
    table = holdout_metrics(split["frequency_holdout"], pred).round(3)
    published = {
        "Pareto/NBD": (0.945, 1.603, 0.238),
        "BG/NBD": (0.984, 1.608, 0.234),
        "MBG/NBD": (0.958, 1.607, 0.231),
    }
    for name, (wape, rmse, msle) in published.items():
        assert tuple(table.loc[name, ["WAPE", "RMSE", "MSLE"]]) == (wape, rmse, msle)


def test_holdout_metrics_by_hand():
    a = np.array([0.0, 2.0, 5.0, 1.0])
    f = np.array([0.5, 1.5, 4.0, 1.0])
    table = holdout_metrics(pd.Series(a), pd.DataFrame({"x": f, "y": a}))
    assert table.loc["x", "MAE"] == pytest.approx((0.5 + 0.5 + 1.0) / 4)
    assert table.loc["x", "RMSE"] == pytest.approx(np.sqrt((0.25 + 0.25 + 1.0) / 4))
    assert table.loc["x", "bias"] == pytest.approx(7.0 / 8.0 - 1)
    assert table.loc["x", "WAPE"] == pytest.approx(2.0 / 8.0)
    msle = np.mean(
        [
            (np.log(1) - np.log(1.5)) ** 2,
            (np.log(3) - np.log(2.5)) ** 2,
            (np.log(6) - np.log(5)) ** 2,
            0.0,
        ]
    )
    assert table.loc["x", "MSLE"] == pytest.approx(msle)
    assert table.loc["y"].tolist() == [0, 0, 0, 0, 0, pytest.approx(1.0)]
    with pytest.raises(InputValueError, match="4 values"):
        holdout_metrics(a, [1.0])
    with pytest.raises(InputValueError, match="finite"):
        holdout_metrics(a, [1.0, np.nan, 1, 1])
    with pytest.raises(InputTypeError, match="actual"):
        holdout_metrics("abc", [1.0])


# -- model comparison -------------------------------------------------------------------------


def test_information_criteria_and_likelihood_ratio(fitted):
    bg = fitted["BG/NBD"]
    ll = bg.log_likelihood_
    assert aic(bg) == pytest.approx(8 - 2 * ll)
    assert bic(bg, 2357) == pytest.approx(4 * np.log(2357) - 2 * ll)
    table = compare_models(fitted, n_obs=2357)
    assert list(table.index) == ["BG/NBD", "MBG/NBD", "Pareto/NBD"]
    assert table["n_params"].tolist() == [4, 4, 4]
    lr = likelihood_ratio_test(fitted["BG/NBD"], fitted["MBG/NBD"], dof=1)
    stat = 2 * (fitted["MBG/NBD"].log_likelihood_ - ll)
    assert lr["statistic"] == pytest.approx(max(stat, 0.0))
    assert lr["p_value"] == pytest.approx(stats.chi2.sf(max(stat, 0.0), 1))
    with pytest.raises(NotFittedError):
        aic(BetaGeoModel.from_params(BG))
    with pytest.raises(InputValueError, match="dof"):
        likelihood_ratio_test(bg, bg)


# -- spend ---------------------------------------------------------------------------------


def test_spend_by_frequency_equals_groupwise_means():
    params = GammaGammaParams(p=6.25, q=3.74, v=15.44)
    model = GammaGammaModel.from_params(params)
    data = pd.DataFrame(
        {"frequency": [0, 1, 1, 2, 8, 9], "monetary_value": [0.0, 10.0, 30.0, 20.0, 40.0, 50.0]}
    )
    table = spend_by_frequency(model, data, max_frequency=3)
    assert list(table.index) == [1, 2, 3]
    assert table["customers"].tolist() == [2, 1, 2]
    assert table["observed"].tolist() == [20.0, 20.0, 45.0]

    def cond(x: float, m: float) -> float:  # Fader, Hardie & Lee (2005b), eq. (5)
        p, q, v = params.p, params.q, params.v
        weight = p * x / (p * x + q - 1)
        return (1 - weight) * v * p / (q - 1) + weight * m

    assert table.loc[1, "expected"] == pytest.approx((cond(1, 10) + cond(1, 30)) / 2)
    assert table.loc[3, "expected"] == pytest.approx((cond(8, 40) + cond(9, 50)) / 2)


def test_bad_inputs_are_refused_with_custvalue_errors():
    model = BetaGeoModel.from_params(BG)
    data = pd.DataFrame({"frequency": [0, 1], "recency": [0.0, 2.0], "T": [5.0, 5.0]})
    with pytest.raises(InputTypeError, match="`data`"):
        period_transactions(model, data.to_numpy())
    with pytest.raises(InputValueError, match="frequency"):
        period_transactions(model, data.assign(frequency=[0.5, 1]))
    with pytest.raises(InputValueError, match=r"'T' of `data` must be finite and >= 0, got -1.0"):
        period_transactions(model, data.assign(T=[5.0, -1.0]))
    with pytest.raises(InputTypeError, match="max_frequency"):
        period_transactions(model, data, max_frequency=2.5)
    with pytest.raises(InputTypeError, match="probability_of_purchases"):
        period_transactions(object(), data)
    with pytest.raises(MissingColumnError, match="monetary_value"):
        spend_by_frequency(GammaGammaModel.from_params(GammaGammaParams(6.0, 4.0, 15.0)), data)
    with pytest.raises(InputTypeError, match="numeric"):
        period_transactions(model, data.assign(T=["a", "b"]))
    before = data.copy()
    period_transactions(model, data)
    pd.testing.assert_frame_equal(data, before)


def test_checking_page_shows_the_tables_the_code_prints(fitted, weekly, split):
    page = (Path(__file__).parent.parent / "docs" / "checking.rst").read_text()
    shown = "\n".join(line[3:] for line in page.splitlines())
    table = compare_models(fitted, n_obs=len(weekly)).round(1)
    assert table.to_string() in shown
    n = len(weekly)
    predicted = {
        name: np.asarray(
            m.expected_purchases(
                np.full(n, 39.0),
                weekly["frequency"].to_numpy(float),
                weekly["recency"].to_numpy(),
                weekly["T"].to_numpy(),
            ),
            dtype=float,
        )
        for name, m in fitted.items()
    }
    assert holdout_metrics(split["frequency_holdout"], predicted).round(3).to_string() in shown
