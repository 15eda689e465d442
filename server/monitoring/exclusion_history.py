"""Every version of every maintenance window and excused period: who, when, why, and
the state each version leaves the item in.

A commune must not excuse its own outages after the fact (a window laid over a past
camera outage would turn C2 from "chưa đạt" into "đạt"), and nothing that decided a
figure may vanish without a trace. So each creation, approval, rejection and deletion
appends a version to one table whose triggers refuse UPDATE and DELETE, as the
schedules' history does (server/broadcasts/schedule_table.py); an item's state is that of its
latest version. The rules of who may do what are the API's (server/web/api/exclusions.py);
what each state means for the figures is here:

- ``pending``: waits for a verifier's (or an admin's) decision; counts nowhere.
- ``approved``: counts everywhere — the live maintenance status, availability, every
  indicator — over all its time, the past included.
- ``rejected``: counts nowhere. Rejecting an approved item takes the approval back,
  for the past too: that is how a verifier corrects a mistake.
- ``deleted``: the item ends when it is deleted. An item approved until then keeps
  counting before that moment (a weekly window cancelled today still covered last
  week's work, and last month's signed report stays as it was); any other counted
  nowhere and still counts nowhere.

Times are the server's clock, handed in by the caller (``CLOCK_MS``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Generic, Literal, NamedTuple, TypeVar, get_args

import msgspec

from xaso.server.broadcasts.schedule import ALWAYS_TO_MS
from xaso.server.database import transaction
from xaso.server.json_table import HasId

__all__ = [
    "STATES",
    "Author",
    "Decision",
    "ExclusionVersions",
    "Kind",
    "State",
    "StateConflict",
    "Tracked",
    "Version",
]

Kind = Literal["maintenance", "excused"]
State = Literal["pending", "approved", "rejected", "deleted"]
Decision = Literal["approved", "rejected"]
STATES: Final[tuple[str, ...]] = get_args(State)

TABLE: Final = "exclusion_version"

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    kind     TEXT    NOT NULL CHECK (kind IN ('maintenance', 'excused')),
    item_id  TEXT    NOT NULL,
    version  INTEGER NOT NULL,
    state    TEXT    NOT NULL CHECK (state IN ('pending', 'approved', 'rejected', 'deleted')),
    at_ms    INTEGER NOT NULL,
    by_name  TEXT    NOT NULL,
    by_role  TEXT    NOT NULL,
    reason   TEXT    NOT NULL,
    body     TEXT    NOT NULL,
    UNIQUE (kind, item_id, version)
);
CREATE TRIGGER IF NOT EXISTS {TABLE}_no_update BEFORE UPDATE ON {TABLE}
BEGIN SELECT RAISE(ABORT, 'exclusion versions are append-only'); END;
CREATE TRIGGER IF NOT EXISTS {TABLE}_no_delete BEFORE DELETE ON {TABLE}
BEGIN SELECT RAISE(ABORT, 'exclusion versions are append-only'); END;
"""

MIGRATED: Final = "migrated"


class Author(NamedTuple):
    """Who made a change: the token's name and role ("" when not known: migrated)."""

    name: str
    role: str


class Version(msgspec.Struct, frozen=True):
    version: int  # 1, 2, … per item
    state: State  # the state this change leaves the item in
    at_ms: int  # the server's clock; 0: not known (recorded before versions were kept)
    by: str
    role: str
    reason: str


class StateConflict(ValueError):
    """The change does not apply to the item's state (approving a deleted window)."""


T = TypeVar("T", bound=HasId)


@dataclass(frozen=True, slots=True)
class Tracked(Generic[T]):
    """One window or excused period (its body never changes) and its versions."""

    kind: Kind
    item: T
    versions: tuple[Version, ...]

    @property
    def id(self) -> str:
        return self.item.id

    @property
    def state(self) -> State:
        return self.versions[-1].state

    @property
    def created(self) -> Version:
        return self.versions[0]

    @property
    def decision(self) -> Version | None:
        """The latest approval or rejection; the creation itself when it was approved
        at once (an admin's window, one planned ahead)."""
        for version in reversed(self.versions):
            if version.state in ("approved", "rejected"):
                return version
        return None

    @property
    def deletion(self) -> Version | None:
        last = self.versions[-1]
        return last if last.state == "deleted" else None

    @property
    def counts_until_ms(self) -> int | None:
        """The item counts over all its own time before this instant; None: nowhere."""
        last = self.versions[-1]
        if last.state == "approved":
            return ALWAYS_TO_MS
        approved_before = len(self.versions) > 1 and self.versions[-2].state == "approved"
        if last.state == "deleted" and approved_before:
            return last.at_ms
        return None


# Which changes apply to which state (docs/api.md): approve what waits; reject what
# waits or was approved (taking the approval back); delete anything not deleted yet.
_ALLOWED_FROM: Final[dict[State, frozenset[State]]] = {
    "approved": frozenset({"pending"}),
    "rejected": frozenset({"pending", "approved"}),
    "deleted": frozenset({"pending", "approved", "rejected"}),
}
_CONFLICT: Final[dict[State, str]] = {
    "approved": "only a pending {what} can be approved; this one is {state}",
    "rejected": "only a pending or approved {what} can be rejected; this one is {state}",
    "deleted": "this {what} is deleted already",
}
_WHAT: Final[dict[Kind, str]] = {"maintenance": "maintenance window", "excused": "excused period"}


class ExclusionVersions(Generic[T]):
    """The items of one kind, each with its versions, kept in memory; every change
    appended to the shared version table first."""

    def __init__(self, db: sqlite3.Connection, kind: Kind, type_: type[T]) -> None:
        self._db, self._kind, self._type = db, kind, type_
        db.executescript(_SCHEMA)
        self.items: dict[str, Tracked[T]] = {}
        rows = db.execute(
            f"SELECT item_id, version, state, at_ms, by_name, by_role, reason, body "
            f"FROM {TABLE} WHERE kind = ? ORDER BY seq",
            (kind,),
        )
        for item_id, number, state, at_ms, by, role, reason, body in rows:
            version = Version(number, state, at_ms, by, role, reason)
            known = self.items.get(item_id)
            item = msgspec.json.decode(body, type=type_) if known is None else known.item
            versions = (known.versions if known else ()) + (version,)
            self.items[item_id] = Tracked(kind, item, versions)

    def create(self, item: T, state: State, by: Author, at_ms: int, reason: str) -> Tracked[T]:
        if item.id in self.items:
            raise StateConflict(f"{_WHAT[self._kind]} {item.id} exists already")
        return self._append(item, state, by, at_ms, reason)

    def change(self, item_id: str, state: State, by: Author, at_ms: int, reason: str) -> Tracked[T]:
        """Approve, reject or delete: raises KeyError for an unknown item and
        ``StateConflict`` when the change does not apply to its state."""
        tracked = self.items[item_id]
        if tracked.state not in _ALLOWED_FROM[state]:
            message = _CONFLICT[state].format(what=_WHAT[self._kind], state=tracked.state)
            raise StateConflict(message)
        return self._append(tracked.item, state, by, at_ms, reason)

    def migrate(self, found: Sequence[tuple[T, Author, int]], old_table: str) -> None:
        """Items kept before versions were: each becomes approved version 1 (they
        counted, and nobody was asked), and leaves ``old_table``, in one transaction."""
        with transaction(self._db):
            for item, by, at_ms in found:
                if item.id not in self.items:
                    self._insert(item, 1, "approved", by, at_ms, MIGRATED)
            self._db.execute(f"DELETE FROM {old_table}")
        # Read back only once committed: a failed migration leaves memory as it was.
        for item, by, at_ms in found:
            if item.id not in self.items:
                version = Version(1, "approved", at_ms, by.name, by.role, MIGRATED)
                self.items[item.id] = Tracked(self._kind, item, (version,))

    def _append(self, item: T, state: State, by: Author, at_ms: int, reason: str) -> Tracked[T]:
        known = self.items.get(item.id)
        number = len(known.versions) + 1 if known else 1
        self._insert(item, number, state, by, at_ms, reason)
        version = Version(number, state, at_ms, by.name, by.role, reason)
        tracked = Tracked(self._kind, item, (known.versions if known else ()) + (version,))
        self.items[item.id] = tracked
        return tracked

    def _insert(
        self, item: T, number: int, state: State, by: Author, at_ms: int, reason: str
    ) -> None:
        self._db.execute(
            f"INSERT INTO {TABLE} (kind, item_id, version, state, at_ms, by_name, by_role, "
            "reason, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                self._kind,
                item.id,
                number,
                state,
                at_ms,
                by.name,
                by.role,
                reason,
                msgspec.json.encode(item).decode(),
            ),
        )
