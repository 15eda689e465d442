"""Live status of every gateway and device: a pure function of messages and time.

No I/O and no clock of its own: every method takes ``now_ms`` (server time, epoch ms)
and returns the transitions it caused, for the caller to store.

Rules (docs/state.md explains them for users):
- A gateway is online after its birth or a heartbeat; offline on its will (same session
  only: a late will of an older connection is ignored) or when no heartbeat came within
  its ``offline_after_s``; stopped on a clean exit.
- A device is online or offline by its latest probe. While its gateway is not online,
  or its latest probe is older than its ``offline_after_s``, it is unknown: one outage,
  one cause, not twenty.
- Nothing is declared offline by timeout while the server's own broker link is down, and
  every gateway gets a full timeout after the link returns (or the server starts) before
  silence counts against it: a monitor restart must not produce a wave of false outages.
- Historical (replayed) heartbeats are stored but never change live status.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from server.store.base import TransitionRecord
from xaso.inventory import DeviceEntry, InventoryIndex
from xaso.protocol import AgentHealth, DeviceReading, Heartbeat, Status


class DeviceStatus(StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"
    STOPPED = "stopped"
    UNKNOWN = "unknown"
    PLANNED = "planned"


@dataclass(slots=True)
class DeviceState:
    entry: DeviceEntry
    status: DeviceStatus
    since_ms: int | None = None
    cause: str = ""
    # Server time of the last message about this device: timeouts run on our clock, so
    # a gateway with a wrong clock is not declared dead (or alive) by mistake.
    last_heard_ms: int | None = None
    # Device-side time of the last reading, as the agent reported it.
    last_seen_ms: int | None = None
    last_reading: DeviceReading | None = None
    last_health: AgentHealth | None = None


class FleetState:
    def __init__(self, index: InventoryIndex, now_ms: int) -> None:
        self.index = index
        self.devices: dict[str, DeviceState] = {
            device_id: DeviceState(
                entry=entry,
                status=DeviceStatus.PLANNED if entry.planned else DeviceStatus.UNKNOWN,
                since_ms=now_ms,
                cause="planned" if entry.planned else "startup",
            )
            for device_id, entry in index.devices.items()
        }
        # The newest connection session seen per agent (see apply_status).
        self._sessions: dict[str, int] = {a: -1 for a in index.agents}
        self._link_up = False

    # -- broker link -------------------------------------------------------------

    def link_up(self, now_ms: int) -> None:
        """The server (re)connected to the broker: silence so far says nothing about the
        gateways or their devices, so each gets a full timeout from now."""
        self._link_up = True
        for state in self.devices.values():
            if state.last_heard_ms is not None:
                state.last_heard_ms = max(state.last_heard_ms, now_ms)

    def link_down(self) -> None:
        self._link_up = False

    @property
    def link_is_up(self) -> bool:
        return self._link_up

    # -- messages ----------------------------------------------------------------

    def apply_status(self, message: Status, now_ms: int) -> list[TransitionRecord] | None:
        """Apply a birth, will or stopped message; None when it is a stale will."""
        gateway = self.devices[message.agent]
        if message.session < self._sessions[message.agent]:
            return None
        self._sessions[message.agent] = message.session
        if message.state == "online":
            gateway.last_heard_ms = now_ms
            return self._set(gateway, DeviceStatus.ONLINE, "birth", now_ms)
        if message.state == "offline":
            return self._gateway_gone(gateway, DeviceStatus.OFFLINE, "will", now_ms)
        return self._gateway_gone(gateway, DeviceStatus.STOPPED, "stopped", now_ms)

    def apply_heartbeat(
        self, beat: Heartbeat, readings: list[DeviceReading], now_ms: int
    ) -> list[TransitionRecord]:
        """``readings`` are the beat's readings already checked to belong to the agent."""
        gateway = self.devices[beat.agent]
        if beat.historical:
            return []
        track = self._sessions[beat.agent]
        if beat.session > track:
            self._sessions[beat.agent] = beat.session
        elif beat.session < track and beat.ts_ms < (gateway.last_seen_ms or 0):
            # A beat of an older connection delivered late: its data is stored, but it
            # says nothing about the gateway now.
            return []
        gateway.last_heard_ms = now_ms
        gateway.last_seen_ms = beat.ts_ms
        gateway.last_health = beat.health
        transitions = self._set(gateway, DeviceStatus.ONLINE, "heartbeat", now_ms)
        for reading in readings:
            device = self.devices[reading.id]
            device.last_heard_ms = now_ms
            device.last_seen_ms = beat.ts_ms
            device.last_reading = reading
            if reading.reachable:
                transitions += self._set(device, DeviceStatus.ONLINE, "probe_ok", now_ms)
            else:
                cause = f"probe_failed: {reading.error}" if reading.error else "probe_failed"
                transitions += self._set(device, DeviceStatus.OFFLINE, cause, now_ms)
        return transitions

    def sweep(self, now_ms: int) -> list[TransitionRecord]:
        """Apply heartbeat timeouts; call about once a second."""
        if not self._link_up:
            return []
        transitions: list[TransitionRecord] = []
        for agent_id in self.index.agents:
            gateway = self.devices[agent_id]
            if gateway.status is not DeviceStatus.ONLINE or gateway.last_heard_ms is None:
                continue
            if now_ms - gateway.last_heard_ms > gateway.entry.offline_after_s * 1000:
                transitions += self._gateway_gone(gateway, DeviceStatus.OFFLINE, "timeout", now_ms)
                continue
            for device_id in self.index.devices_of_agent[agent_id]:
                device = self.devices[device_id]
                if device.status in (DeviceStatus.ONLINE, DeviceStatus.OFFLINE) and (
                    device.last_heard_ms is None
                    or now_ms - device.last_heard_ms > device.entry.offline_after_s * 1000
                ):
                    transitions += self._set(device, DeviceStatus.UNKNOWN, "no_reading", now_ms)
        return transitions

    # -- helpers -----------------------------------------------------------------

    def _gateway_gone(
        self, gateway: DeviceState, status: DeviceStatus, cause: str, now_ms: int
    ) -> list[TransitionRecord]:
        transitions = self._set(gateway, status, cause, now_ms)
        for device_id in self.index.devices_of_agent[gateway.entry.id]:
            transitions += self._set(
                self.devices[device_id], DeviceStatus.UNKNOWN, f"gateway_{status}", now_ms
            )
        return transitions

    def _set(
        self, state: DeviceState, status: DeviceStatus, cause: str, now_ms: int
    ) -> list[TransitionRecord]:
        if state.status is status:
            return []
        previous = state.status
        state.status, state.since_ms, state.cause = status, now_ms, cause
        entry = state.entry
        return [
            TransitionRecord(
                device_id=entry.id,
                commune=entry.commune,
                kind=entry.kind,
                ts_ms=now_ms,
                status=str(status),
                previous=str(previous),
                cause=cause,
            )
        ]
