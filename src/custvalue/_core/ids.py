"""Dense coding of ids: codes ``0..k-1`` per distinct id, and the order that sorts them.

String ids are coded without Python objects: the strings are taken as an Arrow
``large_string`` array (zero-copy for Arrow-backed pandas columns, one
conversion for object columns of ``str``), and a numba kernel sorts their UTF-8
bytes (a most-significant-digit sort on 8-byte big-endian words, the first word
by radix sort) and numbers the runs of equal strings.  Sorting beats hashing
here: it reads the bytes in order, where a hash table of millions of slots
misses the cache on almost every row.  UTF-8
byte order is code-point order, so the ids come out sorted exactly as Python
sorts ``str``.  The distinct ids of an object column are the caller's own
``str`` objects (a gather of one occurrence of each, no new strings); those of
an Arrow-backed column are taken from the Arrow array (one gather in C).  Both
gathers wait until the ids are first asked for (:class:`Distinct`, from
:func:`code_ids`), so that a caller can do them while a kernel runs.
Categorical ids reuse their codes and keep the category order.
:func:`factorize_sorted_ids` tells whether the coding put the ids in ascending
order, so that callers need not check the order of the distinct ids again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from numba import prange

from custvalue._core.jit import jit
from custvalue._core.jit import jit_threads
from custvalue._core.jit import split_rows
from custvalue.errors import InputTypeError

IntArray = npt.NDArray[np.int64]
ByteArray = npt.NDArray[np.uint8]
BoolArray = npt.NDArray[np.bool_]
PermArray = npt.NDArray[np.int32] | npt.NDArray[np.int64]  # a permutation: int32 if it fits


def offset_codes(values: IntArray, low: int, span: int) -> tuple[IntArray, IntArray]:
    """Code integer ids by their offset from ``low = values.min()``, in ascending id order.

    Returns the code of each value and the sorted distinct offsets.
    """
    codes = np.empty(values.shape[0], dtype=np.int64)
    return codes, offset_codes_into(values, low, span, codes)


def offset_codes_into(values: IntArray, low: int, span: int, out: IntArray) -> IntArray:
    """:func:`offset_codes` writing the codes into ``out`` (which may be ``values`` itself).

    Every value must lie in ``low .. low + span - 1``.  Returns the sorted
    distinct offsets.
    """
    return _key_codes(values, _NO_MINOR, 1, low, span, out)


_NO_MINOR = np.zeros(0, dtype=np.int64)
_INT64_MAX = int(np.iinfo(np.int64).max)


def _key_codes(
    major: IntArray, minor: IntArray, n_minor: int, low: int, span: int, out: IntArray
) -> IntArray:
    """Codes of the keys ``(major - low) * n_minor + minor`` (``n_minor == 1``: ``major - low``).

    The keys lie in ``0 .. span - 1``.  Two passes over the rows, each split
    over threads for large inputs (:func:`custvalue._core.jit.split_rows`):
    one marks the keys present (a flag every chunk sets alike, so the table
    does not depend on the chunking), one writes each row's code into
    ``out``.  Returns the sorted distinct keys.
    """
    present = np.zeros(span, dtype=np.bool_)
    keys = (major, minor, n_minor, low)
    n = major.shape[0]
    split_rows(_mark_range, _mark_chunks, n, (keys, present))
    code_of, kept = _number_present(present)
    split_rows(_code_range, _code_chunks, n, (keys, code_of, out))
    return kept


Keys = tuple[IntArray, IntArray, int, int]  # (major, minor, n_minor, low) of _key_codes


@jit
def _key(keys: Keys, i: int) -> int:
    major, minor, n_minor, low = keys
    key: int = (major[i] - low) * n_minor + minor[i] if n_minor > 1 else major[i] - low
    return key


@jit
def _mark_range(lo: int, hi: int, keys: Keys, present: BoolArray) -> None:
    for i in range(lo, hi):
        j = _key(keys, i)
        if not present[j]:  # read first: threads writing one table would contend for it
            present[j] = True


@jit_threads
def _mark_chunks(bounds: IntArray, keys: Keys, present: BoolArray) -> None:
    major, minor, n_minor, low = keys  # unpacked for prange, as in the commission kernels
    for c in prange(bounds.size - 1):
        _mark_range(bounds[c], bounds[c + 1], (major, minor, n_minor, low), present)


@jit
def _number_present(present: BoolArray) -> tuple[IntArray, IntArray]:
    """Code of each present key (ascending) and the present keys."""
    span = present.shape[0]
    code_of = np.empty(span, dtype=np.int64)
    kept = np.empty(span, dtype=np.int64)
    k = 0
    for s in range(span):
        if present[s]:
            code_of[s] = k
            kept[k] = s
            k += 1
    return code_of, kept[:k].copy()


@jit
def _code_range(lo: int, hi: int, keys: Keys, code_of: IntArray, out: IntArray) -> None:
    for i in range(lo, hi):
        out[i] = code_of[_key(keys, i)]


@jit_threads
def _code_chunks(bounds: IntArray, keys: Keys, code_of: IntArray, out: IntArray) -> None:
    major, minor, n_minor, low = keys
    for c in prange(bounds.size - 1):
        _code_range(bounds[c], bounds[c + 1], (major, minor, n_minor, low), code_of, out)


def pair_codes(
    major: IntArray, n_major: int, minor: IntArray, n_minor: int
) -> tuple[IntArray, IntArray]:
    """Dense codes of the pairs ``(major, minor)`` in ascending order, and the pairs kept.

    ``0 <= major < n_major`` and ``0 <= minor < n_minor`` (with ``n_minor == 1``
    ``minor`` is 0 and not read: it may be empty); a pair is the key
    ``major * n_minor + minor``.  Returns the
    code of each row and the sorted distinct keys.  Keys spread over a range
    much wider than the rows are coded by sorting (:func:`numpy.unique`)
    instead of by offset.
    """
    n = major.shape[0]
    size = n_major * n_minor
    if size <= 4 * n + 1024:
        codes = np.empty(n, dtype=np.int64)
        return codes, _key_codes(major, minor, n_minor, 0, size, codes)
    key = major * n_minor + minor if n_minor > 1 else major
    kept, inverse = np.unique(key, return_inverse=True)
    return np.ascontiguousarray(inverse.reshape(-1), dtype=np.int64), kept


@jit
def _word(data: ByteArray, start: int, end: int, depth: int) -> np.uint64:
    """Bytes ``depth .. depth + 7`` of a string as a big-endian word (zero padded)."""
    w = np.uint64(0)
    for q in range(8):
        p = start + depth + q
        w = w << np.uint64(8)
        if p < end:
            w |= np.uint64(data[p])
    return w


@jit
def _length_class(offsets: IntArray, r: int, depth: int) -> np.uint8:
    """0..8: the string ends ``c`` bytes into the word at ``depth``; 9: it goes on."""
    return np.uint8(min(max(offsets[r + 1] - offsets[r] - depth, 0), 9))


@jit
def _radix_argsort(
    keys: npt.NDArray[np.uint64], classes: ByteArray, perm: PermArray
) -> tuple[PermArray, npt.NDArray[np.uint64], ByteArray]:
    """Sort ``perm`` (``0..n-1``) stably by ``(keys, classes)`` (least-significant-digit radix).

    Keys and classes (one byte each) travel with the permutation, so every pass
    reads in order; the classes only when they differ, and the permutation is
    int32 below 2**31 rows (fewer bytes moved a pass: 25% faster).
    Returns the permutation and the sorted keys and classes.
    """
    n = keys.shape[0]
    k_in, c_in = keys.copy(), classes.copy()
    one_class = True
    for i in range(1, n):
        if classes[i] != classes[0]:
            one_class = False
            break
    p_out = np.empty_like(perm)
    k_out = np.empty(n, dtype=np.uint64)
    c_out = np.empty(n, dtype=np.uint8)
    count = np.empty(65537, dtype=np.int64)
    mask = np.uint64(65535)
    for digit in range(1 if one_class else 0, 5):  # digit 0: the class, then 16-bit key digits
        shift = np.uint64(16 * (digit - 1)) if digit > 0 else np.uint64(0)
        count[:] = 0
        for i in range(n):
            d = c_in[i] if digit == 0 else (k_in[i] >> shift) & mask
            count[d + np.uint64(1)] += 1
        if count.max() == n:  # every element has the same digit here
            continue
        for d in range(65536):
            count[d + 1] += count[d]
        for i in range(n):
            d = c_in[i] if digit == 0 else (k_in[i] >> shift) & mask
            j = count[d]
            count[d] += 1
            p_out[j] = perm[i]
            k_out[j] = k_in[i]
            if not one_class:  # all classes equal: they stay where they are
                c_out[j] = c_in[i]
        perm, p_out = p_out, perm
        k_in, k_out = k_out, k_in
        if not one_class:
            c_in, c_out = c_out, c_in
    return perm, k_in, c_in


@jit
def _sort_run(
    offsets: IntArray,
    data: ByteArray,
    rows: IntArray,
    perm: PermArray,
    sk: npt.NDArray[np.uint64],
    sc: ByteArray,
    keys: npt.NDArray[np.uint64],
    spare: PermArray,
    lo: int,
    hi: int,
    depth: int,
) -> None:
    """Sort ``perm[lo:hi]`` stably by (word at ``depth``, length class), filling ``sk``/``sc``.

    A short run is sorted by insertion on the (word, class) pairs; a long one by
    a merge sort of the words, then by insertion on the class within equal words.
    """
    if hi - lo <= 32:
        for t in range(lo, hi):
            r = rows[perm[t]]
            sk[t] = _word(data, offsets[r], offsets[r + 1], depth)
            sc[t] = _length_class(offsets, r, depth)
        for t in range(lo + 1, hi):
            v, kv, cv = perm[t], sk[t], sc[t]
            u = t - 1
            while u >= lo and (sk[u] > kv or (sk[u] == kv and sc[u] > cv)):
                perm[u + 1], sk[u + 1], sc[u + 1] = perm[u], sk[u], sc[u]
                u -= 1
            perm[u + 1], sk[u + 1], sc[u + 1] = v, kv, cv
        return
    for t in range(lo, hi):
        r = rows[perm[t]]
        keys[t] = _word(data, offsets[r], offsets[r + 1], depth)
    o = np.argsort(keys[lo:hi], kind="mergesort")
    spare[lo:hi] = perm[lo:hi]
    for t in range(hi - lo):
        perm[lo + t] = spare[lo + o[t]]
    a = lo
    while a < hi:
        r = rows[perm[a]]
        w = _word(data, offsets[r], offsets[r + 1], depth)
        b = a + 1
        while b < hi:
            r2 = rows[perm[b]]
            if _word(data, offsets[r2], offsets[r2 + 1], depth) != w:
                break
            b += 1
        # insertion sort of the run by class (stable; runs are short or of one class)
        for t in range(a + 1, b):
            v = perm[t]
            cv = _length_class(offsets, rows[v], depth)
            u = t - 1
            while u >= a and _length_class(offsets, rows[perm[u]], depth) > cv:
                perm[u + 1] = perm[u]
                u -= 1
            perm[u + 1] = v
        a = b
    for t in range(lo, hi):
        r = rows[perm[t]]
        sk[t] = _word(data, offsets[r], offsets[r + 1], depth)
        sc[t] = _length_class(offsets, r, depth)


@jit
def _sort_strings(
    offsets: IntArray,
    data: ByteArray,
    rows: IntArray,
    keys: npt.NDArray[np.uint64],
    classes: ByteArray,
    perm: PermArray,
) -> tuple[IntArray, BoolArray, IntArray]:
    """Sort the ``rows`` by their strings, and find the runs of equal strings.

    ``keys`` and ``classes`` are the first words and length classes of the rows
    (:func:`_first_words`; ``keys`` is overwritten), ``perm`` is ``0..k-1``
    for the ``k`` rows.  Returns the rows in sorted-string order, where each
    run of equal strings starts, and the first row of each distinct string
    (distinct strings in ascending byte order).

    A most-significant-digit sort on 8-byte big-endian words with a length
    class (the number of bytes of the string within the word, 9 if it goes on):
    strings of equal word and class ``< 9`` are equal (a string ending inside
    the word is a prefix of the longer ones, so it sorts first); a run of equal
    word and class 9 is sorted again by the next word.  The first level is a
    radix sort; the deeper runs (long shared prefixes) a comparison sort.
    """
    k = rows.shape[0]
    perm, sk, sc = _radix_argsort(keys, classes, perm)
    starts = np.empty(k, dtype=np.bool_)
    stack_lo = np.empty(k + 1, dtype=np.int64)
    stack_hi = np.empty(k + 1, dtype=np.int64)
    stack_depth = np.empty(k + 1, dtype=np.int64)
    spare = np.empty_like(perm)
    stack_lo[0], stack_hi[0], stack_depth[0] = 0, k, 0
    top = 1 if k > 0 else 0
    while top > 0:
        top -= 1
        lo, hi, depth = stack_lo[top], stack_hi[top], stack_depth[top]
        if depth > 0:  # a run of equal words of class 9: sort it by (next word, class)
            _sort_run(offsets, data, rows, perm, sk, sc, keys, spare, lo, hi, depth)
        else:
            starts[0] = True
        deeper = False
        for t in range(lo + 1, hi):
            starts[t] = (sk[t] != sk[t - 1]) | (sc[t] != sc[t - 1])
            deeper |= sc[t] == 9
        if not (deeper or sc[lo] == 9):
            continue
        a = lo
        for t in range(lo + 1, hi + 1):  # push the runs of equal word and class 9
            if t == hi or starts[t]:
                if t - a > 1 and sc[a] == 9:
                    stack_lo[top], stack_hi[top], stack_depth[top] = a, t, depth + 8
                    top += 1
                a = t
    # ascending rows of every string are 0..n-1: their order is the permutation itself
    order = perm.astype(np.int64) if rows.shape[0] == offsets.shape[0] - 1 else rows[perm]
    return order, starts, order[starts]


Words = tuple[IntArray, ByteArray, IntArray]  # (offsets, data, rows) of _first_words


@jit
def _first_words(
    lo: int, hi: int, strings: Words, keys: npt.NDArray[np.uint64], classes: ByteArray
) -> None:
    """First 8-byte word and length class of the strings of ``rows[lo:hi]``."""
    offsets, data, rows = strings
    for t in range(lo, hi):
        r = rows[t]
        keys[t] = _word(data, offsets[r], offsets[r + 1], 0)
        classes[t] = _length_class(offsets, r, 0)


@jit_threads
def _first_words_chunks(
    bounds: IntArray, strings: Words, keys: npt.NDArray[np.uint64], classes: ByteArray
) -> None:
    offsets, data, rows = strings  # unpacked for prange
    for c in prange(bounds.size - 1):
        _first_words(bounds[c], bounds[c + 1], (offsets, data, rows), keys, classes)


@jit
def _run_codes(order: IntArray, starts: BoolArray, n: int) -> IntArray:
    """Code of each of ``n`` rows: the number of its run in ``order`` (``-1`` if not in it)."""
    codes = np.empty(n, dtype=np.int64) if order.shape[0] == n else np.full(n, -1, dtype=np.int64)
    k = -1
    for t in range(order.shape[0]):
        k += starts[t]
        codes[order[t]] = k
    return codes


@jit
def _same_bytes(data: ByteArray, a: int, b: int, n: int) -> bool:
    for p in range(n):
        if data[a + p] != data[b + p]:
            return False
    return True


def _arrow_strings(ids: pd.Series) -> Any:
    """Return the ids as an Arrow ``large_string`` array, or None if not all are strings."""
    dtype = ids.dtype
    arrow_backed = (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow") or (
        isinstance(dtype, pd.ArrowDtype) and dtype.kind in "OU"
    )
    if not arrow_backed and not (dtype == np.dtype(object) and _may_be_strings(ids)):
        return None
    try:
        import pyarrow as pa
    except ImportError:  # pragma: no cover - an object column without pyarrow installed
        return None
    try:
        # Without a type, Arrow infers one from all the values: a string type only
        # when every value is a str or missing (str and bytes make a binary array).
        arr = pa.array(ids.array if arrow_backed else ids.to_numpy(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeError):  # e.g. lone surrogates
        return None
    if not (
        pa.types.is_large_string(arr.type)
        or pa.types.is_string(arr.type)
        or pa.types.is_string_view(arr.type)
    ):
        return None
    if not pa.types.is_large_string(arr.type):
        arr = arr.cast(pa.large_string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr


def _may_be_strings(ids: pd.Series) -> bool:
    """Whether the first value of an object column is a str or missing (cheap pre-check)."""
    first = ids.iloc[0]
    if isinstance(first, float):  # NaN (a float subclass such as np.float64 included)
        return bool(np.isnan(first))
    return isinstance(first, str) or first is None or first is pd.NA


def _data_bytes(buffer: Any) -> ByteArray:
    """Return the data buffer of an Arrow string array as bytes (one zero byte if empty)."""
    if buffer is None or buffer.size == 0:
        return np.zeros(1, dtype=np.uint8)
    return np.frombuffer(buffer, dtype=np.uint8)


def _string_runs(arr: Any) -> tuple[IntArray, BoolArray, IntArray]:
    """:func:`_sort_strings` of an Arrow large_string array (nulls in no run)."""
    n = len(arr)
    bufs = arr.buffers()
    offsets = np.ascontiguousarray(
        np.frombuffer(bufs[1], dtype=np.int64)[arr.offset : arr.offset + n + 1]
    )
    data = _data_bytes(bufs[2])
    if arr.null_count:
        valid = np.asarray(arr.is_valid().to_numpy(zero_copy_only=False), dtype=np.bool_)
        rows = np.flatnonzero(valid).astype(np.int64)
    else:
        rows = np.arange(n, dtype=np.int64)
    k = rows.shape[0]
    keys = np.empty(k, dtype=np.uint64)
    classes = np.empty(k, dtype=np.uint8)
    split_rows(_first_words, _first_words_chunks, k, ((offsets, data, rows), keys, classes))
    perm: PermArray = np.arange(k, dtype=np.int32) if k < 2**31 else np.arange(k, dtype=np.int64)
    return _sort_strings(offsets, data, rows, keys, classes, perm)


def _categorical_codes(ids: pd.Series) -> tuple[IntArray, pd.Index]:
    """Dense codes of the categories present, in category order (``-1`` for missing)."""
    raw = np.asarray(ids.cat.codes, dtype=np.int64) + 1  # 0 = missing
    n_categories = len(ids.cat.categories)
    codes, kept = offset_codes(raw, 0, n_categories + 1)
    if kept.shape[0] and kept[0] == 0:
        codes -= 1
        kept = kept[1:]
    uniques = pd.Categorical.from_codes(kept - 1, dtype=ids.dtype)  # type: ignore[call-overload]
    return codes, pd.CategoricalIndex(uniques)


def factorize_ids(ids: pd.Series) -> tuple[IntArray, pd.Index]:
    """Codes ``0..k-1`` for the customer ids and the ids themselves (``-1`` for missing).

    Integer ids spanning a range not much wider than the log are coded by
    offset, which needs no hashing and yields the ids already sorted.  String
    ids (Python ``str`` objects, ``string[pyarrow]``, pandas' ``str``, Arrow
    strings) are sorted on their UTF-8 bytes and also come out sorted (ids of an
    object column as the caller's own objects), as do categoricals (in category
    order).  Missing ids of every dtype (NaN, None, ``pd.NA`` in nullable
    ``Int64`` or ``string[pyarrow]`` columns, NaT) get code ``-1``.
    """
    codes, uniques, _ = factorize_sorted_ids(ids)
    return codes, uniques


def int_range(ids: pd.Series) -> tuple[IntArray, int, int, np.dtype[Any]] | None:
    """Return the ids as int64 with their minimum, span and dtype, if coded by offset.

    That is, integer ids (numpy, or nullable/Arrow without missing values)
    spanning a range not much wider than their number; None otherwise.
    """
    plain = isinstance(ids.dtype, np.dtype)
    if not (ids.dtype.kind in "iu" and len(ids) and (plain or not ids.hasnans)):
        return None
    values = ids.to_numpy() if plain else ids.to_numpy(dtype=ids.dtype.numpy_dtype)  # type: ignore[union-attr]
    low, high = int(values.min()), int(values.max())
    if high - low >= 4 * len(values) + 1024 or high > _INT64_MAX:  # uint64 beyond int64
        return None
    return np.ascontiguousarray(values, dtype=np.int64), low, high - low + 1, values.dtype


def offset_pair_codes(
    values: IntArray, low: int, span: int, minor: IntArray, n_minor: int
) -> tuple[IntArray, IntArray, IntArray] | None:
    """:func:`pair_codes` of integer ids and ``minor`` without coding the ids first.

    ``values`` lie in ``low .. low + span - 1`` (see :func:`int_range`).  The
    pairs are coded on the ids' offsets directly, and the distinct ids read
    off the pairs present.  Returns the code of each row, the sorted distinct
    keys ``id code * n_minor + minor`` (id codes: ranks of the distinct ids)
    and the distinct id offsets; None when the table of offset pairs would
    be much larger than the rows (then code the ids, then the pairs).
    """
    n = values.shape[0]
    size = span * n_minor
    if size > 4 * n + 1024:
        return None
    codes = np.empty(n, dtype=np.int64)
    kept = _key_codes(values, minor, n_minor, low, size, codes)
    off = kept // n_minor  # ascending: the ids of the pairs present
    starts = np.ones(off.size, dtype=np.bool_)
    np.not_equal(off[1:], off[:-1], out=starts[1:])
    id_code = np.cumsum(starts) - 1
    return codes, id_code * n_minor + kept % n_minor, off[starts]


class Distinct:
    """The distinct ids of a coded column, built when first asked for (then kept).

    Ready for most columns.  For string ids they are one occurrence of each
    distinct string, gathered from the column: for an object column that is
    work on Python objects (a reference count touched at a random address per
    customer: 60 ms for 1M customers), which a caller can run while a numba
    kernel groups the lines (:func:`custvalue._core.jit.alongside`); it asks
    :attr:`pending` whether there is any to do.
    """

    __slots__ = ("_build", "_index", "_lock", "_n")

    def __init__(
        self, n: int, build: Callable[[], pd.Index] | None, index: pd.Index | None = None
    ) -> None:
        self._n = n
        self._build = build
        self._index = index
        self._lock = threading.Lock()

    @classmethod
    def ready(cls, index: pd.Index) -> Distinct:
        """Wrap distinct ids already built."""
        return cls(len(index), None, index)

    def __len__(self) -> int:
        return self._n

    @property
    def pending(self) -> bool:
        """Whether :meth:`index` has work to do."""
        return self._index is None

    def index(self) -> pd.Index:
        """Return the distinct ids, in code order (built on the first call)."""
        with self._lock:
            if self._index is None:
                assert self._build is not None
                self._index, self._build = self._build(), None
            return self._index


def code_ids(ids: pd.Series) -> tuple[IntArray, Distinct, bool]:
    """:func:`factorize_sorted_ids` with the distinct ids built when first asked for.

    The object and Arrow string columns' distinct ids are gathered on first use
    of :meth:`Distinct.index` (the column's name is kept); all others are ready.
    """
    ints = int_range(ids)
    if ints is not None:
        values, low, span, dtype = ints
        codes, kept = offset_codes(values, low, span)
        return codes, Distinct.ready(pd.Index((kept + low).astype(dtype), name=ids.name)), True
    if isinstance(ids.dtype, pd.CategoricalDtype):
        codes, index = _categorical_codes(ids)
        return codes, Distinct.ready(index.rename(ids.name)), True
    arr = _arrow_strings(ids) if len(ids) else None
    if arr is not None:
        order, starts, first = _string_runs(arr)

        def gather() -> pd.Index:
            index: pd.Index
            if ids.dtype == object:  # the caller's str objects, one occurrence of each
                index = pd.Index(ids.to_numpy()[first], dtype=object, copy=False)
            else:
                index = pd.Index(pd.array(arr.take(first), dtype=ids.dtype))
            index.name = ids.name  # a new index of our own
            return index

        return _run_codes(order, starts, len(ids)), Distinct(first.shape[0], gather), True
    codes, found = pd.factorize(ids, sort=False, use_na_sentinel=True)
    index = pd.Index(found, dtype=ids.dtype, name=ids.name)
    return np.asarray(codes, dtype=np.int64), Distinct.ready(index), False


def factorize_sorted_ids(ids: pd.Series) -> tuple[IntArray, pd.Index, bool]:
    """:func:`factorize_ids`, and whether the ids came out ascending.

    The flag is true when the coding itself sorted the ids (integers coded by
    offset, strings, categoricals in category order): the distinct ids are then
    in the order :func:`sorting_order` gives, with no need to check it.  It is
    false for the ids coded by hashing, in order of first appearance.
    """
    codes, distinct, ascending = code_ids(ids)
    return codes, distinct.index().rename(None), ascending


@jit
def _strings_ascending(offsets: IntArray, data: ByteArray) -> bool:
    """Tell whether every string is >= the one before (byte order; no nulls)."""
    for i in range(1, offsets.shape[0] - 1):
        a, b = offsets[i - 1], offsets[i]
        la, lb = b - a, offsets[i + 1] - b
        p = 0
        while p < la and p < lb and data[a + p] == data[b + p]:
            p += 1
        if p < la and (p == lb or data[a + p] > data[b + p]):
            return False
    return True


def is_ascending(ids: pd.Index) -> bool:
    """``ids.is_monotonic_increasing``, without Python objects for Arrow-backed strings."""
    dtype = ids.dtype
    if len(ids) > 1 and (
        (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow")
        or (isinstance(dtype, pd.ArrowDtype) and dtype.kind in "OU")
    ):
        arr = _arrow_strings(pd.Series(ids.array, copy=False))
        if arr is not None and not arr.null_count:
            n = len(arr)
            bufs = arr.buffers()
            offsets = np.frombuffer(bufs[1], dtype=np.int64)[arr.offset : arr.offset + n + 1]
            data = _data_bytes(bufs[2])
            return bool(_strings_ascending(np.ascontiguousarray(offsets), data))
    return bool(ids.is_monotonic_increasing)


def sorting_order(ids: pd.Index) -> IntArray:
    """Positions that sort the customer ids ascending (fast paths for numbers and strings)."""
    if is_ascending(ids):
        return np.arange(len(ids), dtype=np.int64)
    if ids.dtype.kind in "iufmM":
        return np.argsort(ids.to_numpy())
    if pd.api.types.infer_dtype(ids, skipna=False) == "string":
        # numpy's fixed-width unicode sort orders by code point, like Python's str.
        return np.argsort(np.asarray(ids.to_numpy(dtype=object), dtype=str))
    try:
        return np.asarray(ids.argsort(), dtype=np.int64)
    except TypeError:
        raise InputTypeError(
            f"customer ids in column {ids.name!r} mix types that cannot be ordered "
            f"(e.g. numbers and strings); convert them to one type, e.g. .astype(str)."
        ) from None
