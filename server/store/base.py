"""The time-series store interface, shared by the SQLite and InfluxDB backends.

Records carry the device-side timestamp. A store keeps one record per
(kind of record, series, timestamp): writing the same record twice (a QoS 1
redelivery, an agent replaying its queue) leaves one copy, as InfluxDB does by nature.
A ``write`` that returns has made the records durable; the caller acknowledges the MQTT
messages only after that.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import msgspec


class AgentHealthRecord(msgspec.Struct, frozen=True):
    """One heartbeat's health section (measurement ``agent_health``)."""

    agent_id: str
    commune: str
    ts_ms: int
    seq: int
    session: int
    historical: bool = False
    uptime_s: float | None = None
    load1: float | None = None
    mem_used_pct: float | None = None
    disk_free_pct: float | None = None
    temp_c: float | None = None


class DeviceReadingRecord(msgspec.Struct, frozen=True):
    """One probe of one device (measurement ``device_reading``)."""

    device_id: str
    agent_id: str
    commune: str
    kind: str
    ts_ms: int
    seq: int
    reachable: bool
    historical: bool = False
    rtt_ms: float | None = None
    error: str | None = None


class TransitionRecord(msgspec.Struct, frozen=True):
    """A device or gateway changing status, with its cause (measurement ``transition``)."""

    device_id: str
    commune: str
    kind: str
    ts_ms: int
    status: str
    previous: str
    cause: str


Record = AgentHealthRecord | DeviceReadingRecord | TransitionRecord


class WriteResult(msgspec.Struct, frozen=True):
    written: int
    # Records the store refused for good (e.g. an InfluxDB "partial write"): retrying
    # them would fail again, so they are counted and reported, never retried blindly.
    rejected: int = 0
    detail: str = ""


class StoreUnavailable(RuntimeError):
    """The store could not be reached or failed transiently; nothing is known to be
    written and the whole write may be retried (records are idempotent)."""


class Store(Protocol):
    """What the server needs of a time-series store. All times are epoch ms, UTC;
    ranges are half-open ``[from_ms, to_ms)`` and results are in time order."""

    name: str

    async def write(self, records: Sequence[Record]) -> WriteResult: ...

    async def agent_health(
        self, agent_id: str, from_ms: int, to_ms: int, limit: int = 10_000
    ) -> list[AgentHealthRecord]: ...

    async def device_readings(
        self, device_id: str, from_ms: int, to_ms: int, limit: int = 10_000
    ) -> list[DeviceReadingRecord]: ...

    async def transitions(
        self, device_id: str, from_ms: int, to_ms: int, limit: int = 10_000
    ) -> list[TransitionRecord]: ...

    async def ping(self) -> bool: ...

    async def close(self) -> None: ...
