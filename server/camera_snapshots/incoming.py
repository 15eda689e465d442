"""A checked snapshot on its way from the intake to the store."""

from __future__ import annotations

import msgspec


class IncomingSnapshot(msgspec.Struct, frozen=True):
    agent_id: str
    device_id: str
    taken_ms: int  # the gateway's clock (the server's, when that clock was wrong)
    received_ms: int  # the server's clock
    width: int
    height: int
    jpeg: bytes
