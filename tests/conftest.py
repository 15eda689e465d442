"""Real services for the integration tests, started on free loopback ports.

influxd is shared by the session (each test uses a database of its own); Mosquitto is
started per test, since tests stop and kill it.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from tests.doubles import Receiver
from tests.services.disk import CannotMount, tmpfs
from tests.services.influxdb import InfluxServer, running_influxd
from tests.services.mosquitto import MosquittoServer, running_mosquitto


@pytest.fixture(scope="session")
def influxd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InfluxServer]:
    with running_influxd(tmp_path_factory.mktemp("influxd")) as server:
        yield server


@pytest.fixture
async def receiver(
    aiohttp_server: Callable[[web.Application], Awaitable[TestServer]],
) -> tuple[Receiver, str]:
    """A webhook receiver on a free port, and its URL."""
    hook = Receiver()
    app = web.Application()
    app.router.add_post("/hook", hook.handle)
    server = await aiohttp_server(app)
    return hook, str(server.make_url("/hook"))


@pytest.fixture
async def client(
    app: web.Application, aiohttp_client: Callable[[web.Application], Awaitable[TestClient]]
) -> TestClient:
    """An HTTP client on the ``app`` fixture of the requesting test module."""
    return await aiohttp_client(app)


@pytest.fixture
def mosquitto(tmp_path: Path) -> Iterator[MosquittoServer]:
    with running_mosquitto(tmp_path / "mosquitto") as server:
        yield server


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MiB tmpfs, to fill to the last byte (root only: skipped elsewhere, except in
    CI, where a missing mount fails the test)."""
    try:
        with tmpfs(tmp_path / "disk", "2m") as disk:
            yield disk
    except CannotMount as exc:
        if os.environ.get("XASO_REQUIRE_SERVICES"):
            pytest.fail(f"cannot mount a tmpfs for a full-disk test: {exc}")
        pytest.skip(f"cannot mount a tmpfs here: {exc}")


@pytest.fixture(autouse=True)
def no_threads_left_behind() -> Iterator[None]:
    """Fail a test that leaves threads running: shutdown paths must really shut down
    (paho loops, store workers, simulated agents)."""
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 5
    while True:
        left = [t for t in threading.enumerate() if t not in before and t.is_alive()]
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert not left, f"threads left running: {[t.name for t in left]}"
