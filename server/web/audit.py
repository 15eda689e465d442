"""The audit log: every change a person or a program made through the server (who, when,
what, from where, and how it was answered) and every login, kept in the server's
database (``database.py``) in a table that refuses UPDATE and DELETE.

What goes in is decided by ``auditing.py`` (the middleware that records each change);
this module only keeps and finds entries. Nothing here is ever secret: the handlers add
names and ids, never a password or a token.

It is kept forever: a few hundred bytes a change, and the point of it is to answer "who
did this, and when" about any day, however long ago.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any, Final

TABLE: Final = "audit_log"
MAX_LIMIT: Final = 500

_SCHEMA: Final = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms    INTEGER NOT NULL,
    subject  TEXT    NOT NULL,  -- u:<account id>, t:<token id>; '' nobody (a failed login)
    login    TEXT    NOT NULL,  -- the account's login, or the login tried; '' for a token
    name     TEXT    NOT NULL,  -- the display name (a token's name) at the time
    role     TEXT    NOT NULL,  -- '' when nobody is known
    method   TEXT    NOT NULL,
    route    TEXT    NOT NULL,  -- the route as registered: /api/v1/schedules/{{schedule_id}}
    params   TEXT    NOT NULL,  -- its path parameters, JSON
    action   TEXT    NOT NULL,
    detail   TEXT    NOT NULL,  -- JSON
    address  TEXT    NOT NULL,  -- the client's, as a trusted proxy forwarded it
    status   INTEGER NOT NULL,
    security INTEGER NOT NULL   -- 1: a security event (a failed or refused login)
);
CREATE INDEX IF NOT EXISTS {TABLE}_by_time ON {TABLE} (at_ms);
CREATE TRIGGER IF NOT EXISTS {TABLE}_no_update BEFORE UPDATE ON {TABLE}
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS {TABLE}_no_delete BEFORE DELETE ON {TABLE}
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""

_COLUMNS: Final = (
    "seq, at_ms, subject, login, name, role, method, route, params, action, detail, "
    "address, status, security"
)


@dataclass(frozen=True)
class Actor:
    """Who did it, as they were then (a display name may change later)."""

    subject: str
    login: str
    name: str
    role: str


NOBODY: Final = Actor("", "", "", "")


@dataclass(frozen=True)
class AuditEntry:
    at_ms: int
    actor: Actor
    method: str
    route: str
    params: dict[str, str]
    action: str
    detail: dict[str, Any]
    address: str
    status: int
    security: bool = False
    seq: int = 0  # given by the log

    @property
    def path(self) -> str:
        """The path as it was asked: the route with its parameters in place."""
        path = self.route
        for name, value in self.params.items():
            path = path.replace("{" + name + "}", value)
        return path


@dataclass(frozen=True)
class AuditQuery:
    """Which entries to find, newest first. ``who``: a login or a subject exactly, or a
    part of a name; ``action`` and ``route``: prefixes; ``before``: a ``seq``, to page."""

    who: str = ""
    action: str = ""
    route: str = ""
    from_ms: int | None = None
    to_ms: int | None = None
    security_only: bool = False
    before: int | None = None
    limit: int = 100


class AuditLog:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        db.executescript(_SCHEMA)

    def append(self, entry: AuditEntry) -> int:
        """Keep ``entry``; its ``seq``."""
        cursor = self._db.execute(
            f"INSERT INTO {TABLE} ({_COLUMNS}) VALUES (NULL{', ?' * 13})",
            (
                entry.at_ms,
                entry.actor.subject,
                entry.actor.login,
                entry.actor.name,
                entry.actor.role,
                entry.method,
                entry.route,
                json.dumps(entry.params, ensure_ascii=False, sort_keys=True),
                entry.action,
                # In the handler's order: what it names first reads first.
                json.dumps(entry.detail, ensure_ascii=False, default=str),
                entry.address,
                entry.status,
                int(entry.security),
            ),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def find(self, query: AuditQuery) -> list[AuditEntry]:
        where: list[str] = []
        args: list[object] = []
        if query.who:
            where.append("(login = ? OR subject = ? OR instr(lower(name), ?) > 0)")
            args += [query.who.strip().lower(), query.who.strip(), query.who.strip().lower()]
        for column, prefix in (("action", query.action), ("route", query.route)):
            if prefix:
                where.append(f"substr({column}, 1, ?) = ?")
                args += [len(prefix), prefix]
        if query.from_ms is not None:
            where.append("at_ms >= ?")
            args.append(query.from_ms)
        if query.to_ms is not None:
            where.append("at_ms < ?")
            args.append(query.to_ms)
        if query.security_only:
            where.append("security = 1")
        if query.before is not None:
            where.append("seq < ?")
            args.append(query.before)
        condition = f"WHERE {' AND '.join(where)}" if where else ""
        rows = self._db.execute(
            f"SELECT {_COLUMNS} FROM {TABLE} {condition} ORDER BY seq DESC LIMIT ?",
            (*args, max(0, min(query.limit, MAX_LIMIT))),
        ).fetchall()
        return [_entry(row) for row in rows]


def _entry(row: tuple[Any, ...]) -> AuditEntry:
    return AuditEntry(
        seq=row[0],
        at_ms=row[1],
        actor=Actor(subject=row[2], login=row[3], name=row[4], role=row[5]),
        method=row[6],
        route=row[7],
        params=json.loads(row[8]),
        action=row[9],
        detail=json.loads(row[10]),
        address=row[11],
        status=row[12],
        security=bool(row[13]),
    )
