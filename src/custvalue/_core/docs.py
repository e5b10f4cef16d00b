"""Shared numpydoc fragments: a parameter of the common vocabulary is described once.

A docstring holds a line ``%(name)s`` where the entry ``name`` goes; :func:`fill_doc`
replaces it, indented like the placeholder, when the module is imported.  The
rendered docstring (``help()``, Sphinx, doctests) is the filled one.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from collections.abc import Mapping
from typing import TypeVar

_T = TypeVar("_T")
_SLOT = re.compile(r"^(?P<indent>[ \t]*)%\((?P<name>\w+)\)s[ \t]*$", re.MULTILINE)


def fill_doc(*entries: Mapping[str, str]) -> Callable[[_T], _T]:
    """Return a decorator filling the ``%(name)s`` lines of a docstring from ``entries``.

    Later mappings win over earlier ones.  An unknown name is a programming error
    and raises ``KeyError`` at import time.  On a class, the docstrings of the
    class and of the methods defined in its body are filled.
    """
    table: dict[str, str] = {}
    for entry in entries:
        table.update(entry)

    def fill(match: re.Match[str]) -> str:
        text = textwrap.dedent(table[match.group("name")]).strip("\n")
        return textwrap.indent(text, match.group("indent"))

    def fill_one(obj: object) -> None:
        doc = getattr(obj, "__doc__", None)
        if doc:  # python -OO strips docstrings
            obj.__doc__ = _SLOT.sub(fill, doc)

    def decorate(obj: _T) -> _T:
        if isinstance(obj, type):
            for member in vars(obj).values():
                func = getattr(member, "__func__", member)  # classmethod, staticmethod
                if callable(func):
                    fill_one(func)
        fill_one(obj)
        return obj

    return decorate


#: The options of every function reading a transaction log.
LOG_PARAMS: dict[str, str] = {
    "customer_col": """
        customer_col : str, default "customer_id"
            Column with the customer id (any hashable type; missing ids of any
            dtype, including ``pd.NA`` in nullable columns, are an error).
        """,
    "date_col": """
        date_col : str, default "date"
            Column with the purchase time: ``datetime64`` (naive or time-zone
            aware), Arrow-backed timestamps or dates (``timestamp[ns][pyarrow]``),
            or numeric.  Strings are parsed only with ``date_format``; integers
            that all look like yyyymmdd dates (``19970101``) are refused unless
            ``date_format`` is given.
        """,
    "observation_end": """
        observation_end : date, pandas.Period or number, optional
            End of the observation window (str, datetime, numpy.datetime64,
            pandas.Timestamp or pandas.Period; a number for numeric time).
            Defaults to the latest transaction.  A Period stands for its whole
            span: the window ends in the period holding the Period's last
            instant (``pd.Period("2024-03", "M")`` includes all of March).
            Transactions in later periods are excluded (as in lifetimes).
        """,
    "freq": """
        freq : str, optional
            Period length for datetime columns: ``"D"`` (the default when None),
            ``"W"`` (Monday–Sunday), ``"M"`` or any pandas period alias, with
            multiples honoured: ``"7D"`` is a period of 7 days, ``"2M"`` of two
            calendar months (anchored on pandas' base ordinal 0, so ``"2M"``
            groups January–February, March–April ...).  Must be None for a
            numeric time column (its values are used as they are).
        """,
    "returns": """
        returns : {"error", "net", "drop"}, default "error"
            Policy for negative amounts (returns): ``"error"`` refuses them,
            ``"drop"`` ignores the negative lines, ``"net"`` sums the amounts
            per customer and period and a period whose net is ``<= 0`` is not a
            purchase occasion.  Without ``amount_col`` there is nothing to net.
        """,
    "date_format": """
        date_format : str, optional
            strftime format parsing a string or integer date column, e.g.
            ``"%Y%m%d"`` for ``19970101`` (``pandas.to_datetime(..., format=...)``;
            lifetimes calls it ``datetime_format``).  Ignored for datetime columns.
        """,
    "time_unit": """
        time_unit : float, default 1
            Length of the output time unit in periods: ``recency``, ``T`` and
            ``inactivity`` are divided by it, so a daily summary is expressed in
            weeks with ``time_unit=7`` (lifetimes: ``freq_multiplier``;
            pymc-marketing: ``time_scaler``).  Purchases are still counted per
            period of ``freq``.
        """,
}
