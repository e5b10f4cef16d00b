"""Linked returns and credits: which salespeople each line pays, with which share."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import numpy.typing as npt
import pandas as pd

from custvalue._commission.lines import label_codes
from custvalue._commission.rates import RATE_DECIMALS
from custvalue._commission.rates import RATE_SCALE
from custvalue._commission.rates import REVERSAL
from custvalue._commission.rates import parse_share
from custvalue._commission.rates import pct
from custvalue._commission.rates import show
from custvalue._core.arrays import first_true
from custvalue._core.ids import int_range
from custvalue._core.ids import offset_pair_codes
from custvalue._core.money import round_div_py
from custvalue._core.validation import check_dataframe
from custvalue.errors import InputValueError

__all__ = ["Credits", "Links", "credit_lines", "link_returns", "reverse_credits", "reverse_lines"]

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True, eq=False)
class Links:
    """Step 2: the sale each linked return reverses, and the returns in processing order."""

    link: IntArray  # sale position of each line (-1: not a linked return); read-only
    linked: IntArray  # positions of the linked returns
    order: IntArray  # linked returns in (date, position) order
    ids: pd.Index | None

    def credit_ranges(self, offsets: IntArray | None) -> Iterator[tuple[int, int, int]]:
        """``(first credit, end, first credit of its sale)`` of every linked return."""
        for j in self.linked.tolist():
            o = int(self.link[j])
            if offsets is None:
                yield j, j + 1, o
            else:
                yield int(offsets[j]), int(offsets[j + 1]), int(offsets[o])


@dataclass(frozen=True, slots=True, eq=False)
class Credits:
    """Step 3: one credit per line and credited salesperson, grouped by line."""

    offsets: IntArray | None  # credits of line i: offsets[i]:offsets[i+1]; None = one each
    share: IntArray | None  # parts per RATE_SCALE (None: one credit of 100 % per line)
    sp: IntArray | None  # salesperson code of each credit (None: read off ``stmt``)
    sp_labels: pd.Index
    line: IntArray | None  # line of each credit (None: credit i is line i)
    period: IntArray  # period code of each credit
    # (statement of each credit, statement keys) when coded with the salespeople
    stmt: tuple[IntArray, IntArray] | None = None


def link_returns(
    df: pd.DataFrame,
    rev: IntArray,
    kind: npt.NDArray[np.int8],
    basis: IntArray,
    sort_key: IntArray | None,
    reference_col: str | None,
    ids: pd.Index | None,
) -> Links:
    """Link each return naming a sale in ``reference_col`` to it (marks it a reversal).

    ``kind`` and ``basis`` of the linked returns are set in place (reversal, 0).
    """
    n = rev.size
    has_ref = None if reference_col is None else df[reference_col].notna().to_numpy()
    if has_ref is None or not has_ref.any():
        # no line links to a sale: every link is -1, a read-only view of one value
        none = np.zeros(0, dtype=np.int64)
        return Links(np.broadcast_to(np.int64(-1), (n,)), none, none, ids)
    assert ids is not None and reference_col is not None
    ref = df[reference_col]
    rpos = np.flatnonzero(has_ref)
    target = ids.get_indexer(pd.Index(ref.to_numpy()[rpos]))
    _check_links(rpos, target, rev, ref, ids, reference_col)
    link = np.full(n, -1, dtype=np.int64)
    link[rpos] = target
    kind[rpos] = REVERSAL
    basis[rpos] = 0
    linked = rpos  # every reference names a sale (checked)
    # returns in processing order (date, then input position); a sale comes first
    lkey = sort_key[linked] if sort_key is not None else np.zeros(linked.size, np.int64)
    order = linked[np.lexsort((linked, lkey))]
    orig = link[linked]
    okey = sort_key[orig] if sort_key is not None else np.zeros(linked.size, np.int64)
    late = (okey > lkey) | ((okey == lkey) & (orig > linked))
    if (k := first_true(late)) is not None:
        j = int(linked[k])
        raise InputValueError(
            f"return line {show(ids[j])} comes before the sale it references (by date, then "
            f"by position); list or date the sale first."
        )
    return Links(link, linked, order, ids)


def _check_links(
    rpos: IntArray,
    target: npt.NDArray[np.intp],
    rev: IntArray,
    ref: pd.Series,
    ids: pd.Index,
    reference_col: str,
) -> None:
    if (k := first_true(target < 0)) is not None:
        j = int(rpos[k])
        raise InputValueError(
            f"line {show(ids[j])} references {show(ref.iloc[j])} in {reference_col!r}, which "
            f"is not a line id; link returns to the id of their sale."
        )
    if (k := first_true(rev[rpos] >= 0)) is not None:
        j = int(rpos[k])
        raise InputValueError(
            f"line {show(ids[j])} has a reference in {reference_col!r} but a non-negative "
            f"amount; only returns (negative lines) link to a sale."
        )
    if (k := first_true(rev[target] <= 0)) is not None:
        j = int(rpos[k])
        raise InputValueError(
            f"line {show(ids[j])} references line {show(ref.iloc[j])}, which is not a sale "
            f"(its amount is not positive); reference the original sale."
        )


def credit_lines(
    df: pd.DataFrame,
    periods: tuple[IntArray, int],
    links: Links,
    ids: pd.Index | None,
    salesperson_col: str,
    splits: object,
    split_cols: tuple[str, str | None, str],
) -> Credits:
    """Credits of every line: its own salesperson, its rows of ``splits``, or its sale's.

    ``periods = (period code of each line, number of periods)``.  When every
    line is its own salesperson's single credit and the salespeople are
    integers coded by offset, the statements (salesperson, period) are coded
    in the same passes as the salespeople (:func:`offset_pair_codes`).
    """
    period, n_per = periods
    n = period.size
    if splits is None:
        sp_col = df[salesperson_col]
        if not links.linked.size and (ints := int_range(sp_col)) is not None:
            values, low, span, dtype = ints
            if (coded := offset_pair_codes(values, low, span, period, n_per)) is not None:
                c_stmt, keys, sp_off = coded
                sp_labels = pd.Index((sp_off + low).astype(dtype))
                return Credits(None, None, None, sp_labels, None, period, (c_stmt, keys))
        c_sp, sp_labels = label_codes(sp_col, salesperson_col)
        if links.linked.size:
            c_sp = c_sp.copy()
            c_sp[links.linked] = c_sp[links.link[links.linked]]
        return Credits(None, None, c_sp, sp_labels, None, period)
    assert ids is not None
    offsets, share, labels = _split_credits(df, links, ids, salesperson_col, splits, split_cols)
    c_sp, sp_labels = label_codes(pd.Series(labels), salesperson_col)
    line = np.repeat(np.arange(n, dtype=np.int64), np.diff(offsets))
    return Credits(offsets, share, c_sp, sp_labels, line, period[line])


def _split_credits(
    df: pd.DataFrame,
    links: Links,
    ids: pd.Index,
    salesperson_col: str,
    splits: object,
    split_cols: tuple[str, str | None, str],
) -> tuple[IntArray, IntArray, npt.NDArray[np.object_]]:
    """Offsets, shares and salesperson labels of the credits when lines are split."""
    n = links.link.size
    line_col, sp_col, share_col = split_cols
    scol = sp_col or salesperson_col
    sdf = check_dataframe(splits, "splits", [line_col, scol, share_col], allow_empty=True)
    spos = ids.get_indexer(pd.Index(sdf[line_col].to_numpy()))
    if (j := first_true(spos < 0)) is not None:
        raise InputValueError(
            f"`splits` row {show(sdf.index[j])} names line {show(sdf[line_col].iloc[j])}, "
            f"which is not a line id of `lines`."
        )
    if (j := first_true(links.link[spos] >= 0)) is not None:
        raise InputValueError(
            f"`splits` row {show(sdf.index[j])} splits return line "
            f"{show(sdf[line_col].iloc[j])}, which is linked to its sale: a linked "
            f"return follows the sale's split; remove its split rows."
        )
    line_labels = sdf[line_col].tolist()
    shares = np.asarray(
        [
            parse_share(v, f"splits[{share_col!r}] of line {line_labels[j]!r}")
            for j, v in enumerate(sdf[share_col].tolist())
        ],
        dtype=np.int64,
    )
    counts = np.bincount(spos, minlength=n).astype(np.int64)
    exact = np.zeros(n, dtype=np.int64)
    np.add.at(exact, spos, shares)
    if (i := first_true((counts > 0) & (exact != RATE_SCALE))) is not None:
        raise InputValueError(
            f"the split shares of line {show(ids[i])} sum to "
            f"{pct(Decimal(int(exact[i])).scaleb(-RATE_DECIMALS))}, not 100 %; "
            f"fix its rows in `splits`."
        )
    split_sp = sdf[scol]
    if (j := first_true(split_sp.isna().to_numpy())) is not None:
        raise InputValueError(
            f"`splits` column {scol!r} has a missing salesperson at row {show(sdf.index[j])}."
        )
    # linked returns take the credits of their sale
    linked, link = links.linked, links.link
    counts_all = np.where(counts > 0, counts, 1)
    if linked.size:
        counts_all[linked] = counts_all[link[linked]]
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts_all, out=offsets[1:])
    n_cred = int(offsets[-1])
    share = np.full(n_cred, RATE_SCALE, dtype=np.int64)
    src = np.full(n_cred, -1, dtype=np.int64)  # row of splits; -1 = the line's own salesperson
    sord = np.argsort(spos, kind="stable")
    spos_sorted = spos[sord]
    first_of = np.searchsorted(spos_sorted, spos_sorted, side="left")
    slot = offsets[spos_sorted] + (np.arange(spos_sorted.size) - first_of)
    share[slot] = shares[sord]
    src[slot] = sord
    own = counts == 0
    own[linked] = False
    labels = np.empty(n_cred, dtype=object)
    own_rows = np.flatnonzero(own)
    if own_rows.size:
        check_dataframe(df, "lines", [salesperson_col])
        sp_vals = df[salesperson_col].iloc[own_rows]
        if (k := first_true(sp_vals.isna().to_numpy())) is not None:
            j = int(own_rows[k])
            raise InputValueError(
                f"column {salesperson_col!r} has a missing value at line {show(ids[j])}; "
                f"every line needs a salesperson (or rows in `splits`)."
            )
        labels[offsets[own_rows]] = sp_vals.to_numpy()
    has_row = src >= 0
    labels[has_row] = split_sp.to_numpy()[src[has_row]]
    for a, b, oa in links.credit_ranges(offsets):
        labels[a:b] = labels[oa : oa + (b - a)]
        share[a:b] = share[oa : oa + (b - a)]
    return offsets, share, labels


# --- reversals ------------------------------------------------------------------------------


def _returned_fractions(links: Links, rev: IntArray) -> list[tuple[int, int, int, int]]:
    """``(return, sale, cumulative returned revenue, sale revenue)`` in processing order."""
    out = []
    cum: dict[int, int] = {}
    ids = links.ids
    for j in links.order.tolist():
        o = int(links.link[j])
        c = cum.get(o, 0) - int(rev[j])
        if c > int(rev[o]):
            who = ids[j] if ids is not None else j
            raise InputValueError(
                f"return line {show(who)} brings the returns of sale "
                f"{show(ids[o] if ids is not None else o)} to {c} minor units, more than its "
                f"revenue {int(rev[o])}; a return cannot exceed its sale."
            )
        cum[o] = c
        out.append((j, o, c, int(rev[o])))
    return out


def reverse_lines(
    links: Links, rev: IntArray, basis: IntArray, comm: IntArray, rmode: int
) -> None:
    """Per-line mode: reversal basis and commission of linked returns (in place)."""
    reverse_credits(links, rev, basis, None, rmode)
    reverse_credits(links, rev, comm, None, rmode)


def reverse_credits(
    links: Links, rev: IntArray, values: IntArray, offsets: IntArray | None, rmode: int
) -> None:
    """Reverse ``values`` (basis or commission) of each credit of the linked returns.

    In place: a return's credit gets minus the change in the rounded share of
    the original credit returned so far, so that a sale returned in full is
    reversed exactly.
    """
    done: dict[int, int] = {}
    for j, o, cum, total in _returned_fractions(links, rev):
        if offsets is None:
            pairs = [(j, o)]
        else:
            a, b, oa = int(offsets[j]), int(offsets[j + 1]), int(offsets[o])
            pairs = [(a + k, oa + k) for k in range(b - a)]
        for cj, co in pairs:
            nv = round_div_py(int(values[co]) * cum, total, rmode)
            values[cj] = -(nv - done.get(co, 0))
            done[co] = nv
