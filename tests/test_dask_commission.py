"""custvalue.dask.commission gives the in-memory commission, on random sales lines.

Every expectation is :func:`custvalue.commission.commission` run on the same lines.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

dd = pytest.importorskip("dask.dataframe")

import dask  # noqa: E402

from custvalue import commission as cm  # noqa: E402
from custvalue import dask as cvd  # noqa: E402
from custvalue.errors import InputTypeError  # noqa: E402
from custvalue.errors import InputValueError  # noqa: E402

SYNC = {"scheduler": "sync", "dataframe.shuffle.method": "tasks"}
START = pd.Timestamp("2024-01-01")
PLAN = cm.CommissionPlan(
    [(None, "20%", ["1%", "2%"]), ("20%", "40%", ["3%", "4.5%"]), ("40%", None, ["5%", "7%"])],
    brackets=[0, 500],
)
PEOPLE = ["ann", "bob", "cid", "dee", "eve"]


@st.composite
def sales(draw):
    """Sales lines (whole cents), some returns linked to their sale, some split lines."""
    n = draw(st.integers(1, 30))
    rows = []
    for i in range(n):
        amount = draw(st.integers(1, 40_000))
        cost = draw(st.integers(0, amount * 3 // 2))
        rows.append(
            {
                "salesperson": draw(st.sampled_from(PEOPLE)),
                "amount": amount / 100,
                "cost": cost / 100,
                "date": START + pd.Timedelta(days=draw(st.integers(0, 200))),
                "ref": None,
                "id": 1000 + i,
            }
        )
    for k in draw(st.lists(st.integers(0, n - 1), max_size=6, unique=True)):
        sale = rows[k]
        part = draw(st.sampled_from([1, 2, 4]))  # returns 1/part of the sale
        rows.append(
            {
                "salesperson": draw(st.sampled_from(PEOPLE)),  # not used for a linked return
                "amount": -round(sale["amount"] / part, 2),
                "cost": -round(sale["cost"] / part, 2),
                "date": sale["date"] + pd.Timedelta(days=draw(st.integers(0, 60))),
                "ref": sale["id"],
                "id": 1000 + len(rows),
            }
        )
    if draw(st.booleans()):  # an unlinked return
        rows.append(dict(rows[0], amount=-1.0, cost=-0.5, ref=None, id=1000 + len(rows)))
    lines = pd.DataFrame(rows)
    lines["ref"] = lines["ref"].astype("float64")
    split_rows = []
    for k in draw(st.lists(st.integers(0, n - 1), max_size=4, unique=True)):
        a, b = draw(st.lists(st.sampled_from(PEOPLE), min_size=2, max_size=2, unique=True))
        share = draw(st.sampled_from(["50%", "30%", "0.25"]))
        rest = {"50%": "50%", "30%": "70%", "0.25": "0.75"}[share]
        split_rows += [(1000 + k, a, share), (1000 + k, b, rest)]
    splits = pd.DataFrame(split_rows, columns=["line", "salesperson", "share"])
    return lines, splits


def _in_memory_or_error(lines, **kw):
    try:
        return cm.commission(lines, PLAN, **kw), None
    except InputValueError as exc:
        return None, exc


def _check_same(res, expected) -> None:
    got_lines, got_statements, got_credits = dask.compute(res.lines, res.statements, res.credits)
    pd.testing.assert_frame_equal(got_lines.loc[expected.lines.index], expected.lines)
    statements = got_statements.sort_values(["salesperson", "period"], kind="stable")
    pd.testing.assert_frame_equal(statements.reset_index(drop=True), expected.statements)
    credits = got_credits.sort_values("line", kind="stable").reset_index(drop=True)
    # the shares of every split, not only those used: compared as Decimals
    used = expected.credits["share"].cat.categories
    assert set(used) <= set(credits["share"].cat.categories)
    as_decimals = {"share": object}
    pd.testing.assert_frame_equal(
        credits.astype(as_decimals), expected.credits.astype(as_decimals)
    )


@settings(max_examples=12, deadline=None)
@given(
    data=sales(),
    npartitions=st.integers(1, 4),
    mode=st.sampled_from(["per_line", "graduated", "retroactive"]),
    freq=st.sampled_from([None, "M", "Q"]),
    linked=st.booleans(),
    split=st.booleans(),
    caps=st.sampled_from([None, 15.0]),
)
def test_commission_equals_in_memory(data, npartitions, mode, freq, linked, split, caps):
    lines, splits = data
    kw = dict(cost_col="cost", mode=mode, date_col="date", freq=freq, caps=caps, floors=None)
    if linked:
        kw["reference_col"] = "ref"
    if split and len(splits):
        kw["splits"] = splits
    if linked or split:
        kw["line_id_col"] = "id"
    else:
        lines = lines[lines["ref"].isna()]
    # shuffled rows: the partitions hold lines of every salesperson
    shuffled = lines.sample(frac=1.0, random_state=len(lines))
    ddf = dd.from_pandas(shuffled, npartitions=npartitions, sort=False)
    # the lines in the dtypes Dask holds them in
    expected, error = _in_memory_or_error(ddf.compute(), **kw)
    with dask.config.set(SYNC):
        if error is not None:
            with pytest.raises(type(error)):
                res = cvd.commission(ddf, PLAN, **kw)
                dask.compute(res.lines, res.statements, res.credits)
            return
        _check_same(cvd.commission(ddf, PLAN, **kw), expected)


@pytest.mark.parametrize("npartitions", [1, 2, 5])
def test_commission_on_the_index_with_floors_and_revenue_basis(npartitions):
    rng = np.random.default_rng(1)
    n = 60
    lines = pd.DataFrame(
        {
            "salesperson": rng.choice(PEOPLE, n),
            "amount": rng.integers(-500, 30_000, n) / 100,
            "date": START + pd.to_timedelta(rng.integers(0, 365, n), unit="D"),
        },
        index=pd.Index([f"L{i}" for i in range(n)], name="line"),
    )
    lines = lines[lines["amount"] != 0]
    lines["cost"] = (lines["amount"] * 0.7).round(2)
    kw = dict(cost_col="cost", basis="revenue", mode="retroactive", date_col="date", freq="Q")
    kw["floors"] = {"ann": 5.0, "bob": 1.0}
    ddf = dd.from_pandas(lines, npartitions=npartitions, sort=False)
    expected = cm.commission(ddf.compute(), PLAN, **kw)
    with dask.config.set(SYNC):
        _check_same(cvd.commission(ddf, PLAN, **kw), expected)


def test_commission_refuses_what_spans_partitions():
    lines = pd.DataFrame(
        {
            "salesperson": ["ann", "bob", "ann", "bob"],
            "amount": [10.0, 20.0, -5.0, 4.0],
            "cost": [5.0, 10.0, -2.5, 1.0],
            "ref": [None, None, 0.0, None],
            "currency": ["EUR", "EUR", "EUR", "USD"],
            "id": [0, 1, 2, 3],
        },
        index=[0, 1, 0, 1],  # as read in two partitions: each starts at 0
    )
    ddf = dd.from_pandas(lines, npartitions=2, sort=False)
    with dask.config.set(SYNC):
        with pytest.raises(InputValueError, match="repeats line ids"):
            cvd.commission(ddf, PLAN, cost_col="cost", reference_col="ref")
        with pytest.raises(InputValueError, match="2 currencies"):
            cvd.commission(ddf, PLAN, cost_col="cost", currency_col="currency")
        splits = pd.DataFrame({"line": [7, 7], "salesperson": ["ann", "bob"], "share": [0.5, 0.5]})
        with pytest.raises(InputValueError, match="not line ids"):
            cvd.commission(ddf, PLAN, cost_col="cost", splits=splits, line_id_col="id")
        with pytest.raises(InputTypeError, match="`splits` must be a pandas DataFrame"):
            cvd.commission(ddf, PLAN, cost_col="cost", splits=dd.from_pandas(splits))
        with pytest.raises(InputTypeError, match="CommissionPlan"):
            cvd.commission(ddf, "plan", cost_col="cost")
        with pytest.raises(InputValueError, match="empty"):
            cvd.commission(ddf[ddf["amount"] > 100], PLAN, cost_col="cost")
    with pytest.raises(InputTypeError, match="dask DataFrame"):
        cvd.commission(lines, PLAN, cost_col="cost")
