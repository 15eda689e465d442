"""A store that is down or hangs: every route that reads it answers 503 with
Retry-After, the same way, from one place (server/web/store_errors.py), never a 500."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.apps import app_without_broker, bearer
from xaso.server.store.influx import InfluxStore
from xaso.server.web.tokens import Role

READING_ROUTES = [
    "/api/v1/devices/alpha-gw/history",
    "/api/v1/devices/alpha-rc-1/history",
    "/api/v1/devices/alpha-rc-1/availability",
    "/api/v1/communes/alpha/availability",
    "/api/v1/availability",
    "/api/v1/outages",
    "/api/v1/playout",
    "/api/v1/indicators?commune=alpha&period=2026-Q1",
    "/api/v1/indicators/report?commune=alpha&period=2026-Q1",
    "/api/v1/indicators/overview?period=2026-Q1",
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.asynccontextmanager
async def _silent_peer() -> AsyncIterator[int]:
    """A TCP server on loopback that takes connections and never answers: an InfluxDB
    that hangs."""
    held: list[asyncio.StreamWriter] = []

    async def hold(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    try:
        yield int(server.sockets[0].getsockname()[1])
    finally:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()


@contextlib.asynccontextmanager
async def _refused() -> AsyncIterator[int]:
    yield _free_port()  # nothing listens there


@pytest.mark.parametrize("peer", [_refused, _silent_peer], ids=["refused", "hangs"])
async def test_every_route_reading_the_store_answers_503_with_retry_after(
    tmp_path: Path,
    aiohttp_client: Callable[[web.Application], Awaitable[TestClient]],
    peer: Callable[[], contextlib.AbstractAsyncContextManager[int]],
) -> None:
    async with peer() as port:
        store = await InfluxStore.open(
            f"http://127.0.0.1:{port}", "xaso", create_database=False, timeout_s=0.3
        )
        try:
            async with app_without_broker(tmp_path, store=store) as app:
                client = await aiohttp_client(app)
                admin = bearer(app, Role.ADMIN)
                for route in READING_ROUTES:
                    response = await client.get(route, headers=admin)
                    assert response.status == 503, (route, await response.text())
                    assert int(response.headers["Retry-After"]) > 0, route
                    assert "store" in (await response.json())["error"], route
                await client.close()
        finally:
            await store.close()
