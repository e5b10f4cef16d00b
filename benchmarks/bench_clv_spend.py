"""Gamma-Gamma and BG/BB fits: ``custvalue.clv`` against lifetimes.

Both sides run an exact maximum-likelihood fit on the same synthetic data and
must reach the same optimum: the check evaluates custvalue's log-likelihood at
lifetimes' parameters and requires it to be within a relative 1e-6 of
custvalue's own maximum (and not above it by more than that).

* ``gamma_gamma_fit``: repeat customers with a frequency and a mean spend,
  simulated from the Gamma-Gamma model (p = 6.25, q = 3.74, v = 15.44, the
  CDNOW estimates) with frequencies 1 + Poisson(2).
* ``bgbb_fit``: one row per customer (no pre-aggregation) simulated from the
  BG/BB model with the donations estimates over 6 opportunities; lifetimes gets
  the same rows (it does not fold identical histories itself).
* ``sbg_fit``: the shifted-beta-geometric fit of one cohort's alive counts, the
  "regular" customers of Fader & Hardie (2007), whose published estimates are
  alpha = 0.704, beta = 1.182.  No Python library has the sBG as a frequentist
  model (pymc-marketing's is Bayesian), so the peer is a plain scipy fit of the
  same likelihood (L-BFGS-B on the log-parameters).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from _harness import Case
from scipy import optimize
from scipy import special

from custvalue.clv import BetaGeoBetaBinomModel
from custvalue.clv import BetaGeoBetaBinomParams
from custvalue.clv import GammaGammaModel
from custvalue.clv import GammaGammaParams
from custvalue.clv import ShiftedBetaGeoModel

GG_TRUTH = GammaGammaParams(6.25, 3.74, 15.44)
BGBB_TRUTH = BetaGeoBetaBinomParams(1.204, 0.750, 0.657, 2.783)


def gamma_gamma_data(n: int, seed: int = 11) -> pd.DataFrame:
    x = 1 + np.random.default_rng(seed).poisson(2.0, n)
    return GammaGammaModel.from_params(GG_TRUTH).simulate(x, seed=seed + 1)


def bgbb_data(n: int, seed: int = 12) -> pd.DataFrame:
    return BetaGeoBetaBinomModel.from_params(BGBB_TRUTH).simulate(n, 6, seed=seed)


# --- contenders --------------------------------------------------------------


def custvalue_gg(df: pd.DataFrame) -> GammaGammaModel:
    return GammaGammaModel().fit(df)


def lifetimes_gg(df: pd.DataFrame) -> Any:
    import warnings

    from lifetimes import GammaGammaFitter

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return GammaGammaFitter().fit(df["frequency"], df["monetary_value"])


def custvalue_bgbb(df: pd.DataFrame) -> BetaGeoBetaBinomModel:
    return BetaGeoBetaBinomModel().fit(df)


def lifetimes_bgbb(df: pd.DataFrame) -> Any:
    import warnings

    from lifetimes import BetaGeoBetaBinomFitter

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return BetaGeoBetaBinomFitter().fit(df["frequency"], df["recency"], df["n_periods"])


# --- checks ------------------------------------------------------------------


def _same_optimum(ours: float, at_peer: float) -> None:
    rel = (ours - at_peer) / abs(ours)
    assert rel <= 1e-6, f"peer optimum differs: LL {at_peer:.8f} vs custvalue {ours:.8f}"
    assert rel >= -1e-6, f"custvalue missed the optimum: LL {ours:.8f} < peer {at_peer:.8f}"


def check_gg(df: pd.DataFrame, outputs: dict[str, object]) -> None:
    ours = outputs["custvalue"]
    assert isinstance(ours, GammaGammaModel)
    if "lifetimes" in outputs:
        peer = outputs["lifetimes"]
        params = GammaGammaParams(*peer.params_.to_numpy())  # type: ignore[attr-defined]
        at_peer = float(
            GammaGammaModel.from_params(params).individual_log_likelihood(data=df).sum()
        )
        _same_optimum(ours.log_likelihood_, at_peer)


def check_bgbb(df: pd.DataFrame, outputs: dict[str, object]) -> None:
    ours = outputs["custvalue"]
    assert isinstance(ours, BetaGeoBetaBinomModel)
    if "lifetimes" in outputs:
        peer = outputs["lifetimes"]
        params = BetaGeoBetaBinomParams(*peer.params_.to_numpy())  # type: ignore[attr-defined]
        at_peer = float(
            BetaGeoBetaBinomModel.from_params(params).individual_log_likelihood(data=df).sum()
        )
        _same_optimum(ours.log_likelihood_, at_peer)


#: Fader & Hardie (2007), "regular" customers: alive at the start of years 0..7
SBG_REGULAR = np.array([1000, 631, 468, 382, 326, 289, 262, 241], dtype=np.float64)


def sbg_log_likelihood(alpha: float, beta: float, alive: np.ndarray) -> float:
    """FH (2007) eq. 7: churn in each period, survivors of the last one."""
    t = np.arange(1, alive.size)
    log_b = special.betaln(alpha, beta)
    churn = special.betaln(alpha + 1.0, beta + t - 1.0) - log_b
    survive = special.betaln(alpha, beta + alive.size - 1.0) - log_b
    return float(np.sum((alive[:-1] - alive[1:]) * churn) + alive[-1] * survive)


def scipy_sbg(alive: np.ndarray) -> tuple[float, float, float]:
    res = optimize.minimize(
        lambda q: -sbg_log_likelihood(*np.exp(q), alive), np.zeros(2), method="L-BFGS-B"
    )
    alpha, beta = np.exp(res.x)
    return float(alpha), float(beta), -float(res.fun)


def custvalue_sbg(alive: np.ndarray) -> tuple[float, float, float]:
    m = ShiftedBetaGeoModel().fit(alive)
    return m.params_.alpha, m.params_.beta, m.log_likelihood_


def check_sbg(outputs: dict[str, object]) -> None:
    alpha, beta, ll = outputs["custvalue"]  # type: ignore[misc]
    assert round(alpha, 3) == 0.704 and round(beta, 3) == 1.182, (alpha, beta)  # published
    assert abs(ll - sbg_log_likelihood(alpha, beta, SBG_REGULAR)) <= 1e-9 * abs(ll)
    peer = outputs.get("scipy")
    if isinstance(peer, tuple):
        _same_optimum(ll, sbg_log_likelihood(peer[0], peer[1], SBG_REGULAR))


def cases(quick: bool) -> list[Case]:
    n_gg = 20_000 if quick else 1_000_000
    n_bgbb = 20_000 if quick else 100_000
    data: dict[str, pd.DataFrame] = {}

    def setup_gg() -> None:
        data["gg"] = gamma_gamma_data(n_gg)

    def setup_bgbb() -> None:
        data["bgbb"] = bgbb_data(n_bgbb)

    return [
        Case(
            group="gamma_gamma_fit",
            size=f"{n_gg:,} repeat customers",
            contenders={
                "custvalue": lambda: custvalue_gg(data["gg"]),
                "lifetimes": lambda: lifetimes_gg(data["gg"]),
            },
            check=lambda out: check_gg(data["gg"], out),
            repeat=3,
            repeat_for={"lifetimes": 1},
            note="same optimum required (relative LL difference <= 1e-6)",
            setup=setup_gg,
            teardown=data.clear,
        ),
        Case(
            group="bgbb_fit",
            size=f"{n_bgbb:,} customers x 6 opportunities",
            contenders={
                "custvalue": lambda: custvalue_bgbb(data["bgbb"]),
                "lifetimes": lambda: lifetimes_bgbb(data["bgbb"]),
            },
            check=lambda out: check_bgbb(data["bgbb"], out),
            repeat=3,
            repeat_for={"lifetimes": 1},
            note="one row per customer; custvalue folds identical histories into weights",
            setup=setup_bgbb,
            teardown=data.clear,
        ),
        Case(
            group="sbg_fit",
            size="1 cohort x 8 periods (FH 2007 regular)",
            contenders={
                "custvalue": lambda: custvalue_sbg(SBG_REGULAR),
                "scipy": lambda: scipy_sbg(SBG_REGULAR),
            },
            check=check_sbg,
            repeat=20,
            memory=False,
            note="published estimates reproduced; the peer is a plain scipy fit of FH 2007 eq. 7",
        ),
    ]
