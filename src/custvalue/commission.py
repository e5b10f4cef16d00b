"""Sales commission by product margin, exact to the minor unit.

A :class:`CommissionPlan` is data: margin-rate tiers (each with a commission
rate) and optional volume brackets (accelerators).  :func:`commission` prices
every sales line, splits it between salespeople, aggregates statements per
salesperson and period, applies caps and floors, and returns a
:class:`CommissionResult` whose numbers reconcile to the cent.
:func:`product_margin_tiers` gives the tier of each product for a price list.

Money rules
-----------
* All amounts are integer minor units (``currency_decimals``, default 2).
  Float amounts are read through their shortest ``repr`` and rounded once, at
  the boundary, with the rounding rule; ``Decimal`` and integers are exact.
* A commission is ``basis * rate`` computed exactly (rates are exact fractions
  with at most 9 decimals) and rounded once per line with the one rounding rule
  (``"half_even"`` by default, ``"half_up"`` available).
* Statement totals are sums of rounded line credits, so a statement always
  equals the sum of its lines; caps and floors appear as a separate
  ``adjustment_minor`` column.

Examples
--------
>>> import pandas as pd
>>> from custvalue.commission import CommissionPlan, Tier, commission
>>> plan = CommissionPlan([Tier(None, "20%", "2%"), Tier("20%", None, "5%")])
>>> lines = pd.DataFrame({"salesperson": ["ann", "ann", "bob"],
...                       "amount": [100.0, 50.0, 80.0], "cost": [90.0, 30.0, 40.0]})
>>> res = commission(lines, plan, cost_col="cost")
>>> res.lines[["tier", "basis", "rate", "commission"]]
   tier  basis  rate commission
0     0  10.00  0.02       0.20
1     1  20.00  0.05       1.00
2     1  40.00  0.05       2.00
>>> res.statements[["salesperson", "basis", "commission"]]
  salesperson  basis commission
0         ann  30.00       1.20
1         bob  40.00       2.00
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from custvalue._commission import kernels as _k
from custvalue._core.money import (
    MAX_MINOR,
    allocate_largest_remainder_groups,
    check_decimals,
    minor_to_decimals,
    round_div_py,
    rounding_code,
    to_minor_units,
)
from custvalue._core.validation import check_choice, check_dataframe
from custvalue.errors import InputTypeError, InputValueError

__all__ = [
    "CommissionPlan",
    "CommissionResult",
    "Reconciliation",
    "Tier",
    "bps",
    "commission",
    "parse_rate",
    "product_margin_tiers",
]

IntArray = npt.NDArray[np.int64]
RateLike = Decimal | str | int | float
MoneyLike = Decimal | str | int | float
Mode = Literal["per_line", "graduated", "retroactive"]

RATE_SCALE = _k.RATE_SCALE
_RATE_DECIMALS = 9
_BOUND_LIMIT = Decimal(10)
_QUANTUM = Decimal(1).scaleb(-_RATE_DECIMALS)

_KINDS = ("sale", "return", "reversal", "negative_margin", "below_plan")
_SALE, _RETURN, _REVERSAL, _NEGATIVE, _BELOW = range(5)


# --- rates ---------------------------------------------------------------------------


def bps(value: int | str | Decimal) -> Decimal:
    """Return a rate given in basis points (1 bp = 0.01 % = 0.0001) as an exact Decimal.

    Examples
    --------
    >>> bps(750)
    Decimal('0.0750')
    """
    if isinstance(value, bool) or not isinstance(value, int | str | Decimal):
        raise InputTypeError(f"`bps` takes an int, str or Decimal, got {value!r}.")
    try:
        d = Decimal(value) if not isinstance(value, str) else Decimal(value.strip())
    except InvalidOperation:
        raise InputValueError(f"`bps` got {value!r}, which is not a number.") from None
    if not d.is_finite():
        raise InputValueError(f"`bps` got {value!r}; a rate must be finite.")
    return d.scaleb(-4)


def parse_rate(value: object, name: str = "rate") -> Decimal:
    """Read a rate or margin-rate bound as an exact Decimal fraction.

    Accepted forms (all mean 7.5 %):

    * ``Decimal("0.075")`` as is;
    * strings ``"0.075"``, ``"7.5%"``, ``"750bp"`` / ``"750bps"`` (basis points);
    * ``int`` (``0`` and ``1`` are the usual ones: ``1`` means 100 %);
    * ``float`` through its shortest ``repr``: ``0.075`` is ``Decimal("0.075")``.

    The value must be exact with at most 9 decimals once read (``"1/3"``-like
    rates such as ``0.333333333333`` are refused, not rounded).

    Raises
    ------
    InputTypeError
        For booleans and non-numeric types.
    InputValueError
        For unparsable strings, NaN/inf, or more than 9 decimals.

    Examples
    --------
    >>> [parse_rate(v) for v in ("7.5%", "750bp", "0.075", 0.075)]
    [Decimal('0.075'), Decimal('0.075'), Decimal('0.075'), Decimal('0.075')]
    """
    if isinstance(value, bool | np.bool_):
        raise InputTypeError(f"`{name}` must be a rate (e.g. '7.5%'), got {value!r}.")
    number = _numeric_decimal(value, name)
    if number is not None:
        d = number
    elif isinstance(value, str):
        text = value.strip().replace("_", "")
        try:
            if text.endswith("%"):
                d = Decimal(text[:-1].strip()).scaleb(-2)
            elif text.lower().endswith("bps"):
                d = Decimal(text[:-3].strip()).scaleb(-4)
            elif text.lower().endswith("bp"):
                d = Decimal(text[:-2].strip()).scaleb(-4)
            else:
                d = Decimal(text)
        except InvalidOperation:
            raise InputValueError(
                f"`{name}` could not be read from {value!r}; write e.g. '0.075', '7.5%' "
                f"or '750bp'."
            ) from None
    else:
        raise InputTypeError(
            f"`{name}` must be a Decimal, str, int or float rate, got {type(value).__name__}."
        )
    if not d.is_finite():
        raise InputValueError(f"`{name}` must be finite, got {value!r}.")
    if d.quantize(_QUANTUM, rounding="ROUND_HALF_EVEN") != d:
        raise InputValueError(
            f"`{name}` = {value!r} has more than {_RATE_DECIMALS} decimals; rates and bounds "
            f"must be exact at 1e-9 (e.g. '7.125%')."
        )
    return d


def _numeric_decimal(value: object, name: str) -> Decimal | None:
    """Decimal of a Decimal, int or float (shortest repr) value; None for other types.

    Booleans are the caller's to refuse; NaN and infinities are refused here.
    """
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, int | np.integer):
        d = Decimal(int(value))
    elif isinstance(value, float | np.floating):
        d = Decimal(repr(float(value)))
    else:
        return None
    if not d.is_finite():
        raise InputValueError(f"`{name}` must be finite, got {value!r}.")
    return d


def _show(value: object) -> str:
    """Repr of a label for messages (numpy scalars shown as plain Python values)."""
    if isinstance(value, np.generic):
        value = value.item()
    return repr(value)


def _scaled(d: Decimal) -> int:
    return int(d.scaleb(_RATE_DECIMALS))


def _pct(d: Decimal) -> str:
    text = format(d.scaleb(2), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}%"


def _money_scalar(value: object, name: str, decimals: int) -> int:
    """Convert an exact money amount (major units) to minor units; refuse extra decimals."""
    if isinstance(value, bool | np.bool_):
        raise InputTypeError(f"`{name}` must be an amount, got {value!r}.")
    number = _numeric_decimal(value, name)
    if number is not None:
        d = number
    elif isinstance(value, str):
        try:
            d = Decimal(value.strip().replace("_", ""))
        except InvalidOperation:
            raise InputValueError(f"`{name}` could not be read as an amount: {value!r}.") from None
    else:
        raise InputTypeError(
            f"`{name}` must be an amount (Decimal, str, int or float), got {type(value).__name__}."
        )
    if not d.is_finite():
        raise InputValueError(f"`{name}` must be finite, got {value!r}.")
    scaled = d.scaleb(decimals)
    if scaled != scaled.to_integral_value():
        raise InputValueError(
            f"`{name}` = {value!r} has more decimals than the currency ({decimals}); "
            f"give it in whole minor units of the currency."
        )
    out = int(scaled)
    if abs(out) > MAX_MINOR:
        raise InputValueError(
            f"`{name}` = {value!r} is too large (limit {MAX_MINOR} minor units)."
        )
    return out


# --- plan ---------------------------------------------------------------------------------


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
            name = f"[{'-inf' if lo is None else _pct(lo)}, {'inf' if hi is None else _pct(hi)})"
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
                if bound is not None and abs(bound) > _BOUND_LIMIT:
                    raise InputValueError(
                        f"{who} has bound {_pct(bound)} outside ±1000 %; margin-rate bounds "
                        f"are fractions (20 % = 0.2)."
                    )
            if t.lower is not None and t.upper is not None and t.lower >= t.upper:
                raise InputValueError(
                    f"{who} is empty or reversed: lower {_pct(t.lower)} must be below upper "
                    f"{_pct(t.upper)}."
                )
            for r in t.rates:
                if not Decimal(0) <= r <= Decimal(1):
                    raise InputValueError(
                        f"{who} has rate {_pct(r)} outside [0 %, 100 %]; write rates as "
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
                    f"{'-inf' if nxt.lower is None else _pct(nxt.lower)} before "
                    f"{_pct(t.upper)}."
                )
            if nxt.lower > t.upper:
                raise InputValueError(
                    f"gap between {who} and tier {i + 1} ({nxt.name!r}): margin rates from "
                    f"{_pct(t.upper)} to {_pct(nxt.lower)} have no tier."
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
        lo = [np.iinfo(np.int64).min if t.lower is None else _scaled(t.lower) for t in self.tiers]
        return np.asarray(lo, dtype=np.int64)

    def _rate_matrix(self) -> IntArray:
        """Rates (parts per 1e9), tiers x brackets, row-major."""
        return np.asarray([[_scaled(r) for r in t.rates] for t in self.tiers], dtype=np.int64)

    def _bracket_lows(self, decimals: int) -> IntArray:
        if not self.brackets:
            return np.zeros(1, dtype=np.int64)
        return np.asarray(
            [
                _money_scalar(b, f"volume bracket {j}", decimals)
                for j, b in enumerate(self.brackets)
            ],
            dtype=np.int64,
        )


# --- results -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """Cross-checks of a :class:`CommissionResult`; all totals in minor units.

    Attributes
    ----------
    ok : bool
        Every check below holds.
    lines_total_minor : int
        Sum of the line commissions.
    credits_total_minor : int
        Sum of the credits (line commissions after splits); equals the above.
    statements_lines_total_minor : int
        Sum of the statements' ``lines_commission_minor``; equals the above.
    adjustments_minor : int
        Sum of cap and floor adjustments.
    payable_minor : int
        Sum of the statements' payable ``commission_minor``; equals
        ``statements_lines_total_minor + adjustments_minor``.
    lines_not_matching_credits : int
        Lines whose credits do not sum to the line commission (0 when ok).
    statements_not_matching_credits : int
        Statements that differ from the sum of their credits (0 when ok).
    """

    ok: bool
    lines_total_minor: int
    credits_total_minor: int
    statements_lines_total_minor: int
    adjustments_minor: int
    payable_minor: int
    lines_not_matching_credits: int
    statements_not_matching_credits: int


@dataclass(frozen=True, slots=True, eq=False)
class _Derive:
    """How to rebuild a line's tier, kind and basis from its revenue and cost (or margin)."""

    lowers: IntArray
    basis_is_margin: bool
    zero_negative: bool


@dataclass(frozen=True, slots=True, eq=False)
class _Parts:
    index: pd.Index
    kind: npt.NDArray[np.int8] | None  # None (also tier, bases): rebuilt with `derive`
    revenue: IntArray | None  # None (also other, c_sp, periods): rebuilt with `source`
    other: IntArray | None  # the cost or margin column in minor units
    other_is_margin: bool
    tier: IntArray | None
    line_basis: IntArray | None
    line_comm: IntArray
    line_period: npt.NDArray[np.integer[Any]] | None
    offsets: IntArray | None  # credits of line i: offsets[i]:offsets[i+1]; None = one each
    c_sp: npt.NDArray[np.integer[Any]] | None
    c_share: IntArray | None
    c_basis: IntArray | None  # None: the line basis (one credit per line)
    c_comm: IntArray
    c_tier: IntArray | None  # tier paid per credit; None: the line's tier (-1 if zeroed)
    c_bracket: npt.NDArray[np.integer[Any]]
    rates: IntArray  # tiers x brackets, row-major, parts per 1e9
    c_stmt: IntArray | None  # None: derive from stmt_keys
    c_period: npt.NDArray[np.integer[Any]] | None
    n_per: int
    stmt_keys: IntArray
    sp_labels: pd.Index
    period_labels: Any
    tier_names: tuple[str, ...]
    derive: _Derive | None = None
    # recomputes (revenue, other, c_sp, line period) from the input columns
    source: Callable[[], tuple[IntArray, IntArray, npt.NDArray[Any], npt.NDArray[Any]]] | None = (
        None
    )


@dataclass(frozen=True, slots=True, eq=False)
class CommissionResult:
    """Output of :func:`commission`.

    Attributes
    ----------
    statements : pandas.DataFrame
        One row per salesperson and period (sorted by salesperson, then
        period): ``salesperson``, ``period``, ``n_credits``, ``basis_minor``,
        ``lines_commission_minor`` (sum of the rounded line credits),
        ``reversals_minor`` (the part of it coming from returns), ``bracket``
        (volume bracket reached; 0 without brackets), ``adjustment_minor``
        (cap/floor correction), ``commission_minor`` (payable =
        lines + adjustment), ``cap_applied``, ``floor_applied``, and as exact
        ``Decimal`` amounts ``basis`` and ``commission`` (payable).
    line_commission_minor : numpy.ndarray
        Commission of every input line in minor units (input order).
    mode, rounding, currency_decimals, currency
        The settings used.

    Notes
    -----
    :attr:`lines` and :attr:`credits` are built on first access (they hold
    one ``Decimal`` per line) and then kept.
    """

    statements: pd.DataFrame
    line_commission_minor: IntArray
    plan: CommissionPlan
    mode: str
    rounding: str
    currency_decimals: int
    currency: object
    _parts: _Parts = field(repr=False)
    _cache: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)
    _arrays: dict[str, npt.NDArray[Any]] = field(default_factory=dict, repr=False)

    @property
    def lines(self) -> pd.DataFrame:
        """One row per input line, on the input's index.

        Columns: ``kind`` (``"sale"``, ``"return"`` = negative line without a
        link, ``"reversal"`` = linked return, ``"negative_margin"``,
        ``"below_plan"``), ``margin_rate`` (float, for display; tiering is
        exact), ``tier`` (-1 = none), ``tier_name``, ``basis_minor``,
        ``basis``, ``rate`` (the rate applied when the line has one credit,
        else the first credit's), ``commission_minor``, ``commission``
        (``Decimal``), ``n_credits``.
        """
        if "lines" not in self._cache:
            self._cache["lines"] = self._build_lines()
        return self._cache["lines"]

    @property
    def credits(self) -> pd.DataFrame:
        """One row per line and credited salesperson (a line has several when split).

        Columns: ``line`` (position of the line in the input), ``salesperson``,
        ``period``, ``share`` (``Decimal`` fraction), ``bracket``, ``rate``,
        ``basis_minor``, ``commission_minor``, ``commission``.
        """
        if "credits" not in self._cache:
            self._cache["credits"] = self._build_credits()
        return self._cache["credits"]

    def _credit_line(self) -> IntArray:
        p = self._parts
        n = p.line_comm.size
        if p.offsets is None:
            return np.arange(n, dtype=np.int64)
        return np.repeat(np.arange(n, dtype=np.int64), np.diff(p.offsets))

    def _base(
        self,
    ) -> tuple[IntArray, IntArray | None, npt.NDArray[Any], npt.NDArray[Any], npt.NDArray[Any]]:
        """Revenue, cost or margin, and per credit salesperson, line period and period."""
        p = self._parts
        if p.source is None:
            assert p.revenue is not None and p.c_sp is not None
            assert p.line_period is not None and p.c_period is not None
            return p.revenue, p.other, p.c_sp, p.line_period, p.c_period
        if "revenue" not in self._arrays:
            rev, other, sp_codes, periods = p.source()
            self._arrays.update(revenue=rev, other=other, c_sp=sp_codes, period=periods)
        a = self._arrays
        c_sp = a["c_sp"] if p.c_sp is None else p.c_sp
        per = a["period"] if p.line_period is None else p.line_period
        return a["revenue"], a["other"], c_sp, per, per

    def _line_arrays(self) -> tuple[npt.NDArray[np.int8], IntArray, IntArray]:
        """Kind, tier and basis of every line (rebuilt on first use when not kept)."""
        p = self._parts
        if p.kind is not None and p.tier is not None and p.line_basis is not None:
            return p.kind, p.tier, p.line_basis
        if "kind" not in self._arrays:
            revenue, other, _, _, _ = self._base()
            assert p.derive is not None and other is not None
            n = revenue.size
            empty = np.zeros(0, dtype=np.int64)
            kind = np.empty(n, dtype=np.int8)
            tier = np.empty(n, dtype=np.int64)
            basis = np.empty(n, dtype=np.int64)
            _k.prepare_lines(
                revenue,
                other,
                True,
                p.other_is_margin,
                empty,
                empty,
                np.zeros(0, dtype=np.bool_),
                False,
                p.derive.lowers,
                p.derive.basis_is_margin,
                p.derive.zero_negative,
                empty,
                False,
                0,
                tier,
                np.empty(n, dtype=np.int64),
                basis,
                kind,
                empty,
            )
            self._arrays.update(kind=kind, tier=tier, basis=basis)
        a = self._arrays
        return a["kind"], a["tier"], a["basis"]

    def _credit_rates(self) -> IntArray:
        p = self._parts
        c_tier = p.c_tier
        if c_tier is None:
            kind, tier, _ = self._line_arrays()
            c_tier = np.where(kind == _NEGATIVE, -1, tier).astype(np.int64)
        out = np.empty(c_tier.size, dtype=np.int64)
        _k.credit_rates(c_tier, p.c_bracket, p.rates, p.rates.size // len(p.tier_names), out)
        return out

    def _rates_dec(self, scaled: IntArray) -> list[Decimal]:
        return [
            Decimal(v).scaleb(-_RATE_DECIMALS).normalize() if v else Decimal(0)
            for v in scaled.tolist()
        ]

    def _build_lines(self) -> pd.DataFrame:
        p = self._parts
        d = self.currency_decimals
        n = p.line_comm.size
        if p.offsets is None:
            first = np.arange(n, dtype=np.int64)
            n_credits = np.ones(n, dtype=np.int64)
        else:
            first = p.offsets[:-1]
            n_credits = np.diff(p.offsets)
        revenue, other, _, _, _ = self._base()
        if other is not None:
            margin = other if p.other_is_margin else revenue - other
            with np.errstate(divide="ignore", invalid="ignore"):
                mr = np.where(revenue != 0, margin / np.where(revenue == 0, 1, revenue), np.nan)
        else:
            mr = np.full(n, np.nan)
        names = np.asarray((*p.tier_names, ""), dtype=object)
        kind, tier, line_basis = self._line_arrays()
        return pd.DataFrame(
            {
                "kind": pd.Categorical.from_codes(
                    kind.astype(np.int64), categories=pd.Index(list(_KINDS))
                ),
                "margin_rate": mr,
                "tier": tier,
                "tier_name": names[tier],
                "basis_minor": line_basis,
                "basis": minor_to_decimals(line_basis, d),
                "rate": self._rates_dec(self._credit_rates()[first]),
                "commission_minor": p.line_comm,
                "commission": minor_to_decimals(p.line_comm, d),
                "n_credits": n_credits,
            },
            index=p.index,
        )

    def _build_credits(self) -> pd.DataFrame:
        p = self._parts
        d = self.currency_decimals
        line = self._credit_line()
        share = np.full(line.size, RATE_SCALE, dtype=np.int64) if p.c_share is None else p.c_share
        _, _, c_sp, line_period, _ = self._base()
        period = p.period_labels[line_period[line]] if p.period_labels is not None else None
        c_basis = p.c_basis if p.c_basis is not None else self._line_arrays()[2]
        return pd.DataFrame(
            {
                "line": line,
                "salesperson": p.sp_labels[c_sp],
                "period": period,
                "share": self._rates_dec(share),
                "bracket": p.c_bracket.astype(np.int64, copy=False),
                "rate": self._rates_dec(self._credit_rates()),
                "basis_minor": c_basis,
                "commission_minor": p.c_comm,
                "commission": minor_to_decimals(p.c_comm, d),
            }
        )

    def reconcile(self) -> Reconciliation:
        """Check that lines, credits and statements agree to the minor unit.

        Returns
        -------
        Reconciliation
            Totals and mismatch counts; ``ok`` is true when everything agrees.
        """
        p = self._parts
        n = p.line_comm.size
        if p.offsets is None:
            per_line = p.c_comm
        else:
            per_line = np.empty(n, dtype=np.int64)
            _k.sum_by_group(p.c_comm, p.offsets, per_line)
        n_stmt = len(self.statements)
        sums = np.zeros(n_stmt, dtype=np.int64)
        c_stmt = p.c_stmt
        if c_stmt is None:
            _, _, c_sp, _, c_period = self._base()
            c_stmt = np.searchsorted(p.stmt_keys, c_sp.astype(np.int64) * p.n_per + c_period)
        np.add.at(sums, c_stmt, p.c_comm)
        st = self.statements
        lines_col = st["lines_commission_minor"].to_numpy(dtype=np.int64)
        adj = st["adjustment_minor"].to_numpy(dtype=np.int64)
        pay = st["commission_minor"].to_numpy(dtype=np.int64)
        bad_lines = int((per_line != p.line_comm).sum())
        bad_stmt = int((sums != lines_col).sum() + (lines_col + adj != pay).sum())
        totals = (
            int(p.line_comm.sum()),
            int(p.c_comm.sum()),
            int(lines_col.sum()),
            int(adj.sum()),
            int(pay.sum()),
        )
        ok = (
            bad_lines == 0
            and bad_stmt == 0
            and totals[0] == totals[1] == totals[2]
            and totals[2] + totals[3] == totals[4]
        )
        return Reconciliation(ok, *totals, bad_lines, bad_stmt)


# --- input helpers ------------------------------------------------------------------------


def _codes(values: pd.Series, name: str) -> tuple[IntArray, pd.Index]:
    """Factorise labels; codes follow sorted label order when labels are sortable."""
    raw = values.to_numpy()
    if not (isinstance(raw, np.ndarray) and np.issubdtype(raw.dtype, np.integer)):
        missing = values.isna().to_numpy()
        if missing.any():
            pos = int(np.flatnonzero(missing)[0])
            raise InputValueError(
                f"column {name!r} has a missing value at position {pos}; every line needs one "
                f"(fill it or remove the line)."
            )
    elif raw.size:
        keys = np.ascontiguousarray(raw, dtype=np.int64)
        lo_hi = _k.min_max(keys)
        lo, hi = int(lo_hi[0]), int(lo_hi[1])
        span = hi - lo + 1
        if 0 < span <= 4 * keys.size + 1024:
            out = np.empty(keys.size, dtype=np.int64)
            uniq = np.empty(span, dtype=np.int64)
            k = _k.dense_codes(keys, lo, span, out, uniq)
            return out, pd.Index(uniq[:k].astype(raw.dtype))
    codes, uniques = pd.factorize(values, sort=False)
    labels = pd.Index(uniques)
    try:
        order = np.argsort(labels.to_numpy(), kind="stable")
    except TypeError:
        return codes.astype(np.int64), labels
    remap = np.empty(order.size, dtype=np.int64)
    remap[order] = np.arange(order.size, dtype=np.int64)
    return remap[codes], labels[order]


def _date_keys(lines: pd.DataFrame, date_col: str) -> tuple[IntArray, int]:
    """Return the dates as int64 counts of their unit (wall time), and the units per day."""
    return _date_values(lines[date_col], date_col)


def _date_values(s: pd.Series, date_col: str) -> tuple[IntArray, int]:
    """:func:`_date_keys` of the column ``s`` (named ``date_col``)."""
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        s = s.dt.tz_localize(None)  # wall time
    if not pd.api.types.is_datetime64_dtype(s.dtype):
        raise InputTypeError(
            f"column {date_col!r} must hold datetimes, got dtype {s.dtype}; convert it "
            f"with pandas.to_datetime(...) first."
        )
    d = np.ascontiguousarray(s.to_numpy())
    unit, count = np.datetime_data(d.dtype)
    per_day = {
        "D": 1,
        "h": 24,
        "m": 1440,
        "s": 86_400,
        "ms": 86_400_000,
        "us": 86_400_000_000,
        "ns": 86_400_000_000_000,
    }.get(unit)
    if per_day is None or per_day % count:
        d = d.astype("datetime64[ns]")
        per_day, count = 86_400_000_000_000, 1
    return d.view(np.int64), per_day // count


_FREQ_CODES = {None: 0, "M": 1, "Q": 2, "Y": 3}


def _period_codes(
    lines: pd.DataFrame, date_col: str, period: str | None
) -> tuple[IntArray, IntArray, int, int]:
    """Sort key (the date's int64 count), period code, first ordinal, number of periods."""
    key, per_day = _date_keys(lines, date_col)
    codes = np.empty(key.size, dtype=np.int64)
    first, n_per = _k.date_periods(key, per_day, _FREQ_CODES[period], codes)
    if n_per < 0:
        raise InputValueError(
            f"column {date_col!r} has a missing date at position {first}; every line needs a date."
        )
    return key, codes, int(first), max(int(n_per), 1)


def _period_labels(period: str | None, first: int, n_per: int) -> Any:
    if period is None:
        return None
    return pd.arrays.PeriodArray(
        np.arange(first, first + max(n_per, 1), dtype=np.int64), dtype=pd.PeriodDtype(period)
    )


def _limits(value: object, name: str, sp_labels: pd.Index, decimals: int) -> IntArray | None:
    """Cap or floor per salesperson (minor units, -1 = none)."""
    if value is None:
        return None
    out = np.full(len(sp_labels), -1, dtype=np.int64)
    if isinstance(value, pd.Series | Mapping):
        items = value.items()
        pos = {lab: i for i, lab in enumerate(sp_labels.tolist())}
        for key, v in items:
            if v is None or (isinstance(v, float) and np.isnan(v)):
                continue
            m = _money_scalar(v, f"{name}[{key!r}]", decimals)
            if m < 0:
                raise InputValueError(f"`{name}[{key!r}]` must be >= 0, got {v!r}.")
            i = pos.get(key)
            if i is not None:
                out[i] = m
        return out
    m = _money_scalar(value, name, decimals)
    if m < 0:
        raise InputValueError(f"`{name}` must be >= 0, got {value!r}.")
    out[:] = m
    return out


def _line_ids(lines: pd.DataFrame, line_id_col: str | None) -> pd.Index:
    ids = pd.Index(lines.index if line_id_col is None else lines[line_id_col])
    if not ids.is_unique:
        dup = ids[ids.duplicated()][0]
        where = "the index of `lines`" if line_id_col is None else f"column {line_id_col!r}"
        raise InputValueError(
            f"line ids in {where} must be unique to link returns and splits, but {dup!r} repeats."
        )
    result: pd.Index = ids
    return result


def _parse_share(value: object, name: str) -> int:
    d = parse_rate(value, name)
    if not Decimal(0) <= d <= Decimal(1):
        raise InputValueError(f"`{name}` must be between 0 and 100 %, got {value!r}.")
    return _scaled(d)


def _product_table(
    products: object,
    plan: CommissionPlan,
    product_col: str,
    price_col: str,
    cost_col: str,
    decimals: int,
    mode: int,
    amount_units: str,
) -> tuple[pd.DataFrame, IntArray, IntArray, IntArray]:
    """Validate products; return them with price, margin (minor units) and tier."""
    df = check_dataframe(products, "products", [product_col, price_col, cost_col])
    ids = pd.Index(df[product_col])
    if ids.hasnans:
        raise InputValueError(f"`products` column {product_col!r} has a missing product id.")
    if not ids.is_unique:
        raise InputValueError(
            f"`products` column {product_col!r} lists product {ids[ids.duplicated()][0]!r} "
            f"more than once; give each product one price and cost."
        )
    price = to_minor_units(
        df[price_col],
        decimals,
        "half_even" if mode == 0 else "half_up",
        name=f"products[{price_col!r}]",
        units=amount_units,
    )
    cost = to_minor_units(
        df[cost_col],
        decimals,
        "half_even" if mode == 0 else "half_up",
        name=f"products[{cost_col!r}]",
        units=amount_units,
    )
    bad = price <= 0
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputValueError(
            f"`products` row for product {_show(ids[i])} has cost without a positive price "
            f"({price_col!r} = {_show(df[price_col].iloc[i])}); give it a price above 0."
        )
    neg = cost < 0
    if neg.any():
        i = int(np.flatnonzero(neg)[0])
        raise InputValueError(
            f"`products` column {cost_col!r} must be >= 0, product {_show(ids[i])} has "
            f"{_show(df[cost_col].iloc[i])}."
        )
    margin = price - cost
    tier = np.empty(price.size, dtype=np.int64)
    _k.margin_tiers(margin, price, plan._lowers(), tier)
    return df, price, margin, tier


# --- public functions ---------------------------------------------------------------------


def product_margin_tiers(
    products: pd.DataFrame,
    plan: CommissionPlan,
    *,
    product_col: str = "product",
    price_col: str = "price",
    cost_col: str = "cost",
    currency_decimals: int = 2,
    rounding: Literal["half_even", "half_up"] = "half_even",
    amount_units: Literal["major", "minor"] = "major",
) -> pd.DataFrame:
    """Return the margin tier of each product, for the sales team's price list.

    Parameters
    ----------
    products : pandas.DataFrame
        One row per product: id, list price and unit cost.
    plan : CommissionPlan
        The plan whose tiers are looked up.
    product_col, price_col, cost_col : str
        Column names.
    currency_decimals : int
        Decimals of the currency (prices and costs are rounded to them first).
    rounding : {"half_even", "half_up"}
        Rounding rule for float prices with more decimals than the currency.
    amount_units : {"major", "minor"}
        Whether prices and costs are in currency units or whole minor units.

    Returns
    -------
    pandas.DataFrame
        On the products' index: ``product``, ``margin_rate`` (float, display),
        ``tier`` (-1 = below the first tier), ``tier_name``, ``rate`` (the
        tier's first-bracket rate, ``Decimal``; 0 below plan).

    Raises
    ------
    MissingColumnError
        A column is absent.
    InputValueError
        Duplicate or missing product ids, NaN prices or costs, a cost without
        a positive price, a negative cost.

    Notes
    -----
    The margin rate is ``(price - cost) / price`` on the prices rounded to
    minor units; the tier comparison is exact (no float error at a bound).

    Examples
    --------
    >>> import pandas as pd
    >>> plan = CommissionPlan([("0%", "20%", "2%"), ("20%", "35%", "5%"),
    ...                        ("35%", None, "8%")])
    >>> products = pd.DataFrame({"product": ["A", "B", "C", "D"],
    ...                          "price": [10.0, 10.0, 10.0, 10.0],
    ...                          "cost": [9.0, 8.0, 6.5, 11.0]})
    >>> product_margin_tiers(products, plan)[["product", "tier", "tier_name", "rate"]]
      product  tier   tier_name  rate
    0       A     0   [0%, 20%)  0.02
    1       B     1  [20%, 35%)  0.05
    2       C     2   [35%, inf)  0.08
    3       D    -1                 0
    """
    if not isinstance(plan, CommissionPlan):
        raise InputTypeError(f"`plan` must be a CommissionPlan, got {type(plan).__name__}.")
    decimals = check_decimals(currency_decimals)
    mode = rounding_code(rounding)
    check_choice(amount_units, "amount_units", ("major", "minor"))
    df, price, margin, tier = _product_table(
        products, plan, product_col, price_col, cost_col, decimals, mode, amount_units
    )
    names = np.asarray((*plan.tier_names, ""), dtype=object)
    rates = [plan.tiers[t].rate if t >= 0 else Decimal(0) for t in tier.tolist()]
    return pd.DataFrame(
        {
            "product": df[product_col].to_numpy(),
            "margin_rate": margin / price,
            "tier": tier,
            "tier_name": names[tier],
            "rate": rates,
        },
        index=df.index,
    )


def commission(
    lines: pd.DataFrame,
    plan: CommissionPlan,
    *,
    salesperson_col: str = "salesperson",
    amount_col: str = "amount",
    cost_col: str | None = None,
    margin_col: str | None = None,
    basis: Literal["margin", "revenue"] = "margin",
    tier_by: Literal["line", "product"] = "line",
    products: pd.DataFrame | None = None,
    product_col: str = "product",
    price_col: str = "price",
    product_cost_col: str = "cost",
    mode: Mode = "per_line",
    date_col: str | None = None,
    period: Literal["M", "Q", "Y"] | None = None,
    caps: MoneyLike | Mapping[Hashable, MoneyLike] | pd.Series | None = None,
    floors: MoneyLike | Mapping[Hashable, MoneyLike] | pd.Series | None = None,
    splits: pd.DataFrame | None = None,
    split_line_col: str = "line",
    split_salesperson_col: str | None = None,
    split_share_col: str = "share",
    line_id_col: str | None = None,
    reference_col: str | None = None,
    negative_margin: Literal["zero", "as_plan"] = "zero",
    currency_col: str | None = None,
    currency_decimals: int = 2,
    rounding: Literal["half_even", "half_up"] = "half_even",
    amount_units: Literal["major", "minor"] = "major",
) -> CommissionResult:
    """Compute sales commissions by margin tier, exactly, with statements per period.

    Parameters
    ----------
    lines : pandas.DataFrame
        One row per sales line (invoice line, credit-note line ...).
    plan : CommissionPlan
        Margin tiers and optional volume brackets.
    salesperson_col : str
        Salesperson of each line (no missing values, except on lines that
        ``splits`` credits).
    amount_col : str
        Revenue of the line (negative for returns and credit notes).
    cost_col, margin_col : str, optional
        Cost of the line, or its margin (``revenue - cost``); at most one.
        Needed for ``basis="margin"`` and ``tier_by="line"``.  A cost has the
        sign of its revenue (negative on returns).
    basis : {"margin", "revenue"}
        The amount the rate is paid on: gross margin or revenue.
    tier_by : {"line", "product"}
        Tier each line by its own margin rate, or by its product's list margin
        rate from ``products``.
    products : pandas.DataFrame, optional
        Required with ``tier_by="product"``: ``product_col``, ``price_col``,
        ``product_cost_col`` (see :func:`product_margin_tiers`).  ``lines``
        must then have ``product_col`` too.
    mode : {"per_line", "graduated", "retroactive"}
        How volume brackets apply (see Notes).
    date_col : str, optional
        Line dates (datetime dtype); required with ``period`` and used to order
        lines for ``"graduated"`` mode and partial returns.
    period : {"M", "Q", "Y"} or None
        Statement period (calendar month, quarter, year of the date's wall
        time, like ``Series.dt.to_period``); None = one period for all lines.
    caps, floors : amount, mapping or Series, optional
        Maximum / minimum payable commission per salesperson per period, in
        major units: one amount for everyone, or per salesperson label
        (salespeople absent from the mapping have none; extra labels are
        ignored).  Amounts must be exact in the currency.
    splits : pandas.DataFrame, optional
        Lines credited to several salespeople: ``split_line_col`` (the line
        id), ``split_salesperson_col`` (default ``salesperson_col``) and
        ``split_share_col`` (fraction or percentage, read like rates).  The
        shares of a line must sum to exactly 100 %.
    line_id_col : str, optional
        Line ids for ``splits`` and ``reference_col``; default: the index.
    reference_col : str, optional
        On a negative line, the id of the sale it returns (missing on sales).
    negative_margin : {"zero", "as_plan"}
        Lines with a negative margin rate: ``"zero"`` pays nothing (default),
        ``"as_plan"`` treats them like any line (the plan may give negative
        margin rates a tier; with ``basis="margin"`` that charges pay).
    currency_col : str, optional
        Currency of each line; all lines must have the same one.
    currency_decimals : int
        Minor-unit decimals of the currency (2 for cents, 0 for yen).
    rounding : {"half_even", "half_up"}
        The one rounding rule, used for float amounts and for each line's
        commission.
    amount_units : {"major", "minor"}
        Amount and cost columns in currency units (default) or whole minor
        units.

    Returns
    -------
    CommissionResult
        ``.statements``, ``.lines``, ``.credits``, ``.reconcile()``.

    Raises
    ------
    MissingColumnError
        A named column is absent from ``lines``, ``products`` or ``splits``.
    InputTypeError
        Wrong argument types, non-numeric amounts, non-datetime dates.
    InputValueError
        NaN or missing amounts/salespeople/dates, an unknown product, a cost
        without a price (zero revenue with a cost), a cost of the wrong sign,
        split shares not summing to 100 %, an unknown split line, mixed
        currencies, a reference to an unknown line or to a non-sale, a return
        of more than was sold or dated before its sale, amounts beyond
        10**15 minor units.

    Notes
    -----
    **Margin rate and tier.**  margin rate = ``(revenue - cost) / revenue``,
    on the amounts in minor units, compared exactly with the tier bounds
    (lower inclusive, upper exclusive).  Below the first tier: no commission
    (kind ``"below_plan"``).

    **Basis.**  ``margin`` or ``revenue`` of the line.  With
    ``negative_margin="zero"`` a line with a negative margin rate (a sale below
    cost, or the return of one) has basis 0 and commission 0 (kind
    ``"negative_margin"``); pay is never negative except through returns.

    **Modes.**  Let ``rate[tier, k]`` be the tier's rate in volume bracket
    ``k``, and the *volume* of a salesperson in a period the sum of its credited
    basis (returns included, reducing it; below-plan lines count, zeroed
    negative-margin lines add 0).

    * ``"per_line"``: every line pays ``basis * rate[tier, 0]`` rounded once.
    * ``"graduated"``: credits are taken in date order (then input order); each
      moves the running volume from ``V`` to ``V + basis``, and each part of
      that interval lying in bracket ``k`` is paid at ``rate[tier, k]``; the
      line's sum is rounded once.  A negative line comes off the top brackets.
    * ``"retroactive"``: the bracket of the period's total volume (its lower
      bound inclusive) applies to every credit of the period: reaching a
      bracket edge raises the rate of the whole period (a cliff).

    **Splits.**  In ``"per_line"`` mode the line's commission (and basis) is
    split by largest remainder over the shares, so credits sum exactly to the
    line; ties go to the salesperson listed first.  In the volume modes the
    basis is split the same way and each share is priced in its salesperson's
    own volume; the line's commission is the sum of its credits.

    **Returns.**  A negative line whose ``reference_col`` names a sale is a
    *reversal*: it is charged to the salespeople credited with that sale, in
    the return's period, at the original sale's rate: with ``f`` the
    cumulative returned fraction of the sale's revenue, each credit reverses
    ``round(original_credit * f) - already_reversed`` (basis likewise), so
    returning a sale in full, at once or in parts, restores the earlier total
    exactly.  The return's own cost, salesperson and tier are not used.  A
    negative line without a link (the fallback) is priced like a sale with
    negative basis, at its own tier, in its own period and mode.

    **Rounding.**  Once per credit (``half_even``: ties to even; ``half_up``:
    ties away from zero).  Statement amounts are exact sums of credits.
    Caps and floors apply to each statement's net commission; a floor applies
    only to statements that exist (the salesperson has lines in the period).

    Examples
    --------
    A retroactive plan: 2 % up to 1,000 of margin, 3 % on all of it from 1,000.

    >>> import pandas as pd
    >>> plan = CommissionPlan([(None, None, ["2%", "3%"])], brackets=[0, 1000])
    >>> lines = pd.DataFrame({"salesperson": ["ann", "ann", "bob"],
    ...                       "amount": [600.0, 400.0, 999.99], "cost": [0.0, 0.0, 0.0]})
    >>> res = commission(lines, plan, cost_col="cost", mode="retroactive")
    >>> res.statements[["salesperson", "basis", "bracket", "commission"]]
      salesperson   basis  bracket commission
    0         ann 1000.00        1      30.00
    1         bob  999.99        0      20.00
    >>> res.reconcile().ok
    True
    """
    # ---- arguments
    if not isinstance(plan, CommissionPlan):
        raise InputTypeError(f"`plan` must be a CommissionPlan, got {type(plan).__name__}.")
    decimals = check_decimals(currency_decimals)
    rmode = rounding_code(rounding)
    check_choice(basis, "basis", ("margin", "revenue"))
    check_choice(tier_by, "tier_by", ("line", "product"))
    check_choice(mode, "mode", ("per_line", "graduated", "retroactive"))
    check_choice(period, "period", ("M", "Q", "Y", None))
    check_choice(negative_margin, "negative_margin", ("zero", "as_plan"))
    check_choice(amount_units, "amount_units", ("major", "minor"))
    if cost_col is not None and margin_col is not None:
        raise InputValueError("give `cost_col` or `margin_col`, not both.")
    has_cost = cost_col is not None or margin_col is not None
    if basis == "margin" and not has_cost:
        raise InputValueError(
            "basis='margin' needs the line's cost or margin: pass `cost_col` or `margin_col`."
        )
    if tier_by == "line" and not has_cost:
        raise InputValueError(
            "tier_by='line' needs the line's cost or margin: pass `cost_col` or `margin_col`, "
            "or tier by product with tier_by='product' and `products`."
        )
    if tier_by == "product" and products is None:
        raise InputValueError("tier_by='product' needs the `products` table.")
    if period is not None and date_col is None:
        raise InputValueError(f"period={period!r} needs `date_col`, the column of line dates.")
    required = [amount_col]
    for c in (cost_col, margin_col, date_col, line_id_col, reference_col, currency_col):
        if c is not None:
            required.append(c)
    if tier_by == "product":
        required.append(product_col)
    df = check_dataframe(lines, "lines", required)
    if splits is None and salesperson_col not in df.columns:
        check_dataframe(df, "lines", [salesperson_col])
    n = len(df)
    rname = "half_even" if rmode == 0 else "half_up"

    # ---- currency
    currency: object = None
    if currency_col is not None:
        cur = df[currency_col]
        if cur.isna().any():
            raise InputValueError(
                f"column {currency_col!r} has a missing currency at position "
                f"{int(np.flatnonzero(cur.isna().to_numpy())[0])}."
            )
        uniq = pd.unique(cur)
        if len(uniq) > 1:
            raise InputValueError(
                f"column {currency_col!r} mixes currencies ({', '.join(map(repr, uniq[:5]))}); "
                f"compute commission per currency (filter the lines first)."
            )
        currency = uniq[0]

    # ---- the common case in one pass: float amounts, no splits, no linked returns
    if (
        _FAST_PATH
        and mode != "retroactive"
        and splits is None
        and reference_col is None
        and tier_by == "line"
        and amount_units == "major"
    ):
        assert cost_col is not None or margin_col is not None
        fast = _commission_fast(
            df,
            plan,
            salesperson_col=salesperson_col,
            amount_col=amount_col,
            other_col=cost_col if cost_col is not None else margin_col,  # type: ignore[arg-type]
            other_is_margin=margin_col is not None,
            basis_is_margin=basis == "margin",
            zero_negative=negative_margin == "zero",
            mode=mode,
            date_col=date_col,
            period=period,
            decimals=decimals,
            rmode=rmode,
            currency=currency,
            caps=caps,
            floors=floors,
        )
        if fast is not None:
            return fast

    # ---- amounts, tiers, kinds and basis (one pass)
    rev = to_minor_units(df[amount_col], decimals, rname, name=amount_col, units=amount_units)
    other_col = cost_col if cost_col is not None else margin_col
    if other_col is not None:
        other = to_minor_units(df[other_col], decimals, rname, name=other_col, units=amount_units)
    else:
        other = np.zeros(0, dtype=np.int64)
    empty_i = np.zeros(0, dtype=np.int64)
    prod_pos, prod_tier, prod_neg = empty_i, empty_i, np.zeros(0, dtype=np.bool_)
    if tier_by == "product":
        pdf, _, pmargin, prod_tier = _product_table(
            products,
            plan,
            product_col,
            price_col,
            product_cost_col,
            decimals,
            rmode,
            amount_units,
        )
        prod_pos = pd.Index(pdf[product_col]).get_indexer(df[product_col]).astype(np.int64)
        unknown = prod_pos < 0
        if unknown.any():
            i = int(np.flatnonzero(unknown)[0])
            raise InputValueError(
                f"line {_show(df.index[i])} has product {_show(df[product_col].iloc[i])}, "
                f"which is not in `products` ({unknown.sum()} line(s) with unknown products); "
                f"add it to the products table."
            )
        prod_neg = pmargin < 0
    rates = plan._rate_matrix()
    flat_rates = np.ascontiguousarray(rates.reshape(-1))
    tier = np.empty(n, dtype=np.int64)
    line_basis = np.empty(n, dtype=np.int64)
    kind = np.empty(n, dtype=np.int8)
    # per-line pricing happens in the same pass unless returns need fixing first
    fused = mode == "per_line"
    tier_for_pay = empty_i if fused else np.empty(n, dtype=np.int64)
    line_comm = np.empty(n, dtype=np.int64) if fused else empty_i
    code, i = _k.prepare_lines(
        rev,
        other,
        other_col is not None,
        margin_col is not None,
        prod_pos,
        prod_tier,
        prod_neg,
        tier_by == "product",
        plan._lowers(),
        basis == "margin",
        negative_margin == "zero",
        np.ascontiguousarray(rates[:, 0]),
        fused,
        rmode,
        tier,
        tier_for_pay,
        line_basis,
        kind,
        line_comm,
    )
    if code == 1:
        raise InputValueError(
            f"column {cost_col!r} must have the sign of {amount_col!r} (a return has a "
            f"negative cost), but line {_show(df.index[i])} has amount "
            f"{_show(df[amount_col].iloc[i])} and cost {_show(df[cost_col].iloc[i])}."
        )
    if code == 2:
        raise InputValueError(
            f"line {_show(df.index[i])} has a cost without a price ({amount_col!r} is 0); "
            f"its margin rate is undefined: give it its price or remove it."
        )

    # ---- dates and periods (period codes: ordinal - first ordinal; empty periods
    # in between never form a statement)
    sort_key: IntArray | None = None
    period_labels: Any = None
    n_per = 1
    if date_col is not None:
        sort_key, line_period, pmin, n_per = _period_codes(df, date_col, period)
        period_labels = _period_labels(period, pmin, n_per)
    else:
        line_period = np.zeros(n, dtype=np.int64)

    # ---- links (returns) and splits
    need_ids = splits is not None or reference_col is not None
    ids = _line_ids(df, line_id_col) if need_ids else None
    link = np.full(n, -1, dtype=np.int64)
    if reference_col is not None:
        assert ids is not None
        ref = df[reference_col]
        has_ref = ref.notna().to_numpy()
        if has_ref.any():
            rpos = np.flatnonzero(has_ref)
            target = ids.get_indexer(pd.Index(ref.to_numpy()[rpos]))
            if (target < 0).any():
                j = int(rpos[np.flatnonzero(target < 0)[0]])
                raise InputValueError(
                    f"line {_show(ids[j])} references {_show(ref.iloc[j])} in "
                    f"{reference_col!r}, which is not a line id; link returns to the id of "
                    f"their sale."
                )
            if (rev[rpos] >= 0).any():
                j = int(rpos[np.flatnonzero(rev[rpos] >= 0)[0]])
                raise InputValueError(
                    f"line {_show(ids[j])} has a reference in {reference_col!r} but a "
                    f"non-negative amount; only returns (negative lines) link to a sale."
                )
            if (rev[target] <= 0).any():
                j = int(rpos[np.flatnonzero(rev[target] <= 0)[0]])
                raise InputValueError(
                    f"line {_show(ids[j])} references line {_show(ref.iloc[j])}, which is not "
                    f"a sale (its amount is not positive); reference the original sale."
                )
            link[rpos] = target
            kind[rpos] = _REVERSAL
            line_basis[rpos] = 0
    linked = np.flatnonzero(link >= 0)

    # returns in processing order (date, then input position); a sale comes first
    if linked.size:
        lkey = sort_key[linked] if sort_key is not None else np.zeros(linked.size, np.int64)
        linked_order = linked[np.lexsort((linked, lkey))]
        orig = link[linked]
        okey = sort_key[orig] if sort_key is not None else np.zeros(linked.size, np.int64)
        late = (okey > lkey) | ((okey == lkey) & (orig > linked))
        if late.any():
            j = int(linked[np.flatnonzero(late)[0]])
            raise InputValueError(
                f"return line {_show(ids[j])} comes before the sale it "  # type: ignore[index]
                f"references (by date, then by position); list or date the sale first."
            )
    else:
        linked_order = linked

    # credits: salesperson and share per credit, grouped by line
    offsets: IntArray | None = None
    c_share: IntArray | None = None
    split_sp: pd.Series | None = None
    if splits is not None:
        assert ids is not None
        scol = split_salesperson_col or salesperson_col
        sdf = check_dataframe(
            splits, "splits", [split_line_col, scol, split_share_col], allow_empty=True
        )
        spos = ids.get_indexer(pd.Index(sdf[split_line_col].to_numpy()))
        if (spos < 0).any():
            j = int(np.flatnonzero(spos < 0)[0])
            raise InputValueError(
                f"`splits` row {_show(sdf.index[j])} names line "
                f"{_show(sdf[split_line_col].iloc[j])}, "
                f"which is not a line id of `lines`."
            )
        if (link[spos] >= 0).any():
            j = int(np.flatnonzero(link[spos] >= 0)[0])
            raise InputValueError(
                f"`splits` row {_show(sdf.index[j])} splits return line "
                f"{_show(sdf[split_line_col].iloc[j])}, which is linked to its sale: a linked "
                f"return follows the sale's split; remove its split rows."
            )
        line_labels = sdf[split_line_col].tolist()
        shares = np.asarray(
            [
                _parse_share(v, f"splits[{split_share_col!r}] of line {line_labels[j]!r}")
                for j, v in enumerate(sdf[split_share_col].tolist())
            ],
            dtype=np.int64,
        )
        sord = np.argsort(spos, kind="stable")
        spos_sorted = spos[sord]
        counts = np.bincount(spos, minlength=n).astype(np.int64)
        exact = np.zeros(n, dtype=np.int64)
        np.add.at(exact, spos, shares)
        bad = (counts > 0) & (exact != RATE_SCALE)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputValueError(
                f"the split shares of line {_show(ids[i])} sum to "
                f"{_pct(Decimal(int(exact[i])).scaleb(-_RATE_DECIMALS))}, not 100 %; "
                f"fix its rows in `splits`."
            )
        # linked returns take the credits of their sale
        counts_all = np.where(counts > 0, counts, 1)
        if linked.size:
            counts_all[linked] = counts_all[link[linked]]
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(counts_all, out=offsets[1:])
        n_cred = int(offsets[-1])
        c_share = np.full(n_cred, RATE_SCALE, dtype=np.int64)
        c_sp_src = np.full(n_cred, -1, dtype=np.int64)  # -1 = the line's own salesperson
        start = offsets[spos_sorted]
        # position within the line's group
        first_of = np.searchsorted(spos_sorted, spos_sorted, side="left")
        slot = start + (np.arange(spos_sorted.size) - first_of)
        c_share[slot] = shares[sord]
        c_sp_src[slot] = sord  # row of splits
        split_sp = sdf[scol]
        if split_sp.isna().any():
            j = int(np.flatnonzero(split_sp.isna().to_numpy())[0])
            raise InputValueError(
                f"`splits` column {scol!r} has a missing salesperson at row {_show(sdf.index[j])}."
            )
        own = counts == 0
        if linked.size:
            own[linked] = False
        if salesperson_col not in df.columns and own.any():
            check_dataframe(df, "lines", [salesperson_col])
        own_sp = df[salesperson_col] if salesperson_col in df.columns else None
        # labels of every credit, then one factorisation
        own_rows = np.flatnonzero(own)
        labels = np.empty(n_cred, dtype=object)
        if own_sp is not None and own_rows.size:
            sp_vals = own_sp.iloc[own_rows]
            if sp_vals.isna().any():
                j = int(own_rows[np.flatnonzero(sp_vals.isna().to_numpy())[0]])
                raise InputValueError(
                    f"column {salesperson_col!r} has a missing value at line {_show(ids[j])}; "
                    f"every line needs a salesperson (or rows in `splits`)."
                )
            labels[offsets[own_rows]] = sp_vals.to_numpy()
        has_split_row = c_sp_src >= 0
        labels[has_split_row] = split_sp.to_numpy()[c_sp_src[has_split_row]]
        if linked.size:
            for j in linked.tolist():
                o = int(link[j])
                a, b = int(offsets[j]), int(offsets[j + 1])
                oa = int(offsets[o])
                labels[a:b] = labels[oa : oa + (b - a)]
                c_share[a:b] = c_share[oa : oa + (b - a)]
        c_sp, sp_labels = _codes(pd.Series(labels), salesperson_col)
    else:
        sp_series = df[salesperson_col]
        c_sp, sp_labels = _codes(sp_series, salesperson_col)
        if linked.size:
            c_sp = c_sp.copy()
            c_sp[linked] = c_sp[link[linked]]
    n_cred = c_sp.size
    c_line = (
        np.arange(n, dtype=np.int64)
        if offsets is None
        else np.repeat(np.arange(n, dtype=np.int64), np.diff(offsets))
    )
    c_period = line_period if offsets is None else line_period[c_line]

    # ---- statements: keys sp * n_per + period, dense when the key space is small
    c_kind = kind if offsets is None else kind[c_line]
    span = len(sp_labels) * n_per
    dense = n_cred > 0 and span <= 4 * n_cred + 1_000_000
    c_stmt = np.empty(n_cred, dtype=np.int64)
    lazy_stmt = False  # True: c_stmt is left to be derived from the keys when needed
    stmt_keys = np.zeros(0, dtype=np.int64)
    if mode != "per_line" or not dense:
        if dense:
            stmt_keys = _k.statement_codes(c_sp, c_period, n_per, span, c_stmt)
        elif n_cred:
            stmt_keys, inv = np.unique(c_sp * n_per + c_period, return_inverse=True)
            c_stmt = inv.astype(np.int64).reshape(-1)
    n_stmt = stmt_keys.size

    # ---- pricing
    lows = plan._bracket_lows(decimals)
    c_bracket = np.zeros(n_cred, dtype=np.int64)
    volume = np.zeros(n_stmt, dtype=np.int64)

    def alloc(values: IntArray) -> IntArray:
        if offsets is None:
            return values
        assert c_share is not None
        out = np.empty(n_cred, dtype=np.int64)
        allocate_largest_remainder_groups(values, c_share, offsets, RATE_SCALE, out)
        return out

    lazy_tier = fused and offsets is None and not linked.size
    if fused and not lazy_tier:
        tier_for_pay = np.where(kind == _NEGATIVE, -1, tier).astype(np.int64)
    c_tier = tier_for_pay if offsets is None else tier_for_pay[c_line]
    if mode == "per_line":
        if linked.size:
            _reverse_lines(linked_order, link, rev, line_basis, line_comm, rmode, ids)
        c_basis = alloc(line_basis)
        c_comm = alloc(line_comm)
    else:
        c_basis = alloc(line_basis)
        priced = np.ones(n_cred, dtype=np.bool_)
        if linked.size:
            c_basis = c_basis.copy()
            _reverse_credits(linked_order, link, rev, c_basis, offsets, rmode, ids)
            lk = np.zeros(n, dtype=np.bool_)
            lk[linked] = True
            priced[lk[c_line]] = False
        c_comm = np.zeros(n_cred, dtype=np.int64)
        if mode == "graduated":
            c_key = (
                np.zeros(n_cred, dtype=np.int64)
                if sort_key is None
                else sort_key
                if offsets is None
                else sort_key[c_line]
            )
            c_order = _k.group_order(c_stmt, c_key, n_stmt)
            # permute once so that the sequential kernel reads and writes contiguously
            comm_s = np.empty(n_cred, dtype=np.int64)
            bracket_s = np.empty(n_cred, dtype=np.int64)
            _k.graduated_commission(
                c_basis[c_order],
                c_tier[c_order],
                c_stmt[c_order],
                priced[c_order],
                flat_rates,
                lows,
                n_stmt,
                rmode,
                comm_s,
                bracket_s,
                volume,
            )
            c_comm[c_order] = comm_s
            c_bracket[c_order] = bracket_s
        else:
            _k.retroactive_commission(
                c_basis,
                c_tier,
                c_stmt,
                priced,
                flat_rates,
                lows,
                n_stmt,
                rmode,
                c_comm,
                c_bracket,
                volume,
            )
        if linked.size:
            _reverse_credits(linked_order, link, rev, c_comm, offsets, rmode)
        if offsets is None:
            line_comm = c_comm
        else:
            line_comm = np.empty(n, dtype=np.int64)
            _k.sum_by_group(c_comm, offsets, line_comm)
    if linked.size:
        # a reversal is paid at the rate of its sale: show that sale's tier and bracket
        c_tier = c_tier.copy()
        for j in linked.tolist():
            o = int(link[j])
            if offsets is None:
                c_tier[j], c_bracket[j] = c_tier[o], c_bracket[o]
            else:
                a, b = int(offsets[j]), int(offsets[j + 1])
                oa = int(offsets[o])
                c_tier[a:b] = c_tier[oa : oa + (b - a)]
                c_bracket[a:b] = c_bracket[oa : oa + (b - a)]

    # ---- statement totals
    if mode == "per_line" and dense:
        stmt_keys, s_count, s_basis, s_comm, s_rev = _k.statements_dense(
            c_sp, c_period, n_per, span, c_basis, c_comm, c_kind, c_stmt, False
        )
        lazy_stmt = True
        n_stmt = stmt_keys.size
    else:
        s_basis = np.empty(n_stmt, dtype=np.int64)
        s_comm = np.empty(n_stmt, dtype=np.int64)
        s_rev = np.empty(n_stmt, dtype=np.int64)
        s_count = np.empty(n_stmt, dtype=np.int64)
        _k.statement_totals(
            c_stmt, c_basis, c_comm, c_kind, n_stmt, s_basis, s_comm, s_rev, s_count
        )
    parts = _Parts(
        index=df.index,
        kind=kind,
        revenue=rev,
        other=other if other_col is not None else None,
        other_is_margin=margin_col is not None,
        tier=tier,
        line_basis=line_basis if offsets is None else _line_sum(c_basis, offsets, n),
        line_comm=line_comm,
        line_period=line_period,
        offsets=offsets,
        c_sp=c_sp,
        c_share=c_share,
        c_basis=c_basis,
        c_comm=c_comm,
        c_tier=None if lazy_tier else c_tier,
        c_bracket=c_bracket,
        rates=flat_rates,
        c_stmt=None if lazy_stmt else c_stmt,
        c_period=c_period,
        n_per=n_per,
        stmt_keys=stmt_keys,
        sp_labels=sp_labels,
        period_labels=period_labels,
        tier_names=plan.tier_names,
    )
    return _result(
        plan,
        mode,
        rname,
        decimals,
        currency,
        caps,
        floors,
        parts,
        s_count,
        s_basis,
        s_comm,
        s_rev,
        lows,
        volume,
    )


#: Take the one-pass route when the input allows it (the general route gives the same
#: results; tests switch this off to compare them).
_FAST_PATH = True


def _kept_column(df: pd.DataFrame, col: str) -> pd.Series:
    """Return column ``col`` in a form that later edits of ``df`` cannot change.

    Under copy-on-write (always on in pandas 3, optional in pandas 2) the column
    itself is safe; otherwise it is copied.
    """
    column = df[col]
    if int(pd.__version__.split(".")[0]) >= 3 or pd.get_option("mode.copy_on_write") is True:
        return column
    return column.copy()


def _float_values(values: pd.Series) -> npt.NDArray[np.float64] | None:
    """Return a plain float64 column as a contiguous array, else None."""
    if values.dtype != np.float64 or isinstance(values.dtype, pd.api.extensions.ExtensionDtype):
        return None
    out = np.ascontiguousarray(values.to_numpy())
    return out if out.dtype == np.float64 else None


def _commission_fast(
    df: pd.DataFrame,
    plan: CommissionPlan,
    *,
    salesperson_col: str,
    amount_col: str,
    other_col: str,
    other_is_margin: bool,
    basis_is_margin: bool,
    zero_negative: bool,
    mode: str,
    date_col: str | None,
    period: str | None,
    decimals: int,
    rmode: int,
    currency: object,
    caps: object,
    floors: object,
) -> CommissionResult | None:
    """:func:`commission` for float amounts without splits or linked returns, in one pass.

    Converts the amounts, tiers and prices the lines, codes salespeople and
    periods and sums the statements in one numba pass (``"per_line"``), or
    groups the lines by statement and prices each group in date order
    (``"graduated"``).  Per-line details that only the lazy views need (amounts
    in minor units, salesperson and period codes) are not kept: the result
    recomputes them from the input columns it holds (protected from later edits
    of the caller's frame by copy-on-write, or copied without it) with the
    same pass.  Returns None when the input
    needs the general route (other column types, values near a rounding tie,
    anything to report): that route then gives the result or the error.
    """
    # The result may recompute its lazy views from these columns later: keep them safe
    # from later edits of the caller's frame.
    amount_s = _kept_column(df, amount_col)
    other_s = _kept_column(df, other_col)
    amount = _float_values(amount_s)
    other = _float_values(other_s)
    if amount is None or other is None:
        return None
    n = amount.size
    empty_i = np.zeros(0, dtype=np.int64)

    # salespeople: integer ids are offset-coded (no hashing), other labels factorised
    sp_series = _kept_column(df, salesperson_col)
    raw = sp_series.to_numpy()
    int_ids = isinstance(raw, np.ndarray) and np.issubdtype(raw.dtype, np.integer)
    sp_labels: pd.Index | None = None
    if int_ids:
        keys = np.ascontiguousarray(raw, dtype=np.int64)
    else:
        try:
            keys, sp_labels = _codes(sp_series, salesperson_col)
        except InputValueError:
            return None

    date_s = _kept_column(df, date_col) if date_col is not None else None
    dates = empty_i
    per_day = 1
    if date_s is not None:
        assert date_col is not None
        try:
            dates, per_day = _date_values(date_s, date_col)
        except InputTypeError:
            return None
    lo_sp, hi_sp, lo_d, hi_d, nat = _k.key_ranges(keys, dates)
    if nat >= 0:
        return None
    sp_lo, sp_span = 0, 0
    if int_ids:
        sp_lo, sp_span = int(lo_sp), int(hi_sp) - int(lo_sp) + 1
        if not 0 < sp_span <= 4 * n + 1024:
            keys, sp_labels = _codes(sp_series, salesperson_col)
            int_ids = False
    if not int_ids:
        assert sp_labels is not None
        sp_lo, sp_span = 0, len(sp_labels)

    freq = _FREQ_CODES[period]
    table = empty_i
    day0, first, n_per = 0, 0, 1
    if date_col is not None and freq:
        day0, day1 = int(lo_d) // per_day, int(hi_d) // per_day
        if day1 - day0 >= _k._TABLE_DAYS:
            return None
        table, first, n_per = _k.period_table(day0, day1, freq)
        n_per = max(int(n_per), 1)
    span = sp_span * n_per
    if span > 4 * n + 1_000_000 or span >= 2**31 or n >= 2**31:
        return None
    if len(plan.tiers) >= 2**14 or len(plan.brackets) >= 2**7:
        return None
    rates = plan._rate_matrix()
    flat_rates = np.ascontiguousarray(rates.reshape(-1))
    tier_rates = np.ascontiguousarray(rates[:, 0])
    lowers = plan._lowers()
    scale = float(10**decimals)
    price = mode == "per_line"

    def run(
        amount: npt.NDArray[np.float64],
        other: npt.NDArray[np.float64],
        keys: IntArray,
        dates: IntArray,
        keep: bool,
        c_sp: npt.NDArray[np.int32],
        per: npt.NDArray[np.int32],
        comm: IntArray,
        basis: IntArray,
        meta: npt.NDArray[np.int16],
        acc: IntArray,
    ) -> tuple[int, IntArray, IntArray]:
        m = n if keep else 0
        rev = np.empty(m, dtype=np.int64)
        other_minor = np.empty(m, dtype=np.int64)
        bad = _k.fused_lines(
            amount,
            other,
            other_is_margin,
            scale,
            keys,
            sp_lo,
            n_per,
            dates,
            per_day,
            day0,
            table,
            lowers,
            basis_is_margin,
            zero_negative,
            tier_rates,
            keep or price,
            rmode,
            keep,
            keep or not price,
            rev,
            other_minor,
            c_sp,
            per,
            comm,
            basis,
            meta,
            acc,
        )
        return int(bad), rev, other_minor

    keep_codes = not price
    c_sp = np.empty(n if keep_codes else 0, dtype=np.int32)
    per = np.empty(n if keep_codes else 0, dtype=np.int32)
    comm = np.empty(n, dtype=np.int64)
    basis = empty_i if price else np.empty(n, dtype=np.int64)
    meta = np.empty(0 if price else n, dtype=np.int16)
    acc = np.zeros((span, 4), dtype=np.int64)
    bad, _, _ = run(amount, other, keys, dates, False, c_sp, per, comm, basis, meta, acc)
    if bad >= 0:
        return None
    lows = plan._bracket_lows(decimals)
    bracket: npt.NDArray[np.integer[Any]]
    if price:
        bracket = np.zeros(n, dtype=np.int64)
    else:
        bracket8 = np.empty(n, dtype=np.int8)
        _k.graduated_grouped(
            c_sp, per, n_per, dates, basis, meta, flat_rates, lows, rmode, comm, bracket8, acc
        )
        bracket = bracket8
        del meta
    stmt_keys, s_count, s_basis, s_comm, s_rev, sp_code, n_codes = _k.compact_statements(
        acc, sp_span, n_per
    )
    if int_ids:
        present = np.flatnonzero(sp_code >= 0)
        sp_labels = pd.Index((present + sp_lo).astype(raw.dtype))
        if n_codes != sp_span and keep_codes:
            _k.remap_codes(c_sp, sp_code)
    assert sp_labels is not None
    codes_kept = int_ids

    def source() -> tuple[IntArray, IntArray, npt.NDArray[np.int32], npt.NDArray[np.int32]]:
        """Run the same pass again, keeping the amounts and codes."""
        a = _float_values(amount_s)
        o = _float_values(other_s)
        assert a is not None and o is not None
        if codes_kept:
            k = np.ascontiguousarray(sp_series.to_numpy(), dtype=np.int64)
        else:
            k = _codes(sp_series, salesperson_col)[0]
        d = empty_i if date_s is None else _date_values(date_s, str(date_col))[0]
        sp_out = np.empty(n, dtype=np.int32)
        per_out = np.empty(n, dtype=np.int32)
        c = np.empty(n, dtype=np.int64)
        acc2 = np.zeros((span, 4), dtype=np.int64)
        bad, rev, other_minor = run(
            a, o, k, d, True, sp_out, per_out, c, empty_i, np.zeros(0, dtype=np.int16), acc2
        )
        assert bad < 0
        if codes_kept and n_codes != sp_span:
            _k.remap_codes(sp_out, sp_code)
        return rev, other_minor, sp_out, per_out

    parts = _Parts(
        index=df.index,
        kind=None,
        revenue=None,
        other=None,
        other_is_margin=other_is_margin,
        tier=None,
        line_basis=None if price else basis,
        line_comm=comm,
        line_period=None if price else per,
        offsets=None,
        c_sp=None if price else c_sp,
        c_share=None,
        c_basis=None if price else basis,
        c_comm=comm,
        c_tier=None,
        c_bracket=bracket,
        rates=flat_rates,
        c_stmt=None,
        c_period=None if price else per,
        n_per=n_per,
        stmt_keys=stmt_keys,
        sp_labels=sp_labels,
        period_labels=_period_labels(period, first, n_per),
        tier_names=plan.tier_names,
        derive=_Derive(lowers, basis_is_margin, zero_negative),
        source=source,
    )
    return _result(
        plan,
        mode,
        "half_even" if rmode == 0 else "half_up",
        decimals,
        currency,
        caps,
        floors,
        parts,
        s_count,
        s_basis,
        s_comm,
        s_rev,
        lows,
        s_basis,
    )


def _result(
    plan: CommissionPlan,
    mode: str,
    rname: str,
    decimals: int,
    currency: object,
    caps: object,
    floors: object,
    parts: _Parts,
    s_count: IntArray,
    s_basis: IntArray,
    s_comm: IntArray,
    s_rev: IntArray,
    lows: IntArray,
    volume: IntArray,
) -> CommissionResult:
    """Statements (brackets, caps and floors) and the result, from the statement sums."""
    stmt_keys = parts.stmt_keys
    n_per = parts.n_per
    n_stmt = stmt_keys.size
    sp_labels = parts.sp_labels
    period_labels = parts.period_labels
    s_sp = stmt_keys // n_per
    s_per = stmt_keys - s_sp * n_per
    if mode == "per_line":
        s_bracket = np.zeros(n_stmt, dtype=np.int64)
    elif mode == "retroactive":
        s_bracket = np.zeros(n_stmt, dtype=np.int64)
        for k in range(1, lows.size):
            s_bracket[volume >= lows[k]] = k
    else:
        s_bracket = np.zeros(n_stmt, dtype=np.int64)
        for k in range(1, lows.size):
            s_bracket[volume > lows[k]] = k
    cap_sp = _limits(caps, "caps", sp_labels, decimals)
    floor_sp = _limits(floors, "floors", sp_labels, decimals)
    pay = s_comm.copy()
    floor_applied = np.zeros(n_stmt, dtype=np.bool_)
    cap_applied = np.zeros(n_stmt, dtype=np.bool_)
    if cap_sp is not None and floor_sp is not None:
        both = (cap_sp >= 0) & (floor_sp >= 0) & (floor_sp > cap_sp)
        if both.any():
            i = int(np.flatnonzero(both)[0])
            raise InputValueError(
                f"salesperson {_show(sp_labels[i])} has a floor above the cap; a floor must not "
                f"exceed the cap."
            )
    if floor_sp is not None:
        f = floor_sp[s_sp]
        floor_applied = (f >= 0) & (pay < f)
        pay = np.where(floor_applied, f, pay)
    if cap_sp is not None:
        cap_s = cap_sp[s_sp]
        cap_applied = (cap_s >= 0) & (pay > cap_s)
        pay = np.where(cap_applied, cap_s, pay)
    adjustment = pay - s_comm
    statements = pd.DataFrame(
        {
            "salesperson": sp_labels[s_sp],
            "period": period_labels[s_per] if period_labels is not None else None,
            "n_credits": s_count,
            "basis_minor": s_basis,
            "lines_commission_minor": s_comm,
            "reversals_minor": s_rev,
            "bracket": s_bracket,
            "adjustment_minor": adjustment,
            "commission_minor": pay,
            "cap_applied": cap_applied,
            "floor_applied": floor_applied,
            "basis": minor_to_decimals(s_basis, decimals),
            "commission": minor_to_decimals(pay, decimals),
        }
    )
    return CommissionResult(
        statements=statements,
        line_commission_minor=parts.line_comm,
        plan=plan,
        mode=mode,
        rounding=rname,
        currency_decimals=decimals,
        currency=currency,
        _parts=parts,
    )


# --- returns ------------------------------------------------------------------------------


def _line_sum(values: IntArray, offsets: IntArray, n: int) -> IntArray:
    out = np.empty(n, dtype=np.int64)
    _k.sum_by_group(values, offsets, out)
    return out


def _returned_fractions(
    order: IntArray, link: IntArray, rev: IntArray, ids: pd.Index | None
) -> list[tuple[int, int, int, int]]:
    """``(return, sale, cumulative returned revenue, sale revenue)`` for returns in ``order``."""
    out = []
    cum: dict[int, int] = {}
    for j in order.tolist():
        o = int(link[j])
        c = cum.get(o, 0) - int(rev[j])
        if c > int(rev[o]):
            who = ids[j] if ids is not None else j
            raise InputValueError(
                f"return line {_show(who)} brings the returns of sale "
                f"{_show(ids[o] if ids is not None else o)} to {c} minor units, more than its "
                f"revenue {int(rev[o])}; a return cannot exceed its sale."
            )
        cum[o] = c
        out.append((j, o, c, int(rev[o])))
    return out


def _reverse_lines(
    order: IntArray,
    link: IntArray,
    rev: IntArray,
    basis: IntArray,
    comm: IntArray,
    rmode: int,
    ids: pd.Index | None,
) -> None:
    """Per-line mode: reversal basis and commission of linked returns (in place)."""
    done_b: dict[int, int] = {}
    done_c: dict[int, int] = {}
    for j, o, cum, total in _returned_fractions(order, link, rev, ids):
        nb = round_div_py(int(basis[o]) * cum, total, rmode)
        nc = round_div_py(int(comm[o]) * cum, total, rmode)
        basis[j] = -(nb - done_b.get(o, 0))
        comm[j] = -(nc - done_c.get(o, 0))
        done_b[o] = nb
        done_c[o] = nc


def _reverse_credits(
    order: IntArray,
    link: IntArray,
    rev: IntArray,
    values: IntArray,
    offsets: IntArray | None,
    rmode: int,
    ids: pd.Index | None = None,
) -> None:
    """Volume modes: reverse ``values`` (basis or commission) of each credit of linked returns.

    In place: a return's credit gets minus the change in the rounded share of
    the original credit returned so far, so that a sale returned in full is
    reversed exactly.
    """
    done: dict[int, int] = {}
    for j, o, cum, total in _returned_fractions(order, link, rev, ids):
        if offsets is None:
            pairs = [(j, o)]
        else:
            a, b, oa = int(offsets[j]), int(offsets[j + 1]), int(offsets[o])
            pairs = [(a + k, oa + k) for k in range(b - a)]
        for cj, co in pairs:
            nv = round_div_py(int(values[co]) * cum, total, rmode)
            values[cj] = -(nv - done.get(co, 0))
            done[co] = nv
