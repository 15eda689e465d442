"""Playout across restarts and power cuts: nothing played twice, nothing left unlogged,
``received`` said once per revision and cluster."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.playout_helpers import Harness, now_ms
from xaso.agent.playout import PlayoutConfig
from xaso.agent.playout.config import SimulatedPlayer
from xaso.agent.playout.ledger import Ledger
from xaso.protocol import ScheduledContent, ScheduleSet
from xaso.testbed.schedule_sets import item, schedule_set

SIMULATED = PlayoutConfig(simulated=SimulatedPlayer())
Make = Callable[[ScheduleSet, PlayoutConfig], Harness]


@pytest.fixture
def make(tmp_path: Path) -> Iterator[Make]:
    made: list[Harness] = []

    def new(schedule: ScheduleSet, config: PlayoutConfig = SIMULATED) -> Harness:
        h = Harness(tmp_path / "state", config)
        made.append(h)
        h.playout.offer(schedule)
        h.playout.start()
        return h

    yield new
    for h in made:
        h.playout.stop()


def speech(duration_s: float) -> ScheduledContent:
    return ScheduledContent(type="tts", duration_s=duration_s, text="Kính thưa bà con")


def test_a_power_cut_mid_play_is_logged_after_the_restart_and_the_play_resumes(
    make: Make,
) -> None:
    start = now_ms()
    schedule = schedule_set(item("morning", [start], content=speech(30)), ts_ms=start)
    first = make(schedule)
    first.wait_for(lambda h: "started" in h.kinds())
    first.playout.cut_power()
    assert first.kinds() == ["received", "started"]  # a power cut says nothing more

    second = make(schedule)
    second.wait_for(lambda h: "started" in h.kinds())
    failed, started = second.events
    assert (failed.event, failed.reason) == ("failed", "agent_restarted")
    assert failed.started_ms == first.last("started").started_ms
    assert started.resumed is True and started.occurrence_ms == start
    # "received" was said before the cut and is not said again.
    assert "received" not in second.kinds()


def test_an_interrupted_play_past_its_tolerance_is_not_played_again(make: Make) -> None:
    config = PlayoutConfig(simulated=SimulatedPlayer(), late_start_s=0.3)
    start = now_ms()
    schedule = schedule_set(item("morning", [start], content=speech(30)), ts_ms=start)
    first = make(schedule, config)
    first.wait_for(lambda h: "started" in h.kinds())
    first.playout.cut_power()
    while now_ms() <= start + 300:  # the tolerance runs out while the gateway is down
        time.sleep(0.05)
    second = make(schedule, config)
    second.wait_for(lambda h: "failed" in h.kinds())
    second.settle()  # nothing else may come of it
    assert second.kinds() == ["failed"]
    assert second.playout.status_of("rc-01", ("morning", start)) == "done"


def test_a_clean_stop_logs_the_play_and_a_finished_play_is_never_repeated(
    make: Make,
) -> None:
    start = now_ms()
    schedule = schedule_set(
        item("short", [start], content=speech(0.1)),
        item("long", [start], clusters=["rc-02"], content=speech(30)),
        ts_ms=start,
    )
    first = make(schedule)
    first.wait_for(lambda h: "finished" in h.kinds("rc-01") and "started" in h.kinds("rc-02"))
    first.playout.stop()
    stopped = first.last("failed")
    assert (stopped.cluster, stopped.reason) == ("rc-02", "agent_stopped")
    assert stopped.played_s is not None

    second = make(schedule)
    second.wait_for(lambda h: "started" in h.kinds())
    second.settle()
    assert [(e.cluster, e.event, e.resumed) for e in second.events] == [
        ("rc-02", "started", True)  # the interrupted one, again; the finished one, never
    ]


def test_received_is_said_once_per_revision_and_cluster(make: Make, tmp_path: Path) -> None:
    later = now_ms() + 3_600_000
    v1 = schedule_set(item("evening", [later], clusters=["rc-01", "rc-02"]))
    first = make(v1)
    first.wait_for(lambda h: len(h.events) == 2)
    first.playout.offer(v1)  # the same set again (a reconnect): nothing new
    first.settle()
    assert sorted((e.event, e.cluster, e.revision) for e in first.events) == [
        ("received", "rc-01", 1),
        ("received", "rc-02", 1),
    ]
    first.playout.stop()

    v2 = schedule_set(item("evening", [later], clusters=["rc-01", "rc-02"], revision=2))
    second = make(v2)
    second.wait_for(lambda h: len(h.events) == 2)
    assert {(e.event, e.revision) for e in second.events} == {("received", 2)}
    second.playout.stop()
    # Only the revisions held are remembered.
    ledger = Ledger(tmp_path / "state" / "playout" / "ledger.db")
    assert ledger.load()[1] == {("evening", 2, "rc-01"), ("evening", 2, "rc-02")}
    ledger.close()


def test_a_simulated_cluster_named_to_fail_fails(make: Make) -> None:
    config = PlayoutConfig(simulated=SimulatedPlayer(fail_clusters=["rc-02"]))
    both = item("noon", [now_ms()], clusters=["rc-01", "rc-02"], content=speech(0.2))
    h = make(schedule_set(both), config)
    h.wait_for(lambda h: h.kinds("rc-01")[-1:] == ["finished"] and "failed" in h.kinds("rc-02"))
    assert h.last("failed").error == "simulated: the amplifier does not answer"
    assert h.kinds("rc-02") == ["received", "started", "failed"]


def test_a_damaged_ledger_is_moved_aside_and_playout_starts_afresh(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    path.write_bytes(b"this is not a database" * 100)
    ledger = Ledger(path)
    assert ledger.load() == ({}, set())
    ledger.close()
    assert [p.name.split("-")[0] for p in tmp_path.glob("ledger.db.corrupt-*")] == [
        "ledger.db.corrupt"
    ]
