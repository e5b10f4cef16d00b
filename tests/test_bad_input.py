"""A bad-input battery over every public function that reads a frame or per-customer values.

Each public entry point is called once with good input (which must work), then with
mutations of it: missing values of every dtype in every column it reads, huge values,
a wrong type for every keyword, column names of the wrong type, period multiples.  A
call may succeed only where the input is still meaningful; a refusal must be a
custvalue error (never a builtin ``KeyError``/``TypeError``/``OverflowError`` ...), and
where the input is plainly unusable (a missing id, a list as a column name) a refusal
is required.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from custvalue import commission
from custvalue import loyalty
from custvalue import rfm
from custvalue import tiers
from custvalue.clv import BetaGeoModel
from custvalue.clv import BetaGeoParams
from custvalue.clv import GammaGammaModel
from custvalue.errors import CustvalueError

LOG = pd.DataFrame(
    {
        "customer_id": [1, 1, 2, 3, 3, 3, 4],
        "date": pd.to_datetime(
            [
                "2024-01-02",
                "2024-02-10",
                "2024-01-15",
                "2024-01-03",
                "2024-02-01",
                "2024-03-05",
                "2024-03-20",
            ]
        ),
        "amount": [10.0, 12.5, 7.0, 30.0, 5.0, 18.0, 9.0],
        "cost": [6.0, 7.0, 3.0, 20.0, 2.0, 9.0, 4.0],
        "salesperson": ["ann", "bob", "ann", "cid", "bob", "ann", "cid"],
        "points": [100, 50, 20, 300, -100, 40, 10],
    }
)

PLAN = commission.CommissionPlan([(None, "20%", "2%"), ("20%", None, "5%")])

#: name -> (callable taking the log, the columns it reads)
LOG_READERS: dict[str, tuple[Callable[..., Any], list[str]]] = {
    "rfm.rfm_summary": (
        lambda log, **kw: rfm.rfm_summary(log, **{"amount_col": "amount", **kw}),
        ["customer_id", "date", "amount"],
    ),
    "rfm.calibration_holdout_summary": (
        lambda log, **kw: rfm.calibration_holdout_summary(
            log, "2024-02-01", "2024-03-31", **{"amount_col": "amount", **kw}
        ),
        ["customer_id", "date", "amount"],
    ),
    "tiers.profit_contribution": (
        lambda log, **kw: tiers.profit_contribution(
            log, **{"amount_col": "amount", "cost_col": "cost", **kw}
        ),
        ["customer_id", "date", "amount", "cost"],
    ),
    "tiers.grade_by_profit": (
        lambda log, **kw: tiers.grade_by_profit(
            log, **{"amount_col": "amount", "cost_col": "cost", "negative": "separate", **kw}
        ),
        ["customer_id", "date", "amount", "cost"],
    ),
    "tiers.lifecycle_stages": (
        lambda log, **kw: tiers.lifecycle_stages(log, **kw),
        ["customer_id", "date"],
    ),
    "loyalty.purchase_regularity": (
        lambda log, **kw: loyalty.purchase_regularity(log, **{"amount_col": "amount", **kw}),
        ["customer_id", "date", "amount"],
    ),
    "loyalty.program_tiers": (
        lambda log, **kw: loyalty.program_tiers(
            log, {"member": 0, "gold": 20}, **{"observation_end": "2024-03-31", **kw}
        ),
        ["customer_id", "date", "amount"],
    ),
    "loyalty.points_balance": (
        lambda log, **kw: loyalty.points_balance(log, **kw),
        ["customer_id", "date", "points"],
    ),
    "commission.commission": (
        lambda log, **kw: commission.commission(log, PLAN, **{"cost_col": "cost", **kw}),
        ["salesperson", "amount", "cost"],
    ),
}

MISSING = {
    "float NaN": lambda s: _as_float(s).where(s.index != 1, np.nan),
    "object None": lambda s: s.astype(object).where(s.index != 1, None),
    "nullable NA": lambda s: _nullable(s).where(s.index != 1, pd.NA),
}


def _as_float(s: pd.Series) -> pd.Series:
    return s.astype("float64") if pd.api.types.is_numeric_dtype(s) else s.astype(object)


def _nullable(s: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(s):
        return s
    if pd.api.types.is_integer_dtype(s):
        return s.astype("Int64")
    if pd.api.types.is_float_dtype(s):
        return s.astype("Float64")
    return s.astype("string")


def _mutated(column: str, how: Callable[[pd.Series], pd.Series]) -> pd.DataFrame:
    log = LOG.copy()
    if pd.api.types.is_datetime64_any_dtype(log[column]):
        log[column] = log[column].where(log.index != 1, pd.NaT)
    else:
        log[column] = how(log[column])
    return log


def _refused(call: Callable[[], Any]) -> CustvalueError:
    try:
        call()
    except CustvalueError as err:
        return err
    except Exception as err:  # pragma: no cover - the failure this battery looks for
        pytest.fail(f"raised a builtin {type(err).__name__} instead of a custvalue error: {err}")
    pytest.fail("accepted input that must be refused")


def _custvalue_or_success(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except CustvalueError:
        return None
    except Exception as err:  # pragma: no cover - the failure this battery looks for
        pytest.fail(f"raised a builtin {type(err).__name__} instead of a custvalue error: {err}")


def _keywords(func: Callable[..., Any]) -> list[str]:
    return [
        name
        for name, p in inspect.signature(func).parameters.items()
        if p.kind is inspect.Parameter.KEYWORD_ONLY
    ]


def _public(name: str) -> Callable[..., Any]:
    module, attr = name.split(".")
    return getattr(
        {"rfm": rfm, "tiers": tiers, "loyalty": loyalty, "commission": commission}[module], attr
    )


READER_NAMES = sorted(LOG_READERS)


@pytest.mark.parametrize("name", READER_NAMES)
def test_good_log_works_and_is_not_modified(name: str) -> None:
    call, _ = LOG_READERS[name]
    before = LOG.copy(deep=True)
    call(LOG)
    pd.testing.assert_frame_equal(LOG, before)


@pytest.mark.parametrize("kind", sorted(MISSING))
@pytest.mark.parametrize("name", READER_NAMES)
def test_missing_values_in_every_column_are_refused(name: str, kind: str) -> None:
    call, columns = LOG_READERS[name]
    for column in columns:
        err = _refused(lambda column=column: call(_mutated(column, MISSING[kind])))
        assert column in str(err) or "missing" in str(err).lower(), (column, str(err))


@pytest.mark.parametrize("name", READER_NAMES)
def test_column_names_of_the_wrong_type_are_refused(name: str) -> None:
    call, _ = LOG_READERS[name]
    func = _public(name)
    for kw in _keywords(func):
        if not kw.endswith("_col"):
            continue
        for bad in (["customer_id"], 3.5):
            err = _refused(lambda kw=kw, bad=bad: call(LOG, **{kw: bad}))
            assert kw in str(err), (kw, str(err))


@pytest.mark.parametrize("name", READER_NAMES)
def test_every_keyword_refuses_a_wrong_type(name: str) -> None:
    call, _ = LOG_READERS[name]
    for kw in _keywords(_public(name)):
        _custvalue_or_success(lambda kw=kw: call(LOG, **{kw: object()}))


@pytest.mark.parametrize("name", READER_NAMES)
def test_huge_amounts_are_exact_or_refused(name: str) -> None:
    call, columns = LOG_READERS[name]
    for column in ("amount", "cost", "points"):
        if column not in columns:
            continue
        for huge in (1e308, float(2**62), 2**62):
            log = LOG.copy()
            log[column] = huge if column != "points" else int(huge)
            out = _custvalue_or_success(lambda log=log: call(log))
            for frame in _frames(out):
                numbers = frame.select_dtypes("number").to_numpy(dtype=float, na_value=0.0)
                assert np.isfinite(numbers).all(), f"{name}: inf from {column}={huge!r}"


def _frames(out: Any) -> list[pd.DataFrame]:
    if isinstance(out, pd.DataFrame):
        return [out]
    if isinstance(out, pd.Series):
        return [out.to_frame()]
    frames = []
    for attr in dir(out):
        if not attr.startswith("_"):
            value = getattr(out, attr, None)
            if isinstance(value, pd.DataFrame):
                frames.append(value)
    return frames


@pytest.mark.parametrize("name", [n for n in READER_NAMES if "freq" in _keywords(_public(n))])
@pytest.mark.parametrize("freq", ["7D", "2W", "2M", "6h", "W-WED", "Q", "bogus", 7])
def test_period_multiples_are_honoured_or_refused(name: str, freq: object) -> None:
    call, _ = LOG_READERS[name]
    _custvalue_or_success(lambda: call(LOG, freq=freq))


# --- per-customer values ------------------------------------------------------------------

VALUES = pd.Series([5.0, 1.0, 3.0, 8.0], index=["a", "b", "c", "d"])
SUMMARY = pd.DataFrame(
    {"frequency": [2, 0, 1, 4], "recency": [10.0, 0.0, 4.0, 30.0], "T": [40.0, 12.0, 30.0, 31.0]},
    index=pd.Index(["a", "b", "c", "d"], name="customer_id"),
)
BG = BetaGeoModel.from_params(BetaGeoParams(r=0.24, alpha=4.4, a=0.79, b=2.4))

VALUE_FUNCTIONS: dict[str, Callable[[pd.Series], Any]] = {
    "tiers.abc_classes": lambda v: tiers.abc_classes(v),
    "tiers.abc_computed": lambda v: tiers.abc_computed(v),
    "tiers.weighted_score": lambda v: tiers.weighted_score(
        pd.DataFrame({"x": v, "y": v[::-1].to_numpy()}, index=v.index), {"x": 1, "y": 2}
    ),
    "tiers.value_grid": lambda v: tiers.value_grid(
        v,
        v,
        x_edges=[0.0, 2.0, 1e308],
        y_edges=[0.0, 4.0, 1e308],
        grid=[["low", "mid"], ["mid", "high"]],
    ),
    "clv.expected_purchases": lambda v: BG.expected_purchases(
        v, SUMMARY["frequency"].to_numpy(), SUMMARY["recency"].to_numpy(), SUMMARY["T"].to_numpy()
    ),
    "clv.gamma_gamma_fit": lambda v: GammaGammaModel().fit(
        frequency=pd.Series(np.arange(1, len(v) + 1), index=v.index), monetary_value=v
    ),
}

BAD_VALUES = {
    "NaN": lambda v: v.where(v.index != "b", np.nan),
    "inf": lambda v: v.where(v.index != "b", np.inf),
    "None": lambda v: v.astype(object).where(v.index != "b", None),
    "pd.NA": lambda v: v.astype("Float64").where(v.index != "b", pd.NA),
    "string": lambda v: v.astype(object).where(v.index != "b", "x"),
    "empty": lambda v: v.iloc[:0],
}


@pytest.mark.parametrize("bad", sorted(BAD_VALUES))
@pytest.mark.parametrize("name", sorted(VALUE_FUNCTIONS))
def test_bad_per_customer_values_are_refused(name: str, bad: str) -> None:
    func = VALUE_FUNCTIONS[name]
    func(VALUES)  # the good input works
    _refused(lambda: func(BAD_VALUES[bad](VALUES)))


@pytest.mark.parametrize("name", sorted(VALUE_FUNCTIONS))
def test_huge_per_customer_values_are_exact_or_refused(name: str) -> None:
    func = VALUE_FUNCTIONS[name]
    for huge in (1e300, 1.7e308):
        out = _custvalue_or_success(lambda huge=huge: func(VALUES * 0 + huge))
        for frame in _frames(out):
            numbers = frame.select_dtypes("number").to_numpy(dtype=float, na_value=0.0)
            assert np.isfinite(numbers).all(), f"{name}: inf from {huge!r}"
