"""How long evaluating every indicator of a whole province takes, and how much memory.

Builds a province after the 2025 merger — 150 communes of ~100 devices each (loudspeaker
clusters in every village, cameras at key locations, recorders, a video-conference
point, radio and CCTV gateways; some devices still planned) — writes 90 days of history
into a real store through ``Store.write`` (status transitions with realistic outages,
commune power cuts that take a gateway down and leave its devices unknown, monthly
maintenance; gateway heartbeats; the recent camera and recorder readings C1 looks at;
a daily bulletin and an emergency drill per commune with every cluster's broadcast log,
for R8 and R9),
then times ``evaluate_communes`` over every commune for the 90 days.

    .venv/bin/python bench/compliance.py                      # SQLite and InfluxDB
    .venv/bin/python bench/compliance.py --store sqlite
    .venv/bin/python bench/compliance.py --no-broadcasts        # heartbeats and state events only
    .venv/bin/python bench/compliance.py --store influx --influx-url http://127.0.0.1:8086
    .venv/bin/python bench/compliance.py --communes 20 --profile   # where the time goes

InfluxDB is started from the ``influxd`` binary on a free port in a temporary folder, as
the tests do, unless ``--influx-url`` names one (a database of its own is created).

The evaluation runs in a fresh process, so that its peak memory is its own and not the
loader's. Printed, per store:

    store=sqlite records=… load_s=… load_records_per_s=…
    store=sqlite store_read_s=… compliance_province_90d_s=… ratio_vs_store_read=…
           rss_before_mib=… peak_rss_mib=… results=… met=… not_met=… …

``store_read_s`` is the baseline measured in the same run: reading every device's
transitions for the period in bulk, the data the evaluation cannot do without.
The target is compliance_province_90d_s under 10 s on both stores on a 2-core machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import datetime as dt
import functools
import io
import json
import os
import pstats
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import yaml

from server.json_table import JsonTable, open_db
from server.schedule import Content, Schedule, occurrences, target_clusters
from server.store.base import (
    AgentHealthRecord,
    BroadcastEventRecord,
    DeviceReadingRecord,
    Record,
    Store,
    TransitionRecord,
)
from xaso.inventory import InventoryIndex, load_inventory

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


# -- the province ---------------------------------------------------------------------


def province(communes: int, per_commune: int, seed: int) -> dict[str, Any]:
    """An inventory as the YAML file holds it: ~``per_commune`` devices per commune."""
    rng = random.Random(seed)
    areas: list[dict[str, Any]] = [{"code": "tinh", "name": "Tỉnh Thử Nghiệm", "level": "province"}]
    items = []
    for c in range(communes):
        code = f"xa-{c:03d}"
        n_villages = rng.randint(12, 18)
        villages = [
            {"code": f"{code}.thon-{v:02d}", "name": f"Thôn {v + 1}"} for v in range(n_villages)
        ]
        n_locations = rng.randint(8, 12)
        kinds = ["commune_centre", "market", "school", "boundary", "traffic_node", "cultural_house"]
        locations = [
            {
                "code": f"{code}.dd-{k:02d}",
                "name": f"Điểm {k + 1}",
                "kind": kinds[k % len(kinds)],
                "village": villages[k % n_villages]["code"],
            }
            for k in range(n_locations)
        ]
        # ~100 devices: clusters (one or two a village), NVRs, one VC point, the rest
        # cameras spread over the key locations; 3 gateways.
        clusters = []
        for v, village in enumerate(villages):
            for extra in range(1 + (v % 5 == 0)):
                clusters.append(
                    {
                        "id": f"{code}-loa-{len(clusters):02d}",
                        "name": f"Cụm loa {village['name']}" + (" (2)" if extra else ""),
                        "type": "radio_cluster",
                        "village": village["code"],
                        # A village whose cluster is still planned: R2 falls short there.
                        "planned": rng.random() < 0.03,
                    }
                )
        nvrs = [
            {"id": f"{code}-nvr-{k}", "name": f"Đầu ghi {k + 1}", "type": "nvr"} for k in range(4)
        ]
        vc = [{"id": f"{code}-vc", "name": "Điểm cầu truyền hình xã", "type": "vc_endpoint"}]
        n_cameras = max(n_locations, per_commune - 3 - len(clusters) - len(nvrs) - len(vc))
        cameras = [
            {
                "id": f"{code}-cam-{k:02d}",
                "name": f"Camera {k + 1}",
                "type": "camera",
                "location": locations[k % n_locations]["code"],
                "planned": k >= n_locations and rng.random() < 0.03,
            }
            for k in range(n_cameras)
        ]
        half = len(cameras) // 2
        agents = [
            {
                "id": f"{code}-gw-radio",
                "name": "Gateway truyền thanh",
                "kind": "radio_gateway",
                "devices": clusters + vc,
            },
            {
                "id": f"{code}-gw-cam-1",
                "name": "Gateway camera 1",
                "kind": "cctv_gateway",
                "devices": cameras[:half] + nvrs[:2],
            },
            {
                "id": f"{code}-gw-cam-2",
                "name": "Gateway camera 2",
                "kind": "cctv_gateway",
                "devices": cameras[half:] + nvrs[2:],
            },
        ]
        items.append(
            {
                "code": code,
                "name": f"Xã Thử {c + 1}",
                "kind": "xa",
                "parents": [{"area": "tinh"}],
                "villages": villages,
                "key_locations": locations,
                "agents": agents,
            }
        )
    return {
        "schema": 1,
        "name": "Tỉnh thử nghiệm (bench)",
        "timezone": TZ_NAME,
        "levels": ["province", "commune", "village"],
        "areas": areas,
        "profiles": {
            "gateway": {"heartbeat_interval_s": 30, "offline_after_s": 90},
            "radio_cluster": {"heartbeat_interval_s": 60, "offline_after_s": 180},
            "camera": {"heartbeat_interval_s": 60, "offline_after_s": 180},
        },
        "communes": items,
    }


# -- 90 days of history ---------------------------------------------------------------


def _intervals(
    rng: random.Random, start_ms: int, end_ms: int, per_day: float, median_ms: float
) -> list[tuple[int, int]]:
    """Poisson arrivals, log-normal durations."""
    found = []
    at = start_ms
    while True:
        at += int(rng.expovariate(per_day / DAY_MS))
        if at >= end_ms:
            return found
        length = int(rng.lognormvariate(0, 1.0) * median_ms)
        found.append((at, min(end_ms, at + max(60_000, length))))


def _monthly(start_ms: int, end_ms: int, day_of_month: int, hour: int) -> list[tuple[int, int]]:
    """A 2-hour maintenance window on the same local day of every month."""
    found = []
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
        self.troubled = {code for code in index.communes if rng.random() < TROUBLED_COMMUNES}

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
            if entry.commune in self.troubled and device_id.endswith(("-01", "-loa-03")):
                rate *= 10  # one chronically failing device
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


def readings(history: History) -> Iterator[DeviceReadingRecord]:
    """The last two hours of camera and recorder readings (C1's look-back)."""
    start = history.end_ms - READINGS_LOOKBACK_MS
    for entry in history.index.devices.values():
        if entry.planned or entry.kind not in ("camera", "nvr"):
            continue
        key = "camera.recording" if entry.kind == "camera" else "nvr.recording"
        for seq, at in enumerate(range(start, history.end_ms, READING_INTERVAL_MS)):
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


def all_records(
    history: History, health_interval_ms: int, schedules: list[Schedule]
) -> Iterator[Record]:
    yield from transitions(history)
    yield from health(history, health_interval_ms)
    yield from readings(history)
    yield from broadcasts(history, schedules)


# -- broadcasts: the schedules officers set, and what the gateways logged ----------------

BULLETIN_S = 900.0  # the morning bulletin, every day at 06:00
DRILL_S = 60.0  # one emergency drill per commune in the period
PLAYER_FAILURE_SHARE = 0.02


def bench_schedules(index: InventoryIndex, start_ms: int, end_ms: int) -> list[Schedule]:
    """Every commune's daily morning bulletin, and one emergency drill mid-period."""
    first = dt.datetime.fromtimestamp(start_ms / 1000, TZ).replace(tzinfo=None)
    drill = dt.datetime.fromtimestamp((start_ms + end_ms) / 2000, TZ).replace(tzinfo=None)
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
        for cluster in sorted(target_clusters(schedule, index)):
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


def store_schedules(data_dir: Path, schedules: list[Schedule]) -> None:
    """Into the server's own table, as the schedules API keeps them."""
    db = open_db(str(data_dir / "xaso.db"))
    try:
        table = JsonTable(db, "broadcast_schedule", Schedule)
        for schedule in schedules:
            table.put(schedule)
    finally:
        db.close()


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


def declare(index: InventoryIndex, data_dir: Path, start_ms: int, seed: int) -> None:
    """Every commune's declared N1–N4, N6 for the period, as officers enter them."""
    from server.indicators.declared import (
        DECLARED_INDICATORS,
        DeclaredDocument,
        DeclaredStore,
        DeclaredValue,
    )

    rng = random.Random(seed)
    store = DeclaredStore(f"{data_dir}/xaso.db", TZ)
    first_day = dt.datetime.fromtimestamp(start_ms / 1000, TZ).date().replace(day=1)
    document = DeclaredDocument("quyet-dinh.pdf", "0" * 64, 1000, "application/pdf")
    try:
        for code in index.communes:
            for indicator in DECLARED_INDICATORS:
                value = 1.0 + rng.randint(0, 3) if indicator == "N3" else rng.choice([60, 80, 100])
                store.add(
                    DeclaredValue(
                        id="",
                        seq=0,
                        commune=code,
                        indicator=indicator,
                        value=float(value),
                        valid_from=first_day,
                        documents=[document],
                        entered_by="bench",
                        entered_ms=start_ms,
                    )
                )
    finally:
        store.close()


# -- the evaluation, in a process of its own -------------------------------------------


def _rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


async def evaluate_child(args: argparse.Namespace) -> dict[str, Any]:
    from aiohttp import web

    from server.app import Deps, create_app
    from server.settings import Settings
    from server.store import open_store

    index = load_inventory(args.inventory).index()
    store = await open_store(args.store_url)
    settings = Settings(inventory=args.inventory, data_dir=args.data_dir, store=args.store_url)
    app = create_app(settings, Deps(store=store, index=index, connect_mqtt=False))
    runner = web.AppRunner(app)
    await runner.setup()  # the cleanup contexts: every store the evaluation reads
    figures: dict[str, Any] = {"rss_before_mib": round(_rss_mib(), 1)}
    try:
        ids = [d.id for d in index.devices.values() if not d.planned]
        began = time.perf_counter()
        # The same bulk reads the evaluation makes (by commune, as it asks them).
        communes = list(index.communes)
        await store.transitions_of(ids, args.from_ms, args.to_ms, communes=communes)
        await store.last_transitions_before(ids, args.from_ms, communes=communes)
        figures["store_read_s"] = round(time.perf_counter() - began, 2)
        from server.indicators.evaluate import evaluate_communes

        profiler = cProfile.Profile() if args.profile else None
        began = time.perf_counter()
        if profiler:
            profiler.enable()
        evaluations = await evaluate_communes(app, list(index.communes), args.from_ms, args.to_ms)
        if profiler:
            profiler.disable()
        elapsed = time.perf_counter() - began
        figures["compliance_province_90d_s"] = round(elapsed, 2)
        figures["ratio_vs_store_read"] = round(elapsed / max(figures["store_read_s"], 1e-9), 1)
        verdicts = Counter(r.verdict for e in evaluations for r in e.results)
        figures["communes_evaluated"] = len(evaluations)
        figures["results"] = sum(verdicts.values())
        figures.update(sorted(verdicts.items()))
        if profiler:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
            figures["profile"] = out.getvalue()
    finally:
        await runner.cleanup()
        await store.close()
        figures["peak_rss_mib"] = round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
        )
    return figures


def run_child(
    inventory: Path, store_url: str, data_dir: Path, from_ms: int, to_ms: int, profile: bool
) -> dict[str, Any]:
    command = [
        sys.executable,
        __file__,
        "--evaluate-child",
        "--inventory",
        str(inventory),
        "--store-url",
        store_url,
        "--data-dir",
        str(data_dir),
        "--from-ms",
        str(from_ms),
        "--to-ms",
        str(to_ms),
    ] + (["--profile"] if profile else [])
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the evaluation failed:\n{done.stderr[-4000:]}")
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


# -- one store ------------------------------------------------------------------------


async def bench_store(
    label: str,
    store_url: str,
    history: History,
    schedules: list[Schedule],
    args: argparse.Namespace,
    folder: Path,
) -> None:
    from server.store import open_store

    store = await open_store(store_url)
    began = time.perf_counter()
    kinds: Counter[str] = Counter()
    try:
        written, rejected = await load(
            store,
            all_records(history, args.health_interval_s * 1000, schedules),
            args.batch,
            kinds,
        )
    finally:
        await store.close()
    load_s = time.perf_counter() - began
    print(
        f"store={label} records={written} rejected={rejected} "
        f"transitions={kinds['TransitionRecord']} heartbeats={kinds['AgentHealthRecord']} "
        f"readings={kinds['DeviceReadingRecord']} "
        f"broadcast_events={kinds['BroadcastEventRecord']} load_s={load_s:.1f} "
        f"load_records_per_s={written / load_s:.0f}",
        flush=True,
    )
    data_dir = folder / f"data-{label}"
    data_dir.mkdir()
    declare(history.index, data_dir, history.start_ms, args.seed)
    store_schedules(data_dir, schedules)
    figures = run_child(
        folder / "province.yaml",
        store_url,
        data_dir,
        history.start_ms,
        history.end_ms,
        args.profile,
    )
    profile = figures.pop("profile", None)
    note = figures.pop("note", None)
    print(f"store={label} " + " ".join(f"{k}={v}" for k, v in figures.items()), flush=True)
    if note:
        print(f"store={label} note: {note}")
    if profile:
        print(f"--- cProfile of evaluate_communes, store={label} (cumulative) ---")
        print(profile)


@contextlib.contextmanager
def influx_url(args: argparse.Namespace, folder: Path) -> Iterator[str]:
    if args.influx_url:
        yield args.influx_url
        return
    from tests.services.influxdb import running_influxd

    (folder / "influxd").mkdir()
    with running_influxd(folder / "influxd") as server:
        yield server.url


async def main_async(args: argparse.Namespace) -> None:
    end = dt.datetime.now(TZ).replace(hour=0, minute=0, second=0, microsecond=0)
    end_ms = int(end.timestamp() * 1000)
    start_ms = end_ms - args.days * DAY_MS
    with tempfile.TemporaryDirectory(prefix="xaso-compliance-") as tmp:
        folder = Path(tmp)
        began = time.perf_counter()
        spec = province(args.communes, args.devices_per_commune, args.seed)
        (folder / "province.yaml").write_text(
            yaml.dump(
                spec, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), allow_unicode=True
            ),
            encoding="utf-8",
        )
        index = load_inventory(folder / "province.yaml").index()
        kinds = Counter(d.kind for d in index.devices.values())
        print(
            f"communes={len(index.communes)} devices={len(index.devices)} "
            f"planned={sum(d.planned for d in index.devices.values())} "
            + " ".join(f"{k}={n}" for k, n in sorted(kinds.items()))
            + f" days={args.days} inventory_s={time.perf_counter() - began:.1f}",
            flush=True,
        )
        history = History(index, start_ms, end_ms, args.seed)
        schedules = bench_schedules(index, start_ms, end_ms) if args.broadcasts else []
        if args.store in ("sqlite", "both"):
            await bench_store(
                "sqlite", f"sqlite:///{folder}/timeseries.db", history, schedules, args, folder
            )
        if args.store in ("influx", "both"):
            with influx_url(args, folder) as url:
                address = url.split("://", 1)[1].rstrip("/")
                database = f"compliance_{os.getpid()}"
                await bench_store(
                    "influxdb", f"influxdb://{address}/{database}", history, schedules, args, folder
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--communes", type=int, default=150)
    parser.add_argument("--devices-per-commune", type=int, default=100)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--store", choices=["sqlite", "influx", "both"], default="both")
    parser.add_argument(
        "--influx-url", default=None, help="an InfluxDB 1.x to use (default: start one)"
    )
    parser.add_argument(
        "--health-interval-s",
        type=int,
        default=1800,
        help="gateway heartbeats stored every this many seconds (production: 30; the "
        "evaluation does not read them, they make the store realistically large)",
    )
    parser.add_argument(
        "--no-broadcasts",
        dest="broadcasts",
        action="store_false",
        help="leave out the schedules and broadcast logs (R8, R9 then have no data): the "
        "issue's own measure, heartbeats and state events only",
    )
    parser.add_argument("--batch", type=int, default=5000, help="records per store write")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the evaluation")
    # The evaluation process (started by this script).
    parser.add_argument("--evaluate-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--inventory", help=argparse.SUPPRESS)
    parser.add_argument("--store-url", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    parser.add_argument("--from-ms", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--to-ms", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.evaluate_child:
        print(json.dumps(asyncio.run(evaluate_child(args)), ensure_ascii=False))
        return
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
