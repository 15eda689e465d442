"""The demo's province (server/demo/devices.yaml, with its province profile) with a
quarter of its simulated past (server/demo/history.py: outages, power cuts, maintenance,
broadcast logs), served by the real app, and the demo's declarations and remediation
plans: what ``xaso demo`` shows for 2026-Q3, in seconds, for tests that look at every
commune's reports and the province summary."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

from aiohttp import web

from tests.paths import REPO
from xaso.inventory import load_inventory
from xaso.server.app import Deps, create_app
from xaso.server.demo.declarations import seed_declarations
from xaso.server.demo.history import write_history
from xaso.server.demo.remediation import seed_remediation
from xaso.server.settings import Settings
from xaso.server.store.sqlite import SqliteStore

DEMO_INVENTORY = REPO / "server" / "demo" / "devices.yaml"
DEMO_PROFILES = REPO / "server" / "demo" / "profiles"
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
QUARTER = "2026-Q3"
# The history starts before the quarter (R6 and C3 read 30 days before its end) and the
# clock stands a few days after it: the quarter is over, and may be signed off.
HISTORY_FROM = int(dt.datetime(2026, 6, 20, tzinfo=TZ).timestamp() * 1000)
NOW = int(dt.datetime(2026, 10, 5, 9, 0, tzinfo=TZ).timestamp() * 1000)
# The same health interval as ``xaso demo``: the indicators do not read heartbeats.
HEALTH_INTERVAL_MS = 3 * 3600 * 1000


def demo_communes() -> list[str]:
    return list(load_inventory(DEMO_INVENTORY).index().communes)


@asynccontextmanager
async def demo_quarter_app(data_dir: Path) -> AsyncIterator[web.Application]:
    """The app on the demo inventory and its province profile, its store holding the
    quarter's past, the clock at ``NOW``. Once it is started, ``seed_compliance``."""
    index = load_inventory(DEMO_INVENTORY).index()
    store = await SqliteStore.open(":memory:")
    try:
        await write_history(
            store, index, data_dir, HISTORY_FROM, NOW, health_interval_ms=HEALTH_INTERVAL_MS
        )
        settings = Settings(
            inventory=str(DEMO_INVENTORY),
            data_dir=str(data_dir),
            indicator_profiles=str(DEMO_PROFILES),
        )
        deps = Deps(store=store, index=index, clock_ms=lambda: NOW, connect_mqtt=False)
        yield create_app(settings, deps)
    finally:
        await store.close()


async def seed_compliance(app: web.Application) -> None:
    """The demo's declarations (every commune but the last, with a scanned decision)
    and its remediation plans for what is then not met: the app must be started."""
    await seed_declarations(app, NOW)
    await seed_remediation(app, NOW)


@contextmanager
def workers_started(count: int = 4) -> Iterator[None]:
    """The running loop's default executor (``asyncio.to_thread``: evaluations, PDFs)
    with all its threads started now. An app shared by a module's tests then has its
    worker threads before the first test, and the check for threads a test leaves
    behind (tests/conftest.py) sees none appear in a test."""
    executor = ThreadPoolExecutor(max_workers=count, thread_name_prefix="module-app")
    ready = threading.Barrier(count + 1)
    for _ in range(count):
        executor.submit(ready.wait)
    ready.wait()
    asyncio.get_running_loop().set_default_executor(executor)
    try:
        yield
    finally:
        executor.shutdown(wait=True)
