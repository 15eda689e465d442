"""When the server asks an agent to send records again."""

from __future__ import annotations

from server.replay import ReplayPlanner
from server.sequence import SequenceTracker


def planner_with_gap(now_ms: int = 0) -> tuple[SequenceTracker, ReplayPlanner]:
    tracker = SequenceTracker()
    tracker.observe("a", 3, False, now_ms)
    tracker.observe("a", 14, False, now_ms)  # 4..13 missing from now on
    return tracker, ReplayPlanner(tracker, after_s=10, every_s=60, max_attempts=3)


def test_a_gap_gets_time_to_fill_by_itself_first() -> None:
    _, planner = planner_with_gap()
    assert planner.due(9_999) == []
    assert planner.due(10_000) == [("a", 4)]


def test_a_filled_gap_is_never_asked_for() -> None:
    tracker, planner = planner_with_gap()
    for seq in range(4, 14):
        tracker.observe("a", seq, True, 5_000)  # the backlog arrives
    assert planner.due(60_000) == []


def test_requests_are_spaced_and_limited() -> None:
    _, planner = planner_with_gap()
    assert planner.due(10_000) == [("a", 4)]
    assert planner.due(20_000) == []  # not again within a minute
    assert planner.due(70_000) == [("a", 4)]
    assert planner.due(130_000) == [("a", 4)]
    assert planner.due(190_000) == []  # three times, then it is lost (and counted)


def test_progress_starts_the_count_again() -> None:
    tracker, planner = planner_with_gap()
    assert planner.due(10_000) == [("a", 4)]
    for seq in range(4, 8):
        tracker.observe("a", seq, True, 11_000)
    assert planner.due(12_000) == [("a", 8)]
