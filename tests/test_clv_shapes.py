"""One output convention for every prediction of every CLV model.

Every public prediction method is called with scalars, broadcast arrays, Series
and ``data=``; the type, shape and index of the result are checked, and the
values must agree across the four forms (the scalar calls are the reference).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from custvalue._core.shape import resolve
from custvalue._core.shape import shape_output
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
from custvalue.clv import customer_lifetime_value
from custvalue.errors import InputTypeError
from custvalue.errors import InputValueError
from custvalue.errors import MissingColumnError

BG = BetaGeoModel.from_params(BetaGeoParams(0.243, 4.414, 0.793, 2.426))
MBG = ModifiedBetaGeoModel.from_params(ModifiedBetaGeoParams(0.525, 6.183, 0.891, 1.614))
PNBD = ParetoNBDModel.from_params(ParetoNBDParams(0.553, 10.578, 0.606, 11.669))
BGBB = BetaGeoBetaBinomModel.from_params(BetaGeoBetaBinomParams(1.204, 0.750, 0.657, 2.783))
GG = GammaGammaModel.from_params(GammaGammaParams(6.25, 3.74, 15.44))
SBG = ShiftedBetaGeoModel.from_params(ShiftedBetaGeoParams(0.704, 1.182))
GGOM = GGompertzNBDModel.from_params(GGompertzNBDParams(0.9, 4.0, 0.08, 1.3, 2.5))
BGC = BetaGeoCNBDModel.from_params(BetaGeoCNBDParams(2, 0.85, 1.45, 0.79, 2.42))
MBGC = ModifiedBetaGeoCNBDModel.from_params(ModifiedBetaGeoCNBDParams(3, 0.85, 1.45, 0.79, 2.42))

# three customers; every column is a valid history row by row
RFM = {"frequency": [2, 0, 7], "recency": [30.43, 0.0, 35.0], "T": [38.86, 20.0, 38.86]}
RFM_T = {"t": [39.0, 10.0, 52.0], **RFM}
DISCRETE = {"frequency": [3, 0, 6], "recency": [4, 0, 6], "n_periods": [6, 5, 6]}
NT = {"n": [0, 2, 5], "t": [39.0, 10.0, 52.0]}
NT_DISCRETE = {"n": [0, 2, 5], "t": [6, 3, 10]}
RFM_LITT = {**RFM, "litt": [1.5, 0.0, -1.0]}
SPEND = {"frequency": [1, 0, 10], "monetary_value": [10.0, 0.0, 90.0]}


def _method(model: Any, name: str, **fixed: Any) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(model, name)(*args, **fixed, **kwargs)

    call.__name__ = name
    return call


def _clv(**kwargs: Any) -> Any:
    return customer_lifetime_value(BG, GG, horizon=6, discount_rate=0.01, step=4.0, **kwargs)


CASES: list[tuple[str, Callable[..., Any], dict[str, list[Any]], bool]] = []
for label, model in (("bgnbd", BG), ("mbgnbd", MBG), ("pareto", PNBD)):
    CASES += [
        (f"{label}.probability_alive", _method(model, "probability_alive"), RFM, True),
        (
            f"{label}.individual_log_likelihood",
            _method(model, "individual_log_likelihood"),
            RFM,
            True,
        ),
        (f"{label}.expected_purchases", _method(model, "expected_purchases"), RFM_T, True),
        (
            f"{label}.expected_purchases_new_customer",
            _method(model, "expected_purchases_new_customer"),
            {"t": RFM_T["t"]},
            True,
        ),
        (
            f"{label}.probability_of_purchases",
            _method(model, "probability_of_purchases"),
            NT,
            True,
        ),
    ]
    # history-based probabilities and P(alive) at a future date
    CASES += [
        (
            f"{label}.probability_of_purchases_given_history",
            _method(model, "probability_of_purchases_given_history"),
            {**NT, **RFM},
            True,
        ),
        (
            f"{label}.probability_alive_later",
            _method(model, "probability_alive", t=10.0),
            RFM,
            True,
        ),
    ]


for label, model in (("bgcnbd", BGC), ("mbgcnbd", MBGC)):
    CASES += [
        (f"{label}.probability_alive", _method(model, "probability_alive"), RFM, True),
        (
            f"{label}.individual_log_likelihood",
            _method(model, "individual_log_likelihood"),
            RFM_LITT,
            True,
        ),
        (f"{label}.expected_purchases", _method(model, "expected_purchases"), RFM_T, True),
        (
            f"{label}.expected_purchases_new_customer",
            _method(model, "expected_purchases_new_customer"),
            {"t": RFM_T["t"]},
            True,
        ),
        (
            f"{label}.probability_of_purchases",
            _method(model, "probability_of_purchases"),
            NT,
            True,
        ),
    ]
CASES += [
    (f"ggompertz.{name}", _method(GGOM, name), cols, True)
    for name, cols in (
        ("probability_alive", RFM),
        ("individual_log_likelihood", RFM),
        ("expected_purchases", RFM_T),
        ("expected_purchases_new_customer", {"t": RFM_T["t"]}),
    )
]
CASES += [
    (
        "pareto.dert",
        _method(PNBD, "discounted_expected_residual_transactions", discount_rate=0.003),
        RFM,
        True,
    ),
    ("bgbb.probability_alive", _method(BGBB, "probability_alive"), DISCRETE, True),
    ("bgbb.individual_log_likelihood", _method(BGBB, "individual_log_likelihood"), DISCRETE, True),
    (
        "bgbb.expected_purchases",
        _method(BGBB, "expected_purchases"),
        {"t": [5, 1, 10], **DISCRETE},
        True,
    ),
    (
        "bgbb.expected_purchases_new_customer",
        _method(BGBB, "expected_purchases_new_customer"),
        {"t": [5, 1, 10]},
        True,
    ),
    (
        "bgbb.probability_of_purchases",
        _method(BGBB, "probability_of_purchases"),
        NT_DISCRETE,
        True,
    ),
    ("gg.expected_spend", _method(GG, "expected_spend"), SPEND, True),
    (
        "gg.individual_log_likelihood",
        _method(GG, "individual_log_likelihood"),
        {"frequency": [1, 3, 10], "monetary_value": [10.0, 25.0, 90.0]},
        True,
    ),
    ("sbg.survival", _method(SBG, "survival"), {"t": [0, 3, 12]}, True),
    (
        "sbg.individual_log_likelihood",
        _method(SBG, "individual_log_likelihood"),
        {"t": [1, 3, 12], "churned": [1, 0, 1]},
        True,
    ),
    ("sbg.retention_rate", _method(SBG, "retention_rate"), {"t": [1, 3, 12]}, True),
    ("sbg.churn_probability", _method(SBG, "churn_probability"), {"t": [1, 3, 12]}, True),
    (
        "sbg.derl",
        _method(SBG, "discounted_expected_residual_lifetime", discount_rate=0.1),
        {"renewals": [0, 3, 12]},
        True,
    ),
    ("customer_lifetime_value", _clv, {**RFM, "monetary_value": [20.0, 0.0, 35.0]}, False),
]
IDX = pd.Index(["a", "b", "c"], name="customer")


@pytest.mark.parametrize(
    ("label", "func", "columns", "positional"), CASES, ids=[c[0] for c in CASES]
)
def test_scalar_broadcast_series_and_data_forms_agree(
    label: str, func: Callable[..., Any], columns: dict[str, list[Any]], positional: bool
) -> None:
    names = list(columns)

    def call(values: dict[str, Any], **kwargs: Any) -> Any:
        if positional:
            return func(*values.values(), **kwargs)
        return func(**values, **kwargs)

    # scalars -> float (the reference values)
    ref = []
    for i in range(3):
        got = call({k: columns[k][i] for k in names})
        assert type(got) is float, label
        assert np.isfinite(got)
        ref.append(got)
    ref_arr = np.array(ref)

    # arrays -> ndarray of the same length
    got = call({k: list(v) for k, v in columns.items()})
    assert isinstance(got, np.ndarray) and got.shape == (3,), label
    np.testing.assert_allclose(got, ref_arr, rtol=1e-12)

    # broadcasting: the first row's scalars against a column of all three values of one input
    for k in names:
        values = {j: columns[j][0] for j in names}
        values[k] = np.array(columns[k][:1] * 3)
        got = call(values)
        assert isinstance(got, np.ndarray) and got.shape == (3,), (label, k)
        np.testing.assert_allclose(got, np.full(3, ref[0]), rtol=1e-12)
    # ... and a 2-D grid of numpy broadcasting
    values = {j: np.array(columns[j][:1]).reshape(1, 1) for j in names}
    values[names[0]] = np.array(columns[names[0]][:1] * 2).reshape(2, 1)
    grid = call(values)
    assert isinstance(grid, np.ndarray) and grid.shape == (2, 1), label

    # Series -> Series on their index (a scalar may broadcast against them)
    got = call({k: pd.Series(v, index=IDX) for k, v in columns.items()})
    assert isinstance(got, pd.Series) and got.index.equals(IDX), label
    np.testing.assert_allclose(got.to_numpy(), ref_arr, rtol=1e-12)

    # data= -> Series on data.index, with columns read by name
    frame = pd.DataFrame(columns, index=IDX)
    got = func(data=frame)
    assert isinstance(got, pd.Series) and got.index.equals(IDX), label
    np.testing.assert_allclose(got.to_numpy(), ref_arr, rtol=1e-12)

    # calibration column names are understood when the plain names are absent
    got = func(data=frame.add_suffix("_cal"))
    np.testing.assert_allclose(got.to_numpy(), ref_arr, rtol=1e-12)

    # string column names
    renamed = frame.rename(columns={names[0]: "renamed"})
    got = func(data=renamed, **{names[0]: "renamed"})
    np.testing.assert_allclose(got.to_numpy(), ref_arr, rtol=1e-12)


@pytest.mark.parametrize(
    ("label", "func", "columns", "positional"), CASES, ids=[c[0] for c in CASES]
)
def test_mismatched_inputs_are_refused(
    label: str, func: Callable[..., Any], columns: dict[str, list[Any]], positional: bool
) -> None:
    names = list(columns)
    if len(names) > 1:
        series = {k: pd.Series(v, index=IDX) for k, v in columns.items()}
        series[names[-1]] = pd.Series(columns[names[-1]], index=["x", "y", "z"])
        with pytest.raises(InputValueError, match=f"`{names[-1]}`.*index"):
            func(**series)
        bad = {k: list(v) for k, v in columns.items()}
        bad[names[-1]] = bad[names[-1]][:2]
        with pytest.raises(InputValueError, match="broadcast"):
            func(**bad)
    with pytest.raises(MissingColumnError, match=repr(names[0])):
        func(data=pd.DataFrame(columns).drop(columns=names[0]))
    with pytest.raises(InputTypeError, match=f"`{names[0]}`"):
        func(
            **{k: pd.DataFrame(columns) for k in names[:1]},
            data=pd.DataFrame(columns).drop(columns=names[0]),
        )


def test_every_public_prediction_is_covered() -> None:
    covered = {c[0].split(".")[1] for c in CASES if "." in c[0]}
    for model in (BG, PNBD, BGBB, GG, SBG, BGC, MBGC, GGOM):
        for name, member in inspect.getmembers(model, inspect.ismethod):
            if name.startswith("_") or name in {"fit", "from_params", "summary", "simulate"}:
                continue
            params = inspect.signature(member).parameters
            if "data" not in params:
                # only scalar summaries of the parameters have no per-row inputs
                assert name in {"population_mean_spend", "discounted_expected_lifetime"}, name
                continue
            short = {
                "discounted_expected_residual_transactions": "dert",
                "discounted_expected_residual_lifetime": "derl",
            }.get(name, name)
            assert short in covered, name


def test_shape_helper_directly() -> None:
    res = resolve({"a": 2.0, "b": [1.0, 2.0]})
    assert res.shape == (2,) and res.scalars == frozenset({"a"})
    assert shape_output(res.arrays["a"] + res.arrays["b"], res, "x").tolist() == [3.0, 4.0]
    res = resolve({"a": 2.0})
    assert shape_output(np.array([5.0]), res, "x") == 5.0
    s = pd.Series([1.0, 2.0], index=["p", "q"])
    out = shape_output(np.array([3.0, 4.0]), s, "y")
    assert isinstance(out, pd.Series) and out.name == "y" and list(out.index) == ["p", "q"]
    with pytest.raises(InputValueError, match="`a` is missing"):
        resolve({"a": None})
    with pytest.raises(InputValueError, match="index"):
        resolve({"a": [1.0, 2.0]}, data=pd.DataFrame({"b": [1.0, 2.0, 3.0]}))
