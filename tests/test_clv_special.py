"""The scalar special functions of the numba kernels against scipy.special."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from scipy import special

from custvalue._core.special import betaln
from custvalue._core.special import digamma
from custvalue._core.special import trigamma

positive = st.floats(min_value=1e-8, max_value=1e8, allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(positive)
def test_digamma_matches_scipy(x: float) -> None:
    assert digamma(x) == pytest.approx(float(special.psi(x)), rel=1e-13, abs=1e-13)


@settings(max_examples=300, deadline=None)
@given(positive)
def test_trigamma_matches_scipy(x: float) -> None:
    assert trigamma(x) == pytest.approx(float(special.polygamma(1, x)), rel=1e-13)


@settings(max_examples=300, deadline=None)
@given(positive, positive)
def test_betaln_matches_scipy(a: float, b: float) -> None:
    ref = float(special.betaln(a, b))
    # lgamma(a) + lgamma(b) - lgamma(a + b) cancels when one argument is huge:
    # the absolute error is then a few ulps of the largest lgamma term.
    scale = max(abs(special.gammaln(a)), abs(special.gammaln(b)), abs(special.gammaln(a + b)))
    assert betaln(a, b) == pytest.approx(ref, rel=1e-13, abs=1e-14 * max(scale, 1.0))


def test_known_values() -> None:
    assert digamma(1.0) == pytest.approx(-0.5772156649015329, rel=1e-15)
    assert betaln(2.0, 3.0) == pytest.approx(-2.4849066497880004, rel=1e-15)
    assert trigamma(1.0) == pytest.approx(1.6449340668482264, rel=1e-15)  # π²/6
