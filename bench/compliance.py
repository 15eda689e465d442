"""How long evaluating every indicator of a whole province takes, with and without the
rollups of closed days, and after one late record; and how much memory.

Builds a province after the 2025 merger — 150 communes of ~100 devices each (loudspeaker
clusters in every village, cameras at key locations, recorders, a video-conference
point, radio and CCTV gateways; some devices still planned) — writes 90 days of history
into a real store through ``Store.write`` (status transitions with realistic outages,
commune power cuts that take a gateway down and leave its devices unknown, monthly
maintenance; gateway heartbeats every 30 s as production beats; the recent camera and
recorder readings C1 looks at; a daily bulletin and an emergency drill per commune with
every cluster's broadcast log, for R8 and R9), then times ``evaluate_communes`` over every
commune for the 90 days, five times in one process:

- ``raw``: without rollups, every figure from the store (the evaluation before rollups);
- ``cold``: with rollups but none kept yet: it computes and keeps them
  (``server/indicators/gather/rollups.py``);
- ``warm``: again, the rollups present but no evaluation kept from before (the kept
  results are cleared first; checked equal to ``raw``, or the bench fails);
- ``served``: again, every commune's evaluation kept by ``warm`` and served from memory
  (``server/indicators/gather/evaluated.py``; checked equal to ``raw``);
- ``late_record``: after one late record — a historical reading of a cluster landing on
  a closed day of one commune, with the transition the backfill makes of it — stored
  and handed to ``invalidate_for_records`` as ingest does, the evaluations of ``warm``
  still kept (a verifier opened the overview, then the record came): its commune is
  evaluated again, the others served. Checked equal to an evaluation with nothing kept.

    .venv/bin/python bench/compliance.py                      # SQLite and InfluxDB
    .venv/bin/python bench/compliance.py --store sqlite
    .venv/bin/python bench/compliance.py --no-broadcasts        # heartbeats and state events only
    .venv/bin/python bench/compliance.py --store influx --influx-url http://127.0.0.1:8086
    .venv/bin/python bench/compliance.py --communes 20 --profile warm   # where the time goes
    .venv/bin/python bench/compliance.py --health-interval-s 1800      # a quicker load

InfluxDB is started from the ``influxd`` binary on a free port in a temporary folder, as
the tests do, unless ``--influx-url`` names one (a database of its own is created).

The evaluations run in a fresh process, so that its peak memory is its own and not the
loader's. Printed, per store:

    store=sqlite records=… heartbeats=… load_s=… load_records_per_s=…
    store=sqlite store_read_s=… raw_s=… raw_vs_store_read=… cold_s=… cold_vs_store_read=…
           warm_s=… warm_vs_store_read=… served_s=… served_vs_store_read=… late_record_s=…
           late_record_vs_store_read=… late_record_rows_dropped=… late_record_served=…
           rollup_rows=… peak_rss_mib=… results=… met=… …

``store_read_s`` is the baseline measured in the same run: reading every device's
transitions for the period in bulk, the data the evaluation cannot do without when it
reads raw. The targets: the full evaluation (warm) under 10 s on both stores on a
2-core machine, and under 1 s after one late record.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import dataclasses
import datetime as dt
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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import yaml

from xaso.inventory import InventoryIndex, load_inventory
from xaso.server.broadcasts.schedule import Schedule
from xaso.server.demo.history import (
    DAY_MS,
    TZ,
    TZ_NAME,
    History,
    all_records,
    load,
    sample_schedules,
    store_schedules,
)

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


def declare(index: InventoryIndex, data_dir: Path, start_ms: int, seed: int) -> None:
    """Every commune's declared N1–N4, N6 for the period, as officers enter them."""
    from xaso.server.database import FILE_NAME, ServerDatabase
    from xaso.server.indicators.gather.declared import (
        DECLARED_INDICATORS,
        DeclaredDocument,
        DeclaredStore,
        DeclaredValue,
    )

    rng = random.Random(seed)
    database = ServerDatabase(data_dir / FILE_NAME)
    store = DeclaredStore(database.connection, TZ)
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
        database.close()


# -- the evaluation, in a process of its own -------------------------------------------


def _rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


async def evaluate_child(args: argparse.Namespace) -> dict[str, Any]:
    from xaso.server.broadcasts.playout_log import PlayoutSources
    from xaso.server.broadcasts.reconcile import ReconcileRules
    from xaso.server.broadcasts.schedule_table import ScheduleTable
    from xaso.server.database import FILE_NAME, ServerDatabase
    from xaso.server.indicators.gather.declared import DeclaredStore
    from xaso.server.indicators.gather.evaluate import IndicatorSources, evaluate_communes
    from xaso.server.indicators.gather.evaluated import EvaluatedResults
    from xaso.server.indicators.gather.rollups import DayRollups
    from xaso.server.indicators.rollup_table import RollupTable
    from xaso.server.store import open_store

    index = load_inventory(args.inventory).index()
    store = await open_store(args.store_url)
    database = ServerDatabase(Path(args.data_dir) / FILE_NAME)

    def clock_ms() -> int:
        return int(time.time() * 1000)

    # What a server's evaluation reads (indicators/wiring.py), without a server.
    db = database.connection
    rollups = DayRollups(RollupTable(db), index)
    kept = EvaluatedResults(index)
    sources = IndicatorSources(
        index=index,
        store=store,
        clock_ms=clock_ms,
        declared=DeclaredStore(db, TZ),
        playout=PlayoutSources(
            index, store, ScheduleTable(db, clock_ms), clock_ms, ReconcileRules()
        ),
        rollups=rollups,
        results=kept,
    )
    figures: dict[str, Any] = {"rss_before_mib": round(_rss_mib(), 1)}
    try:
        ids = [d.id for d in index.devices.values() if not d.planned]
        began = time.perf_counter()
        # The same bulk reads the evaluation makes (by commune, as it asks them).
        communes = list(index.communes)
        await store.transitions_of(ids, args.from_ms, args.to_ms, communes=communes)
        await store.last_transitions_before(ids, args.from_ms, communes=communes)
        baseline = time.perf_counter() - began
        figures["store_read_s"] = round(baseline, 2)

        async def timed(label: str, evaluated_with: IndicatorSources) -> list[Any]:
            profiler = cProfile.Profile() if args.profile == label else None
            began = time.perf_counter()
            if profiler:
                profiler.enable()
            evaluations = await evaluate_communes(
                evaluated_with, communes, args.from_ms, args.to_ms
            )
            if profiler:
                profiler.disable()
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
                figures["profile"] = out.getvalue()
            elapsed = time.perf_counter() - began
            figures[f"{label}_s"] = round(elapsed, 2)
            figures[f"{label}_vs_store_read"] = round(elapsed / max(baseline, 1e-9), 2)
            return evaluations

        # Raw: every figure from the store, as without rollups. Cold: the first
        # evaluation with rollups, which computes and keeps them. Warm: the next.
        # Served: the next again, every commune's evaluation kept by the warm one.
        raw = await timed("raw", dataclasses.replace(sources, rollups=None, results=None))
        await timed("cold", sources)
        kept.clear()
        warm = await timed("warm", sources)
        differences = _differences(raw, warm)
        if differences:
            raise AssertionError(f"rollups differ from the raw evaluation: {differences[:3]}")
        kept.served = 0
        served = await timed("served", sources)
        figures["served_communes"] = kept.served
        differences = _differences(raw, served)
        if differences:
            raise AssertionError(f"kept results differ from the raw: {differences[:3]}")
        # One late record: a reading from a gateway's backlog on a closed day of one
        # commune, with the transition the backfill makes of it, stored and handed to
        # the rollups as ingest does; then the province again.
        late = late_records(index, args.from_ms, args.to_ms)
        await store.write(late)
        dropped = rollups.invalidate_for_records(late, clock_ms())
        kept.served = 0
        evaluations = await timed("late_record", sources)
        figures["late_record_rows_dropped"] = dropped
        figures["late_record_served"] = kept.served
        fresh = await evaluate_communes(
            dataclasses.replace(sources, results=None), communes, args.from_ms, args.to_ms
        )
        differences = _differences(fresh, evaluations)
        if differences:
            raise AssertionError(f"after the late record, kept results differ: {differences[:3]}")
        figures["rollup_rows"] = rollups.table.count()
        verdicts = Counter(r.verdict for e in evaluations for r in e.results)
        figures["communes_evaluated"] = len(evaluations)
        figures["results"] = sum(verdicts.values())
        figures.update(sorted(verdicts.items()))
    finally:
        database.close()
        await store.close()
        figures["peak_rss_mib"] = round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
        )
    return figures


def _differences(raw: list[Any], rolled: list[Any]) -> list[str]:
    """Where two evaluations of the same communes differ, but for when they ran."""
    found = []
    for one, other in zip(raw, rolled, strict=True):
        if one.results != other.results:
            for a, b in zip(one.results, other.results, strict=True):
                if a != b:
                    found.append(f"{one.commune} {a.indicator}: {a} != {b}")
    return found


def late_records(index: InventoryIndex, from_ms: int, to_ms: int) -> list[Any]:
    """A historical reading of one loudspeaker cluster of the first commune, ten days
    before the end, and the transition ``monitoring/backfill.py`` writes of it."""
    from xaso.server.records import DeviceReadingRecord, TransitionRecord

    entry = next(
        d for d in sorted(index.devices.values(), key=lambda d: d.id) if d.kind == "radio_cluster"
    )
    ts_ms = max(from_ms, to_ms - 10 * DAY_MS) + 13 * 3_600_000
    return [
        DeviceReadingRecord(
            device_id=entry.id,
            agent_id=entry.agent_id,
            commune=entry.commune,
            kind=entry.kind,
            ts_ms=ts_ms,
            seq=1,
            historical=True,
            reachable=False,
        ),
        TransitionRecord(
            device_id=entry.id,
            commune=entry.commune,
            kind=entry.kind,
            ts_ms=ts_ms,
            status="offline",
            previous="online",
            cause="backfill: probe_failed",
        ),
    ]


def run_child(
    inventory: Path,
    store_url: str,
    data_dir: Path,
    from_ms: int,
    to_ms: int,
    profile: str | None,
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
    ] + (["--profile", profile] if profile else [])
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
    from xaso.server.store import open_store

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
    from xaso.testbed.influxdb import running_influxd

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
        schedules = sample_schedules(index, start_ms, end_ms) if args.broadcasts else []
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
        default=30,
        help="gateway heartbeats stored every this many seconds (30: production's cadence; "
        "the evaluation does not read them, they make the store realistically large)",
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
    parser.add_argument(
        "--profile",
        choices=["raw", "cold", "warm", "served", "late_record"],
        default=None,
        help="print a cProfile of that evaluation",
    )
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
