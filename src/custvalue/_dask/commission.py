"""Sales commission of a Dask frame of sales lines (implementation of :mod:`custvalue.dask`).

A statement (salesperson, period) depends on every line credited to its
salesperson (the volume brackets, caps and floors), a split line on all the
salespeople it credits, and a linked return on the sale it reverses.  So the
lines are shuffled by a *group*: the salesperson, or for salespeople sharing
split lines (the ``splits`` table, in memory) one representative of them all;
a return linked to a sale (``reference_col``) takes its sale's group, found by
a first shuffle by *link* (the sale's id, on the sale and on its returns).
Each group then sits in one partition, in the input order (every line carries
its global position), and :func:`custvalue.commission.commission` runs on each
partition: the same lines, credits and statements, money exact.

What no partition can check is checked globally first: the line ids are
unique (when ``splits`` or ``reference_col`` use them), every ``splits`` line
exists, and all lines have one currency.
"""

from __future__ import annotations

import operator
from collections.abc import Hashable
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import dask.config
import dask.dataframe as dd
import numpy as np
import pandas as pd
from dask.base import compute
from dask.delayed import delayed

from custvalue import commission as _commission
from custvalue._dask.options import with_defaults
from custvalue._dask.summary import check_dask_frame
from custvalue._dask.summary import first_row
from custvalue.errors import InputTypeError
from custvalue.errors import InputValueError

__all__ = ["CommissionFrames", "commission"]

_ORDER = "__custvalue_order__"
_GROUP = "__custvalue_group__"
_LINK = "__custvalue_link__"


@dataclass(frozen=True, slots=True)
class CommissionFrames:
    """The lazy results of :func:`custvalue.dask.commission`.

    Attributes
    ----------
    lines : dask.dataframe.DataFrame
        The in-memory ``CommissionResult.lines``: one row per sales line, on
        the lines' index.
    statements : dask.dataframe.DataFrame
        ``CommissionResult.statements``: one row per salesperson and period;
        each partition sorted by salesperson and period (its own index from 0).
    credits : dask.dataframe.DataFrame
        ``CommissionResult.credits``; ``line`` is the line's position in the
        whole input, as in memory.  The categories of ``share`` are 1 and
        every share of ``splits``, sorted (in memory: the shares used).

    Notes
    -----
    The three frames share one commission run per partition: compute them
    together (``compute(res.lines, res.statements)``) to run it once.
    """

    lines: dd.DataFrame
    statements: dd.DataFrame
    credits: dd.DataFrame


def _ids(part: pd.DataFrame, line_id_col: str | None) -> pd.Series:
    """Return the line ids of a partition (the index, or ``line_id_col``), as a Series."""
    if line_id_col is None:
        return pd.Series(part.index, index=part.index)
    return part[line_id_col]


def _split_groups(
    splits: pd.DataFrame | None, line_col: str, sp_col: str
) -> tuple[dict[Hashable, Hashable], dict[Hashable, Hashable]]:
    """Map salespeople sharing split lines, and split lines, to one representative salesperson.

    Salespeople credited with the same line are joined (a union-find over the
    ``splits`` rows); the representative is the first one listed.
    """
    parent: dict[Hashable, Hashable] = {}

    def root(x: Hashable) -> Hashable:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    first_of_line: dict[Hashable, Hashable] = {}
    if splits is not None:
        for line, sp in zip(splits[line_col].tolist(), splits[sp_col].tolist(), strict=True):
            if pd.isna(sp):
                continue
            head = first_of_line.setdefault(line, sp)
            a, b = root(head), root(sp)
            if a != b:
                parent[b] = a
    people = {sp: root(sp) for sp in list(parent)}
    return people, {line: people[sp] for line, sp in first_of_line.items()}


def _link_key(values: pd.Series, numeric: bool) -> pd.Series:
    """Line ids and references in one comparable dtype (float64 when numeric, else str)."""
    if numeric:
        return pd.to_numeric(values, errors="coerce").astype("float64")
    return values.astype("str").where(values.notna(), None)


def _with_groups(
    part: pd.DataFrame,
    opt: Mapping[str, Any],
    people: dict[Hashable, Hashable],
    split_lines: dict[Hashable, Hashable],
    offsets: list[int],
    numeric_links: bool,
    partition_info: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Add each line's global position, its group and (with references) its link."""
    number = 0 if partition_info is None else int(partition_info["number"])
    out = part.copy()
    out[_ORDER] = np.arange(len(part), dtype=np.int64) + offsets[number]
    sp = part[opt["salesperson_col"]] if opt["salesperson_col"] in part.columns else None
    group = (
        pd.Series([None] * len(part), index=part.index, dtype=object)
        if sp is None
        else sp.astype(object).map(lambda s: people.get(s, s))
    )
    if split_lines:
        of_line = _ids(part, opt["line_id_col"]).map(split_lines)
        group = of_line.where(of_line.notna(), group)
    out[_GROUP] = group.astype("str").where(group.notna(), None)
    reference = opt["reference_col"]
    if reference is not None:
        ids = _link_key(_ids(part, opt["line_id_col"]), numeric_links)
        refs = _link_key(part[reference], numeric_links)
        out[_LINK] = refs.where(refs.notna(), ids)
    return out


def _sale_groups(part: pd.DataFrame, opt: Mapping[str, Any], numeric_links: bool) -> pd.DataFrame:
    """Give a linked return the group of its sale (both in the partition of the link)."""
    if len(part) == 0:
        return part
    refs = _link_key(part[opt["reference_col"]], numeric_links)
    ids = _link_key(_ids(part, opt["line_id_col"]), numeric_links)
    sales = dict(zip(ids[refs.isna()].tolist(), part[_GROUP][refs.isna()].tolist(), strict=True))
    of_sale = refs.map(sales)
    out = part.copy()
    out[_GROUP] = of_sale.where(of_sale.notna(), part[_GROUP])
    return out


def _run(
    part: pd.DataFrame,
    plan: _commission.CommissionPlan,
    opt: Mapping[str, Any],
    metas: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame],
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Run the in-memory commission on one partition's lines, in their input order."""
    if len(part) == 0:
        return metas
    rows = part.sort_values(_ORDER, kind="stable")
    order = rows[_ORDER].to_numpy(dtype=np.int64)
    rows = rows.drop(columns=[c for c in (_ORDER, _GROUP, _LINK) if c in rows.columns])
    options = dict(opt)
    if opt["splits"] is not None:
        splits = opt["splits"]
        mine = splits[splits[opt["split_line_col"]].isin(_ids(rows, opt["line_id_col"]))]
        options["splits"] = mine
    result = _commission.commission(rows, plan, **options)
    credits = result.credits.copy()
    credits["line"] = order[credits["line"].to_numpy(dtype=np.int64)]
    credits["share"] = credits["share"].astype(metas[2]["share"].dtype)
    return result.lines, result.statements, credits


def _shares(opt: Mapping[str, Any]) -> pd.CategoricalDtype:
    """Return the categories of ``share`` in every partition: 1 and the shares of ``splits``."""
    shares = {Decimal(1)}
    if opt["splits"] is not None:
        for value in opt["splits"][opt["split_share_col"]].drop_duplicates().tolist():
            share = _commission.parse_rate(value, f"splits[{opt['split_share_col']!r}]")
            shares.add(share.normalize())
    return pd.CategoricalDtype(sorted(shares))


def _check_globally(frame: dd.DataFrame, opt: Mapping[str, Any], n: int) -> None:
    """Refuse what no partition can see: repeated line ids, unknown split lines, currencies."""
    checks: dict[str, Any] = {}
    uses_ids = opt["splits"] is not None or opt["reference_col"] is not None
    if uses_ids:
        line_id_col = opt["line_id_col"]
        ids = frame.index.to_series() if line_id_col is None else frame[line_id_col]
        checks["distinct"] = ids.nunique()
        if opt["splits"] is not None:
            wanted = opt["splits"][opt["split_line_col"]].drop_duplicates()
            checks["split_lines"] = ids.isin(wanted.tolist()).sum()
    if opt["currency_col"] is not None:
        checks["currencies"] = frame[opt["currency_col"]].nunique()
    found = dict(zip(checks, compute(*checks.values()), strict=True))
    where = (
        "the index of `lines`" if opt["line_id_col"] is None else f"column {opt['line_id_col']!r}"
    )
    if "distinct" in found and int(found["distinct"]) != n:
        raise InputValueError(
            f"{where} repeats line ids ({n - int(found['distinct'])} repeated), which "
            f"`splits` and `reference_col` need unique; fix by giving every line its own id "
            f"(e.g. line_id_col naming a unique column)."
        )
    if "split_lines" in found:
        wanted = opt["splits"][opt["split_line_col"]].nunique()
        if int(found["split_lines"]) != int(wanted):
            raise InputValueError(
                f"`splits` names {int(wanted) - int(found['split_lines'])} line(s) that are not "
                f"line ids of `lines` ({where}); fix by removing those split rows."
            )
    if "currencies" in found and int(found["currencies"]) > 1:
        raise InputValueError(
            f"column {opt['currency_col']!r} of `lines` holds {int(found['currencies'])} "
            f"currencies; a commission run needs one: split the lines by currency first."
        )


def _probe(frame: dd.DataFrame, plan: _commission.CommissionPlan, opt: Mapping[str, Any]) -> Any:
    """Run the in-memory commission on one real line: its checks, the result dtypes."""
    first = first_row(frame, "lines", "row")
    options = dict(opt)
    if opt["reference_col"] is not None:
        first = first.assign(**{opt["reference_col"]: None})
    if opt["splits"] is not None:
        splits = opt["splits"]
        options["splits"] = splits[
            splits[opt["split_line_col"]].isin(_ids(first, opt["line_id_col"]))
        ]
    return _commission.commission(first, plan, **options)


def commission(lines: object, **options: Any) -> CommissionFrames:
    """Compute :func:`custvalue.dask.commission` (see its documentation)."""
    opt = with_defaults(_commission.commission, options)
    plan = opt.pop("plan")
    if not isinstance(plan, _commission.CommissionPlan):
        raise InputTypeError(f"`plan` must be a CommissionPlan, got {type(plan).__name__}.")
    frame = check_dask_frame(lines, "lines", [opt["amount_col"]])
    if opt["splits"] is not None and not isinstance(opt["splits"], pd.DataFrame):
        raise InputTypeError(
            f"`splits` must be a pandas DataFrame (the split table is read in memory), got "
            f"{type(opt['splits']).__name__}; fix by computing it first."
        )
    probe = _probe(frame, plan, opt)
    empty = (probe.lines.iloc[:0], probe.statements.iloc[:0], probe.credits.iloc[:0])
    metas = (empty[0], empty[1], empty[2].astype({"line": "int64", "share": _shares(opt)}))
    lengths = [int(x) for x in frame.map_partitions(len).compute()]
    _check_globally(frame, opt, sum(lengths))
    offsets = np.concatenate(([0], np.cumsum(lengths))).tolist()
    sp_col = opt["split_salesperson_col"] or opt["salesperson_col"]
    people, split_lines = (
        _split_groups(opt["splits"], opt["split_line_col"], sp_col)
        if opt["splits"] is not None
        else ({}, {})
    )
    ids_meta = _ids(frame._meta, opt["line_id_col"])
    numeric_links = opt["reference_col"] is not None and all(
        pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype)
        for s in (ids_meta, frame._meta[opt["reference_col"]])
    )
    meta = _with_groups(frame._meta, opt, people, split_lines, offsets, numeric_links)
    keyed = frame.map_partitions(
        _with_groups, opt, people, split_lines, offsets, numeric_links, meta=meta
    )
    if opt["reference_col"] is not None:
        keyed = keyed.shuffle(on=_LINK).map_partitions(
            _sale_groups, opt, numeric_links, meta=meta, align_dataframes=False
        )
    parts = keyed.shuffle(on=_GROUP).to_delayed()
    runs = [delayed(_run)(p, plan, opt, metas) for p in parts]
    # the in-memory dtypes as they are (no conversion of object columns to Arrow strings)
    with dask.config.set({"dataframe.convert-string": False}):
        frames = [
            dd.from_delayed(
                [delayed(operator.getitem)(r, i) for r in runs],
                meta=metas[i],
                verify_meta=False,
            )
            for i in range(3)
        ]
    return CommissionFrames(lines=frames[0], statements=frames[1], credits=frames[2])
