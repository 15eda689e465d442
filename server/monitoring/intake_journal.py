"""What the server took in besides time series: refused messages and agents' numbering.

- **Dead letters**: every message refused, whatever the reason (broken JSON, a schema
  violation, an unknown agent, a record a store would not take, a bug of ours), kept
  with its raw bytes for inspection. Bounded by count and bytes: the oldest go first.
- **Sequences**: each agent's numbering as the store has it (server/monitoring/sequence.py), so that
  a gap seen before a restart is still asked for after it.

Both are written in one transaction per stored batch, before the batch's MQTT messages
are acknowledged: an acknowledged message is in the store, or here, or both. The file is
the server's own SQLite (``xaso.db``), driven from one worker thread like the SQLite
time-series store, so an fsync never holds the event loop.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Final, TypeVar

import msgspec

from xaso.server.database import connect

T = TypeVar("T")

DEFAULT_MAX_LETTERS: Final = 10_000
DEFAULT_MAX_LETTER_BYTES: Final = 64 * 2**20
# A message is kept whole up to this size (the largest a valid one may be); beyond, its
# first bytes are kept and the detail says how long it was.
KEPT_PAYLOAD_BYTES: Final = 256 * 1024

_SCHEMA = """
CREATE TABLE IF NOT EXISTS dead_letter (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    received_ms INTEGER NOT NULL,
    topic       TEXT    NOT NULL,
    reason      TEXT    NOT NULL,
    detail      TEXT    NOT NULL,
    size        INTEGER NOT NULL,  -- the message's length, whatever was kept of it
    payload     BLOB    NOT NULL
);
CREATE INDEX IF NOT EXISTS dead_letter_by_reason ON dead_letter (reason, id);
CREATE TABLE IF NOT EXISTS agent_sequence (
    agent_id TEXT PRIMARY KEY,
    state    TEXT NOT NULL  -- server.monitoring.sequence.AgentSequence as JSON
);
"""


class DeadLetter(msgspec.Struct, frozen=True):
    received_ms: int
    topic: str
    reason: str
    detail: str
    payload: bytes


class StoredDeadLetter(msgspec.Struct, frozen=True):
    id: int
    received_ms: int
    topic: str
    reason: str
    detail: str
    size: int
    payload: bytes = b""  # left out of listings


class JournalUnavailable(RuntimeError):
    """The journal could not be written (a full disk, say): nothing of the commit is."""


class IntakeJournal:
    def __init__(
        self,
        executor: ThreadPoolExecutor,
        db: sqlite3.Connection,
        *,
        max_letters: int,
        max_letter_bytes: int,
    ) -> None:
        self._executor, self._db = executor, db
        self._max_letters, self._max_letter_bytes = max_letters, max_letter_bytes
        self._letters, self._letter_bytes = db.execute(
            "SELECT COUNT(*), COALESCE(SUM(length(payload)), 0) FROM dead_letter"
        ).fetchone()

    @classmethod
    async def open(
        cls,
        path: str | Path,
        *,
        max_letters: int = DEFAULT_MAX_LETTERS,
        max_letter_bytes: int = DEFAULT_MAX_LETTER_BYTES,
    ) -> IntakeJournal:
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xaso-journal")
        try:
            db = await asyncio.get_running_loop().run_in_executor(executor, _connect, path)
            return cls(executor, db, max_letters=max_letters, max_letter_bytes=max_letter_bytes)
        except BaseException:
            executor.shutdown(wait=False)
            raise

    async def close(self) -> None:
        await self._run(self._db.close)
        self._executor.shutdown(wait=True)

    # -- writing -------------------------------------------------------------------------

    async def commit(self, letters: Sequence[DeadLetter], sequences: dict[str, bytes]) -> None:
        """Keep ``letters`` and save ``sequences`` (agent -> encoded state), together."""
        if letters or sequences:
            await self._run(self._commit, list(letters), dict(sequences))

    def _commit(self, letters: list[DeadLetter], sequences: dict[str, bytes]) -> None:
        rows = [_row(letter) for letter in letters]
        added_bytes = sum(len(row[5]) for row in rows)
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany(
                    "INSERT INTO dead_letter (received_ms, topic, reason, detail, size, payload)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    rows,
                )
                self._db.executemany(
                    "INSERT OR REPLACE INTO agent_sequence VALUES (?, ?)",
                    [(agent_id, state.decode()) for agent_id, state in sequences.items()],
                )
                letters_now, bytes_now = self._prune(
                    self._letters + len(rows), self._letter_bytes + added_bytes
                )
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise JournalUnavailable(f"the intake journal could not be written: {exc}") from exc
        self._letters, self._letter_bytes = letters_now, bytes_now

    def _prune(self, letters: int, letter_bytes: int) -> tuple[int, int]:
        """Drop the oldest letters until within both bounds; the counts after."""
        while letters > self._max_letters or letter_bytes > self._max_letter_bytes:
            excess = max(letters - self._max_letters, 1)
            oldest = self._db.execute(
                "SELECT id, length(payload) FROM dead_letter ORDER BY id LIMIT ?",
                (max(excess, 100),),
            ).fetchall()
            if not oldest:
                return 0, 0
            drop = []
            for letter_id, size in oldest:
                if letters <= self._max_letters and letter_bytes <= self._max_letter_bytes:
                    break
                drop.append((letter_id,))
                letters, letter_bytes = letters - 1, letter_bytes - size
            self._db.executemany("DELETE FROM dead_letter WHERE id = ?", drop)
        return letters, letter_bytes

    # -- reading -------------------------------------------------------------------------

    async def load_sequences(self) -> list[tuple[str, bytes]]:
        rows = await self._run(
            lambda: self._db.execute("SELECT agent_id, state FROM agent_sequence").fetchall()
        )
        return [(agent_id, state.encode()) for agent_id, state in rows]

    async def dead_letters(
        self, *, limit: int = 100, before_id: int | None = None, reason: str | None = None
    ) -> list[StoredDeadLetter]:
        """The newest letters first, without their payloads."""
        conditions: list[str] = ["1"]
        args: list[object] = []
        if before_id is not None:
            conditions.append("id < ?")
            args.append(before_id)
        if reason is not None:
            conditions.append("reason = ?")
            args.append(reason)
        sql = (
            "SELECT id, received_ms, topic, reason, detail, size FROM dead_letter"
            f" WHERE {' AND '.join(conditions)} ORDER BY id DESC LIMIT ?"
        )
        rows = await self._run(lambda: self._db.execute(sql, (*args, limit)).fetchall())
        return [StoredDeadLetter(*row) for row in rows]

    async def dead_letter(self, letter_id: int) -> StoredDeadLetter | None:
        row = await self._run(
            lambda: self._db.execute(
                "SELECT id, received_ms, topic, reason, detail, size, payload"
                " FROM dead_letter WHERE id = ?",
                (letter_id,),
            ).fetchone()
        )
        return None if row is None else StoredDeadLetter(*row)

    @property
    def letters_kept(self) -> int:
        return int(self._letters)

    async def _run(self, function: Callable[..., T], *args: object) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)


def _row(letter: DeadLetter) -> tuple[int, str, str, str, int, bytes]:
    payload, detail = letter.payload, letter.detail
    if len(payload) > KEPT_PAYLOAD_BYTES:
        detail = f"{detail} (first {KEPT_PAYLOAD_BYTES} of {len(payload)} bytes kept)"
        payload = payload[:KEPT_PAYLOAD_BYTES]
    return (letter.received_ms, letter.topic, letter.reason, detail, len(letter.payload), payload)


def _connect(path: str | Path) -> sqlite3.Connection:
    db = connect(path)
    try:
        # FULL: what is committed here has been acknowledged to the broker, which will
        # not send it again; one fsync per stored batch (at most ~20 a second).
        db.execute("PRAGMA synchronous = FULL")
        db.executescript(_SCHEMA)
    except BaseException:
        db.close()
        raise
    return db
