"""The time-series store interface, shared by the SQLite and InfluxDB backends.

Records carry the device-side timestamp. A store keeps one record per
(kind of record, series, timestamp): writing the same record twice (a QoS 1
redelivery, an agent replaying its queue) leaves one copy, as InfluxDB does by nature.
A ``write`` that returns has made the records durable; the caller acknowledges the MQTT
messages only after that.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Protocol

import msgspec

# The records are shared by every capability (server/records.py); re-exported here,
# they are what a store writes and answers.
from xaso.server.records import (
    AgentHealthRecord,
    BroadcastEventRecord,
    DeviceReadingRecord,
    Record,
    TransitionRecord,
)

# InfluxDB parses and indexes concurrent writes on several cores: with one batch in
# flight at a time it used one of them and was the intake's limit (bench/end_to_end.py;
# docs/scaling.md). SQLite takes one write transaction at a time whatever we do.
INFLUXDB_WRITE_LANES = 2


def write_lanes_for(store: Store, asked: int = 0) -> int:
    """How many batches the writer keeps in flight to ``store`` (0 asked: its own)."""
    if asked < 0:
        raise ValueError("--store-write-lanes must be 0 (as suits the store) or more")
    if asked:
        return asked
    return INFLUXDB_WRITE_LANES if store.name == "influxdb" else 1


class WriteResult(msgspec.Struct, frozen=True):
    written: int
    # Records the store refused for good (e.g. an InfluxDB "partial write"): retrying
    # them would fail again, so they are counted and reported, never retried blindly.
    rejected: int = 0
    detail: str = ""


class RecordsRefused(ValueError):
    """The store will never take some record of this write (a value it cannot hold):
    retrying the same write would fail forever. The writer finds the record by halving
    the write and keeps its message aside."""


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

    async def broadcast_events(
        self,
        communes: Sequence[str],
        from_ms: int,
        to_ms: int,
        schedules: Collection[str] = (),
    ) -> list[BroadcastEventRecord]:
        """What reconciling ``[from_ms, to_ms)`` needs: the events of ``communes`` whose
        ``occurrence_ms`` lies in the period, plus the ``received`` events, whatever
        their time, of the schedules those events name and of ``schedules`` (the
        schedules planned in the period, which may have no event in it at all).
        Ordered by (occurrence_ms, ts_ms, agent_id, seq, cluster, event)."""
        ...

    async def ping(self) -> bool: ...

    async def close(self) -> None: ...

    # -- bulk reads for the indicators (a province at once, server/indicators/) --------
    # By device id: the inventory knows which devices a commune had on a given day
    # (mergers move them). ``communes`` is a hint: every commune code the devices'
    # records may carry (a record keeps the code it was written with, a predecessor's
    # before a merger); a backend may read those communes whole and keep the devices
    # asked for (InfluxDB: a tag lookup is much cheaper than a long list of ids). The
    # answer is the same with or without it. Devices with nothing to return are left
    # out of the mapping.

    async def transitions_of(
        self,
        device_ids: Collection[str],
        from_ms: int,
        to_ms: int,
        *,
        communes: Collection[str] = (),
    ) -> dict[str, list[TransitionRecord]]:
        """Every transition of each device in ``[from_ms, to_ms)``, time-ordered."""
        ...

    async def last_transitions_before(
        self, device_ids: Collection[str], ts_ms: int, *, communes: Collection[str] = ()
    ) -> dict[str, TransitionRecord]:
        """Each device's newest transition strictly before ``ts_ms``: its status then."""
        ...

    async def last_readings(
        self,
        device_ids: Collection[str],
        from_ms: int,
        to_ms: int,
        *,
        communes: Collection[str] = (),
    ) -> dict[str, DeviceReadingRecord]:
        """Each device's newest reading in ``[from_ms, to_ms)``."""
        ...
