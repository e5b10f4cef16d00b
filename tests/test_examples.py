"""The demo script runs and reports every customer of the CDNOW sample."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).parents[1] / "examples"


def test_quickstart_runs_and_counts_every_customer(capsys: pytest.CaptureFixture[str]) -> None:
    runpy.run_path(str(EXAMPLES / "quickstart.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "6,919 purchases of 2,357 customers" in out
    segment_block = out.split("Marketing segments")[1].split("Classic four")[0]
    counts = [int(line.split()[-6]) for line in segment_block.splitlines()[3:] if line.strip()]
    assert sum(counts) == 2_357
    for name in ["Champions", "Can't Lose", "Hibernating", "Lost"]:
        assert name in segment_block
