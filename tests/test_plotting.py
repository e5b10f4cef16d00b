"""custvalue.plotting: what each function draws equals the numbers it draws from."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from custvalue import diagnostics  # noqa: E402
from custvalue import plotting  # noqa: E402
from custvalue.clv import BetaGeoModel  # noqa: E402
from custvalue.clv import BetaGeoParams  # noqa: E402
from custvalue.clv import GammaGammaModel  # noqa: E402
from custvalue.clv import GammaGammaParams  # noqa: E402
from custvalue.errors import CustvalueError  # noqa: E402
from custvalue.errors import InputTypeError  # noqa: E402
from custvalue.errors import InputValueError  # noqa: E402

MODEL = BetaGeoModel.from_params(BetaGeoParams(r=0.243, alpha=4.414, a=0.793, b=2.426))


@pytest.fixture(autouse=True)
def _close_figures():
    plt.close("all")
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def log() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 400
    ids = rng.integers(0, 60, n)
    dates = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 90, n), unit="D")
    return pd.DataFrame({"customer_id": ids, "date": dates, "amount": rng.gamma(2.0, 20.0, n)})


@pytest.fixture(scope="module")
def summary() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    n = 300
    T = rng.integers(10, 40, n).astype(float)
    freq = rng.poisson(2.0, n)
    rec = np.where(freq > 0, np.maximum(freq, np.floor(rng.uniform(0, 1, n) * T)), 0.0)
    rec = np.minimum(rec, T)
    freq = np.minimum(freq, rec).astype(int)
    return pd.DataFrame(
        {
            "frequency_cal": freq,
            "recency_cal": rec,
            "T_cal": T,
            "frequency_holdout": rng.poisson(1.0, n),
            "duration_holdout": 20.0,
        }
    )


def _labels(ax) -> tuple[str, str, list[str]]:
    legend = ax.get_legend()
    texts = [t.get_text() for t in legend.get_texts()] if legend is not None else []
    assert ax.get_xlabel() and ax.get_ylabel()
    return ax.get_xlabel(), ax.get_ylabel(), texts


def _heights(container) -> list[float]:
    return [float(bar.get_height()) for bar in container]


def _widths(container) -> list[float]:
    return [float(bar.get_width()) for bar in container]


def test_period_transactions(summary):
    data = summary.rename(columns={"frequency_cal": "frequency", "T_cal": "T"})
    table = diagnostics.period_transactions(MODEL, data, 5)
    _, ax = plt.subplots()
    out = plotting.plot_period_transactions(table, ax=ax)
    assert out is ax
    assert _heights(ax.containers[0]) == table["actual"].astype(float).tolist()
    np.testing.assert_allclose(_heights(ax.containers[1]), table["expected"])
    assert [t.get_text() for t in ax.get_xticklabels()] == list(table.index)
    assert _labels(ax)[2] == ["actual", "model"]


def test_calibration_vs_holdout(summary):
    table = diagnostics.calibration_vs_holdout(MODEL, summary, max_value=4)
    ax = plotting.plot_calibration_vs_holdout(table)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), table["actual"])
    np.testing.assert_allclose(ax.lines[1].get_ydata(), table["predicted"])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1", "2", "3", "4"]
    assert ax.get_xlabel() == "frequency_cal"
    assert _labels(ax)[2] == ["actual", "model"]


@pytest.mark.parametrize("incremental", [False, True])
def test_tracking_plots(log, incremental):
    curve = diagnostics.expected_cumulative_transactions(MODEL, log, 80, freq="D")
    fn = (
        plotting.plot_incremental_transactions
        if incremental
        else plotting.plot_cumulative_transactions
    )
    ax = fn(curve, calibration_end=40)
    suffix = "_incremental" if incremental else ""
    np.testing.assert_allclose(ax.lines[0].get_ydata(), curve[f"actual{suffix}"])
    np.testing.assert_allclose(ax.lines[1].get_ydata(), curve[f"predicted{suffix}"])
    assert list(ax.lines[2].get_xdata()) == [40, 40]
    assert _labels(ax)[2] == ["actual", "model", "end of calibration"]
    assert ax.get_xlabel() == f"periods (D) since {log['date'].min():%Y-%m-%d}"


@pytest.mark.parametrize("kind", ["frequency_recency", "probability_alive"])
def test_matrix_plots(kind):
    if kind == "frequency_recency":
        grid = diagnostics.frequency_recency_matrix(MODEL, T=12, t=5, max_frequency=6)
        ax = plotting.plot_frequency_recency_matrix(grid)
    else:
        grid = diagnostics.probability_alive_matrix(MODEL, T=12, max_frequency=6)
        ax = plotting.plot_probability_alive_matrix(grid)
    drawn = ax.images[0].get_array()
    np.testing.assert_array_equal(np.ma.getmaskarray(drawn), grid.isna().to_numpy())
    np.testing.assert_allclose(drawn.filled(np.nan), grid.to_numpy())
    assert "frequency" in ax.get_ylabel() and "recency" in ax.get_xlabel()


def test_history_alive(log):
    one = log[log["customer_id"] == log["customer_id"].iloc[0]]
    history = diagnostics.probability_alive_history(MODEL, one, 60)
    ax = plotting.plot_history_alive(history)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), history["p_alive"])
    marks = [float(line.get_xdata()[0]) for line in ax.lines[1:]]
    assert marks == history.index[history["purchase"] == 1].astype(float).tolist()
    assert _labels(ax)[2] == ["P(alive)", "purchase"]


def test_history_alive_reference():
    one = pd.DataFrame({"date": pd.to_datetime(["2024-01-01", "2024-01-04", "2024-01-04"])})
    history = diagnostics.probability_alive_history(MODEL, one, 6)
    # by hand: purchases on days 0 and 3
    assert history["frequency"].tolist() == [0, 0, 0, 1, 1, 1, 1]
    assert history["recency"].tolist() == [0, 0, 0, 3, 3, 3, 3]
    ref = np.asarray(
        MODEL.probability_alive(
            history["frequency"].to_numpy(float),
            history["recency"].to_numpy(float),
            np.arange(7.0),
        ),
        dtype=float,
    )
    np.testing.assert_allclose(history["p_alive"], ref)
    two = pd.DataFrame({"customer_id": [1, 2], "date": pd.to_datetime(["2024-01-01"] * 2)})
    with pytest.raises(InputValueError, match="one customer"):
        diagnostics.probability_alive_history(MODEL, two, 6)


def test_spend_by_frequency():
    model = GammaGammaModel.from_params(GammaGammaParams(p=6.25, q=3.74, v=15.44))
    data = pd.DataFrame({"frequency": [1, 1, 2, 3, 9], "monetary_value": [10.0, 30, 20, 5, 40]})
    table = diagnostics.spend_by_frequency(model, data, 3)
    ax = plotting.plot_spend_by_frequency(table)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), table["observed"])
    np.testing.assert_allclose(ax.lines[1].get_ydata(), table["expected"])
    assert _labels(ax)[2] == ["observed", "model"]


def test_customer_exposure(summary):
    data = summary.rename(columns={"recency_cal": "recency", "T_cal": "T"})
    ax = plotting.plot_customer_exposure(data, max_customers=25)
    segments = ax.collections[0].get_segments()
    assert len(segments) == 25
    np.testing.assert_allclose([s[1][0] for s in segments], data["T"].iloc[:25])
    np.testing.assert_allclose(ax.collections[1].get_offsets()[:, 0], data["recency"].iloc[:25])
    assert len(_labels(ax)[2]) == 2


def test_rfm_heatmap():
    scores = pd.DataFrame({"R": [1, 1, 2, 3, 3, 3], "F": [1, 2, 2, 1, 1, 3]}, index=list("abcdef"))
    value = pd.Series([10.0, 20, 30, 40, 60, 5], index=list("fedcba"))[::-1]
    counts = plotting.plot_rfm_heatmap(scores).images[0].get_array()
    np.testing.assert_array_equal(counts, [[1, 1, 0], [0, 1, 0], [2, 0, 1]])
    ax = plotting.plot_rfm_heatmap(scores, value=value)
    means = ax.images[0].get_array()
    # value by id: a=5, b=60, c=40, d=30, e=20, f=10
    assert float(means[0, 0]) == 5.0 and float(means[0, 1]) == 60.0
    assert float(means[2, 0]) == 25.0 and bool(np.ma.getmaskarray(means)[0, 2])
    assert ax.get_xlabel() == "F score" and ax.get_ylabel() == "R score"


def test_segments():
    segments = pd.Series(["x", "y", "x", "z"], index=[10, 11, 12, 13])
    value = pd.Series([1.0, 1.0, 2.0, 4.0], index=[10, 11, 12, 13])
    ax = plotting.plot_segments(segments, value=value)
    assert _widths(ax.containers[0]) == [0.5, 0.25, 0.25]
    assert _widths(ax.containers[1]) == [3 / 8, 1 / 8, 4 / 8]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["x", "y", "z"]
    assert _labels(ax)[2] == ["customers", "value"]
    with pytest.raises(InputValueError, match="missing"):
        plotting.plot_segments(pd.Series(["x", None]))


def test_abc_curve():
    values = [5.0, 50.0, 10.0, 30.0, 5.0]
    ax = plotting.plot_abc_curve(values, cutoffs=(0.8, 0.95))
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [0, 0.5, 0.8, 0.9, 0.95, 1.0])
    np.testing.assert_allclose(ax.lines[0].get_xdata(), np.arange(6) / 5)
    # cut-off lines: y=0.8 reached at 2/5 of the customers, y=0.95 at 4/5
    assert [float(ax.lines[1].get_ydata()[0]), float(ax.lines[2].get_xdata()[0])] == [0.8, 0.4]
    assert [float(ax.lines[3].get_ydata()[0]), float(ax.lines[4].get_xdata()[0])] == [0.95, 0.8]
    with pytest.raises(InputValueError, match="cutoffs"):
        plotting.plot_abc_curve(values, cutoffs=(0.9, 0.8))


def test_profit_contribution():
    from custvalue.tiers import profit_contribution

    lines = pd.DataFrame(
        {
            "customer_id": [1, 1, 2, 2, 1],
            "date": pd.to_datetime(
                ["2023-03-01", "2023-07-01", "2023-05-01", "2024-02-01", "2024-06-01"]
            ),
            "amount": [100.0, 50.0, 200.0, 300.0, 80.0],
            "cost": [60.0, 30.0, 150.0, 200.0, 40.0],
        }
    )
    frame = profit_contribution(lines, cost_col="cost", freq="Y")
    ax = plotting.plot_profit_contribution(frame)
    assert _heights(ax.containers[0]) == [350.0, 380.0]
    assert _heights(ax.containers[1]) == [110.0, 140.0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2023", "2024"]
    assert _labels(ax)[2] == ["revenue", "profit"]


def test_loyalty_components():
    parts = pd.DataFrame({"recency": [30.0, 10.0], "frequency": [20.0, 40.0]}, index=["a", "b"])
    assert _widths(plotting.plot_loyalty_components(parts).containers[0]) == [20.0, 30.0]
    ax = plotting.plot_loyalty_components(parts, customer="a")
    assert _widths(ax.containers[0]) == [30.0, 20.0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["recency", "frequency"]
    with pytest.raises(InputValueError, match="customer"):
        plotting.plot_loyalty_components(parts, customer="zz")


def test_bad_ax_and_missing_matplotlib(monkeypatch):
    with pytest.raises(InputTypeError, match="`ax`"):
        plotting.plot_abc_curve([1.0, 2.0], ax="no")
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(CustvalueError, match=r"pip install custvalue\[plot\]") as err:
        plotting.plot_abc_curve([1.0, 2.0])
    assert isinstance(err.value, ImportError)


def test_model_plots_take_the_diagnostics_result():
    data = pd.DataFrame({"frequency": [0, 1], "recency": [0.0, 2.0], "T": [5.0, 5.0]})
    with pytest.raises(InputTypeError, match="`table`"):
        plotting.plot_period_transactions(MODEL, data)
    with pytest.raises(CustvalueError, match="predicted"):
        plotting.plot_cumulative_transactions(pd.DataFrame({"period": [], "actual": []}))
    with pytest.raises(InputTypeError, match="numeric"):
        plotting.plot_spend_by_frequency(pd.DataFrame({"observed": ["a"], "expected": [1.0]}))


def test_at_least_twelve_plot_functions():
    names = [n for n in plotting.__all__ if n.startswith("plot_")]
    assert len(names) >= 12
