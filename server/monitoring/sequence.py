"""Which of an agent's records have not reached the store: loss is detectable, never silent.

Agents number every record (persistently, across restarts) and send live records before
their backlog, so a jump in the numbers is not yet a loss: the backlog may fill it. The
tracker keeps, per agent, the highest number stored and the gaps below it, as ranges; a
record that arrives fills its number. A gap the agent could not fill when asked (the
replay planner, server/monitoring/replay.py) is given up and counted as lost, per agent.

The tracker is told about records once they are stored (or refused for good), never on
arrival: what it calls "arrived" must still be true after a crash of the server and the
broker together. Its state is saved with every stored batch (``take_changed``) and taken
up at start (``restore``), so a gap opened before a restart is still asked for after it.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable

import msgspec

# A jump larger than any real outage could explain is a renumbering, not a loss: an
# agent that lost or never had a queue file numbers from the clock in milliseconds.
MAX_PLAUSIBLE_GAP = 10_000_000
# Gaps remembered per agent. Records reordered at random could open one gap per record;
# beyond this many, the oldest gap is given up (counted lost) to make room.
MAX_GAPS_PER_AGENT = 10_000


class Gap(msgspec.Struct, array_like=True):
    """The missing numbers ``lo..hi`` (inclusive) of one agent."""

    lo: int
    hi: int
    # When the gap was first seen, and when it last shrank: a backlog filling it from
    # below is progress, and nobody should be asked to send it again meanwhile.
    seen_ms: int
    moved_ms: int

    @property
    def size(self) -> int:
        return self.hi - self.lo + 1


class AgentSequence(msgspec.Struct):
    """One agent's numbering as the store has it (saved as JSON, see SequenceTable)."""

    highest: int
    gaps: list[Gap] = []
    lost: int = 0  # numbers given up as lost, ever

    @property
    def missing(self) -> int:
        return sum(gap.size for gap in self.gaps)


class SequenceTracker:
    def __init__(self) -> None:
        self._agents: dict[str, AgentSequence] = {}
        self._changed: set[str] = set()

    # -- records arriving --------------------------------------------------------------

    def observe(self, agent_id: str, seq: int, now_ms: int) -> int:
        """Record that ``seq`` reached the store; return how many numbers it newly
        showed to be missing. Records sent without a number (negative: the agent's disk
        was full) are not tracked."""
        if seq < 0:
            return 0
        track = self._agents.get(agent_id)
        if track is None:
            self._agents[agent_id] = AgentSequence(highest=seq)
            self._changed.add(agent_id)
            return 0
        if abs(seq - track.highest) > MAX_PLAUSIBLE_GAP:
            # Renumbered: the agent started a fresh queue (numbered from its clock). What
            # the old numbering still missed can no longer come.
            self._agents[agent_id] = AgentSequence(highest=seq, lost=track.lost + track.missing)
            self._changed.add(agent_id)
            return 0
        if seq > track.highest:
            newly_missing = seq - track.highest - 1
            if newly_missing:
                self._open_gap(track, Gap(track.highest + 1, seq - 1, now_ms, now_ms))
            track.highest = seq
            self._changed.add(agent_id)
            return newly_missing
        if self._fill(track, seq, now_ms):
            self._changed.add(agent_id)
        # Otherwise a duplicate: QoS 1 delivers at least once, and a live record resent
        # after a reconnect can follow a newer one. It changes nothing.
        return 0

    def give_up(self, agent_id: str, lo: int) -> int:
        """The gap starting at ``lo`` will not be filled: count it lost; return its size."""
        track = self._agents.get(agent_id)
        if track is None:
            return 0
        index = bisect.bisect_left([gap.lo for gap in track.gaps], lo)
        if index == len(track.gaps) or track.gaps[index].lo != lo:
            return 0
        gap = track.gaps.pop(index)
        track.lost += gap.size
        self._changed.add(agent_id)
        return gap.size

    @staticmethod
    def _open_gap(track: AgentSequence, gap: Gap) -> None:
        track.gaps.append(gap)  # above every other gap: it starts past the old highest
        if len(track.gaps) > MAX_GAPS_PER_AGENT:
            oldest = min(track.gaps, key=lambda g: (g.seen_ms, g.lo))
            track.gaps.remove(oldest)
            track.lost += oldest.size

    @staticmethod
    def _fill(track: AgentSequence, seq: int, now_ms: int) -> bool:
        gaps = track.gaps
        index = bisect.bisect_right([gap.lo for gap in gaps], seq) - 1
        if index < 0 or seq > gaps[index].hi:
            return False
        gap = gaps[index]
        if gap.lo == gap.hi:
            del gaps[index]
        elif seq == gap.lo:
            gap.lo, gap.moved_ms = seq + 1, now_ms
        elif seq == gap.hi:
            gap.hi, gap.moved_ms = seq - 1, now_ms
        else:
            upper = Gap(seq + 1, gap.hi, gap.seen_ms, now_ms)
            gap.hi, gap.moved_ms = seq - 1, now_ms
            gaps.insert(index + 1, upper)
        return True

    # -- what is missing ---------------------------------------------------------------

    def gaps(self) -> list[tuple[str, Gap]]:
        """Every open gap of every agent, lowest first per agent."""
        return [(agent_id, gap) for agent_id, track in self._agents.items() for gap in track.gaps]

    def agents(self) -> dict[str, AgentSequence]:
        """Every agent's numbering; read it, do not change it."""
        return self._agents

    def missing(self, agent_id: str) -> int:
        track = self._agents.get(agent_id)
        return 0 if track is None else track.missing

    def lost(self, agent_id: str) -> int:
        track = self._agents.get(agent_id)
        return 0 if track is None else track.lost

    def total_missing(self) -> int:
        return sum(track.missing for track in self._agents.values())

    def total_lost(self) -> int:
        return sum(track.lost for track in self._agents.values())

    # -- persistence -------------------------------------------------------------------

    def take_changed(self) -> dict[str, bytes]:
        """The agents changed since the last call, encoded as they are now (the caller
        saves them in another thread while this goes on changing)."""
        changed = {agent_id: _encode(self._agents[agent_id]) for agent_id in self._changed}
        self._changed = set()
        return changed

    def mark_changed(self, agent_ids: Iterable[str]) -> None:
        """Their last save failed: save them again next time."""
        self._changed.update(agent_ids)

    def restore(self, saved: Iterable[tuple[str, bytes]]) -> None:
        for agent_id, encoded in saved:
            self._agents[agent_id] = _decode(encoded)


_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder(AgentSequence).decode
