"""Test-session settings shared by the test suite and the doctests in src/."""

import numpy as np
import pandas as pd
import pytest


@pytest.fixture(autouse=True)
def _display_options():
    """Print frames in full so doctest output does not depend on the terminal."""
    with pd.option_context("display.width", 200, "display.max_columns", 50):
        np.set_printoptions(legacy=False)
        yield
