"""What every test shares: the real services (started on free loopback ports by
xaso.testbed), what a missing one means, and which tests are integration tests.

influxd is shared by the session (each test uses a database of its own); Mosquitto is
started per test, since tests stop and kill it.
"""

from __future__ import annotations

import functools
import inspect
import os
import re
import threading
import time
from collections.abc import Awaitable, Callable, Generator, Iterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from tests.doubles import Receiver
from xaso.testbed.binaries import MissingBinary
from xaso.testbed.disk import CannotMount, tmpfs
from xaso.testbed.influxdb import InfluxServer, running_influxd
from xaso.testbed.mosquitto import MosquittoServer, running_mosquitto

# -- which tests are integration tests ----------------------------------------------
#
# One rule, here, instead of a mark each module must remember: a test is an integration
# test when it, or a fixture it uses (however indirectly), starts a real service; when it
# runs on the InfluxDB half of a store parameter; or when it is an end-to-end test.
# ``pytest -m "not integration"`` is then the tier that needs no service installed.

_STARTS_A_SERVICE = re.compile(
    r"\b(running_mosquitto|running_deployed|running_influxd|MosquittoServer|InfluxServer"
    r"|MosquittoServer\.deployed|tmpfs)\("
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _is_integration(item):
            item.add_marker(pytest.mark.integration)


def _is_integration(item: pytest.Item) -> bool:
    if "end_to_end" in item.path.parts:
        return True
    callspec = getattr(item, "callspec", None)
    if callspec is not None and "influxdb" in callspec.params.values():
        return True
    functions = [getattr(item, "function", None)]
    fixture_info = getattr(item, "_fixtureinfo", None)
    if fixture_info is not None:
        for definitions in fixture_info.name2fixturedefs.values():
            functions.extend(definition.func for definition in definitions)
    return any(_starts_a_service(function) for function in functions if function is not None)


@functools.cache
def _starts_a_service(function: Callable[..., object]) -> bool:
    try:
        source = inspect.getsource(function)
    except (OSError, TypeError):  # pytest's own fixtures, built-ins
        return False
    return _STARTS_A_SERVICE.search(source) is not None


# -- a service that is not installed -------------------------------------------------


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, None, None]:
    return (yield from _missing_binary_skips())


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    return (yield from _missing_binary_skips())


def _missing_binary_skips() -> Generator[None, None, None]:
    """A test that needs a binary this machine lacks is skipped, with the install step
    to take; where services are required (``XASO_REQUIRE_SERVICES=1``, as in CI) it
    fails instead, so a missing install cannot pass unseen."""
    try:
        return (yield)
    except MissingBinary as exc:
        if os.environ.get("XASO_REQUIRE_SERVICES") == "1":
            pytest.fail(str(exc), pytrace=False)
        pytest.skip(str(exc))


# -- the services ----------------------------------------------------------------------


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
