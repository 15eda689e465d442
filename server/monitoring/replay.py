"""When to ask an agent to send again what never reached the store, and when to give up.

The agent keeps acknowledged records a while (its outbox's ``keep_acked_s``) for this:
a broker killed after acknowledging a record, before the server had it, loses it from
the broker's memory but not from the agent's disk. A gap is given time to fill by
itself first (the backlog of an outage arrives after the live data, oldest first), then
the agent is asked, a few times at most. The bound is per gap, not per agent: a gap the
agent can no longer fill is given up and counted lost, and the agent's later gaps are
still asked for.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from xaso.server.monitoring.sequence import Gap, SequenceTracker

log = logging.getLogger("xaso.replay")


@dataclass(frozen=True, slots=True)
class ReplayRequest:
    agent_id: str
    from_seq: int
    to_seq: int


@dataclass(slots=True)
class _Asked:
    times: int
    last_ms: int


class ReplayPlanner:
    def __init__(
        self,
        sequences: SequenceTracker,
        *,
        after_s: float,
        every_s: float = 60.0,
        max_attempts: int = 3,
    ) -> None:
        self._sequences = sequences
        self._after_ms = after_s * 1000
        self._every_ms = every_s * 1000
        self._max_attempts = max_attempts
        # Per gap, by (agent, its lowest number): a gap filled from below is progress and
        # gets its attempts anew under its new lowest number.
        self._asked: dict[tuple[str, int], _Asked] = {}

    def due(self, now_ms: int) -> tuple[list[ReplayRequest], list[tuple[str, Gap]]]:
        """The requests to send now (one per agent, spanning its gaps that are due) and
        the gaps given up as lost now."""
        due: dict[str, list[Gap]] = {}
        given_up: list[tuple[str, Gap]] = []
        open_keys: set[tuple[str, int]] = set()
        for agent_id, gap in self._sequences.gaps():
            key = (agent_id, gap.lo)
            open_keys.add(key)
            if now_ms - gap.moved_ms < self._after_ms:
                continue  # still filling by itself, or too fresh to ask about
            asked = self._asked.get(key)
            if asked is not None and now_ms - asked.last_ms < self._every_ms:
                continue
            if asked is not None and asked.times >= self._max_attempts:
                given_up.append((agent_id, gap))
                continue
            due.setdefault(agent_id, []).append(gap)
        for agent_id, gap in given_up:
            self._sequences.give_up(agent_id, gap.lo)
            open_keys.discard((agent_id, gap.lo))
            log.warning(
                "%s: records %d..%d (%d) never arrived after %d requests; counted as lost",
                agent_id,
                gap.lo,
                gap.hi,
                gap.size,
                self._max_attempts,
            )
        requests = []
        for agent_id, gaps in due.items():
            for gap in gaps:
                asked = self._asked.setdefault((agent_id, gap.lo), _Asked(0, now_ms))
                asked.times += 1
                asked.last_ms = now_ms
            requests.append(ReplayRequest(agent_id, gaps[0].lo, gaps[-1].hi))
        # Forget the gaps that filled (or moved: a new lowest number is a new key).
        for key in list(self._asked):
            if key not in open_keys:
                del self._asked[key]
        return requests, given_up
