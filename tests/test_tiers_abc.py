from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from custvalue.errors import CustvalueError
from custvalue.errors import InputTypeError
from custvalue.errors import InputValueError
from custvalue.tiers import abc_classes
from custvalue.tiers import abc_computed
from custvalue.tiers import abc_two_criteria

# ---------------------------------------------------------------------------
# Slow, obviously-correct references written from the documented rules.


def ref_abc(values, cutoffs, labels, rule="value", negative="error", negative_label="D"):
    """Exact rationals: class j iff share of strictly larger items < cutoffs[j] (decimal)."""
    cuts = [Fraction(str(c)) for c in cutoffs]
    kept = [v for v in values if v >= 0]
    total = sum(Fraction(v) for v in kept) if rule == "value" else Fraction(len(kept))
    out = []
    for v in values:
        if v < 0:
            out.append(negative_label)
            continue
        larger = [u for u in kept if u > v]
        above = sum(Fraction(u) for u in larger) if rule == "value" else Fraction(len(larger))
        share = above / total
        cls = next((labels[j] for j, c in enumerate(cuts) if share < c), labels[-1])
        out.append(cls)
    return out


def ref_pandas_abc(values, cutoffs):
    """Plain pandas: sort, cumsum, share of the strictly larger items (float semantics)."""
    s = pd.Series(values).sort_values(ascending=False, kind="stable")
    cum = s.cumsum()
    above = cum.shift(fill_value=0.0).where(s.ne(s.shift())).ffill() / cum.iloc[-1]
    labels = np.select([above < cutoffs[0], above < cutoffs[1]], ["A", "B"], "C")
    return pd.Series(labels, index=s.index).sort_index().tolist()


def ref_computed(values):
    """Loops over the empirical ABC curve, following the documented definitions."""
    s = sorted(values, reverse=True)
    n = len(s)
    total = 0.0
    cum = []
    for v in s:
        total += v
        cum.append(total)
    xs = [(i + 1) / n for i in range(n)]
    ys = [c / total for c in cum]
    d = [x * x + (1 - y) ** 2 for x, y in zip(xs, ys, strict=True)]
    pareto = d.index(min(d))
    mean = total / n
    brk = max(i for i in range(n) if s[i] >= mean)
    a = min(pareto, brk)
    bx = xs[max(pareto, brk)]
    d2 = [(x - bx) ** 2 + (1 - y) ** 2 for x, y in zip(xs, ys, strict=True)]
    sub = d2.index(min(d2))
    classes = []
    for v in values:
        first = s.index(v)  # position of the first item of the tie group
        classes.append("A" if first <= a else "B" if first <= sub else "C")
    return classes, (xs[pareto], ys[pareto]), (xs[brk], ys[brk]), (xs[sub], ys[sub])


# ---------------------------------------------------------------------------
# Strategies

small_ints = st.integers(min_value=0, max_value=5)
wide_ints = st.integers(min_value=0, max_value=10**6)


@st.composite
def int_values(draw, min_size=1, max_size=40, negatives=False):
    lo = -(10**6) if negatives else 0
    kind = draw(st.sampled_from(["small", "wide"]))
    elem = (
        st.integers(min_value=-5 if negatives else 0, max_value=5)
        if kind == "small"
        else (st.integers(min_value=lo, max_value=10**6))
    )
    vals = draw(st.lists(elem, min_size=min_size, max_size=max_size))
    if not any(v > 0 for v in vals):
        vals.append(draw(st.integers(min_value=1, max_value=10)))
    return vals


cutoff_sets = st.sampled_from([(0.8, 0.95), (0.5,), (0.2, 0.5, 0.9), (0.7, 1.0), (0.25, 0.5)])

# ---------------------------------------------------------------------------
# abc_classes: hand-worked examples


def test_crossing_item_stays_in_the_better_class():
    # 50 has 0 above; 30 has 50 % above (its own value crosses 80 %): still A;
    # 20 has exactly 80 % above: B.
    assert list(abc_classes([50.0, 30.0, 20.0])) == ["A", "A", "B"]


def test_exact_cutoffs_by_hand():
    # total 100: above(10) = 80 -> B, above(6) = 90 -> B, above(4) = 96 -> C
    assert list(abc_classes([10.0, 50.0, 4.0, 30.0, 6.0])) == ["B", "A", "C", "A", "B"]


def test_ties_share_a_class_even_across_the_cutoff():
    # 40, 40 straddle 80 %: both have 20 above (20 %) -> A; 10, 10 have 100 - 20 = 80 above -> B
    assert list(abc_classes([20.0, 40.0, 40.0, 10.0, 10.0])) == ["A", "A", "A", "B", "B"]


def test_count_rule_by_hand():
    # 10 items, top 20 %: items with 0 or 1 larger item are A; < 5 larger are B
    values = [float(v) for v in range(10, 0, -1)]
    assert "".join(abc_classes(values, rule="count")) == "AABBBCCCCC"
    # 7 items: 0/7 and 1/7 < 0.2 -> A (the second crosses 20 % and stays A)
    assert "".join(abc_classes([7.0, 6, 5, 4, 3, 2, 1], rule="count")) == "AABBCCC"


def test_zero_values_are_last_class():
    assert list(abc_classes([5.0, 0.0, 0.0], cutoffs=(0.5, 1.0))) == ["A", "C", "C"]


def test_custom_labels_and_series_alignment():
    s = pd.Series([1.0, 9.0], index=pd.Index(["x", "y"], name="cust"), name="revenue")
    out = abc_classes(s, cutoffs=(0.5,), labels=("top", "rest"))
    assert isinstance(out, pd.Series)
    assert out.index.equals(s.index) and out.name == "revenue"
    assert out.tolist() == ["rest", "top"]
    assert list(out.cat.categories) == ["top", "rest"]


def test_negative_policy_separate():
    out = abc_classes([90.0, -5.0, 10.0, -1.0], negative="separate", negative_label="loss")
    assert list(out) == ["A", "loss", "B", "loss"]
    assert list(out.categories) == ["A", "B", "C", "loss"]


def test_input_not_modified():
    values = np.array([3.0, 1.0, 2.0])
    s = pd.Series(values.copy())
    abc_classes(values)
    abc_classes(s)
    assert values.tolist() == [3.0, 1.0, 2.0] and s.tolist() == [3.0, 1.0, 2.0]


# ---------------------------------------------------------------------------
# abc_classes: properties against the references


@settings(max_examples=100, deadline=None)
@given(values=int_values(), cutoffs=cutoff_sets, rule=st.sampled_from(["value", "count"]))
def test_matches_exact_reference(values, cutoffs, rule):
    labels = tuple("ABCD"[: len(cutoffs) + 1])
    got = list(
        abc_classes(np.array(values, dtype=float), cutoffs=cutoffs, labels=labels, rule=rule)
    )
    assert got == ref_abc(values, cutoffs, labels, rule)


@settings(max_examples=60, deadline=None)
@given(values=int_values(negatives=True), rule=st.sampled_from(["value", "count"]))
def test_negative_separate_matches_reference(values, rule):
    cutoffs = (0.8, 0.95) if rule == "value" else (0.2, 0.5)
    got = list(abc_classes(values, negative="separate", rule=rule))
    assert got == ref_abc(values, cutoffs, ("A", "B", "C"), rule, "separate", "D")


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.floats(min_value=0.0, max_value=1e9, allow_nan=False), min_size=1, max_size=60
    ).filter(lambda v: sum(v) > 0)
)
def test_matches_plain_pandas_on_floats(values):
    assert list(abc_classes(values)) == ref_pandas_abc(values, (0.8, 0.95))


@settings(max_examples=60, deadline=None)
@given(values=int_values(min_size=2), rule=st.sampled_from(["value", "count"]))
def test_ties_share_class_and_classes_monotone(values, rule):
    codes = np.asarray(abc_classes(values, rule=rule).codes)
    v = np.array(values)
    for i in range(len(v)):
        for j in range(len(v)):
            if v[i] == v[j]:
                assert codes[i] == codes[j]
            if v[i] > v[j]:
                assert codes[i] <= codes[j]


@settings(max_examples=40, deadline=None)
@given(values=int_values(min_size=2), seed=st.integers(0, 2**16))
def test_order_of_input_does_not_matter(values, seed):
    perm = np.random.default_rng(seed).permutation(len(values))
    a = np.asarray(abc_classes(values).codes)
    b = np.asarray(abc_classes([values[i] for i in perm]).codes)
    assert a[perm].tolist() == b.tolist()


@settings(max_examples=40, deadline=None)
@given(values=int_values())
def test_a_share_reaches_the_cutoff_when_b_exists(values):
    # Everything in A holds at least 80 % of the value, unless all items are A.
    out = np.asarray(abc_classes(values).codes)
    v = np.array(values, dtype=float)
    if (out > 0).any():
        assert v[out == 0].sum() >= 0.8 * v.sum() - 1e-9


# ---------------------------------------------------------------------------
# abc_classes: bad input


@pytest.mark.parametrize(
    ("values", "kwargs", "err", "fragment"),
    [
        ([], {}, InputValueError, "`values` is empty"),
        ([1.0, np.nan], {}, InputValueError, "`values` has missing"),
        ([1.0, np.inf], {}, InputValueError, "`values`"),
        (["a", "b"], {}, InputTypeError, "`values`"),
        ([True, False], {}, InputTypeError, "`values`"),
        ([0.0, 0.0], {}, InputValueError, "total is zero"),
        ([1.0, -2.0], {}, InputValueError, 'negative="separate"'),
        ([-1.0, -2.0], {"negative": "separate"}, InputValueError, "total is zero"),
        ([1.0], {"cutoffs": (0.95, 0.8)}, InputValueError, "`cutoffs` must be strictly"),
        ([1.0], {"cutoffs": (0.0, 0.8)}, InputValueError, "`cutoffs[0]`"),
        ([1.0], {"cutoffs": (0.8, 1.5)}, InputValueError, "`cutoffs[1]`"),
        ([1.0], {"cutoffs": ()}, InputValueError, "`cutoffs` is empty"),
        ([1.0], {"cutoffs": "0.8"}, InputTypeError, "`cutoffs`"),
        ([1.0], {"labels": ("A", "B")}, InputValueError, "`labels` must hold 3 labels"),
        ([1.0], {"labels": ("A", "A", "B")}, InputValueError, "distinct"),
        ([1.0], {"labels": ("A", 2, "B")}, InputTypeError, "`labels`"),
        ([1.0], {"rule": "rank"}, InputValueError, "`rule`"),
        ([1.0], {"negative": "clip"}, InputValueError, "`negative`"),
        (
            [1.0],
            {"negative": "separate", "negative_label": "A"},
            InputValueError,
            "`negative_label`",
        ),
    ],
)
def test_abc_classes_errors(values, kwargs, err, fragment):
    with pytest.raises(err) as info:
        abc_classes(values, **kwargs)
    assert fragment in str(info.value)
    assert isinstance(info.value, CustvalueError)


def test_dataframe_input_refused():
    with pytest.raises(InputTypeError, match="values"):
        abc_classes(pd.DataFrame({"a": [1.0]}))


# ---------------------------------------------------------------------------
# abc_two_criteria


def test_two_criteria_by_hand():
    # revenue 500/300/150/50: A, A (50 % above), B (80 % above), C (95 % above)
    # profit 2/90/30/5 (total 127): 90 A, 30 A (70.9 %), 5 B (94.5 %), 2 C (98.4 %)
    out = abc_two_criteria([500.0, 300.0, 150.0, 50.0], [2.0, 90.0, 30.0, 5.0])
    assert list(out) == ["AC", "AA", "BA", "CB"]
    assert list(out.categories) == ["AA", "AB", "AC", "BA", "BB", "BC", "CA", "CB", "CC"]


def test_two_criteria_negative_profit_and_series():
    idx = pd.Index([10, 20, 30], name="cust")
    rev = pd.Series([100.0, 50.0, 1.0], index=idx)
    prof = pd.Series([-5.0, 20.0, 1.0], index=idx)
    out = abc_two_criteria(rev, prof, negative="separate", cutoffs=(0.5, 0.9))
    assert out.index.equals(idx)
    # revenue: 100 A, 50 (66 % above) B, 1 (99 % above) C; profit: -5 D, 20 A, 1 (95 %) C
    assert out.tolist() == ["AD", "BA", "CC"]


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_two_criteria_is_concatenation(data):
    a = data.draw(int_values(min_size=3, max_size=20))
    b = data.draw(st.lists(wide_ints, min_size=len(a), max_size=len(a)).filter(any))
    out = [str(x) for x in abc_two_criteria(a, b)]
    exp = [
        x + y
        for x, y in zip(
            ref_abc(a, (0.8, 0.95), "ABC"), ref_abc(b, (0.8, 0.95), "ABC"), strict=True
        )
    ]
    assert out == exp


def test_two_criteria_errors():
    with pytest.raises(InputValueError, match="same length"):
        abc_two_criteria([1.0, 2.0], [1.0])
    with pytest.raises(InputValueError, match="`second` has negative"):
        abc_two_criteria([1.0, 2.0], [1.0, -1.0])
    with pytest.raises(InputValueError, match="second_cutoffs"):
        abc_two_criteria([1.0], [1.0], second_cutoffs=(0.5,))
    with pytest.raises(InputValueError, match="different indexes"):
        abc_two_criteria(pd.Series([1.0], index=[1]), pd.Series([1.0], index=[2]))


# ---------------------------------------------------------------------------
# abc_computed


def test_computed_by_hand():
    # 100, 10, 9, ..., 1: total 155, mean 14.09.  Only 100 is >= the mean, so the
    # break-even point is P1 = (1/11, 100/155).  Squared distances to (0, 1):
    # P1 0.1342, P2 0.1173, P3 0.1280 -> Pareto point P2.  A/B limit = P1, B_x = 2/11;
    # distances to (2/11, 1): P2 0.0843, P3 0.0622, P4 0.0657 -> submarginal P3.
    res = abc_computed([100.0, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1])
    assert "".join(res.classes) == "ABBCCCCCCCC"
    assert res.break_even_point == pytest.approx((1 / 11, 100 / 155))
    assert res.pareto_point == pytest.approx((2 / 11, 110 / 155))
    assert res.submarginal_point == pytest.approx((3 / 11, 119 / 155))
    assert res.ab_point == res.break_even_point and res.bc_point == res.submarginal_point
    assert (res.ab_limit, res.bc_limit) == (100.0, 9.0)
    assert res.curve.shape == (12, 2)
    assert res.curve.iloc[0].tolist() == [0.0, 0.0] and res.curve.iloc[-1].tolist() == [1.0, 1.0]


def test_computed_ties_by_hand():
    # 10,10,10,5,5,5,1,1,1 (total 48, mean 5.33): break-even and Pareto at P3;
    # distances to (1/3, 1): P4 0.0856, P5 0.0772, P6 0.1150 -> submarginal P5.
    # The 5s start at P4 <= P5: all B.  (Same classes as the cABCanalysis tests.)
    res = abc_computed([10.0, 10, 10, 5, 5, 5, 1, 1, 1])
    assert "".join(res.classes) == "AAABBBCCC"


def test_computed_zeros_are_items():
    # 10, 7, 5, 3, 0, 0 (total 25): Pareto P2, break-even P3 (5 >= 4.17 > 3),
    # submarginal closest to (1/2, 1) is P3.  (cABCanalysis test with NA -> 0.)
    res = abc_computed([10.0, 0, 5, 7, 0, 3])
    assert "".join(res.classes) == "ACBACC"


def test_computed_all_equal_is_all_a():
    res = abc_computed([4.0] * 6)
    assert set(res.classes) == {"A"}


def test_computed_series_index_kept():
    s = pd.Series([5.0, 1.0, 1.0], index=["a", "b", "c"])
    assert abc_computed(s).classes.index.equals(s.index)


@settings(max_examples=80, deadline=None)
@given(values=int_values(min_size=1, max_size=50))
def test_computed_matches_reference(values):
    res = abc_computed(values)
    classes, pareto, brk, sub = ref_computed([float(v) for v in values])
    assert list(res.classes) == classes
    assert res.pareto_point == pytest.approx(pareto)
    assert res.break_even_point == pytest.approx(brk)
    assert res.submarginal_point == pytest.approx(sub)
    codes = np.asarray(res.classes.codes)
    v = np.array(values)
    assert all(codes[i] <= codes[j] for i in range(len(v)) for j in range(len(v)) if v[i] >= v[j])


def test_computed_swiss_inhabitants():
    """Swiss inhabitants data of the ABCanalysis R package: published limits."""
    values = np.array([float(v) for v in SWISS_INHABITANTS.split()])
    assert values.size == 2896
    res = abc_computed(values)
    assert res.pareto_point == pytest.approx((0.25379834254143646, 0.7219586074342286))
    assert res.break_even_point == pytest.approx((0.22168508287292818, 0.6913764432243525))
    assert res.submarginal_point == pytest.approx((0.3715469613259669, 0.810278191608252))
    counts = pd.Series(np.asarray(res.classes)).value_counts().to_dict()
    # Published: 642 / 434 / 1820; the item after the submarginal point ties with it
    # (both 710 inhabitants) and moves to B with it.
    assert counts == {"A": 642, "B": 435, "C": 1819}
    assert (res.ab_limit, res.bc_limit) == (1145.0, 710.0)


@pytest.mark.parametrize(
    ("values", "err", "fragment"),
    [
        ([], InputValueError, "empty"),
        ([1.0, -1.0], InputValueError, "`values` must be >= 0"),
        ([0.0, 0.0], InputValueError, "total is zero"),
        ([1.0, np.nan], InputValueError, "`values`"),
        (["x"], InputTypeError, "`values`"),
    ],
)
def test_computed_errors(values, err, fragment):
    with pytest.raises(err) as info:
        abc_computed(values)
    assert fragment in str(info.value)


# Inhabitants of the 2896 Swiss municipalities, as shipped with the ABCanalysis R
# package (data set SwissInhabitants), in the package's order.
SWISS_INHABITANTS = """
607 2779 691 1408 849 697 529 493 1396 1335 1107 480 579 318 432 547 464 516 570 336 1992
852 902 855 347 263 1036 824 1164 818 930 1454 469 910 328 645 248 538 540 1092 2175 565
1175 1581 1301 1584 529 515 538 1363 332 1068 617 706 1436 1324 1379 353 750 621 533 256 501
340 192 734 120 555 524 876 551 676 297 481 379 1275 1029 343 318 1088 840 601 2698 1555
3094 2052 2339 1207 2864 4796 780 6677 5690 4714 1154 6883 576 1951 1912 1224 4084 1567 1135
6791 7585 1207 984 2292 3391 2902 3213 942 4228 1365 587 1876 2768 938 1338 2767 358 1627
2986 1272 709 1216 887 654 2544 2309 696 289 1513 804 201 7623 1515 1188 415 643 462 507 354
639 1420 358 1047 577 462 478 1608 1061 376 521 805 1952 957 40961 1666 288 1101 2613 141
416 241 1670 332 302 711 653 168021 1372 675 1818 848 799 2567 997 238 1413 1681 2194 2822
1793 559 705 830 339 1008 56 410 4799 585 1328 2093 1347 523 358 303 2240 1507 550 688 407
1561 336 1281 1202 67550 1404 893 1133 6886 1341 1091 683 2860 3235 1609 1500 2200 29557 560
654 450 1963 429 776 446 1649 947 82 532 631 1197 636 588 490 615 501 8404 1113 2390 2340
210 1006 299 349 1733 1102 2122 716 234 346 2745 158 518 146 128 198 2735 1418 669 793 1228
723 400 149 766 983 292 1746 178 7455 1158 2341 5559 258 1422 522 848 347 637 527 1537 365
489 601 278 453 462 78 228 1401 319 129 250 275 456 556 996 339 407 256 573 282 2088 198 217
121 96 919 1843 139 402 355 217 294 1564 1409 3996 698 400 592 2507 1082 1515 2580 662 375
3346 451 321 781 426 2962 585 2696 481 428 1602 181 539 1320 170 326 2607 1554 348 1124 966
338 1665 392 207 799 263 302 433 2030 883 1393 474 2306 484 720 1281 866 650 433 766 471 336
1932 3729 1228 350 300 400 102 1114 620 330 229 415 957 2382 444 2111 349 188 652 191 173
187 1082 383 295 287 383 1224 72 3088 419 234 1730 280 802 212 91 126 181 438 208 1591 76
387 521 2248 738 375 577 329 1092 285 366 125 307 444 238 419 210 191 1578 624 377 605 282
410 373 375 943 309 854 609 776 897 2014 1518 196 179 1225 739 3031 1423 672 345 1037 1105
3077 772 1933 1748 1403 2072 802 527 3690 650 2809 2318 5183 2343 439 972 567 243 790 603
162 318 568 48 605 277 189 220 648 631 207 1753 2722 386 498 603 667 407 1989 648 3043 8169
2631 1525 2370 990 2862 2606 851 553 814 1505 609 686 297 506 1217 854 342 501 359 243 909
648 224 121 3093 4829 192 868 10213 506 1841 982 334 227 1142 1441 2083 3916 3444 2567 5353
1473 845 1467 902 114 390 239 274 303 416 112 2533 442 2245 446 801 327 914 374 353 1722 650
333 599 1440 332 137 1370 217 523 2677 3127 1388 1283 1491 1194 3038 1506 639 349 805 3162
571 1204 443 383 192 738 1645 1685 792 193 166 324 869 145 851 1301 805 170 575 750 304 1287
144 228 127 1747 5951 3699 29255 3108 1130 488 1516 1051 561 896 1522 973 926 1394 434 517
2035 1439 535 933 318 608 652 2121 928 935 438 853 3928 572 446 183 1028 2592 1522 192 560
1928 439 767 710 434 1761 476 438 707 676 604 918 1940 418 826 1702 1906 610 283 1954 1670
484 592 1121 523 837 592 747 2537 1594 1265 3117 818 528 167 1656 2416 941 773 1112 290 595
208 1128 596 635 1892 274 945 619 990 8496 1887 1276 2270 1459 3562 1279 1410 363 1971 911
2206 1060 746 1527 406 4739 270 3070 436 518 2221 690 95 964 928 7398 1420 393 1414 1779
1973 1711 2392 1828 1628 3949 1663 1638 612 593 923 699 1080 1117 2798 851 1096 255 555 300
461 913 1160 2494 407 4877 766 653 199 1894 789 690 736 1912 531 2557 2003 348 1873 862 472
556 419 2396 610 461 4484 3025 943 2495 605 1891 1047 443 2593 1059 6508 490 139 143 280 326
113 132 266 403 738 337 847 544 1636 390 206 183 122 235 153 466 73 398 305 1106 161 397 148
678 389 156 97 123 215 228 664 209 77 244 175 259 288 247 151 171 437 67 146 442 394 428 244
77 277 168 192 224 186 458 116 297 80 377 406 345 148 177 88 417 351 243 2210 615 738 274
344 179 284 306 239 240 474 240 448 265 343 508 427 119 628 3330 713 1247 139 220 127 446
414 258 566 1389 467 533 825 331 705 222 611 295 280 392 325 471 630 1081 314 210 443 801
1063 721 77 120 205 1193 265 392 113 592 409 615 367 240 152 166 81 67 414 437 232 403 523
606 171 260 841 132 15794 193 311 461 408 189 171 774 309 249 555 455 157 244 185 350 362
458 549 397 231 102 1063 225 856 221 87 534 87 167 507 164 378 490 270 156 287 350 295 467
213 70 634 222 216 1294 256 374 200 244 1030 576 2645 528 393 420 452 1044 729 47 270 1365
404 2203 683 1438 748 612 1124 467 1088 1523 596 982 1250 964 416 1515 1160 230 1198 154 313
245 2509 469 279 331 215 151 334 370 411 442 981 983 438 576 658 438 727 1165 926 476 2443
153 437 525 862 825 1820 893 150 303 148 235 376 188 214 191 210 184 189 264 492 293 606 318
433 116 633 162 170 234 546 1543 355 582 899 522 666 376 762 303 295 491 1247 1085 1338 445
428 120 565 2066 392 346 409 2871 265 832 3116 490 1743 361 231 152 299 69 340 502 1050 378
401 864 137 698 1125 102 964 935 275 483 5202 745 223 51 1078 656 232 750 541 770 1537 287
836 828 266 537 1038 418 1494 532 6969 383 1812 572 430 1362 10025 687 435 590 654 465 122
267 458 868 363 1046 315 109161 490 2576 1867 3096 1599 587 5135 3614 851 841 1988 2502 1516
347 1213 255 1028 295 424 163 356 539 1012 2177 725 243 275 564 456 537 763 501 1376 1267
1051 237 86 1020 5403 366 2425 309 410 901 361 393 375 611 230 2031 273 335 559 199 116 889
578 162 469 917 294 647 210 589 2798 139 425 347 603 567 241 520 685 405 545 732 717 657 549
338 827 449 133 488 801 1298 386 1055 794 176 699 1206 414 211 200 143 166 426 126 352 156
221 1508 226 1208 520 496 632 3905 514 16320 803 1893 656 389 376 1209 1777 1870 534 480 908
13497 1523 661 1888 1787 3087 1483 1625 2854 3041 4595 2496 1017 3745 1353 2184 1101 1480
3078 2786 4574 1594 1997 1383 1299 2652 926 1015 53796 1894 497 1465 2278 1584 9140 1785
1276 569 712 1314 1733 2250 2129 2094 1944 3546 1783 8724 873 1111 4277 1936 1193 3851 2156
4411 2816 1821 3149 1866 3567 4035 1510 2205 931 1720 2994 1229 1341 1700 414 1876 741 692
2117 885 1010 2534 3414 1008 1120 1920 1504 4844 1419 2137 611 1097 710 1348 381 1387 1079
1272 4971 2869 5025 1270 2670 3414 4873 868 1201 2777 3396 4901 1164 1038 1250 1753 4982
1075 795 2508 6055 2764 276 112 193 150 257 868 382 158 363 249 148 1537 644 183 141 152 143
146 334 287 444 178 496 1199 3102 469 322 193 981 280 94 259 105 169 277 405 424 123 179 499
316 79 342 82 214 531 163 99 167 55 60 233 736 134 272 366 235 652 61 371 185 362 217 130
235 302 67 147 77 439 156 621 56 233 455 130 738 109 228 30 201 150 146 1281 209 89 204 147
69 206 373 104 499 107 45 31 128 55 75 74 64 108 49 263 886 1504 495 647 789 863 755 612 245
249 349 278 596 558 357 553 403 1117 966 304 239 349 445 417 407 341 54 488 245 967 1603 402
178 319 425 226 108 198 178 104 400 163 71 372 1173 339 250 484 123 1136 517 185 98 59 599
385 146 218 8089 363 209 820 1555 184 416 431 841 95 255 11532 620 340 62 131 139 1071 58 90
285 68 341 106 88 160 115 464 1201 322 161 696 940 1107 383 450 1240 873 629 1654 282 901
216 859 1359 536 174 1205 810 974 7831 651 1592 934 1161 2771 522 2018 1213 1523 595 1808
726 6489 377 466 919 997 676 370 1574 306 449 450 899 872 631 657 625 1504 482 913 429 877
309 1073 3128 614 1055 945 234 701 2209 254 722 219 392 1415 389 179 630 801 438 649 438
1212 606 319 364 1785 274 3695 604 200 719 448 236 376 2931 431 217 92 144 540 210 130 582
361 333 374 283 428 511 291 266 295 149 985 252 845 234 410 565 591 421 2389 1831 850 563
766 1646 372 238 599 2333 1331 3668 719 968 1323 537 1448 748 795 256 937 723 851 639 590
217 994 1136 302 246 487 182 392 448 365 970 279 521 815 656 614 332 580 244 524 849 1019
387 594 303 670 2588 1113 1161 995 903 1095 868 1353 1873 818 325 753 703 701 308 289 400
1246 585 395 560 154 225 1230 586 2073 409 403 1480 586 581 595 894 2209 492 503 259 3349
424 566 661 591 953 606 2300 263 762 2229 478 2021 452 361 1920 3247 812 2846 1347 968 1346
1386 1243 133 4591 183 178 760 974 1121 246 404 366 1134 554 838 1119 1013 143 270 288 199
536 292 577 154 240 1287 5677 343 2755 873 700 529 1289 4577 719 418 553 4329 3210 1416 1417
652 1695 1263 1244 995 1876 890 2696 573 7976 1153 622 730 778 425 913 746 519 924 488 1728
265 917 1871 6290 1093 855 1178 1188 861 1133 332 1205 550 846 2570 609 1534 542 946 2038
626 1696 379 932 706 929 741 991 1054 398 1464 891 430 782 1733 1052 1097 1483 1302 1792
1872 1030 3798 1529 1042 8255 333 405 1722 216 426 373 750 588 383 111 956 342 315 201 380
599 345 719 102 97 275 488 81 53 395 125 294 1606 86 765 424 214 472 167 1628 244 257 356 81
147 141 175 393 855 196 860 768 198 285 288 531 327 1221 209 237 942 164 151 393 676 497
1639 272 225 199 196 433 345 451 413 550 278 340 1240 658 3981 402 698 725 351 1162 280 1502
212 267 152 257 314 170 293 225 557 371 322 455 661 1175 723 164 261 1075 186 384 481 243
495 543 568 176 318 225 189 538 398 321 347 254 478 298 238 362 138 50 367 651 181 271 125
405 226 821 47 304 340 356 149 235 427 139 234 127 375 397 332 10847 419 234 414 773 584 403
467 289 678 802 515 157 345 183 476 215 298 791 154 213 452 241 652 483 524 95 375 578 275
625 236 815 337 449 587 220 1088 190 407 154 166 634 229 743 1612 258 247 355 419 360 94 898
4136 855 458 770 3338 441 110 911 303 652 1254 717 1333 194 348 2255 308 923 2733 920 595
344 776 656 219 322 179 266 108 133 291 388 209 398 135 161 232 278 220 141 340 190 264 229
124 368 3897 4561 167 264 480 789 1065 415 3428 1746 1092 167 528 1751 872 546 1736 361 255
1269 271 330 797 309 280 481 265 103 380 486 141 267 1952 487 222 41 189 658 148 440 191 146
283 340 390 240 210 147 364 162 221 1060 213 481 428 184 477 157 456 296 865 286 70 198 219
447 727 302 650 372 259 349 930 198 162 317 324 401 524 220 422 212 242 207 1096 147 672 257
476 360 449 32 58 285 77 396 371 279 349 347 240 262 199 581 248 532 515 631 611 726 279 399
190 108 289 113 1771 92 182 117 341 815 95 5914 60 302 491 399 875 717 236 46732 1099 324
1569 2339 1279 305 1125 1101 419 1053 677 2243 1355 349 328 410 1072 340 309 188 203 1010
234 295 147 129 375 225 213 411 358 777 663 287 462 216 165 139 4421 254 198 166 882 206 295
217 129 142 318 242 514 676 218 234 198 323 335 108 137 68 386 247 339 195 317 256 1517 83
116 2683 215 357 96 167 161 94 505 111 195 175 607 217 137 379 79 479 417 782 147 168 143 68
219 188 308 561 350 206 271 262 374 366 377 299 676 155 223 4882 754 316 376 94 135 305 190
301 227 279 612 717 1241 566 249 252 789 228 307 279 281 308 258 2080 208 178 493 480 113
479 3279 958 387 83 410 289 175 535 219 306 162 209 326 498 270 568 177 587 283 72 292 333
137 157 120 444 145 187 367 441 399 1189 725 942 261 248 359 5224 77 317 214 284 442 164 172
296 3025 772 1189 334 199 424 369 181 453 646 266 683 394 2025 174 155 1350 3796 1161 1048
1011 456 1195 308 13519 1101 2417 11781 625 76 373 293 137 416 132 384 172 132 470 263 213
382 249 123 114 115 218 358 111 330 263 257 189 281 497 175 158 354 144 185 201 189 189 51
56 349 7985 1187 252 3351 224 546 3953 700 357 427 131 1227 1731 2920 2289 761 4127 355 1076
2215 716 910 42 285 233 188 355 467 181 88 113 191 108 417 123 242 240 314 86 233 298 278
1450 1208 1101 359 483 863 244 957 279 380 199 272 323 531 93 1592 613 202 671 519 133 484
382 476 554 1494 1052 1073 3550 1167 892 422 1636 329 704 1103 3392 725 660 1556 931 800
1295 311 110 527 120 89 80 555 86 327 333 430 274 478 460 249 170 248 240 553 388 385 228
402 467 929 433 600 151 2162 1116 800 518 529 1116 200 800 282 303 741 250 954 438 284 500
411 395 678 501 2270 492 113 300 516 608 504 2259 6751 233 190 250 263 389 188 271 190 215
280 429 922 443 284 251 571 1147 630 228 741 875 1074 525 2190 343 2051 1460 1299 175 1002
314 1344 659 1105 147 35968 495 1565 1420 1494 340 336 893 12559 1957 522 794 204 654 1423
693 627 21195 1650 308 513 1361 1061 463 1193 104 420 794 634 473 492 179 281 599 476 399
846 577 1393 1096 2430 3746 1043 954 1234 2093 1765 186 508 368 452 708 362 1004 7437 385
390 331 2131 1179 430 444 950 632 282 355 781 97359 380 708 215 362 617 247 1918 500 856 279
279 880 651 311 267 280 1343 329 1051 329 542 1280 1531 780 1060 599 330 221 389 260 659
1908 1333 1037 5053 632 124 634 433 104 384 272 418 392 192 256 394 507 497 452 488 115 637
1456 1442 208 194 251 186 733 228 610 609 126 908 1681 84 345 1410 394 352 1238 373 248 932
1340 506 561 607 512 901 757 1145 311 1568 759 680 294 352 492 1248 240 424 273 481 59 318
212 244 135 6959 362 77 232 828 116 794
"""
