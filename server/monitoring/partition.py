"""Which ingest worker takes which agent, and the topics that make its share.

Each agent belongs to exactly one worker, so its live state, its numbering and its
order of records live in one process. The share is a stable hash of the agent's id
(not Python's ``hash``, which differs per process): the same agent goes to the same
worker across restarts, and a worker subscribes to its agents' topics by name, which
any MQTT broker supports (shared subscriptions would spread one agent's messages over
several workers).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable

from xaso.protocol import broadcast_topic, heartbeat_topic, snapshot_topic, status_topic


def worker_of(agent_id: str, workers: int) -> int:
    return zlib.crc32(agent_id.encode("utf-8")) % workers


def agents_of(worker: int, workers: int, agent_ids: Iterable[str]) -> list[str]:
    return sorted(a for a in agent_ids if worker_of(a, workers) == worker)


def topics_of(agent_ids: Iterable[str]) -> list[str]:
    """What a worker subscribes to for its agents: what they publish, nothing else."""
    topics: list[str] = []
    for agent_id in agent_ids:
        topics += [
            status_topic(agent_id),
            heartbeat_topic(agent_id),
            broadcast_topic(agent_id),
            snapshot_topic(agent_id),
        ]
    return topics
