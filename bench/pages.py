"""How long the server takes to render the administrators' pages for a whole province.

Builds the province of ``bench/compliance.py`` (150 communes of ~100 devices: 15,000
devices after the 2025 merger), writes 90 days of its history into a SQLite store
(transitions with outages, power cuts and maintenance; gateway heartbeats; recent
readings), starts the real app on it (the live state restored from the store, as a
server restarted on that data), signs an administrator in, and requests each page many
times through a real HTTP client on loopback:

- ``overview``: ``/``, every commune of the province;
- ``problems``: ``/problems``, everything wrong now in the province;
- ``commune``: ``/communes/{code}`` for a sample of communes (30- and 90-day bars);
- ``device``: ``/devices/{id}`` for a sample of devices of every kind;
- ``radio-week``, ``radio-month``: a commune officer's broadcast calendar
  (``/radio/calendar``) for a sample of communes, each with its daily bulletin and
  monthly drill and what the gateways logged of them;
- ``radio-log``: the commune's playout log of the month (``/radio/log``);
- ``ind-commune``, ``ind-declarations``, ``ind-remediation``: a commune's indicator
  report page, declarations and remediation plans for the last full month;
- ``ind-overview``, ``ind-summary``: the whole province's indicators for that month
  (every commune evaluated: a few requests only, ``--province-samples``);
- ``baseline``: a static file, the cheapest route, measured in the same run: what HTTP,
  the middlewares and the client cost on this machine by themselves.

Printed, one line a page::

    page=commune requests=60 p50_ms=… p95_ms=… max_ms=… ratio_p50_vs_baseline=…
      target_p95_ms=300 within_target=True

A page that answers anything but 200 is printed with its status and counts as failed
(a page not built yet answers 404: ``status=404``). The target is p95 under 300 ms for
the overview, commune and device pages on a 2-core machine.

    .venv/bin/python bench/pages.py [--communes 150] [--devices-per-commune 100]
                                    [--days 90] [--samples 30]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import yaml
from aiohttp.test_utils import TestClient, TestServer

from bench.compliance import province
from xaso.inventory import load_inventory
from xaso.server.app import Deps, create_app
from xaso.server.demo.history import (
    DAY_MS,
    TZ,
    History,
    all_records,
    load,
    sample_schedules,
    store_schedules,
)
from xaso.server.keys import CLOCK_MS
from xaso.server.settings import Settings
from xaso.server.store import open_store
from xaso.server.web.keys import ACCOUNTS
from xaso.server.web.tokens import Role

TARGET_P95_MS = 300.0
TARGETED = ("overview", "commune", "device")
PASSWORD = "bench password"


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def _timed(client: TestClient, path: str) -> tuple[float, int]:
    began = time.perf_counter()
    response = await client.get(path, allow_redirects=False)
    await response.read()
    return (time.perf_counter() - began) * 1000, response.status


async def main_async(args: argparse.Namespace) -> None:
    end = dt.datetime.now(TZ).replace(hour=0, minute=0, second=0, microsecond=0)
    end_ms = int(end.timestamp() * 1000)
    start_ms = end_ms - args.days * DAY_MS
    with tempfile.TemporaryDirectory(prefix="xaso-pages-") as tmp:
        folder = Path(tmp)
        spec = province(args.communes, args.devices_per_commune, args.seed)
        inventory = folder / "province.yaml"
        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
        inventory.write_text(yaml.dump(spec, Dumper=dumper, allow_unicode=True), "utf-8")
        index = load_inventory(inventory).index()
        store_url = f"sqlite:///{folder}/timeseries.db"

        began = time.perf_counter()
        store = await open_store(store_url)
        kinds: Counter[str] = Counter()
        try:
            history = History(index, start_ms, end_ms, args.seed)
            schedules = sample_schedules(index, start_ms, end_ms, monthly_drill=True)
            records = all_records(history, 1800 * 1000, schedules)
            written, _ = await load(store, records, 5000, kinds)
        finally:
            await store.close()
        print(
            f"communes={len(index.communes)} devices={len(index.devices)} days={args.days} "
            f"records={written} load_s={time.perf_counter() - began:.1f}",
            flush=True,
        )

        store_schedules(folder, schedules)
        settings = Settings(inventory=str(inventory), store=store_url, data_dir=str(folder))
        # The clock at the end of the history: the pages show its last days.
        app = create_app(settings, Deps(index=index, connect_mqtt=False, clock_ms=lambda: end_ms))
        client = TestClient(TestServer(app, host="127.0.0.1"))
        await client.start_server()
        try:
            app[ACCOUNTS].create("bench", PASSWORD, Role.ADMIN, app[CLOCK_MS]())
            signed_in = await client.post(
                "/login", data={"login": "bench", "password": PASSWORD}, allow_redirects=False
            )
            assert signed_in.status == 303, await signed_in.text()
            rng = random.Random(args.seed)
            # The last full month the history covers: the indicator pages' period.
            last_month = (end.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
            month = f"period={last_month}"
            communes = rng.sample(list(index.communes), min(args.samples, len(index.communes)))
            installed = [d for d in index.devices.values() if not d.planned]
            devices = rng.sample(installed, min(args.samples, len(installed)))
            pages = {
                "baseline": ["/static/favicon.svg"] * args.samples,
                "overview": ["/"] * args.samples,
                "problems": ["/problems"] * args.samples,
                "commune": [f"/communes/{code}" for code in communes],
                "device": [f"/devices/{d.id}" for d in devices],
                "radio-week": [f"/radio/calendar?commune={code}" for code in communes],
                "radio-month": [f"/radio/calendar?commune={code}&view=month" for code in communes],
                "radio-log": [f"/radio/log?commune={code}" for code in communes],
                "ind-commune": [f"/indicators/commune?commune={c}&{month}" for c in communes],
                "ind-declarations": [
                    f"/indicators/declarations?commune={c}&{month}" for c in communes
                ],
                "ind-remediation": [
                    f"/indicators/remediation?commune={c}&{month}" for c in communes
                ],
                "ind-overview": [f"/indicators?{month}"] * args.province_samples,
                "ind-summary": [f"/indicators/summary?{month}"] * args.province_samples,
            }
            baseline_p50 = 0.0
            for name, paths in pages.items():
                await _timed(client, paths[0])  # a first request warms what is cached
                times, statuses = [], Counter[int]()
                for path in paths:
                    elapsed_ms, status = await _timed(client, path)
                    times.append(elapsed_ms)
                    statuses[status] += 1
                p50, p95 = statistics.median(times), _percentile(times, 0.95)
                if name == "baseline":
                    baseline_p50 = p50
                line = (
                    f"page={name} requests={len(times)} p50_ms={p50:.1f} p95_ms={p95:.1f} "
                    f"max_ms={max(times):.1f}"
                )
                if name != "baseline":
                    line += f" ratio_p50_vs_baseline={p50 / max(baseline_p50, 1e-9):.1f}"
                if name in TARGETED:
                    within = p95 < TARGET_P95_MS and set(statuses) == {200}
                    line += f" target_p95_ms={TARGET_P95_MS:g} within_target={within}"
                if set(statuses) != {200}:
                    line += " status=" + ",".join(f"{s}x{n}" for s, n in sorted(statuses.items()))
                print(line, flush=True)
        finally:
            await client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--communes", type=int, default=150)
    parser.add_argument("--devices-per-commune", type=int, default=100)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--samples", type=int, default=30, help="requests per page")
    parser.add_argument(
        "--province-samples", type=int, default=3, help="requests per province-wide page"
    )
    parser.add_argument("--seed", type=int, default=7)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
