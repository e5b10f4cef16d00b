"""The demo script runs, reports every customer and reproduces the published BG/NBD fit."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).parents[1] / "examples"


def test_quickstart_runs_and_counts_every_customer(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "argv", ["quickstart.py"])
    runpy.run_path(str(EXAMPLES / "quickstart.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "6,919 purchases of 2,357 customers" in out
    segment_block = out.split("Marketing segments")[1].split("Classic four")[0]
    counts = [int(line.split()[-6]) for line in segment_block.splitlines()[3:] if line.strip()]
    assert sum(counts) == 2_357
    for name in ["Champions", "Can't Lose", "Hibernating", "Lost"]:
        assert name in segment_block
    # From the raw log, the demo's calibration fit is Fader, Hardie & Lee's (2005) BG/NBD.
    fit_block = out.split("BG/NBD on weeks 1-39")[1]
    estimates = {line.split()[0]: float(line.split()[1]) for line in fit_block.splitlines()[3:7]}
    assert estimates == {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    assert "log-likelihood -9,582.4" in fit_block
    # The model check prints the holdout table of the BTYDplus CDNOW demo (WAPE column).
    holdout = out.split("Holdout accuracy")[1].split("\n\n")[0]
    wape = {line.split()[0]: float(line.split()[5]) for line in holdout.splitlines()[2:5]}
    assert wape == {"BG/NBD": 0.984, "MBG/NBD": 0.958, "Pareto/NBD": 0.945}
    assert "Figures saved" not in out  # nothing is written unless asked
