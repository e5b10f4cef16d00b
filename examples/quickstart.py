"""custvalue quickstart: the CDNOW sample log from transactions to segments.

Run with ``make demo`` (or ``python examples/quickstart.py`` in an environment with
custvalue installed).  Reads ``examples/data/CDNOW_sample.txt``: 6,919 purchases of
2,357 CDNOW customers, 1997-01-01 to 1998-06-30.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from custvalue.rfm import rfm_scores, rfm_segments, rfm_summary

DATA = Path(__file__).parent / "data" / "CDNOW_sample.txt"


def load_cdnow_sample() -> pd.DataFrame:
    """The CDNOW sample as a transaction log: customer_id, date, amount."""
    raw = pd.read_csv(
        DATA,
        sep=r"\s+",
        header=None,
        names=["master_id", "customer_id", "date", "cds", "amount"],
    )
    raw["date"] = pd.to_datetime(raw["date"].astype(str), format="%Y%m%d")
    return raw[["customer_id", "date", "amount"]]


def main() -> None:
    pd.set_option("display.width", 120)
    log = load_cdnow_sample()
    n_customers = log["customer_id"].nunique()
    span = f"{log['date'].min():%Y-%m-%d} to {log['date'].max():%Y-%m-%d}"
    print(f"Transaction log: {len(log):,} purchases of {n_customers:,} customers, {span}\n")

    summary = rfm_summary(log, amount_col="amount", freq="W")
    print("RFM summary (weeks), first rows:")
    print(summary.head().round(2).to_string(), "\n")

    scores = rfm_scores(summary)
    segments = rfm_segments(scores, scheme="marketing")
    table = (
        summary.assign(segment=segments)
        .groupby("segment", observed=False)
        .agg(
            customers=("purchases", "size"),
            weeks_since_last=("inactivity", "mean"),
            purchase_weeks=("purchases", "mean"),
            total_value=("total_value", "mean"),
        )
    )
    table["share"] = table["customers"] / table["customers"].sum()
    revenue = summary.groupby(segments, observed=False)["total_value"].sum()
    table["revenue_share"] = (revenue / revenue.sum()).to_numpy()
    print("Marketing segments (mean per customer):")
    print(
        table.to_string(
            na_rep="-",
            formatters={
                "weeks_since_last": "{:.1f}".format,
                "purchase_weeks": "{:.2f}".format,
                "total_value": "${:,.2f}".format,
                "share": "{:.1%}".format,
                "revenue_share": "{:.1%}".format,
            },
        ),
        "\n",
    )

    classic = rfm_segments(scores, scheme="classic4").value_counts()
    print("Classic four segments (customers):")
    print(classic.to_string())


if __name__ == "__main__":
    main()
