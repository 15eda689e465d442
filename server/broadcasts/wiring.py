"""The broadcasts capability in the running server: audio content, the schedules and
their distribution to the radio gateways, silences, manual playout entries and the
communes' radio settings; and the sources the playout log is read from."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from aiohttp import web

from xaso.server.broadcasts.content import ContentStore
from xaso.server.broadcasts.distribution import ScheduleDistributor
from xaso.server.broadcasts.keys import (
    CONTENT,
    DISTRIBUTOR,
    PLAYOUT_MANUAL,
    RADIO_SETTINGS,
    SCHEDULES,
    SILENCES,
    SYNC_SCHEDULES,
)
from xaso.server.broadcasts.manual_entries import TABLE as MANUAL_TABLE
from xaso.server.broadcasts.manual_entries import ManualEntry
from xaso.server.broadcasts.playout_log import PlayoutSources
from xaso.server.broadcasts.radio_settings import cluster_volumes
from xaso.server.broadcasts.radio_settings_table import RadioSettingsTable
from xaso.server.broadcasts.reconcile import ReconcileRules
from xaso.server.broadcasts.schedule_table import ScheduleTable
from xaso.server.broadcasts.silence import SilenceOrder
from xaso.server.json_table import JsonTable
from xaso.server.keys import CLOCK_MS, DATABASE, INDEX, SETTINGS, STORE
from xaso.server.periodic import every

# Schedule sets change by themselves only at local midnight (the window moves on) and
# when a silence ends: a silence lasts at most this much longer than asked.
SCHEDULE_RESYNC_S = 60.0


def setup(app: web.Application, clock_ms: Callable[[], int]) -> None:
    app.cleanup_ctx.append(_content_ctx)
    app.cleanup_ctx.append(_schedules_ctx(clock_ms))


def playout_sources(app: web.Application) -> PlayoutSources:
    """What the playout log of this server is made of."""
    settings = app[SETTINGS]
    return PlayoutSources(
        index=app[INDEX],
        store=app[STORE],
        schedules=app[SCHEDULES],
        clock_ms=app[CLOCK_MS],
        rules=ReconcileRules(
            on_time_s=settings.playout_on_time_s, grace_s=settings.playout_grace_s
        ),
        silences=app.get(SILENCES),
        manual=app.get(PLAYOUT_MANUAL),
        content=app.get(CONTENT),
    )


async def _content_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    app[CONTENT] = ContentStore(Path(settings.data_dir) / "content", app[DATABASE].connection)
    yield


def _schedules_ctx(clock_ms: Callable[[], int]) -> Callable[[web.Application], AsyncIterator[None]]:
    async def schedules_ctx(app: web.Application) -> AsyncIterator[None]:
        settings = app[SETTINGS]
        db = app[DATABASE].connection
        schedules = ScheduleTable(db, clock_ms)
        silences = JsonTable(db, "broadcast_silence", SilenceOrder)
        app[SCHEDULES], app[SILENCES] = schedules, silences
        # Live announcements entered by hand into the playout log.
        app[PLAYOUT_MANUAL] = JsonTable(db, MANUAL_TABLE, ManualEntry)
        radio_settings = RadioSettingsTable(db)
        app[RADIO_SETTINGS] = radio_settings
        # Publishes nothing until the broker link gives it a way (monitoring/wiring.py).
        distributor = ScheduleDistributor(app[INDEX], settings.schedule_horizon_days)
        app[DISTRIBUTOR] = distributor

        def sync_schedules() -> list[str]:
            return distributor.sync(
                schedules.items.values(),
                silences.items.values(),
                clock_ms(),
                cluster_volumes(radio_settings.items.values()),
            )

        app[SYNC_SCHEDULES] = sync_schedules
        sync_schedules()
        # Besides every change: the window moves at local midnight and silences end.
        resync = asyncio.create_task(
            every(SCHEDULE_RESYNC_S, sync_schedules), name="schedule-resync"
        )
        yield
        resync.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await resync

    return schedules_ctx
