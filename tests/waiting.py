"""Waiting, in tests, for something that happens in another process or thread."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Any

import pytest


async def eventually(
    check: Callable[[], Any | Awaitable[Any]],
    what: str,
    timeout_s: float = 15,
    interval_s: float = 0.1,
) -> Any:
    """Poll ``check`` (plain or async) until it returns something truthy, and return
    that; fail the test naming ``what`` and the last answer after ``timeout_s``."""
    last: Any = None
    for _ in range(max(1, int(timeout_s / interval_s))):
        last = check()
        if inspect.isawaitable(last):
            last = await last
        if last:
            return last
        await asyncio.sleep(interval_s)
    pytest.fail(f"timed out waiting for {what} (last: {last!r})")
