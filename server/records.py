"""The records every capability shares: what ingest makes of the agents' messages and
the live state's changes, what the stores keep, what availability, the playout log and
the indicators read. Plain data with no behaviour beyond cleaning a ``detail``: the
pure core imports them from here, not from the store package.

Records carry the device-side timestamp (epoch ms, UTC).
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Mapping
from typing import Final

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

    It runs on every reading of every heartbeat, and again in the store: keys already
    found good are remembered (a fleet repeats the same few dozen), and the exact types
    the wire decodes to are tried before ``isinstance``.
    """
    cleaned: dict[str, DetailValue] = {}
    for key, value in detail.items():
        if key not in _GOOD_KEYS:
            if not isinstance(key, str) or not DETAIL_KEY.fullmatch(key):
                continue
            if len(_GOOD_KEYS) < _MAX_GOOD_KEYS:
                _GOOD_KEYS.add(key)
        kind = type(value)
        if kind is float:
            if math.isfinite(value):  # type: ignore[arg-type]
                cleaned[key] = value  # type: ignore[assignment]
        elif kind is bool or kind is str:
            cleaned[key] = value  # type: ignore[assignment]
        elif kind is int:
            cleaned[key] = float(value)  # type: ignore[arg-type]
        elif isinstance(value, bool | str):
            cleaned[key] = value
        elif isinstance(value, int | float) and math.isfinite(value):
            cleaned[key] = float(value)
    return cleaned


# Detail keys seen to match DETAIL_KEY; bounded, so hostile keys cannot grow it forever.
_GOOD_KEYS: set[str] = set()
_MAX_GOOD_KEYS = 10_000


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


class BroadcastEventRecord(msgspec.Struct, frozen=True):
    """One broadcast-log event of one cluster (measurement ``broadcast_event``): every
    field of ``xaso.protocol.BroadcastEvent``, its content flattened, with the commune
    and village the inventory gives the cluster. ``(agent_id, seq)`` identifies the
    event (``event_id`` is ``f"{agent_id}-{seq}"``), so a replayed event is stored once.
    ``occurrence_ms`` is the planned start the event is about (0 for ``received``).
    """

    event_id: str
    agent_id: str
    cluster: str
    commune: str
    event: str  # received | started | finished | failed | preempted | skipped
    ts_ms: int  # when it happened, device clock
    seq: int
    session: int
    schedule: str
    revision: int
    priority: str
    content_type: str
    content_duration_s: float
    occurrence_ms: int = 0
    planned_end_ms: int = 0
    village: str | None = None
    content_title: str = ""
    content_sha256: str | None = None
    content_text: str | None = None
    content_voice: str = "vi"
    content_url: str | None = None
    content_source: str = "commune"
    started_ms: int | None = None
    played_s: float | None = None
    content_s: float | None = None  # the real length of what played, when the agent said
    error: str | None = None
    reason: str | None = None
    preempted_by: str | None = None  # the event's ``by``: what stopped this play
    preempted_schedule: str | None = None  # the event's ``preempted``: what this one stopped
    resumed: bool = False
    volume: int | None = None
    relay_on: bool | None = None
    clock_offset_ms: float | None = None
    historical: bool = False


Record = AgentHealthRecord | DeviceReadingRecord | TransitionRecord | BroadcastEventRecord


# The order ``Store.broadcast_events`` answers in, the same on every backend (a C-level
# key: a province's log is half a million events).
broadcast_order: Final = operator.attrgetter(
    "occurrence_ms", "ts_ms", "agent_id", "seq", "cluster", "event"
)
