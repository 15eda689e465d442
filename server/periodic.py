"""Something to do every so often, as a task that a cleanup context cancels."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


async def every(interval_s: float, action: Callable[[], object]) -> None:
    """Call ``action`` every ``interval_s`` (first after one interval), until cancelled."""
    while True:
        await asyncio.sleep(interval_s)
        action()
