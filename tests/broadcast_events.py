"""A gateway's broadcast-log event, taken in as the MQTT path takes it: through ingest,
then the store. The pages' and the API's tests reconcile what these leave."""

from __future__ import annotations

import itertools
from typing import Any

from aiohttp import web

from xaso.protocol import (
    SCHEMA_VERSION,
    BroadcastEvent,
    ScheduledContent,
    broadcast_topic,
    encode,
)
from xaso.server.keys import STORE
from xaso.server.monitoring.keys import INGEST

# One numbering for every gateway: a sequence number only needs to grow per agent.
_seq = itertools.count(1)


async def store_event(
    app: web.Application,
    agent: str,
    kind: str,
    at_ms: int,
    *,
    schedule: str,
    cluster: str,
    **fields: Any,
) -> None:
    """``kind`` (received, started, finished, …) of ``schedule`` on ``cluster`` at
    ``at_ms``; by default revision 1 of a normal ten-minute spoken bulletin."""
    values: dict[str, Any] = {
        "revision": 1,
        "priority": "normal",
        "content": ScheduledContent(type="tts", duration_s=600, text="Kính thưa bà con"),
        **fields,
    }
    event = BroadcastEvent(
        v=SCHEMA_VERSION,
        agent=agent,
        session=1,
        seq=next(_seq),
        ts_ms=at_ms,
        event=kind,
        schedule=schedule,
        cluster=cluster,
        **values,
    )
    records = app[INGEST].handle(broadcast_topic(agent), encode(event), at_ms).records
    assert records, "ingest refused the event"
    await app[STORE].write(records)
