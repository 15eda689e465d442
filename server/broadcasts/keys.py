"""The broadcasts capability's application state."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from xaso.server.broadcasts.content import ContentStore
from xaso.server.broadcasts.distribution import ScheduleDistributor
from xaso.server.broadcasts.manual_entries import ManualEntry
from xaso.server.broadcasts.radio_settings_table import RadioSettingsTable
from xaso.server.broadcasts.schedule_table import ScheduleTable
from xaso.server.broadcasts.silence import SilenceOrder
from xaso.server.json_table import JsonTable

SCHEDULES = web.AppKey("schedules", ScheduleTable)
# Plans every gateway's schedule set and publishes those that changed (none without a
# broker link); answers the gateways whose set was published.
SYNC_SCHEDULES = web.AppKey[Callable[[], list[str]]]("sync_schedules")
SILENCES = web.AppKey[JsonTable[SilenceOrder]]("silences")
# Live announcements entered by hand into the playout log (manual_entries.py).
PLAYOUT_MANUAL = web.AppKey[JsonTable[ManualEntry]]("playout_manual")
DISTRIBUTOR = web.AppKey("distributor", ScheduleDistributor)
CONTENT = web.AppKey("content", ContentStore)
# Each commune's loudspeaker settings: cluster volumes, its standing relay.
RADIO_SETTINGS = web.AppKey("radio_settings", RadioSettingsTable)
