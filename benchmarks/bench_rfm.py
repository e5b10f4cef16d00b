"""RFM summary: ``custvalue.rfm.rfm_summary`` against lifetimes, pandas, polars, duckdb.

All contenders compute, per customer and with daily periods, the columns of
``rfm_summary``:

* ``frequency``: number of distinct purchase days minus one;
* ``recency``: days from the first to the last purchase day;
* ``T``: days from the first purchase day to the last day in the whole log;
* ``monetary_value``: mean of the per-day totals after the first purchase day
  (0 for one-day customers);
* ``purchases``: number of distinct purchase days;
* ``total_value``: sum of all amounts;
* ``inactivity``: ``T - recency``, days since the last purchase day.

lifetimes' ``summary_data_from_transaction_data`` produces the first four.  The
pandas peer is a plain groupby implementation and doubles as the reference of
the correctness check.  polars and duckdb get their input already in their own
format (conversion is part of the untimed setup) and return their native
result (a polars DataFrame; duckdb's result fetched as a pandas DataFrame).
"""

from __future__ import annotations

import gc
from typing import Any
from typing import Literal

import numpy as np
import pandas as pd
from _harness import Case
from datagen import synthetic_transactions

GROUP = "rfm_summary"
IdKind = Literal["int", "str", "object", "string[pyarrow]", "category", "polars"]
# How the customer ids reach custvalue, lifetimes and pandas: "str" is pandas' default
# string dtype (Arrow-backed), "object" Python str objects, "polars" a polars DataFrame
# with a Utf8 column handed to custvalue itself (the peers keep the pandas frame).
_PANDAS_IDS = {
    "str": None,
    "object": object,
    "string[pyarrow]": "string[pyarrow]",
    "category": "category",
}
COLUMNS = [
    "frequency",
    "recency",
    "T",
    "monetary_value",
    "purchases",
    "total_value",
    "inactivity",
]
INT_COLUMNS = {"frequency", "purchases"}
LIFETIMES_COLUMNS = ["frequency", "recency", "T", "monetary_value"]


# --- contenders --------------------------------------------------------------


def custvalue_rfm(df: pd.DataFrame) -> pd.DataFrame:
    from custvalue.rfm import rfm_summary

    return rfm_summary(
        df, customer_col="customer_id", date_col="date", amount_col="amount", freq="D"
    )


def lifetimes_rfm(df: pd.DataFrame) -> pd.DataFrame:
    from lifetimes.utils import summary_data_from_transaction_data

    return summary_data_from_transaction_data(
        df, "customer_id", "date", monetary_value_col="amount", freq="D"
    )


def pandas_rfm(df: pd.DataFrame) -> pd.DataFrame:
    """Idiomatic pandas: one row per (customer, day), then one per customer."""
    days = (
        df.assign(date=df["date"].dt.normalize())
        .groupby(["customer_id", "date"], as_index=False)["amount"]
        .sum()
    )  # sorted by customer, then day
    per_customer = days.groupby("customer_id")
    first = per_customer["date"].min()
    last = per_customer["date"].max()
    purchases = per_customer["date"].count()
    total = per_customer["amount"].sum()
    first_amount = per_customer["amount"].first()
    end = days["date"].max()

    one_day = np.timedelta64(1, "D")
    frequency = purchases - 1
    recency = (last - first) / one_day
    age = (end - first) / one_day
    repeat_mean = (total - first_amount) / frequency.where(frequency > 0)
    return pd.DataFrame(
        {
            "frequency": frequency,
            "recency": recency,
            "T": age,
            "monetary_value": repeat_mean.fillna(0.0),
            "purchases": purchases,
            "total_value": total,
            "inactivity": age - recency,
        }
    )


def polars_rfm(tx: Any) -> Any:
    import polars as pl

    days = tx.group_by("customer_id", pl.col("date").dt.truncate("1d")).agg(pl.col("amount").sum())
    end = days["date"].max()
    return (
        days.group_by("customer_id")
        .agg(
            first=pl.col("date").min(),
            last=pl.col("date").max(),
            purchases=pl.len(),
            total_value=pl.col("amount").sum(),
            first_amount=pl.col("amount").sort_by("date").first(),
        )
        .with_columns(
            frequency=pl.col("purchases") - 1,
            recency=(pl.col("last") - pl.col("first")).dt.total_days().cast(pl.Float64),
            T=(pl.lit(end) - pl.col("first")).dt.total_days().cast(pl.Float64),
            inactivity=(pl.lit(end) - pl.col("last")).dt.total_days().cast(pl.Float64),
        )
        .with_columns(
            monetary_value=pl.when(pl.col("frequency") > 0)
            .then((pl.col("total_value") - pl.col("first_amount")) / pl.col("frequency"))
            .otherwise(0.0)
        )
        .select("customer_id", *COLUMNS)
        .sort("customer_id")
    )


DUCKDB_SQL = """
WITH days AS (
    SELECT customer_id, date_trunc('day', date) AS day, sum(amount) AS amount
    FROM tx
    GROUP BY customer_id, day
), per_customer AS (
    SELECT customer_id,
           min(day) AS first, max(day) AS last, count(*) AS purchases,
           sum(amount) AS total_value, arg_min(amount, day) AS first_amount
    FROM days
    GROUP BY customer_id
), log_end AS (
    SELECT max(day) AS end_day FROM days
)
SELECT customer_id,
       purchases - 1 AS frequency,
       date_diff('day', first, last)::DOUBLE AS recency,
       date_diff('day', first, end_day)::DOUBLE AS T,
       CASE WHEN purchases > 1
            THEN (total_value - first_amount) / (purchases - 1) ELSE 0.0 END AS monetary_value,
       purchases,
       total_value,
       date_diff('day', last, end_day)::DOUBLE AS inactivity
FROM per_customer, log_end
ORDER BY customer_id
"""


def duckdb_rfm(con: Any) -> pd.DataFrame:
    return con.sql(DUCKDB_SQL).df()


# --- inputs ------------------------------------------------------------------


class Inputs:
    """Builds the transaction log (and its polars / duckdb copies) on demand."""

    def __init__(self, n_customers: int, n_transactions: int, id_kind: IdKind) -> None:
        self.args = (n_customers, n_transactions, id_kind)
        self.df: pd.DataFrame | None = None
        self.lifetimes_df: pd.DataFrame | None = None
        self._pl: Any = None
        self._con: Any = None

    def setup(self) -> None:
        n_customers, n_transactions, id_kind = self.args
        base = "int" if id_kind == "int" else "str"
        df = synthetic_transactions(n_customers, n_transactions, seed=0, id_kind=base)
        dtype = _PANDAS_IDS.get(id_kind)
        if dtype is not None:
            df = df.assign(customer_id=df["customer_id"].astype(dtype))
        self.df = df

    def custvalue_input(self) -> Any:
        """The log custvalue gets: the pandas frame, or its polars copy for "polars"."""
        return self.polars() if self.args[2] == "polars" else self.frame()

    def teardown(self) -> None:
        if self._con is not None:
            self._con.close()
        self.df = self.lifetimes_df = self._pl = self._con = None
        gc.collect()

    def frame(self) -> pd.DataFrame:
        assert self.df is not None, "setup() not called"
        return self.df

    def polars(self) -> Any:
        if self._pl is None:
            import polars as pl

            df = self.frame()
            self._pl = pl.DataFrame(
                {c: df[c].to_numpy() for c in ("customer_id", "date", "amount")}
            )
            if self._pl.schema["customer_id"] == pl.Object:
                self._pl = self._pl.with_columns(pl.col("customer_id").cast(pl.Utf8))
        return self._pl

    def duckdb(self) -> Any:
        if self._con is None:
            import duckdb

            con = duckdb.connect(":memory:")
            df = self.frame()
            if isinstance(df["customer_id"].dtype, pd.CategoricalDtype):  # as plain strings
                df = df.assign(customer_id=df["customer_id"].astype(str))
            con.register("tx_input", df)
            con.execute("CREATE TABLE tx AS SELECT * FROM tx_input")
            con.unregister("tx_input")
            self._con = con
        return self._con


# --- correctness -------------------------------------------------------------


def _as_pandas(name: str, out: Any) -> pd.DataFrame:
    """Bring every contender's output to a customer-indexed pandas frame."""
    if isinstance(out, pd.DataFrame) and name != "duckdb":
        return out
    if isinstance(out, pd.DataFrame):  # duckdb: customer_id is a column
        return out.set_index("customer_id")
    # polars DataFrame, converted without pyarrow
    data = {c: out[c].to_numpy() for c in out.columns}
    ids = data.pop("customer_id")
    return pd.DataFrame(data, index=pd.Index(ids, name="customer_id"))


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _compare(label: str, got: pd.DataFrame, ref: pd.DataFrame, columns: list[str]) -> None:
    assert len(got) == len(ref), f"{label}: {len(got)} rows, reference has {len(ref)}"
    for col in columns:
        assert col in got.columns, f"{label}: no column {col!r} (has {list(got.columns)})"
        a = np.asarray(got[col], dtype=np.float64)
        b = np.asarray(ref[col], dtype=np.float64)
        bad = ~np.isclose(a, b, rtol=1e-9, atol=1e-9)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise AssertionError(
                f"{label}: column {col!r} differs for {int(bad.sum())} customer(s), "
                f"first {_plain(ref.index[i])!r}: {float(a[i])!r} vs reference {float(b[i])!r}"
            )


def check(outputs: dict[str, object]) -> None:
    frames = {name: _as_pandas(name, out) for name, out in outputs.items()}
    ref_name = "pandas" if "pandas" in frames else "custvalue"
    if ref_name not in frames:
        return
    ref = frames[ref_name]
    assert ref.index.is_monotonic_increasing, f"{ref_name}: index not sorted"
    for name, got in frames.items():
        if name == ref_name:
            continue
        label = f"{name} vs {ref_name}"
        if name == "lifetimes":
            assert set(got.index) == set(ref.index), f"{label}: different customers"
            _compare(label, got.reindex(ref.index), ref, LIFETIMES_COLUMNS)
            continue
        assert got.index.equals(ref.index), f"{label}: index differs (values or order)"
        _compare(label, got, ref, COLUMNS)
        if name == "custvalue":
            for col in INT_COLUMNS:
                assert np.issubdtype(got[col].dtype, np.integer), (
                    f"{label}: {col!r} has dtype {got[col].dtype}, expected an integer dtype"
                )


# --- cases -------------------------------------------------------------------


def _case(n_customers: int, n_transactions: int, id_kind: IdKind, lifetimes_repeat: int) -> Case:
    inputs = Inputs(n_customers, n_transactions, id_kind)
    size = f"{n_customers:,} cust / {n_transactions:,} tx, {id_kind} ids"
    return Case(
        group=GROUP,
        size=size,
        contenders={
            "custvalue": lambda: custvalue_rfm(inputs.custvalue_input()),
            "lifetimes": lambda: lifetimes_rfm(inputs.frame()),
            "pandas": lambda: pandas_rfm(inputs.frame()),
            "polars": lambda: polars_rfm(inputs.polars()),
            "duckdb": lambda: duckdb_rfm(inputs.duckdb()),
        },
        check=check,
        repeat=3,
        repeat_for={"lifetimes": lifetimes_repeat},
        setup=inputs.setup,
        teardown=inputs.teardown,
        note=(
            "shuffled synthetic log (benchmarks/datagen.py, seed 0), daily periods; "
            "custvalue, lifetimes and pandas take the pandas DataFrame (ids as named: "
            "str = pandas' default Arrow-backed strings, object = Python str, "
            "string[pyarrow], category; polars = custvalue reads a polars DataFrame with "
            "Utf8 ids), polars and duckdb take the same data already loaded in their own "
            "format; polars and duckdb use all CPUs."
        ),
    )


def cases(quick: bool) -> list[Case]:
    kinds: tuple[IdKind, ...] = ("int", "str", "object", "string[pyarrow]", "category", "polars")
    if quick:
        return [_case(20_000, 52_000, kind, 3) for kind in kinds]
    return [_case(1_000_000, 2_600_000, kind, 1) for kind in kinds]
