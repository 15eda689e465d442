"""The pure core of the evaluation, by hand: periods, device judgements, undecided
counts, and the broadcast indicators R8 and R9 from reconciled outcomes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.indicators.test_stores import INVENTORY
from xaso.inventory import load_inventory
from xaso.server.broadcasts.playout_outcome import PlayoutOutcome
from xaso.server.indicators.compute import CommuneData, data_ranges, evaluate_commune
from xaso.server.indicators.measures import (
    Bounds,
    DeviceHistory,
    Window,
    device_figure,
    ratio_verdict,
)
from xaso.server.indicators.period import (
    PeriodError,
    parse_period,
    period_from_query,
    period_label,
)
from xaso.server.indicators.profile import IndicatorProfile, load_default_profile
from xaso.server.indicators.result import IndicatorResult
from xaso.server.indicators.snapshot import snapshot
from xaso.server.monitoring.availability import Availability
from xaso.server.records import TransitionRecord

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
H = 3_600_000
DAY = 24 * H
SEPT_FROM, SEPT_TO = parse_period("2026-09", TZ)
INDEX = load_inventory(INVENTORY).index()
PROFILE = load_default_profile()


# -- periods --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "first", "after"),
    [
        ("2026", "2026-01-01", "2027-01-01"),
        ("2026-Q3", "2026-07-01", "2026-10-01"),
        ("2026-q4", "2026-10-01", "2027-01-01"),
        ("2026-12", "2026-12-01", "2027-01-01"),
        ("2026-02-28", "2026-02-28", "2026-03-01"),
    ],
)
def test_named_periods_are_local_days(text: str, first: str, after: str) -> None:
    import datetime as dt

    def local_ms(day: str) -> int:
        return int(dt.datetime.fromisoformat(day).replace(tzinfo=TZ).timestamp() * 1000)

    assert parse_period(text, TZ) == (local_ms(first), local_ms(after))
    assert period_label(*parse_period(text, TZ), TZ) == text.upper().replace("Q", "Q")


def test_september_starts_at_17_utc_the_day_before() -> None:
    assert SEPT_FROM == 1_788_195_600_000  # 2026-08-31T17:00:00Z
    assert period_label(SEPT_FROM, SEPT_FROM + 5 * DAY, TZ) is None


@pytest.mark.parametrize("text", ["2026-13", "2026-Q5", "26", "2026-02-30", "soon", "1969"])
def test_bad_periods_say_why(text: str) -> None:
    with pytest.raises(ValueError, match="period"):
        parse_period(text, TZ)


def test_a_query_names_every_problem() -> None:
    assert period_from_query({"period": "2026-09"}, TZ) == (SEPT_FROM, SEPT_TO)
    assert period_from_query({"from": str(SEPT_FROM), "to": "2026-10-01"}, TZ) == (
        SEPT_FROM,
        SEPT_TO,
    )
    with pytest.raises(PeriodError) as caught:
        period_from_query({"from": "yesterday", "to": "x"}, TZ)
    assert len(caught.value.problems) == 2
    with pytest.raises(PeriodError, match="before"):
        period_from_query({"from": "2026-10-01", "to": "2026-09-01"}, TZ)
    with pytest.raises(PeriodError, match="either period or from/to"):
        period_from_query({"period": "2026", "from": "1"}, TZ)


# -- one device -----------------------------------------------------------------------


def tr(device: str, hour: float, status: str) -> TransitionRecord:
    return TransitionRecord(
        device, "hoa", "radio_cluster", SEPT_FROM + int(hour * H), status, "", ""
    )


def hoa_device(device_id: str) -> Any:
    snap = snapshot(INDEX, "hoa", SEPT_FROM, SEPT_TO)
    return next(d for d in snap.devices if d.entry.id == device_id)


R6 = PROFILE.get("R6")
assert R6 is not None
SEPT = Window(SEPT_FROM, SEPT_TO)


def test_a_device_known_just_enough_is_judged() -> None:
    device = hoa_device("hoa-rc-1")
    # Heard from 180 h on: 540 of 720 hours known = 75 %, the minimum.
    history = DeviceHistory(None, [tr("hoa-rc-1", 180, "online")])
    figure = device_figure(device, history, [], SEPT, R6, SEPT_TO)
    assert figure.state == "working"
    assert figure.figure == Availability(720 * H, 540 * H, 0, 180 * H, 0)
    history = DeviceHistory(None, [tr("hoa-rc-1", 181, "online")])
    assert device_figure(device, history, [], SEPT, R6, SEPT_TO).state == "unknown"


def test_maintenance_throughout_proves_nothing() -> None:
    device = hoa_device("hoa-rc-1")
    history = DeviceHistory(tr("hoa-rc-1", -1, "offline"), [])
    # Offline all month, but all of it inside a maintenance window.
    figure = device_figure(device, history, [(SEPT_FROM - H, SEPT_TO + H)], SEPT, R6, SEPT_TO)
    assert figure.percent == 100.0 and figure.state == "unknown"
    # Half of it outside the window: 360 h down of 720 known.
    figure = device_figure(device, history, [(SEPT_FROM, SEPT_FROM + 360 * H)], SEPT, R6, SEPT_TO)
    assert figure.percent == 50.0 and figure.state == "not_working"


def test_nothing_after_now_is_known() -> None:
    device = hoa_device("hoa-rc-1")
    history = DeviceHistory(tr("hoa-rc-1", -1, "online"), [])
    now = SEPT_FROM + 100 * H
    figure = device_figure(device, history, [], SEPT, R6, now)
    assert figure.window == Window(SEPT_FROM, now)
    assert figure.figure.up_ms == 100 * H and figure.state == "working"


@given(
    yes=st.integers(0, 20),
    unknown=st.integers(0, 20),
    no=st.integers(0, 20),
    threshold=st.sampled_from([0.0, 50.0, 80.0, 100.0]),
)
def test_an_undecided_count_never_decides_wrongly(
    yes: int, unknown: int, no: int, threshold: float
) -> None:
    # Whatever the undecided items turn out to be, a decided verdict stays true.
    total = yes + unknown + no
    r2 = msgspec.structs.replace(PROFILE.get("R2"), threshold=threshold)  # type: ignore[type-var]
    verdict, _ = ratio_verdict(Bounds(yes, unknown, total), r2, percent=True)
    outcomes = set()
    for resolved in range(unknown + 1):
        value = 100 * (yes + resolved) / total if total else 0.0
        outcomes.add(r2.meets(value))
    if verdict == "met":
        assert outcomes == {True}
    elif verdict == "not_met":
        assert outcomes == {False}
    else:
        assert outcomes == {True, False}


# -- broadcasts -----------------------------------------------------------------------


def outcome(
    cluster: str,
    start_h: float,
    status: str = "played",
    *,
    schedule: str = "ban-tin",
    priority: str = "normal",
    delay_s: float | None = 5,
    commune: str = "hoa",
) -> PlayoutOutcome:
    start = SEPT_FROM + int(start_h * H)
    return PlayoutOutcome(
        commune=commune,
        cluster=cluster,
        schedule=schedule,
        title=schedule,
        priority=priority,  # type: ignore[arg-type]
        content_type="tts",
        planned_start_ms=start,
        planned_end_ms=start + 300_000,
        status=status,  # type: ignore[arg-type]
        started_ms=None if delay_s is None else start + int(delay_s * 1000),
        # As the reconciliation names them: the cluster's gateway in the inventory.
        agent=INDEX.devices[cluster].agent_id if cluster in INDEX.devices else None,
    )


def clusters_heard_from(start_ms: int) -> dict[str, DeviceHistory]:
    """Every loudspeaker cluster online from ``start_ms`` on, unknown before: when the
    broadcast log could be watched."""
    return {
        d.id: DeviceHistory(
            None, [TransitionRecord(d.id, d.commune, d.kind, start_ms, "online", "unknown", "")]
        )
        for d in INDEX.devices.values()
        if d.kind == "radio_cluster"
    }


WATCHED_THROUGHOUT = clusters_heard_from(SEPT_FROM - 200 * DAY)


def evaluate(
    commune: str,
    playout: Sequence[PlayoutOutcome] | None,
    *,
    now_ms: int = SEPT_TO + DAY,
    period: tuple[int, int] = (SEPT_FROM, SEPT_TO),
    profile: IndicatorProfile = PROFILE,
    declared: dict[str, Any] | None = None,
    histories: dict[str, DeviceHistory] = WATCHED_THROUGHOUT,
) -> dict[str, IndicatorResult]:
    snap = snapshot(INDEX, commune, *period)
    data = CommuneData(histories, {}, {}, playout, declared or {})
    evaluation = evaluate_commune(snap, data, profile, now_ms=now_ms)
    return {r.indicator: r for r in evaluation.results}


def test_r8_counts_whole_local_days_with_a_confirmed_scheduled_broadcast() -> None:
    found = [
        outcome("hoa-rc-1", 6),  # day 0
        outcome("hoa-rc-2", 7),  # day 0 again: one day
        outcome("hoa-rc-1", 24 + 23.5),  # day 1, 23:30 local
        outcome("hoa-rc-1", 48 + 6, "late", delay_s=600),  # day 2: late still played
        outcome("hoa-rc-1", 72 + 6, "partial"),  # day 3: cut short, not confirmed
        outcome("hoa-rc-1", 96 + 6, "manual", schedule="manual:1"),  # day 4: not scheduled
        outcome("hoa-rc-1", 120 + 6, "missed", delay_s=None),  # day 5
        outcome("dong-rc-1", 144 + 6),  # another commune's cluster, whatever it says
        outcome("gone-rc-9", 168 + 6),  # removed from the inventory: by its record
    ]
    r8 = evaluate("hoa", found)["R8"]
    assert (r8.verdict, r8.numerator, r8.denominator) == ("not_met", 4, 30)
    assert r8.value == pytest.approx(4 / 30 * 7)
    counted = [e.counted for e in r8.evidence]
    assert counted == [True, True, True, True, False, False, False, True]


def test_r8_does_not_count_the_standing_relay() -> None:
    relay = [
        outcome("hoa-rc-1", d * 24 + 5, schedule="ts-tinh", priority="background")
        for d in range(30)
    ]
    r8 = evaluate("hoa", [*relay, outcome("hoa-rc-1", 6)])["R8"]
    # Relaying the province every day is not the commune broadcasting: one day counts.
    assert (r8.numerator, r8.denominator) == (1, 30)
    assert [e.id for e in r8.evidence] == [f"ban-tin@{SEPT_FROM + 6 * H}"]


def test_r8_insufficient_data_cases() -> None:
    assert evaluate("hoa", None)["R8"].verdict == "insufficient_data"  # no log source
    empty = evaluate("hoa", [])["R8"]
    assert (empty.verdict, empty.value) == ("insufficient_data", None)
    # Six whole days into the period: not yet a week to judge by.
    every_day = [outcome("hoa-rc-1", d * 24 + 6) for d in range(6)]
    early = evaluate("hoa", every_day, now_ms=SEPT_FROM + 6 * DAY + 5 * H)["R8"]
    assert (early.verdict, early.denominator, early.value) == ("insufficient_data", 6, 7.0)
    week = evaluate("hoa", every_day, now_ms=SEPT_FROM + 7 * DAY)["R8"]
    assert (week.verdict, week.numerator, week.denominator) == ("met", 6, 7)
    # A period starting mid-day: that day is not whole.
    late_start = evaluate("hoa", every_day, period=(SEPT_FROM + 12 * H, SEPT_FROM + 8 * DAY))
    assert late_start["R8"].denominator == 7


def test_r8_days_nobody_could_watch_decide_nothing_unless_they_cannot_tip_it() -> None:
    # The commune's clusters were first heard on 21 September (a gateway put on xaso
    # then): the 20 days before might each have had their bulletin.
    heard_late = clusters_heard_from(SEPT_FROM + 20 * DAY)
    daily_from_21 = [outcome("hoa-rc-1", d * 24 + 6) for d in range(20, 30)]
    r8 = evaluate("hoa", daily_from_21, histories=heard_late)["R8"]
    assert (r8.verdict, r8.numerator, r8.denominator) == ("insufficient_data", 10, 30)
    assert "20 ngày không theo dõi được" in r8.reason
    # Watched all month, the same log is a month mostly without broadcasts.
    assert evaluate("hoa", daily_from_21)["R8"].verdict == "not_met"
    # Five unwatched days cannot lift two broadcast days to five a week...
    heard_on_6th = clusters_heard_from(SEPT_FROM + 5 * DAY)
    two_days = [outcome("hoa-rc-1", d * 24 + 6) for d in (10, 11)]
    assert evaluate("hoa", two_days, histories=heard_on_6th)["R8"].verdict == "not_met"
    # ...nor take away 25 days that are on record.
    daily_from_6 = [outcome("hoa-rc-1", d * 24 + 6) for d in range(5, 30)]
    assert evaluate("hoa", daily_from_6, histories=heard_on_6th)["R8"].verdict == "met"
    # A day watched for under 75% of it (heard from 07:00 local) is not watched.
    heard_at_7 = clusters_heard_from(SEPT_FROM + 7 * H)
    r8 = evaluate("hoa", daily_from_21, histories=heard_at_7)["R8"]
    assert r8.verdict == "not_met"
    assert evaluate("hoa", [], histories=heard_at_7)["R8"].verdict == "insufficient_data"


def test_r9_takes_the_latest_emergency_on_every_installed_cluster() -> None:
    older = [
        outcome(c, 10, schedule="kc-1", priority="emergency", delay_s=5)
        for c in ("hoa-rc-1", "hoa-rc-2", "hoa-rc-3", "hoa-rc-5")
    ]
    latest = [
        outcome("hoa-rc-1", 500, schedule="kc-2", priority="emergency", delay_s=60),
        outcome("hoa-rc-2", 500, "partial", schedule="kc-2", priority="emergency", delay_s=20),
        outcome("hoa-rc-3", 500, schedule="kc-2", priority="emergency", delay_s=61),
        outcome("hoa-rc-5", 500, "failed", schedule="kc-2", priority="emergency", delay_s=None),
    ]
    r9 = evaluate("hoa", older + latest)["R9"]
    # rc-1 at 60 s and rc-2 (cut short, but reached) count; rc-3 is a second late.
    assert (r9.verdict, r9.numerator, r9.denominator, r9.value) == ("not_met", 2, 4, 50.0)
    assert r9.evidence[0].id == f"kc-2@{SEPT_FROM + 500 * H}"
    assert evaluate("hoa", older)["R9"].verdict == "met"


def test_r9_without_a_recent_emergency() -> None:
    routine = [outcome("hoa-rc-1", 6)]
    old = [outcome("hoa-rc-1", -100 * 24, schedule="kc", priority="emergency")]
    r9 = evaluate("hoa", routine + old)["R9"]
    assert (r9.verdict, r9.value) == ("not_met", 0.0)  # 100 days old: too old
    assert evaluate("hoa", [])["R9"].verdict == "insufficient_data"
    assert evaluate("hoa", None)["R9"].verdict == "insufficient_data"
    # One that started a second ago cannot be judged on its 60 s yet.
    now = SEPT_FROM + 500 * H + 30_000
    pending = [outcome("hoa-rc-1", 500, "playing", schedule="kc", priority="emergency")]
    r9 = evaluate("hoa", routine + pending, now_ms=now, period=(SEPT_FROM, SEPT_TO))["R9"]
    assert r9.verdict == "not_met"
    # No emergency on record, but the clusters were watched for only 40 of the 90 days:
    # one may have played unseen.
    heard = clusters_heard_from(SEPT_TO - 40 * DAY)
    r9 = evaluate("hoa", routine + old, histories=heard)["R9"]
    assert (r9.verdict, r9.value) == ("insufficient_data", None)
    assert "watched for only 44.4% of the 90 days" in r9.reason_en
    # An emergency on record is judged on its clusters, whatever was watched.
    latest = [
        outcome(c, 500, schedule="kc", priority="emergency")
        for c in ("hoa-rc-1", "hoa-rc-2", "hoa-rc-3", "hoa-rc-5")
    ]
    assert evaluate("hoa", latest, histories=heard)["R9"].verdict == "met"


def test_broadcasts_follow_the_merger() -> None:
    # dong-rc-1 belongs to dong until 16 September and to moi from then on.
    found = [outcome("dong-rc-1", d * 24 + 6, commune="moi") for d in range(30)]
    dong = evaluate("dong", found)["R8"]
    moi = evaluate("moi", found)["R8"]
    assert (dong.numerator, dong.denominator) == (15, 15)
    assert (moi.numerator, moi.denominator) == (15, 15)


# -- the rest -------------------------------------------------------------------------


def test_declared_values_and_switched_off_indicators() -> None:
    class Doc(msgspec.Struct):
        name: str
        sha256: str

    class Declared(msgspec.Struct):
        value: float
        documents: list[Doc]
        entered_by: str = "vh-xh"
        entered_ms: int = 0

    off = msgspec.structs.replace(
        PROFILE,
        indicators=[
            msgspec.structs.replace(i, enabled=False) if i.id == "N2" else i
            for i in PROFILE.indicators
        ],
    )
    results = evaluate(
        "hoa",
        [],
        profile=off,
        declared={
            "N1": Declared(99.0, [Doc("a.pdf", "c" * 64)]),
            "N3": Declared(2.0, [Doc("b.pdf", "d" * 64)]),
        },
    )
    assert (results["N1"].verdict, results["N1"].value) == ("not_met", 99.0)
    assert results["N1"].evidence[-1].sha256 == "c" * 64
    assert (results["N3"].verdict, results["N3"].unit) == ("met", "points")
    assert results["N2"].verdict == "not_applicable"
    assert results["N4"].verdict == "insufficient_data"


def test_a_period_not_started_yet() -> None:
    results = evaluate("hoa", [], now_ms=SEPT_FROM - H)
    measured = [r for r in results.values() if r.source in ("telemetry", "broadcast_logs")]
    assert measured and {r.verdict for r in measured} == {"insufficient_data"}
    assert results["R3"].verdict == "not_applicable"  # off by default


def test_data_ranges_cover_every_window() -> None:
    snap = snapshot(INDEX, "hoa", SEPT_FROM + 20 * DAY, SEPT_TO)  # the last ten days
    ranges = data_ranges(snap, PROFILE, SEPT_TO + DAY)
    # R6/C3 look 30 days back from the end, N5 at the period, R9 90 days, C1 the last
    # hour; gateways and recorders need no status history at all.
    # R9 also needs to know when the clusters could be watched over its 90 days.
    assert ranges.transitions == {
        "radio_cluster": Window(SEPT_TO - 90 * DAY, SEPT_TO),
        "camera": Window(SEPT_FROM, SEPT_TO),
        "vc_endpoint": Window(SEPT_FROM + 20 * DAY, SEPT_TO),
    }
    assert ranges.playout == Window(SEPT_TO - 90 * DAY, SEPT_TO)
    assert ranges.recording == Window(SEPT_TO - H, SEPT_TO)


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ({"from": "99999999999999999", "to": "999999999999999999"}, "between 1970-01-01"),
        ({"from": "-99999999999999", "to": "0"}, "from: must lie between"),
        ({"from": "0001-01-01", "to": "2026-01-01"}, "from: must lie between"),
        ({"from": "2020-01-01", "to": "2026-01-01"}, "at most 1830 days"),
        ({"from": "--5", "to": "1"}, "neither epoch milliseconds nor ISO 8601"),
    ],
)
def test_a_range_out_of_bounds_is_a_problem_not_a_crash(
    query: dict[str, str], problem: str
) -> None:
    with pytest.raises(PeriodError, match=problem):
        period_from_query(query, TZ)
    # The bounds themselves are fine: 1970 as a year, and five whole years.
    assert period_from_query({"from": "1970-01-01", "to": "1975-01-01"}, TZ) == (
        parse_period("1970", TZ)[0],
        parse_period("1975", TZ)[0],
    )
