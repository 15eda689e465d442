"""The agent's durable on-disk queue: every record is stored before it is published.

A record (heartbeat, state change, broadcast-log event) takes the next persistent
sequence number and a device-side timestamp, is committed to SQLite, and only then
handed to paho; it is marked acknowledged when the broker's PUBACK arrives and kept
``keep_acked_s`` longer so it can be replayed. paho keeps unsent QoS 1 messages in
memory only (docs/operations.md#libraries-xaso-relies-on), so this file is what makes
"nothing lost" true across restarts, power cuts and weeks without a link.
``docs/agent-queue.md`` states the guarantees, the retention policy and the failure
modes.

Durability: WAL journal, ``synchronous=FULL`` for appends (the WAL is fsynced at every
commit, so a committed record and its sequence number survive a power cut: a number
that reached the broker is never handed out again) and ``NORMAL`` for acknowledgements
and drops (losing one to a power cut only means a redelivery the server collapses).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Final, Literal, NamedTuple, get_args

import msgspec

log = logging.getLogger("xaso.agent.outbox")

RecordKind = Literal["snapshot", "heartbeat", "state", "event"]
# Drop order when over the limits: camera snapshots first (a picture is the easiest thing
# to do without, and the biggest), then heartbeats (thinned, then oldest-first), then
# state changes, broadcast-log events last: they are the proof that a broadcast played.
DROP_ORDER: Final[tuple[RecordKind, ...]] = get_args(RecordKind)

SCHEMA_VERSION: Final = 1
_HOUR_MS: Final = 3_600_000


def _wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


class OutboxPolicy(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Retention limits (docs/agent-queue.md). Defaults fit a gateway with 1-4 GB of
    flash: the file stays under ~1.5 x ``max_bytes`` (measured page overhead), and
    128 MiB holds about 30 days of 1.5 KB heartbeats (a commune's ~15 devices) at one
    per 30 s before thinning starts to stretch it."""

    max_records: int = 200_000
    # Payload plus topic bytes of every stored record, acknowledged ones included.
    max_bytes: int = 128 * 2**20
    # By the device clock: records older than this are dropped whatever their kind.
    max_age_s: float = 30 * 86_400
    # Acknowledged records stay this long for ``replay``.
    keep_acked_s: float = 3_600
    # A record created within this much of now (either side) is live; older is backlog
    # and is published as historical, so a backfill never raises a live alert.
    live_window_s: float = 60
    # Once over a limit, shrink to this fraction of it, so the costly thinning pass
    # runs once per ~10% of capacity instead of on every append.
    low_water: float = 0.9
    # Thinning keeps the first heartbeat of every such period.
    thin_keep_s: float = 3_600

    def __post_init__(self) -> None:
        if min(self.max_records, self.max_bytes) < 1:
            raise ValueError("max_records and max_bytes must be positive")
        if min(self.max_age_s, self.keep_acked_s, self.live_window_s) < 0:
            raise ValueError("durations must not be negative")
        if self.thin_keep_s <= 0:
            raise ValueError("thin_keep_s must be positive")
        if not 0 < self.low_water <= 1:
            raise ValueError("low_water must be in (0, 1]")


class Entry(NamedTuple):
    seq: int
    kind: RecordKind
    topic: str
    payload: bytes
    created_ms: int


class OutboxStats(msgspec.Struct, frozen=True):
    depth: int  # not yet acknowledged: pending + in flight
    inflight: int
    records: int  # stored rows, acknowledged ones kept for replay included
    bytes: int  # payload + topic bytes of the stored rows (what max_bytes limits)
    oldest_pending_ms: int | None  # created_ms of the oldest unacknowledged record
    next_seq: int
    dropped_since_open: dict[str, int]
    dropped_total: dict[str, int]  # persisted: survives restarts
    errors_since_open: int
    corrupt_recoveries: int  # persisted: corrupt files moved aside, ever
    last_error: str | None  # sticky: the last problem, with its time below
    last_error_ms: int | None


class OutboxError(Exception):
    """The queue could not do what was asked; the agent goes on without it."""


class OutboxFull(OutboxError):
    """The disk (or the file's page limit) is full: the record was not stored."""


_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS records (
    seq INTEGER PRIMARY KEY,       -- never reused: meta.next_seq only grows
    kind TEXT NOT NULL,
    topic TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    size INTEGER NOT NULL,
    acked_ms INTEGER,              -- NULL until the broker's PUBACK
    payload BLOB NOT NULL          -- last, so scans of the other columns stay short
);
-- Partial indexes keep every query off the payload pages and off acknowledged rows.
CREATE INDEX IF NOT EXISTS pending_seq ON records(seq) WHERE acked_ms IS NULL;
CREATE INDEX IF NOT EXISTS pending_created ON records(created_ms) WHERE acked_ms IS NULL;
CREATE INDEX IF NOT EXISTS pending_kind
    ON records(kind, seq, created_ms, size) WHERE acked_ms IS NULL;
CREATE INDEX IF NOT EXISTS acked ON records(acked_ms, seq, size) WHERE acked_ms IS NOT NULL;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""

_ENTRY_COLUMNS: Final = "seq, kind, topic, payload, created_ms"


class _Corrupt(Exception):
    pass


_CORRUPT_CODES: Final = (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)


class Outbox:
    """One SQLite connection guarded by one lock: paho's network thread calls
    ``mark_acked`` while the agent's loop appends."""

    def __init__(
        self,
        path: Path,
        policy: OutboxPolicy,
        clock_ms: Callable[[], int],
        conn: sqlite3.Connection,
    ) -> None:
        self.path = path
        self.policy = policy
        self._clock_ms = clock_ms
        self._conn = conn
        self._lock = threading.Lock()
        self._inflight: set[int] = set()
        self._closed = False
        self._dropped_since_open: dict[str, int] = dict.fromkeys(DROP_ORDER, 0)
        self._errors_since_open = 0
        self._last_error: str | None = None
        self._last_error_ms: int | None = None
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        self._next_seq: int = meta.get("next_seq", 1)
        self._dropped_total: dict[str, int] = {k: meta.get(f"dropped:{k}", 0) for k in DROP_ORDER}
        self._corrupt_recoveries: int = meta.get("corrupt_recoveries", 0)
        self._unacked = self._records = self._bytes = 0
        self._recount()

    # -- opening ---------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: Path,
        policy: OutboxPolicy | None = None,
        clock_ms: Callable[[], int] = _wall_clock_ms,
    ) -> Outbox:
        """Open or create the queue. A corrupt or foreign file is moved aside to
        ``<name>.corrupt-<ts>`` and a fresh queue started, reported in ``last_error``;
        sequence numbers of the fresh queue continue past anything salvageable."""
        path = Path(path)
        policy = policy or OutboxPolicy()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # A new queue numbers from the clock in ms, like a recovered one: a gateway
            # reinstalled with an empty state folder must not start again from 1, or the
            # server would take its records for old duplicates.
            fresh = None if path.exists() else {"next_seq": max(1, clock_ms())}
            return cls._connected(path, policy, clock_ms, fresh)
        except _Corrupt as exc:
            reason = str(exc)
        except sqlite3.DatabaseError as exc:
            # Only damage moves the file aside: "locked" or "permission denied" is not
            # a reason to abandon a queue that may hold weeks of records.
            if getattr(exc, "sqlite_errorcode", None) not in _CORRUPT_CODES:
                raise OutboxError(f"cannot open {path}: {exc}") from exc
            reason = str(exc)
        except (sqlite3.Error, OSError) as exc:
            raise OutboxError(f"cannot open {path}: {exc}") from exc
        try:
            salvaged_seq, recoveries = _salvage(path)
            moved = _move_aside(path, clock_ms())
            # Seq must not go back: past anything we could read, and past the clock in
            # ms, which no counter of this agent can have reached by counting (the rule
            # of agent.session).
            initial = {"next_seq": max(salvaged_seq + 1, clock_ms())}
            initial["corrupt_recoveries"] = recoveries + 1
            outbox = cls._connected(path, policy, clock_ms, initial)
        except (sqlite3.Error, OSError, _Corrupt) as exc:
            raise OutboxError(f"cannot start a fresh queue at {path}: {exc}") from exc
        outbox._note_error(f"corrupt queue moved to {moved.name} ({reason}); started afresh")
        return outbox

    @classmethod
    def _connected(
        cls,
        path: Path,
        policy: OutboxPolicy,
        clock_ms: Callable[[], int],
        initial_meta: dict[str, int] | None = None,
    ) -> Outbox:
        conn = _connect(path)
        try:
            if initial_meta:
                with conn:
                    conn.executemany(
                        "INSERT OR REPLACE INTO meta VALUES (?, ?)", initial_meta.items()
                    )
            return cls(path, policy, clock_ms, conn)
        except BaseException:
            conn.close()
            raise

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._conn.close()

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing -----------------------------------------------------------------------

    def append(self, kind: RecordKind, topic: str, build: Callable[[int, int], bytes]) -> int:
        """Store one record and return its seq. ``build(seq, created_ms)`` makes the
        payload, inside the transaction, so the number and the stored record are one
        atomic step. Raises ``OutboxFull`` on a full disk, ``OutboxError`` otherwise."""
        if kind not in DROP_ORDER:
            raise ValueError(f"unknown record kind {kind!r}")
        with self._lock:
            seq, created_ms = self._next_seq, self._clock_ms()
            payload = build(seq, created_ms)
            size = len(payload) + len(topic.encode())
            try:
                with self._transaction():
                    self._conn.execute(
                        "INSERT INTO records (seq, kind, topic, created_ms, size, payload)"
                        " VALUES (?, ?, ?, ?, ?, ?)",
                        (seq, kind, topic, created_ms, size, payload),
                    )
                    self._conn.execute(
                        "INSERT OR REPLACE INTO meta VALUES ('next_seq', ?)", (seq + 1,)
                    )
            except sqlite3.Error as exc:
                raise self._failed("append", exc) from exc
            self._next_seq = seq + 1
            self._records += 1
            self._unacked += 1
            self._bytes += size
            return seq

    def replace(self, seq: int, build: Callable[[int, int], bytes]) -> bool:
        """Give the waiting record ``seq`` a new payload (``build(seq, created_ms)``, now):
        how a camera's newer snapshot takes the place of one not sent yet, under the same
        number, so none is skipped. False, and nothing changed, when the record is no
        longer waiting (in flight, acknowledged or dropped): append a new one then."""
        with self._lock:
            if seq in self._inflight:
                return False
            created_ms = self._clock_ms()
            payload = build(seq, created_ms)
            try:
                with self._transaction():
                    row = self._conn.execute(
                        "SELECT topic, size FROM records WHERE seq = ? AND acked_ms IS NULL",
                        (seq,),
                    ).fetchone()
                    if row is None:
                        return False
                    topic, old_size = row
                    size = len(payload) + len(topic.encode())
                    self._conn.execute(
                        "UPDATE records SET payload = ?, size = ?, created_ms = ? WHERE seq = ?",
                        (payload, size, created_ms, seq),
                    )
            except sqlite3.Error as exc:
                raise self._failed("replace", exc) from exc
            self._bytes += size - old_size
            return True

    def waiting(self, kind: RecordKind) -> list[tuple[int, bytes]]:
        """``(seq, payload)`` of the records of ``kind`` not yet acknowledged, by seq: what
        the snapshot queue needs after a restart to find each camera's waiting picture."""
        with self._lock:
            try:
                return self._conn.execute(
                    "SELECT seq, payload FROM records WHERE acked_ms IS NULL AND kind = ?"
                    " ORDER BY seq",
                    (kind,),
                ).fetchall()
            except sqlite3.Error as exc:
                raise self._failed("waiting", exc) from exc

    def near_limits(self) -> bool:
        """Over ``low_water`` of a limit: what can wait (a picture) should not be added."""
        with self._lock:
            return self._over(self.policy.low_water)

    def mark_inflight(self, seq: int) -> None:
        # Memory only: after a restart nothing is in flight (paho's queue died with the
        # process), so persisting it would cost a write per publish for nothing.
        with self._lock:
            self._inflight.add(seq)

    def release(self, seq: int) -> None:
        """The broker refused ``seq``: it is pending again (and stays stored)."""
        with self._lock:
            self._inflight.discard(seq)

    def requeue_inflight(self) -> int:
        """After a disconnect or on start: in-flight records become pending again."""
        with self._lock:
            n = len(self._inflight)
            self._inflight.clear()
            return n

    def mark_acked(self, seq: int) -> None:
        """The broker acknowledged ``seq``. Safe from paho's thread; never raises: an
        ack lost to an error only means the record is sent again."""
        with self._lock:
            self._inflight.discard(seq)
            if self._closed:  # a late PUBACK during shutdown: it is sent again next time
                return
            try:
                with self._transaction(durable=False):
                    cur = self._conn.execute(
                        "UPDATE records SET acked_ms = ? WHERE seq = ? AND acked_ms IS NULL",
                        (self._clock_ms(), seq),
                    )
            except sqlite3.Error as exc:
                self._failed("mark_acked", exc)
                return
            self._unacked -= cur.rowcount

    def replay(self, from_seq: int, to_seq: int | None = None) -> int:
        """Make acknowledged records with ``from_seq <= seq <= to_seq`` (no upper bound
        when None) pending again (e.g. the server lost them after the broker's ack);
        returns how many."""
        upper = to_seq if to_seq is not None else 2**63 - 1
        with self._lock:
            try:
                with self._transaction(durable=False):
                    n = self._conn.execute(
                        "UPDATE records SET acked_ms = NULL"
                        " WHERE acked_ms IS NOT NULL AND seq >= ? AND seq <= ?",
                        (from_seq, upper),
                    ).rowcount
            except sqlite3.Error as exc:
                raise self._failed("replay", exc) from exc
            self._unacked += n
            return n

    # -- reading -----------------------------------------------------------------------

    def next_batch(
        self,
        limit: int,
        *,
        exclude_topics: frozenset[str] = frozenset(),
        only_topic: str | None = None,
    ) -> list[Entry]:
        """Up to ``limit`` records neither acknowledged nor in flight: live ones first,
        newest first (the present matters most), then the backlog oldest first. Order is
        by seq, which is the order of creation whatever the wall clock did. Records of
        ``exclude_topics`` (the broker refuses them for now) are left for later;
        ``only_topic`` takes records of that topic alone."""
        topic_sql = ""
        topic_args: tuple[str, ...] = ()
        if only_topic is not None:
            topic_sql, topic_args = " AND topic = ?", (only_topic,)
        elif exclude_topics:
            marks = ", ".join("?" for _ in exclude_topics)
            topic_sql, topic_args = f" AND topic NOT IN ({marks})", tuple(exclude_topics)
        with self._lock:
            lo, hi = self._live_range()
            skip = len(self._inflight)
            try:
                live = self._conn.execute(
                    f"SELECT {_ENTRY_COLUMNS} FROM records WHERE acked_ms IS NULL"
                    f" AND created_ms BETWEEN ? AND ?{topic_sql} ORDER BY seq DESC LIMIT ?",
                    (lo, hi, *topic_args, limit + skip),
                ).fetchall()
                batch = [Entry(*r) for r in live if r[0] not in self._inflight][:limit]
                if len(batch) < limit:
                    backlog = self._conn.execute(
                        f"SELECT {_ENTRY_COLUMNS} FROM records INDEXED BY pending_seq"
                        " WHERE acked_ms IS NULL AND (created_ms < ? OR created_ms > ?)"
                        f"{topic_sql} ORDER BY seq LIMIT ?",
                        (lo, hi, *topic_args, limit - len(batch) + skip),
                    ).fetchall()
                    batch += [Entry(*r) for r in backlog if r[0] not in self._inflight]
            except sqlite3.Error as exc:
                raise self._failed("next_batch", exc) from exc
            return batch[:limit]

    def is_live(self, entry: Entry) -> bool:
        """Created within ``live_window_s`` of now, on either side. A record stamped
        further in the future comes from before the clock was set back: backlog."""
        lo, hi = self._live_range()
        return lo <= entry.created_ms <= hi

    def _live_range(self) -> tuple[int, int]:
        now, window = self._clock_ms(), int(self.policy.live_window_s * 1000)
        return now - window, now + window

    def stats(self) -> OutboxStats:
        with self._lock:
            oldest = None
            try:
                if not self._closed:
                    oldest = self._conn.execute(
                        "SELECT MIN(created_ms) FROM records WHERE acked_ms IS NULL"
                    ).fetchone()[0]
            except sqlite3.Error as exc:
                self._failed("stats", exc)
            return OutboxStats(
                depth=self._unacked,
                inflight=len(self._inflight),
                records=self._records,
                bytes=self._bytes,
                oldest_pending_ms=oldest,
                next_seq=self._next_seq,
                dropped_since_open=dict(self._dropped_since_open),
                dropped_total=dict(self._dropped_total),
                errors_since_open=self._errors_since_open,
                corrupt_recoveries=self._corrupt_recoveries,
                last_error=self._last_error,
                last_error_ms=self._last_error_ms,
            )

    # -- retention ---------------------------------------------------------------------

    def enforce_policy(self) -> int:
        """Purge acknowledged records past ``keep_acked_s``; drop unacknowledged ones
        past ``max_age_s``; when over ``max_records`` or ``max_bytes``, shrink to
        ``low_water`` of the limits: acknowledged rows first, then thin heartbeats,
        then drop heartbeats, state and events oldest-first, in that order. Returns how
        many unacknowledged records were dropped; each is counted by kind and logged.
        Cheap (index lookups only) while under the limits: call it after every append."""
        with self._lock:
            try:
                return self._enforce()
            except sqlite3.Error as exc:
                raise self._failed("enforce_policy", exc) from exc

    def _enforce(self) -> int:
        p, now = self.policy, self._clock_ms()
        keep_ms = int(p.keep_acked_s * 1000)
        # Acked rows stamped far in the future come from before a clock jump back:
        # they were delivered, so they go too rather than staying for years.
        self._delete(
            self._select_acked("(acked_ms < ? OR acked_ms > ?)", now - keep_ms, now + keep_ms),
            "acknowledged",
        )
        dropped = self._delete(
            self._conn.execute(
                "SELECT kind, seq, size FROM records INDEXED BY pending_created"
                " WHERE acked_ms IS NULL AND created_ms < ?",
                (now - int(p.max_age_s * 1000),),
            ).fetchall(),
            "older than max_age_s",
        )
        if not self._over(1.0):
            return dropped
        # Over a limit: delivered records go first, they are only kept for replay; then
        # pictures, before a single heartbeat is thinned.
        self._delete(self._select_acked("1"), "acknowledged", until_low_water=True)
        dropped += self._delete(
            self._pending_of("snapshot"), "over the size limits", until_low_water=True
        )
        while self._over(p.low_water) and (
            thinned := self._delete(self._thinnable(), "thinned", until_low_water=True)
        ):
            dropped += thinned
        for kind in DROP_ORDER:
            if not self._over(p.low_water):
                break
            dropped += self._delete(
                self._pending_of(kind), "over the size limits", until_low_water=True
            )
        return dropped

    def _pending_of(self, kind: RecordKind) -> list[tuple[str, int, int]]:
        rows: list[tuple[str, int, int]] = self._conn.execute(
            "SELECT kind, seq, size FROM records INDEXED BY pending_kind"
            " WHERE acked_ms IS NULL AND kind = ? ORDER BY seq",
            (kind,),
        ).fetchall()
        return rows

    def _over(self, fraction: float) -> bool:
        p = self.policy
        return self._records > p.max_records * fraction or self._bytes > p.max_bytes * fraction

    def _select_acked(self, condition: str, *args: int) -> list[tuple[str, int, int]]:
        rows = self._conn.execute(
            "SELECT seq, size FROM records INDEXED BY acked"
            f" WHERE acked_ms IS NOT NULL AND {condition} ORDER BY seq",
            args,
        ).fetchall()
        return [("acked", seq, size) for seq, size in rows]

    def _thinnable(self) -> list[tuple[str, int, int]]:
        """Every other heartbeat in the oldest half of the pending ones, sparing the
        first of each ``thin_keep_s`` period so the history keeps its shape."""
        rows = self._conn.execute(
            "SELECT seq, created_ms, size FROM records INDEXED BY pending_kind"
            " WHERE acked_ms IS NULL AND kind = 'heartbeat' ORDER BY seq"
        ).fetchall()
        period_ms = max(1, int(self.policy.thin_keep_s * 1000))
        out: list[tuple[str, int, int]] = []
        periods_seen: set[int] = set()
        odd = False
        for seq, created_ms, size in rows[: len(rows) // 2]:
            if created_ms // period_ms not in periods_seen:
                periods_seen.add(created_ms // period_ms)
                continue
            if odd:
                out.append(("heartbeat", seq, size))
            odd = not odd
        return out

    def _delete(
        self,
        candidates: Iterable[tuple[str, int, int]],
        reason: str,
        *,
        until_low_water: bool = False,
    ) -> int:
        """Delete ``(kind, seq, size)`` rows in the given order, all of them or only
        until under ``low_water``. Unacknowledged ones are drops: counted by kind in
        memory and, in the same transaction, in meta, and logged. Returns the drops."""
        p = self.policy
        max_records, max_bytes = p.max_records * p.low_water, p.max_bytes * p.low_water
        records, total_bytes = self._records, self._bytes
        chosen: list[tuple[str, int, int]] = []
        for kind, seq, size in candidates:
            if until_low_water and records <= max_records and total_bytes <= max_bytes:
                break
            if seq in self._inflight:  # being published now: its ack decides its fate
                continue
            chosen.append((kind, seq, size))
            records, total_bytes = records - 1, total_bytes - size
        if not chosen:
            return 0
        counts: dict[str, int] = {}
        for kind, _, _ in chosen:
            if kind != "acked":
                counts[kind] = counts.get(kind, 0) + 1
        with self._transaction(durable=False):
            self._conn.executemany(
                "DELETE FROM records WHERE seq = ?", [(seq,) for _, seq, _ in chosen]
            )
            self._conn.executemany(
                "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                [(f"dropped:{k}", self._dropped_total[k] + n) for k, n in counts.items()],
            )
        for kind, n in counts.items():
            self._dropped_total[kind] += n
            self._dropped_since_open[kind] += n
            log.warning("outbox: dropped %d %s records (%s)", n, kind, reason)
        self._records, self._bytes = records, total_bytes
        dropped = sum(counts.values())
        self._unacked -= dropped
        return dropped

    # -- plumbing ----------------------------------------------------------------------

    def _recount(self) -> None:
        # From the covering partial indexes: no payload page is read.
        pending, pending_bytes = self._conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM records INDEXED BY pending_kind"
            " WHERE acked_ms IS NULL"
        ).fetchone()
        acked, acked_bytes = self._conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM records INDEXED BY acked"
            " WHERE acked_ms IS NOT NULL"
        ).fetchone()
        self._unacked, self._records = pending, pending + acked
        self._bytes = pending_bytes + acked_bytes

    def _transaction(self, durable: bool = True) -> _Transaction:
        return _Transaction(self._conn, durable)

    def _note_error(self, message: str) -> None:
        self._errors_since_open += 1
        self._last_error, self._last_error_ms = message, self._clock_ms()
        log.error("outbox: %s", message)

    def _failed(self, action: str, exc: sqlite3.Error) -> OutboxError:
        full = getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL
        self._note_error(f"{action}: {'disk full' if full else exc}")
        return (OutboxFull if full else OutboxError)(f"{action}: {exc}")


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error. ``durable=False`` commits
    with synchronous=NORMAL: in WAL mode that skips the fsync, and the next durable
    commit (which fsyncs the whole WAL) makes it durable too."""

    def __init__(self, conn: sqlite3.Connection, durable: bool) -> None:
        self._conn, self._durable = conn, durable

    def __enter__(self) -> None:
        if not self._durable:
            self._conn.execute("PRAGMA synchronous = NORMAL")
        self._conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        try:
            if exc_type is None:
                self._conn.execute("COMMIT")
        finally:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            if not self._durable:
                self._conn.execute("PRAGMA synchronous = FULL")


def _connect(path: Path) -> sqlite3.Connection:
    """Open, check and if need be create the schema; raise on a corrupt file."""
    # isolation_level=None: we issue BEGIN/COMMIT ourselves; check_same_thread=False:
    # the Outbox lock serialises paho's thread and the agent's.
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=5)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        # Truncate the WAL back to 4 MiB, not to zero, after a checkpoint: the space
        # already allocated is reused, so acks and drops can still be written when
        # the disk has filled up.
        conn.execute("PRAGMA journal_size_limit = 4194304")
        # A torn last commit fails the WAL checksums and is dropped by SQLite on
        # recovery; quick_check catches the rest (a damaged page, a foreign file).
        problems = [r[0] for r in conn.execute("PRAGMA quick_check").fetchall()]
        if problems != ["ok"]:
            raise _Corrupt("; ".join(problems[:3]))
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version not in (0, SCHEMA_VERSION):
            raise _Corrupt(f"unknown schema version {version}")
        if version == 0:
            conn.executescript(f"BEGIN; {_SCHEMA} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;")
    except BaseException:
        conn.close()
        raise
    return conn


def _salvage(path: Path) -> tuple[int, int]:
    """The highest seq and the recovery count a damaged file still yields, else 0."""
    seq = recoveries = 0
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
            seq = int(meta.get("next_seq", 1)) - 1
            recoveries = int(meta.get("corrupt_recoveries", 0))
        finally:
            conn.close()
    except (sqlite3.Error, ValueError, TypeError):
        pass
    return seq, recoveries


def _move_aside(path: Path, now_ms: int) -> Path:
    target = path.with_name(f"{path.name}.corrupt-{now_ms}")
    # The WAL and shared-memory files belong to the damaged database: keep them with it.
    for suffix in ("", "-wal", "-shm"):
        source = Path(f"{path}{suffix}")
        if source.exists():
            os.replace(source, f"{target}{suffix}")
    return target
