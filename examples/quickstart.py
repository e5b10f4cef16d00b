"""custvalue quickstart: the CDNOW sample log from transactions to segments and value.

Run with ``make demo`` (or ``python examples/quickstart.py`` in an environment with
custvalue installed).  Reads ``examples/data/CDNOW_sample.txt``: 6,919 purchases of
2,357 CDNOW customers, 1997-01-01 to 1998-06-30.  ``--figures DIR`` also saves the
model-check figures there as PNG files (needs matplotlib: ``pip install custvalue[plot]``);
without it nothing is written.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from custvalue import diagnostics
from custvalue.clv import BetaGeoModel
from custvalue.clv import GammaGammaModel
from custvalue.clv import ModifiedBetaGeoModel
from custvalue.clv import ParetoNBDModel
from custvalue.clv import acquisition_value
from custvalue.clv import customer_lifetime_value
from custvalue.rfm import calibration_holdout_summary
from custvalue.rfm import rfm_scores
from custvalue.rfm import rfm_segments
from custvalue.rfm import rfm_summary
from custvalue.tiers import abc_classes

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


def model_check(split: pd.DataFrame, figures: Path | None) -> None:
    """Fit three transaction models on the calibration weeks and check them on the holdout."""
    models = {
        "BG/NBD": BetaGeoModel().fit(split),
        "MBG/NBD": ModifiedBetaGeoModel().fit(split),
        "Pareto/NBD": ParetoNBDModel().fit(split),
    }
    print("Model check (calibration weeks 1-39):")
    print(diagnostics.compare_models(models, n_obs=len(split)).round(1).to_string(), "\n")
    # the split plugs into the models: its _cal columns are the calibration history
    predicted = {
        name: m.expected_purchases(split["duration_holdout"], data=split)
        for name, m in models.items()
    }
    print("Holdout accuracy, weeks 40-78 (BTYDplus' CDNOW demo: the same to 3 decimals):")
    metrics = diagnostics.holdout_metrics(split["frequency_holdout"], predicted)
    print(metrics.round(3).to_string(), "\n")
    bg = models["BG/NBD"]
    calibration = split.rename(columns={"frequency_cal": "frequency", "T_cal": "T"})
    table = diagnostics.period_transactions(bg, calibration)
    test = diagnostics.chi_square_test(table, n_params=4)
    print("BG/NBD: customers by repeat purchases in calibration, actual vs expected:")
    print(table.round(1).to_string())
    print(f"chi-square {test['statistic']:.1f}, p-value {test['p_value']:.3f}\n")
    if figures is not None:
        from custvalue import plotting

        figures.mkdir(parents=True, exist_ok=True)
        ax = plotting.plot_period_transactions(table)
        ax.figure.savefig(figures / "period_transactions.png")
        ax = plotting.plot_calibration_vs_holdout(diagnostics.calibration_vs_holdout(bg, split))
        ax.figure.savefig(figures / "calibration_vs_holdout.png")
        print(f"Figures saved in {figures}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--figures", type=Path, help="save the model-check figures here")
    args = parser.parse_args()
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
    print(classic.to_string(), "\n")

    # CLV: fit on the first 39 weeks, check the forecast on the remaining 39.  Daily
    # periods expressed in weeks (time_unit=7) give the continuous-time data of
    # Fader, Hardie & Lee (2005).
    split = calibration_holdout_summary(
        log, "1997-09-30", "1998-06-30", amount_col="amount", freq="D", time_unit=7
    )
    bgnbd = BetaGeoModel().fit(split)
    print("BG/NBD on weeks 1-39 (the paper: r 0.243, alpha 4.414, a 0.793, b 2.426, LL -9582.4):")
    print(bgnbd.summary().round(3).to_string())
    print(f"log-likelihood {bgnbd.log_likelihood_:,.1f}")
    forecast = bgnbd.expected_purchases(39, data=split)
    print(
        f"Repeat purchases in weeks 40-78: forecast {forecast.sum():,.0f}, "
        f"actual {split['frequency_holdout'].sum():,.0f}\n"
    )
    model_check(split, args.figures)

    repeat = summary[summary["frequency"] > 0]
    spend = GammaGammaModel().fit(repeat)
    clv = customer_lifetime_value(
        BetaGeoModel().fit(summary),
        spend,
        summary,
        horizon=12,
        step=4.345,
        discount_rate=0.01,
        margin=0.3,
    )
    grades = abc_classes(clv)
    value = (
        clv.groupby(grades, observed=False)
        .agg(customers="size", mean_clv="mean", total_clv="sum")
        .assign(share=lambda t: t["total_clv"] / t["total_clv"].sum())
    )
    print("Next 12 months' profit per customer (30 % margin, 1 % a month), ABC on CLV:")
    print(
        value.to_string(
            formatters={
                "mean_clv": "${:,.2f}".format,
                "total_clv": "${:,.0f}".format,
                "share": "{:.1%}".format,
            }
        )
    )
    new_customer = acquisition_value(
        BetaGeoModel().fit(summary),
        spend,
        horizon=12,
        step=4.345,
        discount_rate=0.01,
        margin=0.3,
    )
    print(
        f"A newly acquired customer is worth ${new_customer:,.2f}: "
        "the ceiling on what to spend acquiring one."
    )


if __name__ == "__main__":
    main()
