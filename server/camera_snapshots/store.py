"""The thumbnails kept, in the server's own SQLite file (``xaso.db``): for each camera
its latest, and one a day for evidence.

The day's picture is the first taken at or after 09:00 local time; until one is, the
latest taken earlier that day stands in. 09:00 because a verifier wants a daylight
picture of the place (one at 02:00 shows an infrared grey or nothing), the first after
it because that is what "the camera at 09:00" means in a report. The rule compares
times only, so it picks the same picture whatever order the snapshots arrive in (a
backlog after an outage comes oldest first, after the live ones).

Bounds: day pictures older than ``keep_days`` go, and while the day pictures take more
than ``max_bytes``, the oldest days go first (every camera's picture of that day). The
latest of each camera is never dropped: there is one per camera. A picture attached to
a report as evidence is a copy in the evidence documents, so it outlives these bounds.
One table, one row per (camera, slot): SQLite keeps the bytes with their facts in one
transaction, backed up with the rest of ``--data-dir``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Final
from zoneinfo import ZoneInfo

import msgspec

from xaso.server.camera_snapshots.incoming import IncomingSnapshot
from xaso.server.database import transaction

LATEST: Final = "latest"
DAY_HOUR: Final = 9  # local: the day's picture is the first from this hour on

SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS camera_snapshots (
    device_id TEXT NOT NULL,
    slot TEXT NOT NULL,            -- 'latest', or the local day 'YYYY-MM-DD' it stands for
    taken_ms INTEGER NOT NULL,
    received_ms INTEGER NOT NULL,
    agent_id TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    jpeg BLOB NOT NULL,            -- last, so scans of the other columns stay short
    PRIMARY KEY (device_id, slot)
);
CREATE INDEX IF NOT EXISTS camera_snapshots_by_slot ON camera_snapshots(slot, size);
"""

_FACTS: Final = "device_id, slot, taken_ms, received_ms, agent_id, width, height, size, sha256"


class SnapshotLimits(msgspec.Struct, frozen=True):
    keep_days: int = 400
    max_bytes: int = 512 * 2**20


class KeptSnapshot(msgspec.Struct, frozen=True):
    device_id: str
    slot: str  # LATEST or 'YYYY-MM-DD'
    taken_ms: int
    received_ms: int
    agent_id: str
    width: int
    height: int
    size: int
    sha256: str


def day_of(taken_ms: int, tz: ZoneInfo) -> dt.date:
    return dt.datetime.fromtimestamp(taken_ms / 1000, tz).date()


def day_threshold_ms(day: dt.date, tz: ZoneInfo) -> int:
    start = dt.datetime.combine(day, dt.time(DAY_HOUR), tz)
    return int(start.timestamp() * 1000)


def better_for_day(new_ms: int, kept_ms: int, threshold_ms: int) -> bool:
    """Whether a picture taken at ``new_ms`` should stand for its day instead of the one
    kept: the first from 09:00 on; before any, the latest so far."""
    new_after, kept_after = new_ms >= threshold_ms, kept_ms >= threshold_ms
    if new_after != kept_after:
        return new_after
    return new_ms < kept_ms if new_after else new_ms > kept_ms


class SnapshotStore:
    """On one connection; the intake's keeper and the pages each hold their own."""

    def __init__(
        self, db: sqlite3.Connection, tz: ZoneInfo, limits: SnapshotLimits | None = None
    ) -> None:
        self.db, self.tz = db, tz
        self.limits = limits or SnapshotLimits()
        db.executescript(SCHEMA)

    # -- writing (the intake) ------------------------------------------------------------

    def keep(self, snapshots: Sequence[IncomingSnapshot]) -> list[list[str]]:
        """Keep what each snapshot is best for; for each, the slots it took (none: an
        older picture than those kept). Then the bounds. One transaction."""
        taken: list[list[str]] = []
        with transaction(self.db):
            for snapshot in snapshots:
                taken.append(self._keep_one(snapshot))
            if any(taken):
                self._enforce(max(s.received_ms for s in snapshots))
        return taken

    def _keep_one(self, snapshot: IncomingSnapshot) -> list[str]:
        day = day_of(snapshot.taken_ms, self.tz)
        slots: list[str] = []
        kept = self._taken_ms(snapshot.device_id, LATEST)
        if kept is None or snapshot.taken_ms > kept:
            slots.append(LATEST)
        kept = self._taken_ms(snapshot.device_id, day.isoformat())
        if kept is None or better_for_day(snapshot.taken_ms, kept, day_threshold_ms(day, self.tz)):
            slots.append(day.isoformat())
        digest = hashlib.sha256(snapshot.jpeg).hexdigest()
        self.db.executemany(
            f"INSERT OR REPLACE INTO camera_snapshots ({_FACTS}, jpeg)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    snapshot.device_id,
                    slot,
                    snapshot.taken_ms,
                    snapshot.received_ms,
                    snapshot.agent_id,
                    snapshot.width,
                    snapshot.height,
                    len(snapshot.jpeg),
                    digest,
                    snapshot.jpeg,
                )
                for slot in slots
            ],
        )
        return slots

    def _taken_ms(self, device_id: str, slot: str) -> int | None:
        row = self.db.execute(
            "SELECT taken_ms FROM camera_snapshots WHERE device_id = ? AND slot = ?",
            (device_id, slot),
        ).fetchone()
        return None if row is None else int(row[0])

    def _enforce(self, now_ms: int) -> int:
        """Day pictures past ``keep_days``, then the oldest days while over
        ``max_bytes``. Returns how many pictures went."""
        oldest_kept = day_of(now_ms, self.tz) - dt.timedelta(days=self.limits.keep_days - 1)
        gone = self.db.execute(
            "DELETE FROM camera_snapshots WHERE slot <> ? AND slot < ?",
            (LATEST, oldest_kept.isoformat()),
        ).rowcount
        days = self.db.execute(
            "SELECT slot, SUM(size) FROM camera_snapshots WHERE slot <> ?"
            " GROUP BY slot ORDER BY slot",
            (LATEST,),
        ).fetchall()
        total = sum(size for _, size in days)
        for slot, size in days[:-1]:  # today's pictures stay, whatever the bound
            if total <= self.limits.max_bytes:
                break
            gone += self.db.execute("DELETE FROM camera_snapshots WHERE slot = ?", (slot,)).rowcount
            total -= size
        return gone

    # -- reading (the pages) ---------------------------------------------------------------

    def latest(self, device_ids: Iterable[str]) -> dict[str, KeptSnapshot]:
        ids = list(device_ids)
        if not ids:
            return {}
        marks = ", ".join("?" for _ in ids)
        rows = self.db.execute(
            f"SELECT {_FACTS} FROM camera_snapshots WHERE slot = ? AND device_id IN ({marks})",
            (LATEST, *ids),
        ).fetchall()
        return {row[0]: KeptSnapshot(*row) for row in rows}

    def days(self, device_id: str, limit: int = 31) -> list[KeptSnapshot]:
        """The camera's day pictures, newest day first."""
        rows = self.db.execute(
            f"SELECT {_FACTS} FROM camera_snapshots WHERE device_id = ? AND slot <> ?"
            " ORDER BY slot DESC LIMIT ?",
            (device_id, LATEST, limit),
        ).fetchall()
        return [KeptSnapshot(*row) for row in rows]

    def last_day_within(
        self, device_id: str, first: dt.date, last: dt.date
    ) -> tuple[KeptSnapshot, bytes] | None:
        """The camera's day picture of the latest day in ``[first, last]`` that has one."""
        row = self.db.execute(
            f"SELECT {_FACTS}, jpeg FROM camera_snapshots WHERE device_id = ? AND slot <> ?"
            " AND slot BETWEEN ? AND ? ORDER BY slot DESC LIMIT 1",
            (device_id, LATEST, first.isoformat(), last.isoformat()),
        ).fetchone()
        if row is None:
            return None
        return KeptSnapshot(*row[:-1]), bytes(row[-1])

    def picture(self, device_id: str, slot: str) -> tuple[KeptSnapshot, bytes] | None:
        row = self.db.execute(
            f"SELECT {_FACTS}, jpeg FROM camera_snapshots WHERE device_id = ? AND slot = ?",
            (device_id, slot),
        ).fetchone()
        if row is None:
            return None
        return KeptSnapshot(*row[:-1]), bytes(row[-1])

    def day_bytes(self) -> int:
        row = self.db.execute(
            "SELECT COALESCE(SUM(size), 0) FROM camera_snapshots WHERE slot <> ?", (LATEST,)
        ).fetchone()
        return int(row[0])
