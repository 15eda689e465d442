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


def test_a_live_duplicate_after_a_newer_record_changes_nothing() -> None:
    # A reconnect resends 11 after 12 went out, live both times (QoS 1: at least once).
    tracker = SequenceTracker()
    for seq in (10, 11, 12, 11, 13):
        tracker.observe("a", seq, False)
    assert tracker.missing("a") == 0


def test_a_real_loss_stays_visible_whatever_duplicates_follow() -> None:
    tracker = SequenceTracker()
    for seq in (100, 110, 105, 109, 110, 111, 110):
        tracker.observe("a", seq, False)
    assert tracker.missing("a") == 7  # 101-104, 106-108


def test_unnumbered_records_are_not_tracked() -> None:
    tracker = SequenceTracker()
    tracker.observe("a", 5000, False)
    assert tracker.observe("a", -1, False) == 0  # sent past a full disk
    assert tracker.observe("a", 5001, False) == 0
    assert tracker.missing("a") == 0


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
