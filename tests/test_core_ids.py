"""String and categorical id coding of ``custvalue._core.ids`` against ``pandas.factorize``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from custvalue._core.ids import code_ids
from custvalue._core.ids import factorize_ids
from custvalue._core.ids import factorize_sorted_ids
from custvalue._core.ids import is_ascending
from custvalue._core.ids import offset_codes
from custvalue._core.ids import offset_codes_into
from custvalue._core.ids import offset_pair_codes
from custvalue._core.ids import pair_codes
from custvalue._core.ids import sorting_order

# Few distinct characters (incl. NUL, multi-byte and astral ones) make shared
# prefixes, prefixes of each other and long runs of equal 8-byte words likely.
ALPHABET = st.sampled_from(["a", "b", "\x00", "é", "€", "😀", "Z", "0"])
TEXT = st.one_of(
    st.text(ALPHABET, max_size=20),
    st.text(max_size=12),  # any unicode (surrogates excluded by hypothesis' default)
    st.builds(lambda s: "customer_" + s, st.text(ALPHABET, max_size=6)),
)
DTYPES = [object, "str", "string[pyarrow]", "large_string[pyarrow]", "category"]


def reference(values: list[str | None]) -> tuple[list[int], list[str]]:
    """Codes in ascending Python ``str`` order, ``-1`` for missing, in plain Python.

    (Not ``pandas.factorize``: pandas 2.2 codes ``"0"`` and ``"0\\x00"`` as one value.)
    """
    uniques = sorted({v for v in values if v is not None})
    rank = {v: i for i, v in enumerate(uniques)}
    return [rank[v] if v is not None else -1 for v in values], uniques


@pytest.mark.parametrize("dtype", DTYPES)
@settings(max_examples=150, deadline=None)
@given(values=st.lists(st.one_of(TEXT, st.none()), max_size=60))
def test_string_codes_match_pandas_factorize(dtype: object, values: list[str | None]) -> None:
    if dtype == "category":
        present = sorted({v for v in values if v is not None})
        series = pd.Series(pd.Categorical(values, categories=present))
    else:
        series = pd.Series(values, dtype=dtype)  # type: ignore[call-overload]
    codes, ids = factorize_ids(series)
    want_codes, want_ids = reference(values)
    assert codes.tolist() == want_codes
    assert list(ids) == want_ids
    assert ids.dtype == series.dtype
    assert is_ascending(ids)
    assert sorting_order(ids).tolist() == list(range(len(ids)))


@settings(max_examples=100, deadline=None)
@given(values=st.lists(TEXT, min_size=2, max_size=40, unique=True))
def test_is_ascending_matches_python(values: list[str]) -> None:
    for dtype in ("str", "string[pyarrow]", object):
        ids = pd.Index(values, dtype=dtype)  # type: ignore[call-overload]
        assert is_ascending(ids) == (values == sorted(values))


@pytest.mark.parametrize("dtype", DTYPES[:-1])
@settings(max_examples=80, deadline=None)
@given(
    values=st.lists(st.one_of(TEXT, st.none()), min_size=1, max_size=60),
    skip=st.integers(0, 5),
)
def test_sliced_columns_are_coded_from_their_own_rows(
    dtype: object, values: list[str | None], skip: int
) -> None:
    # A slice of an Arrow-backed column is an Arrow array with a nonzero offset.
    series = pd.Series(values, dtype=dtype).iloc[skip:]  # type: ignore[call-overload]
    codes, ids = factorize_ids(series)
    want_codes, want_ids = reference(values[skip:])
    assert codes.tolist() == want_codes
    assert list(ids) == want_ids


@settings(max_examples=100, deadline=None)
@given(values=st.lists(TEXT, min_size=1, max_size=40))
def test_object_ids_are_the_callers_str_objects(values: list[str]) -> None:
    column = pd.Series(values, dtype=object)
    codes, ids = factorize_ids(column)
    assert ids.dtype == object
    assert all(type(v) is str for v in ids)
    assert list(ids) == sorted(set(values))
    assert ids.is_monotonic_increasing
    # each id is the object of one of the rows it codes (no new strings are built)
    held = column.to_numpy()
    for code, v in enumerate(ids):
        assert any(held[i] is v for i in np.flatnonzero(codes == code))


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.text("ab0Z", min_size=8, max_size=8), min_size=1, max_size=80),
    width=st.sampled_from([1, 3, 8, 12]),
)
def test_ids_of_one_length(values: list[str], width: int) -> None:
    # Every id ends in the same 8-byte word (the radix sort moves no length classes)
    # or every id goes on past it.
    values = [v[:width] if width <= 8 else v + v[: width - 8] for v in values]
    for dtype in (object, "str"):
        codes, ids = factorize_ids(pd.Series(values, dtype=dtype))  # type: ignore[call-overload]
        want_codes, want_ids = reference(values)  # type: ignore[arg-type]
        assert codes.tolist() == want_codes
        assert list(ids) == want_ids


# Object columns that are not all str (or missing): coded by hashing, in order of
# first appearance, as pandas.factorize codes them.
MIXED_OBJECTS = [
    (["a", b"a", "a"], [0, 1, 0], ["a", b"a"]),
    ([b"x", "x", None], [0, 1, -1], [b"x", "x"]),
    ([1, "a", 1], [0, 1, 0], [1, "a"]),
    (["a", 1, "a"], [0, 1, 0], ["a", 1]),
    ([float("nan"), "b", 2.5], [-1, 0, 1], ["b", 2.5]),
]


@pytest.mark.parametrize(("values", "want_codes", "want_ids"), MIXED_OBJECTS)
def test_object_ids_that_are_not_all_str(
    values: list[object], want_codes: list[int], want_ids: list[object]
) -> None:
    codes, ids = factorize_ids(pd.Series(values, dtype=object))
    assert codes.tolist() == want_codes
    assert list(ids) == want_ids
    assert [type(v) for v in ids] == [type(v) for v in want_ids]


@pytest.mark.parametrize("missing", [None, float("nan"), np.float64("nan"), pd.NA])
def test_object_str_ids_after_a_missing_value(missing: object) -> None:
    codes, ids = factorize_ids(pd.Series([missing, "b", "a", missing, "b"], dtype=object))
    assert codes.tolist() == [-1, 1, 0, -1, 1]
    assert list(ids) == ["a", "b"]


def test_string_ids_are_gathered_once() -> None:
    column = pd.Series(["b", "a", "b"], dtype=object, name="customer")
    codes, distinct, ascending = code_ids(column)
    assert distinct.pending
    assert len(distinct) == 2
    first = distinct.index()
    assert not distinct.pending
    assert distinct.index() is first
    assert first.tolist() == ["a", "b"]
    assert first.name == "customer"
    assert codes.tolist() == [1, 0, 1]
    assert ascending


ORDER_CASES = {
    "int": pd.Series([7, 5, 7, 6]),
    "Int64": pd.Series([7, 5, 7, 6], dtype="Int64"),
    "uint8": pd.Series([7, 5, 7, 6], dtype=np.uint8),
    "object": pd.Series(["b", "a", "ab", "b", "é"], dtype=object),
    "str": pd.Series(["b", "a", "ab", "b", "é"], dtype="str"),
    "string[pyarrow]": pd.Series(["b", None, "ab", "b"], dtype="string[pyarrow]"),
    "large_string[pyarrow]": pd.Series(["b", "a", "ab"], dtype="large_string[pyarrow]"),
    "category": pd.Series(pd.Categorical(["b", "a", "b"], categories=["z", "b", "a"])),
    "sparse int": pd.Series([3 * 10**12, 5, 3 * 10**12, -(10**13)]),
    "float": pd.Series([2.5, 1.0, 2.5]),
    "mixed objects": pd.Series(["a", b"a", "a"], dtype=object),
}


@pytest.mark.parametrize("kind", sorted(ORDER_CASES))
def test_ascending_flag_is_true_only_for_ids_in_sorting_order(kind: str) -> None:
    column = ORDER_CASES[kind]
    codes, ids, ascending = factorize_sorted_ids(column)
    plain_codes, plain_ids = factorize_ids(column)
    np.testing.assert_array_equal(codes, plain_codes)
    assert ids.equals(plain_ids)
    if ascending:  # the flag promises what sorting_order would find
        np.testing.assert_array_equal(sorting_order(ids), np.arange(len(ids)))
    assert ascending == (kind not in {"sparse int", "float", "mixed objects"})


@settings(max_examples=60, deadline=None)
@given(
    suffixes=st.lists(st.text(ALPHABET, max_size=20), min_size=33, max_size=120),
    dtype=st.sampled_from([object, "str"]),
)
def test_long_runs_of_shared_prefixes(suffixes: list[str], dtype: object) -> None:
    # Runs of more than 32 strings sharing 8-byte words, at several depths.
    values: list[str | None] = ["customer_id_" + s for s in suffixes] + ["customer", "customer_id"]
    codes, ids = factorize_ids(pd.Series(values, dtype=dtype))  # type: ignore[call-overload]
    want_codes, want_ids = reference(values)
    assert codes.tolist() == want_codes
    assert list(ids) == want_ids


def test_many_distinct_and_duplicate_strings() -> None:
    rng = np.random.default_rng(3)
    pool = np.array([f"C{i:07d}" for i in rng.permutation(50_000)] + ["", "C", "C0000000x"])
    values = pool[rng.integers(0, pool.size, 200_000)]
    for dtype in DTYPES[:-1]:
        codes, ids = factorize_ids(pd.Series(values, dtype=dtype))  # type: ignore[call-overload]
        found, uniques = pd.factorize(values, sort=True)
        np.testing.assert_array_equal(codes, found)
        assert list(ids) == list(uniques)


def test_categorical_keeps_category_order_and_drops_unused() -> None:
    series = pd.Series(pd.Categorical(["b", None, "a", "b"], categories=["z", "b", "a"]))
    codes, ids = factorize_ids(series)
    assert codes.tolist() == [0, -1, 1, 0]
    assert list(ids) == ["b", "a"] and ids.dtype == series.dtype


def test_mixed_objects_fall_back_to_hashing() -> None:
    # str and bytes must stay different ids (Arrow would read b"a" as "a")
    codes, ids = factorize_ids(pd.Series(["a", b"a", "a"], dtype=object))
    assert codes.tolist() == [0, 1, 0] and list(ids) == ["a", b"a"]


def naive_pair_codes(
    major: list[int], minor: list[int], n_minor: int
) -> tuple[list[int], list[int]]:
    """Codes of the keys ``major * n_minor + minor`` by ranking the sorted distinct keys."""
    keys = [a * n_minor + (minor[i] if minor else 0) for i, a in enumerate(major)]
    kept = sorted(set(keys))
    rank = {k: j for j, k in enumerate(kept)}
    return [rank[k] for k in keys], kept


@settings(max_examples=80)
@given(
    n_major=st.integers(1, 40),
    n_minor=st.integers(1, 6),
    rows=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)), max_size=80),
    spread=st.booleans(),
)
def test_pair_codes_match_a_ranking_of_the_keys(
    n_major: int, n_minor: int, rows: list[tuple[int, int]], spread: bool
) -> None:
    if spread:  # keys far wider than the rows: coded by sorting
        n_major *= 10**4
    major = [a % n_major for a, _ in rows]
    minor = [b % n_minor for _, b in rows] if n_minor > 1 else []
    codes, kept = pair_codes(
        np.array(major, dtype=np.int64), n_major, np.array(minor, dtype=np.int64), n_minor
    )
    want_codes, want_kept = naive_pair_codes(major, minor, n_minor)
    assert codes.tolist() == want_codes
    assert kept.tolist() == want_kept


@given(values=st.lists(st.integers(-50, 50), max_size=60))
def test_offset_codes_rank_the_distinct_values(values: list[int]) -> None:
    arr = np.array(values, dtype=np.int64)
    low = min(values, default=0)
    span = max(values, default=0) - low + 1
    codes, kept = offset_codes(arr, low, span)
    want_codes, want_kept = naive_pair_codes([v - low for v in values], [], 1)
    assert codes.tolist() == want_codes
    assert kept.tolist() == want_kept
    inplace = arr.copy()
    assert offset_codes_into(inplace, low, span, inplace).tolist() == want_kept
    assert inplace.tolist() == want_codes  # codes written over the values


@settings(max_examples=80)
@given(
    ids=st.lists(st.integers(-(10**15), -(10**15) + 40), max_size=80),
    n_minor=st.integers(1, 5),
    seed=st.integers(0, 2**32 - 1),
)
def test_offset_pair_codes_match_coding_the_ids_first(
    ids: list[int], n_minor: int, seed: int
) -> None:
    # pairs coded on the ids' offsets equal the ids coded first, then paired
    rng = np.random.default_rng(seed)
    minor = rng.integers(0, n_minor, len(ids)) if n_minor > 1 else np.zeros(0, dtype=np.int64)
    values = np.array(ids, dtype=np.int64)
    low = min(ids, default=0)
    got = offset_pair_codes(values, low, max(ids, default=0) - low + 1, minor, n_minor)
    assert got is not None
    id_codes, labels, _ = factorize_sorted_ids(pd.Series(values))
    want_codes, want_keys = naive_pair_codes(id_codes.tolist(), minor.tolist(), n_minor)
    assert got[0].tolist() == want_codes
    assert got[1].tolist() == want_keys
    assert (got[2] + low).tolist() == labels.tolist()


def test_unsigned_ids_beyond_int64_are_coded_by_hashing() -> None:
    # offsets are taken in int64: uint64 ids above its range take the hashing route
    big = 2**63
    ids = pd.Series(np.array([big + 7, big + 5, big + 7], dtype=np.uint64))
    codes, uniques, ascending = factorize_sorted_ids(ids)
    assert sorted(uniques.tolist()) == [big + 5, big + 7]
    assert [uniques[c] for c in codes] == [big + 7, big + 5, big + 7]
    assert not ascending
