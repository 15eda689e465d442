"""When to ask an agent to send again what never reached the store.

The agent keeps acknowledged records a while (its outbox's ``keep_acked_s``) for this:
a broker killed after acknowledging a record, before the server had it, loses it from
the broker's memory but not from the agent's disk. A gap is given time to fill by
itself first (the backlog of an outage arrives after the live data), then the agent is
asked, a few times at most; what stays missing is lost, counted and logged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from server.sequence import SequenceTracker

log = logging.getLogger("xaso.replay")


@dataclass(slots=True)
class _Asked:
    from_seq: int
    at_ms: int | None = None  # the last request, None before the first
    times: int = 0


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
        self._asked: dict[str, _Asked] = {}

    def due(self, now_ms: int) -> list[tuple[str, int]]:
        """(agent, from_seq) for every replay to request now."""
        requests = []
        gaps = self._sequences.gaps()
        for agent_id, lowest, since_ms in gaps:
            if now_ms - since_ms < self._after_ms:
                continue
            asked = self._asked.get(agent_id)
            if asked is None or asked.from_seq != lowest:
                asked = self._asked[agent_id] = _Asked(lowest)
            if asked.times >= self._max_attempts or (
                asked.at_ms is not None and now_ms - asked.at_ms < self._every_ms
            ):
                continue
            asked.times += 1
            asked.at_ms = now_ms
            if asked.times == self._max_attempts:
                log.warning(
                    "%s: records from seq %d still missing; last request to send them again",
                    agent_id,
                    lowest,
                )
            requests.append((agent_id, lowest))
        gapped = {agent_id for agent_id, _, _ in gaps}
        for agent_id in list(self._asked):
            if agent_id not in gapped:
                del self._asked[agent_id]
        return requests
