"""Speak from the browser: an officer records an announcement with the computer's or the
phone's microphone, listens to it, and keeps it in the library or broadcasts it now.

Everything happens in ``static/radio-record.js`` through the API, with the session's
CSRF token: the recording is converted in the browser to a 16-bit mono WAV (Chromium
records WebM/Opus, which the server cannot read the length of and gateways' players may
not play), uploaded with ``POST /api/v1/content``, and broadcast either as a one-off
of the priority class starting now (``POST /api/v1/schedules``) or as an emergency
(``POST /api/v1/broadcasts/emergency``). This page gives the script what it needs: the
commune, its villages with loudspeakers, the server's clock and the words.
"""

from __future__ import annotations

from typing import Final

from aiohttp import web

from xaso.server.broadcasts.content import MAX_BYTES
from xaso.server.broadcasts.schedule import Targets, clusters_of
from xaso.server.keys import CLOCK_MS, INDEX
from xaso.server.web.auth import today
from xaso.server.web.pages.radio_media import may_upload
from xaso.server.web.pages.radio_shared import radio_place, render_radio
from xaso.server.web.rendering import request_language
from xaso.server.words import translator

TAB: Final = "/radio/record"
# An announcement, not a programme: a longer recording is better made in a studio.
MAX_RECORDING_S: Final = 15 * 60


def zones_with_loudspeakers(app: web.Application, commune: str) -> list[tuple[str, str]]:
    """(code, name) of the villages of ``commune`` (its predecessors' too after a merger)
    that have an installed loudspeaker cluster today: the zones an announcement can go
    to, in the inventory's order."""
    index = app[INDEX]
    day = today(app)
    found = []
    for held in index.held_on(commune, day):
        for village in index.communes[held].villages:
            if clusters_of(commune, Targets(zones=[village.code]), index, day):
                found.append((village.code, village.name))
    return found


async def record(request: web.Request) -> web.Response:
    place = radio_place(request)
    words = translator(request_language(request))
    return render_radio(
        request,
        "radio_record.html",
        place,
        TAB,
        may_record=may_upload(request, place),
        zones=zones_with_loudspeakers(request.app, place.code),
        timezone=request.app[INDEX].inventory.timezone,
        now_ms=request.app[CLOCK_MS](),
        max_seconds=MAX_RECORDING_S,
        max_bytes=MAX_BYTES,
        js_words={
            key.removeprefix("radio.record.js."): text
            for key, text in words.items()
            if key.startswith("radio.record.js.")
        },
    )


def setup_routes(app: web.Application) -> None:
    app.router.add_get(TAB, record)
