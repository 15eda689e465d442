"""A plausible past for a fleet: outages, power cuts, maintenance, heartbeats and
broadcast logs, written into a store as the server would have written them.

``xaso demo`` seeds a year of it so that a newcomer's first look at the indicators
shows verdicts and trends, not "không đủ dữ liệu" everywhere; ``bench/compliance.py``
writes a province's 90 days with it. Random but reproducible: the same seed gives the
same history.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from xaso.inventory import InventoryIndex
from xaso.server.broadcasts.radio_settings import RadioSettings
from xaso.server.broadcasts.radio_settings_table import RadioSettingsTable
from xaso.server.broadcasts.schedule import Content, Schedule, occurrences, target_clusters
from xaso.server.broadcasts.standing_relay import StandingRelay, relay_schedule
from xaso.server.database import FILE_NAME as DATABASE_FILE
from xaso.server.database import ServerDatabase
from xaso.server.demo.camera_troubles import Trouble, recorder_gaps, trouble_spans
from xaso.server.json_table import JsonTable
from xaso.server.monitoring.picture_state import picture_series
from xaso.server.monitoring.recording_ledger import RecordingLedger, Report
from xaso.server.records import (
    AgentHealthRecord,
    BroadcastEventRecord,
    DeviceReadingRecord,
    Record,
    TransitionRecord,
)
from xaso.server.store.base import Store

TZ_NAME = "Asia/Ho_Chi_Minh"
TZ = ZoneInfo(TZ_NAME)
DAY_MS = 86_400_000
HOUR_MS = 3_600_000

# What happens to devices, per day (a 90-day period sees a few of each per commune).
DEVICE_OUTAGE_PER_DAY = 0.04  # a device's own failure: ~3.6 in 90 days
LONG_OUTAGE_SHARE = 0.05  # of those, broken for days (a stolen cable, a dead amplifier)
POWER_CUT_PER_DAY = 0.03  # a commune loses grid power: gateway offline, devices unknown
TROUBLED_COMMUNES = 0.1  # share of communes with a chronically failing cluster or camera
READINGS_LOOKBACK_MS = 2 * HOUR_MS  # C1 looks at the last hour of the period
READING_INTERVAL_MS = 5 * 60_000


# -- outages, power cuts and maintenance ---------------------------------------------


def _intervals(
    rng: random.Random, start_ms: int, end_ms: int, per_day: float, median_ms: float
) -> list[tuple[int, int]]:
    """Poisson arrivals, log-normal durations."""
    found: list[tuple[int, int]] = []
    at = start_ms
    while True:
        at += int(rng.expovariate(per_day / DAY_MS))
        if at >= end_ms:
            return found
        length = int(rng.lognormvariate(0, 1.0) * median_ms)
        found.append((at, min(end_ms, at + max(60_000, length))))


def _monthly(start_ms: int, end_ms: int, day_of_month: int, hour: int) -> list[tuple[int, int]]:
    """A 2-hour maintenance window on the same local day of every month."""
    found: list[tuple[int, int]] = []
    first = dt.datetime.fromtimestamp(start_ms / 1000, TZ).replace(day=1)
    year, month = first.year, first.month
    while True:
        at = int(dt.datetime(year, month, day_of_month, hour, tzinfo=TZ).timestamp() * 1000)
        if at >= end_ms:
            return found
        if at >= start_ms:
            found.append((at, at + 2 * HOUR_MS))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


class History:
    """Every commune's power cuts and maintenance, and each device's own failures."""

    def __init__(self, index: InventoryIndex, start_ms: int, end_ms: int, seed: int) -> None:
        self.index, self.start_ms, self.end_ms = index, start_ms, end_ms
        self.seed = seed
        rng = random.Random(seed)
        self.power_cuts = {
            code: _intervals(rng, start_ms, end_ms, POWER_CUT_PER_DAY, 3 * HOUR_MS)
            for code in index.communes
        }
        self.maintenance = {
            code: _monthly(start_ms, end_ms, 1 + i % 27, 22)
            for i, code in enumerate(index.communes)
        }
        troubled = [code for code in index.communes if rng.random() < TROUBLED_COMMUNES]
        self.chronic = _chronic_devices(index, troubled)

    def spans(self, device_id: str) -> list[tuple[int, int, str, str]]:
        """(start, end, status, cause) of one device's time not online, in order."""
        entry = self.index.devices[device_id]
        rng = random.Random(f"{self.seed}:{device_id}")
        candidates: list[tuple[int, int, str, str]] = []
        for start, end in self.power_cuts[entry.commune]:
            if entry.kind == "gateway":
                candidates.append((start, end, "offline", "will"))
            else:
                candidates.append((start, end, "unknown", "gateway_offline"))
        for start, end in self.maintenance[entry.commune]:
            candidates.append((start, end, "maintenance", "maintenance"))
        if entry.kind != "gateway":
            rate = DEVICE_OUTAGE_PER_DAY
            if device_id in self.chronic:
                rate *= 10
            for start, end in _intervals(rng, self.start_ms, self.end_ms, rate, 40 * 60_000):
                if rng.random() < LONG_OUTAGE_SHARE:
                    end = min(self.end_ms, start + rng.randint(1, 6) * DAY_MS)
                candidates.append((start, end, "offline", "probe_failed: timeout"))
        candidates.sort()
        kept: list[tuple[int, int, str, str]] = []
        for span in candidates:
            if not kept or span[0] > kept[-1][1]:
                kept.append(span)
        return kept


def _chronic_devices(index: InventoryIndex, communes: Iterable[str]) -> set[str]:
    """In each of these communes, one loudspeaker cluster and one camera that keep failing."""
    chosen: set[str] = set()
    for commune in communes:
        for kind in ("radio_cluster", "camera"):
            ids = sorted(
                d.id
                for d in index.devices.values()
                if d.commune == commune and d.kind == kind and not d.planned
            )
            chosen.update(ids[:1])
    return chosen


_RECOVERED = {"will": "birth", "gateway_offline": "birth", "maintenance": "maintenance_ended"}


def transitions(history: History) -> Iterator[TransitionRecord]:
    for entry in history.index.devices.values():
        if entry.planned:
            continue
        # Online from a day before the period: the status the period starts with.
        yield TransitionRecord(
            entry.id,
            entry.commune,
            entry.kind,
            history.start_ms - DAY_MS,
            "online",
            "unknown",
            "heartbeat" if entry.kind == "gateway" else "probe_ok",
        )
        for start, end, status, cause in history.spans(entry.id):
            yield TransitionRecord(
                entry.id, entry.commune, entry.kind, start, status, "online", cause
            )
            if end < history.end_ms:
                yield TransitionRecord(
                    entry.id,
                    entry.commune,
                    entry.kind,
                    end,
                    "online",
                    status,
                    _RECOVERED.get(cause, "recovered"),
                )


def health(history: History, interval_ms: int) -> Iterator[AgentHealthRecord]:
    """Each gateway's heartbeats, none while its commune has no power."""
    for agent in history.index.agents.values():
        cuts = history.power_cuts[agent.commune]
        cut = 0
        seq = 0
        at = history.start_ms - DAY_MS
        while at < history.end_ms:
            while cut < len(cuts) and cuts[cut][1] <= at:
                cut += 1
            if cut < len(cuts) and cuts[cut][0] <= at:
                at = cuts[cut][1]
                continue
            seq += 1
            yield AgentHealthRecord(
                agent.id,
                agent.commune,
                at,
                seq,
                1,
                uptime_s=float(seq * interval_ms // 1000),
                load1=0.2,
                mem_used_pct=41.0,
                disk_free_pct=72.0,
                temp_c=48.0,
            )
            at += interval_ms


def month_ends(start_ms: int, end_ms: int) -> list[int]:
    """Every local midnight that starts a month within ``(start_ms, end_ms]``, and
    ``end_ms``: where months, quarters and years end."""
    found: list[int] = []
    day = dt.datetime.fromtimestamp(start_ms / 1000, TZ).date().replace(day=1)
    while True:
        day = (day + dt.timedelta(days=32)).replace(day=1)
        at = int(dt.datetime(day.year, day.month, 1, tzinfo=TZ).timestamp() * 1000)
        if at >= end_ms:
            return [*found, end_ms]
        found.append(at)


def readings(history: History, ends_ms: Iterable[int] = ()) -> Iterator[DeviceReadingRecord]:
    """The two hours of camera and recorder readings (C1's look-back) before each of
    ``ends_ms``, by default the end of the history."""
    windows = [(end - READINGS_LOOKBACK_MS, end) for end in (ends_ms or [history.end_ms])]
    for entry in history.index.devices.values():
        if entry.planned or entry.kind not in ("camera", "nvr"):
            continue
        key = "camera.recording" if entry.kind == "camera" else "nvr.recording"
        times = (at for start, end in windows for at in range(start, end, READING_INTERVAL_MS))
        for seq, at in enumerate(times):
            yield DeviceReadingRecord(
                entry.id,
                entry.agent_id,
                entry.commune,
                entry.kind,
                at,
                seq,
                True,
                rtt_ms=12.0,
                detail={key: True},
            )


# -- cameras: what their pictures were, what their recorders kept --------------------

# What a camera's picture is while the camera itself is not online (picture_state.py).
_PICTURE_WHILE = {
    "offline": ("unusable", "offline"),
    "unknown": ("unknown", "camera_unknown"),
    "maintenance": ("maintenance", "maintenance"),
}
# The device page's longest period: a year of a picture series would cost the demo's
# start a third of a second for nothing a page shows (no indicator of the demo's
# profiles asks for the picture).
PICTURE_DAYS = 90
RECORDING_DAYS = 8  # the device page shows 7 local days; the ledger keeps one more


def picture_transitions(
    history: History, troubles: Mapping[str, Trouble]
) -> Iterator[TransitionRecord]:
    """Every camera's picture series (``<id>:picture``) over the last ``PICTURE_DAYS``:
    usable while it is online and sees well; unusable while it is offline or its picture
    is bad (``troubles``); unknown while its gateway is; maintenance with it."""
    start_ms = max(history.start_ms, history.end_ms - PICTURE_DAYS * DAY_MS)
    for entry in history.index.devices.values():
        if entry.planned or entry.kind != "camera":
            continue
        own = [
            (max(a, start_ms), b, *_PICTURE_WHILE[status])
            for a, b, status, _ in history.spans(entry.id)
            if b > start_ms
        ]
        bad = (
            [
                (a, b, "unusable", state)
                for a, b, state in trouble_spans(troubles[entry.id], start_ms, history.end_ms, TZ)
            ]
            if entry.id in troubles
            else []
        )
        # The camera's own outages win: a bad picture is only seen while it is online.
        bad = [
            (a, b, status, cause)
            for start, end, status, cause in bad
            for a, b in _without(start, end, [(a, b) for a, b, *_ in own])
        ]
        series = picture_series(entry.id)
        previous, usable_from = "unknown", start_ms - DAY_MS
        for start, end, status, cause in sorted(own + bad):
            if start > usable_from:  # usable in between, unless the spans touch
                yield TransitionRecord(
                    series, entry.commune, "picture", usable_from, "usable", previous, "ok"
                )
                previous = "usable"
            yield TransitionRecord(series, entry.commune, "picture", start, status, previous, cause)
            previous, usable_from = status, end
        if usable_from < history.end_ms:
            yield TransitionRecord(
                series, entry.commune, "picture", usable_from, "usable", previous, "ok"
            )


def _without(start: int, end: int, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """What of ``[start, end)`` none of ``spans`` (in order, disjoint) covers."""
    found = []
    for a, b in spans:
        if b <= start or a >= end:
            continue
        if a > start:
            found.append((start, a))
        start = max(start, b)
    if start < end:
        found.append((start, end))
    return found


def recording_reports(history: History, days: int) -> Iterator[Report]:
    """One recorder's report per camera and local day of the last ``days``: recorded,
    but for the recorder's own gaps and the camera's outages (no power, no camera)."""
    first = dt.datetime.fromtimestamp(history.end_ms / 1000, TZ).date() - dt.timedelta(days=days)
    start_ms = max(
        history.start_ms, int(dt.datetime.combine(first, dt.time(), TZ).timestamp() * 1000)
    )
    for entry in history.index.devices.values():
        if entry.planned or entry.kind != "camera":
            continue
        down = [
            (max(a, start_ms), min(b, history.end_ms))
            for a, b, status, _ in history.spans(entry.id)
            if status != "maintenance" and b > start_ms
        ]
        gaps = sorted(down + recorder_gaps(entry.id, start_ms, history.end_ms, TZ))
        merged: list[tuple[int, int]] = []
        for a, b in gaps:
            if merged and a <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
            else:
                merged.append((a, b))
        yield Report(entry.id, history.end_ms, start_ms, history.end_ms, merged)


def store_recordings(data_dir: Path, reports: Iterable[Report]) -> None:
    """Into the server's recording ledger, as the ingest path paints it."""
    with ServerDatabase(data_dir / DATABASE_FILE) as database:
        RecordingLedger(database.connection, TZ_NAME).apply(list(reports))


def all_records(
    history: History,
    health_interval_ms: int,
    schedules: list[Schedule],
    readings_before: Iterable[int] = (),
    picture_troubles: Mapping[str, Trouble] | None = None,
) -> Iterator[Record]:
    yield from transitions(history)
    if picture_troubles is not None:
        yield from picture_transitions(history, picture_troubles)
    yield from health(history, health_interval_ms)
    yield from readings(history, readings_before)
    yield from broadcasts(history, schedules)


# -- broadcasts: the schedules officers set, and what the gateways logged ----------------

BULLETIN_S = 900.0  # the morning bulletin, every day at 06:00
DRILL_S = 60.0  # an emergency drill per commune: mid-period, or on every 15th
PLAYER_FAILURE_SHARE = 0.02


def sample_schedules(
    index: InventoryIndex, start_ms: int, end_ms: int, *, monthly_drill: bool = False
) -> list[Schedule]:
    """Every commune's daily morning bulletin, and an emergency drill: one mid-period,
    or on the 15th of every month."""
    first = dt.datetime.fromtimestamp(start_ms / 1000, TZ).replace(tzinfo=None)
    drill = dt.datetime.fromtimestamp((start_ms + end_ms) / 2000, TZ).replace(tzinfo=None)
    drill_rule = None
    if monthly_drill:
        # From the first 15th on or after the start (20 days on is next month).
        drill = first if first.day <= 15 else first + dt.timedelta(days=20)
        drill, drill_rule = drill.replace(day=15), "FREQ=MONTHLY;BYMONTHDAY=15"
    found = []
    for i, code in enumerate(index.communes):
        found.append(
            Schedule(
                id=f"bt-{code}",
                commune=code,
                title="Bản tin sáng",
                content=Content(type="tts", duration_s=BULLETIN_S, text="Kính thưa bà con"),
                start=first.replace(hour=6, minute=0, second=0, microsecond=0),
                rrule="FREQ=DAILY",
                timezone=TZ_NAME,
            )
        )
        found.append(
            Schedule(
                id=f"kc-{code}",
                commune=code,
                title="Diễn tập cảnh báo",
                content=Content(type="tts", duration_s=DRILL_S, text="Diễn tập"),
                start=drill.replace(hour=9, minute=i % 60, second=0, microsecond=0),
                rrule=drill_rule,
                timezone=TZ_NAME,
                priority="emergency",
            )
        )
    return found


def _event(
    base: dict[str, Any],
    duration_ms: int,
    seq: Counter[str],
    kind: str,
    at_ms: int,
    planned_ms: int = 0,
    **fields: Any,
) -> BroadcastEventRecord:
    agent = str(base["agent_id"])
    seq[agent] += 1
    return BroadcastEventRecord(
        **base,
        **fields,
        event_id=f"{agent}-{seq[agent]}",
        event=kind,
        ts_ms=at_ms,
        seq=seq[agent],
        occurrence_ms=planned_ms,
        planned_end_ms=planned_ms + duration_ms if planned_ms else 0,
    )


def broadcasts(history: History, schedules: list[Schedule]) -> Iterator[BroadcastEventRecord]:
    """What each cluster's gateway logged: received once, then started and finished (or
    failed) at every occurrence, except while the cluster was down (nothing logged)."""
    index = history.index
    seq: Counter[str] = Counter()
    rng = random.Random(f"{history.seed}:broadcasts")
    for schedule in schedules:
        duration_ms = int(schedule.content.duration_s * 1000)
        times = occurrences(schedule, history.start_ms, history.end_ms)
        # The clusters of the last day (the demo's inventory has no merger to change them).
        for cluster in sorted(target_clusters(schedule, index, index.day_of(history.end_ms))):
            entry = index.devices[cluster]
            down = [(s, e) for s, e, status, _ in history.spans(cluster) if status != "online"]
            base = {
                "agent_id": entry.agent_id,
                "cluster": cluster,
                "commune": entry.commune,
                "village": entry.village,
                "session": 1,
                "schedule": schedule.id,
                "revision": schedule.revision,
                "priority": schedule.priority,
                "content_type": schedule.content.type,
                "content_duration_s": schedule.content.duration_s,
            }

            event = functools.partial(_event, base, duration_ms, seq)
            yield event("received", history.start_ms - DAY_MS)
            for start, _ in times:
                if any(s <= start < e for s, e in down):
                    continue
                began = start + rng.randint(100, 2_000)
                yield event("started", began, start, started_ms=began)
                if rng.random() < PLAYER_FAILURE_SHARE:
                    yield event(
                        "failed",
                        began + 500,
                        start,
                        started_ms=began,
                        played_s=0.5,
                        error="player exited with 1",
                    )
                else:
                    yield event(
                        "finished",
                        began + duration_ms,
                        start,
                        started_ms=began,
                        played_s=schedule.content.duration_s,
                    )


# The provincial station relayed at noon, as communes do between their own bulletins.
DEMO_RELAY = StandingRelay(
    url="http://dai-tinh.example/truc-tiep",
    start_time="11:00",
    end_time="11:30",
    title="Tiếp sóng Đài Phát thanh và Truyền hình tỉnh",
)


def sample_relays(index: InventoryIndex, start_ms: int) -> list[Schedule]:
    """Every commune's standing relay of the provincial station, from the first day."""
    first = dt.datetime.fromtimestamp(start_ms / 1000, TZ).date()
    return [
        relay_schedule(
            DEMO_RELAY,
            schedule_id=f"ts-{code}",
            commune=code,
            today=first,
            timezone=TZ_NAME,
            created_by="demo",
            revision=1,
        )
        for code in index.communes
    ]


def store_relays(data_dir: Path, relays: list[Schedule], at_ms: int) -> None:
    """Each commune's radio settings naming its standing relay (the relay itself is a
    schedule: ``store_schedules``), as the settings page saves them."""
    with ServerDatabase(data_dir / DATABASE_FILE) as database:
        table = RadioSettingsTable(database.connection)
        for relay in relays:
            table.save(RadioSettings(id=relay.commune, relay=relay.id), by="demo", at_ms=at_ms)


def store_schedules(data_dir: Path, schedules: list[Schedule]) -> None:
    """Into the server's own table, as the schedules API keeps them."""
    with ServerDatabase(data_dir / DATABASE_FILE) as database:
        table = JsonTable(database.connection, "broadcast_schedule", Schedule)
        for schedule in schedules:
            table.put(schedule)


async def load(
    store: Store, records: Iterator[Record], batch: int, kinds: Counter[str]
) -> tuple[int, int]:
    """Write in batches through the store's own ``write``; (written, rejected)."""
    written = rejected = 0
    chunk: list[Record] = []
    for record in records:
        kinds[type(record).__name__] += 1
        chunk.append(record)
        if len(chunk) >= batch:
            result = await store.write(chunk)
            written, rejected = written + result.written, rejected + result.rejected
            chunk = []
    if chunk:
        result = await store.write(chunk)
        written, rejected = written + result.written, rejected + result.rejected
    return written, rejected


# -- all of it --------------------------------------------------------------------------


async def write_history(
    store: Store,
    index: InventoryIndex,
    data_dir: Path,
    start_ms: int,
    end_ms: int,
    *,
    seed: int = 1,
    health_interval_ms: int = 1800 * 1000,
    picture_troubles: Mapping[str, Trouble] | None = None,
) -> Counter[str]:
    """The fleet's past from ``start_ms`` to ``end_ms`` into ``store``, and the schedules
    that explain its broadcast logs into the server's table in ``data_dir`` (they go on
    playing from there): drills every month, the noon relay of the provincial station,
    and recording readings at every month's end, so that every month, quarter and year
    has what its indicators look at. With ``picture_troubles`` (the demo's), also the
    cameras' picture series and the last days of their recorders' reports. Returns how
    many records of each kind were written."""
    history = History(index, start_ms, end_ms, seed)
    relays = sample_relays(index, start_ms)
    schedules = sample_schedules(index, start_ms, end_ms, monthly_drill=True) + relays
    records = all_records(
        history, health_interval_ms, schedules, month_ends(start_ms, end_ms), picture_troubles
    )
    kinds: Counter[str] = Counter()
    _, rejected = await load(store, records, 5000, kinds)
    if rejected:
        raise RuntimeError(f"the store refused {rejected} records of the history")
    store_schedules(data_dir, schedules)
    store_relays(data_dir, relays, start_ms)
    if picture_troubles is not None:
        store_recordings(data_dir, recording_reports(history, RECORDING_DAYS))
    return kinds
