"""BG/BB model: published fit, kernels against slow references, lifetimes, robustness."""

from __future__ import annotations

import itertools
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from scipy import integrate
from scipy.special import betaln
from scipy.special import gammaln

from custvalue.clv import BetaGeoBetaBinomModel
from custvalue.clv import BetaGeoBetaBinomParams
from custvalue.errors import ConvergenceError
from custvalue.errors import InputTypeError
from custvalue.errors import InputValueError
from custvalue.errors import MissingColumnError
from custvalue.errors import NotFittedError

DATA = Path(__file__).parent / "data"
PUBLISHED = BetaGeoBetaBinomParams(alpha=1.204, beta=0.750, gamma=0.657, delta=2.783)

params_st = st.builds(
    BetaGeoBetaBinomParams,
    alpha=st.floats(0.05, 20.0),
    beta=st.floats(0.05, 20.0),
    gamma=st.floats(0.05, 20.0),
    delta=st.floats(0.05, 20.0),
)


@st.composite
def histories(draw: st.DrawFn, max_n: int = 30) -> tuple[int, int, int]:
    n = draw(st.integers(0, max_n))
    tx = draw(st.integers(0, n))
    x = 0 if tx == 0 else draw(st.integers(1, tx))
    return x, tx, n


# --- slow references ------------------------------------------------------------------


def ref_loglik(p: BetaGeoBetaBinomParams, x: int, tx: int, n: int) -> float:
    """FHS (2010) eq. 5, term by term with scipy's betaln."""
    a, b, g, d = p.alpha, p.beta, p.gamma, p.delta
    terms = [betaln(a + x, b + n - x) - betaln(a, b) + betaln(g, d + n) - betaln(g, d)]
    for i in range(n - tx):
        terms.append(
            betaln(a + x, b + tx - x + i) - betaln(a, b) + betaln(g + 1, d + tx + i) - betaln(g, d)
        )
    top = max(terms)
    return top + math.log(sum(math.exp(t - top) for t in terms))


def individual_lik(pp: float, th: float, x: int, tx: int, n: int) -> float:
    """Likelihood of a history for one customer with known p and theta."""
    lik = pp**x * (1 - pp) ** (n - x) * (1 - th) ** n
    for i in range(n - tx):
        lik += pp**x * (1 - pp) ** (tx - x + i) * th * (1 - th) ** (tx + i)
    return lik


def ref_expected_purchases(p: BetaGeoBetaBinomParams, t: int, x: int, tx: int, n: int) -> float:
    """FHS (2010) eq. 13 in its closed form (gamma functions)."""
    a, b, g, d = p.alpha, p.beta, p.gamma, p.delta
    ll = ref_loglik(p, x, tx, n)
    p2 = math.exp(betaln(a + x + 1, b + n - x) - betaln(a, b) - ll)
    p3 = d / (g - 1) * math.exp(gammaln(g + d) - gammaln(1 + d))
    p4 = math.exp(gammaln(1 + d + n) - gammaln(g + d + n))
    p5 = math.exp(gammaln(1 + d + n + t) - gammaln(g + d + n + t))
    return p2 * p3 * (p4 - p5)


def donations() -> pd.DataFrame:
    return pd.read_csv(DATA / "donations.csv")


# --- published values ------------------------------------------------------------------


def test_reproduces_fader_hardie_shang_2010_donations_fit() -> None:
    df = donations()
    model = BetaGeoBetaBinomModel().fit(df, n_periods="periods", weights="weights")
    got = model.params_
    assert (round(got.alpha, 3), round(got.beta, 3)) == (1.204, 0.750)
    assert (round(got.gamma, 3), round(got.delta, 3)) == (0.657, 2.783)
    assert round(model.log_likelihood_, 1) == -33225.6
    assert model.converged_
    se = model.standard_errors_
    assert all(np.isfinite([se.alpha, se.beta, se.gamma, se.delta]))
    table = model.summary()
    assert list(table.index) == ["alpha", "beta", "gamma", "delta"]
    # the same fit from one row per donor (weights expanded) gives the same optimum
    expanded = df.loc[df.index.repeat(df["weights"])]
    again = BetaGeoBetaBinomModel().fit(
        frequency=expanded["frequency"],
        recency=expanded["recency"],
        n_periods=expanded["periods"],
    )
    assert again.log_likelihood_ == pytest.approx(model.log_likelihood_, rel=1e-9)


def test_log_likelihood_method_matches_published_value_at_published_params() -> None:
    df = donations()
    model = BetaGeoBetaBinomModel.from_params(PUBLISHED)
    rows = model.individual_log_likelihood(data=df, n_periods="periods")
    assert isinstance(rows, pd.Series) and rows.index.equals(df.index)
    ll = float(rows @ df["weights"])
    assert ll == pytest.approx(-33225.6, abs=0.5)


# --- kernels against references -----------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(params_st, st.lists(histories(), min_size=1, max_size=6))
def test_loglik_matches_term_by_term_reference(
    p: BetaGeoBetaBinomParams, rows: list[tuple[int, int, int]]
) -> None:
    x, tx, n = (np.array(c, dtype=float) for c in zip(*rows, strict=True))
    model = BetaGeoBetaBinomModel.from_params(p)
    for i in range(len(rows)):
        got = model.individual_log_likelihood(x[i], tx[i], n[i])
        assert got == pytest.approx(ref_loglik(p, *rows[i]), rel=1e-10, abs=1e-10)


@pytest.mark.parametrize(("x", "tx", "n"), [(0, 0, 4), (2, 3, 5), (3, 3, 3), (1, 1, 6)])
def test_loglik_matches_numerical_integration_over_p_and_theta(x: int, tx: int, n: int) -> None:
    p = BetaGeoBetaBinomParams(1.5, 2.0, 1.3, 2.5)
    a, b, g, d = 1.5, 2.0, 1.3, 2.5

    def integrand(th: float, pp: float) -> float:
        dens = math.exp(
            (a - 1) * math.log(pp)
            + (b - 1) * math.log1p(-pp)
            - betaln(a, b)
            + (g - 1) * math.log(th)
            + (d - 1) * math.log1p(-th)
            - betaln(g, d)
        )
        return dens * individual_lik(pp, th, x, tx, n)

    value, _ = integrate.dblquad(integrand, 0, 1, 0, 1, epsabs=1e-12, epsrel=1e-10)
    got = BetaGeoBetaBinomModel.from_params(p).individual_log_likelihood(x, tx, n)
    assert got == pytest.approx(math.log(value), rel=1e-7)


@settings(max_examples=40, deadline=None)
@given(params_st, histories(max_n=40))
def test_gradient_matches_finite_differences(
    p: BetaGeoBetaBinomParams, h: tuple[int, int, int]
) -> None:
    from custvalue._clv.bgbb import _loglik_rows

    arrs = [np.array([float(v)]) for v in h]
    theta = np.array([p.alpha, p.beta, p.gamma, p.delta])
    _, grad = _loglik_rows(*theta, *arrs)
    for j in range(4):
        step = 1e-6 * theta[j]
        up, down = theta.copy(), theta.copy()
        up[j] += step
        down[j] -= step
        fd = (
            ref_loglik(BetaGeoBetaBinomParams(*up), *h)
            - ref_loglik(BetaGeoBetaBinomParams(*down), *h)
        ) / (2 * step)
        assert grad[0, j] == pytest.approx(fd, rel=1e-5, abs=1e-6)


def test_likelihoods_of_all_histories_sum_to_one_and_give_the_pmf() -> None:
    # enumerate every purchase string of n opportunities: eq. (5) summed over strings
    # with x purchases must equal eq. (7), and all strings together must sum to 1
    p = BetaGeoBetaBinomParams(0.8, 1.7, 0.6, 2.2)
    model = BetaGeoBetaBinomModel.from_params(p)
    n = 7
    by_x = np.zeros(n + 1)
    for bits in itertools.product((0, 1), repeat=n):
        x = sum(bits)
        tx = max((i + 1 for i, b in enumerate(bits) if b), default=0)
        by_x[x] += math.exp(ref_loglik(p, x, tx, n))
    assert by_x.sum() == pytest.approx(1.0, rel=1e-12)
    pmf = model.probability_of_purchases(np.arange(n + 1), n)
    np.testing.assert_allclose(pmf, by_x, rtol=1e-10)
    # E[X(n)] from the enumerated pmf
    mean = float(np.arange(n + 1) @ by_x)
    assert model.expected_purchases_new_customer(n) == pytest.approx(mean, rel=1e-10)
    assert model.probability_of_purchases(n + 1, n) == 0.0


@settings(max_examples=40, deadline=None)
@given(params_st, histories(max_n=40), st.integers(0, 60))
def test_expected_purchases_matches_closed_form(
    p: BetaGeoBetaBinomParams, h: tuple[int, int, int], t: int
) -> None:
    if abs(p.gamma - 1.0) < 1e-3:
        return  # the closed form cancels catastrophically there
    model = BetaGeoBetaBinomModel.from_params(p)
    got = model.expected_purchases(t, [h[0]], [h[1]], [h[2]])[0]
    assert got == pytest.approx(ref_expected_purchases(p, t, *h), rel=1e-8, abs=1e-12)


def test_long_windows_use_closed_form_consistently() -> None:
    # 10,000 opportunities: summed term by term; 10,001+: closed form. Continuity check,
    # plus a term-by-term reference for the long window.
    p = BetaGeoBetaBinomParams(1.2, 0.8, 0.7, 2.5)
    model = BetaGeoBetaBinomModel.from_params(p)
    a, b, g, d = 1.2, 0.8, 0.7, 2.5
    x, tx, n = 3, 5, 8
    t = 20_000
    j = np.arange(n + 1, n + t + 1, dtype=float)
    tail = np.exp(betaln(g, d + j) - betaln(g, d)).sum()
    ref = math.exp(betaln(a + x + 1, b + n - x) - betaln(a, b) - ref_loglik(p, x, tx, n)) * tail
    got = model.expected_purchases([t, 10_000, 10_001], [x] * 3, [tx] * 3, [n] * 3)
    assert got[0] == pytest.approx(ref, rel=1e-9)
    assert got[2] - got[1] == pytest.approx(
        ref / tail * math.exp(betaln(g, d + n + 10_001) - betaln(g, d)), rel=1e-6
    )


def test_gamma_exactly_one_is_finite_and_continuous() -> None:
    values = []
    for g in (1.0 - 1e-7, 1.0, 1.0 + 1e-7):
        model = BetaGeoBetaBinomModel.from_params(BetaGeoBetaBinomParams(1.0, 1.0, g, 2.0))
        e = model.expected_purchases([5, 50_000], [2, 2], [3, 3], [6, 6])
        assert np.all(np.isfinite(e))
        values.append(e)
        assert np.isfinite(model.expected_purchases_new_customer(50_000))
    np.testing.assert_allclose(values[0], values[1], rtol=1e-5)
    np.testing.assert_allclose(values[2], values[1], rtol=1e-5)


def test_probability_alive_matches_definition() -> None:
    p = BetaGeoBetaBinomParams(0.9, 1.4, 0.8, 3.0)
    model = BetaGeoBetaBinomModel.from_params(p)
    x, tx, n = 2, 3, 6
    ll = ref_loglik(p, x, tx, n)
    for m in (0, 1, 4):
        ref = math.exp(
            betaln(p.alpha + x, p.beta + n - x)
            - betaln(p.alpha, p.beta)
            + betaln(p.gamma, p.delta + n + m)
            - betaln(p.gamma, p.delta)
            - ll
        )
        got = model.probability_alive([x], [tx], [n], periods_ahead=m)[0]
        assert got == pytest.approx(ref, rel=1e-12)
    # someone who bought at the last opportunity was certainly alive then
    assert model.probability_alive([n], [n], [n], periods_ahead=0)[0] == pytest.approx(1.0)


# --- lifetimes ---------------------------------------------------------------------------


def test_agrees_with_lifetimes_on_random_inputs() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lifetimes = pytest.importorskip("lifetimes")
    rng = np.random.default_rng(3)
    n = rng.integers(1, 25, 200)
    tx = np.array([rng.integers(0, k + 1) for k in n])
    x = np.array([0 if k == 0 else rng.integers(1, k + 1) for k in tx])
    lt = lifetimes.BetaGeoBetaBinomFitter()
    lt.params_ = pd.Series([1.3, 0.7, 0.6, 2.9], index=["alpha", "beta", "gamma", "delta"])
    model = BetaGeoBetaBinomModel.from_params(BetaGeoBetaBinomParams(1.3, 0.7, 0.6, 2.9))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lt_e = lt.conditional_expected_number_of_purchases_up_to_time(5, x, tx, n)
        lt_a = lt.conditional_probability_alive(1, x, tx, n)
    finite = np.isfinite(lt_e) & np.isfinite(lt_a)
    assert finite.mean() > 0.9
    # lifetimes adds 1e-15 inside its likelihood, hence the tolerance
    np.testing.assert_allclose(
        model.expected_purchases(5, x, tx, n)[finite], lt_e[finite], rtol=1e-6
    )
    np.testing.assert_allclose(model.probability_alive(x, tx, n)[finite], lt_a[finite], rtol=1e-6)


@pytest.mark.slow
def test_fit_agrees_with_lifetimes() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lifetimes = pytest.importorskip("lifetimes")
        df = donations()
        lt = lifetimes.BetaGeoBetaBinomFitter().fit(
            df["frequency"], df["recency"], df["periods"], weights=df["weights"]
        )
    model = BetaGeoBetaBinomModel().fit(df, n_periods="periods", weights="weights")
    lt_ll = float(
        model.from_params(BetaGeoBetaBinomParams(*lt.params_)).individual_log_likelihood(
            data=df, n_periods="periods"
        )
        @ df["weights"]
    )
    assert model.log_likelihood_ >= lt_ll - 1e-6 * abs(lt_ll)
    np.testing.assert_allclose(
        [model.params_.alpha, model.params_.beta, model.params_.gamma, model.params_.delta],
        lt.params_.to_numpy(),
        rtol=1e-3,
    )


# --- simulation and recovery ------------------------------------------------------------


def test_simulation_is_deterministic_and_recovers_parameters() -> None:
    truth = BetaGeoBetaBinomParams(1.2, 0.8, 0.6, 2.5)
    gen = BetaGeoBetaBinomModel.from_params(truth)
    sim = gen.simulate(40_000, 8, seed=7)
    pd.testing.assert_frame_equal(sim, gen.simulate(40_000, 8, seed=7))
    assert list(sim.columns) == ["frequency", "recency", "n_periods"]
    assert (sim["frequency"] <= sim["recency"]).all()
    fitted = BetaGeoBetaBinomModel().fit(sim)
    est = fitted.params_
    se = fitted.standard_errors_
    for name in ("alpha", "beta", "gamma", "delta"):
        assert abs(getattr(est, name) - getattr(truth, name)) < 4 * getattr(se, name), name


# --- robustness and errors ---------------------------------------------------------------


def test_extreme_inputs_stay_finite() -> None:
    model = BetaGeoBetaBinomModel.from_params(BetaGeoBetaBinomParams(0.3, 5.0, 0.2, 30.0))
    x = np.array([0, 5_000, 99_999, 100_000, 1])
    tx = np.array([0, 90_000, 100_000, 100_000, 1])
    n = np.array([100_000] * 5)
    ll = model.individual_log_likelihood(frequency=x, recency=tx, n_periods=n)
    assert np.isfinite(ll).all()
    from custvalue._clv.bgbb import _loglik_rows

    vals, grad = _loglik_rows(0.3, 5.0, 0.2, 30.0, *(a.astype(float) for a in (x, tx, n)))
    assert np.all(np.isfinite(vals)) and np.all(np.isfinite(grad))
    for out in (
        model.expected_purchases(1_000_000, x, tx, n),
        model.expected_purchases(10, x, tx, n),
        model.probability_alive(x, tx, n),
        model.probability_of_purchases([0, 10, 500], 2_000),
    ):
        assert np.all(np.isfinite(out))
    pa = model.probability_alive(x, tx, n)
    assert np.all((pa >= 0) & (pa <= 1))


def test_series_in_series_out() -> None:
    model = BetaGeoBetaBinomModel.from_params(PUBLISHED)
    idx = pd.Index(["a", "b"], name="donor")
    x = pd.Series([1, 3], index=idx)
    tx = pd.Series([2, 5], index=idx)
    n = pd.Series([6, 6], index=idx)
    for out in (model.expected_purchases(3, x, tx, n), model.probability_alive(x, tx, n)):
        assert isinstance(out, pd.Series)
        assert out.index.equals(idx)
    assert isinstance(model.expected_purchases(3, [1], [2], [6]), np.ndarray)
    assert isinstance(model.expected_purchases_new_customer(4), float)
    assert model.expected_purchases_new_customer([0, 1]).shape == (2,)


@pytest.mark.parametrize(
    ("kwargs", "arg"),
    [
        ({"frequency": [1], "recency": [7], "n_periods": [6]}, "recency"),
        ({"frequency": [3], "recency": [2], "n_periods": [6]}, "frequency"),
        ({"frequency": [0], "recency": [2], "n_periods": [6]}, "recency"),
        ({"frequency": [-1], "recency": [2], "n_periods": [6]}, "frequency"),
        ({"frequency": [1.5], "recency": [2], "n_periods": [6]}, "frequency"),
        ({"frequency": [1], "recency": [2], "n_periods": [np.nan]}, "n_periods"),
    ],
)
def test_infeasible_histories_are_refused(kwargs: dict[str, list[float]], arg: str) -> None:
    with pytest.raises(InputValueError, match=f"`{arg}`"):
        BetaGeoBetaBinomModel().fit(**kwargs)
    with pytest.raises(InputValueError, match=f"`{arg}`"):
        BetaGeoBetaBinomModel.from_params(PUBLISHED).probability_alive(
            kwargs["frequency"], kwargs["recency"], kwargs["n_periods"]
        )


def test_other_bad_input() -> None:
    with pytest.raises(MissingColumnError, match="n_periods"):
        BetaGeoBetaBinomModel().fit(donations())
    with pytest.raises(InputTypeError, match="`frequency`"):
        BetaGeoBetaBinomModel().fit(frequency=["a"], recency=[0], n_periods=[1])
    with pytest.raises(InputValueError, match="`weights`"):
        BetaGeoBetaBinomModel().fit(frequency=[0], recency=[0], n_periods=[1], weights=[0])
    with pytest.raises(InputValueError, match="`t`"):
        BetaGeoBetaBinomModel.from_params(PUBLISHED).expected_purchases(1.5, [1], [1], [2])
    with pytest.raises(InputValueError, match="broadcast"):
        BetaGeoBetaBinomModel.from_params(PUBLISHED).probability_alive([1, 1], [1], [2, 2, 2])
    with pytest.raises(NotFittedError):
        BetaGeoBetaBinomModel().probability_alive([1], [1], [2])
    with pytest.raises(InputValueError, match="alpha"):
        BetaGeoBetaBinomModel.from_params(BetaGeoBetaBinomParams(-1.0, 1.0, 1.0, 1.0))


def test_optimizer_failure_raises_convergence_error_with_its_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import custvalue._clv.bgbb as mod

    def broken(*args: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        rows = args[-1].shape[0]
        return np.full(rows, np.nan), np.full((rows, 4), np.nan)

    monkeypatch.setattr(mod, "_loglik_rows", broken)
    with pytest.raises(ConvergenceError, match=r"did not converge: [A-Z]+"):
        BetaGeoBetaBinomModel().fit(frequency=[1, 0], recency=[2, 0], n_periods=[3, 3])


def test_degenerate_data_do_not_leak_nan_parameters() -> None:
    # everybody bought at every opportunity: the likelihood is flat towards p -> 1
    try:
        model = BetaGeoBetaBinomModel().fit(
            frequency=[5] * 50, recency=[5] * 50, n_periods=[5] * 50
        )
    except ConvergenceError:
        return
    p = model.params_
    assert np.all(np.isfinite([p.alpha, p.beta, p.gamma, p.delta]))
