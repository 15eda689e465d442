"""Reconciliation, pure: hand-made event sequences for every status, and properties that
must hold whatever the agents send (order, replays, duplicates)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xaso.inventory import Inventory, InventoryIndex
from xaso.server.broadcasts.playout_outcome import PlayoutOutcome
from xaso.server.broadcasts.reconcile import ReconcileRules, reconcile
from xaso.server.broadcasts.schedule import ALWAYS_FROM_MS, ALWAYS_TO_MS, Content, Schedule, Targets
from xaso.server.records import BroadcastEventRecord
from xaso.yamlcheck import load_struct_text

S = 1000
MIN = 60 * S
HOUR = 60 * MIN
DAY = 24 * HOUR
VN = ZoneInfo("Asia/Ho_Chi_Minh")
T0 = int(dt.datetime(2030, 1, 2, 6, 0, tzinfo=VN).timestamp() * 1000)  # a 06:00 bulletin
END = T0 + 10 * MIN
GRACE = 5 * MIN


def _index() -> InventoryIndex:
    text = """
schema: 1
name: test
levels: [province, commune, village]
areas: [{code: p, name: Tỉnh, level: province}]
communes:
  - code: xh
    name: Xã Xuân Hồng
    kind: xa
    parents: [{area: p}]
    villages: [{code: xh.t1, name: Thôn 1}, {code: xh.t2, name: Thôn 2}]
    agents:
      - id: xh-gw
        name: Gateway 1
        kind: radio_gateway
        devices:
          - {id: xh-rc-1, name: Cụm loa 1, type: radio_cluster, village: xh.t1}
          - {id: xh-rc-2, name: Cụm loa 2, type: radio_cluster, village: xh.t1}
          - {id: xh-rc-9, name: Cụm loa mới, type: radio_cluster, village: xh.t1, planned: true}
      - id: xh-gw2
        name: Gateway 2
        kind: radio_gateway
        devices:
          - {id: xh-rc-3, name: Cụm loa 3, type: radio_cluster, village: xh.t2}
  - code: xl
    name: Xã Xuân Lai
    kind: xa
    parents: [{area: p}]
    villages: [{code: xl.t1, name: Thôn 1}]
    agents:
      - id: xl-gw
        name: Gateway Xuân Lai
        kind: radio_gateway
        devices:
          - {id: xl-rc-1, name: Cụm loa 1, type: radio_cluster, village: xl.t1}
"""
    inventory, problems, _ = load_struct_text(text, Inventory)
    assert inventory is not None, problems
    return inventory.index()


INDEX = _index()
NEWS = Schedule(
    id="lt-sang",
    commune="xh",
    title="Bản tin sáng",
    content=Content(type="tts", text="Kính thưa bà con", duration_s=600),
    start=dt.datetime(2030, 1, 1, 6, 0),
    rrule="FREQ=DAILY",
    targets=Targets(zones=["xh.t1"]),
    revision=1,
)
CLUSTER = "xh-rc-1"


class Log:
    """A gateway's broadcast log as the store returns it: numbered, timed."""

    def __init__(self) -> None:
        self.events: list[BroadcastEventRecord] = []
        self._seq = itertools.count(1)

    def add(
        self, kind: str, at_ms: int, cluster: str = CLUSTER, agent: str = "xh-gw", **fields: Any
    ) -> BroadcastEventRecord:
        seq = next(self._seq)
        values: dict[str, Any] = {
            "schedule": NEWS.id,
            "revision": NEWS.revision,
            "priority": "normal",
            "content_type": "tts",
            "content_duration_s": 600.0,
            "occurrence_ms": 0 if kind == "received" else T0,
            "planned_end_ms": 0 if kind == "received" else END,
            "commune": INDEX.devices[cluster].commune if cluster in INDEX.devices else "xh",
        }
        values.update(fields)
        event = BroadcastEventRecord(
            event_id=f"{agent}-{seq}",
            agent_id=agent,
            cluster=cluster,
            event=kind,
            ts_ms=at_ms,
            seq=seq,
            session=1,
            **values,
        )
        self.events.append(event)
        return event

    def received(self, cluster: str = CLUSTER, at_ms: int = T0 - DAY, **fields: Any) -> None:
        self.add("received", at_ms, cluster, **fields)

    def play(
        self,
        start_ms: int,
        played_s: float,
        end: str = "finished",
        cluster: str = CLUSTER,
        **fields: Any,
    ) -> None:
        self.add("started", start_ms, cluster, started_ms=start_ms, **fields)
        end_ms = start_ms + round(played_s * 1000)
        self.add(end, end_ms, cluster, started_ms=start_ms, played_s=played_s, **fields)


def run(
    log: Log,
    now_ms: int = END + GRACE,
    schedules: list[Schedule] | None = None,
    from_ms: int = T0,
    to_ms: int = T0 + 1,
    **options: Any,
) -> list[PlayoutOutcome]:
    return reconcile(
        [NEWS] if schedules is None else schedules,
        INDEX,
        log.events,
        from_ms,
        to_ms,
        now_ms,
        **options,
    )


def one(log: Log, cluster: str = CLUSTER, **options: Any) -> PlayoutOutcome:
    found = [o for o in run(log, **options) if o.cluster == cluster]
    assert len(found) == 1, found
    return found[0]


# -- every status ------------------------------------------------------------------------


def test_played_on_time_and_in_full() -> None:
    log = Log()
    log.received()
    log.play(T0 + 2 * S, 600)
    outcome = one(log)
    assert outcome.status == "played"
    assert (outcome.started_ms, outcome.ended_ms, outcome.played_s) == (
        T0 + 2 * S,
        END + 2 * S,
        600,
    )
    assert (outcome.commune, outcome.village, outcome.agent) == ("xh", "xh.t1", "xh-gw")
    assert (outcome.title, outcome.priority, outcome.content_type) == (
        "Bản tin sáng",
        "normal",
        "tts",
    )
    assert (outcome.planned_start_ms, outcome.planned_end_ms) == (T0, END)


@pytest.mark.parametrize(
    ("delay_s", "played_s", "status"),
    [
        (60, 600, "played"),  # on time at the limit
        (61, 600, "late"),
        (-30, 600, "played"),  # a gateway clock a little ahead
        (0, 540, "played"),  # 90 %: the trailing silence of a file
        (0, 539.9, "partial"),
        (300, 200, "partial"),  # late and cut short: cut short says more
    ],
)
def test_on_time_and_complete_by_the_rules(delay_s: float, played_s: float, status: str) -> None:
    log = Log()
    log.play(T0 + round(delay_s * 1000), played_s)
    assert one(log).status == status


def test_rules_can_be_changed() -> None:
    log = Log()
    log.play(T0 + 90 * S, 500)
    rules = ReconcileRules(on_time_s=120, min_played_ratio=0.8)
    assert one(log).status == "partial"
    assert one(log, rules=rules).status == "played"


def test_a_content_shorter_than_its_slot_is_judged_by_its_own_length() -> None:
    log = Log()
    log.play(T0, 290, content_duration_s=300.0)  # the uploaded file is 5 minutes
    assert one(log).status == "played"


# -- the real length of what played ------------------------------------------------------

EMERGENCY_TEXT = Schedule(
    id="kc-bao",
    commune="xh",
    title="Cảnh báo bão",
    content=Content(type="tts", text="Khẩn cấp: bão số ba", duration_s=120),
    start=dt.datetime(2030, 1, 2, 6, 0),
    priority="emergency",
    targets=Targets(clusters=[CLUSTER]),
)
SPOKEN = {"schedule": "kc-bao", "priority": "emergency", "content_duration_s": 120.0}
SLOT_END = T0 + 2 * MIN


def test_speech_that_played_in_full_in_a_longer_slot_is_played() -> None:
    # 5.9 s of speech in a 120 s slot, as the gateway measured the audio it rendered.
    log = Log()
    log.play(T0 + S, 5.9, content_s=5.9, planned_end_ms=SLOT_END, **SPOKEN)
    outcome = one(log, schedules=[EMERGENCY_TEXT])
    assert outcome.status == "played"
    assert (outcome.content_s, outcome.measured_against) == (5.9, "content")


def test_speech_cut_halfway_is_still_partial() -> None:
    log = Log()
    log.play(T0, 3.0, content_s=6.0, planned_end_ms=SLOT_END, **SPOKEN)
    log.play(T0, 3.0, "preempted", "xh-rc-2", content_s=6.0, preempted_by="im-1", **SPOKEN)
    both = msgspec.structs.replace(EMERGENCY_TEXT, targets=Targets(zones=["xh.t1"]))
    found = {o.cluster: o for o in run(log, schedules=[both])}
    assert (found[CLUSTER].status, found[CLUSTER].measured_against) == ("partial", "content")
    assert found["xh-rc-2"].status == "partial"
    assert found["xh-rc-2"].preempted_by == "im-1"


def test_without_the_real_length_the_slot_is_the_measure_as_before() -> None:
    # An agent of before content_s, or a relay: nothing but the slot to go by.
    log = Log()
    log.play(T0 + S, 5.9, planned_end_ms=SLOT_END, **SPOKEN)
    outcome = one(log, schedules=[EMERGENCY_TEXT])
    assert (outcome.status, outcome.content_s, outcome.measured_against) == (
        "partial",
        None,
        "slot",
    )


def test_speech_longer_than_its_slot_is_played_and_measured_against_the_slot() -> None:
    log = Log()
    log.play(T0, 200, content_s=200.0, planned_end_ms=SLOT_END, **SPOKEN)
    outcome = one(log, schedules=[EMERGENCY_TEXT])
    assert (outcome.status, outcome.played_s) == ("played", 200)
    assert (outcome.content_s, outcome.measured_against) == (200.0, "slot")


def test_speech_longer_than_its_slot_is_playing_until_its_own_end() -> None:
    log = Log()
    log.add("started", T0, started_ms=T0, content_s=900.0, planned_end_ms=SLOT_END, **SPOKEN)
    # Past the slot and its grace, but not past the speech's own end and the grace.
    assert one(log, schedules=[EMERGENCY_TEXT], now_ms=T0 + 900 * S + GRACE - 1).status == (
        "playing"
    )
    gone = one(log, schedules=[EMERGENCY_TEXT], now_ms=T0 + 900 * S + GRACE)
    assert (gone.status, gone.error) == ("partial", "no_end_reported")


UPLOADED = "ab" * 32
ANNOUNCEMENT = Schedule(
    id="tb-nuoc",
    commune="xh",
    title="Thông báo lịch cắt nước",
    content=Content(type="file", sha256=UPLOADED, duration_s=60),
    start=dt.datetime(2030, 1, 2, 6, 0),
    targets=Targets(clusters=[CLUSTER]),
)
FILE_EVENT = {
    "schedule": "tb-nuoc",
    "content_type": "file",
    "content_sha256": UPLOADED,
    "content_duration_s": 60.0,
    "planned_end_ms": T0 + MIN,
}


def test_an_uploaded_file_shorter_than_its_slot_is_judged_by_its_measured_length() -> None:
    # The server measured the file at upload (10 s); the gateway need not say it.
    log = Log()
    log.play(T0, 10.0, **FILE_EVENT)
    outcome = one(log, schedules=[ANNOUNCEMENT], content_lengths={UPLOADED: 10.0})
    assert (outcome.status, outcome.content_s, outcome.measured_against) == (
        "played",
        10.0,
        "content",
    )
    # A file the server does not know: the slot, as before.
    assert one(log, schedules=[ANNOUNCEMENT]).status == "partial"


def test_an_uploaded_file_cut_halfway_is_still_partial() -> None:
    log = Log()
    log.play(T0, 5.0, **FILE_EVENT)
    assert one(log, schedules=[ANNOUNCEMENT], content_lengths={UPLOADED: 10.0}).status == (
        "partial"
    )


def test_failed_while_playing_and_before_playing() -> None:
    log = Log()
    log.play(T0, 30, end="failed", reason="player_failed", error="exit 1")
    log.add("failed", T0, "xh-rc-2", reason="content_missing")
    found = {o.cluster: o for o in run(log)}
    assert (found[CLUSTER].status, found[CLUSTER].error) == ("failed", "player_failed: exit 1")
    assert found[CLUSTER].played_s == 30
    assert (found["xh-rc-2"].status, found["xh-rc-2"].error) == ("failed", "content_missing")


def test_missed_when_the_gateway_held_it_and_did_not_play() -> None:
    log = Log()
    log.received()
    assert one(log, now_ms=END + GRACE - 1).status == "upcoming"  # the grace runs
    assert one(log, now_ms=END + GRACE).status == "missed"


@pytest.mark.parametrize("reason", ["too_late", "preempted_too_late"])
def test_skipped_too_late_is_missed(reason: str) -> None:
    log = Log()
    log.add("skipped", T0 + 20 * MIN, reason=reason, preempted_by="lt-khan")
    outcome = one(log)
    assert (outcome.status, outcome.error, outcome.preempted_by) == ("missed", reason, "lt-khan")


def test_not_received_when_the_gateway_never_confirmed_it() -> None:
    log = Log()
    log.received("xh-rc-2", at_ms=END + HOUR)  # confirmed, but only after the slot
    found = {o.cluster: o.status for o in run(log)}
    assert found == {"xh-rc-1": "not_received", "xh-rc-2": "not_received"}


def test_upcoming_then_playing() -> None:
    log = Log()
    assert one(log, now_ms=T0 - HOUR).status == "upcoming"
    assert one(log, now_ms=T0 + MIN).status == "upcoming"  # not started yet, in its slot
    log.add("started", T0 + 2 * S, started_ms=T0 + 2 * S)
    playing = one(log, now_ms=T0 + 3 * MIN)
    assert (playing.status, playing.started_ms) == ("playing", T0 + 2 * S)
    # Still nothing after the slot and the grace: an end that never came.
    gone = one(log, now_ms=END + 2 * S + GRACE)
    assert (gone.status, gone.error) == ("partial", "no_end_reported")


@pytest.mark.parametrize(
    ("kind", "fields"),
    [
        ("skipped", {"reason": "silenced", "preempted_by": "im-1"}),
        ("skipped", {"reason": "withdrawn"}),  # paused or deleted while it waited
    ],
)
def test_silenced_without_playing(kind: str, fields: dict[str, Any]) -> None:
    log = Log()
    log.add(kind, T0, **fields)
    assert one(log).status == "silenced"


def test_silenced_while_playing() -> None:
    log = Log()
    log.play(T0, 120, end="preempted", reason="silenced", preempted_by="im-1")
    log.play(T0, 60, end="preempted", cluster="xh-rc-2", preempted_by="im-2")
    found = {o.cluster: o for o in run(log, silences={"im-2"})}
    assert found[CLUSTER].status == "silenced" and found[CLUSTER].preempted_by == "im-1"
    assert found["xh-rc-2"].status == "silenced"  # known as a silence order by its id
    assert {o.status for o in run(log)} == {"silenced", "partial"}


def test_a_preempted_then_resumed_bulletin_takes_the_outcome_of_its_resumption() -> None:
    log = Log()
    log.play(T0, 120, end="preempted", preempted_by="lt-khan")
    log.play(T0 + 5 * MIN, 600, resumed=True)  # played again from the beginning
    outcome = one(log)
    assert (outcome.status, outcome.preempted_by) == ("played", "lt-khan")
    assert (outcome.started_ms, outcome.played_s) == (T0, 600)


def test_a_resumption_that_fails_is_a_failure() -> None:
    log = Log()
    log.play(T0, 120, end="preempted", preempted_by="lt-khan")
    log.play(T0 + 5 * MIN, 10, end="failed", resumed=True, reason="player_failed")
    assert (one(log).status, one(log).preempted_by) == ("failed", "lt-khan")


def test_a_preempted_bulletin_not_resumed_is_partial() -> None:
    log = Log()
    log.play(T0, 120, end="preempted", preempted_by="lt-khan")
    log.add("skipped", T0 + 20 * MIN, reason="preempted_too_late")
    outcome = one(log)
    assert (outcome.status, outcome.preempted_by, outcome.played_s) == ("partial", "lt-khan", 120)


def test_an_agent_restart_during_the_play_then_a_resumption() -> None:
    log = Log()
    log.add("started", T0, started_ms=T0)
    log.add("failed", T0 + 3 * MIN, started_ms=T0, reason="agent_restarted")
    assert one(log, now_ms=T0 + 4 * MIN).status == "failed"
    log.play(T0 + 4 * MIN, 600, resumed=True)
    assert one(log).status == "played"


def test_a_power_cut_mid_play_is_failed_with_no_invented_duration() -> None:
    # The gateway came back eight hours later: when the play stopped is not known.
    log = Log()
    log.add("started", T0, started_ms=T0)
    log.add("failed", T0 + 8 * HOUR, started_ms=T0, reason="agent_restarted")
    outcome = one(log, now_ms=T0 + 9 * HOUR)
    assert (outcome.status, outcome.played_s) == ("failed", None)
    assert outcome.error == "agent_restarted"


def test_preempted_before_it_could_start_waits_then_is_missed() -> None:
    log = Log()
    log.add("preempted", T0, preempted_by="lt-khan")
    assert one(log, now_ms=T0 + MIN).status == "upcoming"
    assert (one(log).status, one(log).preempted_by) == ("missed", "lt-khan")


# -- what was planned, and what only the events know -------------------------------------


def test_one_line_per_target_cluster_of_the_commune_only() -> None:
    everywhere = msgspec.structs.replace(NEWS, targets=Targets())
    log = Log()
    log.play(T0, 600)
    log.play(T0, 600, cluster="xh-rc-3", agent="xh-gw2")
    log.received("xh-rc-2")
    found = run(log, schedules=[everywhere])
    # The planned cluster plays nothing; the other commune is not this schedule's.
    assert [(o.cluster, o.status) for o in found] == [
        ("xh-rc-1", "played"),
        ("xh-rc-2", "missed"),
        ("xh-rc-3", "played"),
    ]
    assert found[2].agent == "xh-gw2" and found[2].village == "xh.t2"


def test_a_deleted_schedule_is_reported_from_its_events() -> None:
    log = Log()
    log.play(T0, 600, content_title="Thông báo tiêm chủng", priority="priority")
    outcome = one(log, schedules=[])
    assert (outcome.schedule, outcome.title, outcome.priority) == (
        "lt-sang",
        "Thông báo tiêm chủng",
        "priority",
    )
    assert (outcome.status, outcome.planned_end_ms) == ("played", END)


def test_a_cluster_taken_out_of_the_targets_keeps_its_played_occurrence() -> None:
    log = Log()
    log.play(T0, 600, cluster="xh-rc-3", agent="xh-gw2")  # before the targets changed
    assert [(o.cluster, o.status) for o in run(log)] == [
        ("xh-rc-1", "not_received"),
        ("xh-rc-2", "not_received"),
        ("xh-rc-3", "played"),
    ]


def test_a_changed_schedule_is_not_planned_before_its_revision_existed() -> None:
    # Revision 1 played at 06:00; this morning it was moved to 07:00 (revision 2).
    moved = msgspec.structs.replace(NEWS, start=dt.datetime(2030, 1, 1, 7, 0), revision=2)
    today = T0 + DAY
    log = Log()
    log.received()  # revision 1, long ago
    log.play(T0, 600)  # yesterday 06:00, as revision 1 said
    log.received(at_ms=today - 30 * MIN, revision=2)
    found = run(
        log, schedules=[moved], from_ms=T0 - HOUR, to_ms=today + 2 * HOUR, now_ms=today + 2 * HOUR
    )
    mine = [(o.planned_start_ms, o.status) for o in found if o.cluster == CLUSTER]
    # Yesterday: what revision 1 planned and played, not a "missed" 07:00 that was
    # never planned; today: 07:00 was held and not played.
    assert mine == [(T0, "played"), (today + HOUR, "missed")]
    other = [(o.planned_start_ms, o.status) for o in found if o.cluster == "xh-rc-2"]
    assert other == [(T0 + HOUR, "not_received"), (today + HOUR, "not_received")]


def test_the_period_takes_occurrences_by_their_planned_start() -> None:
    log = Log()
    log.received(at_ms=T0 - 12 * HOUR)
    found = run(log, from_ms=T0 - DAY, to_ms=T0 + DAY + 1, now_ms=T0 + DAY + MIN)
    assert [(o.planned_start_ms, o.status) for o in found if o.cluster == CLUSTER] == [
        (T0 - DAY, "not_received"),  # the gateway confirmed it only after that slot
        (T0, "missed"),
        (T0 + DAY, "upcoming"),
    ]
    assert run(log, from_ms=T0 + 1, to_ms=T0 + HOUR) == []


def test_a_paused_schedule_plans_nothing() -> None:
    paused = msgspec.structs.replace(NEWS, paused=True)
    assert run(Log(), schedules=[paused]) == []


def test_a_backlog_marks_the_outcome_historical() -> None:
    log = Log()
    log.play(T0, 600, historical=True)
    log.play(T0, 600, cluster="xh-rc-2")
    found = {o.cluster: o.historical for o in run(log)}
    assert found == {"xh-rc-1": True, "xh-rc-2": False}


# -- properties ---------------------------------------------------------------------------

KINDS = ["started", "finished", "failed", "preempted", "skipped"]
REASONS = [None, "silenced", "too_late", "preempted_too_late", "content_missing", "withdrawn"]

event_specs = st.lists(
    st.tuples(
        st.sampled_from(KINDS),
        st.integers(min_value=-MIN, max_value=30 * MIN),
        st.sampled_from([CLUSTER, "xh-rc-2"]),
        st.sampled_from(REASONS),
        st.one_of(st.none(), st.floats(min_value=0, max_value=900)),
    ),
    max_size=12,
)


def _log_of(specs: list[tuple[str, int, str, str | None, float | None]]) -> Log:
    log = Log()
    for kind, offset_ms, cluster, reason, played_s in specs:
        log.add(kind, T0 + offset_ms, cluster, reason=reason, played_s=played_s, started_ms=T0)
    return log


@settings(max_examples=200, deadline=None)
@given(
    specs=event_specs,
    received=st.booleans(),
    now_offset_ms=st.integers(min_value=-HOUR, max_value=2 * HOUR),
    data=st.data(),
)
def test_one_outcome_per_cluster_whatever_the_order_and_replays(
    specs: list[tuple[str, int, str, str | None, float | None]],
    received: bool,
    now_offset_ms: int,
    data: st.DataObject,
) -> None:
    log = _log_of(specs)
    if received:
        log.received()
    now_ms = T0 + now_offset_ms
    found = run(log, now_ms=now_ms)
    assert [o.cluster for o in found] == [CLUSTER, "xh-rc-2"]
    # The store gives events back in any order, and a replay stores nothing twice.
    shuffled = data.draw(st.permutations(log.events))
    replayed = Log()
    replayed.events = [*shuffled, *shuffled[: len(shuffled) // 2]]
    assert run(replayed, now_ms=now_ms) == found
    for outcome in found:
        if now_ms >= END + GRACE + 31 * MIN:
            assert outcome.status not in ("upcoming", "playing")  # everything is decided
        if outcome.status in ("played", "late"):
            assert outcome.played_s is not None and outcome.played_s >= 540


@settings(max_examples=100, deadline=None)
@given(specs=event_specs, received=st.booleans())
def test_before_its_slot_a_silent_cluster_is_only_upcoming(
    specs: list[tuple[str, int, str, str | None, float | None]], received: bool
) -> None:
    log = _log_of(specs)
    if received:
        log.received()
        log.received("xh-rc-2")
    reported = {cluster for _, _, cluster, _, _ in specs}
    for outcome in run(log, now_ms=T0 - 1):
        if outcome.cluster not in reported:
            assert outcome.status == "upcoming"


# -- the standing relay (background) -----------------------------------------------------

RELAY_END = T0 + 3 * HOUR
RELAY = Schedule(
    id="ts-vov",
    commune="xh",
    title="Tiếp sóng Đài tỉnh",
    content=Content(type="relay", url="http://radio.example/tinh", duration_s=3 * 3600),
    start=dt.datetime(2030, 1, 1, 6, 0),
    rrule="FREQ=DAILY",
    targets=Targets(clusters=[CLUSTER]),
    priority="background",
)
AS_RELAY: dict[str, Any] = {
    "schedule": RELAY.id,
    "priority": "background",
    "content_type": "relay",
    "content_duration_s": 3 * 3600.0,
    "planned_end_ms": RELAY_END,
}


def relay_outcome(log: Log, now_ms: int = RELAY_END + GRACE, **options: Any) -> PlayoutOutcome:
    found = [o for o in run(log, now_ms, [RELAY, NEWS], **options) if o.schedule == RELAY.id]
    assert len(found) == 1, found
    return found[0]


def test_a_relay_preempted_by_a_bulletin_and_resumed_played_its_due_time() -> None:
    log = Log()
    log.received(**AS_RELAY)
    # On air from 06:00, stopped for the 06:30 bulletin (10 minutes), back after it.
    log.play(T0, 1800, end="preempted", preempted_by=NEWS.id, **AS_RELAY)
    log.play(T0 + 30 * MIN, 600, occurrence_ms=T0 + 30 * MIN, planned_end_ms=T0 + 40 * MIN)
    log.play(T0 + 40 * MIN + 2 * S, 8400 - 2, resumed=True, **AS_RELAY)
    outcome = relay_outcome(log)
    assert outcome.status == "played"
    assert outcome.priority == "background" and outcome.measured_against == "due"
    assert outcome.due_s == 3 * 3600 - 600  # the slot less the bulletin
    assert outcome.played_s == pytest.approx(1800 + 8398)
    assert outcome.preempted_by == NEWS.id
    assert (outcome.started_ms, outcome.ended_ms) == (T0, RELAY_END)


def test_a_relay_off_air_for_long_outside_bulletins_is_partial_and_a_dead_stream_failed() -> None:
    log = Log()
    log.play(T0 + HOUR, 2 * 3600, **AS_RELAY)  # joined an hour late: 2 of 3 hours
    outcome = relay_outcome(log)
    assert (outcome.status, outcome.played_s, outcome.due_s) == ("partial", 7200, 10800)
    log = Log()
    log.play(T0, 600, end="failed", reason="player_failed", error="stream gone", **AS_RELAY)
    outcome = relay_outcome(log)
    assert (outcome.status, outcome.error) == ("failed", "player_failed: stream gone")


def test_the_time_a_silence_held_the_relay_is_not_due() -> None:
    log = Log()
    log.play(T0, 3600, end="preempted", preempted_by="il-1", reason="silenced", **AS_RELAY)
    log.play(T0 + 2 * HOUR, 3600, resumed=True, **AS_RELAY)
    windows = {CLUSTER: [(T0 + HOUR, T0 + 2 * HOUR)]}
    outcome = relay_outcome(log, silence_windows=windows, silences=["il-1"])
    assert (outcome.status, outcome.due_s, outcome.played_s) == ("played", 7200, 7200)
    # Without the silence's times, the hour off air counts against it.
    assert relay_outcome(log).status == "partial"


def test_a_relay_is_playing_throughout_its_slot_and_never_late() -> None:
    log = Log()
    log.add("started", T0 + 20 * MIN, started_ms=T0 + 20 * MIN, **AS_RELAY)
    outcome = relay_outcome(log, now_ms=T0 + HOUR)
    assert (outcome.status, outcome.played_s) == ("playing", 2400)
    # Pre-empted now, its slot still running: still its time.
    log.add("preempted", T0 + HOUR, started_ms=T0 + 20 * MIN, played_s=2400.0, **AS_RELAY)
    assert relay_outcome(log, now_ms=T0 + HOUR + MIN).status == "playing"
    # Never heard of: missed like a bulletin, once its slot and the grace are over.
    empty = Log()
    empty.received(**AS_RELAY)
    assert relay_outcome(empty).status == "missed"
    assert relay_outcome(empty, now_ms=T0 + HOUR).status == "upcoming"


def test_a_relay_edited_mid_slot_sums_both_revisions_plays_against_the_slot() -> None:
    # Edited an hour in (another stream): revision 1 planned the slot, revision 2 is
    # in force from the edit. The agent logs the old stream pre-empted ("changed") and
    # the edit resumed, both under the slot's one occurrence.
    edit_ms = T0 + HOUR
    edited = msgspec.structs.replace(
        RELAY,
        revision=2,
        content=msgspec.structs.replace(RELAY.content, url="http://radio.example/tw"),
    )
    versions = [(RELAY, ALWAYS_FROM_MS, edit_ms), (edited, edit_ms, ALWAYS_TO_MS)]
    log = Log()
    log.play(T0, 3600, end="preempted", reason="changed", **AS_RELAY)
    log.play(edit_ms + S, 7200 - 1, resumed=True, **{**AS_RELAY, "revision": 2})
    [outcome] = run(log, RELAY_END + GRACE, [], versions=versions)
    assert (outcome.status, outcome.due_s) == ("played", 3 * 3600)
    assert outcome.played_s == pytest.approx(3600 + 7199)
    assert (outcome.started_ms, outcome.ended_ms) == (T0, RELAY_END)


def test_a_relay_first_saved_mid_slot_is_due_from_its_save_not_from_the_slot_start() -> None:
    # Created at 14:00 for a 06:00-22:00 slot, on air from 14:00 to 22:00.
    slot = msgspec.structs.replace(
        RELAY,
        start=dt.datetime(2030, 1, 2, 6, 0),
        content=msgspec.structs.replace(RELAY.content, duration_s=16 * 3600),
    )
    saved_ms, slot_end = T0 + 8 * HOUR, T0 + 16 * HOUR
    fields = {**AS_RELAY, "content_duration_s": 16 * 3600.0, "planned_end_ms": slot_end}
    log = Log()
    log.play(saved_ms + 2 * S, 8 * 3600 - 2, **fields)
    versions = [(slot, saved_ms, ALWAYS_TO_MS)]
    [outcome] = run(log, slot_end + GRACE, [], versions=versions)
    assert outcome.status == "played"
    assert outcome.due_s == pytest.approx(8 * 3600)
    assert outcome.planned_start_ms == T0
    # Edited at 18:00 (another stream): still due from the first save to the slot's end.
    edited = msgspec.structs.replace(slot, revision=2)
    edit_ms = T0 + 12 * HOUR
    versions = [(slot, saved_ms, edit_ms), (edited, edit_ms, ALWAYS_TO_MS)]
    assert run(log, slot_end + GRACE, [], versions=versions)[0].due_s == pytest.approx(8 * 3600)
    # Switched off at 18:00 (paused): due from its save to then.
    off = msgspec.structs.replace(slot, revision=2, paused=True)
    versions = [(slot, saved_ms, edit_ms), (off, edit_ms, ALWAYS_TO_MS)]
    assert run(log, slot_end + GRACE, [], versions=versions)[0].due_s == pytest.approx(4 * 3600)
    # Taken as it is now (no versions), or a version in force since ever: the whole slot.
    assert run(log, slot_end + GRACE, [slot])[0].status == "partial"
