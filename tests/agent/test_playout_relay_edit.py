"""A standing relay edited while it plays, through the real playout thread: the old
stream's play ends, logged, and the edit plays the rest of the slot."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.playout_helpers import Harness, now_ms
from xaso.agent.playout import PlayoutConfig
from xaso.agent.playout.config import SimulatedPlayer
from xaso.protocol import ScheduledContent
from xaso.testbed.schedule_sets import item, schedule_set


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    h = Harness(tmp_path / "state", PlayoutConfig(simulated=SimulatedPlayer()))
    yield h
    h.playout.stop()


def relay(url: str) -> ScheduledContent:
    return ScheduledContent(type="relay", duration_s=3600, url=url)


def test_the_old_stream_is_logged_preempted_changed_and_the_edit_resumes_the_slot(
    harness: Harness,
) -> None:
    began = now_ms() - 60_000
    first = item("vov", [began], priority="background", content=relay("http://a.example/1"))
    harness.playout.offer(schedule_set(first))
    harness.playout.start()
    harness.wait_for(lambda h: "started" in h.kinds())
    edited = item(
        "vov", [began], priority="background", content=relay("http://a.example/2"), revision=2
    )
    harness.playout.offer(schedule_set(edited))
    harness.wait_for(lambda h: h.kinds().count("started") == 2)
    harness.settle()
    assert harness.kinds() == ["received", "started", "received", "preempted", "started"]
    _, old, _, cut, new = harness.events
    assert (cut.revision, cut.reason, cut.by) == (1, "changed", None)
    assert cut.started_ms == old.started_ms and cut.played_s is not None
    assert (new.revision, new.content.url, new.resumed) == (2, "http://a.example/2", True)
    assert new.occurrence_ms == old.occurrence_ms == began
    assert new.preempted is None  # it took over from itself, not from another schedule
    assert harness.playout.status_of("rc-01", ("vov", began)) == "playing"
