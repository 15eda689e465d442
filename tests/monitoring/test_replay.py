"""When the server asks an agent to send records again, and when it gives up."""

from __future__ import annotations

from xaso.server.monitoring.replay import ReplayPlanner, ReplayRequest
from xaso.server.monitoring.sequence import SequenceTracker


def planner_with_gap(now_ms: int = 0) -> tuple[SequenceTracker, ReplayPlanner]:
    tracker = SequenceTracker()
    tracker.observe("a", 3, now_ms)
    tracker.observe("a", 14, now_ms)  # 4..13 missing from now on
    return tracker, ReplayPlanner(tracker, after_s=10, every_s=60, max_attempts=3)


def requested(planner: ReplayPlanner, now_ms: int) -> list[ReplayRequest]:
    return planner.due(now_ms)[0]


def test_a_gap_gets_time_to_fill_by_itself_first() -> None:
    _, planner = planner_with_gap()
    assert requested(planner, 9_999) == []
    assert requested(planner, 10_000) == [ReplayRequest("a", 4, 13)]


def test_a_filled_gap_is_never_asked_for() -> None:
    tracker, planner = planner_with_gap()
    for seq in range(4, 14):
        tracker.observe("a", seq, 5_000)  # the backlog arrives
    assert requested(planner, 60_000) == []


def test_a_backlog_filling_the_gap_is_not_interrupted() -> None:
    tracker, planner = planner_with_gap()
    for at_ms, seq in ((9_000, 4), (18_000, 5), (27_000, 6)):
        tracker.observe("a", seq, at_ms)  # slowly, oldest first
        assert requested(planner, at_ms + 9_000) == []


def test_requests_are_spaced_limited_then_the_gap_is_lost() -> None:
    tracker, planner = planner_with_gap()
    assert requested(planner, 10_000) == [ReplayRequest("a", 4, 13)]
    assert requested(planner, 20_000) == []  # not again within a minute
    assert requested(planner, 70_000) == [ReplayRequest("a", 4, 13)]
    assert requested(planner, 130_000) == [ReplayRequest("a", 4, 13)]
    requests, given_up = planner.due(190_000)
    assert requests == [] and [(agent, gap.lo) for agent, gap in given_up] == [("a", 4)]
    assert (tracker.missing("a"), tracker.lost("a")) == (0, 10)
    assert planner.due(250_000) == ([], [])


def test_a_lost_gap_does_not_stop_the_agents_later_gaps_being_asked_for() -> None:
    tracker, planner = planner_with_gap()
    for at_ms in (10_000, 70_000, 130_000):
        planner.due(at_ms)
    tracker.observe("a", 20, 150_000)  # a second gap, 15..19, opens meanwhile
    requests, given_up = planner.due(190_000)
    assert [gap.lo for _, gap in given_up] == [4]
    assert requests == [ReplayRequest("a", 15, 19)]


def test_one_request_spans_every_gap_due() -> None:
    tracker = SequenceTracker()
    for seq in (1, 5, 9):
        tracker.observe("a", seq, 0)
    planner = ReplayPlanner(tracker, after_s=10)
    assert requested(planner, 10_000) == [ReplayRequest("a", 2, 8)]


def test_progress_starts_the_count_again() -> None:
    tracker, planner = planner_with_gap()
    assert requested(planner, 10_000) == [ReplayRequest("a", 4, 13)]
    for seq in range(4, 8):
        tracker.observe("a", seq, 11_000)
    assert requested(planner, 21_000) == [ReplayRequest("a", 8, 13)]
