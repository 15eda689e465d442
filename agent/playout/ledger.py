"""What playout did, kept on disk: which occurrences started or ended on which cluster,
and which schedule revisions were reported received.

So a restart in the middle of the day neither plays this morning's bulletin again nor
forgets to log it, and ``received`` is said once per revision and cluster. SQLite
(stdlib), one small row per occurrence updated in place: cheaper on flash than
rewriting a file at every event, and atomic per tick. A damaged file is moved aside
and playout starts afresh (logged): the worst it costs is an occurrence of the last
``late_start_s`` played again.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Final, get_args

import msgspec

from xaso.agent.playout.plan import Key, Occurrence, Record, Status

log = logging.getLogger("xaso.agent.playout")

ReceivedKey = tuple[str, int, str]  # (schedule id, revision, cluster)

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS occurrences (
    cluster TEXT NOT NULL,
    schedule TEXT NOT NULL,
    start_ms INTEGER NOT NULL,
    status TEXT NOT NULL,
    started_ms INTEGER,
    occurrence BLOB NOT NULL,   -- msgspec JSON of plan.Occurrence
    PRIMARY KEY (cluster, schedule, start_ms)
);
CREATE TABLE IF NOT EXISTS received (
    schedule TEXT NOT NULL,
    revision INTEGER NOT NULL,
    cluster TEXT NOT NULL,
    PRIMARY KEY (schedule, revision, cluster)
);
"""

_STATUSES: Final = frozenset(get_args(Status))
_occurrence_decoder = msgspec.json.Decoder(Occurrence)
_encoder = msgspec.json.Encoder()


class Ledger:
    def __init__(self, path: Path) -> None:
        """Open or create the ledger. Raises OSError when it cannot be opened at all
        (permissions, a full disk): the agent says so and refuses to start."""
        self.path = path
        try:
            try:
                self._conn = _connect(path)
            except _Corrupt as exc:
                aside = path.with_name(f"{path.name}.corrupt-{int(time.time())}")
                log.error("playout ledger %s damaged (%s): moved to %s", path, exc, aside)
                path.rename(aside)
                for suffix in ("-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
                self._conn = _connect(path)
        except (sqlite3.Error, _Corrupt) as exc:
            raise OSError(f"cannot open the playout ledger {path}: {exc}") from exc

    def close(self) -> None:
        self._conn.close()

    def load(self) -> tuple[dict[str, dict[Key, Record]], set[ReceivedKey]]:
        records: dict[str, dict[Key, Record]] = {}
        rows = self._conn.execute("SELECT status, started_ms, occurrence FROM occurrences")
        for status, started_ms, blob in rows:
            try:
                occurrence = _occurrence_decoder.decode(blob)
            except msgspec.DecodeError as exc:  # an older agent's row: skip it
                log.warning("playout ledger: row ignored: %s", exc)
                continue
            if status not in _STATUSES:
                log.warning("playout ledger: row with status %r ignored", status)
                continue
            records.setdefault(occurrence.cluster, {})[occurrence.key] = Record(
                occurrence, status, started_ms
            )
        received = {
            (schedule, revision, cluster)
            for schedule, revision, cluster in self._conn.execute(
                "SELECT schedule, revision, cluster FROM received"
            )
        }
        return records, received

    def save(
        self,
        records: Iterable[Record],
        received_added: Iterable[ReceivedKey] = (),
        received_removed: Iterable[ReceivedKey] = (),
    ) -> None:
        """One transaction: a power cut keeps all of it or none."""
        with self._conn:
            self._conn.executemany(
                "INSERT OR REPLACE INTO occurrences VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (
                        r.occurrence.cluster,
                        r.occurrence.schedule,
                        r.occurrence.start_ms,
                        r.status,
                        r.started_ms,
                        _encoder.encode(r.occurrence),
                    )
                    for r in records
                ],
            )
            self._conn.executemany(
                "INSERT OR IGNORE INTO received VALUES (?, ?, ?)", list(received_added)
            )
            self._conn.executemany(
                "DELETE FROM received WHERE schedule = ? AND revision = ? AND cluster = ?",
                list(received_removed),
            )

    def prune(self, before_ms: int) -> list[tuple[str, Key]]:
        """Forget finished business planned before ``before_ms``; what was forgotten."""
        with self._conn:
            rows = self._conn.execute(
                "DELETE FROM occurrences WHERE start_ms < ? AND status = 'done'"
                " RETURNING cluster, schedule, start_ms",
                (before_ms,),
            ).fetchall()
        return [(cluster, (schedule, start_ms)) for cluster, schedule, start_ms in rows]


class _Corrupt(Exception):
    pass


_CORRUPT_CODES: Final = (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)


def _connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, check_same_thread=False, timeout=5)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        # A started occurrence must be on disk before its player makes a sound.
        conn.execute("PRAGMA synchronous = FULL")
        problems = [row[0] for row in conn.execute("PRAGMA quick_check").fetchall()]
        if problems != ["ok"]:
            raise _Corrupt("; ".join(problems[:3]))
        conn.executescript(_SCHEMA)
    except sqlite3.DatabaseError as exc:
        conn.close()
        # Only damage moves the file aside: "locked" or "read-only" is no reason to
        # forget what was played.
        if getattr(exc, "sqlite_errorcode", None) in _CORRUPT_CODES:
            raise _Corrupt(str(exc)) from exc
        raise
    except BaseException:
        conn.close()
        raise
    return conn
