"""Loss detection from agents' sequence numbers, with backlog arriving after live data."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from server.sequence import SequenceTracker


def test_contiguous_numbers_are_never_missing() -> None:
    tracker = SequenceTracker()
    assert [tracker.observe("a", seq, False) for seq in range(1, 6)] == [0, 0, 0, 0, 0]
    assert tracker.missing("a") == 0


def test_a_jump_is_missing_until_the_backlog_fills_it() -> None:
    tracker = SequenceTracker()
    tracker.observe("a", 10, False)
    assert tracker.observe("a", 15, False) == 4  # live data first, after an outage
    assert tracker.missing("a") == 4
    for seq in (11, 12, 13):
        tracker.observe("a", seq, True)  # the backlog, replayed
    assert tracker.missing("a") == 1  # 14 never came: lost, and visible
    assert tracker.total_missing() == 1


def test_duplicates_change_nothing() -> None:
    tracker = SequenceTracker()
    for seq in (1, 2, 3, 2, 3, 3):
        tracker.observe("a", seq, False)
    assert tracker.missing("a") == 0


def test_counter_restart_is_not_a_flood_of_duplicates() -> None:
    tracker = SequenceTracker()
    tracker.observe("a", 5000, False)
    tracker.observe("a", 1, False)  # reinstalled agent, fresh queue
    assert tracker.observe("a", 3, False) == 1
    assert tracker.missing("a") == 1


def test_renumbering_after_a_lost_queue_is_not_a_loss() -> None:
    tracker = SequenceTracker()
    tracker.observe("a", 120, False)
    # The agent's queue file was corrupt: it starts again from the clock in ms.
    assert tracker.observe("a", 1_795_858_718_088, False) == 0
    assert tracker.missing("a") == 0


def test_agents_are_independent() -> None:
    tracker = SequenceTracker()
    tracker.observe("a", 1, False)
    tracker.observe("b", 1, False)
    tracker.observe("a", 4, False)
    assert (tracker.missing("a"), tracker.missing("b")) == (2, 0)


@given(st.permutations(list(range(1, 60))))
def test_any_arrival_order_of_a_complete_run_leaves_nothing_missing(order: list[int]) -> None:
    tracker = SequenceTracker()
    first, *rest = order
    tracker.observe("a", first, False)
    for seq in rest:
        # Everything but the first arrival is treated as a replay: a live record below
        # the highest number would be taken as a counter restart.
        tracker.observe("a", seq, True)
    assert tracker.missing("a") == 0
