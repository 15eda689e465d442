"""Which of an agent's records have not arrived: loss is detectable, never silent.

Agents number every record (persistently, across restarts) and send live records before
their backlog, so a jump in the numbers is not yet a loss: the backlog may fill it. The
tracker keeps, per agent, the highest number seen and the numbers still missing below
it; a replayed record removes its number. What stays missing is what was lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# A gateway offline for a month at 30 s has ~86,000 records queued; beyond this many
# missing numbers per agent we count them but stop remembering each one.
MAX_TRACKED_MISSING = 100_000
# A jump larger than any real outage could explain is a renumbering, not a loss: an
# agent that lost or never had a queue file numbers from the clock in milliseconds.
MAX_PLAUSIBLE_GAP = 10_000_000


@dataclass(slots=True)
class _AgentSequence:
    highest: int
    missing: set[int] = field(default_factory=set)
    untracked: int = 0  # missing numbers beyond MAX_TRACKED_MISSING
    # When the current gap was first seen (server time); None while nothing is missing.
    gap_since_ms: int | None = None


class SequenceTracker:
    def __init__(self) -> None:
        self._agents: dict[str, _AgentSequence] = {}

    def observe(self, agent_id: str, seq: int, historical: bool, now_ms: int = 0) -> int:
        """Record one arrival; return how many numbers it newly showed to be missing.
        Records sent without a number (negative: the agent's disk was full) are not
        tracked."""
        if seq < 0:
            return 0
        newly_missing = self._observe(agent_id, seq, historical)
        track = self._agents[agent_id]
        if not track.missing and not track.untracked:
            track.gap_since_ms = None
        elif track.gap_since_ms is None:
            track.gap_since_ms = now_ms
        return newly_missing

    def gaps(self) -> list[tuple[str, int, int]]:
        """(agent, lowest missing number, since when) for every agent missing some."""
        return [
            (agent_id, min(t.missing) if t.missing else t.highest, t.gap_since_ms or 0)
            for agent_id, t in self._agents.items()
            if t.missing or t.untracked
        ]

    def _observe(self, agent_id: str, seq: int, historical: bool) -> int:
        track = self._agents.get(agent_id)
        if track is None:
            self._agents[agent_id] = _AgentSequence(highest=seq)
            return 0
        if seq - track.highest > MAX_PLAUSIBLE_GAP:
            self._agents[agent_id] = _AgentSequence(highest=seq)
            return 0
        if seq > track.highest:
            gap = seq - track.highest - 1
            room = max(0, MAX_TRACKED_MISSING - len(track.missing))
            track.missing.update(range(track.highest + 1, track.highest + 1 + min(gap, room)))
            track.untracked += max(0, gap - room)
            track.highest = seq
            return gap
        if seq in track.missing:
            track.missing.discard(seq)
        elif track.highest - seq > MAX_PLAUSIBLE_GAP:
            # Far below anything seen: the agent's numbering started again (its clock
            # was wrong when a fresh queue took its first number). Start over.
            self._agents[agent_id] = _AgentSequence(highest=seq)
        # Otherwise a duplicate: QoS 1 delivers at least once, and a live record resent
        # after a reconnect can follow a newer one. It changes nothing.
        return 0

    def missing(self, agent_id: str) -> int:
        track = self._agents.get(agent_id)
        return 0 if track is None else len(track.missing) + track.untracked

    def total_missing(self) -> int:
        return sum(len(t.missing) + t.untracked for t in self._agents.values())
