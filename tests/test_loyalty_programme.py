"""program_tiers and points_balance against naive references and hand-worked rules."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from custvalue.errors import CustvalueError
from custvalue.errors import InputTypeError
from custvalue.errors import InputValueError
from custvalue.errors import MissingColumnError
from custvalue.loyalty import TierResult
from custvalue.loyalty import points_balance
from custvalue.loyalty import program_tiers

TIERS = {"Member": 0, "Silver": 1000, "Gold": 5000, "Platinum": 10000}

# ---------------------------------------------------------------------------
# Naive references: one customer at a time, one day at a time, calendar
# arithmetic from pandas' DateOffset.


def ref_window_start(day: dt.date, window: str) -> dt.date:
    """First day inside the qualifying window that ends on ``day``."""
    if window == "calendar-year":
        return dt.date(day.year, 1, 1)
    months = int(window.removeprefix("rolling-").removesuffix("M"))
    back = (pd.Timestamp(day) - pd.DateOffset(months=months)).date()
    return back + dt.timedelta(days=1)


def ref_level(value: float, thresholds: list[float]) -> int:
    level = 0
    for i, t in enumerate(thresholds):
        if value >= t - 1e-9 * max(1.0, t):
            level = i
    return level


def ref_tiers(activity, tiers, window, observation_end, downgrade, grace):
    names = sorted(tiers, key=tiers.get)
    thresholds = [float(tiers[n]) for n in names]
    evals = sorted(pd.Timestamp(e).date() for e in observation_end)
    per = {}
    for cid, d, v in zip(
        activity["customer_id"], activity["date"], activity["amount"], strict=True
    ):
        per.setdefault(cid, []).append((pd.Timestamp(d).date(), float(v)))
    final, history, evaluations = {}, [], []
    for cid in sorted(per):
        rows = per[cid]
        first = min(d for d, _ in rows)

        def value_on(day, rows=rows):
            lo = ref_window_start(day, window)
            return sum(v for d, v in sorted(rows) if lo <= d <= day)

        level, fails, since = 0, 0, first
        days = sorted({d for d, _ in rows} | {e for e in evals if e >= first})
        for day in days:
            if any(d == day for d, _ in rows):
                value = value_on(day)
                q = ref_level(value, thresholds)
                if q > level:
                    history.append((cid, day, names[level], names[q], "upgrade", value))
                    level, fails, since = q, 0, day
            if day in evals:
                value = value_on(day)
                q = ref_level(value, thresholds)
                before = level
                if q > level:
                    history.append((cid, day, names[level], names[q], "upgrade", value))
                    level, fails, since, outcome = q, 0, day, "upgraded"
                elif q == level:
                    fails, outcome = 0, "requalified"
                else:
                    fails += 1
                    if fails > grace:
                        new = level - 1 if downgrade == "one-level" else q
                        history.append((cid, day, names[level], names[new], "downgrade", value))
                        level, fails, since, outcome = new, 0, day, "downgraded"
                    else:
                        outcome = "grace"
                evaluations.append(
                    (cid, day, value, names[q], names[before], names[level], outcome)
                )
        final[cid] = (names[level], level, since, fails)
    return final, history, evaluations


def as_records(result: TierResult):
    final = {
        cid: (row.tier, row.level, row.since.date(), row.failed_evaluations)
        for cid, row in result.tiers.iterrows()
    }
    history = [
        (r.customer_id, r.date.date(), r.from_tier, r.to_tier, r.event, r.qualifying_value)
        for r in result.history.itertuples()
    ]
    evaluations = [
        (
            r.customer_id,
            r.date.date(),
            r.qualifying_value,
            r.qualified_tier,
            r.tier_before,
            r.tier,
            r.outcome,
        )
        for r in result.evaluations.itertuples()
    ]
    return final, history, evaluations


def assert_same(got, ref):
    """Equal records; qualifying values compared with a float tolerance."""
    assert len(got) == len(ref)
    for g, r in zip(got, ref, strict=True):
        assert len(g) == len(r)
        for a, b in zip(g, r, strict=True):
            if isinstance(b, float):
                assert a == pytest.approx(b, rel=1e-12, abs=1e-9)
            else:
                assert a == b, (g, r)


def frame(rows):
    return pd.DataFrame(
        {
            "customer_id": [r[0] for r in rows],
            "date": pd.to_datetime([r[1] for r in rows]),
            "amount": [float(r[2]) for r in rows],
        }
    )


# ---------------------------------------------------------------------------
# program_tiers: hand-worked examples


def test_qualifies_mid_year_then_requalifies():
    act = frame(
        [
            ("a", "2023-02-01", 600),
            ("a", "2023-06-15", 400),  # year to date 1000 -> Silver that day (inclusive)
            ("a", "2023-11-01", 100),
        ]
    )
    res = program_tiers(act, TIERS, window="calendar-year", observation_end=["2023-12-31"])
    assert res.history[["date", "from_tier", "to_tier", "event"]].values.tolist() == [
        [pd.Timestamp("2023-06-15"), "Member", "Silver", "upgrade"]
    ]
    assert res.history["qualifying_value"].tolist() == [1000.0]
    ev = res.evaluations.iloc[0]
    assert (ev["qualifying_value"], ev["qualified_tier"], ev["tier"], ev["outcome"]) == (
        1100.0,
        "Silver",
        "Silver",
        "requalified",
    )
    assert res.tiers.loc["a", "since"] == pd.Timestamp("2023-06-15")
    assert res.tiers["tier"].cat.ordered


def test_upgrade_may_skip_levels_and_uses_tolerance():
    act = frame(
        [("a", "2024-01-05", 333.33), ("a", "2024-01-05", 333.33), ("a", "2024-01-06", 333.34)]
    )
    act.loc[3] = ["b", pd.Timestamp("2024-01-05"), 12000.0]
    res = program_tiers(act, TIERS, observation_end="2024-12-31")
    # 333.33 + 333.33 + 333.34 reaches 1000 despite binary rounding.
    assert res.history.loc[res.history["customer_id"] == "a", "to_tier"].tolist() == ["Silver"]
    # Member straight to Platinum on the first day.
    b = res.history[res.history["customer_id"] == "b"].iloc[0]
    assert (b["from_tier"], b["to_tier"]) == ("Member", "Platinum")


def test_drop_two_levels_one_level_versus_to_qualified():
    act = frame([("a", "2022-03-01", 6000)])  # Gold, then nothing
    evals = ["2022-12-31", "2023-12-31", "2024-12-31"]
    one = program_tiers(act, TIERS, window="calendar-year", observation_end=evals)
    assert one.evaluations["tier"].tolist() == ["Gold", "Silver", "Member"]
    assert one.evaluations["outcome"].tolist() == ["requalified", "downgraded", "downgraded"]
    assert one.history["to_tier"].tolist() == ["Gold", "Silver", "Member"]
    to_q = program_tiers(
        act, TIERS, window="calendar-year", observation_end=evals, downgrade="to-qualified"
    )
    # Year 2023 has no activity: qualified for Member, straight down two levels.
    assert to_q.evaluations["tier"].tolist() == ["Gold", "Member", "Member"]
    assert to_q.history.iloc[-1][["from_tier", "to_tier", "event"]].tolist() == [
        "Gold",
        "Member",
        "downgrade",
    ]
    assert to_q.tiers.loc["a", "since"] == pd.Timestamp("2023-12-31")


def test_grace_keeps_the_tier_for_one_failed_evaluation():
    act = frame([("a", "2022-05-01", 1500), ("a", "2024-02-01", 200)])
    res = program_tiers(
        act,
        TIERS,
        window="calendar-year",
        observation_end=["2022-12-31", "2023-12-31", "2024-12-31"],
        grace_periods=1,
    )
    assert res.evaluations["outcome"].tolist() == ["requalified", "grace", "downgraded"]
    assert res.evaluations["tier"].tolist() == ["Silver", "Silver", "Member"]
    assert res.tiers.loc["a", "failed_evaluations"] == 0
    # With two evaluations only, the customer is still in grace at the end.
    res2 = program_tiers(
        act,
        TIERS,
        window="calendar-year",
        observation_end=["2022-12-31", "2023-12-31"],
        grace_periods=1,
    )
    assert res2.tiers.loc["a", ["tier", "failed_evaluations"]].tolist() == ["Silver", 1]


def test_rolling_window_boundary_day():
    # On 2024-06-30 the rolling-12M window is 2023-07-01 .. 2024-06-30.
    act = frame([("a", "2023-06-30", 1000), ("b", "2023-07-01", 1000)])
    res = program_tiers(act, TIERS, observation_end=["2024-06-29", "2024-06-30"])
    ev = res.evaluations.set_index(["customer_id", "date"])
    assert ev.loc[("a", pd.Timestamp("2024-06-29")), "qualifying_value"] == 1000.0
    assert ev.loc[("a", pd.Timestamp("2024-06-30")), "qualifying_value"] == 0.0
    assert ev.loc[("a", pd.Timestamp("2024-06-30")), "outcome"] == "downgraded"
    assert ev.loc[("b", pd.Timestamp("2024-06-30")), "qualifying_value"] == 1000.0
    # Leap day: the window ending 2024-02-29 starts on 2023-03-01.
    act = frame([("c", "2023-02-28", 1000), ("d", "2023-03-01", 1000)])
    res = program_tiers(act, TIERS, observation_end="2024-02-29")
    assert res.evaluations["qualifying_value"].tolist() == [0.0, 1000.0]


def test_same_day_activity_counts_before_the_evaluation():
    act = frame([("a", "2023-01-01", 1000), ("a", "2023-12-31", 10)])
    res = program_tiers(act, TIERS, window="calendar-year", observation_end="2023-12-31")
    assert res.evaluations["qualifying_value"].tolist() == [1010.0]
    # Evaluations before the first activity do not concern the customer.
    res = program_tiers(
        act, TIERS, window="calendar-year", observation_end=["2022-12-31", "2023-12-31"]
    )
    assert len(res.evaluations) == 1


def test_program_tiers_integer_ids_time_zones_and_input_untouched():
    act = pd.DataFrame(
        {
            "cust": [7, 3, 7],
            "when": pd.to_datetime(
                ["2024-01-01 23:30", "2024-01-02 00:00", "2024-01-02 00:30"]
            ).tz_localize("Europe/Paris"),
            "points": [600, 10, 500],
        }
    )
    before = act.copy()
    res = program_tiers(
        act,
        {"Gold": 1000, "Base": 0},
        observation_end=[pd.Timestamp("2024-03-01")],
        customer_col="cust",
        date_col="when",
        amount_col="points",
    )
    pd.testing.assert_frame_equal(act, before)
    assert list(res.tiers.index) == [3, 7]
    assert res.tiers.index.name == "cust"
    assert res.history["cust"].tolist() == [7]
    assert res.history["date"].tolist() == [pd.Timestamp("2024-01-02")]
    assert list(res.tiers["tier"].cat.categories) == ["Base", "Gold"]


# ---------------------------------------------------------------------------
# program_tiers: against the naive reference, and properties

DAY0 = dt.date(2022, 1, 1)
activity_rows = st.lists(
    st.tuples(
        st.integers(0, 3),
        st.integers(0, 1100),  # covers 2024-02-29
        st.one_of(st.integers(0, 4000), st.sampled_from([0.1, 333.33, 999.99, 0.01])),
    ),
    min_size=1,
    max_size=25,
)


@st.composite
def programmes(draw):
    rows = draw(activity_rows)
    act = pd.DataFrame(
        {
            "customer_id": [r[0] for r in rows],
            "date": [pd.Timestamp(DAY0 + dt.timedelta(days=r[1])) for r in rows],
            "amount": [float(r[2]) for r in rows],
        }
    )
    thresholds = draw(st.lists(st.integers(1, 6000), min_size=0, max_size=4, unique=True))
    tiers = {"T0": 0, **{f"T{i + 1}": t for i, t in enumerate(sorted(thresholds))}}
    evals = draw(st.lists(st.integers(0, 1200), min_size=1, max_size=6, unique=True))
    observation_end = [DAY0 + dt.timedelta(days=e) for e in evals]
    window = draw(st.sampled_from(["rolling-12M", "calendar-year", "rolling-3M", "rolling-1M"]))
    downgrade = draw(st.sampled_from(["one-level", "to-qualified"]))
    grace = draw(st.integers(0, 2))
    return act, tiers, window, observation_end, downgrade, grace


@settings(max_examples=100, deadline=None)
@given(case=programmes())
def test_program_tiers_matches_reference(case):
    act, tiers, window, observation_end, downgrade, grace = case
    res = program_tiers(
        act,
        tiers,
        window=window,
        observation_end=observation_end,
        downgrade=downgrade,
        grace_periods=grace,
    )
    got = as_records(res)
    ref = ref_tiers(act, tiers, window, observation_end, downgrade, grace)
    assert got[0] == ref[0]
    assert_same(got[1], ref[1])
    assert_same(got[2], ref[2])


@settings(max_examples=100, deadline=None)
@given(case=programmes())
def test_one_level_never_skips_a_level_down(case):
    act, tiers, window, observation_end, _, grace = case
    res = program_tiers(
        act,
        tiers,
        window=window,
        observation_end=observation_end,
        downgrade="one-level",
        grace_periods=grace,
    )
    down = res.history[res.history["event"] == "downgrade"]
    assert (down["from_tier"].cat.codes - down["to_tier"].cat.codes == 1).all()
    ev = res.evaluations
    assert (ev["tier_before"].cat.codes - ev["tier"].cat.codes <= 1).all()
    # Downgrades only happen on evaluation dates, upgrades are never below the qualified tier.
    assert set(down["date"]) <= {pd.Timestamp(e) for e in observation_end}
    # Grace: a downgrade needs grace + 1 consecutive failures.
    assert (res.tiers["failed_evaluations"] <= grace).all()


@settings(max_examples=50, deadline=None)
@given(case=programmes())
def test_to_qualified_lands_on_the_qualified_tier(case):
    act, tiers, window, observation_end, _, grace = case
    res = program_tiers(
        act,
        tiers,
        window=window,
        observation_end=observation_end,
        downgrade="to-qualified",
        grace_periods=grace,
    )
    ev = res.evaluations
    down = ev[ev["outcome"] == "downgraded"]
    assert (down["tier"] == down["qualified_tier"]).all()
    kept = ev[ev["outcome"] == "grace"]
    assert (kept["tier"] == kept["tier_before"]).all()
    assert (kept["qualified_tier"].cat.codes < kept["tier"].cat.codes).all()


@pytest.mark.parametrize(
    ("kwargs", "error", "fragment"),
    [
        ({"tiers": {"Silver": 1000, "Gold": 5000}}, InputValueError, "threshold 0"),
        ({"tiers": {"Base": 0, "Silver": 100, "Gold": 100}}, InputValueError, "same threshold"),
        ({"tiers": {"Base": 0, "Silver": -5}}, InputValueError, "tiers['Silver']"),
        ({"tiers": {}}, InputTypeError, "`tiers`"),
        ({"tiers": [0, 100]}, InputTypeError, "`tiers`"),
        ({"window": "rolling-0M"}, InputValueError, "`window`"),
        ({"window": "yearly"}, InputValueError, "`window`"),
        ({"downgrade": "two-levels"}, InputValueError, "`downgrade`"),
        ({"grace_periods": -1}, InputValueError, "`grace_periods`"),
        ({"grace_periods": 1.5}, InputTypeError, "`grace_periods`"),
        ({"observation_end": []}, InputValueError, "`observation_end` is empty"),
        ({"observation_end": ["2024-01-01", "2024-01-01"]}, InputValueError, "more than once"),
        ({"observation_end": ["2024-01-01", "soon"]}, InputValueError, "observation_end[1]"),
        ({"observation_end": 20240101}, InputTypeError, "`observation_end`"),
        ({"amount_col": "spend"}, MissingColumnError, "'spend'"),
        ({"customer_col": "id"}, MissingColumnError, "`activity` has no column 'id'"),
    ],
)
def test_program_tiers_bad_arguments(kwargs, error, fragment):
    act = frame([("a", "2023-01-01", 10)])
    args = {"tiers": TIERS, "observation_end": "2023-12-31", **kwargs}
    tiers = args.pop("tiers")
    with pytest.raises(error) as info:
        program_tiers(act, tiers, **args)
    assert fragment in str(info.value)
    assert isinstance(info.value, CustvalueError)


@pytest.mark.parametrize(
    ("act", "error", "fragment"),
    [
        (frame([("a", "2023-01-01", -10)]), InputValueError, "'amount'"),
        (frame([("a", "2023-01-01", np.nan)]), InputValueError, "'amount'"),
        (frame([])[["customer_id", "date", "amount"]], InputValueError, "`activity` is empty"),
        (
            pd.DataFrame({"customer_id": ["a"], "date": [3.0], "amount": [1.0]}),
            InputTypeError,
            "must hold dates",
        ),
        (
            pd.DataFrame({"customer_id": ["a"], "date": ["2024-01-01"], "amount": [1.0]}),
            InputTypeError,
            "'date'",
        ),
        (
            pd.DataFrame(
                {"customer_id": [None], "date": pd.to_datetime(["2024-01-01"]), "amount": [1.0]}
            ),
            InputValueError,
            "missing customer ids",
        ),
        ([1, 2], InputTypeError, "`activity`"),
    ],
)
def test_program_tiers_bad_activity(act, error, fragment):
    with pytest.raises(error) as info:
        program_tiers(act, TIERS, observation_end="2023-12-31")
    assert fragment in str(info.value)


# ---------------------------------------------------------------------------
# points_balance


def ledger(rows):
    return pd.DataFrame(
        {
            "customer_id": [r[0] for r in rows],
            "date": pd.to_datetime([r[1] for r in rows]),
            "points": [r[2] for r in rows],
        }
    )


def test_expiry_at_the_boundary_date():
    rows = [("a", "2023-03-15", 100)]
    # Usable through 2024-03-14 ...
    ok = points_balance(ledger([*rows, ("a", "2024-03-14", -100)]), expiry="12M")
    assert ok.loc["a"].tolist()[:4] == [100, 100, 0, 0]
    # ... and gone on 2024-03-15.
    with pytest.raises(InputValueError, match=r"redeems 100 points on 2024-03-15") as info:
        points_balance(ledger([*rows, ("a", "2024-03-15", -100)]), expiry="12M")
    assert "only 0 are available" in str(info.value)
    before = points_balance(ledger(rows), expiry="12M", observation_end="2024-03-14")
    assert before.loc["a", "balance"] == 100
    assert before.loc["a", "next_expiry"] == pd.Timestamp("2024-03-15")
    assert before.loc["a", "expiring_points"] == 100
    after = points_balance(ledger(rows), expiry="12M", observation_end="2024-03-15")
    assert after.loc["a", ["balance", "expired"]].tolist() == [0, 100]
    assert pd.isna(after.loc["a", "next_expiry"])
    assert after.loc["a", "expiring_points"] == 0


def test_fifo_takes_the_oldest_points_first():
    rows = [
        ("a", "2023-01-01", 100),
        ("a", "2023-07-01", 100),
        ("a", "2023-08-01", -150),  # 100 from January, 50 from July
        ("a", "2024-01-01", 0),
    ]
    out = points_balance(ledger(rows), expiry="12M", observation_end="2024-07-01")
    # January's lot was used up; July's remaining 50 expire on 2024-07-01.
    assert out.loc["a"].tolist()[:4] == [200, 150, 50, 0]
    # A last-in-first-out rule would have expired 100 in January instead.
    mid = points_balance(ledger(rows), expiry="12M", observation_end="2024-01-01")
    assert mid.loc["a", ["balance", "expired", "expiring_points"]].tolist() == [50, 0, 50]
    assert mid.loc["a", "next_expiry"] == pd.Timestamp("2024-07-01")


def test_same_day_earning_can_be_redeemed_and_month_end_clipping():
    out = points_balance(ledger([("a", "2024-01-31", 10), ("a", "2024-01-31", -10)]), expiry="1M")
    assert out.loc["a", "balance"] == 0
    out = points_balance(ledger([("a", "2024-01-31", 10)]), expiry="1M")
    assert out.loc["a", "next_expiry"] == pd.Timestamp("2024-02-29")
    out = points_balance(ledger([("a", "2024-02-29", 10)]), expiry="1Y")
    assert out.loc["a", "next_expiry"] == pd.Timestamp("2025-02-28")
    out = points_balance(ledger([("a", "2024-02-29", 10)]), expiry="30D")
    assert out.loc["a", "next_expiry"] == pd.Timestamp("2024-03-30")


def test_no_expiry_and_rows_after_observation_end():
    rows = [
        ("b", "2020-01-01", 5),
        ("a", "2024-01-01", 7),
        ("a", "2024-06-01", -2),
        ("c", "2025-01-01", 1),
    ]
    out = points_balance(ledger(rows), observation_end="2024-12-31")
    assert list(out.index) == ["a", "b"]
    assert out["balance"].tolist() == [5, 5]
    assert out["next_expiry"].isna().all()
    assert out["balance"].dtype == np.int64


@st.composite
def ledgers(draw):
    rows = draw(
        st.lists(
            st.tuples(
                st.integers(0, 1),
                # multiples of 30 days often land exactly on a "30D" / "90D" expiry day
                st.one_of(st.integers(0, 6).map(lambda k: 30 * k), st.integers(0, 900)),
                st.integers(-60, 100),
            ),
            min_size=1,
            max_size=30,
        )
    )
    return (
        rows,
        draw(st.sampled_from([None, "12M", "1M", "90D", "30D", "1Y"])),
        draw(st.one_of(st.just(1000), st.integers(0, 1000))),
    )


def ref_points(rows, expiry, observation_end):
    """Per customer, day by day: expire, earn, redeem FIFO; None if a redemption fails."""

    def expiry_day(d):
        if expiry is None:
            return dt.date.max
        n, unit = int(expiry[:-1]), expiry[-1]
        ts = pd.Timestamp(d)
        if unit == "D":
            return (ts + pd.Timedelta(days=n)).date()
        return (ts + pd.DateOffset(months=n * (12 if unit == "Y" else 1))).date()

    per = {}
    for cid, d, p in rows:
        if d <= observation_end:
            per.setdefault(cid, []).append((d, p))
    out = {}
    for cid in sorted(per):
        lots = []  # [expiry day, points]
        earned = redeemed = expired = 0
        for day in sorted({d for d, _ in per[cid]} | {observation_end}):
            for lot in lots:
                if lot[0] <= day and lot[1] > 0:
                    expired += lot[1]
                    lot[1] = 0
            for d, p in per[cid]:
                if d == day and p > 0:
                    earned += p
                    lots.append([expiry_day(d), p])
            for d, p in per[cid]:
                if d == day and p < 0:
                    need = -p
                    if need > sum(lot[1] for lot in lots):
                        return None
                    redeemed += need
                    for lot in lots:  # oldest first
                        take = min(need, lot[1])
                        lot[1] -= take
                        need -= take
        left = [lot for lot in lots if lot[1] > 0]
        nxt = min((lot[0] for lot in left), default=None)
        expiring = sum(lot[1] for lot in left if lot[0] == nxt)
        out[cid] = (earned, redeemed, expired, sum(lot[1] for lot in left), nxt, expiring)
    return out


@settings(max_examples=100, deadline=None)
@given(case=ledgers())
def test_points_balance_matches_reference(case):
    raw, expiry, observation_end_offset = case
    day0 = dt.date(2023, 1, 1)
    rows = [(c, day0 + dt.timedelta(days=d), p) for c, d, p in raw]
    observation_end = day0 + dt.timedelta(days=observation_end_offset)
    led = ledger(rows)
    ref = ref_points(rows, expiry, observation_end)
    if all(d > observation_end for _, d, _ in rows):
        with pytest.raises(InputValueError, match="observation_end"):
            points_balance(led, expiry=expiry, observation_end=observation_end)
        return
    if ref is None:
        with pytest.raises(InputValueError, match="redeems"):
            points_balance(led, expiry=expiry, observation_end=observation_end)
        return
    got = points_balance(led, expiry=expiry, observation_end=observation_end)
    assert list(got.index) == list(ref)
    for cid, (earned, redeemed, expired, balance, nxt, expiring) in ref.items():
        row = got.loc[cid]
        assert row[["earned", "redeemed", "expired", "balance"]].tolist() == [
            earned,
            redeemed,
            expired,
            balance,
        ]
        assert balance >= 0
        if expiry is None or nxt is None:
            assert pd.isna(row["next_expiry"]) and row["expiring_points"] == 0
        else:
            assert row["next_expiry"].date() == nxt
            assert row["expiring_points"] == expiring


@pytest.mark.parametrize(
    ("led", "kwargs", "error", "fragment"),
    [
        (ledger([("a", "2024-01-01", -5)]), {}, InputValueError, "customer 'a' redeems 5 points"),
        (ledger([("a", "2024-01-01", 1.5)]), {}, InputValueError, "whole numbers"),
        (ledger([("a", "2024-01-01", 5)]), {"expiry": "12"}, InputValueError, "`expiry`"),
        (ledger([("a", "2024-01-01", 5)]), {"expiry": "0M"}, InputValueError, "`expiry`"),
        (ledger([("a", "2024-01-01", 5)]), {"expiry": 12}, InputValueError, "`expiry`"),
        (
            ledger([("a", "2024-01-01", 5)]),
            {"observation_end": "2023-01-01"},
            InputValueError,
            "`observation_end`",
        ),
        (ledger([("a", "2024-01-01", 5)]), {"points_col": "pts"}, MissingColumnError, "`ledger`"),
        (
            pd.DataFrame({"customer_id": ["a"], "date": [1.0], "points": [5]}),
            {},
            InputTypeError,
            "must hold dates",
        ),
        (
            pd.DataFrame(
                {"customer_id": ["a"], "date": pd.to_datetime(["2024-01-01"]), "points": ["5"]}
            ),
            {},
            InputTypeError,
            "'points'",
        ),
    ],
)
def test_points_balance_bad_input(led, kwargs, error, fragment):
    with pytest.raises(error) as info:
        points_balance(led, **kwargs)
    assert fragment in str(info.value)
