"""The alert rules: a pure function of the live state and the time, grouped per commune.

``AlertEngine.evaluate(fleet, now_ms)`` is called every few seconds and returns what to
send; it does no I/O and reads no clock. docs/alerts.md explains the rules for users; the
decisions that keep alerts few and honest ("told once, not a thousand times"; "resolved
never sent" is a top complaint about other monitors: docs/domain.md#lessons-from-other-systems):

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
- **Acknowledged is quiet.** While every device a group lists now has been acknowledged
  on the problems page (a device behind a dead gateway by the gateway's;
  ``server/monitoring/problems.py``), the group sends no reminders; its firing and its
  resolved still go, and a device joining it unacknowledged is told as usual.
- **A broadcast that did not play is one message per commune and occurrence**
  (``broadcast_not_played``): see ``playout_rule.py``, which keeps that rule's decisions.

What each live-state rule matches is worked out in ``observations.py``; this module
turns it into groups and messages. The state (groups, since-when trackers, playout
occurrences told) is plain data (``groups.py``): ``snapshot()`` / ``restore()`` carry
it across a restart so that a "resolved" always follows a sent "firing".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final

import msgspec

from xaso.inventory import InventoryIndex
from xaso.server.alerts.config import RuleConfig
from xaso.server.alerts.groups import (
    EngineState,
    Group,
    Notice,
    SnapshotError,
    commune_name,
    make_notice,
)
from xaso.server.alerts.message import AlertDevice, Language
from xaso.server.alerts.observations import Observation, Observer, view
from xaso.server.alerts.playout_rule import PLAYOUT_RULE_TYPES, PlayoutRules
from xaso.server.broadcasts.playout_outcome import PlayoutOutcome
from xaso.server.monitoring.fleet_state import FleetState
from xaso.server.monitoring.problems import Acknowledgement, acknowledgement_of

__all__ = ["AlertEngine", "Notice", "SnapshotError"]

_REMOVED: Final[dict[Language, str]] = {
    "vi": "Quy tắc cảnh báo này đã bị gỡ khỏi cấu hình; cảnh báo được đóng lại.",
    "en": "This alert rule was removed from the configuration; the alert is closed.",
}


class AlertEngine:
    def __init__(
        self,
        rules: Sequence[RuleConfig],
        index: InventoryIndex,
        acknowledged: Callable[[str], Acknowledgement | None] | None = None,
    ) -> None:
        """``acknowledged``: a device's acknowledgement now, if any (the store's
        ``get``); None: nothing is ever acknowledged."""
        names = [rule.name for rule in rules]
        if len(set(names)) != len(names):
            raise ValueError(f"rule names must be unique: {names}")
        self._rules = {rule.name: rule for rule in rules}
        self._index = index
        self._state = EngineState()
        # Scopes are fixed for the engine's life: computed once, not every few seconds
        # over a province's 15,000 devices.
        communes = {rule.name: _communes_of(index, rule) for rule in rules}
        self._observer = Observer(index, communes)
        self._playout = PlayoutRules(self._rules.values(), communes, index)
        self._acknowledged = acknowledged or _nobody
        # Each live-state group whose devices are all acknowledged, by key, as of the
        # last pass: the latest acknowledgement, which completed it. Not saved: the
        # acknowledgements are, and the first pass after a start finds them again.
        self._group_acks: dict[str, Acknowledgement] = {}

    # -- the public surface --------------------------------------------------------

    def evaluate(self, fleet: FleetState, now_ms: int) -> list[Notice]:
        """What to send now: firing, reminder and resolved messages, in rule order."""
        groups, trackers = self._state.groups, self._state.trackers
        trackers.begin()
        self._group_acks = {}
        notices: list[Notice] = []
        # First close the groups of rules removed (or retyped) since they fired: a
        # retyped rule may open a new group under the same key in this very pass.
        for group in list(groups.values()):
            rule = self._rules.get(group.rule)
            if rule is None or rule.type != group.type:
                notices.append(self._close_orphan(group, fleet, now_ms))
        for rule in self._rules.values():
            if rule.type in PLAYOUT_RULE_TYPES:
                continue  # evaluate_playout's
            observed = self._observer.observe(rule, fleet, now_ms, trackers)
            active = {g.commune for g in groups.values() if g.rule == rule.name}
            for commune in sorted(observed.keys() | active):
                notice = self._step(rule, commune, observed.get(commune), fleet, now_ms)
                if notice is not None:
                    notices.append(notice)
        # Trackers not confirmed this pass are over (or their device left the scope).
        trackers.end()
        return notices

    def active(self) -> list[dict[str, object]]:
        """The firing groups as plain data, oldest first (for the API)."""
        groups = sorted(self._state.groups.values(), key=lambda g: (g.started_ms, g.key))
        return [
            {
                "key": g.key,
                "rule": g.rule,
                "type": g.type,
                "commune": g.commune,
                "commune_name": commune_name(self._index, g.commune),
                "severity": g.severity,
                "started_ms": g.started_ms,
                "last_sent_ms": g.last_sent_ms,
                "cause": g.cause,
                "summary": g.summary,
                "devices": msgspec.to_builtins(list(g.members.values())),
                "bulletin": msgspec.to_builtins(g.bulletin),
                "acknowledged_by": ack.by_name if (ack := self._group_acks.get(g.key)) else None,
                "acknowledged_ms": ack.at_ms if ack else None,
            }
            for g in groups
        ]

    def firing_by_rule(self) -> dict[str, int]:
        """How many groups each rule has firing (0 for a rule with none)."""
        counts = dict.fromkeys(self._rules, 0)
        for group in self._state.groups.values():
            counts[group.rule] = counts.get(group.rule, 0) + 1
        return counts

    def snapshot(self) -> bytes:
        """The engine's state as JSON bytes; equal bytes mean nothing changed."""
        return self._state.encode()

    def restore(self, data: bytes) -> None:
        """Take up a snapshot. Groups of rules since removed from the config are
        resolved at the next ``evaluate`` so that no alert is left open."""
        self._state = EngineState.decode(data)

    def playout_rules(self) -> list[RuleConfig]:
        return list(self._playout.rules)

    def playout_scope(self) -> tuple[list[str], int]:
        """The communes the playout rules watch and how far back (ms) they look."""
        return self._playout.scope()

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
        return self._playout.evaluate(self._state, outcomes, now_ms, unsure_agents)

    # -- groups --------------------------------------------------------------------

    def _step(
        self,
        rule: RuleConfig,
        commune: str,
        seen: Observation | None,
        fleet: FleetState,
        now_ms: int,
    ) -> Notice | None:
        key = f"{rule.name}:{commune}"
        group = self._state.groups.get(key)
        if group is None:
            if seen is None or not seen.devices:
                return None
            group = Group(
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
            self._state.groups[key] = group
            self._note_acknowledged(key, seen.devices, fleet)
            return make_notice(self._index, group, "firing", seen.devices, now_ms)
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
            del self._state.groups[key]
            # The last summary ("11/15 clusters working") describes the problem, not
            # its end; the cause stays, so that the subject reads as the alert's did.
            group.summary = None
            devices = [self._current(fleet, d) for d in group.members.values()]
            return make_notice(self._index, group, "resolved", devices, now_ms, resolved_ms=now_ms)
        if seen is not None and matching:
            group.cause, group.summary = seen.cause, seen.summary
        devices = matching + held
        if self._note_acknowledged(key, devices, fleet):
            # Everyone it lists is seen to (a joiner was acknowledged before it joined):
            # quiet until that changes.
            return None
        elapsed_ms = now_ms - group.last_sent_ms
        reminder_due = 0 < rule.reminder_every_s * 1000 <= elapsed_ms
        joined = any(d.id not in group.members for d in matching)
        update_due = joined and elapsed_ms >= rule.group_interval_s * 1000
        if not (reminder_due or update_due):
            return None
        group.members.update((d.id, d) for d in devices)
        group.last_sent_ms = now_ms
        return make_notice(self._index, group, "reminder", devices, now_ms)

    def _note_acknowledged(
        self, key: str, devices: Sequence[AlertDevice], fleet: FleetState
    ) -> bool:
        """Whether every device listed is acknowledged; if so the group carries the
        latest acknowledgement (``active``)."""
        latest: Acknowledgement | None = None
        for device in devices:
            ack = acknowledgement_of(fleet, self._acknowledged, device.id)
            if ack is None:
                return False
            if latest is None or ack.at_ms > latest.at_ms:
                latest = ack
        if latest is not None:
            self._group_acks[key] = latest
        return latest is not None

    def _close_orphan(self, group: Group, fleet: FleetState, now_ms: int) -> Notice:
        del self._state.groups[group.key]
        group.summary = _REMOVED[group.lang]
        devices = [self._current(fleet, d) for d in group.members.values()]
        return make_notice(self._index, group, "resolved", devices, now_ms, resolved_ms=now_ms)

    @staticmethod
    def _current(fleet: FleetState, device: AlertDevice) -> AlertDevice:
        """A member as it is now (a device gone from the inventory, as last announced)."""
        state = fleet.devices.get(device.id)
        return view(state) if state is not None else device


def _nobody(device_id: str) -> Acknowledgement | None:
    return None


def _communes_of(index: InventoryIndex, rule: RuleConfig) -> list[str]:
    wanted = set(rule.communes)
    return [c for c in index.communes if not wanted or c in wanted]
