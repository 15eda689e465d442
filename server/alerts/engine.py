"""The alert rules: a pure function of the live state and the time, grouped per commune.

``AlertEngine.evaluate(fleet, now_ms)`` is called every few seconds and returns what to
send; it does no I/O and reads no clock. docs/alerts.md explains the rules for users; the
decisions that keep alerts few and honest (domain brief: "told once, not a thousand
times"; "resolved never sent" is a top complaint about other monitors):

- **One group per (rule, commune)**, keyed ``"<rule name>:<commune>"``. A group fires once
  when its condition has held for the rule's threshold, lists every device that matches,
  sends a reminder every ``reminder_every_s`` while it holds, and is resolved once it
  does not hold, with the outage's duration.
- **A dead gateway is one alert.** Devices behind it are ``unknown`` (docs/state.md), so
  they never match on their own; the gateway's match lists them as "unknown (gateway
  offline)". A rule narrowed by ``kinds`` fires for a dead gateway when the gateway, or
  one of the devices it hides, is of those kinds.
- **Unknown is neither down nor up.** A device that was announced and is now unknown,
  stopped or pending (a restart, a gateway gone silent, a probe failing again) holds its
  group: nothing is resolved until it is seen up. A restart thus neither re-announces an
  outage nor resolves one it cannot see.
- **Growth is told, shrinking is not.** A device joining a firing group is announced by a
  reminder as soon as ``group_interval_s`` has passed since the last message (the idea of
  Alertmanager's group_interval); devices leaving are dropped from the next reminder.
- **Flapping is one notification.** A flapping device (docs/state.md) matches
  ``device_down`` from its first down in the flap window until the mark ends, whatever
  its status in between, so its group fires once and is resolved once the mark ends; a
  device already announced never counts as joining again.
- **Maintenance and planned devices never match** and are not counted.
- **Only live state counts.** Backfilled records never change ``FleetState`` (ingest
  keeps them out), so history cannot raise a live alert.
- **A broadcast that did not play is one message per commune and occurrence**
  (``broadcast_not_played``, ``evaluate_playout``): keyed
  ``"<rule>:<commune>:<schedule>@<planned start ms>"``, sent once every cluster of the
  occurrence is decided, naming the bulletin and the clusters that failed, missed it or
  never received it; resolved if later events (a gateway's backlog) show none of them
  failing any more. An occurrence is announced at most once, ever (remembered while it
  is in the rule's window, across restarts); one decided only by events replayed from
  a backlog, or on a gateway whose records are known to be on their way, is not.

The state (groups, since-when trackers) is plain data: ``snapshot()`` / ``restore()``
carry it across a restart so that a "resolved" always follows a sent "firing".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Final, NamedTuple

import msgspec

from server.alerts.config import RuleConfig
from server.alerts.message import (
    AlertBulletin,
    AlertDevice,
    AlertMessage,
    AlertState,
    Language,
    Severity,
)
from server.fleet_state import DeviceState, DeviceStatus, FleetState
from server.playout_outcome import PROBLEM_STATUSES, STATUS_TEXT, PlayoutOutcome
from xaso.inventory import InventoryIndex

__all__ = ["PLAYOUT_RULE_TYPES", "AlertEngine", "Notice", "SnapshotError", "window_ms"]

SNAPSHOT_VERSION: Final = 1

_ASLEEP: Final = (DeviceStatus.MAINTENANCE, DeviceStatus.PLANNED)
# What is known not to be down, but not known to be up either.
_UNSURE: Final = (DeviceStatus.UNKNOWN, DeviceStatus.STOPPED, DeviceStatus.PENDING)
_UP: Final = (DeviceStatus.ONLINE, DeviceStatus.PENDING)

# Rules over the playout log rather than the live state (evaluate_playout).
PLAYOUT_RULE_TYPES: Final = frozenset({"broadcast_not_played"})
DEFAULT_WITHIN_S: Final = 6 * 3600.0
# Not decided yet: an occurrence is told about once all its clusters are decided.
_UNDECIDED: Final = frozenset({"upcoming", "playing"})


def window_ms(rule: RuleConfig) -> int:
    """How far back a playout rule looks: occurrences planned to start since then."""
    return round((rule.within_s or DEFAULT_WITHIN_S) * 1000)


class Notice(NamedTuple):
    """One message and where it goes: the rule's channels, or None for every channel."""

    message: AlertMessage
    channels: tuple[str, ...] | None


class SnapshotError(ValueError):
    """A snapshot this engine cannot read (corrupt, or from an unknown version)."""


class _Observation(NamedTuple):
    devices: list[AlertDevice]  # what matches now, past the rule's threshold
    since_ms: int  # when the earliest of them began
    unsure: frozenset[str] = frozenset()  # ids whose state cannot be told now
    cause: str | None = None
    summary: str | None = None


class _Group(msgspec.Struct, forbid_unknown_fields=True):
    """One firing group, as kept across restarts."""

    key: str
    rule: str  # the rule's name
    type: str  # the rule's type: AlertMessage.rule
    commune: str
    severity: Severity
    lang: Language
    channels: list[str]
    started_ms: int
    last_sent_ms: int
    # Every device announced so far, by id, as last announced; kept so that a device
    # that went unknown still holds the group and is listed in the resolved message.
    members: dict[str, AlertDevice]
    cause: str | None = None
    summary: str | None = None
    bulletin: AlertBulletin | None = None  # broadcast_not_played groups


class _Snapshot(msgspec.Struct, forbid_unknown_fields=True):
    v: int
    groups: list[_Group]
    # Since when a condition the fleet state does not date itself has held, e.g.
    # "rec:<camera>" (not recording) or "<rule>:<commune>" (radio below target).
    since: dict[str, int]
    # Playout occurrences already told about (or deliberately not), by group key, with
    # their planned start: never announced twice, even after their group resolved.
    playout: dict[str, int] = {}


_REMOVED: Final[dict[Language, str]] = {
    "vi": "Quy tắc cảnh báo này đã bị gỡ khỏi cấu hình; cảnh báo được đóng lại.",
    "en": "This alert rule was removed from the configuration; the alert is closed.",
}


class AlertEngine:
    def __init__(self, rules: Sequence[RuleConfig], index: InventoryIndex) -> None:
        names = [rule.name for rule in rules]
        if len(set(names)) != len(names):
            raise ValueError(f"rule names must be unique: {names}")
        self._rules = {rule.name: rule for rule in rules}
        self._index = index
        self._groups: dict[str, _Group] = {}
        self._since: dict[str, int] = {}
        self._touched: set[str] = set()
        self._playout_done: dict[str, int] = {}
        # Scopes are fixed for the engine's life: computed once, not every few seconds
        # over a province's 15,000 devices.
        self._communes = {rule.name: self._communes_of(rule) for rule in rules}
        self._gateways: dict[str, list[str]] = {}
        self._clusters: dict[str, list[str]] = {}
        for entry in index.devices.values():
            if entry.kind == "gateway":
                self._gateways.setdefault(entry.commune, []).append(entry.id)
            elif entry.kind == "radio_cluster" and not entry.planned:
                self._clusters.setdefault(entry.commune, []).append(entry.id)

    def _communes_of(self, rule: RuleConfig) -> list[str]:
        wanted = set(rule.communes)
        return [c for c in self._index.communes if not wanted or c in wanted]

    # -- the public surface --------------------------------------------------------

    def evaluate(self, fleet: FleetState, now_ms: int) -> list[Notice]:
        """What to send now: firing, reminder and resolved messages, in rule order."""
        self._touched = set()
        notices: list[Notice] = []
        # First close the groups of rules removed (or retyped) since they fired: a
        # retyped rule may open a new group under the same key in this very pass.
        for group in list(self._groups.values()):
            rule = self._rules.get(group.rule)
            if rule is None or rule.type != group.type:
                notices.append(self._close_orphan(group, fleet, now_ms))
        for rule in self._rules.values():
            if rule.type in PLAYOUT_RULE_TYPES:
                continue  # evaluate_playout's
            observed = self._observe(rule, fleet, now_ms)
            active = {g.commune for g in self._groups.values() if g.rule == rule.name}
            for commune in sorted(observed.keys() | active):
                notice = self._step(rule, commune, observed.get(commune), fleet, now_ms)
                if notice is not None:
                    notices.append(notice)
        # Trackers not confirmed this pass are over (or their device left the scope).
        self._since = {k: v for k, v in self._since.items() if k in self._touched}
        return notices

    def active(self) -> list[dict[str, object]]:
        """The firing groups as plain data, oldest first (for the API)."""
        groups = sorted(self._groups.values(), key=lambda g: (g.started_ms, g.key))
        return [
            {
                "key": g.key,
                "rule": g.rule,
                "type": g.type,
                "commune": g.commune,
                "commune_name": self._commune_name(g.commune),
                "severity": g.severity,
                "started_ms": g.started_ms,
                "last_sent_ms": g.last_sent_ms,
                "cause": g.cause,
                "summary": g.summary,
                "devices": msgspec.to_builtins(list(g.members.values())),
                "bulletin": msgspec.to_builtins(g.bulletin),
            }
            for g in groups
        ]

    def firing_by_rule(self) -> dict[str, int]:
        """How many groups each rule has firing (0 for a rule with none)."""
        counts = dict.fromkeys(self._rules, 0)
        for group in self._groups.values():
            counts[group.rule] = counts.get(group.rule, 0) + 1
        return counts

    def snapshot(self) -> bytes:
        """The engine's state as JSON bytes; equal bytes mean nothing changed."""
        groups = sorted(self._groups.values(), key=lambda g: g.key)
        since = dict(sorted(self._since.items()))
        playout = dict(sorted(self._playout_done.items()))
        return msgspec.json.encode(
            _Snapshot(v=SNAPSHOT_VERSION, groups=groups, since=since, playout=playout)
        )

    def restore(self, data: bytes) -> None:
        """Take up a snapshot. Groups of rules since removed from the config are
        resolved at the next ``evaluate`` so that no alert is left open."""
        try:
            snapshot = msgspec.json.decode(data, type=_Snapshot)
        except msgspec.DecodeError as exc:
            raise SnapshotError(f"unreadable alert state: {exc}") from None
        if snapshot.v != SNAPSHOT_VERSION:
            raise SnapshotError(f"alert state version {snapshot.v} is not {SNAPSHOT_VERSION}")
        self._groups = {g.key: g for g in snapshot.groups}
        self._since = dict(snapshot.since)
        self._playout_done = dict(snapshot.playout)

    def playout_rules(self) -> list[RuleConfig]:
        return [r for r in self._rules.values() if r.type in PLAYOUT_RULE_TYPES]

    def playout_scope(self) -> tuple[list[str], int]:
        """The communes the playout rules watch and how far back (ms) they look."""
        rules = self.playout_rules()
        communes = sorted({c for rule in rules for c in self._communes[rule.name]})
        return communes, max((window_ms(rule) for rule in rules), default=0)

    def evaluate_playout(
        self,
        outcomes: Sequence[PlayoutOutcome],
        now_ms: int,
        unsure_agents: frozenset[str] = frozenset(),
    ) -> list[Notice]:
        """What to send about the playout log: one firing per commune and occurrence
        that did not play, one resolved when later events clear it. ``outcomes`` must
        cover every occurrence planned to start in the rules' windows (``playout_scope``);
        ``unsure_agents`` are gateways whose records are known to be still on their way
        (sequence gaps): their clusters decide nothing yet."""
        occurrences: dict[tuple[str, str, int], list[PlayoutOutcome]] = {}
        for outcome in outcomes:
            if outcome.status != "manual":
                where = (outcome.commune, outcome.schedule, outcome.planned_start_ms)
                occurrences.setdefault(where, []).append(outcome)
        notices: list[Notice] = []
        for rule in self.playout_rules():
            since_ms = now_ms - window_ms(rule)
            scope = set(self._communes[rule.name])
            seen: set[str] = set()
            for (commune, schedule, start_ms), found in sorted(occurrences.items()):
                if commune not in scope or start_ms < since_ms:
                    continue
                key = f"{rule.name}:{commune}:{schedule}@{start_ms}"
                seen.add(key)
                notice = self._step_occurrence(rule, key, found, now_ms, unsure_agents)
                if notice is not None:
                    notices.append(notice)
            for group in [g for g in self._groups.values() if g.rule == rule.name]:
                start = group.bulletin.planned_start_ms if group.bulletin else 0
                if group.key not in seen and start < since_ms:
                    # Out of the window and never cleared: a bulletin that did not play
                    # stays so. It was told; there is nothing to resolve.
                    del self._groups[group.key]
        oldest_ms = now_ms - self.playout_scope()[1]
        self._playout_done = {k: t for k, t in self._playout_done.items() if t >= oldest_ms}
        return notices

    def _step_occurrence(
        self,
        rule: RuleConfig,
        key: str,
        found: list[PlayoutOutcome],
        now_ms: int,
        unsure_agents: frozenset[str],
    ) -> Notice | None:
        problems = [o for o in found if o.status in PROBLEM_STATUSES]
        undecided = any(o.status in _UNDECIDED for o in found)
        group = self._groups.get(key)
        if group is None:
            if undecided or not problems or key in self._playout_done:
                return None
            if any(o.agent in unsure_agents for o in problems):
                return None  # the missing records may well show it played
            first = found[0]
            self._playout_done[key] = first.planned_start_ms
            if all(o.historical for o in problems):
                return None  # learnt from a backlog: history, not a live alert
            group = _Group(
                key=key,
                rule=rule.name,
                type=rule.type,
                commune=first.commune,
                severity=rule.effective_severity,
                lang=rule.lang,
                channels=list(rule.channels),
                started_ms=first.planned_start_ms,
                last_sent_ms=now_ms,
                members={o.cluster: self._cluster_view(o) for o in problems},
                summary=_playout_summary(rule.lang, problems, len(found)),
                bulletin=AlertBulletin(
                    schedule=first.schedule,
                    title=first.title,
                    priority=first.priority,
                    planned_start_ms=first.planned_start_ms,
                    planned_end_ms=first.planned_end_ms,
                ),
            )
            self._groups[key] = group
            return self._notice(group, "firing", list(group.members.values()), now_ms)
        group.severity, group.lang = rule.effective_severity, rule.lang
        group.channels = list(rule.channels)
        if problems or undecided:
            # Still failing (perhaps otherwise: not received, then failed), or a late
            # play under way: the next pass decides. No reminders: it is an event.
            group.members.update((o.cluster, self._cluster_view(o)) for o in problems)
            return None
        del self._groups[key]
        now = {o.cluster: o for o in found}
        devices = [
            self._cluster_view(now[cluster]) if cluster in now else device
            for cluster, device in group.members.items()
        ]
        group.summary = None
        return self._notice(group, "resolved", devices, now_ms, resolved_ms=now_ms)

    def _cluster_view(self, outcome: PlayoutOutcome) -> AlertDevice:
        entry = self._index.devices.get(outcome.cluster)
        return AlertDevice(
            id=outcome.cluster,
            kind="radio_cluster",
            status=outcome.status,
            name=entry.name if entry is not None else None,
            since_ms=outcome.planned_start_ms,
            cause=outcome.error,
        )

    # -- groups --------------------------------------------------------------------

    def _step(
        self,
        rule: RuleConfig,
        commune: str,
        seen: _Observation | None,
        fleet: FleetState,
        now_ms: int,
    ) -> Notice | None:
        key = f"{rule.name}:{commune}"
        group = self._groups.get(key)
        if group is None:
            if seen is None or not seen.devices:
                return None
            group = _Group(
                key=key,
                rule=rule.name,
                type=rule.type,
                commune=commune,
                severity=rule.effective_severity,
                lang=rule.lang,
                channels=list(rule.channels),
                started_ms=seen.since_ms,
                last_sent_ms=now_ms,
                members={d.id: d for d in seen.devices},
                cause=seen.cause,
                summary=seen.summary,
            )
            self._groups[key] = group
            return self._notice(group, "firing", seen.devices, now_ms)
        # The rule's presentation may have been edited since the group fired.
        group.severity, group.lang = rule.effective_severity, rule.lang
        group.channels = list(rule.channels)
        matching = seen.devices if seen is not None else []
        unsure = seen.unsure if seen is not None else frozenset()
        matching_ids = {d.id for d in matching}
        held = [
            self._current(fleet, d)
            for d in group.members.values()
            if d.id in unsure and d.id not in matching_ids
        ]
        if not matching and not held:
            del self._groups[key]
            # The last summary ("11/15 clusters working") describes the problem, not
            # its end; the cause stays, so that the subject reads as the alert's did.
            group.summary = None
            devices = [self._current(fleet, d) for d in group.members.values()]
            return self._notice(group, "resolved", devices, now_ms, resolved_ms=now_ms)
        if seen is not None and matching:
            group.cause, group.summary = seen.cause, seen.summary
        elapsed_ms = now_ms - group.last_sent_ms
        reminder_due = 0 < rule.reminder_every_s * 1000 <= elapsed_ms
        joined = any(d.id not in group.members for d in matching)
        update_due = joined and elapsed_ms >= rule.group_interval_s * 1000
        if not (reminder_due or update_due):
            return None
        devices = matching + held
        group.members.update((d.id, d) for d in devices)
        group.last_sent_ms = now_ms
        return self._notice(group, "reminder", devices, now_ms)

    def _close_orphan(self, group: _Group, fleet: FleetState, now_ms: int) -> Notice:
        del self._groups[group.key]
        group.summary = _REMOVED[group.lang]
        devices = [self._current(fleet, d) for d in group.members.values()]
        return self._notice(group, "resolved", devices, now_ms, resolved_ms=now_ms)

    def _notice(
        self,
        group: _Group,
        state: AlertState,
        devices: list[AlertDevice],
        now_ms: int,
        resolved_ms: int | None = None,
    ) -> Notice:
        message = AlertMessage(
            key=group.key,
            state=state,
            severity=group.severity,
            rule=group.type,
            started_ms=group.started_ms,
            ts_ms=now_ms,
            commune=group.commune,
            commune_name=self._commune_name(group.commune),
            devices=devices,
            resolved_ms=resolved_ms,
            cause=group.cause,
            summary=group.summary,
            lang=group.lang,
            bulletin=group.bulletin,
        )
        return Notice(message, tuple(group.channels) or None)

    def _commune_name(self, commune: str) -> str | None:
        found = self._index.communes.get(commune)
        return found.name if found is not None else None

    @staticmethod
    def _current(fleet: FleetState, device: AlertDevice) -> AlertDevice:
        """A member as it is now (a device gone from the inventory, as last announced)."""
        state = fleet.devices.get(device.id)
        return _view(state) if state is not None else device

    # -- the rules ---------------------------------------------------------------------

    def _observe(self, rule: RuleConfig, fleet: FleetState, now_ms: int) -> dict[str, _Observation]:
        if rule.type == "device_down":
            return self._device_down(rule, fleet, now_ms)
        if rule.type == "commune_radio_below":
            return self._radio_below(rule, fleet, now_ms)
        if rule.type == "camera_not_recording":
            return self._not_recording(rule, fleet, now_ms)
        return self._clock_offset(rule, fleet, now_ms)

    def _track(self, key: str, now_ms: int) -> int:
        """Since when the condition ``key`` has held, starting now if it is new."""
        self._touched.add(key)
        return self._since.setdefault(key, now_ms)

    def _keep(self, key: str) -> None:
        """Keep a tracker through a spell of not knowing (device offline or unknown)."""
        if key in self._since:
            self._touched.add(key)

    def _device_down(
        self, rule: RuleConfig, fleet: FleetState, now_ms: int
    ) -> dict[str, _Observation]:
        threshold_ms = (rule.down_for_s or 0.0) * 1000
        kinds = set(rule.kinds)
        result: dict[str, _Observation] = {}
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
                            found.append(_view(state, since_ms=down_since))
                            starts.append(down_since)
                        continue
                    hidden = [
                        _view(child)
                        for child in self._agent_states(fleet, gateway_id)
                        if child.entry.kind != "gateway"
                        and child.status is DeviceStatus.UNKNOWN
                        and child.cause.startswith("gateway_")
                        and (not kinds or child.entry.kind in kinds)
                    ]
                    unsure.update(d.id for d in hidden)
                    if kinds and "gateway" not in kinds and not hidden:
                        continue
                    found.append(_view(state, since_ms=down_since))
                    found.extend(hidden)
                    starts.append(down_since)
                    if state.status is DeviceStatus.OFFLINE:
                        dead_gateways.append(entry.id)
            if found or unsure:
                cause = self._down_cause(fleet, commune, dead_gateways)
                result[commune] = _Observation(
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
        self, rule: RuleConfig, fleet: FleetState, now_ms: int
    ) -> dict[str, _Observation]:
        min_up_pct = rule.min_up_pct or 0.0
        hold_ms = (rule.down_for_s or 0.0) * 1000
        result: dict[str, _Observation] = {}
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
                self._keep(key)
                if other:
                    result[commune] = _Observation([], now_ms, frozenset(other))
                continue
            up_pct = 100.0 * len(up) / counted
            if up_pct >= min_up_pct:
                continue
            since_ms = self._track(key, now_ms)
            if now_ms - since_ms < hold_ms:
                continue
            summary = _radio_summary(rule.lang, len(up), counted, len(other), min_up_pct)
            devices = [_view(state) for state in down]
            result[commune] = _Observation(devices, since_ms, summary=summary)
        return result

    def _not_recording(
        self, rule: RuleConfig, fleet: FleetState, now_ms: int
    ) -> dict[str, _Observation]:
        threshold_ms = (rule.not_recording_for_s or 0.0) * 1000
        kinds = set(rule.kinds) or {"camera", "nvr"}
        result: dict[str, _Observation] = {}
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
                        self._keep(key)
                        unsure.add(entry.id)
                        continue
                    gap = _recording_gap(state)
                    if gap is None:
                        continue
                    since_ms = self._track(key, now_ms)
                    if now_ms - since_ms < threshold_ms:
                        continue
                    found.append(_view(state, since_ms=since_ms, cause=None))
                    starts.append(since_ms)
                    if gap:
                        notes.append(_channels_note(rule.lang, entry.name, gap))
            if found or unsure:
                summary = "; ".join(notes) or None
                start = min(starts, default=now_ms)
                result[commune] = _Observation(found, start, frozenset(unsure), summary=summary)
        return result

    def _clock_offset(
        self, rule: RuleConfig, fleet: FleetState, now_ms: int
    ) -> dict[str, _Observation]:
        limit_ms = rule.max_offset_ms or 0.0
        result: dict[str, _Observation] = {}
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
                    self._keep(key)
                    unsure.add(gateway_id)
                    continue
                health = state.last_health
                offset_ms = health.clock_offset_ms if health is not None else None
                if offset_ms is None or abs(offset_ms) <= limit_ms:
                    continue
                since_ms = self._track(key, now_ms)
                found.append(_view(state, since_ms=since_ms, cause=None))
                starts.append(since_ms)
                notes.append(_offset_note(rule.lang, state.entry.name, offset_ms))
            if found or unsure:
                summary = "; ".join(notes) or None
                start = min(starts, default=now_ms)
                result[commune] = _Observation(found, start, frozenset(unsure), summary=summary)
        return result


# -- helpers -----------------------------------------------------------------------


def _view(
    state: DeviceState, *, since_ms: int | None = None, cause: str | None = ""
) -> AlertDevice:
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


def _playout_summary(lang: Language, problems: list[PlayoutOutcome], total: int) -> str:
    """E.g. "2/3 cụm loa không phát được: 1 không phát, 1 chưa nhận lịch"."""
    counts: dict[str, int] = {}
    for outcome in problems:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    words = STATUS_TEXT[lang]
    parts = ", ".join(f"{n} {words[status].lower()}" for status, n in sorted(counts.items()))
    if lang == "vi":
        return f"{len(problems)}/{total} cụm loa không phát được: {parts}"
    return f"{len(problems)}/{total} clusters did not play: {parts}"


def _offset_note(lang: Language, name: str, offset_ms: float) -> str:
    seconds = _number(offset_ms / 1000, lang)
    return f"{name}: lệch {seconds} giây" if lang == "vi" else f"{name}: off by {seconds} s"
