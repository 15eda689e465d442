"""The time-series store interface, shared by the SQLite and InfluxDB backends.

Records carry the device-side timestamp. A store keeps one record per
(kind of record, series, timestamp): writing the same record twice (a QoS 1
redelivery, an agent replaying its queue) leaves one copy, as InfluxDB does by nature.
A ``write`` that returns has made the records durable; the caller acknowledges the MQTT
messages only after that.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Protocol

import msgspec

DetailValue = float | bool | str
"""What a ``detail`` entry may hold. Numbers are always floats (see ``clean_detail``)."""

# A detail key: lower-case, dotted for sub-structs ("camera.stream_ok"). The ingest side
# only produces such keys; the stores skip any other (``clean_detail``).
DETAIL_KEY = re.compile(r"[a-z][a-z0-9_.]*")


def clean_detail(detail: Mapping[str, object]) -> dict[str, DetailValue]:
    """``detail`` as the stores keep it: numbers (int or float, not bool) as float, so a
    key that carries an int today and a float tomorrow never meets an InfluxDB field type
    conflict. Entries the stores cannot hold are left out: a key not matching
    ``DETAIL_KEY``, a None, a NaN or infinity (InfluxDB cannot store them), any other type.
    """
    cleaned: dict[str, DetailValue] = {}
    for key, value in detail.items():
        if not isinstance(key, str) or not DETAIL_KEY.fullmatch(key):
            continue
        if isinstance(value, bool | str):
            cleaned[key] = value
        elif isinstance(value, int | float) and math.isfinite(value):
            cleaned[key] = float(value)
    return cleaned


class AgentHealthRecord(msgspec.Struct, frozen=True):
    """One heartbeat's health section (measurement ``agent_health``).

    ``detail`` holds the optional extras that need no schema change of their own (e.g.
    ``"clock_offset_ms"``, ``"ntp_synced"``, ``"bearer"``, ``"queue_error"``): flat keys
    matching ``DETAIL_KEY``, values bool, str or number. **Numbers are stored and read
    back as float** (an int 3 reads back 3.0); a key absent from ``detail`` is unknown,
    like a None core field. On a duplicate write the dicts merge key by key: the later
    write's keys win, keys it leaves out keep their stored values.
    """

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
    detail: dict[str, DetailValue] = {}


class DeviceReadingRecord(msgspec.Struct, frozen=True):
    """One probe of one device (measurement ``device_reading``).

    ``detail`` holds what the collectors learnt beyond reachability, one flat key per
    sub-struct field (``"camera.stream_ok"``, ``"nvr.channels_recording"``,
    ``"radio.volume"``); same rules as ``AgentHealthRecord.detail``: values bool, str or
    number, **numbers stored and read back as float**, merged key by key on a duplicate.
    """

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
    detail: dict[str, DetailValue] = {}


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

    async def last_transition_before(self, device_id: str, ts_ms: int) -> TransitionRecord | None:
        """The device's newest transition strictly before ``ts_ms``: its status then."""
        ...

    async def latest_transitions(self) -> list[TransitionRecord]:
        """Every device's newest live transition (corrections from a backlog, cause
        ``backfill: …``, left out): the statuses to take up after a restart."""
        ...

    async def ping(self) -> bool: ...

    async def close(self) -> None: ...
