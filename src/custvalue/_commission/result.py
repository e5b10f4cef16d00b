"""The result of a commission run: statements, and the line and credit views."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from custvalue._commission import kernels as _k
from custvalue._commission.credits import Credits
from custvalue._commission.plan import CommissionPlan
from custvalue._commission.rates import KINDS
from custvalue._commission.rates import RATE_DECIMALS
from custvalue._commission.rates import RATE_SCALE
from custvalue._commission.records import Lines
from custvalue._commission.records import Priced
from custvalue._commission.records import Statements
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

    def _credit_salespeople(self) -> IntArray:
        """Salesperson code of every credit (read off its statement where not kept)."""
        p = self._parts
        if p.credits.sp is not None:
            return p.credits.sp
        return (p.statements.keys // p.lines.n_per)[p.statements.c_stmt]

    def _credit_line(self) -> IntArray:
        p = self._parts
        n = p.priced.line_comm.size
        if p.credits.offsets is None:
            return np.arange(n, dtype=np.int64)
        return np.repeat(np.arange(n, dtype=np.int64), np.diff(p.credits.offsets))

    def _rate_table(self) -> tuple[IntArray, pd.CategoricalDtype]:
        """Rate code of every tier x bracket (then of "no rate") and their Decimal categories."""
        p = self._parts
        return _decimal_codes(np.append(p.rates, 0))

    def _credit_rates_dec(self) -> pd.Categorical:
        """Return the rate of every credit: a categorical of exact Decimal rates."""
        p = self._parts
        n_br = p.rates.size // len(p.tier_names)
        idx = np.where(
            p.priced.c_tier < 0,
            p.rates.size,
            p.priced.c_tier.astype(np.int64) * n_br + p.priced.c_bracket,
        )
        table, dtype = self._rate_table()
        return pd.Categorical.from_codes(table[idx], dtype=dtype, validate=False)

    def _build_lines(self) -> pd.DataFrame:
        p = self._parts
        d = self.currency_decimals
        n = p.priced.line_comm.size
        labels = [*p.tier_names, ""]
        uniq = list(dict.fromkeys(labels))  # tier names need not be unique
        name_code = np.asarray([uniq.index(x) for x in labels], dtype=np.int64)
        name_dtype = pd.CategoricalDtype(pd.Index(uniq))
        rate_code, rate_dtype = self._rate_table()
        kind_dtype = pd.CategoricalDtype(pd.Index(list(KINDS)))
        out = (
            np.empty(n, dtype=np.float64),
            np.empty(n, dtype=_codes_dtype(len(uniq))),
            np.empty(n, dtype=_codes_dtype(len(rate_dtype.categories))),
            np.empty(n, dtype=np.int64),
        )
        empty = np.zeros(0, dtype=np.int64)
        other = p.lines.other
        offsets = p.credits.offsets
        _k.line_view(
            (p.lines.rev, empty if other is None else other, p.lines.tier),
            (empty if offsets is None else offsets, p.priced.c_tier, p.priced.c_bracket),
            (
                name_code,
                rate_code,
                p.rates.size // len(p.tier_names),
                other is not None,
                p.other_is_margin,
            ),
            out,
        )
        margin_rate, name, rate, n_credits = out

        def cat(codes: npt.NDArray[Any], dtype: pd.CategoricalDtype) -> pd.Categorical:
            return pd.Categorical.from_codes(codes, dtype=dtype, validate=False)

        return pd.DataFrame(
            {
                "kind": cat(p.lines.kind, kind_dtype),  # int8 codes in KINDS order
                "margin_rate": margin_rate,
                "tier": p.lines.tier,
                "tier_name": cat(name, name_dtype),
                "basis_minor": p.line_basis,
                "basis": minor_to_decimal_array(p.line_basis, d),
                "rate": cat(rate, rate_dtype),
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
                "salesperson": p.credits.sp_labels[self._credit_salespeople()],
                "period": period,
                "share": _decimal_categorical(share),
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


def _codes_dtype(n_categories: int) -> type[np.integer[Any]]:
    """Return the integer type pandas keeps as the codes of ``n_categories`` categories."""
    if n_categories < np.iinfo(np.int8).max:
        return np.int8
    if n_categories < np.iinfo(np.int16).max:
        return np.int16
    return np.int32


def _decimal_codes(scaled: IntArray) -> tuple[IntArray, pd.CategoricalDtype]:
    """Codes of ``scaled`` (parts per 10**9) and the categories of its distinct exact Decimals.

    One Decimal object per distinct value.
    """
    uniq, inverse = np.unique(scaled, return_inverse=True)
    cats = np.empty(uniq.size, dtype=object)
    cats[:] = [
        Decimal(v).scaleb(-RATE_DECIMALS).normalize() if v else Decimal(0) for v in uniq.tolist()
    ]
    codes = inverse.reshape(-1).astype(np.int64)
    return codes, pd.CategoricalDtype(pd.Index(cats, dtype=object))


def _decimal_categorical(scaled: IntArray) -> pd.Categorical:
    """``scaled`` (parts per 10**9) as a categorical of exact normalised Decimals."""
    codes, dtype = _decimal_codes(scaled)
    return pd.Categorical.from_codes(codes, dtype=dtype, validate=False)
