"""The snapshots capability in the running server: the pages' store on the server's own
database, and the API that serves the pictures.

``GET /api/v1/devices/{device_id}/snapshots``: the camera's latest and day pictures
(JSON); ``GET /api/v1/devices/{device_id}/snapshots/{slot}``: one JPEG (``latest`` or a
day ``YYYY-MM-DD``). Both answer a bearer token or a signed-in session, for a camera in
the caller's communes only (others are "not found", as everywhere).
``POST /api/v1/devices/{device_id}/snapshots/{slot}/evidence`` (and the device page's
form, ``POST /devices/{device_id}/snapshots/{slot}/evidence``) files the picture as an
evidence document (server/camera_snapshots/evidence.py). The intake's side
(keeping them) is the pipeline's (server/camera_snapshots/keeper.py).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Final
from zoneinfo import ZoneInfo

from aiohttp import web

from xaso.server.camera_snapshots.evidence import (
    evidence_name,
    keep_as_evidence,
    may_keep_as_evidence,
)
from xaso.server.camera_snapshots.keys import SNAPSHOTS
from xaso.server.camera_snapshots.store import LATEST, SnapshotLimits, SnapshotStore
from xaso.server.camera_snapshots.views import shown
from xaso.server.indicators.keys import DOCUMENTS
from xaso.server.keys import DATABASE, INDEX, SETTINGS
from xaso.server.web.auditing import AUDIT_DETAIL
from xaso.server.web.auth import PRINCIPAL
from xaso.server.web.http import forbidden, json_response, not_found, visible_device

_SLOT: Final = re.compile(r"^(latest|\d{4}-\d{2}-\d{2})$")
# A picture's URL carries its hash (views.picture_url): the one at a URL never changes
# for long, so the browser keeps it a while; private: it is behind a login.
CACHE_CONTROL: Final = "private, max-age=300"


def setup(app: web.Application) -> None:
    app.cleanup_ctx.append(_store_ctx)
    app.router.add_get("/api/v1/devices/{device_id}/snapshots", list_snapshots)
    app.router.add_get("/api/v1/devices/{device_id}/snapshots/{slot}", snapshot_jpeg)
    app.router.add_post("/api/v1/devices/{device_id}/snapshots/{slot}/evidence", evidence_api)
    app.router.add_post("/devices/{device_id}/snapshots/{slot}/evidence", evidence_form)


async def _store_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    app[SNAPSHOTS] = SnapshotStore(
        app[DATABASE].connection,
        ZoneInfo(app[INDEX].inventory.timezone),
        SnapshotLimits(settings.snapshot_keep_days, int(settings.snapshot_max_mb * 2**20)),
    )
    yield


async def list_snapshots(request: web.Request) -> web.Response:
    state = visible_device(request)
    store = request.app[SNAPSHOTS]
    tz = ZoneInfo(request.app[INDEX].inventory.timezone)
    latest = store.latest([state.entry.id]).get(state.entry.id)
    return json_response(
        {
            "device": state.entry.id,
            "latest": shown(latest, tz) if latest else None,
            "days": [shown(kept, tz) for kept in store.days(state.entry.id)],
        }
    )


async def snapshot_jpeg(request: web.Request) -> web.Response:
    state = visible_device(request)
    slot = request.match_info["slot"]
    if not _SLOT.match(slot):
        raise not_found("snapshot")
    found = request.app[SNAPSHOTS].picture(state.entry.id, slot)
    if found is None:
        raise not_found("snapshot")
    kept, jpeg = found
    etag = f'"{kept.sha256}"'
    headers = {"Cache-Control": CACHE_CONTROL, "ETag": etag}
    if request.headers.get("If-None-Match") == etag:
        raise web.HTTPNotModified(headers=headers)
    if slot != LATEST:
        headers["Content-Disposition"] = f'inline; filename="{state.entry.id}-{slot}.jpg"'
    return web.Response(body=jpeg, content_type="image/jpeg", headers=headers)


async def _keep_as_evidence(request: web.Request) -> tuple[str, dict[str, object]]:
    """The picture filed as evidence: the device and the document's facts."""
    state = visible_device(request)
    index = request.app[INDEX]
    commune = index.listed_commune[state.entry.id]
    principal = request[PRINCIPAL]
    if not may_keep_as_evidence(principal, commune):
        raise forbidden()
    slot = request.match_info["slot"]
    found = request.app[SNAPSHOTS].picture(state.entry.id, slot) if _SLOT.match(slot) else None
    if found is None:
        raise not_found("snapshot")
    kept, jpeg = found
    info = await keep_as_evidence(
        request.app[DOCUMENTS],
        jpeg,
        name=evidence_name(state.entry, index, kept),
        commune=commune,
        by=principal.name,
    )
    request[AUDIT_DETAIL] = {"device": state.entry.id, "slot": slot, "document": info.id}
    return state.entry.id, {"id": info.id, "name": info.name, "size": info.size}


async def evidence_api(request: web.Request) -> web.Response:
    _, document = await _keep_as_evidence(request)
    return json_response({"document": document}, status=201)


async def evidence_form(request: web.Request) -> web.Response:
    device_id, document = await _keep_as_evidence(request)
    raise web.HTTPSeeOther(f"/devices/{device_id}?evidence={document['id']}#pictures")
