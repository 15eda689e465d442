"""Live status of every gateway and device: a pure function of messages and time.

No I/O and no clock of its own: every method takes ``now_ms`` (server time, epoch ms)
and returns the transitions it caused, for the caller to store. docs/state.md explains
the rules for users; in short:

- **online** (UP), **pending** (a missed heartbeat or a failed probe, within grace),
  **offline** (DOWN), **unknown**, **maintenance**, **stopped** (a gateway's clean exit),
  **planned** (not installed); and a **flapping** mark.
- A gateway goes offline on its will (same session only: a late will of an older
  connection is ignored) once the will has stood for ``will_grace_s`` with the broker
  link still up — a broker that shuts down sends every client's will just before it
  drops the server too, and those say nothing about the gateways; a will the broker
  kept (retained) only counts for a gateway not believed alive — or when no heartbeat
  came within its ``offline_after_s``; after one missed heartbeat it is pending. A
  device goes pending on a failed probe and offline when it has kept failing for one
  heartbeat interval of its profile.
- When a gateway is offline or stopped, its devices are unknown: one outage, one cause.
- Coming back from offline takes a minimum time up (one heartbeat interval) before the
  device is online again ("recovered"); a device going down ``flap_count`` times within
  ``flap_window_s`` is marked flapping, once.
- Nothing is declared offline by timeout while the server cannot see: its broker link
  is down, or its own intake is stalled (the store cannot keep up, so the broker holds
  back the heartbeats); every device gets a full timeout once it sees again. After a
  restart the state is restored from the stored transitions, so a restart neither
  invents outages nor forgets real ones.
- Historical (replayed) heartbeats are stored but never change live status; a device in
  a maintenance window is in maintenance whatever it reports.
- A device of the inventory that no live heartbeat of the gateway's newest connection
  reports, a few heartbeats on, is missing from the gateway's own configuration
  (``unconfigured``): its status would stay unknown without a word, so it is named.
- A camera's picture is followed beside its status, as a dimension of its own
  (``picture_state.py``): its changes are stored as transitions of the series
  ``<camera id>:picture`` and never change the camera's status.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from enum import StrEnum

from xaso.inventory import DeviceEntry, InventoryIndex
from xaso.protocol import AgentHealth, DeviceReading, Heartbeat, RecordingContinuity, Status
from xaso.server.monitoring.picture_state import (
    PictureStatus,
    PictureTrack,
    is_picture_series,
    note_picture,
    picture_series,
    series_owner,
    verdict,
)
from xaso.server.records import TransitionRecord


class DeviceStatus(StrEnum):
    ONLINE = "online"
    PENDING = "pending"
    OFFLINE = "offline"
    UNKNOWN = "unknown"
    MAINTENANCE = "maintenance"
    STOPPED = "stopped"
    PLANNED = "planned"


# Membership tests against module constants: building a tuple of enum members on every
# check cost ~40 % of a sweep over 300,000 devices (bench/state_memory.py).
_ALIVE = frozenset({DeviceStatus.ONLINE, DeviceStatus.PENDING})
_REPORTED = frozenset({DeviceStatus.ONLINE, DeviceStatus.PENDING, DeviceStatus.OFFLINE})
_FROZEN = frozenset({DeviceStatus.MAINTENANCE, DeviceStatus.PLANNED})


@dataclass(frozen=True)
class StateRules:
    # A device offline this many times within the window is flapping.
    flap_count: int = 4
    flap_window_s: float = 3600.0
    # In heartbeat intervals of the device's profile: how long a failing device stays
    # pending before it is offline, and how long one back from offline must stay up.
    down_after_intervals: float = 1.0
    recovery_intervals: float = 1.0
    # A gateway is pending after this many intervals without a heartbeat.
    pending_after_intervals: float = 1.5
    # A will counts once it has stood this long with the broker link up (a broker going
    # down sends every client's will, then drops the server).
    will_grace_s: float = 2.0
    # A will that arrives this soon after the server got its broker link back may be one
    # the broker held for us: Mosquitto sends every client's will when it stops, and
    # after its restart they reach the server's session ahead of the gateways' births,
    # queued behind them with every backlog (15,000 gateways: births up to a minute
    # late). Such a will is not acted on; a gateway that is really gone times out.
    held_will_window_s: float = 60.0
    # A device the gateway has left out of this many live heartbeats of one connection
    # is not in its configuration: one beat may miss a device whose collector hung.
    unconfigured_after_beats: int = 3
    # A bad picture makes a camera's picture unusable once seen in this many different
    # snapshots (and for the grace of ``down_after_intervals``): one bad frame is not.
    picture_snapshots: int = 2


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
    # The recorder's last word on a camera (sent every ~15 minutes, not with every
    # reading): what the recording_gap alert rule looks at. Not kept across a restart.
    last_recorded: RecordingContinuity | None = None
    last_health: AgentHealth | None = None
    failing_since_ms: int | None = None  # the current run of failed probes
    recovering_since_ms: int | None = None  # back after offline, not yet long enough
    flapping: bool = False
    # When it last went offline, for flapping; created only for devices that do.
    downs_ms: deque[int] | None = None
    # The gateway connection (session) whose heartbeats last carried a reading of it.
    reported_in_session: int | None = None
    # A camera's picture (picture_state.py); None for every other kind.
    picture: PictureTrack | None = None


@dataclass(slots=True)
class GatewayLink:
    """A gateway's newest connection as the server knows it: its session number (a will
    of an older one is stale), the agent's version from its birth, since when the server
    hears that session, and how many live heartbeats of it came — enough to tell a
    device the gateway never reports (not in its configuration) from one not reported
    yet."""

    session: int = -1
    agent_version: str = ""
    heard_since_ms: int | None = None
    beats: int = 0

    def begin(self, session: int, now_ms: int) -> None:
        self.session, self.heard_since_ms, self.beats = session, now_ms, 0


class FleetState:
    def __init__(
        self,
        index: InventoryIndex,
        now_ms: int,
        rules: StateRules | None = None,
        agents: Collection[str] | None = None,
    ):
        """``agents``: only these gateways and their devices (an ingest worker's share,
        server/monitoring/ingest_worker.py); all of the inventory's by default."""
        self.index = index
        self.rules = rules or StateRules()
        owned = index.agents.keys() if agents is None else set(agents)
        self.devices: dict[str, DeviceState] = {
            device_id: DeviceState(
                entry=entry,
                status=DeviceStatus.PLANNED if entry.planned else DeviceStatus.UNKNOWN,
                since_ms=now_ms,
                cause="planned" if entry.planned else "startup",
                picture=PictureTrack(since_ms=now_ms) if entry.kind == "camera" else None,
            )
            for device_id, entry in index.devices.items()
            if entry.agent_id in owned
        }
        # The newest connection seen per agent (see apply_status); its keys are the
        # agents this state answers for.
        self.links: dict[str, GatewayLink] = {a: GatewayLink() for a in index.agents if a in owned}
        self._flapping: set[str] = set()  # so a sweep need not visit every device
        # Wills waiting out their grace: agent -> (session, received at).
        self._pending_wills: dict[str, tuple[int, int]] = {}
        # Why the server cannot see its fleet now ("broker": no link; "intake": messages
        # wait to be stored, so the broker holds the rest back). No timeouts meanwhile.
        self._blind: set[str] = {"broker"}
        # When the broker link came back after being lost (not its first coming up).
        self._link_back_at_ms: int | None = None
        self._link_lost = False
        # Told of every change of status once it is made (a problem's acknowledgement
        # ends when its device recovers: server/monitoring/acknowledgements.py).
        self.watchers: list[Callable[[DeviceState], None]] = []

    # -- start-up and the broker link ------------------------------------------------

    def restore(self, latest: Iterable[TransitionRecord], now_ms: int) -> None:
        """Take up each device's last stored status, so a restart neither invents outages
        nor forgets real ones. Everything restored as alive gets a full timeout from
        now; an outage stays an outage until the device is seen up again."""
        for record in latest:
            if is_picture_series(record.device_id):
                self._restore_picture(record)
                continue
            state = self.devices.get(record.device_id)
            if state is None or state.entry.planned:
                continue
            try:
                status = DeviceStatus(record.status)
            except ValueError:
                continue
            state.status, state.since_ms, state.cause = status, record.ts_ms, record.cause
            if status in _REPORTED:
                state.last_heard_ms = now_ms

    def _restore_picture(self, record: TransitionRecord) -> None:
        state = self.devices.get(series_owner(record.device_id))
        track = state.picture if state is not None else None
        if track is None or state is None or state.entry.planned:
            return
        try:
            track.status = PictureStatus(record.status)
        except ValueError:
            return
        track.since_ms, track.cause = record.ts_ms, record.cause

    def link_up(self, now_ms: int) -> None:
        """The server (re)connected to the broker: silence so far says nothing about the
        gateways or their devices, so each gets a full timeout from now."""
        if self._link_lost:
            self._link_back_at_ms = now_ms
        self._sees_again("broker", now_ms)

    def link_down(self) -> None:
        self._link_lost = True
        self._blind.add("broker")
        # The broker went away: wills it sent on its way down are about its own end.
        self._pending_wills.clear()

    def intake_stalled(self) -> None:
        """Messages wait to be stored: the broker holds back what comes after them."""
        self._blind.add("intake")

    def intake_flowing(self, now_ms: int) -> None:
        self._sees_again("intake", now_ms)

    def _sees_again(self, reason: str, now_ms: int) -> None:
        self._blind.discard(reason)
        if self._blind:
            return
        for state in self.devices.values():
            if state.last_heard_ms is not None:
                state.last_heard_ms = max(state.last_heard_ms, now_ms)

    @property
    def link_is_up(self) -> bool:
        return "broker" not in self._blind

    @property
    def watching(self) -> bool:
        """Whether silence now says anything about the fleet."""
        return not self._blind

    # -- messages ----------------------------------------------------------------

    def apply_status(
        self, message: Status, now_ms: int, retained: bool = False
    ) -> list[TransitionRecord] | None:
        """Apply a birth, will or stopped message; None when it is a will that says
        nothing: of an older session, or kept by the broker (``retained``: delivered
        on subscribing) about a gateway believed alive, which has its timeout."""
        gateway = self.devices[message.agent]
        link = self.links[message.agent]
        if message.session < link.session:
            return None
        if message.state == "offline" and retained and gateway.status in _ALIVE:
            return None
        if message.state == "offline" and gateway.status in _ALIVE and self._just_linked(now_ms):
            return None
        if message.session != link.session:
            link.begin(message.session, now_ms)
        self._pending_wills.pop(message.agent, None)
        if message.state == "online":
            link.agent_version = message.agent_version
            gateway.last_heard_ms = now_ms
            return self._seen_up(gateway, "birth", now_ms)
        if message.state == "offline":
            if retained or not self.rules.will_grace_s:
                return self._gateway_gone(gateway, DeviceStatus.OFFLINE, "will", now_ms)
            self._pending_wills[message.agent] = (message.session, now_ms)
            return []
        return self._gateway_gone(gateway, DeviceStatus.STOPPED, "stopped", now_ms)

    def _just_linked(self, now_ms: int) -> bool:
        """Whether the broker may still be handing over what it held for us."""
        back = self._link_back_at_ms
        return back is not None and now_ms - back < self.rules.held_will_window_s * 1000

    def apply_heartbeat(
        self, beat: Heartbeat, readings: list[DeviceReading], now_ms: int
    ) -> list[TransitionRecord]:
        """``readings`` are the beat's readings already checked to belong to the agent."""
        gateway = self.devices[beat.agent]
        if beat.historical:
            return []
        link = self.links[beat.agent]
        if beat.session > link.session:
            link.begin(beat.session, now_ms)
            self._pending_wills.pop(beat.agent, None)  # a newer connection: alive
        elif beat.session < link.session and beat.ts_ms < (gateway.last_seen_ms or 0):
            # A beat of an older connection delivered late: its data is stored, but it
            # says nothing about the gateway now.
            return []
        gateway.last_heard_ms = now_ms
        gateway.last_seen_ms = beat.ts_ms
        gateway.last_health = beat.health
        if beat.session == link.session:
            link.beats += 1
        for reading in readings:
            self.devices[reading.id].reported_in_session = beat.session
        transitions = self._seen_up(gateway, "heartbeat", now_ms)
        if gateway.status is DeviceStatus.OFFLINE:
            # Still recovering: until the gateway counts as back, what stands behind it
            # stays unknown (one outage, one cause), and its readings wait.
            return transitions
        for reading in readings:
            device = self.devices[reading.id]
            device.last_heard_ms = now_ms
            device.last_seen_ms = beat.ts_ms
            device.last_reading = reading
            if reading.camera is not None and reading.camera.recorded is not None:
                device.last_recorded = reading.camera.recorded
            picture = reading.camera.picture if reading.camera is not None else None
            if picture is not None and device.picture is not None:
                note_picture(device.picture, picture)
            if reading.reachable:
                transitions += self._seen_up(device, "probe_ok", now_ms)
            else:
                cause = f"probe_failed: {reading.error}" if reading.error else "probe_failed"
                transitions += self._seen_failing(device, cause, now_ms)
            if device.picture is not None:
                transitions += self._follow_picture(device, now_ms)
        return transitions

    def unconfigured(self, agent_id: str) -> list[str] | None:
        """The installed devices the inventory puts under ``agent_id`` that no live
        heartbeat of the gateway's newest connection has reported: missing from the
        gateway's own configuration, so their status stays unknown (docs/state.md).
        None while that cannot be told yet: fewer than ``unconfigured_after_beats``
        heartbeats of that connection heard (since it connected, or since the server
        started)."""
        link = self.links[agent_id]
        if link.beats < self.rules.unconfigured_after_beats:
            return None
        return sorted(
            device_id
            for device_id in self.index.devices_of_agent[agent_id]
            if self.devices[device_id].reported_in_session != link.session
        )

    def apply_maintenance(self, in_window: set[str], now_ms: int) -> list[TransitionRecord]:
        """Put the devices of ``in_window`` in maintenance and take the others out."""
        transitions: list[TransitionRecord] = []
        for device_id in in_window:
            state = self.devices.get(device_id)
            if state is not None and state.status is not DeviceStatus.PLANNED:
                transitions += self._set(state, DeviceStatus.MAINTENANCE, "maintenance", now_ms)
        for state in self.devices.values():
            if state.status is DeviceStatus.MAINTENANCE and state.entry.id not in in_window:
                # What it is now is learnt from its next report, not guessed.
                state.failing_since_ms = state.recovering_since_ms = None
                transitions += self._set(state, DeviceStatus.UNKNOWN, "maintenance_ended", now_ms)
        return transitions

    def sweep(self, now_ms: int) -> list[TransitionRecord]:
        """Apply heartbeat timeouts and end flapping marks; call about once a second."""
        transitions = self._end_flapping(now_ms)
        if "broker" not in self._blind:
            transitions += self._apply_wills(now_ms)
        if self._blind:
            return transitions
        rules = self.rules
        for agent_id in self.links:
            gateway = self.devices[agent_id]
            if gateway.last_heard_ms is None:
                continue
            silent_ms = now_ms - gateway.last_heard_ms
            entry = gateway.entry
            if gateway.status not in _ALIVE:
                if gateway.recovering_since_ms is not None and (
                    silent_ms > entry.offline_after_s * 1000
                ):
                    gateway.recovering_since_ms = None  # it went quiet again: start over
                continue
            if silent_ms > entry.offline_after_s * 1000:
                transitions += self._gateway_gone(gateway, DeviceStatus.OFFLINE, "timeout", now_ms)
                continue
            if silent_ms > rules.pending_after_intervals * entry.heartbeat_interval_s * 1000:
                transitions += self._set(gateway, DeviceStatus.PENDING, "missed_heartbeat", now_ms)
            for device_id in self.index.devices_of_agent[agent_id]:
                device = self.devices[device_id]
                if device.status in _REPORTED and (
                    device.last_heard_ms is None
                    or now_ms - device.last_heard_ms > device.entry.offline_after_s * 1000
                ):
                    device.failing_since_ms = device.recovering_since_ms = None
                    transitions += self._set(device, DeviceStatus.UNKNOWN, "no_reading", now_ms)
        return transitions

    def _apply_wills(self, now_ms: int) -> list[TransitionRecord]:
        grace_ms = self.rules.will_grace_s * 1000
        transitions: list[TransitionRecord] = []
        for agent_id, (_, received_ms) in list(self._pending_wills.items()):
            if now_ms - received_ms >= grace_ms:
                del self._pending_wills[agent_id]
                gateway = self.devices[agent_id]
                # Stamped now, not when it came: a timeline never goes back.
                transitions += self._gateway_gone(gateway, DeviceStatus.OFFLINE, "will", now_ms)
        return transitions

    # -- the rules -------------------------------------------------------------------

    def _seen_up(self, state: DeviceState, cause: str, now_ms: int) -> list[TransitionRecord]:
        state.failing_since_ms = None
        if state.status in _FROZEN:
            return []
        if state.status is DeviceStatus.OFFLINE:
            # Back from an outage: only after a minimum time up, so a device that comes
            # and goes produces one outage, not a storm of them.
            if state.recovering_since_ms is None:
                state.recovering_since_ms = now_ms
            needed_ms = self.rules.recovery_intervals * state.entry.heartbeat_interval_s * 1000
            if now_ms - state.recovering_since_ms < needed_ms:
                return []
            cause = "recovered"
        state.recovering_since_ms = None
        return self._set(state, DeviceStatus.ONLINE, cause, now_ms)

    def _seen_failing(self, state: DeviceState, cause: str, now_ms: int) -> list[TransitionRecord]:
        state.recovering_since_ms = None
        if state.status in _FROZEN or state.status is DeviceStatus.OFFLINE:
            return []
        if state.failing_since_ms is None:
            state.failing_since_ms = now_ms
        grace_ms = self.rules.down_after_intervals * state.entry.heartbeat_interval_s * 1000
        if now_ms - state.failing_since_ms >= grace_ms:
            return self._set(state, DeviceStatus.OFFLINE, cause, now_ms)
        return self._set(state, DeviceStatus.PENDING, cause, now_ms)

    def _gateway_gone(
        self, gateway: DeviceState, status: DeviceStatus, cause: str, now_ms: int
    ) -> list[TransitionRecord]:
        gateway.recovering_since_ms = gateway.failing_since_ms = None
        if gateway.status is DeviceStatus.MAINTENANCE:
            return []
        transitions = self._set(gateway, status, cause, now_ms)
        for device_id in self.index.devices_of_agent[gateway.entry.id]:
            device = self.devices[device_id]
            if device.status is DeviceStatus.MAINTENANCE:
                continue
            device.failing_since_ms = device.recovering_since_ms = None
            transitions += self._set(device, DeviceStatus.UNKNOWN, f"gateway_{status}", now_ms)
        return transitions

    def _set(
        self, state: DeviceState, status: DeviceStatus, cause: str, now_ms: int
    ) -> list[TransitionRecord]:
        if state.status is status:
            return []
        previous = state.status
        state.status, state.since_ms, state.cause = status, now_ms, cause
        picture = self._follow_picture(state, now_ms, tell=False) if state.picture else []
        for watcher in self.watchers:
            watcher(state)
        transitions = [self._record(state, str(previous), cause, now_ms)]
        if status is DeviceStatus.OFFLINE:
            transitions += self._count_down(state, now_ms)
        return transitions + picture

    def _follow_picture(
        self, state: DeviceState, now_ms: int, tell: bool = True
    ) -> list[TransitionRecord]:
        """Bring a camera's picture in line with its status and its last picture; the
        transition of its picture series when that changed (``tell``: the watchers are
        told, as of a change of status)."""
        track = state.picture
        assert track is not None
        rules = self.rules
        grace_ms = rules.down_after_intervals * state.entry.heartbeat_interval_s * 1000
        found = verdict(
            track,
            str(state.status),
            state.status in _ALIVE,
            grace_ms,
            rules.picture_snapshots,
            now_ms,
        )
        if found is None or (found[0] is track.status and found[1] == track.cause):
            return []
        status, cause = found
        previous = track.status
        if status is not previous:
            track.since_ms = now_ms
        track.status, track.cause = status, cause
        if tell:
            for watcher in self.watchers:
                watcher(state)
        entry = state.entry
        return [
            TransitionRecord(
                device_id=picture_series(entry.id),
                commune=entry.commune,
                kind="picture",
                ts_ms=now_ms,
                status=str(status),
                previous=str(previous),
                cause=cause,
            )
        ]

    def _count_down(self, state: DeviceState, now_ms: int) -> list[TransitionRecord]:
        rules = self.rules
        if state.downs_ms is None:
            state.downs_ms = deque(maxlen=rules.flap_count)
        state.downs_ms.append(now_ms)
        window_ms = rules.flap_window_s * 1000
        if (
            not state.flapping
            and len(state.downs_ms) == rules.flap_count
            and now_ms - state.downs_ms[0] <= window_ms
        ):
            state.flapping = True
            self._flapping.add(state.entry.id)
            # One millisecond later: the stores keep one transition per device and
            # moment, and the outage itself (with its cause) must not be overwritten.
            return [self._record(state, str(state.status), "flapping_started", now_ms + 1)]
        return []

    def _end_flapping(self, now_ms: int) -> list[TransitionRecord]:
        window_ms = self.rules.flap_window_s * 1000
        ended = []
        for device_id in list(self._flapping):
            state = self.devices[device_id]
            if state.downs_ms and now_ms - state.downs_ms[-1] > window_ms:
                state.flapping = False
                self._flapping.discard(device_id)
                # Beside any transition of this sweep, not over it (as flapping_started).
                ended.append(self._record(state, str(state.status), "flapping_ended", now_ms + 1))
        return ended

    @staticmethod
    def _record(state: DeviceState, previous: str, cause: str, now_ms: int) -> TransitionRecord:
        entry = state.entry
        return TransitionRecord(
            device_id=entry.id,
            commune=entry.commune,
            kind=entry.kind,
            ts_ms=now_ms,
            status=str(state.status),
            previous=previous,
            cause=cause,
        )
