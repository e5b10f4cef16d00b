"""The commission pipeline, one named step each.

read lines -> link returns -> credits and splits -> price -> statements -> caps.

Each step is one function taking the previous steps' outputs (small frozen records
of int64 arrays) and the settings it needs; :func:`run` chains them.
"""

from __future__ import annotations

from collections.abc import Hashable
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from custvalue._commission import kernels as _k
from custvalue._commission.credits import Credits
from custvalue._commission.credits import Links
from custvalue._commission.credits import credit_lines
from custvalue._commission.credits import link_returns
from custvalue._commission.credits import reverse_credits
from custvalue._commission.credits import reverse_lines
from custvalue._commission.lines import limits
from custvalue._commission.lines import line_ids
from custvalue._commission.lines import period_codes
from custvalue._commission.lines import period_labels
from custvalue._commission.lines import product_table
from custvalue._commission.plan import CommissionPlan
from custvalue._commission.rates import RATE_SCALE
from custvalue._commission.rates import show
from custvalue._commission.records import Lines
from custvalue._commission.records import Priced
from custvalue._commission.records import Statements
from custvalue._commission.records import TierArray
from custvalue._commission.records import tier_dtype
from custvalue._commission.result import CommissionResult
from custvalue._commission.result import Parts
from custvalue._core.arrays import first_true
from custvalue._core.ids import pair_codes
from custvalue._core.money import allocate_largest_remainder_groups
from custvalue._core.money import check_decimals
from custvalue._core.money import minor_to_decimal_array
from custvalue._core.money import rounding_code
from custvalue._core.money import to_minor_units
from custvalue._core.validation import check_choice
from custvalue._core.validation import check_dataframe
from custvalue.errors import InputTypeError
from custvalue.errors import InputValueError

__all__ = ["Settings", "run"]

IntArray = npt.NDArray[np.int64]
_INT64_MAX = 2**63 - 1


@dataclass(frozen=True, slots=True, eq=False)
class Settings:
    """The checked arguments of one :func:`custvalue.commission.commission` call."""

    salesperson_col: str
    amount_col: str
    other_col: str | None  # the cost or the margin column
    other_is_margin: bool
    basis_is_margin: bool
    by_product: bool
    product_col: str
    mode: str
    date_col: str | None
    freq: str | None
    line_id_col: str | None
    reference_col: str | None
    zero_negative: bool
    decimals: int
    rmode: int
    amount_units: str

    @property
    def rounding(self) -> str:
        """The rounding rule's name."""
        return "half_even" if self.rmode == 0 else "half_up"


def check_settings(
    plan: object, lines: object, kw: Mapping[str, Any]
) -> tuple[pd.DataFrame, Settings]:
    """Check the arguments of :func:`custvalue.commission.commission`; return the frame."""
    if not isinstance(plan, CommissionPlan):
        raise InputTypeError(f"`plan` must be a CommissionPlan, got {type(plan).__name__}.")
    for name in (
        "salesperson_col",
        "amount_col",
        "product_col",
        "price_col",
        "product_cost_col",
        "split_line_col",
        "split_share_col",
    ):
        _check_column_name(kw[name], name, optional=False)
    for name in (
        "cost_col",
        "margin_col",
        "date_col",
        "line_id_col",
        "reference_col",
        "currency_col",
        "split_salesperson_col",
    ):
        _check_column_name(kw[name], name, optional=True)
    decimals = check_decimals(kw["currency_decimals"])
    rmode = rounding_code(kw["rounding"])
    check_choice(kw["basis"], "basis", ("margin", "revenue"))
    check_choice(kw["tier_by"], "tier_by", ("line", "product"))
    check_choice(kw["mode"], "mode", ("per_line", "graduated", "retroactive"))
    freq = _check_freq(kw["freq"])
    check_choice(kw["negative_margin"], "negative_margin", ("zero", "as_plan"))
    check_choice(kw["amount_units"], "amount_units", ("major", "minor"))
    cost_col, margin_col = kw["cost_col"], kw["margin_col"]
    if cost_col is not None and margin_col is not None:
        raise InputValueError("give `cost_col` or `margin_col`, not both.")
    has_cost = cost_col is not None or margin_col is not None
    if kw["basis"] == "margin" and not has_cost:
        raise InputValueError(
            "basis='margin' needs the line's cost or margin: pass `cost_col` or `margin_col`."
        )
    if kw["tier_by"] == "line" and not has_cost:
        raise InputValueError(
            "tier_by='line' needs the line's cost or margin: pass `cost_col` or `margin_col`, "
            "or tier by product with tier_by='product' and `products`."
        )
    if kw["tier_by"] == "product" and kw["products"] is None:
        raise InputValueError("tier_by='product' needs the `products` table.")
    if freq is not None and kw["date_col"] is None:
        raise InputValueError(f"freq={freq!r} needs `date_col`, the column of line dates.")
    # each required column -> the argument naming it (for the missing-column message)
    required: dict[Hashable, str] = {kw["amount_col"]: "amount_col"}
    optional = ("cost_col", "margin_col", "date_col", "line_id_col", "reference_col")
    for k in (*optional, "currency_col"):
        if kw[k] is not None:
            required.setdefault(kw[k], k)
    if kw["tier_by"] == "product":
        required.setdefault(kw["product_col"], "product_col")
    df = check_dataframe(lines, "lines", required)
    if kw["splits"] is None and kw["salesperson_col"] not in df.columns:
        check_dataframe(df, "lines", {kw["salesperson_col"]: "salesperson_col"})
    settings = Settings(
        salesperson_col=kw["salesperson_col"],
        amount_col=kw["amount_col"],
        other_col=cost_col if cost_col is not None else margin_col,
        other_is_margin=margin_col is not None,
        basis_is_margin=kw["basis"] == "margin",
        by_product=kw["tier_by"] == "product",
        product_col=kw["product_col"],
        mode=kw["mode"],
        date_col=kw["date_col"],
        freq=freq,
        line_id_col=kw["line_id_col"],
        reference_col=kw["reference_col"],
        zero_negative=kw["negative_margin"] == "zero",
        decimals=decimals,
        rmode=rmode,
        amount_units=kw["amount_units"],
    )
    return df, settings


def _check_column_name(value: object, name: str, *, optional: bool) -> None:
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, str | int | np.integer):
        raise InputTypeError(
            f"`{name}` must be one column name (a str), got {type(value).__name__} "
            f"{value!r}; fix by passing a single column label."
        )


def _check_freq(freq: object) -> str | None:
    if freq is None:
        return None
    if not isinstance(freq, str):
        raise InputTypeError(
            f"`freq` must be 'M', 'Q', 'Y' or None, got {type(freq).__name__} {freq!r}."
        )
    text = freq.strip()
    core = text.lstrip("0123456789")
    if core != text and core in ("M", "Q", "Y"):
        raise InputValueError(
            f"`freq` must be a single calendar period ('M', 'Q' or 'Y'), got {freq!r}; "
            f"statements cover one month, quarter or year: multiples are not supported."
        )
    check_choice(text, "freq", ("M", "Q", "Y"))
    return text


def currency_of(df: pd.DataFrame, currency_col: str | None) -> object:
    """Return the one currency of the lines (None without ``currency_col``)."""
    if currency_col is None:
        return None
    cur = df[currency_col]
    if (i := first_true(cur.isna().to_numpy())) is not None:
        raise InputValueError(f"column {currency_col!r} has a missing currency at position {i}.")
    uniq = pd.unique(cur)
    if len(uniq) > 1:
        raise InputValueError(
            f"column {currency_col!r} mixes currencies ({', '.join(map(repr, uniq[:5]))}); "
            f"compute commission per currency (filter the lines first)."
        )
    return uniq[0]


# --- 1. read lines -------------------------------------------------------------------------


def read_lines(
    df: pd.DataFrame, plan: CommissionPlan, s: Settings, products: tuple[object, str, str]
) -> Lines:
    """Amounts in minor units, tier, kind and basis of every line, and its period.

    ``products = (products table or None, price column, cost column)``.
    """
    rname = s.rounding
    rev = to_minor_units(
        df[s.amount_col], s.decimals, rname, name=s.amount_col, units=s.amount_units
    )
    n = rev.size
    other: IntArray | None = None
    if s.other_col is not None:
        other = to_minor_units(
            df[s.other_col], s.decimals, rname, name=s.other_col, units=s.amount_units
        )
    empty_i = np.zeros(0, dtype=np.int64)
    prod: tuple[IntArray, IntArray, npt.NDArray[np.bool_]] = (
        empty_i,
        empty_i,
        np.zeros(0, dtype=np.bool_),
    )
    if s.by_product:
        prod = _product_positions(df, plan, s, products)
    tier = np.empty(n, dtype=np.int64)
    pay_tier = np.empty(n, dtype=tier_dtype(len(plan.tiers)))
    basis = np.empty(n, dtype=np.int64)
    kind = np.empty(n, dtype=np.int8)
    line_comm = np.empty(n if s.mode == "per_line" else 0, dtype=np.int64)
    flags = (other is not None, s.other_is_margin, s.by_product, s.basis_is_margin)
    code, i = _k.prepare_lines(
        (rev, other if other is not None else empty_i),
        prod,
        (*flags, s.zero_negative),
        plan._lowers(),
        (np.ascontiguousarray(plan._rate_matrix()[:, 0]), s.rmode, line_comm),
        (tier, pay_tier, basis, kind),
    )
    if code == 1:
        raise InputValueError(
            f"column {s.other_col!r} must have the sign of {s.amount_col!r} (a return has a "
            f"negative cost), but line {show(df.index[i])} has amount "
            f"{show(df[s.amount_col].iloc[i])} and cost {show(df[s.other_col].iloc[i])}."
        )
    if code == 2:
        raise InputValueError(
            f"line {show(df.index[i])} has a cost without a price ({s.amount_col!r} is 0); "
            f"its margin rate is undefined: give it its price or remove it."
        )
    # period codes: ordinal - first ordinal; empty periods in between never form a statement
    sort_key: IntArray | None = None
    labels: Any = None
    n_per = 1
    if s.date_col is not None:
        sort_key, period, pmin, n_per = period_codes(df, s.date_col, s.freq)
        labels = period_labels(s.freq, pmin, n_per)
    else:
        period = np.zeros(n, dtype=np.int64)
    comm = line_comm if s.mode == "per_line" else None
    return Lines(
        df.index, rev, other, tier, pay_tier, basis, kind, period, comm, sort_key, n_per, labels
    )


def _product_positions(
    df: pd.DataFrame, plan: CommissionPlan, s: Settings, products: tuple[object, str, str]
) -> tuple[IntArray, IntArray, npt.NDArray[np.bool_]]:
    """Position of each line's product, the products' tiers and negative-margin flags."""
    table, price_col, cost_col = products
    pdf, _, pmargin, prod_tier = product_table(
        table, plan, s.product_col, price_col, cost_col, s.decimals, s.rmode, s.amount_units
    )
    pos = pd.Index(pdf[s.product_col]).get_indexer(df[s.product_col]).astype(np.int64)
    unknown = pos < 0
    if (i := first_true(unknown)) is not None:
        raise InputValueError(
            f"line {show(df.index[i])} has product {show(df[s.product_col].iloc[i])}, "
            f"which is not in `products` ({unknown.sum()} line(s) with unknown products); "
            f"add it to the products table."
        )
    return pos, prod_tier, pmargin < 0


# --- 4. price ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class Job:
    """What :func:`price` prices: the plan, the settings, the lines, their links and credits."""

    plan: CommissionPlan
    s: Settings
    lines: Lines
    links: Links
    cr: Credits


def price(job: Job, stmt: tuple[IntArray, int]) -> Priced:
    """Basis, commission and bracket of every credit in the plan's mode.

    ``stmt = (statement of each credit, number of statements)``.
    """
    s, lines, links, cr = job.s, job.lines, job.links, job.cr
    n = lines.rev.size
    offsets = cr.offsets
    c_tier = lines.pay_tier if cr.line is None else lines.pay_tier[cr.line]
    if s.mode == "per_line":
        basis = lines.basis
        assert lines.line_comm is not None
        line_comm = lines.line_comm  # priced with the lines; reversals set below
        if links.linked.size:
            basis = basis.copy()
            reverse_lines(links, lines.rev, basis, line_comm, s.rmode)
        c_basis, c_comm = _allocate(basis, cr), _allocate(line_comm, cr)
        # one bracket, 0 everywhere: the narrowest array
        c_bracket: npt.NDArray[np.integer[Any]] = np.zeros(c_comm.size, dtype=np.int8)
    else:
        c_basis, c_comm, c_bracket = _price_volume(job, stmt, c_tier)
        if offsets is None:
            line_comm = c_comm
        else:
            line_comm = np.empty(n, dtype=np.int64)
            _k.sum_by_group(c_comm, offsets, line_comm)
    if links.linked.size:
        # a reversal is paid at the rate of its sale: show that sale's tier and bracket
        c_tier = c_tier.copy()
        for a, b, oa in links.credit_ranges(offsets):
            c_tier[a:b] = c_tier[oa : oa + (b - a)]
            c_bracket[a:b] = c_bracket[oa : oa + (b - a)]
    return Priced(c_basis, c_comm, c_tier, c_bracket, line_comm)


def _allocate(values: IntArray, cr: Credits) -> IntArray:
    """Split line values over their credits by largest remainder (as is: one credit each)."""
    if cr.offsets is None:
        return values
    assert cr.share is not None and cr.line is not None
    out = np.empty(cr.line.size, dtype=np.int64)
    allocate_largest_remainder_groups(values, cr.share, cr.offsets, RATE_SCALE, out)
    return out


def _price_volume(
    job: Job, stmt: tuple[IntArray, int], c_tier: TierArray
) -> tuple[IntArray, IntArray, IntArray]:
    """Graduated and retroactive modes: credits priced on their statement's volume."""
    plan, s, lines, links, cr = job.plan, job.s, job.lines, job.links, job.cr
    n_cred = cr.period.size
    c_stmt, n_stmt = stmt
    c_basis = _allocate(lines.basis, cr)
    priced = np.ones(n_cred, dtype=np.bool_)
    if links.linked.size:
        c_basis = c_basis.copy()
        reverse_credits(links, lines.rev, c_basis, cr.offsets, s.rmode)
        lk = np.zeros(lines.rev.size, dtype=np.bool_)
        lk[links.linked] = True
        priced[lk if cr.line is None else lk[cr.line]] = False
    c_comm = np.zeros(n_cred, dtype=np.int64)
    c_bracket = np.zeros(n_cred, dtype=np.int64)
    volume = np.zeros(n_stmt, dtype=np.int64)
    rates = (np.ascontiguousarray(plan._rate_matrix().reshape(-1)), plan._bracket_lows(s.decimals))
    if s.mode == "graduated":
        if lines.sort_key is None:
            c_key = np.zeros(n_cred, dtype=np.int64)
        else:
            c_key = lines.sort_key if cr.line is None else lines.sort_key[cr.line]
        if len(plan.tiers) >= 2**21 or n_cred >= 2**40:
            raise InputValueError(
                "graduated mode prices fewer than 2**40 credits with fewer than 2**21 tiers; "
                "fix by computing the commission on fewer lines at a time."
            )
        credits = (c_stmt, c_key, c_basis, c_tier, priced)
        if not _k.graduated_commission(credits, rates, s.rmode, (c_comm, c_bracket, volume)):
            raise InputValueError(
                f"graduated mode prices credits whose basis stays within +-2**50 minor "
                f"units; a line of {s.amount_col!r} goes beyond; fix by computing the "
                f"commission on smaller amounts."
            )
    else:
        _k.retroactive_commission(
            (c_basis, c_tier, c_stmt, priced), rates, s.rmode, (c_comm, c_bracket, volume)
        )
    if links.linked.size:
        reverse_credits(links, lines.rev, c_comm, cr.offsets, s.rmode)
    return c_basis, c_comm, c_bracket


def _check_total(values: IntArray, largest: int, amount_col: str) -> None:
    """Refuse credits whose absolute sum leaves int64: a statement total could wrap.

    ``largest`` is the largest absolute value: ``values.size * largest``
    bounds the sum exactly, and only beyond int64 is the sum itself taken.
    """
    if values.size * int(largest) <= _INT64_MAX:
        return
    total = sum(int(v) for v in np.add.reduceat(np.abs(values), np.arange(0, values.size, 4096)))
    if total > _INT64_MAX:
        raise InputValueError(
            f"the commission basis of the lines in {amount_col!r} sums to {total} minor units "
            f"in absolute value, beyond the exact int64 range of statement totals "
            f"({_INT64_MAX}); fix by computing the commission on fewer lines at a time "
            f"(e.g. per period or per salesperson)."
        )


# --- 5. statements ------------------------------------------------------------------------


def statement_keys(lines: Lines, cr: Credits) -> tuple[IntArray, IntArray]:
    """Statement of every credit (keys salesperson * n_per + period, ascending) and the keys."""
    if cr.stmt is not None:  # coded with the salespeople
        return cr.stmt[1], cr.stmt[0]
    assert cr.sp is not None
    c_stmt, keys = pair_codes(cr.sp, len(cr.sp_labels), cr.period, lines.n_per)
    return keys, c_stmt


def statement_sums(
    lines: Lines, cr: Credits, keys: IntArray, c_stmt: IntArray, pr: Priced, amount_col: str
) -> Statements:
    """Count, basis, commission and reversals of every statement (exact int64 sums)."""
    c_kind = lines.kind if cr.line is None else lines.kind[cr.line]
    count, basis, comm, rev, largest = _k.statement_totals(
        (c_stmt, pr.c_basis, pr.c_comm, c_kind), keys.size
    )
    _check_total(pr.c_basis, largest, amount_col)
    return Statements(keys, c_stmt, count, basis, comm, rev)


# --- 6. caps and floors -------------------------------------------------------------------


def capped_statements(
    s: Settings,
    lows: IntArray,
    st: Statements,
    pr: Priced,
    sp_labels: pd.Index,
    lines: Lines,
    caps: object,
    floors: object,
) -> pd.DataFrame:
    """Build the statements frame: brackets reached, caps and floors on the net commission."""
    n_per = lines.n_per
    n_stmt = st.keys.size
    s_sp = st.keys // n_per
    s_per = st.keys - s_sp * n_per
    s_bracket = np.zeros(n_stmt, dtype=np.int64)
    volume = st.basis  # every credit's basis, returns and reversals included
    for k in range(1, lows.size):
        if s.mode == "retroactive":
            s_bracket[volume >= lows[k]] = k
        elif s.mode == "graduated":
            s_bracket[volume > lows[k]] = k
    cap_sp = limits(caps, "caps", sp_labels, s.decimals)
    floor_sp = limits(floors, "floors", sp_labels, s.decimals)
    pay = st.comm.copy()
    floor_applied = np.zeros(n_stmt, dtype=np.bool_)
    cap_applied = np.zeros(n_stmt, dtype=np.bool_)
    if cap_sp is not None and floor_sp is not None:
        both = (cap_sp >= 0) & (floor_sp >= 0) & (floor_sp > cap_sp)
        if (i := first_true(both)) is not None:
            raise InputValueError(
                f"salesperson {show(sp_labels[i])} has a floor above the cap; a floor must not "
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
    return pd.DataFrame(
        {
            "salesperson": sp_labels[s_sp],
            "period": lines.period_labels[s_per] if lines.period_labels is not None else None,
            "n_credits": st.count,
            "basis_minor": st.basis,
            "lines_commission_minor": st.comm,
            "reversals_minor": st.reversals,
            "bracket": s_bracket,
            "adjustment_minor": pay - st.comm,
            "commission_minor": pay,
            "cap_applied": cap_applied,
            "floor_applied": floor_applied,
            "basis": minor_to_decimal_array(st.basis, s.decimals),
            "commission": minor_to_decimal_array(pay, s.decimals),
        }
    )


# --- the pipeline -------------------------------------------------------------------------


def run(
    lines: object,
    plan: CommissionPlan,
    kw: Mapping[str, Any],
) -> CommissionResult:
    """:func:`custvalue.commission.commission` (``kw``: its keyword arguments)."""
    df, s = check_settings(plan, lines, kw)
    currency = currency_of(df, kw["currency_col"])
    ln = read_lines(df, plan, s, (kw["products"], kw["price_col"], kw["product_cost_col"]))
    need_ids = kw["splits"] is not None or s.reference_col is not None
    ids = line_ids(df, s.line_id_col) if need_ids else None
    links = link_returns(df, ln.rev, ln.kind, ln.basis, ln.sort_key, s.reference_col, ids)
    split_cols = (kw["split_line_col"], kw["split_salesperson_col"], kw["split_share_col"])
    cr = credit_lines(
        df, (ln.period, ln.n_per), links, ids, s.salesperson_col, kw["splits"], split_cols
    )
    keys, c_stmt = statement_keys(ln, cr)
    pr = price(Job(plan, s, ln, links, cr), (c_stmt, keys.size))
    st = statement_sums(ln, cr, keys, c_stmt, pr, s.amount_col)
    lows = plan._bracket_lows(s.decimals)
    statements = capped_statements(s, lows, st, pr, cr.sp_labels, ln, kw["caps"], kw["floors"])
    n = ln.rev.size
    if cr.offsets is not None:
        line_basis = _line_sum(pr.c_basis, cr.offsets, n)
    else:  # per line: with its reversals; volume modes: a reversal line shows basis 0
        line_basis = pr.c_basis if s.mode == "per_line" else ln.basis
    rates = np.ascontiguousarray(plan._rate_matrix().reshape(-1))
    parts = Parts(ln, cr, pr, st, line_basis, s.other_is_margin, rates, plan.tier_names)
    return CommissionResult(
        statements=statements,
        line_commission_minor=pr.line_comm,
        plan=plan,
        mode=s.mode,
        rounding=s.rounding,
        currency_decimals=s.decimals,
        currency=currency,
        _parts=parts,
    )


def _line_sum(values: IntArray, offsets: IntArray, n: int) -> IntArray:
    out = np.empty(n, dtype=np.int64)
    _k.sum_by_group(values, offsets, out)
    return out
