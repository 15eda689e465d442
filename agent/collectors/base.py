"""The contract every collector plugin follows.

A collector is built once from its config section and then called once per heartbeat
cycle, in a worker thread of its own, by the agent's collector pool. It must finish within
its own timeouts; if it does not, the pool reports it as failed for that cycle and the
heartbeat goes out on time without it.
"""

from __future__ import annotations

from typing import Any, Protocol

import msgspec

from xaso.protocol import DeviceReading


class CameraSnapshot(msgspec.Struct, frozen=True):
    """A small JPEG of what a camera saw, for the server to show and keep as evidence."""

    device_id: str
    taken_ms: int  # gateway clock
    jpeg: bytes  # a thumbnail, already scaled down and compressed by the collector
    width: int
    height: int


class CollectorResult(msgspec.Struct, frozen=True):
    # Readings of devices behind the gateway; the agent merges readings of one device
    # from several collectors (reachability + camera, say) into one.
    readings: list[DeviceReading] = []
    # Fields of xaso.protocol.AgentHealth this collector knows (the system collector).
    health: dict[str, Any] = {}
    # Thumbnails taken this cycle (the camera collector, when picture checks are on); the
    # agent sends them through its queue beside the heartbeat.
    snapshots: list[CameraSnapshot] = []


class Collector(Protocol):
    name: str

    def collect(self) -> CollectorResult: ...

    def close(self) -> None: ...
