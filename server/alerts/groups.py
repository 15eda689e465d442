"""The alert engine's state: its firing groups, since-when trackers and the playout
occurrences already told about, kept as one snapshot.

One snapshot rather than one per rule family because a restart must take up all of it
at once: a "resolved" always follows a sent "firing", whichever rule sent it
(``server/alerts/state_store.py`` keeps the bytes). The live-state rules
(``engine.py``, ``observations.py``) and the playout rule (``playout_rule.py``) work on
the same ``EngineState``, handed to them on every pass.
"""

from __future__ import annotations

from typing import Final, NamedTuple

import msgspec

from xaso.inventory import InventoryIndex
from xaso.server.alerts.message import (
    AlertBulletin,
    AlertDevice,
    AlertMessage,
    AlertState,
    Language,
    Severity,
)

SNAPSHOT_VERSION: Final = 1


class Notice(NamedTuple):
    """One message and where it goes: the rule's channels, or None for every channel."""

    message: AlertMessage
    channels: tuple[str, ...] | None


class SnapshotError(ValueError):
    """A snapshot this engine cannot read (corrupt, or from an unknown version)."""


class Group(msgspec.Struct, forbid_unknown_fields=True):
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
    groups: list[Group]
    # Since when a condition the fleet state does not date itself has held, e.g.
    # "rec:<camera>" (not recording) or "<rule>:<commune>" (radio below target).
    since: dict[str, int]
    # Playout occurrences already told about (or deliberately not), by group key, with
    # their planned start: never announced twice, even after their group resolved.
    playout: dict[str, int] = {}


class Trackers:
    """Since when each condition the fleet state does not date itself has held.

    A pass starts with ``begin``; a tracker neither tracked nor kept by the time of
    ``end`` is over (or its device left the scope) and is forgotten."""

    def __init__(self, since: dict[str, int] | None = None) -> None:
        self.since: dict[str, int] = dict(since or {})
        self._touched: set[str] = set()

    def begin(self) -> None:
        self._touched = set()

    def track(self, key: str, now_ms: int) -> int:
        """Since when the condition ``key`` has held, starting now if it is new."""
        self._touched.add(key)
        return self.since.setdefault(key, now_ms)

    def keep(self, key: str) -> None:
        """Keep a tracker through a spell of not knowing (device offline or unknown)."""
        if key in self.since:
            self._touched.add(key)

    def end(self) -> None:
        self.since = {k: v for k, v in self.since.items() if k in self._touched}


class EngineState:
    """Everything the engine carries across a restart."""

    def __init__(
        self,
        groups: dict[str, Group] | None = None,
        since: dict[str, int] | None = None,
        playout_done: dict[str, int] | None = None,
    ) -> None:
        self.groups: dict[str, Group] = dict(groups or {})
        self.trackers = Trackers(since)
        self.playout_done: dict[str, int] = dict(playout_done or {})

    def encode(self) -> bytes:
        """The state as JSON bytes, sorted so that equal bytes mean nothing changed."""
        groups = sorted(self.groups.values(), key=lambda g: g.key)
        since = dict(sorted(self.trackers.since.items()))
        playout = dict(sorted(self.playout_done.items()))
        return msgspec.json.encode(
            _Snapshot(v=SNAPSHOT_VERSION, groups=groups, since=since, playout=playout)
        )

    @classmethod
    def decode(cls, data: bytes) -> EngineState:
        try:
            snapshot = msgspec.json.decode(data, type=_Snapshot)
        except msgspec.DecodeError as exc:
            raise SnapshotError(f"unreadable alert state: {exc}") from None
        if snapshot.v != SNAPSHOT_VERSION:
            raise SnapshotError(f"alert state version {snapshot.v} is not {SNAPSHOT_VERSION}")
        return cls({g.key: g for g in snapshot.groups}, snapshot.since, snapshot.playout)


def commune_name(index: InventoryIndex, commune: str) -> str | None:
    found = index.communes.get(commune)
    return found.name if found is not None else None


def make_notice(
    index: InventoryIndex,
    group: Group,
    state: AlertState,
    devices: list[AlertDevice],
    now_ms: int,
    resolved_ms: int | None = None,
) -> Notice:
    """The message a group sends now, as it stands."""
    message = AlertMessage(
        key=group.key,
        state=state,
        severity=group.severity,
        rule=group.type,
        started_ms=group.started_ms,
        ts_ms=now_ms,
        commune=group.commune,
        commune_name=commune_name(index, group.commune),
        devices=devices,
        resolved_ms=resolved_ms,
        cause=group.cause,
        summary=group.summary,
        lang=group.lang,
        bulletin=group.bulletin,
    )
    return Notice(message, tuple(group.channels) or None)
