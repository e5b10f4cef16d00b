"""Discounted lifetime value: closed forms, lifetimes' customer_lifetime_value, errors."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from custvalue.clv import BetaGeoBetaBinomModel
from custvalue.clv import BetaGeoBetaBinomParams
from custvalue.clv import GammaGammaModel
from custvalue.clv import GammaGammaParams
from custvalue.clv import SpendModel
from custvalue.clv import TransactionModel
from custvalue.clv import acquisition_value
from custvalue.clv import customer_lifetime_value
from custvalue.errors import InputTypeError
from custvalue.errors import InputValueError
from custvalue.errors import MissingColumnError

DATA = Path(__file__).parent / "data"
GG = GammaGammaModel.from_params(GammaGammaParams(6.25, 3.74, 15.44))


class PoissonToy:
    """Customers buy at constant rates lam (per time unit) forever: E[X(T, T+t)] = lam t."""

    def __init__(self, lam: float) -> None:
        self.lam = lam

    def expected_purchases(self, t: float, frequency: Any, recency: Any, T: Any) -> Any:
        return self.lam * t * (1.0 + np.asarray(frequency, dtype=float))

    def expected_purchases_new_customer(self, t: float) -> float:
        return self.lam * t


class FlatSpend:
    def expected_spend(self, frequency: Any, monetary_value: Any) -> Any:
        return np.asarray(monetary_value, dtype=float) + 1.0

    def population_mean_spend(self) -> float:
        return 10.0


class LifetimesAdapter:
    """A lifetimes BetaGeoFitter offering both lifetimes' and custvalue's interfaces."""

    def __init__(self, fitter: Any) -> None:
        self.fitter = fitter

    def predict(self, t: float, frequency: Any, recency: Any, T: Any) -> Any:
        return self.fitter.predict(t, frequency, recency, T)

    def expected_purchases(self, t: float, frequency: Any, recency: Any, T: Any) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return self.fitter.conditional_expected_number_of_purchases_up_to_time(
                t, frequency, recency, T
            )

    def expected_purchases_new_customer(self, t: float) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return self.fitter.expected_number_of_purchases_up_to_time(t)


def test_protocols_are_satisfied() -> None:
    assert isinstance(PoissonToy(1.0), TransactionModel)
    assert isinstance(BetaGeoBetaBinomModel(), TransactionModel)
    assert isinstance(GG, SpendModel)


@settings(max_examples=40, deadline=None)
@given(
    st.floats(0.001, 5.0),
    st.integers(1, 60),
    st.floats(0.0, 0.5),
    st.floats(0.1, 40.0),
    st.floats(0.0, 1.0),
)
def test_constant_rate_gives_the_discounted_annuity(
    lam: float, horizon: int, d: float, step: float, margin: float
) -> None:
    freq = np.array([0.0, 2.0, 5.0])
    mv = np.array([0.0, 20.0, 7.5])
    got = customer_lifetime_value(
        PoissonToy(lam),
        FlatSpend(),
        horizon=horizon,
        discount_rate=d,
        margin=margin,
        step=step,
        frequency=freq,
        recency=freq,
        T=freq + 1,
        monetary_value=mv,
    )
    annuity = sum((1 + d) ** -i for i in range(1, horizon + 1))
    expected = lam * (1 + freq) * step * (mv + 1) * margin * annuity
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)
    acq = acquisition_value(
        PoissonToy(lam), FlatSpend(), horizon=horizon, discount_rate=d, margin=margin, step=step
    )
    assert acq == pytest.approx(lam * step * 10.0 * margin * annuity, rel=1e-10, abs=1e-12)
    with_first = acquisition_value(
        PoissonToy(lam),
        FlatSpend(),
        horizon=horizon,
        discount_rate=d,
        margin=margin,
        step=step,
        include_first_purchase=True,
    )
    assert with_first == pytest.approx(acq + 10.0 * margin, rel=1e-10, abs=1e-12)


def _lifetimes_setup() -> tuple[Any, Any, pd.DataFrame]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lifetimes = pytest.importorskip("lifetimes")
        df = pd.read_csv(DATA / "cdnow_customers_summary_with_transactions.csv", index_col="ID")
        df = df.rename(columns={"x": "frequency", "t_x": "recency", "zbar": "monetary_value"})
        bgf = lifetimes.BetaGeoFitter().fit(df["frequency"], df["recency"], df["T"])
        ggf = lifetimes.GammaGammaFitter().fit(
            df.loc[df["frequency"] > 0, "frequency"], df.loc[df["frequency"] > 0, "monetary_value"]
        )
    return bgf, ggf, df


@pytest.mark.parametrize(("freq", "step"), [("D", 30.0), ("W", 4.345), ("M", 1.0)])
def test_matches_lifetimes_customer_lifetime_value(freq: str, step: float) -> None:
    bgf, ggf, df = _lifetimes_setup()
    model = LifetimesAdapter(bgf)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = ggf.customer_lifetime_value(
            model,
            df["frequency"],
            df["recency"],
            df["T"],
            df["monetary_value"],
            time=12,
            discount_rate=0.01,
            freq=freq,
        )
    spend = GammaGammaModel.from_params(GammaGammaParams(*ggf.params_.to_numpy()))
    got = customer_lifetime_value(model, spend, df, horizon=12, discount_rate=0.01, step=step)
    assert isinstance(got, pd.Series) and got.index.equals(df.index)
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=1e-10)


def test_matches_lifetimes_with_custvalue_bgnbd_when_available() -> None:
    try:
        from custvalue.clv import BetaGeoModel  # type: ignore[attr-defined]
        from custvalue.clv import BetaGeoParams  # type: ignore[attr-defined]
    except ImportError:
        pytest.skip("BetaGeoModel not available yet")
    bgf, ggf, df = _lifetimes_setup()
    ours = BetaGeoModel.from_params(BetaGeoParams(*bgf.params_[["r", "alpha", "a", "b"]]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = ggf.customer_lifetime_value(
            bgf,
            df["frequency"],
            df["recency"],
            df["T"],
            df["monetary_value"],
            time=6,
            discount_rate=0.02,
            freq="W",
        )
    spend = GammaGammaModel.from_params(GammaGammaParams(*ggf.params_.to_numpy()))
    got = customer_lifetime_value(ours, spend, df, horizon=6, discount_rate=0.02, step=4.345)
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=1e-7)


def test_bgbb_lifetime_value_sums_discounted_increments() -> None:
    bgbb = BetaGeoBetaBinomModel.from_params(BetaGeoBetaBinomParams(1.2, 0.75, 0.66, 2.78))
    rfm = pd.DataFrame(
        {
            "frequency": [0, 3, 6],
            "recency": [0, 4, 6],
            "n_periods": [6, 6, 6],
            "monetary_value": [0.0, 30.0, 45.0],
        },
        index=pd.Index(["a", "b", "c"], name="donor"),
    )
    got = customer_lifetime_value(bgbb, GG, rfm, horizon=5, discount_rate=0.1, margin=0.5)
    spend = GG.expected_spend(rfm["frequency"], rfm["monetary_value"]).to_numpy()
    expected = np.zeros(3)
    for i in range(1, 6):
        step = bgbb.expected_purchases(i, rfm["frequency"], rfm["recency"], rfm["n_periods"])
        prev = bgbb.expected_purchases(i - 1, rfm["frequency"], rfm["recency"], rfm["n_periods"])
        expected += (step - prev).to_numpy() * spend * 0.5 / 1.1**i
    np.testing.assert_allclose(got.to_numpy(), expected, rtol=1e-12)
    assert got.name == "clv" and got.index.equals(rfm.index)
    # one-time buyers are valued at the population mean spend
    assert spend[0] == pytest.approx(GG.population_mean_spend())
    acq = acquisition_value(bgbb, GG, horizon=5, discount_rate=0.1, margin=0.5)
    e = [bgbb.expected_purchases_new_customer(i) for i in range(6)]
    ref = sum((e[i] - e[i - 1]) / 1.1**i for i in range(1, 6)) * GG.population_mean_spend() * 0.5
    assert acq == pytest.approx(ref, rel=1e-12)


def test_arrays_in_array_out() -> None:
    out = customer_lifetime_value(
        PoissonToy(0.1),
        GG,
        horizon=3,
        discount_rate=0.0,
        frequency=[1, 2],
        recency=[3, 4],
        T=[5, 5],
        monetary_value=[10.0, 20.0],
    )
    assert isinstance(out, np.ndarray) and out.shape == (2,)


@pytest.mark.parametrize(
    ("kwargs", "arg"),
    [
        ({"horizon": 0, "discount_rate": 0.1}, "horizon"),
        ({"horizon": 1.5, "discount_rate": 0.1}, "horizon"),
        ({"horizon": 3, "discount_rate": -0.1}, "discount_rate"),
        ({"horizon": 3, "discount_rate": 0.1, "step": 0.0}, "step"),
        ({"horizon": 3, "discount_rate": 0.1, "margin": -1.0}, "margin"),
    ],
)
def test_bad_grid_arguments(kwargs: dict[str, Any], arg: str) -> None:
    rfm = pd.DataFrame({"frequency": [1], "recency": [2], "T": [3], "monetary_value": [4.0]})
    with pytest.raises((InputValueError, InputTypeError), match=f"`{arg}`"):
        customer_lifetime_value(PoissonToy(1.0), GG, rfm, **kwargs)
    with pytest.raises((InputValueError, InputTypeError), match=f"`{arg}`"):
        acquisition_value(PoissonToy(1.0), GG, **kwargs)


def test_bad_models_and_data() -> None:
    rfm = pd.DataFrame({"frequency": [1], "recency": [2], "T": [3], "monetary_value": [4.0]})
    with pytest.raises(InputTypeError, match="`transaction_model`"):
        customer_lifetime_value(object(), GG, rfm, horizon=1, discount_rate=0.1)  # type: ignore[arg-type]
    with pytest.raises(InputTypeError, match="`spend_model`"):
        customer_lifetime_value(PoissonToy(1.0), object(), rfm, horizon=1, discount_rate=0.1)  # type: ignore[arg-type]
    with pytest.raises(InputTypeError, match="`spend_model`"):
        acquisition_value(PoissonToy(1.0), object(), horizon=1, discount_rate=0.1)  # type: ignore[arg-type]
    with pytest.raises(MissingColumnError, match="monetary_value"):
        customer_lifetime_value(
            PoissonToy(1.0), GG, rfm.drop(columns="monetary_value"), horizon=1, discount_rate=0.1
        )
    with pytest.raises(InputValueError, match="`monetary_value`"):
        customer_lifetime_value(
            PoissonToy(1.0), GG, rfm.assign(monetary_value=-1.0), horizon=1, discount_rate=0.1
        )

    class NanModel(PoissonToy):
        def expected_purchases(self, t: float, frequency: Any, recency: Any, T: Any) -> Any:
            return np.full(len(frequency), np.nan)

    with pytest.raises(InputValueError, match="non-finite"):
        customer_lifetime_value(NanModel(1.0), GG, rfm, horizon=1, discount_rate=0.1)
