"""Run the custvalue benchmarks and print a comparison table.

Usage (from the repository root)::

    python benchmarks/run.py [--quick] [--only GROUP ...] [--markdown FILE] [--list]

Every ``benchmarks/bench_*.py`` module exposes ``cases(quick: bool) -> list[Case]``;
all cases run in this one process (standalone scripts such as ``scale_dask.py``
are named otherwise and are not collected).  For each contender the table shows the best
wall time over the timed calls, the ratio ``peer time / custvalue time`` (so
``20.0×`` means custvalue is 20 times faster, ``0.5×`` that the peer is twice
as fast) and the tracemalloc peak.  See ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from _harness import BASELINE  # noqa: E402
from _harness import Case  # noqa: E402
from _harness import CaseResult  # noqa: E402
from _harness import Row  # noqa: E402
from _harness import run_case  # noqa: E402

HEADER = ("group", "size", "contender", "best time (s)", "ratio", "peak MiB")

METHOD_NOTES = (
    "Each contender is called once untimed first (imports, numba compilation and "
    "caches are excluded), then the best of the timed calls is reported.",
    "ratio = contender time / custvalue time: 20.0× means custvalue is 20 times "
    "faster; below 1.0× the peer is faster.",
    "peak MiB = tracemalloc peak during one extra call: it covers numpy/pandas "
    "allocations, not memory that native engines (polars, duckdb, LLVM) allocate "
    "themselves.",
)


def _version(module: str) -> str:
    try:
        mod = importlib.import_module(module)
    except Exception:
        return "not installed"
    return str(getattr(mod, "__version__", "?"))


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_facts() -> list[tuple[str, str]]:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0
    facts = [
        ("CPU", _cpu_model()),
        ("CPUs (logical / usable)", f"{os.cpu_count()} / {usable}"),
        ("OS", f"{platform.system()} {platform.release()}"),
        ("python", platform.python_version()),
    ]
    for module in ("custvalue", "numpy", "pandas", "numba", "lifetimes", "polars", "duckdb"):
        facts.append((module, _version(module)))
    return facts


def discover() -> list[str]:
    return sorted(p.stem for p in HERE.glob("bench_*.py"))


def collect(quick: bool) -> tuple[list[Case], list[str]]:
    cases: list[Case] = []
    errors: list[str] = []
    for name in discover():
        try:
            module = importlib.import_module(name)
            if not callable(getattr(module, "cases", None)):
                errors.append(
                    f"{name}: no cases(quick) function; a standalone script must not be "
                    f"named bench_*.py"
                )
                continue
            got = list(module.cases(quick))
        except Exception as exc:
            traceback.print_exc()
            errors.append(f"{name}: {type(exc).__name__}: {exc}")
            continue
        for case in got:
            if not isinstance(case, Case):
                errors.append(f"{name}: cases() returned {type(case).__name__}, not Case")
                continue
            cases.append(case)
    return cases, errors


def _fmt_time(row: Row) -> str:
    if row.seconds is None:
        return row.message or row.status
    s = row.seconds
    if s >= 100:
        return f"{s:.0f}"
    if s >= 1:
        return f"{s:.2f}"
    if s >= 0.01:
        return f"{s:.3f}"
    return f"{s:.2g}"


def _fmt_ratio(row: Row) -> str:
    if row.ratio is None:
        return "–"
    if row.contender == BASELINE:
        return "1.0× (base)"
    r = row.ratio
    return f"{r:.1f}×" if r >= 1 else f"{r:.2f}×"


def _fmt_mem(row: Row) -> str:
    if row.peak_mib is None:
        return "–"
    return f"{row.peak_mib:.0f}" if row.peak_mib >= 10 else f"{row.peak_mib:.1f}"


def table_rows(results: list[CaseResult]) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for res in results:
        for row in res.rows:
            time_text = _fmt_time(row)
            if row.seconds is not None and row.runs == 1:
                time_text += " (1 run)"
            out.append(
                (row.group, row.size, row.contender, time_text, _fmt_ratio(row), _fmt_mem(row))
            )
        if res.check_error:
            out.append((res.case.group, res.case.size, "CHECK FAILED", "(see below)", "", ""))
    return out


def format_text(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(r[i]) for r in [HEADER, *rows]) for i in range(len(HEADER))]
    right = {3, 4, 5}

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(
            c.rjust(w) if i in right and c[:1] in "0123456789–" else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    sep = "  ".join("-" * w for w in widths)
    return "\n".join([line(HEADER), sep, *(line(r) for r in rows)])


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|")


def format_markdown(
    rows: list[tuple[str, ...]], facts: list[tuple[str, str]], notes: list[str]
) -> str:
    lines = [
        "| " + " | ".join(HEADER) + " |",
        "|" + "|".join([":--", ":--", ":--", "--:", "--:", "--:"]) + "|",
    ]
    lines += ["| " + " | ".join(_md_cell(c) for c in r) + " |" for r in rows]
    lines.append("")
    lines += [f"- {n}" for n in notes]
    lines.append("")
    lines.append("Machine: " + "; ".join(f"{k} {v}" for k, v in facts) + ".")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (under a minute)")
    parser.add_argument(
        "--only", nargs="+", metavar="GROUP", help="run only these groups (e.g. rfm_summary)"
    )
    parser.add_argument("--markdown", metavar="FILE", help="also write the table as markdown")
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    args = parser.parse_args(argv)

    facts = machine_facts()
    print("custvalue benchmarks" + (" (quick)" if args.quick else ""))
    for key, value in facts:
        print(f"  {key:<24} {value}")
    print()

    cases, errors = collect(args.quick)
    if args.only:
        wanted = set(args.only)
        unknown = wanted - {c.group for c in cases}
        if unknown:
            errors.append("no case in group(s): " + ", ".join(sorted(unknown)))
        cases = [c for c in cases if c.group in wanted]

    if args.list:
        for case in cases:
            print(f"{case.group:<24} {case.size:<40} {', '.join(case.contenders)}")
        for err in errors:
            print(f"ERROR {err}", file=sys.stderr)
        return 1 if errors else 0

    results: list[CaseResult] = []
    for case in cases:
        results.append(run_case(case, log=lambda msg: print(msg, file=sys.stderr, flush=True)))

    rows = table_rows(results)
    notes = list(METHOD_NOTES)
    for res in results:
        note = f"{res.case.group}: {res.case.note}"
        if res.case.note and note not in notes:
            notes.append(note)

    print()
    print(format_text(rows))
    print()
    for n in notes:
        print(f"* {n}")

    if args.markdown:
        Path(args.markdown).write_text(format_markdown(rows, facts, notes), encoding="utf-8")
        print(f"\nmarkdown written to {args.markdown}")

    failed = [r for r in results if r.failed]
    for res in failed:
        print(
            f"\nFAILED {res.case.group} ({res.case.size}): {res.check_error or res.setup_error}",
            file=sys.stderr,
        )
    for err in errors:
        print(f"\nERROR {err}", file=sys.stderr)
    return 1 if failed or errors else 0


if __name__ == "__main__":
    sys.exit(main())
