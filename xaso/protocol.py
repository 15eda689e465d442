"""The versioned wire contract between agents and the server.

Both sides import this module; the agent never imports the server. Every message is
JSON with a schema version ``v``, the publishing agent's id, a device-side timestamp
``ts_ms`` (Unix epoch milliseconds, UTC) and, for records, a per-agent sequence
number ``seq`` so the server can detect gaps.

Topic tree (``docs/protocol.md`` shows an example of every message)::

    xaso/v1/agents/{agent_id}/status     retained, QoS 1: online | offline (will) | stopped
    xaso/v1/agents/{agent_id}/heartbeat  QoS 1, not retained
    xaso/v1/agents/{agent_id}/broadcast  QoS 1, not retained: broadcast-log events
    xaso/v1/agents/{agent_id}/snapshot   QoS 1, not retained: a camera's thumbnail
    xaso/v1/agents/{agent_id}/schedule   server to agent, retained: the schedule set
    xaso/v1/agents/{agent_id}/replay     server to agent: send again from a sequence

The topic names the agent; the payload repeats it and the server rejects a mismatch,
so an agent cannot speak for another one even where the broker's ACL is missing.
"""

from __future__ import annotations

import hashlib
import re
from typing import Annotated, Final, Literal, Protocol, TypeVar

import msgspec

SCHEMA_VERSION: Final = 1
TOPIC_PREFIX: Final = "xaso/v1"
AGENTS_PREFIX: Final = f"{TOPIC_PREFIX}/agents"

# Ids travel in topics, tags and URLs: keep them to characters safe in all three.
ID_PATTERN: Final = r"^[a-z0-9][a-z0-9._-]{0,63}$"
_ID_RE: Final = re.compile(ID_PATTERN)

# A heartbeat of an agent with 200 devices is about 20 KB; anything far beyond that is
# hostile or broken and is rejected before it is parsed.
MAX_PAYLOAD_BYTES: Final = 256 * 1024

# Every integer on the wire fits a signed 64-bit integer: what SQLite and InfluxDB store.
# A bigger one (a seq of 2**64) is refused at the boundary, where it is one bad message;
# past it, it would stall the store's writer on every retry.
INT64_MIN: Final = -(2**63)
INT64_MAX: Final = 2**63 - 1
Int64 = Annotated[int, msgspec.Meta(ge=INT64_MIN, le=INT64_MAX)]

QOS_STATUS: Final = 1
QOS_RECORDS: Final = 1

AgentState = Literal["online", "offline", "stopped"]


def is_valid_id(value: str) -> bool:
    return bool(_ID_RE.match(value))


def status_topic(agent_id: str) -> str:
    return f"{AGENTS_PREFIX}/{agent_id}/status"


def heartbeat_topic(agent_id: str) -> str:
    return f"{AGENTS_PREFIX}/{agent_id}/heartbeat"


def broadcast_topic(agent_id: str) -> str:
    """Agent to server, through the agent's on-disk queue: broadcast-log events."""
    return f"{AGENTS_PREFIX}/{agent_id}/broadcast"


def snapshot_topic(agent_id: str) -> str:
    """Agent to server, through the agent's on-disk queue: a camera's thumbnail."""
    return f"{AGENTS_PREFIX}/{agent_id}/snapshot"


def schedule_topic(agent_id: str) -> str:
    """Server to agent, retained: the broadcast schedule for the agent's clusters."""
    return f"{AGENTS_PREFIX}/{agent_id}/schedule"


def replay_topic(agent_id: str) -> str:
    """Server to agent: send again what you still keep from ``from_seq`` on."""
    return f"{AGENTS_PREFIX}/{agent_id}/replay"


# What the server subscribes to: every agent's every channel. (It ignores the replay
# channel, which it publishes itself.)
SUBSCRIPTION: Final = f"{AGENTS_PREFIX}/+/+"


def parse_topic(topic: str) -> tuple[str, str] | None:
    """Return ``(agent_id, channel)`` for a topic of our tree, or None."""
    parts = topic.split("/")
    if len(parts) != 5 or f"{parts[0]}/{parts[1]}/{parts[2]}" != AGENTS_PREFIX:
        return None
    agent_id, channel = parts[3], parts[4]
    if not is_valid_id(agent_id):
        return None
    return agent_id, channel


class Status(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """Agent availability. ``session`` grows by one on every connection of the agent:
    a will whose session is older than the newest birth is stale and must be ignored
    (the idea of Sparkplug's bdSeq)."""

    v: Int64
    agent: str
    state: AgentState
    session: Int64
    ts_ms: Int64
    agent_version: str = ""


class AgentHealth(msgspec.Struct, forbid_unknown_fields=True, frozen=True, omit_defaults=True):
    """The gateway's own health; a field is None where the platform does not expose it."""

    uptime_s: float | None = None
    load1: float | None = None
    mem_used_pct: float | None = None
    disk_free_pct: float | None = None
    temp_c: float | None = None
    # Why the gateway last booted, where the platform says (e.g. "watchdog", "power_on").
    boot_reason: str | None = None
    # Local clock minus NTP time, and whether the clock is synchronised at all.
    clock_offset_ms: float | None = None
    ntp_synced: bool | None = None
    # The uplink: "4g" | "ftth" | "wifi" | "ethernet" | ..., with signal where readable.
    bearer: str | None = None
    rssi_dbm: float | None = None
    rsrp_dbm: float | None = None
    # Broker reconnections since the agent started.
    reconnects: Int64 | None = None
    # The version of the broadcast schedule the agent holds (ScheduleSet.version), and
    # how many audio files it names are not on the gateway yet.
    schedule_version: str | None = None
    content_missing: Int64 | None = None
    # The on-disk queue: records waiting, records dropped by its retention policy since
    # the agent started, and the last problem with it (e.g. a full disk).
    queue_depth: Int64 | None = None
    queue_dropped: Int64 | None = None
    queue_error: str | None = None


# What a camera's picture shows, judged on the gateway from a snapshot: "ok", or why the
# picture is of no use although the stream is served (docs/cameras.md).
PictureState = Literal["ok", "dark", "blurred", "covered", "frozen", "no_picture"]


class PictureHealth(msgspec.Struct, forbid_unknown_fields=True, frozen=True, omit_defaults=True):
    """The measures of the camera's last snapshot and the verdict drawn from them."""

    state: PictureState
    taken_ms: Int64 | None = None  # when the snapshot was taken, gateway clock
    # The camera's thresholds are still being learnt from its own frames: only what is
    # wrong by the fixed limits is reported meanwhile.
    learning: bool = False
    brightness: float | None = None  # mean luma, 0-255
    sharpness: float | None = None  # variance of the Laplacian of the luma
    uniform_pct: float | None = None  # share of the frame in its most common colour, 0-100
    change: float | None = None  # mean absolute luma difference from the last snapshots, 0-255
    error: str | None = None  # why there is no picture


class RecordingGap(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    from_ms: Int64
    to_ms: Int64


class RecordingContinuity(
    msgspec.Struct, forbid_unknown_fields=True, frozen=True, omit_defaults=True
):
    """What the recorder holds of one camera over a window it was asked about."""

    from_ms: Int64
    to_ms: Int64
    recorded_s: float  # seconds of the window with recording
    gaps: list[RecordingGap] = []  # the stretches of the window without recording


class CameraStatus(msgspec.Struct, forbid_unknown_fields=True, frozen=True, omit_defaults=True):
    """What the camera collector learnt (RTSP OPTIONS/DESCRIBE, ONVIF when configured)."""

    stream_ok: bool | None = None  # DESCRIBE answered with a session description
    auth_ok: bool | None = None  # False when the camera refused our credentials
    recording: bool | None = None
    last_frame_ms: Int64 | None = None
    fps: float | None = None
    bitrate_kbps: float | None = None
    video_loss: bool | None = None
    tamper: bool | None = None
    # ONVIF GetSystemDateAndTime minus the agent's clock.
    clock_offset_ms: float | None = None
    model: str | None = None
    firmware: str | None = None
    picture: PictureHealth | None = None
    recorded: RecordingContinuity | None = None


class NvrStatus(msgspec.Struct, forbid_unknown_fields=True, frozen=True, omit_defaults=True):
    recording: bool | None = None
    channels_recording: Int64 | None = None
    channels_total: Int64 | None = None
    disk_free_pct: float | None = None
    retention_days: float | None = None


RadioPlayState = Literal["idle", "playing", "paused", "error"]


class RadioStatus(msgspec.Struct, forbid_unknown_fields=True, frozen=True, omit_defaults=True):
    """A loudspeaker cluster's state, as its controller reports it."""

    play_state: RadioPlayState | None = None
    source: str | None = None  # "schedule", "live", "relay", "emergency", ...
    volume: Int64 | None = None  # 0-100
    muted: bool | None = None
    relay_on: bool | None = None  # the amplifier's power relay
    buffer_ms: Int64 | None = None
    frame_loss_pct: float | None = None
    schedule_version: str | None = None


class DeviceReading(msgspec.Struct, forbid_unknown_fields=True, frozen=True, omit_defaults=True):
    """What the agent knows of one device it answers for this cycle. Several collectors
    may report on the same device; the agent merges them into one reading."""

    id: str
    reachable: bool
    rtt_ms: float | None = None
    error: str | None = None
    camera: CameraStatus | None = None
    nvr: NvrStatus | None = None
    radio: RadioStatus | None = None


class CollectorStatus(msgspec.Struct, forbid_unknown_fields=True, frozen=True, omit_defaults=True):
    """How one collector fared this cycle: a failing or hanging collector is reported
    here, and never delays the heartbeat."""

    name: str
    ok: bool
    duration_ms: float | None = None
    error: str | None = None


class Heartbeat(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    v: Int64
    agent: str
    session: Int64
    seq: Int64
    ts_ms: Int64
    interval_s: float
    health: AgentHealth
    devices: list[DeviceReading] = []
    collectors: list[CollectorStatus] = []
    # True for records replayed from the agent's queue after an outage: stored with their
    # original timestamps, never a cause for a live alert.
    historical: bool = False


class Replay(msgspec.Struct, forbid_unknown_fields=True, frozen=True, omit_defaults=True):
    """Server to agent, QoS 1, not retained: records from ``from_seq`` on (up to
    ``to_seq`` included, when given: one gap) did not reach the store (a broker that
    crashed after acknowledging them, say). The agent sends again whatever it still
    keeps of them, marked historical."""

    v: Int64
    agent: str
    from_seq: Int64
    ts_ms: Int64
    to_seq: Int64 | None = None


# TT39's three bulletin classes, and below them "background": a standing relay
# (tiếp sóng thường xuyên) that any bulletin pre-empts and that resumes after it.
Priority = Literal["background", "normal", "priority", "emergency"]
ContentType = Literal["file", "tts", "relay", "live"]
ContentSource = Literal["commune", "provincial", "central"]


class ScheduledContent(msgspec.Struct, forbid_unknown_fields=True, frozen=True, omit_defaults=True):
    type: ContentType  # "live": a microphone announcement (manual entries only)
    duration_s: float
    title: str = ""
    sha256: str | None = None  # file: fetched ahead from the server, checked by hash
    text: str | None = None  # tts: spoken on the gateway
    voice: str = "vi"
    url: str | None = None  # relay: a stream
    source: ContentSource = "commune"


Volume = Annotated[int, msgspec.Meta(ge=0, le=100)]


class ScheduleItem(msgspec.Struct, forbid_unknown_fields=True, frozen=True, omit_defaults=True):
    """One schedule, as the agent needs it to play on time even with the link down.
    Optional fields are omitted when unset: an agent of an older release refuses a
    field it does not know (docs/protocol.md, "Older agents")."""

    id: str
    revision: Int64
    title: str
    priority: Priority
    content: ScheduledContent
    start: str  # ISO 8601 wall time in ``timezone`` (or with an offset)
    timezone: str
    clusters: list[str]  # of this agent's clusters, those it plays on
    rrule: str | None = None  # RFC 5545 RRULE; None: once
    # The occurrences to play, expanded by the server (epoch ms, UTC) for the set's
    # horizon: the agent needs no RFC 5545 engine, and plays what the server planned.
    starts_ms: list[Int64] = []
    # The volume of this schedule's plays; None: the cluster's (``ScheduleSet.volumes``,
    # else the gateway's own configuration).
    volume: Volume | None = None


class Silence(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """ "Silence now": nothing plays on these clusters in ``[from_ms, to_ms)``, and
    whatever is playing there stops."""

    id: str
    clusters: list[str]
    from_ms: Int64
    to_ms: Int64


class ScheduleSet(msgspec.Struct, forbid_unknown_fields=True, frozen=True, omit_defaults=True):
    """Server to agent, retained, QoS 1: every schedule that concerns the agent's
    clusters, with its occurrences up to ``horizon_ms``, the silences in force and the
    clusters' volumes. ``version`` is a hash of items, silences and volumes: the agent
    reports the version it holds in its heartbeats, so a cluster on an old schedule is
    visible."""

    v: Int64
    agent: str
    version: str
    ts_ms: Int64
    items: list[ScheduleItem] = []
    silences: list[Silence] = []
    # Occurrences are listed up to here; the server sends a new set well before.
    horizon_ms: Int64 = 0
    # cluster -> the volume its commune set for it (its radio settings); a play uses
    # its schedule's volume first, and a cluster not listed its gateway's own.
    volumes: dict[str, Volume] = {}


BroadcastEventKind = Literal["received", "started", "finished", "failed", "preempted", "skipped"]


class BroadcastEvent(msgspec.Struct, forbid_unknown_fields=True, frozen=True, omit_defaults=True):
    """Agent to server, through the on-disk queue: one step of one occurrence on one
    cluster (the broadcast log, nhật ký phát thanh). ``(agent, seq)`` identifies the
    event, so a replayed one is stored once.

    - received: the gateway holds the schedule (revision) and its content for a cluster
      (``occurrence_ms`` is 0);
    - started / finished / failed: the player ran, with actual times and ``played_s``;
    - preempted: stopped for an emergency (``by`` names it) or a silence;
    - skipped: not played at all (``reason``: silenced, too_late, content_missing...).
    """

    v: Int64
    agent: str
    session: Int64
    seq: Int64
    ts_ms: Int64  # when this happened, device clock
    event: BroadcastEventKind
    cluster: str
    schedule: str
    revision: Int64
    priority: Priority
    content: ScheduledContent
    occurrence_ms: Int64 = 0  # the planned start: identifies the occurrence
    planned_end_ms: Int64 = 0
    started_ms: Int64 | None = None  # actual start of the play this event is about
    played_s: float | None = None  # how long it played (finished, failed, preempted)
    # The real length of what the player plays (the rendered speech), when the gateway
    # knows it; absent otherwise (files: the server measured them; streams: the slot).
    content_s: float | None = None
    error: str | None = None
    reason: str | None = None
    by: str | None = None  # preempted: the schedule (or silence) that took over
    preempted: str | None = None  # started: the schedule this one stopped
    resumed: bool = False  # started again after being pre-empted
    volume: Int64 | None = None
    relay_on: bool | None = None
    clock_offset_ms: float | None = None
    historical: bool = False


# A thumbnail is a few kilobytes; the server refuses one past this (it is base64 on the
# wire, a third more, well inside MAX_PAYLOAD_BYTES).
MAX_SNAPSHOT_JPEG_BYTES: Final = 64 * 1024


class Snapshot(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """Agent to server, through the on-disk queue: a small JPEG of what a camera saw.

    It shares the agent's record numbering (``seq``) with heartbeats and events: the
    queue numbers every record it keeps, so a snapshot left out of the server's count
    would look like a gap in the others'. The agent keeps at most one snapshot per
    camera waiting, replacing its picture in place (same ``seq``) while it waits, so the
    newest picture goes out and no number is skipped (docs/agent-queue.md)."""

    v: Int64
    agent: str
    session: Int64
    seq: Int64
    ts_ms: Int64  # when it was queued, device clock
    device: str
    taken_ms: Int64  # when the camera's picture was taken, device clock
    width: Int64
    height: Int64
    jpeg: bytes  # base64 on the wire (msgspec's encoding of bytes)
    historical: bool = False


# Optional parts are omitted when unset (omit_defaults): a gateway on 4G pays for every
# byte, and an absent field decodes to the same None.
# Encoders and decoders are built once: msgspec decodes and validates in one pass.
_encoder = msgspec.json.Encoder()
_status_decoder = msgspec.json.Decoder(Status)
_heartbeat_decoder = msgspec.json.Decoder(Heartbeat)
_replay_decoder = msgspec.json.Decoder(Replay)
_schedule_decoder = msgspec.json.Decoder(ScheduleSet)
_broadcast_decoder = msgspec.json.Decoder(BroadcastEvent)
_snapshot_decoder = msgspec.json.Decoder(Snapshot)


class _VersionOnly(msgspec.Struct):
    v: Int64


_version_decoder = msgspec.json.Decoder(_VersionOnly)


def encode(
    message: Status | Heartbeat | Replay | ScheduleSet | BroadcastEvent | Snapshot,
) -> bytes:
    return _encoder.encode(message)


class ProtocolError(ValueError):
    """A payload that breaks the contract; ``reason`` is a short metric label."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def _check_version(payload: bytes) -> None:
    try:
        version = _version_decoder.decode(payload).v
    except msgspec.ValidationError as exc:  # a subclass of DecodeError: test it first
        raise ProtocolError("invalid_schema", str(exc)) from None
    except msgspec.DecodeError as exc:
        raise ProtocolError("malformed_json", str(exc)) from None
    except RecursionError:
        raise ProtocolError("malformed_json", "nested too deeply") from None
    if version != SCHEMA_VERSION:
        raise ProtocolError("unsupported_version", f"schema version {version}")


class _Versioned(Protocol):
    @property
    def v(self) -> int: ...


M = TypeVar("M", bound=_Versioned)


def _decode(decoder: msgspec.json.Decoder[M], payload: bytes) -> M:
    """Decode and validate in one pass; every failure is a ProtocolError with a reason."""
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise ProtocolError("oversized", f"{len(payload)} bytes > {MAX_PAYLOAD_BYTES}")
    try:
        message = decoder.decode(payload)
    except msgspec.ValidationError as exc:
        # Tell an old or future agent apart from a broken one: it changes the fix.
        _check_version(payload)
        raise ProtocolError("invalid_schema", str(exc)) from None
    except msgspec.DecodeError as exc:
        raise ProtocolError("malformed_json", str(exc)) from None
    except RecursionError:
        # JSON nested ~1,000 deep (3 KB) exhausts the decoder's stack: one hostile
        # message, to be refused like any other broken one.
        raise ProtocolError("malformed_json", "nested too deeply") from None
    if message.v != SCHEMA_VERSION:
        raise ProtocolError("unsupported_version", f"schema version {message.v}")
    return message


def decode_status(payload: bytes) -> Status:
    return _decode(_status_decoder, payload)


def decode_heartbeat(payload: bytes) -> Heartbeat:
    return _decode(_heartbeat_decoder, payload)


def decode_replay(payload: bytes) -> Replay:
    return _decode(_replay_decoder, payload)


def decode_schedule_set(payload: bytes) -> ScheduleSet:
    return _decode(_schedule_decoder, payload)


def decode_broadcast_event(payload: bytes) -> BroadcastEvent:
    return _decode(_broadcast_decoder, payload)


def decode_snapshot(payload: bytes) -> Snapshot:
    return _decode(_snapshot_decoder, payload)


def schedule_version(
    items: list[ScheduleItem],
    silences: list[Silence] | None = None,
    volumes: dict[str, int] | None = None,
) -> str:
    """A short, stable hash of a schedule set's items, silences and volumes (canonical
    JSON; a set without volumes hashes as it did before they existed)."""
    parts: list[object] = [
        sorted(items, key=lambda i: i.id),
        sorted(silences or [], key=lambda s: s.id),
    ]
    if volumes:
        parts.append(volumes)
    canonical = msgspec.json.encode(parts, order="sorted")
    return hashlib.sha256(canonical).hexdigest()[:16]
