"""The pure planner: TT39 classes, pre-emption, resumption, lateness, silences."""

from __future__ import annotations

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.playout_helpers import MIN_MS, RULES, Simulation
from xaso.agent.playout.plan import (
    READY,
    Close,
    Fail,
    Occurrence,
    Readiness,
    Record,
    Skip,
    Start,
    State,
    Stop,
    Timetable,
    Wait,
    plan,
)
from xaso.protocol import Priority, ScheduledContent, ScheduleItem, Silence
from xaso.testbed.schedule_sets import item, schedule_set

T0 = 1_800_000_000_000  # a 06:00 somewhere in 2027


def test_an_occurrence_starts_at_its_time_and_not_before() -> None:
    sim = Simulation(schedule_set(item("morning", [T0], duration_s=60)))
    assert sim.step(T0 - 1) == []
    [start] = sim.step(T0)
    assert isinstance(start, Start) and start.occurrence.key == ("morning", T0)
    assert not start.resumed
    sim.run(T0, T0 + 5 * MIN_MS)
    assert sim.events() == [("started", "morning", ""), ("finished", "morning", "")]


def test_emergency_preempts_a_normal_item_which_resumes_from_the_start_in_time() -> None:
    sim = Simulation(
        schedule_set(
            item("bulletin", [T0], duration_s=300),
            item("flood", [T0 + 30_000], priority="emergency", duration_s=60),
        )
    )
    sim.run(T0, T0 + 10 * MIN_MS)
    assert sim.events() == [
        ("started", "bulletin", ""),
        ("preempted", "bulletin", "flood"),
        ("started", "flood", ""),
        ("finished", "flood", ""),
        ("started", "bulletin", "resumed"),
        ("finished", "bulletin", ""),
    ]
    times = {(k, s, d): t for t, k, _, s, _, d in sim.log}
    # The emergency stops the bulletin the moment it is due, and starts at the next
    # tick, once the cluster is free.
    assert times[("preempted", "bulletin", "flood")] == T0 + 30_000
    assert times[("started", "flood", "")] == T0 + 31_000


def test_a_preempted_item_past_its_tolerance_is_skipped_not_resumed() -> None:
    sim = Simulation(
        schedule_set(
            item("bulletin", [T0], duration_s=300),
            item("flood", [T0 + MIN_MS], priority="emergency", duration_s=15 * 60),
        )
    )
    sim.run(T0, T0 + 30 * MIN_MS)
    assert sim.events() == [
        ("started", "bulletin", ""),
        ("preempted", "bulletin", "flood"),
        ("started", "flood", ""),
        ("skipped", "bulletin", "preempted_too_late"),
        ("finished", "flood", ""),
    ]


def test_an_emergency_does_not_interrupt_another_emergency_first_come_first_served() -> None:
    sim = Simulation(
        schedule_set(
            item("fire", [T0], priority="emergency", duration_s=120),
            item("flood", [T0 + 10_000], priority="emergency", duration_s=60),
        )
    )
    sim.run(T0, T0 + 10 * MIN_MS)
    assert sim.events() == [
        ("started", "fire", ""),
        ("finished", "fire", ""),
        ("started", "flood", ""),
        ("finished", "flood", ""),
    ]


def test_priority_goes_ahead_of_waiting_normals_but_never_interrupts() -> None:
    sim = Simulation(
        schedule_set(
            item("a-normal", [T0], duration_s=120),
            item("b-normal", [T0 + 10_000], duration_s=60),
            item("c-priority", [T0 + 20_000], priority="priority", duration_s=60),
        )
    )
    sim.run(T0, T0 + 10 * MIN_MS)
    assert sim.events("started") == [
        ("started", "a-normal", ""),
        ("started", "c-priority", ""),  # ahead of b, which waited longer
        ("started", "b-normal", ""),
    ]
    assert not sim.events("preempted")


def test_same_class_earliest_planned_start_first_then_schedule_id() -> None:
    sim = Simulation(
        schedule_set(
            item("z-first", [T0], duration_s=60),
            item("b-third", [T0 + 20_000], duration_s=60),
            item("a-second", [T0 + 20_000 - 1], duration_s=60),
            item("a-tie", [T0 + 20_000], duration_s=60),
        )
    )
    sim.run(T0, T0 + 10 * MIN_MS)
    assert [s for _, s, _ in sim.events("started")] == ["z-first", "a-second", "a-tie", "b-third"]


def test_an_occurrence_that_cannot_start_in_time_is_skipped_too_late() -> None:
    # The agent was down: it comes back 11 minutes after the planned start.
    sim = Simulation(schedule_set(item("morning", [T0]), item("noon", [T0 + 5 * MIN_MS])))
    [skip, start] = sim.step(T0 + 11 * MIN_MS)
    assert skip == Skip(skip.occurrence, "too_late") and skip.occurrence.schedule == "morning"
    assert isinstance(start, Start) and start.occurrence.schedule == "noon"
    # A busy cluster does the same to what waits behind a long item.
    sim = Simulation(
        schedule_set(item("long", [T0], duration_s=20 * 60), item("short", [T0 + MIN_MS]))
    )
    sim.run(T0, T0 + 30 * MIN_MS)
    assert ("skipped", "short", "too_late") in sim.events()


def test_silence_stops_what_plays_skips_what_falls_inside_and_lets_the_rest_wait() -> None:
    silence = Silence(id="quiet", clusters=["rc-01"], from_ms=T0 + MIN_MS, to_ms=T0 + 3 * MIN_MS)
    sim = Simulation(
        schedule_set(
            item("playing", [T0], duration_s=300),
            item("inside", [T0 + 2 * MIN_MS], duration_s=60),
            item("after", [T0 + 4 * MIN_MS], duration_s=60),
            silences=[silence],
        )
    )
    sim.run(T0, T0 + 10 * MIN_MS)
    assert sim.events() == [
        ("started", "playing", ""),
        ("preempted", "playing", "quiet"),  # stopped by the silence: not resumed
        ("skipped", "inside", "silenced"),
        ("started", "after", ""),
        ("finished", "after", ""),
    ]
    started = [t for t, k, *_ in sim.log if k == "started"]
    assert all(not silence.from_ms <= t < silence.to_ms for t in started)


def test_the_later_order_wins_between_an_emergency_and_a_silence() -> None:
    # An emergency ordered during a silence plays (TT39: it pre-empts everything)...
    silence = Silence(id="quiet", clusters=["rc-01"], from_ms=T0 + MIN_MS, to_ms=T0 + 5 * MIN_MS)
    sim = Simulation(
        schedule_set(
            item("normal", [T0 + 2 * MIN_MS], duration_s=60),
            item("alarm", [T0 + 2 * MIN_MS + 1], priority="emergency", duration_s=30),
            silences=[silence],
        )
    )
    sim.run(T0, T0 + 10 * MIN_MS)
    assert sim.events() == [
        ("skipped", "normal", "silenced"),
        ("started", "alarm", ""),
        ("finished", "alarm", ""),
    ]
    # ...and a silence ordered during an emergency stops it: the officer's way to cut a
    # wrong alert.
    silence = Silence(id="cut", clusters=["rc-01"], from_ms=T0 + MIN_MS, to_ms=T0 + 5 * MIN_MS)
    sim = Simulation(
        schedule_set(item("alarm", [T0], priority="emergency", duration_s=300), silences=[silence])
    )
    sim.run(T0, T0 + 10 * MIN_MS)
    assert sim.events() == [("started", "alarm", ""), ("preempted", "alarm", "cut")]


def test_a_silence_elsewhere_changes_nothing_here() -> None:
    silence = Silence(id="quiet", clusters=["rc-02"], from_ms=T0, to_ms=T0 + MIN_MS)
    sim = Simulation(schedule_set(item("here", [T0], duration_s=30), silences=[silence]))
    sim.run(T0, T0 + MIN_MS)
    assert sim.events() == [("started", "here", ""), ("finished", "here", "")]


def test_what_waited_through_a_silence_plays_after_it_within_tolerance() -> None:
    silence = Silence(id="quiet", clusters=["rc-01"], from_ms=T0 + 10_000, to_ms=T0 + 2 * MIN_MS)
    sim = Simulation(
        schedule_set(
            item("long", [T0 - 9 * MIN_MS], duration_s=9 * 60 + 20),
            item("waiting", [T0], duration_s=60),
            silences=[silence],
        )
    )
    sim.run(T0 - 9 * MIN_MS, T0 + 5 * MIN_MS)
    assert sim.events("started")[-1] == ("started", "waiting", "")
    start_time = [t for t, k, _, s, *_ in sim.log if (k, s) == ("started", "waiting")]
    assert start_time == [T0 + 2 * MIN_MS]


def test_content_not_ready_waits_then_fails_and_a_final_problem_fails_at_once() -> None:
    file = ScheduledContent(type="file", duration_s=60, sha256="ab" * 32)
    pending = Readiness(False, "content_missing", "audio not fetched yet")
    sim = Simulation(
        schedule_set(item("fetching", [T0], content=file), item("normal", [T0], duration_s=600)),
        readiness={"fetching": pending, "normal": READY},
    )
    decisions = sim.step(T0)
    assert [type(d) for d in decisions] == [Wait, Start]
    assert decisions[1].occurrence.schedule == "normal"
    sim.run(T0 + 1000, T0 + MIN_MS, 1000)
    assert not sim.events("failed")
    [fail] = [d for d in sim.step(T0 + MIN_MS + 1) if isinstance(d, Fail)]
    assert (fail.reason, fail.error) == ("content_missing", "audio not fetched yet")

    broken = Readiness(False, "tts_failed", "tts: command not found: espeak-ng", final=True)
    sim = Simulation(schedule_set(item("speech", [T0])), readiness={"speech": broken})
    [fail] = sim.step(T0)
    assert isinstance(fail, Fail) and fail.reason == "tts_failed"


def test_an_emergency_whose_audio_arrives_late_preempts_when_it_is_ready() -> None:
    sim = Simulation(
        schedule_set(
            item("bulletin", [T0], duration_s=600),
            item("flood", [T0 + 1000], priority="emergency", duration_s=60),
        ),
        readiness={"bulletin": READY, "flood": Readiness(False, "content_missing", "fetching")},
    )
    sim.run(T0, T0 + 5000)
    assert not sim.events("preempted")
    sim.readiness["flood"] = READY
    sim.run(T0 + 6000, T0 + 7000)
    assert sim.events()[-2:] == [("preempted", "bulletin", "flood"), ("started", "flood", "")]


def test_the_newest_revision_plays_and_a_start_dropped_by_a_new_set_still_plays() -> None:
    sim = Simulation(
        schedule_set(
            item("long", [T0], duration_s=120),
            item("next", [T0 + 10_000], duration_s=60),
        )
    )
    sim.run(T0, T0 + 20_000)  # "next" is due and waits
    # The server re-expands from "now": the past start is gone, the schedule is not.
    sim.replace_set(
        schedule_set(
            item("long", [], duration_s=120),
            item("next", [T0 + 86_400_000], duration_s=60, revision=2),
        )
    )
    sim.run(T0 + 21_000, T0 + 5 * MIN_MS)
    assert ("started", "next", "") in sim.events()


def test_a_schedule_withdrawn_while_its_occurrence_waits_is_skipped() -> None:
    sim = Simulation(schedule_set(item("long", [T0], duration_s=120), item("gone", [T0 + 10_000])))
    sim.run(T0, T0 + 20_000)
    sim.replace_set(schedule_set(item("long", [T0], duration_s=120)))
    sim.step(T0 + 21_000)
    assert sim.events("skipped") == [("skipped", "gone", "withdrawn")]


def test_occurrences_planned_before_the_set_was_built_are_not_this_sets_to_log() -> None:
    # A set expanded from midnight, received at 10:00 by a fresh gateway.
    received_ms = T0 + 4 * 60 * MIN_MS
    sim = Simulation(schedule_set(item("morning", [T0]), ts_ms=received_ms))
    assert sim.step(received_ms) == []
    # An "emergency now" a few seconds older than the set still plays.
    sim = Simulation(
        schedule_set(item("now", [received_ms - 3000], priority="emergency"), ts_ms=received_ms)
    )
    [start] = sim.step(received_ms + 200)
    assert isinstance(start, Start)


def test_after_a_restart_an_interrupted_play_resumes_in_time_or_is_closed() -> None:
    content = ScheduledContent("tts", 60, text="morning")
    occ = Occurrence("rc-01", "morning", T0, 1, "normal", content)
    timetable = Timetable(schedule_set(item("morning", [T0], duration_s=60)))
    state = State({"rc-01": {occ.key: Record(occ, "interrupted", T0)}}, set())
    [start] = plan(timetable, state, {"morning": READY}, T0 + 2 * MIN_MS, RULES)
    assert start == Start(occ, resumed=True)
    [close] = plan(timetable, state, {"morning": READY}, T0 + 11 * MIN_MS, RULES)
    assert close == Close(occ)


def test_clusters_are_planned_independently() -> None:
    sim = Simulation(
        schedule_set(
            item("both", [T0], clusters=["rc-01", "rc-02"], duration_s=120),
            item("alarm", [T0 + 1000], clusters=["rc-02"], priority="emergency", duration_s=30),
        )
    )
    decisions = sim.step(T0)
    assert sorted(d.occurrence.cluster for d in decisions if isinstance(d, Start)) == [
        "rc-01",
        "rc-02",
    ]
    stop, wait = sim.step(T0 + 1000)
    assert isinstance(wait, Wait) and wait.occurrence.schedule == "alarm"
    assert isinstance(stop, Stop) and stop.occurrence.cluster == "rc-02"
    assert (stop.cause, stop.by, stop.for_key) == ("emergency", "alarm", ("alarm", T0 + 1000))


# -- properties over random days ---------------------------------------------------------

_priorities = st.sampled_from(["normal", "normal", "priority", "emergency"])
_items = st.lists(
    st.tuples(
        st.integers(0, 60),  # start, minutes after T0
        st.integers(1, 20),  # duration, minutes
        _priorities,
        st.sets(st.sampled_from(["rc-01", "rc-02"]), min_size=1),
    ),
    min_size=1,
    max_size=8,
)
_silences = st.lists(
    st.tuples(st.integers(0, 60), st.integers(1, 15), st.sampled_from(["rc-01", "rc-02"])),
    max_size=2,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_items, _silences)
def test_properties_of_any_day(
    specs: list[tuple[int, int, Priority, set[str]]], silence_specs: list[tuple[int, int, str]]
) -> None:
    items = [
        item(
            f"s{i}",
            [T0 + start * MIN_MS],
            priority=prio,
            clusters=sorted(clusters),
            duration_s=duration * 60,
        )
        for i, (start, duration, prio, clusters) in enumerate(specs)
    ]
    silences = [
        Silence(id=f"q{i}", clusters=[c], from_ms=T0 + f * MIN_MS, to_ms=T0 + (f + d) * MIN_MS)
        for i, (f, d, c) in enumerate(silence_specs)
    ]
    sim = Simulation(schedule_set(*items, silences=silences))
    priority_of = {i.id: i.priority for i in items}
    for now_ms in range(T0, T0 + 120 * MIN_MS, 30_000):
        for d in sim.step(now_ms):
            o = d.occurrence
            if isinstance(d, Start):
                # Never inside a silence, unless an emergency ordered after it; never
                # too late.
                assert not any(
                    o.cluster in s.clusters
                    and s.from_ms <= now_ms < s.to_ms
                    and not (o.priority == "emergency" and o.start_ms >= s.from_ms)
                    for s in silences
                )
                assert now_ms <= o.start_ms + RULES.late_start_ms
            if isinstance(d, Stop) and d.cause == "emergency":
                # Only an emergency stops anything, and never another emergency.
                assert priority_of[d.by] == "emergency" and o.priority != "emergency"
        # At most one play per cluster.
        counts: dict[str, int] = {}
        for c, recs in sim.records.items():
            counts[c] = sum(r.status == "playing" for r in recs.values())
        assert all(n <= 1 for n in counts.values())
    # Long after: every occurrence ended in exactly one final way, and each was logged.
    for i in items:
        for cluster in i.clusters:
            record = sim.records[cluster][(i.id, i.starts_ms[0])]
            assert record.status == "done", (i.id, cluster, record.status)
    finals = [
        (c, s, start)
        for _, k, c, s, start, d in sim.log
        if k in ("finished", "skipped", "failed") or (k == "preempted" and d.startswith("q"))
    ]
    assert len(finals) == len(set(finals)) == sum(len(i.clusters) for i in items)


def test_a_recurring_emergency_keeps_a_silence_ordered_after_it_was_set_up() -> None:
    # A weekly siren test was scheduled long before today's silence (a funeral next to
    # the loudspeaker): the later order, the silence, wins over it.
    silence = Silence(id="quiet", clusters=["rc-01"], from_ms=T0, to_ms=T0 + 5 * MIN_MS)
    weekly = item("siren-test", [T0 + MIN_MS], priority="emergency", duration_s=30)
    sim = Simulation(
        schedule_set(msgspec.structs.replace(weekly, rrule="FREQ=WEEKLY"), silences=[silence])
    )
    sim.run(T0, T0 + 10 * MIN_MS)
    assert sim.events() == [("skipped", "siren-test", "silenced")]


def test_an_occurrence_carries_the_volume_the_server_asked_for() -> None:
    timetable = Timetable(
        schedule_set(item("loud", [T0], volume=90), item("plain", [T0], clusters=["rc-02"]))
    )
    found = {o.schedule: o.volume for o in timetable.between(T0, T0)}
    assert found == {"loud": 90, "plain": None}


# -- the standing relay (background) --------------------------------------------------

HOUR_MS = 60 * MIN_MS
RELAY = ScheduledContent(type="relay", duration_s=3 * 3600, url="http://vov.example/vov1")


def relay(starts: list[int]) -> ScheduleItem:
    return item("vov1", starts, priority="background", content=RELAY)


def test_any_bulletin_preempts_the_relay_which_resumes_for_the_rest_of_its_slot() -> None:
    sim = Simulation(
        schedule_set(
            relay([T0]),
            item("news", [T0 + HOUR_MS], duration_s=600),
        )
    )
    sim.run(T0, T0 + 4 * HOUR_MS, step_ms=1000)
    assert sim.events() == [
        ("started", "vov1", ""),
        ("preempted", "vov1", "news"),  # a normal bulletin is enough
        ("started", "news", ""),
        ("finished", "news", ""),
        ("started", "vov1", "resumed"),  # two hours after its start: never too late
        ("finished", "vov1", ""),
    ]
    times = {(k, s, d): t for t, k, _, s, _, d in sim.log}
    # The bulletin does not wait for the relay: stopped the moment it is due.
    assert times[("preempted", "vov1", "news")] == T0 + HOUR_MS
    # The stream comes back for the rest of the slot, and ends with it.
    assert times[("finished", "vov1", "")] == T0 + 3 * HOUR_MS


def test_the_relay_waits_behind_every_bulletin_and_never_makes_one_late() -> None:
    sim = Simulation(
        schedule_set(
            item("news", [T0 - 1], duration_s=60),
            relay([T0]),
        )
    )
    sim.run(T0 - 1, T0 + 5 * MIN_MS)
    assert [s for _, s, _ in sim.events("started")] == ["news", "vov1"]


def test_a_silence_stops_the_relay_which_comes_back_after_it() -> None:
    quiet = Silence(id="quiet", clusters=["rc-01"], from_ms=T0 + HOUR_MS, to_ms=T0 + 2 * HOUR_MS)
    sim = Simulation(schedule_set(relay([T0]), silences=[quiet]))
    sim.run(T0, T0 + 4 * HOUR_MS, step_ms=1000)
    assert sim.events() == [
        ("started", "vov1", ""),
        ("preempted", "vov1", "quiet"),
        ("started", "vov1", "resumed"),
        ("finished", "vov1", ""),
    ]
    times = [t for t, k, *_ in sim.log if k == "started"]
    assert times == [T0, T0 + 2 * HOUR_MS]


def test_a_relay_due_in_a_silence_waits_for_its_end_and_one_silenced_throughout_is_skipped() -> (
    None
):
    quiet = Silence(id="quiet", clusters=["rc-01"], from_ms=T0 - 1, to_ms=T0 + HOUR_MS)
    sim = Simulation(schedule_set(relay([T0]), silences=[quiet]))
    sim.run(T0, T0 + 4 * HOUR_MS, step_ms=1000)
    assert sim.events() == [("started", "vov1", ""), ("finished", "vov1", "")]
    assert sim.log[0][0] == T0 + HOUR_MS
    whole = Silence(id="quiet", clusters=["rc-01"], from_ms=T0 - 1, to_ms=T0 + 4 * HOUR_MS)
    sim = Simulation(schedule_set(relay([T0]), silences=[whole]))
    sim.run(T0, T0 + 4 * HOUR_MS, step_ms=10_000)
    assert sim.events() == [("skipped", "vov1", "silenced")]


def test_a_set_arriving_in_the_middle_of_the_slot_plays_the_rest_of_it() -> None:
    # The gateway got the set (or came back) two hours into the slot.
    sim = Simulation(schedule_set(relay([T0]), ts_ms=T0 + 2 * HOUR_MS))
    [start] = sim.step(T0 + 2 * HOUR_MS)
    assert isinstance(start, Start) and start.occurrence.schedule == "vov1"
    sim.run(T0 + 2 * HOUR_MS, T0 + 4 * HOUR_MS, step_ms=1000)
    assert sim.events() == [("started", "vov1", ""), ("finished", "vov1", "")]
    assert sim.log[-1][0] == T0 + 3 * HOUR_MS


def test_a_relay_switched_off_stops_at_once_and_a_preempted_one_past_its_slot_closes() -> None:
    sim = Simulation(schedule_set(relay([T0])))
    sim.run(T0, T0 + MIN_MS)
    sim.replace_set(schedule_set())
    [stop] = sim.step(T0 + MIN_MS + 1000)
    assert isinstance(stop, Stop) and stop.cause == "withdrawn"

    sim = Simulation(
        schedule_set(
            relay([T0]),
            item("long", [T0 + 2 * HOUR_MS], duration_s=2 * 3600, priority="priority"),
        )
    )
    sim.run(T0, T0 + 5 * HOUR_MS, step_ms=1000)
    # Pre-empted with an hour of its slot left; the slot ended meanwhile: nothing more.
    assert sim.events() == [
        ("started", "vov1", ""),
        ("preempted", "vov1", "long"),
        ("started", "long", ""),
        ("finished", "long", ""),
    ]
    assert sim.records["rc-01"][("vov1", T0)].status == "done"


def test_a_dropped_stream_is_started_again_but_not_before_the_retry_delay() -> None:
    timetable = Timetable(schedule_set(relay([T0])))
    [occurrence] = timetable.between(T0, T0)
    # Its stream ended 10 s after it started, an hour into the slot.
    record = Record(occurrence, "retry", started_ms=T0 + HOUR_MS - 10_000)
    state = State({"rc-01": {occurrence.key: record}}, set())
    ready = {"vov1": READY}
    assert plan(timetable, state, ready, T0 + HOUR_MS, RULES) == []
    [start] = plan(timetable, state, ready, T0 + HOUR_MS + 20_000, RULES)
    assert start == Start(occurrence, resumed=True)
    # Past its slot, nothing more.
    [close] = plan(timetable, state, ready, T0 + 3 * HOUR_MS, RULES)
    assert isinstance(close, Close)


def test_a_relay_edited_while_it_plays_stops_and_plays_the_edit_for_the_rest_of_its_slot() -> None:
    sim = Simulation(schedule_set(relay([T0])))
    sim.run(T0, T0 + HOUR_MS, step_ms=1000)
    # The officer gives another station's stream: revision 2 of the same occurrence.
    other = msgspec.structs.replace(RELAY, url="http://vov.example/vov2")
    edited = item("vov1", [T0], priority="background", content=other, revision=2)
    sim.replace_set(schedule_set(edited))
    [stop] = sim.step(T0 + HOUR_MS + 1000)
    assert isinstance(stop, Stop) and stop.cause == "changed" and stop.for_key == ("vov1", T0)
    [start] = sim.step(T0 + HOUR_MS + 2000)
    assert start == Start(Timetable(schedule_set(edited)).background_at(T0)[0], resumed=True)
    assert start.occurrence.revision == 2 and start.occurrence.content.url == other.url
    sim.run(T0 + HOUR_MS + 3000, T0 + 4 * HOUR_MS, step_ms=10_000)
    assert sim.events() == [
        ("started", "vov1", ""),
        ("preempted", "vov1", "changed"),
        ("started", "vov1", "resumed"),
        ("finished", "vov1", ""),
    ]
    # The edit plays the rest of the slot, and ends with it.
    assert sim.log[-1][0] == T0 + 3 * HOUR_MS


def test_a_new_revision_that_changes_nothing_the_relay_plays_does_not_cut_it() -> None:
    sim = Simulation(schedule_set(relay([T0])))
    sim.run(T0, T0 + MIN_MS)
    # Another cluster added to its targets: the stream here stays as it is.
    wider = item(
        "vov1", [T0], priority="background", content=RELAY, revision=2, clusters=["rc-01", "rc-02"]
    )
    sim.replace_set(schedule_set(wider))
    sim.run(T0 + MIN_MS + 1000, T0 + 2 * MIN_MS)
    assert [e for e in sim.events() if e[2] != "rc-02"][:1] == [("started", "vov1", "")]
    assert not sim.events("preempted")
    assert sim.records["rc-01"][("vov1", T0)].status == "playing"


def test_a_relay_whose_slot_is_moved_while_it_plays_ends_and_the_new_slot_starts() -> None:
    sim = Simulation(schedule_set(relay([T0])))
    sim.run(T0, T0 + HOUR_MS)
    # Moved to start half an hour later: the set no longer plans the 06:00 occurrence.
    moved = item("vov1", [T0 + 30 * MIN_MS], priority="background", content=RELAY, revision=2)
    sim.replace_set(schedule_set(moved))
    stop, wait = sim.step(T0 + HOUR_MS + 1000)
    assert isinstance(stop, Stop) and stop.cause == "changed" and stop.for_key is None
    assert isinstance(wait, Wait) and wait.occurrence.key == ("vov1", T0 + 30 * MIN_MS)
    [start] = sim.step(T0 + HOUR_MS + 2000)
    assert isinstance(start, Start) and start.occurrence.key == ("vov1", T0 + 30 * MIN_MS)
    assert not start.resumed
    assert sim.records["rc-01"][("vov1", T0)].status == "done"


def test_a_relay_at_the_end_of_its_slot_is_not_taken_for_an_edited_one() -> None:
    timetable = Timetable(schedule_set(relay([T0])))
    [occurrence] = timetable.between(T0, T0)
    state = State({"rc-01": {occurrence.key: Record(occurrence, "playing", T0)}}, set())
    # Its player has not reported the end yet; the set no longer lists it as running.
    assert plan(timetable, state, {"vov1": READY}, occurrence.end_ms, RULES) == []
