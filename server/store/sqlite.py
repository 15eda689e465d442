"""SQLite backend: the embedded default store, no server to run.

stdlib ``sqlite3`` is blocking, so one dedicated worker thread owns the connection and
the event loop hands it work through ``run_in_executor``; a single thread also
serialises writes, which SQLite wants anyway.

Each table's primary key is InfluxDB's point identity for the same measurement (the tag
columns plus ``ts_ms``, see ``server.store.influx``), and a duplicate merges like an
InfluxDB point: the later write's fields win, and a field it leaves out (None) keeps
its stored value ("the field set becomes the union of the old field set and the new
field set", InfluxDB docs on duplicate points). ``detail`` is a JSON object in a TEXT
column (NULL when empty) and merges the same way, key by key (``json_patch``). Both
backends therefore hold the same data after the same writes.
"""

from __future__ import annotations

import asyncio
import functools
import json
import math
import operator
import sqlite3
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import msgspec

from xaso.server.records import (
    AgentHealthRecord,
    BroadcastEventRecord,
    DetailValue,
    DeviceReadingRecord,
    Record,
    TransitionRecord,
    broadcast_order,
    clean_detail,
)
from xaso.server.store.base import RecordsRefused, StoreUnavailable, WriteResult
from xaso.server.store.schema import SHAPES, Column

R = TypeVar("R", AgentHealthRecord, DeviceReadingRecord, TransitionRecord, BroadcastEventRecord)
T = TypeVar("T")

# The primary key leads with the lookup column and ts_ms so that a read is one ordered
# range scan; the remaining tag columns complete InfluxDB's series identity.
_SCHEMA_V1 = """
CREATE TABLE agent_health (
    agent_id      TEXT    NOT NULL,
    ts_ms         INTEGER NOT NULL,
    commune       TEXT    NOT NULL,
    seq           INTEGER NOT NULL,
    session       INTEGER NOT NULL,
    historical    INTEGER NOT NULL,
    uptime_s      REAL,
    load1         REAL,
    mem_used_pct  REAL,
    disk_free_pct REAL,
    temp_c        REAL,
    PRIMARY KEY (agent_id, ts_ms, commune)
) WITHOUT ROWID;

CREATE TABLE device_reading (
    device_id  TEXT    NOT NULL,
    ts_ms      INTEGER NOT NULL,
    agent_id   TEXT    NOT NULL,
    commune    TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    seq        INTEGER NOT NULL,
    reachable  INTEGER NOT NULL,
    historical INTEGER NOT NULL,
    rtt_ms     REAL,
    error      TEXT,
    PRIMARY KEY (device_id, ts_ms, agent_id, commune, kind)
) WITHOUT ROWID;

CREATE TABLE "transition" (
    device_id TEXT    NOT NULL,
    ts_ms     INTEGER NOT NULL,
    commune   TEXT    NOT NULL,
    kind      TEXT    NOT NULL,
    status    TEXT    NOT NULL,
    previous  TEXT    NOT NULL,
    cause     TEXT    NOT NULL,
    PRIMARY KEY (device_id, ts_ms, commune, kind)
) WITHOUT ROWID;
"""

# Version 2: the optional extras of health and readings, a JSON object (NULL when empty).
_SCHEMA_V2 = """
ALTER TABLE agent_health ADD COLUMN detail TEXT;
ALTER TABLE device_reading ADD COLUMN detail TEXT;
"""

# Version 3: the broadcast log. The key is the event's identity (agent, seq) completed
# by the columns of InfluxDB's series and time for the same event, so that an
# unnumbered event (seq < 0, the agent's disk was full) is not merged into another.
_SCHEMA_V3 = """
CREATE TABLE broadcast_event (
    agent_id           TEXT    NOT NULL,
    seq                INTEGER NOT NULL,
    ts_ms              INTEGER NOT NULL,
    cluster            TEXT    NOT NULL,
    event              TEXT    NOT NULL,
    commune            TEXT    NOT NULL,
    event_id           TEXT    NOT NULL,
    session            INTEGER NOT NULL,
    schedule           TEXT    NOT NULL,
    revision           INTEGER NOT NULL,
    priority           TEXT    NOT NULL,
    content_type       TEXT    NOT NULL,
    content_duration_s REAL    NOT NULL,
    occurrence_ms      INTEGER NOT NULL,
    planned_end_ms     INTEGER NOT NULL,
    village            TEXT,
    content_title      TEXT    NOT NULL,
    content_sha256     TEXT,
    content_text       TEXT,
    content_voice      TEXT    NOT NULL,
    content_url        TEXT,
    content_source     TEXT    NOT NULL,
    started_ms         INTEGER,
    played_s           REAL,
    error              TEXT,
    reason             TEXT,
    preempted_by       TEXT,
    preempted_schedule TEXT,
    resumed            INTEGER NOT NULL,
    volume             INTEGER,
    relay_on           INTEGER,
    clock_offset_ms    REAL,
    historical         INTEGER NOT NULL,
    PRIMARY KEY (agent_id, seq, ts_ms, cluster, event, commune)
) WITHOUT ROWID;
CREATE INDEX broadcast_event_by_occurrence ON broadcast_event (commune, occurrence_ms);
CREATE INDEX broadcast_event_by_schedule ON broadcast_event (commune, schedule, event);
"""

# Version 4: the real length of what a broadcast played (the rendered speech), so that
# a bulletin shorter than its slot is judged against itself. NULL in older rows: unknown.
_SCHEMA_V4 = """
ALTER TABLE broadcast_event ADD COLUMN content_s REAL;
"""

# MIGRATIONS[n] takes a database from user_version n to n + 1. Append, never edit.
MIGRATIONS: tuple[str, ...] = (_SCHEMA_V1, _SCHEMA_V2, _SCHEMA_V3, _SCHEMA_V4)
SCHEMA_VERSION = len(MIGRATIONS)

_DETAIL = "detail"  # the JSON column, where a record has one


@dataclass(frozen=True)
class _Table(Generic[R]):
    """How one record kind maps onto its table: its key here, everything else from its
    shape (server/store/schema.py)."""

    name: str
    record: type[R]
    key: tuple[str, ...]  # primary key; key[0] is what reads filter on
    columns: tuple[str, ...] = field(init=False)
    optional: frozenset[str] = field(init=False)  # None = "not in this write", merged
    booleans: frozenset[str] = field(init=False)
    insert_sql: str = field(init=False)
    select_sql: str = field(init=False)

    def __post_init__(self) -> None:
        shape = SHAPES[self.record]
        columns = shape.order
        object.__setattr__(self, "optional", frozenset(c.name for c in shape.columns if c.optional))
        object.__setattr__(
            self, "booleans", frozenset(c.name for c in shape.columns if c.kind is bool)
        )
        updates = ", ".join(self._update(c) for c in columns if c not in self.key)
        insert_sql = (
            f'INSERT INTO "{self.name}" ({", ".join(columns)})'
            f" VALUES ({', '.join('?' for _ in columns)})"
            f" ON CONFLICT ({', '.join(self.key)}) DO UPDATE SET {updates}"
        )
        select_sql = (
            f'SELECT {", ".join(columns)} FROM "{self.name}"'
            f" WHERE {self.key[0]} = ? AND ts_ms >= ? AND ts_ms < ?"
            f" ORDER BY {', '.join(self.key[1:])} LIMIT ?"
        )
        object.__setattr__(self, "columns", columns)
        object.__setattr__(self, "insert_sql", insert_sql)
        object.__setattr__(self, "select_sql", select_sql)

    def _update(self, column: str) -> str:
        old, new = f"{self.name}.{column}", f"excluded.{column}"
        if column == _DETAIL:
            # Key by key, like the fields of an InfluxDB point (values are never JSON
            # null, so json_patch deletes nothing).
            return (
                f"{column} = CASE WHEN {new} IS NULL THEN {old} WHEN {old} IS NULL THEN {new}"
                f" ELSE json_patch({old}, {new}) END"
            )
        if column in self.optional:
            return f"{column} = coalesce({new}, {old})"
        return f"{column} = {new}"

    def row(self, record: R) -> tuple[Any, ...]:
        values = self._values_of(record)
        # InfluxDB cannot store NaN or infinity; leave them out here too so both
        # backends read back None. (Only float columns can hold them.)
        unstorable = [i for i in self._float_positions if not _storable(values[i])]
        detail = self._detail_position
        if detail is None and not unstorable:
            return values
        row = list(values)
        for i in unstorable:
            row[i] = None
        if detail is not None:
            row[detail] = _detail_json(row[detail])
        return tuple(row)

    @functools.cached_property
    def _values_of(self) -> Callable[[R], tuple[Any, ...]]:
        return operator.attrgetter(*self.columns)

    @functools.cached_property
    def _float_positions(self) -> tuple[int, ...]:
        kinds = {c.name: c.kind for c in SHAPES[self.record].columns}
        return tuple(i for i, c in enumerate(self.columns) if kinds.get(c) is float)

    def record_of(self, row: Sequence[Any]) -> R:
        # Positional: the columns are the record's fields in order, and a province's
        # playout log reads half a million rows (5x cheaper than keywords).
        values = list(row)
        for i in self._boolean_positions:
            # Optional booleans (relay_on) stay None: unknown is not False.
            values[i] = None if values[i] is None else bool(values[i])
        if self._detail_position is not None:
            values[self._detail_position] = _detail_of(values[self._detail_position])
        return self.record(*values)

    @functools.cached_property
    def _boolean_positions(self) -> tuple[int, ...]:
        return tuple(i for i, c in enumerate(self.columns) if c in self.booleans)

    @functools.cached_property
    def _detail_position(self) -> int | None:
        return self.columns.index(_DETAIL) if _DETAIL in self.columns else None


def _storable(value: object) -> bool:
    return not isinstance(value, float) or math.isfinite(value)


def _detail_json(detail: dict[str, DetailValue]) -> str | None:
    cleaned = clean_detail(detail)
    if not cleaned:
        return None
    # Compact, UTF-8 as it is, no NaN (cleaned): what json.dumps wrote, 5x faster.
    return _encode_json(cleaned).decode("utf-8")


_encode_json = msgspec.json.Encoder().encode


def _detail_of(text: str | None) -> dict[str, DetailValue]:
    if text is None:
        return {}
    # clean_detail again: SQLite's JSON functions may print 5.0 as 5 after a merge.
    loaded = json.loads(text)
    return clean_detail(loaded) if isinstance(loaded, dict) else {}


_AGENT_HEALTH = _Table(
    name="agent_health",
    record=AgentHealthRecord,
    key=("agent_id", "ts_ms", "commune"),
)
_DEVICE_READING = _Table(
    name="device_reading",
    record=DeviceReadingRecord,
    key=("device_id", "ts_ms", "agent_id", "commune", "kind"),
)
_TRANSITION = _Table(
    name="transition",
    record=TransitionRecord,
    key=("device_id", "ts_ms", "commune", "kind"),
)
_BROADCAST_EVENT = _Table(
    name="broadcast_event",
    record=BroadcastEventRecord,
    key=("agent_id", "seq", "ts_ms", "cluster", "event", "commune"),
)
_TABLE_OF: dict[type, _Table[Any]] = {
    AgentHealthRecord: _AGENT_HEALTH,
    DeviceReadingRecord: _DEVICE_READING,
    TransitionRecord: _TRANSITION,
    BroadcastEventRecord: _BROADCAST_EVENT,
}


class SqliteStore:
    """A ``Store`` in one SQLite file (or ``":memory:"``), driven from one thread."""

    name = "sqlite"

    def __init__(self, executor: ThreadPoolExecutor, connection: sqlite3.Connection) -> None:
        """Use :meth:`open`; ``connection`` belongs to ``executor``'s only thread."""
        self._executor = executor
        self._connection = connection
        self._closed = False

    @classmethod
    async def open(cls, path: str) -> SqliteStore:
        """Open or create the database at ``path`` and bring its schema up to date."""
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xaso-sqlite")
        try:
            connection = await asyncio.get_running_loop().run_in_executor(executor, _connect, path)
        except BaseException:
            executor.shutdown(wait=False)
            raise
        return cls(executor, connection)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        await self._run(self._connection.close)
        self._executor.shutdown(wait=True)

    async def ping(self) -> bool:
        return True

    async def write(self, records: Sequence[Record]) -> WriteResult:
        if not records:
            return WriteResult(written=0)
        batches: dict[str, tuple[_Table[Any], list[tuple[Any, ...]]]] = {}
        for record in records:
            table = _TABLE_OF[type(record)]
            batches.setdefault(table.name, (table, []))[1].append(table.row(record))
        await self._run(self._write, list(batches.values()))
        return WriteResult(written=len(records))

    def _write(self, batches: list[tuple[_Table[Any], list[tuple[Any, ...]]]]) -> None:
        # One transaction per call: when write() returns, the whole batch is on disk
        # (WAL, synchronous=NORMAL survives a process crash); if it raises, none is.
        connection = self._connection
        try:
            connection.execute("BEGIN IMMEDIATE")
            try:
                for table, rows in batches:
                    connection.executemany(table.insert_sql, rows)
                connection.execute("COMMIT")
            except BaseException:
                # A failed COMMIT (a full disk) may have rolled back already; a second
                # ROLLBACK would raise "no transaction is active" and hide the cause.
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise
        except sqlite3.OperationalError as exc:
            # Disk full, I/O error, database locked by another process: nothing was
            # written and the same write may succeed later.
            raise StoreUnavailable(f"SQLite write failed: {exc}") from exc
        except (sqlite3.Error, OverflowError, ValueError) as exc:
            # A value SQLite will never hold (an integer past 64 bits, a constraint):
            # the same write would fail forever.
            raise RecordsRefused(f"SQLite refused the write: {exc}") from exc

    async def agent_health(
        self, agent_id: str, from_ms: int, to_ms: int, limit: int = 10_000
    ) -> list[AgentHealthRecord]:
        return await self._select(_AGENT_HEALTH, agent_id, from_ms, to_ms, limit)

    async def device_readings(
        self, device_id: str, from_ms: int, to_ms: int, limit: int = 10_000
    ) -> list[DeviceReadingRecord]:
        return await self._select(_DEVICE_READING, device_id, from_ms, to_ms, limit)

    async def transitions(
        self, device_id: str, from_ms: int, to_ms: int, limit: int = 10_000
    ) -> list[TransitionRecord]:
        return await self._select(_TRANSITION, device_id, from_ms, to_ms, limit)

    async def last_transition_before(self, device_id: str, ts_ms: int) -> TransitionRecord | None:
        table = _TRANSITION
        query = (
            f'SELECT {", ".join(table.columns)} FROM "{table.name}"'
            " WHERE device_id = ? AND ts_ms < ? ORDER BY ts_ms DESC LIMIT 1"
        )
        rows = await self._run(
            lambda: self._connection.execute(query, (device_id, ts_ms)).fetchall()
        )
        return table.record_of(rows[0]) if rows else None

    async def latest_transitions(self) -> list[TransitionRecord]:
        table = _TRANSITION
        columns = ", ".join(f"t.{c}" for c in table.columns)
        query = (
            f'SELECT {columns} FROM "{table.name}" t JOIN'
            f' (SELECT device_id, max(ts_ms) AS ts_ms FROM "{table.name}"'
            " WHERE cause NOT LIKE 'backfill:%' GROUP BY device_id) m"
            " ON t.device_id = m.device_id AND t.ts_ms = m.ts_ms"
        )
        rows = await self._run(lambda: self._connection.execute(query).fetchall())
        return [table.record_of(row) for row in rows]

    async def broadcast_events(
        self,
        communes: Sequence[str],
        from_ms: int,
        to_ms: int,
        schedules: Collection[str] = (),
    ) -> list[BroadcastEventRecord]:
        if not communes or from_ms >= to_ms:
            return []
        table = _BROADCAST_EVENT
        columns = ", ".join(table.columns)
        in_communes = ", ".join("?" for _ in communes)

        def select() -> list[Any]:
            rows = self._connection.execute(
                f"SELECT {columns} FROM broadcast_event WHERE commune IN ({in_communes})"
                " AND occurrence_ms >= ? AND occurrence_ms < ? AND event != 'received'",
                (*communes, from_ms, to_ms),
            ).fetchall()
            wanted = sorted({row[table.columns.index("schedule")] for row in rows} | set(schedules))
            # Chunked: SQLite caps the number of parameters of one statement.
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                rows += self._connection.execute(
                    f"SELECT {columns} FROM broadcast_event WHERE commune IN ({in_communes})"
                    f" AND schedule IN ({', '.join('?' for _ in chunk)}) AND event = 'received'",
                    (*communes, *chunk),
                ).fetchall()
            return rows

        rows = await self._run(select)
        return sorted((table.record_of(row) for row in rows), key=broadcast_order)

    async def _select(
        self, table: _Table[R], series: str, from_ms: int, to_ms: int, limit: int
    ) -> list[R]:
        if limit <= 0:
            return []  # SQLite reads a negative LIMIT as "no limit"
        rows = await self._run(
            lambda: self._connection.execute(
                table.select_sql, (series, from_ms, to_ms, limit)
            ).fetchall()
        )
        return [table.record_of(row) for row in rows]

    async def _run(self, function: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(function, *args))

    # -- bulk reads for the indicators --------------------------------------------------
    # One primary-key range scan per device (the keys lead with device_id), run in
    # batches so that the writer's transactions get the thread in between.

    async def transitions_of(
        self,
        device_ids: Collection[str],
        from_ms: int,
        to_ms: int,
        *,
        communes: Collection[str] = (),  # not needed: the keys lead with device_id
    ) -> dict[str, list[TransitionRecord]]:
        table = _TRANSITION
        query = (
            f'SELECT {", ".join(table.columns)} FROM "{table.name}"'
            " WHERE device_id = ? AND ts_ms >= ? AND ts_ms < ? ORDER BY ts_ms, commune, kind"
        )
        return await self._per_device(table, query, device_ids, (from_ms, to_ms), many=True)

    async def last_transitions_before(
        self, device_ids: Collection[str], ts_ms: int, *, communes: Collection[str] = ()
    ) -> dict[str, TransitionRecord]:
        table = _TRANSITION
        query = (
            f'SELECT {", ".join(table.columns)} FROM "{table.name}"'
            " WHERE device_id = ? AND ts_ms < ? ORDER BY ts_ms DESC, commune DESC, kind DESC"
            " LIMIT 1"
        )
        found = await self._per_device(table, query, device_ids, (ts_ms,), many=False)
        return {device_id: rows[0] for device_id, rows in found.items()}

    async def last_readings(
        self,
        device_ids: Collection[str],
        from_ms: int,
        to_ms: int,
        *,
        communes: Collection[str] = (),
    ) -> dict[str, DeviceReadingRecord]:
        table = _DEVICE_READING
        query = (
            f'SELECT {", ".join(table.columns)} FROM "{table.name}"'
            " WHERE device_id = ? AND ts_ms >= ? AND ts_ms < ?"
            " ORDER BY ts_ms DESC, agent_id DESC, commune DESC, kind DESC LIMIT 1"
        )
        found = await self._per_device(table, query, device_ids, (from_ms, to_ms), many=False)
        return {device_id: rows[0] for device_id, rows in found.items()}

    async def _per_device(
        self,
        table: _Table[R],
        query: str,
        device_ids: Collection[str],
        params: tuple[int, ...],
        *,
        many: bool,
    ) -> dict[str, list[R]]:
        ordered = sorted(set(device_ids))
        found: dict[str, list[R]] = {}

        def read(batch: list[str]) -> None:
            for device_id in batch:
                cursor = self._connection.execute(query, (device_id, *params))
                rows = cursor.fetchall() if many else cursor.fetchmany(1)
                if rows:
                    found[device_id] = [table.record_of(row) for row in rows]

        for start in range(0, len(ordered), _BULK_BATCH):
            await self._run(read, ordered[start : start + _BULK_BATCH])
        return found


# Devices per trip to the SQLite thread in the bulk reads (about 10 ms of work each).
_BULK_BATCH = 500


def _connect(path: str) -> sqlite3.Connection:
    # isolation_level=None: no implicit transactions; _write issues BEGIN/COMMIT itself.
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode = WAL")  # ":memory:" stays "memory"
        connection.execute("PRAGMA synchronous = NORMAL")
        connection.execute("PRAGMA busy_timeout = 5000")
        try:
            connection.execute("SELECT json_patch('{}', '{}')")
        except sqlite3.OperationalError as exc:
            raise RuntimeError(
                f"this SQLite ({sqlite3.sqlite_version}) lacks the JSON functions xaso needs"
            ) from exc
        _migrate(connection, path)
    except BaseException:
        connection.close()
        raise
    return connection


def _migrate(connection: sqlite3.Connection, path: str) -> None:
    (version,) = connection.execute("PRAGMA user_version").fetchone()
    if version > SCHEMA_VERSION:
        raise RuntimeError(
            f"{path} has store schema version {version}, newer than this xaso "
            f"understands ({SCHEMA_VERSION}); upgrade xaso or use another file"
        )
    for number in range(version, SCHEMA_VERSION):
        # executescript commits first, so run each step as its own explicit script;
        # PRAGMA user_version is transactional, so a failed step leaves the old version.
        script = MIGRATIONS[number]
        try:
            connection.executescript(
                f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number + 1};\nCOMMIT;"
            )
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
    _add_new_fields(connection)


_SQL_TYPE = {bool: "INTEGER", int: "INTEGER", float: "REAL", str: "TEXT"}


def _add_new_fields(connection: sqlite3.Connection) -> None:
    """A field a record gained since its table was made becomes a column, without a
    migration of its own: NULL in the rows before it when it is optional, its default
    when it has one. A new field with neither cannot be filled in for the rows already
    there; that one needs a migration, and says so."""
    for table in _TABLE_OF.values():
        present = {row[1] for row in connection.execute(f'PRAGMA table_info("{table.name}")')}
        for column in SHAPES[table.record].columns:
            if column.name in present:
                continue
            connection.execute(f'ALTER TABLE "{table.name}" {_column_sql(column)}')


def _column_sql(column: Column) -> str:
    sql = f"ADD COLUMN {column.name} {_SQL_TYPE[column.kind]}"
    if column.optional:
        return sql
    if not column.given_default:
        raise RuntimeError(
            f"the store cannot add the required field {column.name!r} to existing rows: "
            "give it a default (or None) in server/records.py, or write a migration"
        )
    default = column.default
    literal = (
        "'" + default.replace("'", "''") + "'"
        if isinstance(default, str)
        else repr(int(default))
        if isinstance(default, bool)
        else repr(default)
    )
    return f"{sql} NOT NULL DEFAULT {literal}"
