"""Timing and memory harness shared by the ``bench_*.py`` modules.

A :class:`Case` is one workload (``group`` and ``size``) solved by several
*contenders*: zero-argument callables that each return their result.  The
contender named ``"custvalue"`` is the baseline; every other contender is a
peer (``"lifetimes"``, ``"pandas"``, ``"polars"``, ``"duckdb"``, ...).

For every contender :func:`run_case`

1. makes one warm-up call (not timed: it absorbs imports, numba compilation
   and first-touch effects) and keeps its output;
2. passes the warm-up outputs of all contenders that succeeded to
   ``case.check``, which asserts that they agree;
3. times ``repeat`` further calls with :func:`time.perf_counter` and keeps the
   best one;
4. makes one more call under :mod:`tracemalloc` and records the peak traced
   allocation above the level at the start of the call.

``tracemalloc`` sees allocations made through Python's allocator, which covers
numpy arrays and pandas objects, but not memory that native libraries (polars,
duckdb, pyarrow, LLVM) allocate by themselves, so their figures are lower
bounds.

A peer whose import fails with :class:`ImportError` is reported as
"not installed"; a contender that raises anything else is reported with the
exception type and a short message.  Neither stops the run.  A failing check
does: it is recorded and makes ``run.py`` exit with a non-zero status.
"""

from __future__ import annotations

import gc
import time
import traceback
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field

__all__ = ["BASELINE", "Case", "CaseResult", "Row", "run_case"]

BASELINE = "custvalue"


@dataclass
class Case:
    """One benchmark workload and the contenders that solve it.

    Attributes
    ----------
    group : str
        What is measured, usually the public function (``"rfm_summary"``);
        ``run.py --only`` selects on it.
    size : str
        Human-readable size label (``"1M customers / 2.6M rows, int ids"``).
    contenders : dict
        Name -> zero-argument callable returning the result.  ``"custvalue"``
        is the baseline of the ratios.
    check : callable, optional
        Receives ``{name: warm-up output}`` for every contender that ran and
        raises (``AssertionError`` or anything else) if they disagree.
    repeat : int
        Timed calls per contender after the warm-up; the best is reported.
    note : str
        Printed under the table (input format, reduced sizes, ...).
    repeat_for : dict
        Per-contender override of ``repeat`` (e.g. ``{"lifetimes": 1}``).
    setup : callable, optional
        Called once before the contenders (untimed), e.g. to build the input.
    teardown : callable, optional
        Called once afterwards, e.g. to release the input.
    memory : bool
        Measure the tracemalloc peak (one extra call per contender).
    """

    group: str
    size: str
    contenders: dict[str, Callable[[], object]]
    check: Callable[[dict[str, object]], None] | None = None
    repeat: int = 3
    note: str = ""
    repeat_for: dict[str, int] = field(default_factory=dict)
    setup: Callable[[], object] | None = None
    teardown: Callable[[], object] | None = None
    memory: bool = True


@dataclass
class Row:
    """Measurement of one contender in one case."""

    group: str
    size: str
    contender: str
    seconds: float | None = None
    ratio: float | None = None
    peak_mib: float | None = None
    runs: int = 0
    status: str = "ok"  # "ok", "not installed", "error"
    message: str = ""


@dataclass
class CaseResult:
    """All rows of a case and the outcome of its check."""

    case: Case
    rows: list[Row]
    check_error: str | None = None
    setup_error: str | None = None

    @property
    def failed(self) -> bool:
        return self.check_error is not None or self.setup_error is not None


def _short(exc: BaseException, limit: int = 70) -> str:
    text = " ".join(str(exc).split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _peak_traced(func: Callable[[], object]) -> float:
    """Peak tracemalloc allocation (MiB) above the level at the start of ``func()``."""
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base, _ = tracemalloc.get_traced_memory()
        out = func()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del out
    return max(peak - base, 0) / 2**20


def _best_time(func: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        out = func()
        elapsed = time.perf_counter() - t0
        del out
        best = min(best, elapsed)
    return best


def run_case(case: Case, log: Callable[[str], None] = print) -> CaseResult:
    """Warm up, check, time and measure every contender of ``case``."""
    rows = {name: Row(case.group, case.size, name) for name in case.contenders}
    result = CaseResult(case, list(rows.values()))

    if case.setup is not None:
        log(f"[{case.group} | {case.size}] setup")
        try:
            case.setup()
        except Exception as exc:
            result.setup_error = _short(exc)
            traceback.print_exc()
            for row in rows.values():
                row.status, row.message = "error", "setup failed"
            return result

    try:
        # 1. warm-up, outputs kept for the check
        outputs: dict[str, object] = {}
        for name, func in case.contenders.items():
            log(f"[{case.group} | {case.size}] warm-up {name}")
            try:
                outputs[name] = func()
            except ImportError as exc:
                rows[name].status = "not installed"
                rows[name].message = f"not installed ({exc.name or exc})"
            except Exception as exc:
                rows[name].status = "error"
                rows[name].message = _short(exc)
                traceback.print_exc()

        # 2. agreement check on the warm-up outputs
        if case.check is not None and outputs:
            try:
                case.check(outputs)
            except Exception as exc:
                result.check_error = _short(exc, limit=2000)
                log(f"[{case.group} | {case.size}] CHECK FAILED")
                traceback.print_exc()
        outputs.clear()
        gc.collect()

        # 3. timing and 4. memory
        for name, func in case.contenders.items():
            row = rows[name]
            if row.status != "ok":
                continue
            n = case.repeat_for.get(name, case.repeat)
            log(f"[{case.group} | {case.size}] time {name} (best of {n})")
            try:
                row.seconds = _best_time(func, n)
                row.runs = n
                if case.memory:
                    row.peak_mib = _peak_traced(func)
            except Exception as exc:
                row.status, row.message = "error", _short(exc)
                row.seconds = None
                traceback.print_exc()
    finally:
        if case.teardown is not None:
            case.teardown()
        gc.collect()

    base = rows.get(BASELINE)
    if base is not None and base.seconds:
        for row in rows.values():
            if row.seconds is not None:
                row.ratio = row.seconds / base.seconds
    return result
