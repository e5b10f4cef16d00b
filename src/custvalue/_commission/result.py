"""The result of a commission run: statements, and the line and credit views."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from custvalue._commission import kernels as _k
from custvalue._commission.credits import Credits
from custvalue._commission.plan import CommissionPlan
from custvalue._commission.rates import KINDS, RATE_DECIMALS, RATE_SCALE
from custvalue._commission.records import Lines, Priced, Statements
from custvalue._core.money import minor_to_decimal_array

__all__ = ["CommissionResult", "Parts", "Reconciliation"]

IntArray = npt.NDArray[np.int64]


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
class Parts:
    """The pipeline's records kept by a result (arrays in minor units)."""

    lines: Lines
    credits: Credits
    priced: Priced
    statements: Statements
    line_basis: IntArray  # per line, reversals and splits included
    other_is_margin: bool
    rates: IntArray  # tiers x brackets, row-major, parts per 1e9
    tier_names: tuple[str, ...]


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
        exact decimal (Arrow ``decimal128``) amounts ``basis`` and ``commission``
        (payable).
    line_commission_minor : numpy.ndarray
        Commission of every input line in minor units (input order).
    mode, rounding, currency_decimals, currency
        The settings used.

    Notes
    -----
    :attr:`lines` and :attr:`credits` are built on first access and then
    kept.  Their exact money columns (``basis``, ``commission``) are Arrow
    ``decimal128(19, currency_decimals)`` columns, built from the minor units
    without Python objects; iterating them gives ``Decimal`` values.
    """

    statements: pd.DataFrame
    line_commission_minor: IntArray
    plan: CommissionPlan
    mode: str
    rounding: str
    currency_decimals: int
    currency: object
    _parts: Parts = field(repr=False)
    _cache: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    @property
    def lines(self) -> pd.DataFrame:
        """One row per input line, on the input's index.

        Columns: ``kind`` (``"sale"``, ``"return"`` = negative line without a
        link, ``"reversal"`` = linked return, ``"negative_margin"``,
        ``"below_plan"``), ``margin_rate`` (float, for display; tiering is
        exact), ``tier`` (-1 = none), ``tier_name`` (categorical),
        ``basis_minor``, ``basis``, ``rate`` (categorical of Decimals: the rate
        applied when the line has one credit, else the first credit's),
        ``commission_minor``, ``commission`` (exact decimal, Arrow
        ``decimal128``), ``n_credits``.
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
        n = p.priced.line_comm.size
        if p.credits.offsets is None:
            return np.arange(n, dtype=np.int64)
        return np.repeat(np.arange(n, dtype=np.int64), np.diff(p.credits.offsets))

    def _credit_rates_dec(self) -> pd.Categorical:
        """Return the rate of every credit: a categorical of exact Decimal rates."""
        p = self._parts
        n_br = p.rates.size // len(p.tier_names)
        idx = np.where(
            p.priced.c_tier < 0, p.rates.size, p.priced.c_tier * n_br + p.priced.c_bracket
        )
        return _decimal_categorical(np.append(p.rates, 0), idx)

    def _build_lines(self) -> pd.DataFrame:
        p = self._parts
        d = self.currency_decimals
        n = p.priced.line_comm.size
        if p.credits.offsets is None:
            first = np.arange(n, dtype=np.int64)
            n_credits = np.ones(n, dtype=np.int64)
        else:
            first = p.credits.offsets[:-1]
            n_credits = np.diff(p.credits.offsets)
        revenue, other = p.lines.rev, p.lines.other
        if other is not None:
            margin = other if p.other_is_margin else revenue - other
            with np.errstate(divide="ignore", invalid="ignore"):
                mr = np.where(revenue != 0, margin / np.where(revenue == 0, 1, revenue), np.nan)
        else:
            mr = np.full(n, np.nan)
        labels = [*p.tier_names, ""]
        uniq = list(dict.fromkeys(labels))  # tier names need not be unique
        remap = np.asarray([uniq.index(x) for x in labels], dtype=np.int64)
        codes = remap[np.where(p.lines.tier < 0, len(p.tier_names), p.lines.tier)]
        names = pd.Categorical.from_codes(codes, categories=pd.Index(uniq))
        kind, tier, line_basis = p.lines.kind, p.lines.tier, p.line_basis
        return pd.DataFrame(
            {
                "kind": pd.Categorical.from_codes(
                    kind.astype(np.int64), categories=pd.Index(list(KINDS))
                ),
                "margin_rate": mr,
                "tier": tier,
                "tier_name": names,
                "basis_minor": line_basis,
                "basis": minor_to_decimal_array(line_basis, d),
                "rate": self._credit_rates_dec()[first],
                "commission_minor": p.priced.line_comm,
                "commission": minor_to_decimal_array(p.priced.line_comm, d),
                "n_credits": n_credits,
            },
            index=p.lines.index,
            copy=False,  # the arrays are the result's own; pandas copies on write
        )

    def _build_credits(self) -> pd.DataFrame:
        p = self._parts
        d = self.currency_decimals
        line = self._credit_line()
        share = (
            np.full(line.size, RATE_SCALE, dtype=np.int64)
            if p.credits.share is None
            else p.credits.share
        )
        period = (
            p.lines.period_labels[p.lines.period[line]]
            if p.lines.period_labels is not None
            else None
        )
        return pd.DataFrame(
            {
                "line": line,
                "salesperson": p.credits.sp_labels[p.credits.sp],
                "period": period,
                "share": _decimal_categorical(share, np.arange(share.size)),
                "bracket": p.priced.c_bracket.astype(np.int64, copy=False),
                "rate": self._credit_rates_dec(),
                "basis_minor": p.priced.c_basis,
                "commission_minor": p.priced.c_comm,
                "commission": minor_to_decimal_array(p.priced.c_comm, d),
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
        n = p.priced.line_comm.size
        if p.credits.offsets is None:
            per_line = p.priced.c_comm
        else:
            per_line = np.empty(n, dtype=np.int64)
            _k.sum_by_group(p.priced.c_comm, p.credits.offsets, per_line)
        n_stmt = len(self.statements)
        sums = np.zeros(n_stmt, dtype=np.int64)
        np.add.at(sums, p.statements.c_stmt, p.priced.c_comm)
        st = self.statements
        lines_col = st["lines_commission_minor"].to_numpy(dtype=np.int64)
        adj = st["adjustment_minor"].to_numpy(dtype=np.int64)
        pay = st["commission_minor"].to_numpy(dtype=np.int64)
        bad_lines = int((per_line != p.priced.line_comm).sum())
        bad_stmt = int((sums != lines_col).sum() + (lines_col + adj != pay).sum())
        totals = (
            int(p.priced.line_comm.sum()),
            int(p.priced.c_comm.sum()),
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


def _decimal_categorical(scaled: IntArray, idx: npt.NDArray[np.integer[Any]]) -> pd.Categorical:
    """``scaled[idx]`` (parts per 10**9) as a categorical of exact normalised Decimals.

    One Decimal object per distinct value, whatever the length of ``idx``.
    """
    uniq, inverse = np.unique(scaled, return_inverse=True)
    cats = np.empty(uniq.size, dtype=object)
    cats[:] = [
        Decimal(v).scaleb(-RATE_DECIMALS).normalize() if v else Decimal(0) for v in uniq.tolist()
    ]
    codes = inverse.reshape(-1)[idx]
    return pd.Categorical.from_codes(codes, categories=pd.Index(cats, dtype=object))
