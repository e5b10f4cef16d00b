"""Predictions on folded and unfolded rows agree: continuous histories, all models, CLV."""

from __future__ import annotations

import math

import numpy as np
import pytest

from custvalue.clv import BetaGeoModel
from custvalue.clv import BetaGeoParams
from custvalue.clv import GammaGammaModel
from custvalue.clv import GammaGammaParams
from custvalue.clv import GGompertzNBDModel
from custvalue.clv import GGompertzNBDParams
from custvalue.clv import ModifiedBetaGeoCNBDModel
from custvalue.clv import ModifiedBetaGeoCNBDParams
from custvalue.clv import ModifiedBetaGeoModel
from custvalue.clv import ModifiedBetaGeoParams
from custvalue.clv import ParetoNBDModel
from custvalue.clv import ParetoNBDParams
from custvalue.clv import customer_lifetime_value
from custvalue.errors import InputValueError

MODELS = {
    "bgnbd": BetaGeoModel.from_params(BetaGeoParams(0.243, 4.414, 0.793, 2.426)),
    "mbgnbd": ModifiedBetaGeoModel.from_params(ModifiedBetaGeoParams(0.5, 6.0, 0.9, 3.1)),
    "pnbd": ParetoNBDModel.from_params(ParetoNBDParams(0.553, 10.578, 0.606, 11.669)),
    "ggompertz": GGompertzNBDModel.from_params(GGompertzNBDParams(1.2, 3.0, 0.1, 1.0, 1.5)),
    "mbgcnbd": ModifiedBetaGeoCNBDModel.from_params(
        ModifiedBetaGeoCNBDParams(2, 0.85, 1.45, 0.79, 2.42)
    ),
}


def continuous_histories(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Histories with continuous recency and age (every row distinct)."""
    rng = np.random.default_rng(seed)
    t_obs = rng.uniform(1.0, 80.0, n)
    x = rng.poisson(2.0, n).astype(np.float64)
    x[rng.random(n) < 0.3] = 0.0
    tx = np.where(x > 0, t_obs * rng.uniform(0.01, 1.0, n), 0.0)
    return x, tx, t_obs


def in_small_chunks(f, *cols: np.ndarray, chunk: int = 1000) -> np.ndarray:
    """``f`` on slices small enough to be folded (the folded path as the reference)."""
    n = cols[0].shape[0]
    return np.concatenate([f(*(c[i : i + chunk] for c in cols)) for i in range(0, n, chunk)])


@pytest.mark.parametrize("name", sorted(MODELS))
def test_unfolded_rows_give_the_folded_answers(name):
    model = MODELS[name]
    x, tx, t_obs = continuous_histories(12_000, seed=1)
    t = np.full(x.size, 7.5)
    pairs = [
        (
            model.probability_alive(x, tx, t_obs),
            in_small_chunks(model.probability_alive, x, tx, t_obs),
        ),
        (
            model.expected_purchases(7.5, x, tx, t_obs),
            in_small_chunks(model.expected_purchases, t, x, tx, t_obs),
        ),
    ]
    if name != "mbgcnbd":  # (its log-likelihood also takes ``litt``)
        pairs.append(
            (
                model.individual_log_likelihood(x, tx, t_obs),
                in_small_chunks(model.individual_log_likelihood, x, tx, t_obs),
            )
        )
    for ours, reference in pairs:
        assert np.all(np.isfinite(ours))
        np.testing.assert_allclose(ours, reference, rtol=1e-13, atol=0.0)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_folded_whole_number_histories_give_the_row_answers(name):
    """Weekly histories fold (rows, then (x, T) pairs for one horizon): each row's answer."""
    model = MODELS[name]
    rng = np.random.default_rng(3)
    n = 3000
    t_obs = rng.integers(1, 40, n).astype(np.float64)
    x = rng.poisson(2.0, n).astype(np.float64)
    x[rng.random(n) < 0.3] = 0.0
    tx = np.where(x > 0, np.ceil(t_obs * rng.uniform(0.01, 1.0, n)), 0.0)
    alive = model.probability_alive(x, tx, t_obs)
    expected = model.expected_purchases(7.5, x, tx, t_obs)
    rows = range(0, n, 37)
    np.testing.assert_allclose(
        alive[::37], [model.probability_alive(x[i], tx[i], t_obs[i]) for i in rows], rtol=1e-13
    )
    np.testing.assert_allclose(
        expected[::37],
        [model.expected_purchases(7.5, x[i], tx[i], t_obs[i]) for i in rows],
        rtol=1e-13,
    )
    # one horizon per customer (no folding of (x, T) pairs) agrees as well
    np.testing.assert_allclose(
        expected, model.expected_purchases(np.full(n, 7.5), x, tx, t_obs), rtol=1e-13
    )
    if name in ("ggompertz", "mbgcnbd"):  # no P(X(t) = n) given a history
        return
    # P(X(t) = n): the count given alive is taken once per distinct (x, T, t, n)
    pmf = model.probability_of_purchases_given_history(1, 7.5, x, tx, t_obs)
    np.testing.assert_allclose(
        pmf[::37],
        [
            model.probability_of_purchases_given_history(1, 7.5, x[i], tx[i], t_obs[i])
            for i in rows
        ],
        rtol=1e-12,
    )


@pytest.mark.parametrize("name", ["bgnbd", "mbgnbd"])
def test_alive_kernel_matches_the_likelihood_shares(name):
    """P(alive) in closed form equals the share of the alive term in each row's likelihood."""
    model = MODELS[name]
    x, tx, t_obs = continuous_histories(3000, seed=2)
    h = np.stack([x, tx, t_obs])
    np.testing.assert_allclose(model._alive(h), model._row_terms(h)[1], rtol=1e-13)


SMALL_B = {
    "bgnbd_b_below_1": BetaGeoModel.from_params(BetaGeoParams(0.243, 4.414, 0.793, 0.4)),
    "mbgnbd_b_below_1": ModifiedBetaGeoModel.from_params(
        ModifiedBetaGeoParams(0.5, 6.0, 0.9, 0.4)
    ),
}


@pytest.mark.parametrize("name", ["bgnbd", "mbgnbd", *SMALL_B])
def test_alive_matches_eq_13_at_extremes(name):
    """Rows with and without overflowing odds (d > 700), and b < 1 (log(b - 1) undefined)."""
    model = MODELS.get(name) or SMALL_B[name]
    r, alpha, a, b = (getattr(model.params_, f) for f in ("r", "alpha", "a", "b"))
    m = 1.0 if name.startswith("mbgnbd") else 0.0
    x = np.array([0.0, 1.0, 5.0, 300.0, 300.0, 2.0])
    tx = np.array([0.0, 1e-9, 30.0, 1.0, 499.0, 1e5])
    t_obs = np.array([1e6, 1e6, 30.0, 500.0, 500.0, 1e5 + 1.0])
    ours = model.probability_alive(x, tx, t_obs)
    for i in range(x.size):
        if x[i] + m == 0:
            assert ours[i] == 1.0
            continue
        # eq. 13 in logs with Python floats
        d = math.log(a / (b + x[i] + m - 1)) + (r + x[i]) * (
            math.log(alpha + t_obs[i]) - math.log(alpha + tx[i])
        )
        expected = math.exp(-d - math.log1p(math.exp(-d))) if d > 0 else 1 / (1 + math.exp(d))
        assert ours[i] == pytest.approx(expected, rel=1e-12, abs=1e-300)
    # odds of e^720 (e^d overflows past d = 709.8): P(alive) = e^-720, a subnormal, not 0
    x_big, tx_big = 300.0, 10.0
    log_ratio = (720.0 - math.log(a / (b + x_big + m - 1))) / (r + x_big)
    t_big = (alpha + tx_big) * math.exp(log_ratio) - alpha
    tiny = model.probability_alive([x_big, 0.0], [tx_big, 0.0], [t_big, t_big])
    assert tiny[0] == pytest.approx(math.exp(-720.0), rel=1e-8)


def per_period_clv(model, x, tx, t_obs, mv, horizon, rate, step):
    """CLV as the sum of the per-period differences of expected_purchases (the definition)."""
    spend = GG.expected_spend(x, mv)
    total = np.zeros(x.size)
    previous = np.zeros(x.size)
    for i in range(1, horizon + 1):
        cumulative = model.expected_purchases(i * step, x, tx, t_obs)
        total += (cumulative - previous) / (1 + rate) ** i
        previous = cumulative
    return total * spend


GG = GammaGammaModel.from_params(GammaGammaParams(6.25, 3.74, 15.44))


@pytest.mark.parametrize("name", sorted(MODELS))
@pytest.mark.parametrize("kind", ["continuous", "weekly"])
def test_clv_in_one_pass_equals_the_per_period_sum(name, kind):
    model = MODELS[name]
    x, tx, t_obs = continuous_histories(10_000, seed=3)
    if kind == "weekly":
        t_obs = np.ceil(t_obs)
        tx = np.minimum(np.ceil(tx), t_obs)
    mv = np.where(x > 0, 20.0 + x, 0.0)
    history = {"frequency": x, "recency": tx, "T": t_obs, "monetary_value": mv}
    ours = customer_lifetime_value(model, GG, horizon=6, discount_rate=0.02, step=4.0, **history)
    reference = per_period_clv(model, x, tx, t_obs, mv, 6, 0.02, 4.0)
    np.testing.assert_allclose(ours, reference, rtol=1e-12, atol=1e-300)


def test_clv_checks_histories_in_one_pass():
    model = MODELS["bgnbd"]
    with pytest.raises(InputValueError, match="recency"):
        customer_lifetime_value(
            model,
            GG,
            horizon=3,
            discount_rate=0.0,
            frequency=[1.0],
            recency=[5.0],
            T=[4.0],
            monetary_value=[10.0],
        )
