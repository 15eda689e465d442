"""How long the communes page, a commune's page, a device's page and its readings take in
a province of 15,000 devices, and how many store reads each makes.

Builds ``bench/compliance.py``'s province (150 communes of ~100 devices; ``--communes``
and ``--per-commune`` change it), writes 90 days of status transitions for every device
(``server/demo/history.py``: outages, power cuts, monthly maintenance) and 30 days of
probes every 30 s for one camera into SQLite, starts the real app, and asks each page
``--repeat`` times as a signed-in administrator. Printed, per page, the median and the
slowest time, the store calls of one request and its size (the pages with day bars and
the readings are sent gzipped):

    page=/communes/xa-000?days=90 median_ms=… max_ms=… store_calls=2 bytes=… gzipped_bytes=…

    .venv/bin/python bench/places.py
    .venv/bin/python bench/places.py --communes 20 --repeat 3
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import yaml
from aiohttp.test_utils import TestClient, TestServer
from compliance import province  # bench/compliance.py

from xaso.inventory import load_inventory
from xaso.server.app import Deps, create_app
from xaso.server.demo.history import DAY_MS, History, transitions
from xaso.server.keys import STORE
from xaso.server.records import DeviceReadingRecord
from xaso.server.settings import Settings
from xaso.server.store.base import Store
from xaso.server.store.sqlite import SqliteStore
from xaso.server.web.accounts import AccountStore
from xaso.server.web.auth import SESSION_COOKIE, session_limits
from xaso.server.web.sessions import SessionStore
from xaso.server.web.tokens import Role


class CountingStore:
    """The store, counting the calls made through it."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.calls: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._store, name)
        if not callable(found) or name in ("write", "close", "ping"):
            return found

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            return found(*args, **kwargs)

        return counted


def probes(device: str, agent: str, commune: str, end_ms: int) -> list[DeviceReadingRecord]:
    """A camera probed every 30 s for 30 days: 86,400 readings."""
    step = 30_000
    return [
        DeviceReadingRecord(
            device_id=device,
            agent_id=agent,
            commune=commune,
            kind="camera",
            ts_ms=at,
            seq=n,
            reachable=True,
            rtt_ms=15.0 + n % 11,
            detail={"camera.stream_ok": n % 97 != 0, "camera.fps": 25.0},
        )
        for n, at in enumerate(range(end_ms - 30 * DAY_MS, end_ms, step))
    ]


def cookie(app: Any, database: Path) -> dict[str, str]:
    from xaso.server.database import ServerDatabase
    from xaso.server.keys import CLOCK_MS, SETTINGS

    now_ms = app[CLOCK_MS]()
    with ServerDatabase(database) as server_db:
        account = AccountStore(server_db.connection).create(
            "bench", "correct horse battery", Role.ADMIN, now_ms
        )
        sessions = SessionStore(server_db.connection)
        session_id = sessions.open(account.subject, now_ms, session_limits(app[SETTINGS]))
    return {"Cookie": f"{SESSION_COOKIE}={session_id}"}


async def main_async(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        inventory_path = folder / "province.yaml"
        inventory_path.write_text(
            yaml.safe_dump(province(args.communes, args.per_commune, 1), allow_unicode=True),
            encoding="utf-8",
        )
        index = load_inventory(inventory_path).index()
        end_ms = int(time.time() * 1000)
        began = time.perf_counter()
        sqlite = await SqliteStore.open(str(folder / "ts.db"))
        history = History(index, end_ms - 90 * DAY_MS, end_ms, seed=1)
        batch: list[Any] = []
        written = 0
        for record in transitions(history):
            batch.append(record)
            if len(batch) >= 20_000:
                written += (await sqlite.write(batch)).written
                batch = []
        written += (await sqlite.write(batch)).written
        camera = index.devices["xa-000-cam-00"]
        written += (
            await sqlite.write(probes(camera.id, camera.agent_id, camera.commune, end_ms))
        ).written
        print(
            f"devices={len(index.devices)} communes={len(index.communes)} records={written} "
            f"load_s={time.perf_counter() - began:.1f}",
            flush=True,
        )
        store = CountingStore(sqlite)
        settings = Settings(inventory=str(inventory_path), data_dir=str(folder / "data"))
        app = create_app(settings, Deps(store=store, index=index, connect_mqtt=False))  # type: ignore[arg-type]
        client = TestClient(TestServer(app))
        await client.start_server()
        try:
            assert app[STORE] is store
            headers = cookie(app, settings.database_path)
            pages = [
                "/communes",
                "/communes/xa-000",
                "/communes/xa-000?days=90",
                "/devices/xa-000-cam-00",
                "/devices/xa-000-cam-00?period=90d",
                "/devices/xa-000-gw-cam-1",
                f"/api/v1/devices/xa-000-cam-00/readings?from={end_ms - 30 * DAY_MS}&to={end_ms}",
            ]
            for path in pages:
                times = []
                size = 0
                for _ in range(args.repeat):
                    store.calls.clear()
                    started = time.perf_counter()
                    response = await client.get(path, headers=headers)
                    body = await response.read()
                    times.append(1000 * (time.perf_counter() - started))
                    assert response.status == 200, (path, response.status)
                    size = len(body)
                    zipped = len(gzip.compress(body))
                calls = sum(store.calls.values())
                print(
                    f"page={path.split('?from')[0]} median_ms={statistics.median(times):.1f} "
                    f"max_ms={max(times):.1f} store_calls={calls} bytes={size} "
                    f"gzipped_bytes={zipped}",
                    flush=True,
                )
        finally:
            await client.close()
            await sqlite.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--communes", type=int, default=150)
    parser.add_argument("--per-commune", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
