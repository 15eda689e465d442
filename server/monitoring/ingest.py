"""From one MQTT message to validated records and state changes.

Everything here runs on the event loop. Bad input is refused, counted by reason and
logged at most once a minute per agent; it is never stored as data, and the pipeline
keeps the message aside as a dead letter (server/monitoring/pipeline.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Final

import msgspec

from xaso.protocol import (
    MAX_PAYLOAD_BYTES,
    BroadcastEvent,
    DeviceReading,
    Heartbeat,
    ProtocolError,
    decode_broadcast_event,
    decode_heartbeat,
    decode_snapshot,
    decode_status,
    parse_topic,
)
from xaso.server.camera_snapshots.check import snapshot_problem
from xaso.server.camera_snapshots.incoming import IncomingSnapshot
from xaso.server.monitoring.backfill import Backfill
from xaso.server.monitoring.detail import health_detail, reading_detail
from xaso.server.monitoring.fleet_state import FleetState
from xaso.server.monitoring.metrics import Metrics
from xaso.server.monitoring.ratelimit import RateLimitedLog
from xaso.server.monitoring.record_time import RecordTimeWindow, Restamper
from xaso.server.records import AgentHealthRecord, BroadcastEventRecord, DeviceReadingRecord, Record

log = logging.getLogger("xaso.ingest")


@dataclass(slots=True)
class Handled:
    """What one message came to: records to store, the agent's record numbers it
    carried, and, for a refused message, why (reason label, detail)."""

    records: list[Record] = field(default_factory=list)
    sequences: list[tuple[str, int]] = field(default_factory=list)
    refused: tuple[str, str] | None = None
    # A camera's thumbnail to keep (server/camera_snapshots/) before the acknowledgement.
    snapshot: IncomingSnapshot | None = None


class Ingest:
    def __init__(
        self, state: FleetState, metrics: Metrics, window: RecordTimeWindow | None = None
    ) -> None:
        self.state = state
        self.window = window or RecordTimeWindow()
        self.index = state.index
        self.metrics = metrics
        self.backfill = Backfill()
        self.restamper = Restamper()
        self._problems = RateLimitedLog(log)

    def handle(self, topic: str, payload: bytes, now_ms: int, retained: bool = False) -> Handled:
        """Validate and apply one message; return the records to store. ``retained``:
        the broker kept it and sends it because we subscribed (a status: not news)."""
        parsed = parse_topic(topic)
        if parsed is None:
            return self._reject("bad_topic", "-", now_ms, "topic %r is not ours", topic)
        agent_id, channel = parsed
        self.metrics.messages_received.labels(channel).inc()
        if agent_id not in self.index.agents:
            return self._reject("unknown_agent", agent_id, now_ms, "agent %s is unknown", agent_id)
        if len(payload) > MAX_PAYLOAD_BYTES:
            return self._reject(
                "oversized", agent_id, now_ms, "%s: %d-byte payload dropped", agent_id, len(payload)
            )
        if channel in ("replay", "schedule"):
            return Handled()  # our own messages to agents, echoed by the broker
        handled = Handled()
        try:
            if channel == "status":
                return self._status(agent_id, payload, now_ms, retained)
            if channel == "heartbeat":
                return self._heartbeat(agent_id, payload, now_ms, handled)
            if channel == "broadcast":
                return self._broadcast(agent_id, payload, now_ms, handled)
            if channel == "snapshot":
                return self._snapshot(agent_id, payload, now_ms, handled)
        except ProtocolError as exc:
            return self._reject(
                exc.reason, agent_id, now_ms, "%s: %s", agent_id, exc.detail, handled=handled
            )
        return self._reject(
            "unknown_channel", agent_id, now_ms, "%s: unknown channel %r", agent_id, channel
        )

    def _status(self, agent_id: str, payload: bytes, now_ms: int, retained: bool) -> Handled:
        message = decode_status(payload)
        if message.agent != agent_id:
            return self._mismatch(agent_id, message.agent, now_ms)
        transitions = self.state.apply_status(message, now_ms, retained)
        if transitions is None:
            self.metrics.stale_wills.inc()
            log.info(
                "%s: ignored a %s will of session %d",
                agent_id,
                "kept (retained)" if retained else "stale",
                message.session,
            )
            return Handled()
        return Handled(records=list(transitions))

    def _heartbeat(self, agent_id: str, payload: bytes, now_ms: int, handled: Handled) -> Handled:
        beat = decode_heartbeat(payload)
        if beat.agent != agent_id:
            return self._mismatch(agent_id, beat.agent, now_ms)
        # The agent sent this number, whatever we make of the record: it has arrived,
        # so that a refused record is not asked for again and again as a gap.
        handled.sequences.append((agent_id, beat.seq))
        if not self.window.believable(beat.ts_ms, now_ms):
            if beat.historical:
                # When it really happened is unknown: storing it anywhere would be a lie.
                return self._reject(
                    "time_out_of_range",
                    agent_id,
                    now_ms,
                    "%s: queued heartbeat %d %s",
                    agent_id,
                    beat.seq,
                    self.window.describe(beat.ts_ms, now_ms),
                    handled=handled,
                )
            beat = self._restamped(beat, now_ms)
        readings = self._owned_readings(beat, now_ms)
        transitions = self.state.apply_heartbeat(beat, readings, now_ms)
        if beat.historical:
            transitions += self.backfill.transitions(readings, self.index.devices, beat.ts_ms)
        else:
            self.backfill.live_again([r.id for r in readings])
        commune = self.index.agents[agent_id].commune
        records: list[Record] = [
            AgentHealthRecord(
                agent_id=agent_id,
                commune=commune,
                ts_ms=beat.ts_ms,
                seq=beat.seq,
                session=beat.session,
                historical=beat.historical,
                uptime_s=beat.health.uptime_s,
                load1=beat.health.load1,
                mem_used_pct=beat.health.mem_used_pct,
                disk_free_pct=beat.health.disk_free_pct,
                temp_c=beat.health.temp_c,
                detail=health_detail(beat.health, beat.collectors),
            )
        ]
        for reading in readings:
            entry = self.index.devices[reading.id]
            records.append(
                DeviceReadingRecord(
                    device_id=reading.id,
                    agent_id=agent_id,
                    commune=entry.commune,
                    kind=entry.kind,
                    ts_ms=beat.ts_ms,
                    seq=beat.seq,
                    reachable=reading.reachable,
                    historical=beat.historical,
                    rtt_ms=reading.rtt_ms,
                    error=reading.error,
                    detail=reading_detail(reading),
                )
            )
        records.extend(transitions)
        handled.records = records
        return handled

    def _broadcast(self, agent_id: str, payload: bytes, now_ms: int, handled: Handled) -> Handled:
        """One broadcast-log event: stored as it is, at the device's time. It changes no
        live state; the playout log and its alerts read it from the store."""
        event = decode_broadcast_event(payload)
        if event.agent != agent_id:
            return self._mismatch(agent_id, event.agent, now_ms)
        # As for heartbeats: whatever we make of the event, its number has arrived.
        handled.sequences.append((agent_id, event.seq))
        if not self.window.believable(event.ts_ms, now_ms):
            # Its planned and actual times are on the same wrong clock: no proof of play.
            return self._reject(
                "time_out_of_range",
                agent_id,
                now_ms,
                "%s: broadcast event %d %s",
                agent_id,
                event.seq,
                self.window.describe(event.ts_ms, now_ms),
                handled=handled,
            )
        for planned_ms in (event.occurrence_ms, event.planned_end_ms):
            if not self.window.believable_plan(planned_ms, now_ms):
                # No schedule plans that far; the store files the event at this time.
                return self._reject(
                    "time_out_of_range",
                    agent_id,
                    now_ms,
                    "%s: broadcast event %d for an occurrence %s",
                    agent_id,
                    event.seq,
                    self.window.describe(planned_ms, now_ms),
                    handled=handled,
                )
        entry = self.index.devices.get(event.cluster)
        if (
            entry is None
            or entry.kind != "radio_cluster"
            or event.cluster not in self.index.devices_of_agent[agent_id]
        ):
            return self._reject(
                "foreign_cluster",
                agent_id,
                now_ms,
                "%s: broadcast event for cluster %r it does not play on",
                agent_id,
                event.cluster,
                handled=handled,
            )
        handled.records.append(broadcast_record(event, entry.commune, entry.village))
        return handled

    def _snapshot(self, agent_id: str, payload: bytes, now_ms: int, handled: Handled) -> Handled:
        """A camera's thumbnail: checked here, kept by the pipeline before the
        acknowledgement. It changes no live state and stores no record."""
        message = decode_snapshot(payload)
        if message.agent != agent_id:
            return self._mismatch(agent_id, message.agent, now_ms)
        # It shares the agent's numbering: arrived, whatever we make of it.
        handled.sequences.append((agent_id, message.seq))
        problem = snapshot_problem(message, agent_id, self.index)
        if problem is not None:
            reason, detail = problem
            return self._reject(
                reason, agent_id, now_ms, "%s: %s", agent_id, detail, handled=handled
            )
        taken_ms = message.taken_ms
        if not self.window.believable(taken_ms, now_ms):
            if message.historical:
                return self._reject(
                    "time_out_of_range",
                    agent_id,
                    now_ms,
                    "%s: queued snapshot %d %s",
                    agent_id,
                    message.seq,
                    self.window.describe(taken_ms, now_ms),
                    handled=handled,
                )
            taken_ms = now_ms  # just taken, on a wrong clock: it shows the camera now
        handled.snapshot = IncomingSnapshot(
            agent_id=agent_id,
            device_id=message.device,
            taken_ms=taken_ms,
            received_ms=now_ms,
            width=message.width,
            height=message.height,
            jpeg=message.jpeg,
        )
        return handled

    def _restamped(self, beat: Heartbeat, now_ms: int) -> Heartbeat:
        """A live heartbeat just arrived, so it tells how things are now, whatever the
        gateway's clock says: keep it, at the server's time, and say the clock is wrong."""
        self.metrics.records_restamped.inc()
        self._problems.warning(
            (beat.agent, "clock"),
            now_ms,
            "%s: heartbeat %s; stored at the server's time (check the gateway's NTP)",
            beat.agent,
            self.window.describe(beat.ts_ms, now_ms),
        )
        ts_ms = self.restamper.stamp(beat.agent, beat.seq, now_ms)
        return msgspec.structs.replace(beat, ts_ms=ts_ms)

    def _owned_readings(self, beat: Heartbeat, now_ms: int) -> list[DeviceReading]:
        """Keep only readings of devices this agent answers for: an agent must not speak
        for another commune's devices, whatever its broker credentials allow."""
        owned = self.index.devices_of_agent[beat.agent]
        kept: list[DeviceReading] = []
        seen: set[str] = set()
        for reading in beat.devices:
            if reading.id not in owned:
                self.metrics.readings_rejected.labels("foreign_device").inc()
                self._problems.warning(
                    (beat.agent, "foreign_device"),
                    now_ms,
                    "%s: reading for device %r it does not own dropped",
                    beat.agent,
                    reading.id,
                )
            elif reading.id in seen:
                self.metrics.readings_rejected.labels("duplicate_device").inc()
            else:
                seen.add(reading.id)
                kept.append(reading)
        return kept

    def _mismatch(self, topic_agent: str, payload_agent: str, now_ms: int) -> Handled:
        return self._reject(
            "agent_mismatch",
            topic_agent,
            now_ms,
            "%s: payload claims to be agent %r",
            topic_agent,
            payload_agent,
        )

    def _reject(
        self,
        reason: str,
        agent_id: str,
        now_ms: int,
        msg: str,
        *args: object,
        handled: Handled | None = None,
    ) -> Handled:
        """Refuse the message; ``handled`` keeps the record numbers it carried."""
        self.metrics.messages_rejected.labels(reason).inc()
        self._problems.warning((agent_id, reason), now_ms, "rejected (%s): " + msg, reason, *args)
        refused = handled or Handled()
        refused.records = []
        refused.snapshot = None
        refused.refused = (reason, msg % args)
        return refused


# The wire's names the stored record spells otherwise: in a table beside other records a
# name must say what it is about (``agent`` is an id; ``by`` and ``preempted`` are both
# schedules, one each way). Every other field keeps its name; ``content`` is flattened
# into ``content_<field>``; ``v`` is the wire's version, not a fact about the broadcast.
_STORED_NAME: Final = {"agent": "agent_id", "by": "preempted_by", "preempted": "preempted_schedule"}
_NOT_STORED: Final = frozenset({"v", "content"})


def broadcast_record(
    event: BroadcastEvent, commune: str, village: str | None
) -> BroadcastEventRecord:
    """The stored form of a broadcast event: every field, the content flattened, by name,
    so a field added to the wire and to the record needs no edit here (a field the record
    lacks fails here, loudly, in the tests that replay every event kind)."""
    values: dict[str, Any] = {
        _STORED_NAME.get(name, name): getattr(event, name)
        for name in event.__struct_fields__
        if name not in _NOT_STORED
    }
    content = event.content
    for name in content.__struct_fields__:
        values[f"content_{name}"] = getattr(content, name)
    return BroadcastEventRecord(
        event_id=f"{event.agent}-{event.seq}", commune=commune, village=village, **values
    )
