"""InfluxDB backend over the v1 HTTP API (``/write``, ``/query``, ``/ping``).

Only the v1 endpoints are used because they are the common ground of InfluxDB 1.x,
2.x (through DBRP mappings) and 3 Core; InfluxQL over ``/query`` is the read path that
works on all three (docs/storage.md).

Series design, which decides what counts as a duplicate: InfluxDB keeps one point per
(measurement, tag set, timestamp) and merges the fields of a later write into it. The
tags are the identities a record is looked up by; everything else is a field:

=================  ==============================  ======================================
measurement        tags                            fields
=================  ==============================  ======================================
agent_health       agent_id, commune               seq, session (int), historical (bool),
                                                   uptime_s, load1, ... (float)
device_reading     device_id, agent_id, commune,   seq (int), reachable, historical
                   kind                            (bool), rtt_ms (float), error (str)
transition         device_id, commune, kind        status, previous, cause (str)
broadcast_event    agent_id, cluster, commune,     every other field of the event
                   event                           (schedule, seq, ts_ms, ...)
=================  ==============================  ======================================

``status`` is a field, not a tag: a transition is identified by the device and the
moment, so a redelivered transition replaces the stored one instead of adding a second
point. The SQLite backend uses the same keys.

A broadcast event's point time is its occurrence (its own time for ``received``), so
that reading a period's playout is a time-range query, plus its ``seq`` modulo 10**6 as
nanoseconds: two events of one cluster in the same millisecond (``received`` for every
schedule of a new set) stay two points, and a replayed event overwrites itself. These
points are written with ``precision=ns``; the event's own time is the field ``ts_ms``.

A record's ``detail`` entries are more fields of the same point, each key prefixed with
``d.`` (``camera.stream_ok`` is the field ``d.camera.stream_ok``; InfluxQL wants it
double-quoted: ``SELECT "d.camera.stream_ok" FROM device_reading``). Core field and tag
names never contain a dot, so the reader takes every ``d.``-column, and only those, as
detail. Detail numbers are always written as floats, bools as bools, strings as strings.
"""

from __future__ import annotations

import asyncio
import functools
import gzip
import json
import logging
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

import aiohttp
from yarl import URL

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
from xaso.server.store.base import StoreUnavailable, WriteResult
from xaso.server.store.line_protocol import DETAIL_PREFIX, line_of
from xaso.server.store.schema import DETAIL, SHAPES, TIME

log = logging.getLogger(__name__)

# 5,000-line batches measured best on our hardware (docs/storage.md#write-batches); the
# byte cap keeps a batch of long error strings under influxd's 25 MB default
# max-body-size.
MAX_LINES_PER_WRITE = 5000
MAX_BYTES_PER_WRITE = 4 * 1024 * 1024
MAX_DETAIL_CHARS = 2000
# Line protocol is repetitive: level 1 takes ~4/5 off at a few ms per 5,000-line batch;
# higher levels cost several times the CPU for a few per cent more.
GZIP_LEVEL = 1
_GZIPPED = {"Content-Encoding": "gzip"}

# InfluxDB stores nanoseconds in an int64; larger query bounds would overflow InfluxQL.
_MAX_TS_MS = 9_223_372_036_853
_MIN_TS_MS = -9_223_372_036_853

# 1.x and 2.x end a partial-write message with "dropped=N" (1.x tsdb.PartialWriteError).
_DROPPED = re.compile(r"dropped=(\d+)")

# Statuses that say nothing about the records themselves, only about the server or our
# access to it: the same write can succeed later, so the caller must not acknowledge.
_RETRYABLE_4XX = frozenset({401, 403, 404, 408, 429})


class InfluxStore:
    """A ``Store`` backed by InfluxDB 1.x, 2.x or 3 Core through the v1 HTTP API."""

    name = "influxdb"

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: URL,
        database: str,
        *,
        create_database: bool,
    ) -> None:
        """Use :meth:`open`; the session must already carry the credentials."""
        self._session = session
        self._base_url = base_url
        self._database = database
        self._create_database = create_database
        # Writes go gzipped (1.x, 2.x and 3.x all take Content-Encoding: gzip on /write);
        # a server that refuses it is written to plainly from then on.
        self._gzip = True

    @classmethod
    async def open(
        cls,
        url: str,
        database: str,
        *,
        username: str | None = None,
        password: str | None = None,
        token: str | None = None,
        create_database: bool = True,
        timeout_s: float = 10.0,
    ) -> InfluxStore:
        """Connect to ``url`` (e.g. ``http://127.0.0.1:8086``) and use ``database``.

        v1 credentials go in basic auth (1.x accepts it like ``u``/``p`` and it keeps the
        password out of URLs and logs); a 2.x/3.x token goes in ``Authorization: Token``.
        An unreachable server is not an error here: the server starts, ``ping()`` says
        False, and writes raise ``StoreUnavailable`` until InfluxDB is back.
        """
        headers = {"Authorization": f"Token {token}"} if token else {}
        auth = aiohttp.BasicAuth(username, password or "") if username else None
        session = aiohttp.ClientSession(
            headers=headers,
            auth=auth,
            timeout=aiohttp.ClientTimeout(total=timeout_s),
            raise_for_status=False,
        )
        store = cls(session, URL(url), database, create_database=create_database)
        if create_database:
            try:
                await store._ensure_database()
            except StoreUnavailable as exc:
                log.warning("InfluxDB at %s not reachable yet: %s", url, exc)
            except BaseException:
                await session.close()
                raise
        return store

    async def close(self) -> None:
        await self._session.close()

    async def ping(self) -> bool:
        try:
            status, _ = await self._request("GET", "/ping")
        except StoreUnavailable:
            return False
        return 200 <= status < 300

    # -- writes ---------------------------------------------------------------------

    async def write(self, records: Sequence[Record]) -> WriteResult:
        lines: list[str] = []
        ns_lines: list[str] = []  # broadcast events: their time has nanoseconds
        rejected = 0
        details: list[str] = []
        for record in records:
            problem = _unrepresentable(record)
            if problem:
                rejected += 1
                details.append(problem)
            elif isinstance(record, BroadcastEventRecord):
                ns_lines.append(line_of(record))
            else:
                lines.append(line_of(record))

        written = 0
        for precision, group in (("ms", lines), ("ns", ns_lines)):
            for chunk in _chunks(group):
                result = await self._write_chunk(chunk, precision=precision)
                written += result.written
                rejected += result.rejected
                if result.detail:
                    details.append(result.detail)

        detail = "; ".join(details)[:MAX_DETAIL_CHARS]
        if rejected:
            log.warning("InfluxDB rejected %d of %d records: %s", rejected, len(records), detail)
        return WriteResult(written=written, rejected=rejected, detail=detail)

    async def _write_chunk(
        self, lines: list[str], *, precision: str = "ms", retried: bool = False
    ) -> WriteResult:
        body = "\n".join(lines).encode("utf-8")
        params = {"db": self._database, "precision": precision}
        if self._gzip:
            # zlib lets go of the GIL, so compressing in a thread uses the other core
            # while the loop goes on (level 1: ~5x smaller, a few ms a batch).
            packed = await asyncio.to_thread(gzip.compress, body, GZIP_LEVEL)
            status, text = await self._request(
                "POST", "/write", params=params, data=packed, headers=_GZIPPED
            )
            if status == 415:
                log.warning("InfluxDB does not take gzipped writes; writing them plainly")
                self._gzip = False
                return await self._write_chunk(lines, precision=precision, retried=retried)
        else:
            status, text = await self._request("POST", "/write", params=params, data=body)
        if 200 <= status < 300:
            return WriteResult(written=len(lines))
        message = _error_message(text)
        if (
            status == 404
            and "database not found" in message
            and self._create_database
            and not retried
        ):
            # Dropped or never created (InfluxDB was down when we opened): create, retry.
            await self._ensure_database()
            return await self._write_chunk(lines, precision=precision, retried=True)
        if "partial write" in message:
            # Some points were written and the rest will never be: retrying the batch
            # would fail the same way forever (Telegraf #8571, #11005). Report, move on.
            dropped = _dropped_count(text, message, len(lines))
            return WriteResult(written=len(lines) - dropped, rejected=dropped, detail=message)
        if status in _RETRYABLE_4XX:
            raise StoreUnavailable(f"InfluxDB write failed with HTTP {status}: {message}")
        # Any other 4xx refuses the batch itself (e.g. a line influxd cannot parse). 1.x
        # may still have written the lines before the bad one, so this may over-count:
        # better to report a loss that did not happen than to hide one that did.
        return WriteResult(written=0, rejected=len(lines), detail=f"HTTP {status}: {message}")

    async def _ensure_database(self) -> None:
        query = f"CREATE DATABASE {_quote_identifier(self._database)}"
        status, text = await self._request("POST", "/query", data={"q": query})
        error = _error_message(text) if status >= 300 else _result_error(text)
        if error:
            # 2.x/3.x do not support CREATE DATABASE over v1, and a 1.x user may lack the
            # admin right; the database may well exist, so go on and let writes tell.
            log.info(
                "InfluxDB CREATE DATABASE %s failed (HTTP %d): %s",
                self._database,
                status,
                error,
            )

    # -- reads ----------------------------------------------------------------------

    async def agent_health(
        self, agent_id: str, from_ms: int, to_ms: int, limit: int = 10_000
    ) -> list[AgentHealthRecord]:
        rows = await self._select("agent_health", "agent_id", agent_id, from_ms, to_ms, limit)
        return [_record_of(AgentHealthRecord, row) for row in rows]

    async def device_readings(
        self, device_id: str, from_ms: int, to_ms: int, limit: int = 10_000
    ) -> list[DeviceReadingRecord]:
        rows = await self._select("device_reading", "device_id", device_id, from_ms, to_ms, limit)
        return [_record_of(DeviceReadingRecord, row) for row in rows]

    async def transitions(
        self, device_id: str, from_ms: int, to_ms: int, limit: int = 10_000
    ) -> list[TransitionRecord]:
        rows = await self._select("transition", "device_id", device_id, from_ms, to_ms, limit)
        return [_transition_of(row) for row in rows]

    async def last_transition_before(self, device_id: str, ts_ms: int) -> TransitionRecord | None:
        rows = await self._select(
            "transition", "device_id", device_id, _MIN_TS_MS, ts_ms, 1, newest_first=True
        )
        return _transition_of(rows[0]) if rows else None

    async def latest_transitions(self) -> list[TransitionRecord]:
        # LIMIT applies per series in InfluxQL: the newest point of every device.
        rows = await self._query(
            'SELECT * FROM "transition" WHERE "cause" !~ /^backfill:/'
            ' GROUP BY "device_id" ORDER BY time DESC LIMIT 1'
        )
        return [_transition_of(row) for row in rows]

    async def broadcast_events(
        self,
        communes: Sequence[str],
        from_ms: int,
        to_ms: int,
        schedules: Collection[str] = (),
    ) -> list[BroadcastEventRecord]:
        from_ms, to_ms = max(from_ms, _MIN_TS_MS), min(to_ms, _MAX_TS_MS)
        if not communes or from_ms >= to_ms:
            return []
        # One query per commune, a few in flight, each answered in chunks: a province's
        # quarter is half a million events, which one answer would neither fit in the
        # request timeout nor in the server's row limit.
        slots = asyncio.Semaphore(_BULK_CONCURRENCY)

        async def of_commune(commune: str) -> list[BroadcastEventRecord]:
            where = f'"commune" = {_quote_string(commune)}'
            async with slots:
                # The point time is the occurrence (see the module docstring): a range.
                rows = await self._post_query(
                    f'SELECT * FROM "broadcast_event" WHERE {where}'
                    f" AND \"event\" != 'received' AND time >= {from_ms}ms AND time < {to_ms}ms"
                )
                found = [r for r in map(_broadcast_of, rows) if from_ms <= r.occurrence_ms < to_ms]
                wanted = {r.schedule for r in found} | set(schedules)
                # Every "received" of the commune, filtered here: a tag-only query
                # (commune, event), where a list of schedule ids (a field) would make
                # influxd scan every point. A gateway sends one per schedule revision
                # and cluster, so they stay few.
                rows = await self._post_query(
                    f'SELECT * FROM "broadcast_event" WHERE {where} AND "event" = \'received\''
                )
                found += (r for r in map(_broadcast_of, rows) if r.schedule in wanted)
                return found

        results = await asyncio.gather(*(of_commune(c) for c in sorted(set(communes))))
        found = [record for records in results for record in records]
        return sorted(found, key=broadcast_order)

    async def _select(
        self,
        measurement: str,
        tag: str,
        value: str,
        from_ms: int,
        to_ms: int,
        limit: int,
        *,
        newest_first: bool = False,
    ) -> list[dict[str, Any]]:
        from_ms, to_ms = max(from_ms, _MIN_TS_MS), min(to_ms, _MAX_TS_MS)
        if limit <= 0 or from_ms >= to_ms:
            return []  # InfluxQL reads LIMIT 0 as "no limit"
        query = (
            f"SELECT * FROM {_quote_identifier(measurement)}"
            f" WHERE {_quote_identifier(tag)} = {_quote_string(value)}"
            f" AND time >= {from_ms}ms AND time < {to_ms}ms"
            f" ORDER BY time {'DESC' if newest_first else 'ASC'} LIMIT {limit}"
        )
        return await self._query(query)

    async def _query(self, query: str) -> list[dict[str, Any]]:
        """Rows of an InfluxQL query; with GROUP BY, each series' tags are in its rows."""
        params = {"db": self._database, "q": query, "epoch": "ms"}
        status, text = await self._request("GET", "/query", params=params)
        error = _error_message(text) if status >= 300 else _result_error(text)
        if error:
            raise StoreUnavailable(f"InfluxDB query failed (HTTP {status}): {error}")
        rows: list[dict[str, Any]] = []
        for result in json.loads(text).get("results", []):
            for series in result.get("series", []):
                columns, tags = series["columns"], series.get("tags", {})
                rows.extend(
                    {**tags, **dict(zip(columns, values, strict=True))}
                    for values in series["values"]
                )
        return rows

    # -- transport ------------------------------------------------------------------

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        data: bytes | dict[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[int, str]:
        """Send one request; a server or network failure becomes ``StoreUnavailable``."""
        try:
            async with self._session.request(
                method, self._base_url.with_path(path), params=params, data=data, headers=headers
            ) as response:
                text = await response.text(encoding="utf-8", errors="replace")
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise StoreUnavailable(f"InfluxDB {method} {path}: {exc!r}") from exc
        if response.status >= 500:
            raise StoreUnavailable(
                f"InfluxDB {method} {path} failed with HTTP {response.status}: "
                f"{_error_message(text)}"
            )
        return response.status, text

    # -- bulk reads for the indicators ----------------------------------------------
    # Measured on a 2-core machine with a province (15,000 devices, 90 days): a query
    # per commune on the "commune" tag reads every device's month in about 1 s, while
    # OR-lists of device ids cost influxd time in proportion to series × ids (5–10 s).
    # So with the communes hint each commune is read whole and the rows are kept for
    # the devices asked; without it, short OR-lists. GROUP BY "device_id" merges a
    # device's series (a merger changes its commune tag); LIMIT applies per group.

    async def transitions_of(
        self,
        device_ids: Collection[str],
        from_ms: int,
        to_ms: int,
        *,
        communes: Collection[str] = (),
    ) -> dict[str, list[TransitionRecord]]:
        from_ms, to_ms = max(from_ms, _MIN_TS_MS), min(to_ms, _MAX_TS_MS)
        if from_ms >= to_ms:
            return {}
        rows = await self._bulk(
            device_ids,
            communes,
            lambda where: (
                f'SELECT {_TRANSITION_COLUMNS} FROM "transition" WHERE {where}'
                f' AND time >= {from_ms}ms AND time < {to_ms}ms GROUP BY "device_id"'
            ),
        )
        found: dict[str, list[TransitionRecord]] = {}
        for row in rows:
            record = _transition_of(row)
            found.setdefault(record.device_id, []).append(record)
        for records in found.values():
            # One device's rows may come from two communes' queries (a merger).
            records.sort(key=lambda r: (r.ts_ms, r.commune, r.kind))
        return found

    async def last_transitions_before(
        self, device_ids: Collection[str], ts_ms: int, *, communes: Collection[str] = ()
    ) -> dict[str, TransitionRecord]:
        ts_ms = min(ts_ms, _MAX_TS_MS)
        rows = await self._bulk(
            device_ids,
            communes,
            lambda where: (
                f'SELECT {_TRANSITION_COLUMNS} FROM "transition" WHERE {where}'
                f" AND time >= {_MIN_TS_MS}ms AND time < {ts_ms}ms"
                f" GROUP BY {_TRANSITION_SERIES} ORDER BY time DESC LIMIT 1"
            ),
        )
        return _newest(map(_transition_of, rows), lambda r: (r.ts_ms, r.commune, r.kind))

    async def last_readings(
        self,
        device_ids: Collection[str],
        from_ms: int,
        to_ms: int,
        *,
        communes: Collection[str] = (),
    ) -> dict[str, DeviceReadingRecord]:
        from_ms, to_ms = max(from_ms, _MIN_TS_MS), min(to_ms, _MAX_TS_MS)
        if from_ms >= to_ms:
            return {}
        rows = await self._bulk(
            device_ids,
            communes,
            lambda where: (
                f'SELECT * FROM "device_reading" WHERE {where}'
                f" AND time >= {from_ms}ms AND time < {to_ms}ms"
                f" GROUP BY {_READING_SERIES} ORDER BY time DESC LIMIT 1"
            ),
        )
        readings = (_record_of(DeviceReadingRecord, row) for row in rows)
        return _newest(readings, lambda r: (r.ts_ms, r.agent_id, r.commune, r.kind))

    async def _bulk(
        self,
        device_ids: Collection[str],
        communes: Collection[str],
        query_for: Callable[[str], str],
    ) -> list[dict[str, Any]]:
        """The rows of the devices asked for: a query per commune of the hint, else per
        short list of ids; a few queries in flight."""
        wanted = set(device_ids)
        if not wanted:
            return []
        if communes:
            wheres = [f'"commune" = {_quote_string(code)}' for code in sorted(set(communes))]
        else:
            ordered = sorted(wanted)
            wheres = [
                _any_of("device_id", ordered[start : start + _BULK_IDS])
                for start in range(0, len(ordered), _BULK_IDS)
            ]
        slots = asyncio.Semaphore(_BULK_CONCURRENCY)

        async def one(where: str) -> list[dict[str, Any]]:
            async with slots:
                return await self._post_query(query_for(where))

        results = await asyncio.gather(*(one(where) for where in wheres))
        return [row for rows in results for row in rows if row.get("device_id") in wanted]

    async def _post_query(self, query: str) -> list[dict[str, Any]]:
        """Like ``_query``, but sent in the body (an id list is too long for a URL) and
        answered in chunks, so that no series is cut at the server's row limit."""
        params = {"db": self._database, "epoch": "ms", "chunked": "true", "chunk_size": "20000"}
        status, text = await self._request("POST", "/query", params=params, data={"q": query})
        if status >= 300:
            message = _error_message(text)
            raise StoreUnavailable(f"InfluxDB query failed (HTTP {status}): {message}")
        rows: list[dict[str, Any]] = []
        # One JSON object per line, each a chunk; a series longer than a chunk goes on
        # in the next one with the same tags.
        for line in text.splitlines():
            if not line.strip():
                continue
            for result in json.loads(line).get("results", []):
                if "error" in result:
                    raise StoreUnavailable(f"InfluxDB query failed: {result['error']}")
                for series in result.get("series", []):
                    columns, tags = series["columns"], series.get("tags", {})
                    rows.extend(
                        {**tags, **dict(zip(columns, values, strict=True))}
                        for values in series["values"]
                    )
        return rows


# Bulk reads: ids per OR-list (above ~250 the list costs influxd more than the rows), and
# queries in flight (influxd shares our two cores; 4 measured best).
_BULK_IDS = 250
_BULK_CONCURRENCY = 4
_TRANSITION_COLUMNS = '"status", "previous", "cause", "commune", "kind"'
# "The newest" per series (every tag), not per device: grouped by device_id alone,
# InfluxDB picks any one of two points of a device at the same time under two communes'
# tags, so the answer would depend on the communes hint and differ from SQLite's; per
# series, ``_newest`` breaks the tie by the same key as SQLite's ORDER BY.
_TRANSITION_SERIES = '"device_id", "commune", "kind"'
_READING_SERIES = '"device_id", "agent_id", "commune", "kind"'
_Bulk = TypeVar("_Bulk", TransitionRecord, DeviceReadingRecord)


def _newest(records: Iterable[_Bulk], key: Callable[[_Bulk], Any]) -> dict[str, _Bulk]:
    """Per device, the record with the greatest ``key`` (a device may have rows from two
    communes' queries when it moved in a merger)."""
    found: dict[str, _Bulk] = {}
    for record in records:
        best = found.get(record.device_id)
        if best is None or key(record) > key(best):
            found[record.device_id] = record
    return found


# -- records to line protocol (server/store/line_protocol.py writes the lines) -------


def _tags(record: Record) -> tuple[str, ...]:
    if isinstance(record, DeviceReadingRecord):
        return (record.device_id, record.agent_id, record.commune, record.kind)
    if isinstance(record, AgentHealthRecord):
        return (record.agent_id, record.commune)
    if isinstance(record, BroadcastEventRecord):
        return (record.agent_id, record.cluster, record.commune, record.event)
    return (record.device_id, record.commune, record.kind)


def _unrepresentable(record: Record) -> str:
    """Why line protocol cannot carry this record's tags faithfully, or "".

    A tag value cannot end in a backslash (influxd reads it as an escape) and cannot hold
    a newline, tab or carriage return (they arrive as the two characters ``\\n``...).
    Storing a different id would file the record under another device, so refuse it.
    """
    return _tag_problem(_tags(record))


@functools.lru_cache(maxsize=32_768)
def _tag_problem(tags: tuple[str, ...]) -> str:
    # Cached by tag set: a province's heartbeats repeat some 15,000 series, and checking
    # each record's tags character by character was an eighth of the store's encoding.
    for value in tags:
        if value.endswith("\\") or any(c in value for c in "\n\r\t"):
            return f"tag value {value!r} cannot be stored in InfluxDB"
    return ""


def _chunks(lines: list[str]) -> Iterator[list[str]]:
    chunk: list[str] = []
    size = 0
    for line in lines:
        line_size = len(line.encode("utf-8")) + 1
        if chunk and (len(chunk) >= MAX_LINES_PER_WRITE or size + line_size > MAX_BYTES_PER_WRITE):
            yield chunk
            chunk, size = [], 0
        chunk.append(line)
        size += line_size
    if chunk:
        yield chunk


# -- InfluxDB responses -------------------------------------------------------------


def _error_message(text: str) -> str:
    """The ``error`` of a v1 JSON error body, else the body itself."""
    try:
        body = json.loads(text)
    except ValueError:
        return text.strip()
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return str(body["error"])
    if isinstance(body, dict) and isinstance(body.get("message"), str):  # 2.x style
        return str(body["message"])
    return text.strip()


def _result_error(text: str) -> str:
    """The first statement error of a 200 ``/query`` answer (e.g. database not found)."""
    try:
        body = json.loads(text)
    except ValueError:
        return f"unreadable answer: {text[:200]!r}"
    for result in body.get("results", []):
        if "error" in result:
            return str(result["error"])
    return ""


def _dropped_count(text: str, message: str, lines: int) -> int:
    """How many points a partial write lost, as exactly as the server says."""
    counts = [int(n) for n in _DROPPED.findall(message)]
    # 1.x names each line it could not parse and counts only the points it dropped
    # (outside the retention): "partial write: unable to parse '…': … dropped=0".
    unparsed = message.count("unable to parse")
    if counts or unparsed:
        return min(sum(counts) + unparsed, lines)
    # InfluxDB 3 lists each refused line under "data".
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("data"), list) and body["data"]:
        return min(len(body["data"]), lines)
    return lines  # unknown: assume the worst rather than hide a loss


# -- InfluxQL -----------------------------------------------------------------------


def _quote_string(value: str) -> str:
    """An InfluxQL string literal: backslash and single quote escaped."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _quote_identifier(name: str) -> str:
    """An InfluxQL double-quoted identifier."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _any_of(key: str, values: Sequence[str]) -> str:
    """``("key" = 'a' OR "key" = 'b')``: a tag or field equal to one of ``values``."""
    name = _quote_identifier(key)
    return "(" + " OR ".join(f"{name} = {_quote_string(v)}" for v in values) + ")"


# -- rows to records ----------------------------------------------------------------


def _detail(row: dict[str, Any]) -> dict[str, DetailValue]:
    # JSON prints a float field holding 5.0 as 5; clean_detail makes it a float again.
    return clean_detail(
        {
            key.removeprefix(DETAIL_PREFIX): value
            for key, value in row.items()
            if key.startswith(DETAIL_PREFIX) and value is not None
        }
    )


_R = TypeVar("_R", AgentHealthRecord, DeviceReadingRecord, TransitionRecord, BroadcastEventRecord)


def _record_of(record_type: type[_R], row: dict[str, Any]) -> _R:
    """A record from a row of ``SELECT *``: each column as its shape says (a tag or a
    field InfluxDB did not keep reads back as the field's default), positionally."""
    shape = SHAPES[record_type]
    point_time = record_type is not BroadcastEventRecord
    values: list[Any] = []
    for name in shape.order:
        if name == DETAIL:
            values.append(_detail(row))
            continue
        column = shape.column[name]
        raw = row.get("time") if name == TIME and point_time else row.get(name)
        values.append(column.default if raw is None else column.kind(raw))
    return record_type(*values)


def _transition_of(row: dict[str, Any]) -> TransitionRecord:
    return _record_of(TransitionRecord, row)


def _broadcast_of(row: dict[str, Any]) -> BroadcastEventRecord:
    row["event_id"] = f"{row.get('agent_id') or ''}-{int(row.get('seq') or 0)}"
    return _record_of(BroadcastEventRecord, row)
