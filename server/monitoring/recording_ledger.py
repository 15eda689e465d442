"""What the recorders said of each camera, kept per camera and local day in the
server's own SQLite file (``recording_day``): the newest word on every stretch.

The agent asks a camera's recorder every ~15 minutes about the trailing ~24 hours
(``agent/collectors/recording.py``), so reports overlap. A report paints its window:
recorded, except its gaps. Where reports overlap, the one made last (the reading's
time) wins, whatever order they arrive in (a replayed old heartbeat never undoes a
newer answer): each stored piece keeps the time of the report it came from. A window
the recorder answered with no gaps is proof of recording for that window; a time no
report covers is unknown.

One row per camera and day, so "hours recorded per day" and "gaps listed" are one
small read for a device page or a commune's indicators, for any past day. The ledger
is filled from stored readings (``apply_records``: the ingest path calls it once a
batch is in the store, by the web tier or an ingest worker, each with its own
connection to the same file). It answers which closed days of which camera changed, so
what was computed from them (kept indicator evaluations) can be dropped exactly.
"""

from __future__ import annotations

import datetime as dt
import itertools
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Final, NamedTuple
from zoneinfo import ZoneInfo

import msgspec

from xaso.server.database import transaction
from xaso.server.monitoring import recording_detail as keys
from xaso.server.records import DeviceReadingRecord

__all__ = ["DayRecording", "RecordingLedger", "Report"]

TABLE: Final = "recording_day"
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    device_id TEXT    NOT NULL,
    day_ms    INTEGER NOT NULL,  -- the local day's start
    pieces    BLOB    NOT NULL,  -- [[from_ms, to_ms, recorded, report_ms], ...] in order
    PRIMARY KEY (device_id, day_ms)
) WITHOUT ROWID;
"""

# A report reaches at most this far back from when it was made, and no further ahead
# than a little clock drift: a hostile or broken window (from 1970 to 2262) would
# otherwise have the ledger paint a row per day of it.
MAX_REACH_MS: Final = 8 * 86_400_000
MAX_AHEAD_MS: Final = 3_600_000

Piece = tuple[int, int, bool, int]  # from, to, recorded, when the report was made
_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(list[tuple[int, int, bool, int]])


class Report(NamedTuple):
    device_id: str
    made_ms: int  # the reading's time: later reports win
    from_ms: int
    to_ms: int
    gaps: Sequence[tuple[int, int]]


class DayRecording(NamedTuple):
    """One camera's local day as the recorders told it."""

    day_ms: int
    recorded_ms: int  # time said recorded
    known_ms: int  # time some report covered
    gaps: list[tuple[int, int]]  # merged, in order
    covered: Sequence[tuple[int, int]] = ()  # what some report covered, merged, in order

    @property
    def gap_ms(self) -> int:
        return self.known_ms - self.recorded_ms


def report_of(record: DeviceReadingRecord) -> Report | None:
    """The recorder's report a stored reading carries, if any."""
    detail = record.detail
    start, end = detail.get(keys.FROM), detail.get(keys.TO)
    if not isinstance(start, float) or not isinstance(end, float) or end <= start:
        return None
    text = detail.get(keys.GAPS)
    gaps = keys.parse_gaps(text) if isinstance(text, str) else []
    end = min(end, record.ts_ms + MAX_AHEAD_MS)
    start = max(start, end - MAX_REACH_MS)
    if end <= start:
        return None
    return Report(record.device_id, record.ts_ms, int(start), int(end), gaps)


def paint(pieces: Sequence[Piece], report: Report, day: tuple[int, int]) -> list[Piece]:
    """``pieces`` (one day's, disjoint, in order) with ``report`` painted over the part
    of its window within ``day``, wherever it is newer than what is there."""
    start, end = max(report.from_ms, day[0]), min(report.to_ms, day[1])
    if end <= start:
        return list(pieces)
    new: list[Piece] = []
    cursor = start
    for gap_from, gap_to in sorted(report.gaps):
        gap_from, gap_to = max(gap_from, start), min(gap_to, end)
        if gap_to <= gap_from or gap_from < cursor:
            continue
        if gap_from > cursor:
            new.append((cursor, gap_from, True, report.made_ms))
        new.append((gap_from, gap_to, False, report.made_ms))
        cursor = gap_to
    if cursor < end:
        new.append((cursor, end, True, report.made_ms))
    bounds = sorted({p[0] for p in (*pieces, *new)} | {p[1] for p in (*pieces, *new)})
    merged: list[Piece] = []
    for a, b in itertools.pairwise(bounds):
        covering = [p for p in (*pieces, *new) if p[0] <= a and b <= p[1]]
        if not covering:
            continue
        best = max(covering, key=lambda p: p[3])  # a tie: the same report again
        piece = (a, b, best[2], best[3])
        if merged and merged[-1][1] == a and merged[-1][2:] == piece[2:]:
            merged[-1] = (merged[-1][0], b, piece[2], piece[3])
        else:
            merged.append(piece)
    return merged


def summed(day_ms: int, pieces: Sequence[Piece]) -> DayRecording:
    recorded = sum(b - a for a, b, ok, _ in pieces if ok)
    known = sum(b - a for a, b, _, _ in pieces)
    return DayRecording(
        day_ms,
        recorded,
        known,
        _runs((a, b) for a, b, ok, _ in pieces if not ok),
        _runs((a, b) for a, b, _, _ in pieces),
    )


def _runs(stretches: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Ordered, disjoint stretches with those that touch joined."""
    found: list[tuple[int, int]] = []
    for a, b in stretches:
        if found and found[-1][1] == a:
            found[-1] = (found[-1][0], b)
        else:
            found.append((a, b))
    return found


class RecordingLedger:
    def __init__(self, db: sqlite3.Connection, timezone: str) -> None:
        self._db = db
        self.tz = ZoneInfo(timezone)
        db.executescript(_SCHEMA)

    def day_start(self, ts_ms: int) -> int:
        day = dt.datetime.fromtimestamp(ts_ms / 1000, self.tz).date()
        return self._start_of(day)

    def _start_of(self, day: dt.date) -> int:
        return int(dt.datetime.combine(day, dt.time(), self.tz).timestamp() * 1000)

    def _days(self, from_ms: int, to_ms: int) -> list[tuple[int, int]]:
        """The local days [start, end) that ``[from_ms, to_ms)`` touches."""
        found: list[tuple[int, int]] = []
        day = dt.datetime.fromtimestamp(from_ms / 1000, self.tz).date()
        while True:
            start = self._start_of(day)
            if start >= to_ms:
                return found
            day += dt.timedelta(days=1)
            found.append((start, self._start_of(day)))

    def apply_records(self, records: Iterable[object]) -> set[tuple[str, int]]:
        """Paint the reports stored readings carry; the (camera, day start) whose
        recorded time or gaps changed."""
        reports = [
            r
            for record in records
            if isinstance(record, DeviceReadingRecord) and (r := report_of(record)) is not None
        ]
        return self.apply(reports) if reports else set()

    def apply(self, reports: Sequence[Report]) -> set[tuple[str, int]]:
        changed: set[tuple[str, int]] = set()
        with transaction(self._db):
            for report in reports:
                for day in self._days(report.from_ms, report.to_ms):
                    key = (report.device_id, day[0])
                    row = self._db.execute(
                        f"SELECT pieces FROM {TABLE} WHERE device_id = ? AND day_ms = ?", key
                    ).fetchone()
                    before = _decoder.decode(row[0]) if row else []
                    after = paint(before, report, day)
                    if after == before:
                        continue
                    self._db.execute(
                        f"INSERT OR REPLACE INTO {TABLE} (device_id, day_ms, pieces)"
                        " VALUES (?, ?, ?)",
                        (*key, _encoder.encode(after)),
                    )
                    if summed(day[0], before)[1:4] != summed(day[0], after)[1:4]:
                        changed.add(key)
        return changed

    def days(
        self, device_ids: Sequence[str], from_ms: int, to_ms: int
    ) -> dict[str, list[DayRecording]]:
        """Per camera, its days starting in ``[from_ms, to_ms)`` that some report
        covered, in order; cameras with none are left out."""
        found: dict[str, list[DayRecording]] = {}
        if not device_ids:
            return found
        marks = ",".join("?" * len(device_ids))
        rows = self._db.execute(
            f"SELECT device_id, day_ms, pieces FROM {TABLE}"
            f" WHERE device_id IN ({marks}) AND day_ms >= ? AND day_ms < ?"
            " ORDER BY device_id, day_ms",
            (*device_ids, from_ms, to_ms),
        ).fetchall()
        for device_id, day_ms, pieces in rows:
            found.setdefault(device_id, []).append(summed(day_ms, _decoder.decode(pieces)))
        return found
