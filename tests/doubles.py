"""Small stand-ins the tests share: a clock to set by hand, and a webhook receiver."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web


class Clock:
    """Epoch milliseconds, moved only by the test."""

    def __init__(self, now_ms: int) -> None:
        self.now_ms = now_ms

    def __call__(self) -> int:
        return self.now_ms

    def advance(self, seconds: float) -> None:
        self.now_ms += int(seconds * 1000)


class Receiver:
    """A webhook receiver keeping the bodies it got."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self._arrived = asyncio.Condition()

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        async with self._arrived:
            self.bodies.append(body)
            self._arrived.notify_all()
        return web.Response(status=204)

    async def wait_for(self, count: int, timeout_s: float = 5.0) -> list[dict[str, Any]]:
        async with self._arrived:
            await asyncio.wait_for(
                self._arrived.wait_for(lambda: len(self.bodies) >= count), timeout_s
            )
        return self.bodies
