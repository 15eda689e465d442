"""Loss detection from agents' sequence numbers, with backlog arriving after live data."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from xaso.server.monitoring.sequence import MAX_GAPS_PER_AGENT, SequenceTracker


def test_contiguous_numbers_are_never_missing() -> None:
    tracker = SequenceTracker()
    assert [tracker.observe("a", seq, 0) for seq in range(1, 6)] == [0, 0, 0, 0, 0]
    assert tracker.missing("a") == 0


def test_a_jump_is_missing_until_the_backlog_fills_it() -> None:
    tracker = SequenceTracker()
    tracker.observe("a", 10, 0)
    assert tracker.observe("a", 15, 0) == 4  # live data first, after an outage
    assert tracker.missing("a") == 4
    for seq in (11, 12, 13):
        tracker.observe("a", seq, 0)  # the backlog, replayed
    assert tracker.missing("a") == 1  # 14 never came: visible
    assert tracker.total_missing() == 1


def test_gaps_are_ranges_that_remember_when_they_last_moved() -> None:
    tracker = SequenceTracker()
    tracker.observe("a", 1, 0)
    tracker.observe("a", 10, 1_000)
    tracker.observe("a", 5, 2_000)  # splits 2..9
    [(_, low), (_, high)] = tracker.gaps()
    assert (low.lo, low.hi, low.seen_ms, low.moved_ms) == (2, 4, 1_000, 2_000)
    assert (high.lo, high.hi, high.seen_ms) == (6, 9, 1_000)


def test_duplicates_change_nothing() -> None:
    tracker = SequenceTracker()
    for seq in (1, 2, 3, 2, 3, 3):
        tracker.observe("a", seq, 0)
    assert tracker.missing("a") == 0


def test_a_live_duplicate_after_a_newer_record_changes_nothing() -> None:
    # A reconnect resends 11 after 12 went out, live both times (QoS 1: at least once).
    tracker = SequenceTracker()
    for seq in (10, 11, 12, 11, 13):
        tracker.observe("a", seq, 0)
    assert tracker.missing("a") == 0


def test_a_real_loss_stays_visible_whatever_duplicates_follow() -> None:
    tracker = SequenceTracker()
    for seq in (100, 110, 105, 109, 110, 111, 110):
        tracker.observe("a", seq, 0)
    assert tracker.missing("a") == 7  # 101-104, 106-108


def test_unnumbered_records_are_not_tracked() -> None:
    tracker = SequenceTracker()
    tracker.observe("a", 5000, 0)
    assert tracker.observe("a", -1, 0) == 0  # sent past a full disk
    assert tracker.observe("a", 5001, 0) == 0
    assert tracker.missing("a") == 0


def test_renumbering_after_a_lost_queue_counts_the_old_gaps_lost() -> None:
    tracker = SequenceTracker()
    tracker.observe("a", 120, 0)
    tracker.observe("a", 125, 0)  # 121..124 missing
    # The agent's queue file was corrupt: it starts again from the clock in ms, and
    # what the old numbering still missed can no longer come.
    assert tracker.observe("a", 1_795_858_718_088, 0) == 0
    assert (tracker.missing("a"), tracker.lost("a")) == (0, 4)


def test_giving_up_a_gap_counts_it_lost_and_keeps_the_others() -> None:
    tracker = SequenceTracker()
    for seq in (1, 5, 9):
        tracker.observe("a", seq, 0)  # 2..4 and 6..8 missing
    assert tracker.give_up("a", 2) == 3
    assert (tracker.missing("a"), tracker.lost("a")) == (3, 3)
    assert [gap.lo for _, gap in tracker.gaps()] == [6]
    assert tracker.give_up("a", 2) == 0  # already given up


def test_too_many_gaps_give_up_the_oldest() -> None:
    tracker = SequenceTracker()
    for i in range(MAX_GAPS_PER_AGENT + 1):
        tracker.observe("a", 2 * i + 1, i)  # every other number missing
    tracker.observe("a", 2 * MAX_GAPS_PER_AGENT + 3, MAX_GAPS_PER_AGENT + 1)
    assert len(tracker.gaps()) == MAX_GAPS_PER_AGENT
    assert tracker.lost("a") == 1
    assert tracker.gaps()[0][1].lo == 4  # 2, the oldest, was given up


def test_agents_are_independent() -> None:
    tracker = SequenceTracker()
    tracker.observe("a", 1, 0)
    tracker.observe("b", 1, 0)
    tracker.observe("a", 4, 0)
    assert (tracker.missing("a"), tracker.missing("b")) == (2, 0)


def test_the_state_saved_is_the_state_restored() -> None:
    tracker = SequenceTracker()
    for seq in (1, 5, 9, 7):
        tracker.observe("a", seq, 10)
    tracker.give_up("a", 2)
    tracker.observe("b", 3, 10)
    saved = tracker.take_changed()
    assert set(saved) == {"a", "b"}
    assert tracker.take_changed() == {}  # nothing changed since
    restored = SequenceTracker()
    restored.restore(saved.items())
    assert restored.agents() == tracker.agents()
    # After a restart, a number below the gap still fills it; above, it opens none.
    assert restored.observe("a", 6, 20) == 0 and restored.missing("a") == 1


@given(st.permutations(list(range(1, 60))))
def test_any_arrival_order_of_a_complete_run_leaves_nothing_missing(order: list[int]) -> None:
    tracker = SequenceTracker()
    for seq in order:
        tracker.observe("a", seq, 0)
    assert tracker.missing("a") == 0
    assert tracker.lost("a") == 0


@given(st.lists(st.integers(1, 200), min_size=1, max_size=300))
def test_missing_is_exactly_what_never_came_between_the_first_and_the_highest(
    arrivals: list[int],
) -> None:
    tracker = SequenceTracker()
    for seq in arrivals:
        tracker.observe("a", seq, 0)
    numbers = {seq for _, gap in tracker.gaps() for seq in range(gap.lo, gap.hi + 1)}
    assert numbers == set(range(arrivals[0] + 1, max(arrivals))) - set(arrivals)
