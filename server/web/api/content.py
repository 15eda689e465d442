"""Broadcast audio: upload (officers, admins), list, and download (gateways too)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from xaso.server.broadcasts.content import ContentError, ContentInfo
from xaso.server.broadcasts.keys import CONTENT
from xaso.server.web.auth import PRINCIPAL
from xaso.server.web.http import bad_request, json_response, not_found
from xaso.server.web.tokens import Role


async def upload(request: web.Request) -> web.Response:
    """The file is the request body (``curl --data-binary @ban-tin.mp3``); its name may
    come in ``?name=``. Answers its sha256 and duration, to use in a schedule."""
    try:
        info = await save_upload(
            request, request.content.iter_chunked(64 * 1024), request.query.get("name", "")
        )
    except ContentError as exc:
        raise bad_request(str(exc)) from None
    # The same bytes may have come from another commune first: the answer tells only
    # what is the uploader's own.
    return json_response(info.view_for(request[PRINCIPAL].scope), status=201)


async def save_upload(request: web.Request, chunks: AsyncIterator[bytes], name: str) -> ContentInfo:
    """Keep an upload as the caller's, by the API's rules (the media library's form
    without JavaScript comes here too): 403 for anyone but an admin or an operator,
    ``ContentError`` for what is not audio or too large."""
    principal = request[PRINCIPAL]
    if principal.role not in (Role.ADMIN, Role.OPERATOR):
        raise web.HTTPForbidden(
            text='{"error": "this token may not upload"}', content_type="application/json"
        )
    return await request.app[CONTENT].save(
        chunks,
        name=name,
        uploaded_by=principal.name,
        # The communes the uploader covers today: after a merger, the successor and
        # its predecessors, so that every gateway of the successor may fetch it.
        communes=sorted(principal.scope),
    )


async def list_content(request: web.Request) -> web.Response:
    communes = request[PRINCIPAL].scope
    views = [
        info.view_for(communes)
        for info in request.app[CONTENT].table.items.values()
        if info.visible_to(communes)
    ]
    views.sort(key=lambda view: view["uploaded_ms"])
    return json_response({"content": views})


async def download(request: web.Request) -> web.FileResponse:
    store = request.app[CONTENT]
    info = store.table.items.get(request.match_info["sha256"])
    path = store.path(info.id) if info is not None else None
    if info is None or path is None or not info.visible_to(request[PRINCIPAL].scope):
        raise not_found("content")
    return web.FileResponse(path, headers={"Content-Type": "application/octet-stream"})


def setup_routes(app: web.Application) -> None:
    app.router.add_post("/api/v1/content", upload)
    app.router.add_get("/api/v1/content", list_content)
    app.router.add_get("/api/v1/content/{sha256}", download)
