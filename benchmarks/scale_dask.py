"""custvalue.dask at scale: a Parquet log larger than a worker's memory limit.

A standalone script (not part of ``benchmarks/run.py``)::

    python benchmarks/scale_dask.py                      # 1M and 10M customers
    python benchmarks/scale_dask.py --customers 1000000  # one size

For each size it writes a synthetic log (``datagen.synthetic_transactions``,
2.6 transactions per customer) as Parquet into a temporary directory, starts a
``distributed.LocalCluster`` of 2 single-threaded worker processes with a
memory limit each, runs the pipeline

    rfm_summary -> BG/NBD and Gamma-Gamma fits -> CLV -> ABC classes

writing the summary and the results to Parquet (as a job would), and reports
the wall time of each step, the peak resident memory of each worker (sampled
every 0.2 s) and the equality with the in-memory functions on a sample of
customers (every transaction of the sampled customers, summarised in memory
with the same global observation end).  The directory is removed at the end.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from datagen import synthetic_transactions

TX_PER_CUSTOMER = 2.6
CHUNK_CUSTOMERS = 125_000


def write_log(directory: Path, n_customers: int) -> tuple[int, int]:
    """Write the log in chunks of customers (distinct ids); return rows and in-memory bytes."""
    directory.mkdir(parents=True)
    rows = nbytes = 0
    for i, lo in enumerate(range(0, n_customers, CHUNK_CUSTOMERS)):
        n = min(CHUNK_CUSTOMERS, n_customers - lo)
        chunk = synthetic_transactions(n, int(n * TX_PER_CUSTOMER), seed=i)
        ids = pd.factorize(chunk["customer_id"])[0].astype(np.int64)
        chunk["customer_id"] = ids + lo
        chunk.to_parquet(directory / f"part-{i:04d}.parquet", index=False)
        rows += len(chunk)
        nbytes += int(chunk.memory_usage(deep=True, index=False).sum())
    return rows, nbytes


class PeakMemory:
    """Peak RSS of every worker process, polled from the driver."""

    def __init__(self, client, every: float = 0.2) -> None:
        self.client = client
        self.every = every
        self.peak: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psutil

        def rss() -> int:
            return psutil.Process(os.getpid()).memory_info().rss

        while not self._stop.is_set():
            try:
                for worker, value in self.client.run(rss).items():
                    self.peak[worker] = max(self.peak.get(worker, 0), value)
            except Exception:  # a worker restarting: keep sampling the others
                pass
            self._stop.wait(self.every)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run(n_customers: int, memory_limit: str, sample: int, root: Path) -> dict[str, object]:
    import dask.dataframe as dd
    import distributed

    from custvalue import clv
    from custvalue import dask as cvd
    from custvalue import rfm
    from custvalue import tiers

    log_dir, out = root / "log", root / "out"
    t0 = time.perf_counter()
    rows, nbytes = write_log(log_dir, n_customers)
    report: dict[str, object] = {
        "customers": n_customers,
        "transactions": rows,
        "log in memory (MiB)": round(nbytes / 2**20),
        "parquet on disk (MiB)": round(sum(f.stat().st_size for f in log_dir.iterdir()) / 2**20),
        "write log (s)": round(time.perf_counter() - t0, 1),
        "memory limit per worker": memory_limit,
    }
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        memory_limit=memory_limit,
        dashboard_address=None,
        local_directory=str(root / "spill"),
    )
    client = distributed.Client(cluster)
    times: dict[str, float] = {}

    def step(name: str, func):
        t = time.perf_counter()
        result = func()
        times[name] = round(time.perf_counter() - t, 1)
        return result

    try:
        with PeakMemory(client) as peak:
            t_all = time.perf_counter()
            log = dd.read_parquet(str(log_dir))
            summary = cvd.rfm_summary(log, amount_col="amount", time_unit=7)
            step("summary -> parquet", lambda: summary.to_parquet(str(out / "summary")))
            summary = dd.read_parquet(str(out / "summary"))
            bg = step("BG/NBD fit", lambda: cvd.fit_transaction_model(clv.BetaGeoModel(), summary))
            repeat = summary[summary["monetary_value"] > 0]
            gg = step(
                "Gamma-Gamma fit", lambda: cvd.fit_spend_model(clv.GammaGammaModel(), repeat)
            )
            value = cvd.customer_lifetime_value(
                bg, gg, summary, horizon=12, discount_rate=0.01, step=4
            )
            step("CLV -> parquet", lambda: value.to_frame().to_parquet(str(out / "clv")))
            value = dd.read_parquet(str(out / "clv"))["clv"]
            classes = cvd.abc_classes(value)
            step("ABC -> parquet", lambda: classes.to_frame().to_parquet(str(out / "abc")))
            times["pipeline total"] = round(time.perf_counter() - t_all, 1)
        report["times (s)"] = times
        report["peak RSS per worker (MiB)"] = sorted(round(v / 2**20) for v in peak.peak.values())
        report["BG/NBD"] = bg.params_
        report["Gamma-Gamma"] = gg.params_

        # --- equality with the in-memory functions on a sample of customers ----------
        end = float(
            log["date"].max().compute().to_datetime64().astype("datetime64[D]").astype(int)
        )
        rng = np.random.default_rng(1)
        picked = np.sort(rng.choice(n_customers, size=min(sample, n_customers), replace=False))
        lines = dd.read_parquet(
            str(log_dir), filters=[("customer_id", "in", picked.tolist())]
        ).compute()
        last_day = pd.Timestamp(end, unit="D")
        mem = rfm.rfm_summary(lines, amount_col="amount", time_unit=7, observation_end=last_day)

        def sampled(part):
            return part[part.index.isin(picked)]

        print({k: v for k, v in report.items()}, flush=True)
        got = summary.map_partitions(sampled).compute().sort_index()
        pd.testing.assert_frame_equal(got, mem, check_exact=False, rtol=1e-12)
        value_mem = clv.customer_lifetime_value(
            bg, gg, mem, horizon=12, discount_rate=0.01, step=4
        )
        got_value = value.map_partitions(sampled).compute().sort_index()
        pd.testing.assert_series_equal(got_value, value_mem, rtol=1e-12)
        report["sample equal to in-memory"] = f"{len(mem)} customers, summary and CLV"
        if n_customers <= 2_000_000:
            full = pd.read_parquet(log_dir)
            t = time.perf_counter()
            mem_all = rfm.rfm_summary(full, amount_col="amount", time_unit=7)
            bg_mem = clv.BetaGeoModel().fit(mem_all)
            gg_mem = clv.GammaGammaModel().fit(mem_all[mem_all["monetary_value"] > 0])
            value_all = clv.customer_lifetime_value(
                bg_mem, gg_mem, mem_all, horizon=12, discount_rate=0.01, step=4
            )
            abc_all = tiers.abc_classes(value_all)
            report["in-memory pipeline (s)"] = round(time.perf_counter() - t, 1)
            got_abc = classes.compute().sort_index()
            report["ABC equal to in-memory (all customers)"] = bool(
                (got_abc.astype(str) == abc_all.astype(str)).all()
            )
            report["BG/NBD in memory"] = bg_mem.params_
            report["Gamma-Gamma in memory"] = gg_mem.params_
    finally:
        client.close()
        cluster.close()
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--memory-limit", default="768MiB", help="per worker")
    parser.add_argument("--sample", type=int, default=2000)
    parser.add_argument("--tmp", default=None, help="parent of the temporary directory")
    args = parser.parse_args()
    for n in args.customers:
        root = Path(tempfile.mkdtemp(prefix="custvalue-dask-", dir=args.tmp))
        try:
            report = run(n, args.memory_limit, args.sample, root)
        finally:
            shutil.rmtree(root, ignore_errors=True)
        for key, value in report.items():
            print(f"{key}: {value}")
        print(flush=True)


if __name__ == "__main__":
    main()
