"""What happened to each alert group, kept for good: opened, reminded, acknowledged,
resolved, and how each message fared on each channel.

The engine's snapshot (``state_store.py``) knows only the groups firing now; once a
group is resolved it is gone from there. People still ask afterwards "when did Xuân
Hồng lose its gateway last week, and was the e-mail sent?", so every message the engine
hands to delivery is also appended here, in the server's own database
(``server/database.py``), with the final outcome of each channel beside it. Like the
other histories of the server (``server/monitoring/exclusion_history.py``), the event
table is append-only: triggers refuse UPDATE and DELETE.

- **Events** (``alert_event``): one row per message, its ``kind`` said the way people
  say it (``opened`` for a firing, ``reminded``, ``resolved``), and ``acknowledged``
  when someone says they are on it (``acknowledged_event``), with who and a note.
- **Deliveries** (``alert_delivery``): what each channel finally made of an event's
  message: ``sent``, ``failed`` (refused, or given up after retries) or ``dropped``
  (a full queue, or a shutdown), with the error's text. Written by the dispatcher's
  outcome hook, so an event may have none yet while a retry waits.

Writes are one-row inserts on the event loop, like every store of that connection.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any, Final, Literal, get_args

import msgspec

from xaso.server.alerts.message import AlertMessage

__all__ = [
    "EVENT_KINDS",
    "AlertEvent",
    "AlertHistory",
    "Delivery",
    "DeliveryOutcome",
    "EventKind",
    "HistoryQuery",
    "acknowledged_event",
    "event_of_message",
]

EventKind = Literal["opened", "reminded", "acknowledged", "resolved"]
EVENT_KINDS: Final[tuple[str, ...]] = get_args(EventKind)
DeliveryOutcome = Literal["sent", "failed", "dropped"]

# A message's state as the history names the event.
_KIND_OF_STATE: Final[dict[str, EventKind]] = {
    "firing": "opened",
    "reminder": "reminded",
    "resolved": "resolved",
}

MAX_LIMIT: Final = 500

_SCHEMA = """
CREATE TABLE IF NOT EXISTS alert_event (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT    NOT NULL
                 CHECK (kind IN ('opened', 'reminded', 'acknowledged', 'resolved')),
    group_key    TEXT    NOT NULL,
    rule         TEXT    NOT NULL,
    rule_type    TEXT    NOT NULL,
    commune      TEXT,
    commune_name TEXT,
    severity     TEXT    NOT NULL,
    at_ms        INTEGER NOT NULL,
    started_ms   INTEGER NOT NULL,
    devices      INTEGER NOT NULL,
    summary      TEXT,
    by_name      TEXT,
    note         TEXT
);
CREATE INDEX IF NOT EXISTS alert_event_at ON alert_event (at_ms);
CREATE INDEX IF NOT EXISTS alert_event_group ON alert_event (group_key, at_ms);
CREATE TRIGGER IF NOT EXISTS alert_event_no_update BEFORE UPDATE ON alert_event
BEGIN SELECT RAISE(ABORT, 'alert events are append-only'); END;
CREATE TRIGGER IF NOT EXISTS alert_event_no_delete BEFORE DELETE ON alert_event
BEGIN SELECT RAISE(ABORT, 'alert events are append-only'); END;
CREATE TABLE IF NOT EXISTS alert_delivery (
    event_seq INTEGER NOT NULL REFERENCES alert_event (seq),
    channel   TEXT    NOT NULL,
    outcome   TEXT    NOT NULL CHECK (outcome IN ('sent', 'failed', 'dropped')),
    at_ms     INTEGER NOT NULL,
    detail    TEXT
);
CREATE INDEX IF NOT EXISTS alert_delivery_event ON alert_delivery (event_seq);
"""

_COLUMNS: Final = (
    "seq, kind, group_key, rule, rule_type, commune, commune_name, severity, at_ms, "
    "started_ms, devices, summary, by_name, note"
)


class Delivery(msgspec.Struct, frozen=True):
    channel: str
    outcome: DeliveryOutcome
    at_ms: int
    detail: str | None = None  # the error's text (secrets already cut out by the channel)


class AlertEvent(msgspec.Struct, frozen=True, kw_only=True):
    kind: EventKind
    group_key: str  # the group's key, as every message about it carries it
    rule: str  # the rule's name (the key's first part)
    rule_type: str  # device_down, commune_radio_below... (AlertMessage.rule)
    commune: str | None
    commune_name: str | None
    severity: str
    at_ms: int  # when it happened (the message's ts_ms; the acknowledgement's time)
    started_ms: int  # when the group's problem began
    devices: int  # how many devices the message listed
    summary: str | None = None  # one line, in the rule's language
    by: str | None = None  # acknowledged: who (an account's display name)
    note: str | None = None  # acknowledged: what they said
    seq: int | None = None  # its number once stored; the order events were recorded
    deliveries: tuple[Delivery, ...] = ()


class HistoryQuery(msgspec.Struct, frozen=True, kw_only=True):
    """Which events: all filters combine; newest first, ``limit`` at a time.

    ``visible`` is the asker's scope: None sees every commune, else only these (an
    event without a commune is seen by all, as the alerts firing now are)."""

    visible: frozenset[str] | None = None
    commune: str | None = None
    rule: str | None = None
    kind: str | None = None
    from_ms: int | None = None  # at_ms >= from_ms
    to_ms: int | None = None  # at_ms < to_ms
    before_seq: int | None = None  # the next page: events recorded before this one
    limit: int = 50


def rule_of_key(key: str) -> str:
    """A group's rule name: its key is ``"<rule name>:<commune>[...]"`` and rule names
    hold no colon (``config.py`` checks them against the id pattern)."""
    return key.partition(":")[0]


def event_of_message(message: AlertMessage, summary: str | None) -> AlertEvent:
    """The event a message of the engine records; ``summary`` is its headline."""
    return AlertEvent(
        kind=_KIND_OF_STATE[message.state],
        group_key=message.key,
        rule=rule_of_key(message.key),
        rule_type=message.rule,
        commune=message.commune,
        commune_name=message.commune_name,
        severity=message.severity,
        at_ms=message.ts_ms,
        started_ms=message.started_ms,
        devices=len(message.devices),
        summary=summary,
    )


def acknowledged_event(
    alert: Mapping[str, object], by: str, at_ms: int, note: str | None = None
) -> AlertEvent:
    """The event of someone acknowledging a group firing now; ``alert`` is the group
    as ``server.alerts.wiring.active_alerts`` lists it."""
    devices = alert.get("devices")
    commune, commune_name = alert.get("commune"), alert.get("commune_name")
    summary = alert.get("summary")
    return AlertEvent(
        kind="acknowledged",
        group_key=str(alert["key"]),
        rule=str(alert["rule"]),
        rule_type=str(alert["type"]),
        commune=str(commune) if commune is not None else None,
        commune_name=str(commune_name) if commune_name is not None else None,
        severity=str(alert["severity"]),
        at_ms=at_ms,
        started_ms=int(str(alert["started_ms"])),
        devices=len(devices) if isinstance(devices, Sequence) else 0,
        summary=str(summary) if summary is not None else None,
        by=by,
        note=note,
    )


class AlertHistory:
    """The events and deliveries, on the server database's connection."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self._db.executescript(_SCHEMA)

    def append(self, event: AlertEvent) -> int:
        """Record ``event``; its number (``seq``)."""
        cursor = self._db.execute(
            "INSERT INTO alert_event (kind, group_key, rule, rule_type, commune, "
            "commune_name, severity, at_ms, started_ms, devices, summary, by_name, note) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                event.kind,
                event.group_key,
                event.rule,
                event.rule_type,
                event.commune,
                event.commune_name,
                event.severity,
                event.at_ms,
                event.started_ms,
                event.devices,
                event.summary,
                event.by,
                event.note,
            ),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def record_delivery(
        self,
        message: AlertMessage,
        channel: str,
        outcome: DeliveryOutcome,
        at_ms: int,
        detail: str | None = None,
    ) -> bool:
        """Note what ``channel`` made of ``message``, beside the event it recorded;
        False when no event has it (a test message, or an event that failed to save)."""
        kind = _KIND_OF_STATE.get(message.state)
        row = self._db.execute(
            "SELECT seq FROM alert_event WHERE group_key = ? AND at_ms = ? AND kind = ? "
            "ORDER BY seq DESC LIMIT 1",
            (message.key, message.ts_ms, kind),
        ).fetchone()
        if row is None:
            return False
        self._db.execute(
            "INSERT INTO alert_delivery (event_seq, channel, outcome, at_ms, detail) "
            "VALUES (?, ?, ?, ?, ?)",
            (row[0], channel, outcome, at_ms, detail),
        )
        return True

    def query(self, query: HistoryQuery) -> list[AlertEvent]:
        """The events ``query`` asks for, newest first, each with its deliveries."""
        where: list[str] = []
        args: list[object] = []
        if query.visible is not None:
            marks = ", ".join("?" * len(query.visible))
            where.append(f"(commune IS NULL OR commune IN ({marks}))")
            args.extend(sorted(query.visible))
        for column, value in (
            ("commune", query.commune),
            ("rule", query.rule),
            ("kind", query.kind),
        ):
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        if query.from_ms is not None:
            where.append("at_ms >= ?")
            args.append(query.from_ms)
        if query.to_ms is not None:
            where.append("at_ms < ?")
            args.append(query.to_ms)
        if query.before_seq is not None:
            where.append("seq < ?")
            args.append(query.before_seq)
        sql = f"SELECT {_COLUMNS} FROM alert_event"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY seq DESC LIMIT ?"
        args.append(max(1, min(query.limit, MAX_LIMIT)))
        rows = self._db.execute(sql, args).fetchall()
        deliveries = self._deliveries([row[0] for row in rows])
        return [_event(row, deliveries.get(row[0], ())) for row in rows]

    def rules(self) -> list[str]:
        """Every rule name with an event, for a filter's choices."""
        return [r[0] for r in self._db.execute("SELECT DISTINCT rule FROM alert_event ORDER BY 1")]

    def _deliveries(self, seqs: list[int]) -> dict[int, tuple[Delivery, ...]]:
        if not seqs:
            return {}
        marks = ", ".join("?" * len(seqs))
        found: dict[int, list[Delivery]] = {}
        for seq, channel, outcome, at_ms, detail in self._db.execute(
            "SELECT event_seq, channel, outcome, at_ms, detail FROM alert_delivery "
            f"WHERE event_seq IN ({marks}) ORDER BY at_ms, channel",
            seqs,
        ):
            found.setdefault(seq, []).append(Delivery(channel, outcome, at_ms, detail))
        return {seq: tuple(items) for seq, items in found.items()}


def _event(row: tuple[Any, ...], deliveries: tuple[Delivery, ...]) -> AlertEvent:
    seq, kind, key, rule, rule_type, commune, commune_name, severity, at_ms = row[:9]
    started_ms, devices, summary, by, note = row[9:]
    return AlertEvent(
        seq=seq,
        kind=kind,
        group_key=key,
        rule=rule,
        rule_type=rule_type,
        commune=commune,
        commune_name=commune_name,
        severity=severity,
        at_ms=at_ms,
        started_ms=started_ms,
        devices=devices,
        summary=summary,
        by=by,
        note=note,
        deliveries=deliveries,
    )
