"""One method vocabulary across the six CLV models: fit controls, state, errors, simulate."""

from __future__ import annotations

import inspect
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest

from custvalue.clv import BetaGeoBetaBinomModel
from custvalue.clv import BetaGeoBetaBinomParams
from custvalue.clv import BetaGeoCNBDModel
from custvalue.clv import BetaGeoCNBDParams
from custvalue.clv import BetaGeoModel
from custvalue.clv import BetaGeoParams
from custvalue.clv import GammaGammaModel
from custvalue.clv import GammaGammaParams
from custvalue.clv import GGompertzNBDModel
from custvalue.clv import GGompertzNBDParams
from custvalue.clv import ModifiedBetaGeoCNBDModel
from custvalue.clv import ModifiedBetaGeoCNBDParams
from custvalue.clv import ModifiedBetaGeoModel
from custvalue.clv import ModifiedBetaGeoParams
from custvalue.clv import ParetoNBDModel
from custvalue.clv import ParetoNBDParams
from custvalue.clv import ShiftedBetaGeoModel
from custvalue.clv import ShiftedBetaGeoParams
from custvalue.errors import ConvergenceWarning
from custvalue.errors import CustvalueWarning
from custvalue.errors import InputTypeError
from custvalue.errors import InputValueError
from custvalue.errors import StandardErrorWarning
from custvalue.rfm import calibration_holdout_summary


def _nbd_data(model: Any) -> pd.DataFrame:
    return model.simulate(2000, 39.0, seed=3)


MODELS: list[tuple[str, Any, Any]] = [
    ("bgnbd", BetaGeoModel.from_params(BetaGeoParams(0.243, 4.414, 0.793, 2.426)), _nbd_data),
    (
        "mbgnbd",
        ModifiedBetaGeoModel.from_params(ModifiedBetaGeoParams(0.525, 6.183, 0.891, 1.614)),
        _nbd_data,
    ),
    (
        "pareto",
        ParetoNBDModel.from_params(ParetoNBDParams(0.553, 10.578, 0.606, 11.669)),
        _nbd_data,
    ),
    (
        "bgbb",
        BetaGeoBetaBinomModel.from_params(BetaGeoBetaBinomParams(1.204, 0.750, 0.657, 2.783)),
        lambda m: m.simulate(5000, 6, seed=3),
    ),
    (
        "gg",
        GammaGammaModel.from_params(GammaGammaParams(6.25, 3.74, 15.44)),
        lambda m: m.simulate([1, 2, 3, 4, 5] * 400, seed=3),
    ),
    (
        "sbg",
        ShiftedBetaGeoModel.from_params(ShiftedBetaGeoParams(0.704, 1.182)),
        lambda m: m.simulate(5000, 8, seed=3),
    ),
    (
        "bgcnbd",
        BetaGeoCNBDModel.from_params(BetaGeoCNBDParams(2, 0.85, 1.45, 0.79, 2.42)),
        _nbd_data,
    ),
    (
        "mbgcnbd",
        ModifiedBetaGeoCNBDModel.from_params(ModifiedBetaGeoCNBDParams(2, 0.85, 1.45, 0.79, 2.42)),
        _nbd_data,
    ),
    (
        "ggompertz",
        GGompertzNBDModel.from_params(GGompertzNBDParams(0.9, 4.0, 0.08, 1.3, 2.5)),
        _nbd_data,
    ),
]
IDS = [m[0] for m in MODELS]


@pytest.mark.parametrize(("label", "truth", "make"), MODELS, ids=IDS)
def test_simulate_returns_a_frame_that_fit_takes(label: str, truth: Any, make: Any) -> None:
    sim = make(truth)
    assert isinstance(sim, pd.DataFrame)
    model = type(truth)().fit(sim)
    assert model.converged_ is True
    assert np.isfinite(model.log_likelihood_)
    assert isinstance(model.params_, type(truth.params_))


@pytest.mark.parametrize(("label", "truth", "make"), MODELS, ids=IDS)
def test_fit_controls_and_errors_are_the_same_everywhere(
    label: str, truth: Any, make: Any
) -> None:
    cls = type(truth)
    params = inspect.signature(cls.fit).parameters
    assert params["max_iter"].default == 2000 and params["tol"].default == 1e-9
    sim = make(truth)
    with pytest.raises(InputTypeError, match="`initial_params` must be a"):
        cls().fit(sim, initial_params=(1.0, 1.0))
    with pytest.raises(InputTypeError, match="`max_iter`"):
        cls().fit(sim, max_iter=1.5)
    with pytest.raises(InputValueError, match="`tol`"):
        cls().fit(sim, tol=0.0)
    # the iteration limit: parameters kept, converged_ False, a custvalue warning
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        stopped = cls().fit(sim, max_iter=1, tol=1e-14)
    assert stopped.converged_ is False
    assert np.isfinite(stopped.log_likelihood_)
    assert issubclass(ConvergenceWarning, CustvalueWarning)
    assert issubclass(ConvergenceWarning, UserWarning)


@pytest.mark.parametrize(("label", "truth", "make"), MODELS[:3], ids=IDS[:3])
def test_fit_reads_calibration_split_columns(label: str, truth: Any, make: Any) -> None:
    sim = make(truth)
    cal = sim.add_suffix("_cal").assign(frequency_holdout=0)
    a = type(truth)().fit(sim)
    b = type(truth)().fit(cal)
    assert a.params_ == b.params_
    renamed = sim.rename(columns={"frequency": "x", "recency": "tx"})
    c = type(truth)().fit(renamed, frequency="x", recency="tx")
    assert c.params_ == a.params_


def test_fit_takes_calibration_holdout_summary_output() -> None:
    rng = np.random.default_rng(0)
    n = 400
    log = pd.DataFrame(
        {
            "customer_id": rng.integers(0, 120, n),
            "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300, n), "D"),
            "amount": rng.gamma(2.0, 20.0, n).round(2),
        }
    )
    split = calibration_holdout_summary(
        log, calibration_end="2024-08-01", observation_end="2024-10-27", amount_col="amount"
    )
    model = BetaGeoModel().fit(split)
    expected = model.expected_purchases(10.0, data=split)
    assert isinstance(expected, pd.Series) and expected.index.equals(split.index)
    repeat = split[split["frequency_cal"] > 0]
    gg = GammaGammaModel().fit(repeat)
    assert np.isfinite(gg.log_likelihood_)


def test_summary_warns_on_missing_standard_errors() -> None:
    model = GammaGammaModel.from_params(GammaGammaParams(6.25, 3.74, 15.44))
    with pytest.warns(StandardErrorWarning, match="from_params"):
        table = model.summary()
    assert table["std_error"].isna().all()
    assert "note" in table.columns
    fitted = GammaGammaModel().fit(model.simulate([1, 2, 3, 4, 5] * 400, seed=1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = fitted.summary()
    assert table["std_error"].notna().all() and (table["note"] == "").all()
