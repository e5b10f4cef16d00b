"""Commission plans: margin-rate tiers with their rates, and volume brackets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from decimal import InvalidOperation
from typing import Any

import numpy as np
import numpy.typing as npt

from custvalue._commission.rates import BOUND_LIMIT
from custvalue._commission.rates import MoneyLike
from custvalue._commission.rates import RateLike
from custvalue._commission.rates import money_scalar
from custvalue._commission.rates import parse_rate
from custvalue._commission.rates import pct
from custvalue._commission.rates import scaled
from custvalue.errors import InputTypeError
from custvalue.errors import InputValueError

__all__ = ["CommissionPlan", "Tier"]

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True, init=False)
class Tier:
    """One margin-rate tier of a :class:`CommissionPlan`.

    Parameters
    ----------
    lower : rate-like or None
        Inclusive lower bound of the margin rate ``(revenue - cost) / revenue``;
        ``None`` (first tier only) means no lower bound.
    upper : rate-like or None
        Exclusive upper bound; ``None`` (last tier only) means open-ended.
    rate : rate-like or sequence of rate-like
        The commission rate, in [0, 1]; with volume brackets, one rate per
        bracket (lowest bracket first).  Rates are read by :func:`parse_rate`:
        ``Decimal``, ``"7.5%"``, ``"0.075"``, ``"750bp"``, exact floats.
    name : str, optional
        Label used in results and messages (default ``"[lower, upper)"``).

    Examples
    --------
    >>> Tier("20%", "35%", "750bp", name="silver")
    Tier(lower=Decimal('0.20'), upper=Decimal('0.35'), rates=(Decimal('0.0750'),), name='silver')
    """

    lower: Decimal | None
    upper: Decimal | None
    rates: tuple[Decimal, ...]
    name: str

    def __init__(
        self,
        lower: RateLike | None,
        upper: RateLike | None,
        rate: RateLike | Sequence[RateLike],
        name: str = "",
    ) -> None:
        label = name or "tier"
        lo = None if lower is None else parse_rate(lower, f"{label} lower bound")
        hi = None if upper is None else parse_rate(upper, f"{label} upper bound")
        if isinstance(rate, Decimal | str | int | float | np.number):
            raw: Sequence[object] = (rate,)
        else:
            raw = tuple(rate)
        rates = tuple(parse_rate(r, f"{label} rate") for r in raw)
        if not isinstance(name, str):
            raise InputTypeError(f"Tier `name` must be a string, got {name!r}.")
        if not name:
            name = f"[{'-inf' if lo is None else pct(lo)}, {'inf' if hi is None else pct(hi)})"
        object.__setattr__(self, "lower", lo)
        object.__setattr__(self, "upper", hi)
        object.__setattr__(self, "rates", rates)
        object.__setattr__(self, "name", name)

    @property
    def rate(self) -> Decimal:
        """The rate of the lowest volume bracket (the only one without brackets)."""
        return self.rates[0]


@dataclass(frozen=True, slots=True, init=False)
class CommissionPlan:
    """A commission plan: margin-rate tiers and optional volume brackets.

    Parameters
    ----------
    tiers : sequence of Tier or of tuples ``(lower, upper, rate[, name])``
        Sorted by margin rate, contiguous: each tier's ``upper`` equals the next
        tier's ``lower``.  A line whose margin rate is below the first tier's
        lower bound is *below plan* and earns nothing.
    brackets : sequence of amounts, optional
        Lower bounds (inclusive, in major currency units, the first one 0) of
        the volume brackets of a salesperson's period basis, for the
        ``"graduated"`` and ``"retroactive"`` modes.  Each tier then gives one
        rate per bracket (or a single rate, used in every bracket); the rate
        paid is ``tier.rates[bracket]``: the margin tier picks the row, the
        volume bracket the column.  Without brackets every mode pays the
        tier's single rate.
    name : str, optional
        A label for the plan.

    Raises
    ------
    InputValueError
        Unsorted, overlapping or gapped tiers, a rate outside [0, 1], an open
        bound on an inner tier, bounds beyond ±1000 %, brackets not starting at
        0 or not increasing, or a tier whose number of rates is not the number
        of brackets.  The message names the tier.

    Examples
    --------
    >>> plan = CommissionPlan([(None, "20%", "2%"), ("20%", None, ["5%", "6%"])],
    ...                       brackets=[0, 10_000])
    >>> plan.tier_names
    ('[-inf, 20%)', '[20%, inf)')
    """

    tiers: tuple[Tier, ...]
    brackets: tuple[Decimal, ...]
    name: str

    def __init__(
        self,
        tiers: Sequence[Tier | tuple[Any, ...]],
        brackets: Sequence[MoneyLike] = (),
        name: str = "",
    ) -> None:
        if isinstance(tiers, str | bytes) or not isinstance(tiers, Sequence):
            raise InputTypeError("`tiers` must be a list of Tier objects or tuples.")
        built: list[Tier] = []
        for i, t in enumerate(tiers):
            if isinstance(t, Tier):
                built.append(t)
            elif isinstance(t, tuple) and len(t) in (3, 4):
                built.append(Tier(*t))
            else:
                raise InputTypeError(
                    f"tier {i} must be a Tier or a tuple (lower, upper, rate[, name]), got {t!r}."
                )
        if not built:
            raise InputValueError("`tiers` is empty; a plan needs at least one tier.")
        br: list[Decimal] = []
        for j, b in enumerate(brackets):
            if isinstance(b, bool) or not isinstance(b, Decimal | str | int | float):
                raise InputTypeError(f"volume bracket {j} must be an amount, got {b!r}.")
            try:
                d = Decimal(repr(b)) if isinstance(b, float) else Decimal(b)
            except InvalidOperation:
                raise InputValueError(f"volume bracket {j} = {b!r} is not a number.") from None
            if not d.is_finite():
                raise InputValueError(f"volume bracket {j} = {b!r} must be finite.")
            br.append(d)
        if br:
            if br[0] != 0:
                raise InputValueError(
                    f"volume bracket 0 must start at 0, got {br[0]}; list the lower bound "
                    f"of every bracket, starting with 0."
                )
            for j in range(1, len(br)):
                if br[j] <= br[j - 1]:
                    raise InputValueError(
                        f"volume brackets must increase, but bracket {j} ({br[j]}) is not "
                        f"above bracket {j - 1} ({br[j - 1]})."
                    )
        n_rates = max(len(br), 1)
        last = len(built) - 1
        for i, t in enumerate(built):
            who = f"tier {i} ({t.name!r})"
            if t.lower is None and i != 0:
                raise InputValueError(f"{who} has no lower bound; only the first tier may.")
            if t.upper is None and i != last:
                raise InputValueError(f"{who} has no upper bound; only the last tier may.")
            for bound in (t.lower, t.upper):
                if bound is not None and abs(bound) > BOUND_LIMIT:
                    raise InputValueError(
                        f"{who} has bound {pct(bound)} outside ±1000 %; margin-rate bounds "
                        f"are fractions (20 % = 0.2)."
                    )
            if t.lower is not None and t.upper is not None and t.lower >= t.upper:
                raise InputValueError(
                    f"{who} is empty or reversed: lower {pct(t.lower)} must be below upper "
                    f"{pct(t.upper)}."
                )
            for r in t.rates:
                if not Decimal(0) <= r <= Decimal(1):
                    raise InputValueError(
                        f"{who} has rate {pct(r)} outside [0 %, 100 %]; write rates as "
                        f"fractions or percentages ('7.5%')."
                    )
            if len(t.rates) == 1 and n_rates > 1:
                t = built[i] = Tier(t.lower, t.upper, t.rates * n_rates, t.name)
            if len(t.rates) != n_rates:
                raise InputValueError(
                    f"{who} gives {len(t.rates)} rate(s) but the plan has {n_rates} volume "
                    f"bracket(s); give one rate per bracket."
                )
        for i, t in enumerate(built[:-1]):
            who = f"tier {i} ({t.name!r})"
            nxt = built[i + 1]
            assert t.upper is not None
            if nxt.lower is None or nxt.lower < t.upper:
                if nxt.lower is not None and t.lower is not None and nxt.lower < t.lower:
                    raise InputValueError(
                        f"tiers are not sorted: tier {i + 1} ({nxt.name!r}) starts below "
                        f"{who}; list tiers by increasing margin rate."
                    )
                raise InputValueError(
                    f"tier {i + 1} ({nxt.name!r}) overlaps {who}: it starts at "
                    f"{'-inf' if nxt.lower is None else pct(nxt.lower)} before "
                    f"{pct(t.upper)}."
                )
            if nxt.lower > t.upper:
                raise InputValueError(
                    f"gap between {who} and tier {i + 1} ({nxt.name!r}): margin rates from "
                    f"{pct(t.upper)} to {pct(nxt.lower)} have no tier."
                )
        if not isinstance(name, str):
            raise InputTypeError(f"plan `name` must be a string, got {name!r}.")
        object.__setattr__(self, "tiers", tuple(built))
        object.__setattr__(self, "brackets", tuple(br))
        object.__setattr__(self, "name", name)

    @property
    def tier_names(self) -> tuple[str, ...]:
        """The tiers' names, in order."""
        return tuple(t.name for t in self.tiers)

    def _lowers(self) -> IntArray:
        lo = [np.iinfo(np.int64).min if t.lower is None else scaled(t.lower) for t in self.tiers]
        return np.asarray(lo, dtype=np.int64)

    def _rate_matrix(self) -> IntArray:
        """Rates (parts per 1e9), tiers x brackets, row-major."""
        return np.asarray([[scaled(r) for r in t.rates] for t in self.tiers], dtype=np.int64)

    def _bracket_lows(self, decimals: int) -> IntArray:
        if not self.brackets:
            return np.zeros(1, dtype=np.int64)
        return np.asarray(
            [
                money_scalar(b, f"volume bracket {j}", decimals)
                for j, b in enumerate(self.brackets)
            ],
            dtype=np.int64,
        )


# --- results -------------------------------------------------------------------------------
