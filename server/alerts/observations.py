"""What each live-state rule sees in the fleet state: per commune, the devices that
match past the rule's threshold and those whose state cannot be told now.

The grouping (fire, remind, resolve) is the engine's; here are the matching decisions
of the engine's docstring that belong to one rule: a dead gateway matching for the
devices it hides, a flapping device counting as down for its whole mark, unsure
devices reported apart so that they hold a group without matching, and devices in
maintenance or planned never matching.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final, NamedTuple

import msgspec

from xaso.inventory import InventoryIndex
from xaso.protocol import RecordingGap
from xaso.server.alerts.config import RuleConfig
from xaso.server.alerts.groups import Trackers
from xaso.server.alerts.message import AlertDevice, Language
from xaso.server.monitoring.fleet_state import DeviceState, DeviceStatus, FleetState
from xaso.server.monitoring.problems import PICTURE_PROBLEM

__all__ = ["Observation", "Observer", "view"]

_ASLEEP: Final = (DeviceStatus.MAINTENANCE, DeviceStatus.PLANNED)
# What is known not to be down, but not known to be up either.
_UNSURE: Final = (DeviceStatus.UNKNOWN, DeviceStatus.STOPPED, DeviceStatus.PENDING)
_UP: Final = (DeviceStatus.ONLINE, DeviceStatus.PENDING)


class Observation(NamedTuple):
    devices: list[AlertDevice]  # what matches now, past the rule's threshold
    since_ms: int  # when the earliest of them began
    unsure: frozenset[str] = frozenset()  # ids whose state cannot be told now
    cause: str | None = None
    summary: str | None = None


class Observer:
    """The live-state rules' observations over one inventory."""

    def __init__(self, index: InventoryIndex, communes: Mapping[str, list[str]]) -> None:
        self._index = index
        self._communes = communes  # by rule name
        # Fixed for the engine's life: computed once, not every few seconds over a
        # province's 15,000 devices.
        self._gateways: dict[str, list[str]] = {}
        self._clusters: dict[str, list[str]] = {}
        for entry in index.devices.values():
            if entry.kind == "gateway":
                self._gateways.setdefault(entry.commune, []).append(entry.id)
            elif entry.kind == "radio_cluster" and not entry.planned:
                self._clusters.setdefault(entry.commune, []).append(entry.id)

    def observe(
        self, rule: RuleConfig, fleet: FleetState, now_ms: int, trackers: Trackers
    ) -> dict[str, Observation]:
        """What ``rule`` sees now, by commune; communes with nothing to say are left out."""
        if rule.type == "device_down":
            return self._device_down(rule, fleet, now_ms)
        if rule.type == "commune_radio_below":
            return self._radio_below(rule, fleet, now_ms, trackers)
        if rule.type == "camera_not_recording":
            return self._not_recording(rule, fleet, now_ms, trackers)
        if rule.type == "recording_gap":
            return self._recording_gaps(rule, fleet, now_ms)
        if rule.type == "picture_unusable":
            return self._picture_unusable(rule, fleet, now_ms)
        return self._clock_offset(rule, fleet, now_ms, trackers)

    def _device_down(
        self, rule: RuleConfig, fleet: FleetState, now_ms: int
    ) -> dict[str, Observation]:
        threshold_ms = (rule.down_for_s or 0.0) * 1000
        kinds = set(rule.kinds)
        result: dict[str, Observation] = {}
        for commune in self._communes[rule.name]:
            found: list[AlertDevice] = []
            starts: list[int] = []
            unsure: set[str] = set()
            dead_gateways: list[str] = []
            for gateway_id in self._gateways.get(commune, ()):
                for state in self._agent_states(fleet, gateway_id):
                    entry = state.entry
                    if state.status in _ASLEEP:
                        continue
                    down_since = _down_since(state)
                    if down_since is None or now_ms - down_since < threshold_ms:
                        if state.status in _UNSURE:
                            unsure.add(entry.id)
                        continue
                    if entry.kind != "gateway":
                        if not kinds or entry.kind in kinds:
                            found.append(view(state, since_ms=down_since))
                            starts.append(down_since)
                        continue
                    hidden = [
                        view(child)
                        for child in self._agent_states(fleet, gateway_id)
                        if child.entry.kind != "gateway"
                        and child.status is DeviceStatus.UNKNOWN
                        and child.cause.startswith("gateway_")
                        and (not kinds or child.entry.kind in kinds)
                    ]
                    unsure.update(d.id for d in hidden)
                    if kinds and "gateway" not in kinds and not hidden:
                        continue
                    found.append(view(state, since_ms=down_since))
                    found.extend(hidden)
                    starts.append(down_since)
                    if state.status is DeviceStatus.OFFLINE:
                        dead_gateways.append(entry.id)
            if found or unsure:
                cause = self._down_cause(fleet, commune, dead_gateways)
                result[commune] = Observation(
                    found, min(starts, default=now_ms), frozenset(unsure), cause
                )
        return result

    def _agent_states(self, fleet: FleetState, gateway_id: str) -> Iterable[DeviceState]:
        """The gateway first, then the devices it answers for, in id order."""
        yield fleet.devices[gateway_id]
        for device_id in sorted(self._index.devices_of_agent.get(gateway_id, ())):
            yield fleet.devices[device_id]

    def _down_cause(self, fleet: FleetState, commune: str, dead: list[str]) -> str | None:
        # Every gateway of the commune silent at once looks like a power cut; it is sent
        # as a question ("mất điện?"): the monitor cannot see the grid.
        if not dead:
            return None
        awake = [
            g for g in self._gateways.get(commune, ()) if fleet.devices[g].status not in _ASLEEP
        ]
        return "power" if set(awake) <= set(dead) else "gateway"

    def _radio_below(
        self, rule: RuleConfig, fleet: FleetState, now_ms: int, trackers: Trackers
    ) -> dict[str, Observation]:
        min_up_pct = rule.min_up_pct or 0.0
        hold_ms = (rule.down_for_s or 0.0) * 1000
        result: dict[str, Observation] = {}
        for commune in self._communes[rule.name]:
            up: list[DeviceState] = []
            down: list[DeviceState] = []
            other: list[str] = []
            for cluster_id in self._clusters.get(commune, ()):
                state = fleet.devices[cluster_id]
                if state.status in _ASLEEP:
                    continue  # maintenance is neither up nor down (nor in the total)
                if state.status in _UP:
                    up.append(state)
                elif state.status is DeviceStatus.OFFLINE:
                    down.append(state)
                else:
                    other.append(cluster_id)
            counted = len(up) + len(down)
            key = f"{rule.name}:{commune}"
            if counted == 0:
                # Nothing known (a dead gateway, a restart): the gateway's own alert says
                # why; this group neither fires nor resolves.
                trackers.keep(key)
                if other:
                    result[commune] = Observation([], now_ms, frozenset(other))
                continue
            up_pct = 100.0 * len(up) / counted
            if up_pct >= min_up_pct:
                continue
            since_ms = trackers.track(key, now_ms)
            if now_ms - since_ms < hold_ms:
                continue
            summary = _radio_summary(rule.lang, len(up), counted, len(other), min_up_pct)
            devices = [view(state) for state in down]
            result[commune] = Observation(devices, since_ms, summary=summary)
        return result

    def _not_recording(
        self, rule: RuleConfig, fleet: FleetState, now_ms: int, trackers: Trackers
    ) -> dict[str, Observation]:
        threshold_ms = (rule.not_recording_for_s or 0.0) * 1000
        kinds = set(rule.kinds) or {"camera", "nvr"}
        result: dict[str, Observation] = {}
        for commune in self._communes[rule.name]:
            found: list[AlertDevice] = []
            starts: list[int] = []
            unsure: set[str] = set()
            notes: list[str] = []
            for gateway_id in self._gateways.get(commune, ()):
                for state in self._agent_states(fleet, gateway_id):
                    entry = state.entry
                    if entry.kind not in kinds or state.status in _ASLEEP:
                        continue
                    key = f"rec:{entry.id}"
                    if state.status not in _UP:
                        # Its last reading is stale: keep the count going, decide nothing.
                        trackers.keep(key)
                        unsure.add(entry.id)
                        continue
                    gap = _recording_gap(state)
                    if gap is None:
                        continue
                    since_ms = trackers.track(key, now_ms)
                    if now_ms - since_ms < threshold_ms:
                        continue
                    found.append(view(state, since_ms=since_ms, cause=None))
                    starts.append(since_ms)
                    if gap:
                        notes.append(_channels_note(rule.lang, entry.name, gap))
            if found or unsure:
                summary = "; ".join(notes) or None
                start = min(starts, default=now_ms)
                result[commune] = Observation(found, start, frozenset(unsure), summary=summary)
        return result

    def _recording_gaps(
        self, rule: RuleConfig, fleet: FleetState, now_ms: int
    ) -> dict[str, Observation]:
        """Cameras whose recorder's last report (its trailing window, ~24 h) holds a gap
        longer than ``max_gap_s``: matching from the gap's start until the window has
        slid past it or the recorder fills it. A camera asleep (maintenance, planned)
        never matches; one not heard lately keeps its last report."""
        limit_ms = (rule.max_gap_s or 0.0) * 1000
        result: dict[str, Observation] = {}
        for commune in self._communes[rule.name]:
            found: list[AlertDevice] = []
            notes: list[str] = []
            for gateway_id in self._gateways.get(commune, ()):
                for state in self._agent_states(fleet, gateway_id):
                    recorded = state.last_recorded
                    if state.status in _ASLEEP or recorded is None:
                        continue
                    long = [g for g in recorded.gaps if g.to_ms - g.from_ms > limit_ms]
                    if not long:
                        continue
                    found.append(view(state, since_ms=long[0].from_ms, cause=None))
                    notes.append(_gaps_note(rule.lang, state.entry.name, long))
            if found:
                start = min(d.since_ms for d in found if d.since_ms is not None)
                result[commune] = Observation(found, start, summary="; ".join(notes))
        return result

    def _picture_unusable(
        self, rule: RuleConfig, fleet: FleetState, now_ms: int
    ) -> dict[str, Observation]:
        """Cameras up whose picture has been unusable past the threshold, with the
        picture's state as cause; a camera that is not up (its own outage is another
        rule's) or whose picture is within its threshold holds a group it is in."""
        threshold_ms = (rule.down_for_s or 0.0) * 1000
        result: dict[str, Observation] = {}
        for commune in self._communes[rule.name]:
            found: list[AlertDevice] = []
            unsure: set[str] = set()
            for gateway_id in self._gateways.get(commune, ()):
                for state in self._agent_states(fleet, gateway_id):
                    track = state.picture
                    if track is None or state.status in _ASLEEP:
                        continue
                    if state.status not in _UP:
                        unsure.add(state.entry.id)
                        continue
                    problem = track.problem
                    since_ms = track.since_ms if track.since_ms is not None else now_ms
                    if problem is None or now_ms - since_ms < threshold_ms:
                        continue
                    found.append(
                        msgspec.structs.replace(
                            view(state, since_ms=since_ms, cause=f"picture_{problem}"),
                            status=PICTURE_PROBLEM,
                        )
                    )
            if found or unsure:
                start = min((d.since_ms or now_ms for d in found), default=now_ms)
                result[commune] = Observation(found, start, frozenset(unsure))
        return result

    def _clock_offset(
        self, rule: RuleConfig, fleet: FleetState, now_ms: int, trackers: Trackers
    ) -> dict[str, Observation]:
        limit_ms = rule.max_offset_ms or 0.0
        result: dict[str, Observation] = {}
        for commune in self._communes[rule.name]:
            found: list[AlertDevice] = []
            starts: list[int] = []
            unsure: set[str] = set()
            notes: list[str] = []
            for gateway_id in self._gateways.get(commune, ()):
                state = fleet.devices[gateway_id]
                key = f"clock:{gateway_id}"
                if state.status in _ASLEEP:
                    continue
                if state.status not in _UP:
                    trackers.keep(key)
                    unsure.add(gateway_id)
                    continue
                health = state.last_health
                offset_ms = health.clock_offset_ms if health is not None else None
                if offset_ms is None or abs(offset_ms) <= limit_ms:
                    continue
                since_ms = trackers.track(key, now_ms)
                found.append(view(state, since_ms=since_ms, cause=None))
                starts.append(since_ms)
                notes.append(_offset_note(rule.lang, state.entry.name, offset_ms))
            if found or unsure:
                summary = "; ".join(notes) or None
                start = min(starts, default=now_ms)
                result[commune] = Observation(found, start, frozenset(unsure), summary=summary)
        return result


# -- helpers -----------------------------------------------------------------------


def view(state: DeviceState, *, since_ms: int | None = None, cause: str | None = "") -> AlertDevice:
    """A device as a message shows it; ``cause=""`` takes the state's own cause."""
    entry = state.entry
    if cause == "":
        cause = "flapping_started" if state.flapping else (state.cause or None)
    return AlertDevice(
        id=entry.id,
        kind=entry.kind,
        status=str(state.status),
        name=entry.name,
        since_ms=since_ms if since_ms is not None else state.since_ms,
        cause=cause,
    )


def _down_since(state: DeviceState) -> int | None:
    """When the device's outage began, or None when it is not down. A flapping device
    counts as down from its first down in the flap window until the mark ends, so its
    group holds instead of firing and resolving on every cycle."""
    since: int | None = None
    if state.status is DeviceStatus.OFFLINE:
        since = state.since_ms if state.since_ms is not None else 0
    if state.flapping and state.downs_ms:
        first = state.downs_ms[0]
        since = first if since is None else min(since, first)
    return since


def _recording_gap(state: DeviceState) -> tuple[int, int] | tuple[()] | None:
    """None when recording (or not reported); ``()`` when not recording at all;
    ``(recording, total)`` channels for a recorder recording only some of them."""
    reading = state.last_reading
    if reading is None:
        return None
    if reading.camera is not None and reading.camera.recording is False:
        return ()
    nvr = reading.nvr
    if nvr is None:
        return None
    if nvr.recording is False:
        return ()
    recording, total = nvr.channels_recording, nvr.channels_total
    if recording is not None and total and recording < total:
        return (recording, total)
    return None


def _number(value: float, lang: Language, digits: int = 1) -> str:
    text = f"{value:+.{digits}f}" if digits else f"{value:.0f}"
    # Vietnamese writes a decimal comma.
    return text.replace(".", ",") if lang == "vi" else text


def _radio_summary(lang: Language, up: int, counted: int, other: int, target: float) -> str:
    pct = _number(100.0 * up / counted, lang, 0)
    goal = _number(target, lang, 0)
    if lang == "vi":
        text = f"{up}/{counted} cụm loa hoạt động ({pct}%, chỉ tiêu {goal}%)"
        return text + (f"; {other} cụm không rõ trạng thái" if other else "")
    text = f"{up}/{counted} clusters working ({pct}%, target {goal}%)"
    return text + (f"; {other} clusters in unknown state" if other else "")


def _channels_note(lang: Language, name: str, gap: tuple[int, int]) -> str:
    recording, total = gap
    if lang == "vi":
        return f"{name}: {recording}/{total} kênh đang ghi"
    return f"{name}: {recording}/{total} channels recording"


def _gaps_note(lang: Language, name: str, gaps: list[RecordingGap]) -> str:
    longest = max(g.to_ms - g.from_ms for g in gaps)
    hours = _number(longest / 3_600_000, lang)[1:]  # no sign
    if lang == "vi":
        return f"{name}: {len(gaps)} khoảng mất ghi hình, dài nhất {hours} giờ"
    return f"{name}: {len(gaps)} recording gaps, the longest {hours} h"


def _offset_note(lang: Language, name: str, offset_ms: float) -> str:
    seconds = _number(offset_ms / 1000, lang)
    return f"{name}: lệch {seconds} giây" if lang == "vi" else f"{name}: off by {seconds} s"
