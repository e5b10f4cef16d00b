"""Test-session settings shared by the test suite, the doctests in src/ and the docs pages."""

import os

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck
from hypothesis import settings

# One hypothesis profile for the whole suite.  Under CI (CI=true) the examples are
# derandomized, so a run is reproducible; locally they vary from run to run, which is how
# new counterexamples are found.  Tests set only their own `max_examples`.
settings.register_profile(
    "custvalue",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile(
    "custvalue-ci", parent=settings.get_profile("custvalue"), derandomize=True
)
settings.load_profile("custvalue-ci" if os.environ.get("CI") else "custvalue")


@pytest.fixture(autouse=True)
def _display_options():
    """Print frames in full so doctest output does not depend on the terminal."""
    with pd.option_context("display.width", 200, "display.max_columns", 50):
        np.set_printoptions(legacy=False)
        yield
