"""The numba decorators used by every kernel, and the rule for using both cores.

Kernels are compiled with fixed options: ``cache=True`` (compiled code is kept
on disk, so only the first run pays compilation), ``error_model="numpy"``
(division by zero gives inf/nan like numpy instead of raising) and
``nogil=True``.  ``fastmath`` is never enabled: NaN/inf semantics must stay
exact.  A kernel never takes another kernel as an argument: numba matches no
cache entry for an argument typed by another dispatcher, so such a kernel (or
one built by a factory around a kernel) would be compiled again in every
process and add an entry to its cache each time.  A loop shared by several
kernels names each of them in a branch of its own
(:mod:`custvalue._clv.grouped`), and every threaded row kernel has a driver of
its own.  numba checks a cached kernel against its own source file only, so in
a working copy, after editing a kernel that a kernel in another file calls,
delete the package's ``__pycache__`` folders (installed copies are not
affected).

Threads.  A kernel that works row by row can be split into chunks of rows:
a serial kernel ``k(lo, hi, ...)`` does rows ``lo:hi`` and a driver compiled
with :func:`jit_threads` runs the chunks of :func:`chunk_bounds` over
``numba.prange``.  Every chunk writes only its own rows and reports its own
first error, and the driver combines the chunks in order, so the result does
not depend on the number of threads or on the chunking.  The only shared
outputs are those the chunking cannot change: a flag every chunk sets alike
(:func:`custvalue._core.ids.offset_codes_into`), and integer sums into a table
per chunk, added in chunk order (``chunk_bounds(n, per_thread=1)`` keeps one
table per thread).  Row work done by numpy's ufuncs instead (their vectorised
``log`` and ``exp`` are several times faster than the scalar ones numba
compiles) runs its chunks on Python threads (:func:`split_blocks`), and a
serial kernel can run on a Python thread while the caller works on Python
objects (:func:`alongside`).  Threads are used only for large inputs, only
from the main thread (a Dask worker thread or any other thread runs the
serial kernel: numba's ``workqueue`` threading layer must never be entered
from two threads at once) and only when ``numba.get_num_threads()`` is above
one (``numba.set_num_threads(1)`` or ``NUMBA_NUM_THREADS=1`` turns them off).
The threading layer is numba's default choice (tbb, then OpenMP, then its own
workqueue); custvalue never changes numba's configuration.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from typing import Final
from typing import TypeVar
from typing import cast

import numba
import numpy as np
import numpy.typing as npt

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")
U = TypeVar("U")

#: Fewest rows of a chunk of a threaded kernel (inputs under two chunks run serially).
MIN_CHUNK: Final = 1 << 17
# chunks per thread: uneven chunks (branchy rows) still balance
_CHUNKS_PER_THREAD = 4


def jit(func: F) -> F:
    """Compile ``func`` with custvalue's fixed numba options."""
    return cast(F, numba.njit(cache=True, error_model="numpy", nogil=True)(func))


def jit_threads(func: F) -> F:
    """Compile a chunk driver (a ``numba.prange`` loop over chunks) with threads on."""
    return cast(F, numba.njit(cache=True, error_model="numpy", nogil=True, parallel=True)(func))


def chunk_bounds(
    n: int, heavy: bool = False, per_thread: int = _CHUNKS_PER_THREAD
) -> npt.NDArray[np.int64] | None:
    """Row bounds of the chunks a threaded kernel splits ``n`` rows into, or None.

    None means: run the serial kernel on all rows (small input, one thread, or
    a call from a thread other than the main thread; see the module docstring).
    ``heavy`` rows (a series or a numerical integral each: microseconds a row)
    are split in chunks 128 times smaller than :data:`MIN_CHUNK`.  At most
    ``per_thread`` chunks a thread: a kernel that sums into a table of its own
    per chunk asks for one.
    """
    least = max(MIN_CHUNK >> 7, 1) if heavy else MIN_CHUNK
    threads = numba.get_num_threads()
    if n < 2 * least or threads < 2 or threading.current_thread() is not threading.main_thread():
        return None
    k = min(n // least, per_thread * threads)
    step, extra = divmod(n, k)
    sizes = np.full(k, step, dtype=np.int64)
    sizes[:extra] += 1
    bounds = np.zeros(k + 1, dtype=np.int64)
    np.cumsum(sizes, out=bounds[1:])
    return bounds


def split_rows(
    kernel: Callable[..., Any],
    chunks: Callable[..., Any],
    n: int,
    args: tuple[Any, ...],
    heavy: bool = False,
) -> Any:
    """Run a row kernel on rows ``0:n``, serially or over the chunks of :func:`chunk_bounds`.

    ``kernel(0, n, *args)`` serially, else ``chunks(bounds, *args)`` (the
    kernel's :func:`jit_threads` driver; ``heavy`` as in :func:`chunk_bounds`):
    the two give the same result.
    """
    bounds = chunk_bounds(n, heavy)
    if bounds is None:
        return kernel(0, n, *args)
    return chunks(bounds, *args)


def split_blocks(work: Callable[[int, int], None], n: int) -> None:
    """Run ``work(lo, hi)`` on rows ``0:n``: serially, or one chunk a thread.

    For row work done by numpy ufuncs (which release the GIL) rather than by
    a numba kernel: the chunks of :func:`chunk_bounds` (one a thread) run on
    Python threads.  ``work`` must write only its own rows, so the result does
    not depend on the chunking.
    """
    bounds = chunk_bounds(n, per_thread=1)
    if bounds is None:
        work(0, n)
        return
    with ThreadPoolExecutor(bounds.size - 1) as pool:
        done = [pool.submit(work, int(lo), int(hi)) for lo, hi in itertools.pairwise(bounds)]
        for future in done:
            future.result()


def alongside(background: Callable[[], T], foreground: Callable[[], U], n: int) -> tuple[T, U]:
    """Return ``(background(), foreground())``, the two run at once on large inputs.

    For a numba kernel (which releases the GIL) that can run while the caller
    does work on Python objects, which holds it: the kernel runs on a Python
    thread when :func:`chunk_bounds` would split ``n`` rows over threads, and
    before ``foreground`` otherwise.  The two must not write what the other
    reads, so the result is the same either way.
    """
    if chunk_bounds(n, per_thread=1) is None:
        return background(), foreground()
    started = threading.Event()

    def run() -> T:
        started.set()
        return background()

    with ThreadPoolExecutor(1) as pool:
        done = pool.submit(run)
        # Wait until the thread runs: work on Python objects here does not give up the
        # GIL, so a thread not yet started would wait for the end of ``foreground``.
        started.wait()
        here = foreground()
        return done.result(), here


@jit
def first_chunk_error(errors: npt.NDArray[np.int64]) -> tuple[int, int]:
    """Return the first ``(code, position)`` row of ``errors`` (one per chunk) with a code.

    ``(0, -1)`` when no chunk failed: the serial kernels' convention, so a
    driver returns exactly what the serial kernel would.
    """
    for c in range(errors.shape[0]):
        if errors[c, 0] != 0:
            return errors[c, 0], errors[c, 1]
    return 0, -1
