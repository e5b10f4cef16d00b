"""Kernels split over threads give exactly the serial result (custvalue._core.jit).

The threaded drivers run only on large inputs; here ``MIN_CHUNK`` is lowered so
that small inputs are split into many chunks, and every result (values, first
error, positions needing the slow route) is compared with the same call on one
thread, which runs the serial kernel.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from collections.abc import Iterator
from typing import Any

import numba
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from custvalue._commission.kernels import date_periods
from custvalue._commission.kernels import statement_totals
from custvalue._core import jit as jit_module
from custvalue._core.ids import offset_codes
from custvalue._core.ids import pair_codes
from custvalue._core.jit import chunk_bounds
from custvalue._core.money import minor_to_decimal_array
from custvalue._core.money import to_minor_units
from custvalue.clv import BetaGeoModel
from custvalue.clv import BetaGeoParams
from custvalue.clv import ModifiedBetaGeoModel
from custvalue.clv import ModifiedBetaGeoParams
from custvalue.clv import ParetoNBDModel
from custvalue.clv import ParetoNBDParams
from custvalue.commission import CommissionPlan
from custvalue.commission import Tier
from custvalue.commission import commission
from custvalue.errors import InputValueError
from custvalue.rfm import calibration_holdout_summary
from custvalue.rfm import rfm_summary

THREADS = numba.config.NUMBA_NUM_THREADS


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(jit_module, "MIN_CHUNK", 7)
    yield
    numba.set_num_threads(THREADS)


def one_and_two_threads(call: Callable[[], Any]) -> tuple[Any, Any]:
    """``call()`` on one thread (serial kernels) and on two (threaded drivers)."""
    numba.set_num_threads(1)
    serial = call()
    numba.set_num_threads(min(2, THREADS))
    threaded = call()
    return serial, threaded


def assert_same(got: Any, want: Any) -> None:
    """Arrays (or tuples of them, nested) equal element by element, dtype included."""
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want)
        for g, w in zip(got, want, strict=True):
            assert_same(g, w)
    else:
        np.testing.assert_array_equal(got, want, strict=True)


def outcome(call: Callable[[], Any]) -> Any:
    """The result of ``call()``, or the message of the custvalue error it raises."""
    try:
        return call()
    except InputValueError as exc:
        return str(exc)


def test_chunk_bounds_cover_the_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jit_module, "MIN_CHUNK", 10)
    if THREADS < 2:
        pytest.skip("numba runs one thread here")
    numba.set_num_threads(2)
    assert chunk_bounds(19) is None  # under two chunks: serial
    for n in (20, 21, 99, 1000):
        b = chunk_bounds(n)
        assert b is not None
        assert b[0] == 0
        assert b[-1] == n
        sizes = np.diff(b)
        assert sizes.min() >= 10
        assert sizes.max() - sizes.min() <= 1
    b = chunk_bounds(1000, per_thread=1)
    assert b is not None
    assert b.size - 1 == 2  # one chunk per thread
    numba.set_num_threads(1)
    assert chunk_bounds(1000) is None
    numba.set_num_threads(THREADS)


def test_no_threads_outside_the_main_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jit_module, "MIN_CHUNK", 10)
    got: list[object] = []
    worker = threading.Thread(target=lambda: got.append(chunk_bounds(10_000)))
    worker.start()
    worker.join()
    assert got == [None]


@pytest.mark.usefixtures("small_chunks")
@settings(max_examples=40)
@given(
    n=st.integers(0, 300),
    seed=st.integers(0, 2**32 - 1),
    n_major=st.integers(1, 30),
    n_minor=st.integers(1, 5),
)
def test_id_codes_over_threads(n: int, seed: int, n_major: int, n_minor: int) -> None:
    rng = np.random.default_rng(seed)
    major = rng.integers(0, n_major, n)
    minor = rng.integers(0, n_minor, n) if n_minor > 1 else np.zeros(0, dtype=np.int64)
    serial, threaded = one_and_two_threads(
        lambda: (pair_codes(major, n_major, minor, n_minor), offset_codes(major, 0, n_major))
    )
    assert_same(threaded, serial)


@pytest.mark.usefixtures("small_chunks")
@settings(max_examples=40)
@given(
    n=st.integers(0, 400),
    seed=st.integers(0, 2**32 - 1),
    n_stmt=st.integers(1, 8),
)
def test_statement_totals_over_threads(n: int, seed: int, n_stmt: int) -> None:
    rng = np.random.default_rng(seed)
    stmt = rng.integers(0, n_stmt, n)
    basis = rng.integers(-(10**15), 10**15, n)
    comm = rng.integers(-(10**12), 10**12, n)
    kind = rng.integers(0, 5, n).astype(np.int8)
    serial, threaded = one_and_two_threads(
        lambda: statement_totals((stmt, basis, comm, kind), n_stmt)
    )
    assert_same(threaded, serial)
    reversal = (kind == 1) | (kind == 2)
    for got, want in zip(
        serial[:4],
        (
            np.bincount(stmt, minlength=n_stmt),
            [int(basis[stmt == g].sum()) for g in range(n_stmt)],
            [int(comm[stmt == g].sum()) for g in range(n_stmt)],
            [int(comm[(stmt == g) & reversal].sum()) for g in range(n_stmt)],
        ),
        strict=True,
    ):
        assert list(got) == list(want)
    assert serial[4] == int(np.abs(basis).max(initial=0))


@pytest.mark.usefixtures("small_chunks")
@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(0, 300),
    seed=st.integers(0, 2**32 - 1),
    holdout=st.booleans(),
    ids=st.sampled_from(["int", "object", "str"]),
)
def test_rfm_summaries_over_threads(n: int, seed: int, holdout: bool, ids: str) -> None:
    # String ids: their first words are read over threads, and the ids of an object
    # column are gathered while another thread groups the lines.
    rng = np.random.default_rng(seed)
    customers = rng.integers(0, max(n // 3, 1), n)
    log = pd.DataFrame(
        {
            "customer_id": (
                customers if ids == "int" else pd.Series([f"c{c}" for c in customers], dtype=ids)  # type: ignore[call-overload]
            ),
            "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 90, n), "D"),
            "amount": np.round(rng.uniform(1, 100, n), 2),
        }
    )
    kw = {"customer_col": "customer_id", "date_col": "date", "amount_col": "amount"}
    if holdout:

        def run() -> Any:
            return outcome(
                lambda: calibration_holdout_summary(
                    log, calibration_end="2024-02-15", observation_end="2024-03-31", **kw
                )
            )
    else:

        def run() -> Any:
            return outcome(lambda: rfm_summary(log, freq="D", **kw))

    serial, threaded = one_and_two_threads(run)
    if isinstance(serial, str):
        assert threaded == serial
    else:
        pd.testing.assert_frame_equal(threaded, serial)


# ties and near-ties (the exact Decimal route), too large for the fast route
SLOW = np.array([0.125, 2.675, -0.005, 1e13])


@pytest.mark.usefixtures("small_chunks")
@settings(max_examples=60)
@given(
    n=st.integers(0, 300),
    seed=st.integers(0, 2**32 - 1),
    bad=st.one_of(st.none(), st.tuples(st.floats(0, 1), st.sampled_from([np.nan, np.inf]))),
)
def test_minor_units_over_threads(n: int, seed: int, bad: tuple[float, float] | None) -> None:
    rng = np.random.default_rng(seed)
    x = np.round(rng.uniform(-1e6, 1e6, n), 3)
    slow = rng.random(n) < 0.3
    x[slow] = rng.choice(SLOW, int(slow.sum()))
    if bad is not None and n:
        x[int(bad[0] * (n - 1))] = bad[1]
    serial, threaded = one_and_two_threads(
        lambda: outcome(lambda: to_minor_units(x, 2, "half_even", name="amount"))
    )
    if isinstance(serial, str):
        assert threaded == serial
    else:
        np.testing.assert_array_equal(threaded, serial)


@pytest.mark.usefixtures("small_chunks")
@settings(max_examples=30)
@given(values=st.lists(st.integers(-(2**62), 2**62), max_size=200))
def test_decimal_columns_over_threads(values: list[int]) -> None:
    minor = np.array(values, dtype=np.int64)
    serial, threaded = one_and_two_threads(lambda: list(minor_to_decimal_array(minor, 2)))
    assert threaded == serial


PLAN = CommissionPlan(
    [
        Tier(None, "0%", "0%"),
        Tier("0%", "15%", "2%"),
        Tier("15%", "30%", "4.5%"),
        Tier("30%", None, "7.25%"),
    ]
)
GRADUATED = CommissionPlan(
    [
        Tier(None, "0%", ["0%", "0%"]),
        Tier("0%", "15%", ["2%", "3%"]),
        Tier("15%", "30%", ["4.5%", "5.5%"]),
        Tier("30%", None, ["7.25%", "8.25%"]),
    ],
    brackets=[0, 500],
)


@pytest.mark.usefixtures("small_chunks")
@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(0, 400),
    seed=st.integers(0, 2**32 - 1),
    bad=st.one_of(st.none(), st.floats(0, 1)),
    mode=st.sampled_from(["per_line", "graduated"]),
)
def test_commission_over_threads(n: int, seed: int, bad: float | None, mode: str) -> None:
    rng = np.random.default_rng(seed)
    amount = np.round(rng.uniform(-50, 500, n), 2)
    cost = np.round(amount * rng.uniform(0.4, 1.1, n), 2)
    if bad is not None and n:
        i = int(bad * (n - 1))
        cost[i] = -abs(amount[i]) - 1 if amount[i] >= 0 else abs(amount[i]) + 1  # wrong sign
    lines = pd.DataFrame(
        {
            "salesperson": rng.integers(0, 5, n),
            "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 400, n), "D"),
            "amount": amount,
            "cost": cost,
        }
    )

    def run() -> Any:
        res = commission(
            lines,
            GRADUATED if mode == "graduated" else PLAN,
            salesperson_col="salesperson",
            amount_col="amount",
            cost_col="cost",
            date_col="date",
            freq="M",
            mode=mode,  # type: ignore[arg-type]
        )
        return res.lines, res.statements

    serial, threaded = one_and_two_threads(lambda: outcome(run))
    if isinstance(serial, str):
        assert threaded == serial
    else:
        pd.testing.assert_frame_equal(threaded[0], serial[0])
        pd.testing.assert_frame_equal(threaded[1], serial[1])


@pytest.mark.usefixtures("small_chunks")
@settings(max_examples=40)
@given(
    n=st.integers(0, 200),
    seed=st.integers(0, 2**32 - 1),
    freq=st.integers(0, 3),
    span_days=st.sampled_from([3, 400, 60_000_000]),
    nat=st.one_of(st.none(), st.floats(0, 1)),
)
def test_date_periods_over_threads(
    n: int, seed: int, freq: int, span_days: int, nat: float | None
) -> None:
    rng = np.random.default_rng(seed)
    per_day = 86_400 * 10**9 if span_days < 100_000 else 86_400  # ns, or s for a huge span
    values = rng.integers(-span_days // 2, span_days // 2, n) * per_day
    values += rng.integers(0, per_day, n)
    if nat is not None and n:
        values[int(nat * (n - 1))] = np.iinfo(np.int64).min

    def run() -> tuple[tuple[int, int], list[int]]:
        out = np.full(n, -7, dtype=np.int64)
        res = date_periods(values, per_day, freq, out)
        return res, out.tolist() if res[1] >= 0 else []

    serial, threaded = one_and_two_threads(run)
    assert threaded == serial


@pytest.mark.usefixtures("small_chunks")
@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(1, 400),
    seed=st.integers(0, 2**32 - 1),
    modified=st.booleans(),
    clustered=st.booleans(),
)
def test_expectations_and_alive_over_threads(
    n: int, seed: int, modified: bool, clustered: bool
) -> None:
    rng = np.random.default_rng(seed)
    if clustered:
        # few frequencies, ages close together and one horizon: cells of many rows, read
        # from interpolants by the threads of the expectation kernel
        t_obs = rng.uniform(30.0, 34.0, n)
        x = rng.integers(0, 4, n).astype(np.float64)
        horizon = np.full(n, 26.0)
    else:
        t_obs = rng.uniform(1.0, 400.0, n)
        x = rng.poisson(3.0, n).astype(np.float64)
        horizon = rng.uniform(0.0, 500.0, n)
    tx = np.where(x > 0, t_obs * rng.uniform(0.0, 1.0, n), 0.0)
    model = (ModifiedBetaGeoModel if modified else BetaGeoModel).from_params(
        (ModifiedBetaGeoParams if modified else BetaGeoParams)(0.24, 4.4, 0.79, 2.4)
    )
    serial, threaded = one_and_two_threads(
        lambda: (
            model.expected_purchases(horizon, x, tx, t_obs),
            model.probability_alive(x, tx, t_obs),
        )
    )
    for got, want in zip(threaded, serial, strict=True):
        np.testing.assert_array_equal(got, want)


@pytest.mark.usefixtures("small_chunks")
@settings(max_examples=10, deadline=None)
@given(n=st.integers(1, 120), seed=st.integers(0, 2**32 - 1))
def test_pareto_predictions_over_threads(n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    t_obs = rng.uniform(1.0, 80.0, n)
    x = rng.poisson(2.0, n).astype(np.float64)
    tx = np.where(x > 0, t_obs * rng.uniform(0.0, 1.0, n), 0.0)
    model = ParetoNBDModel.from_params(ParetoNBDParams(0.553, 10.578, 0.606, 11.669))
    serial, threaded = one_and_two_threads(
        lambda: (
            model.expected_purchases(20.0, x, tx, t_obs),
            model.probability_alive(x, tx, t_obs),
            model.individual_log_likelihood(x, tx, t_obs),
            model.probability_of_purchases_given_history(2, 20.0, x, tx, t_obs),
        )
    )
    for got, want in zip(threaded, serial, strict=True):
        np.testing.assert_array_equal(got, want)
