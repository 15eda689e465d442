"""Broadcast audio: upload (officers, admins), list, and download (gateways too)."""

from __future__ import annotations

import msgspec
from aiohttp import web

from server import keys
from server.api import bad_request, json_response, not_found
from server.auth import PRINCIPAL
from server.content import ContentError
from server.tokens import Role


async def upload(request: web.Request) -> web.Response:
    """The file is the request body (``curl --data-binary @ban-tin.mp3``); its name may
    come in ``?name=``. Answers its sha256 and duration, to use in a schedule."""
    principal = request[PRINCIPAL]
    if principal.role not in (Role.ADMIN, Role.OPERATOR):
        raise web.HTTPForbidden(
            text='{"error": "this token may not upload"}', content_type="application/json"
        )
    try:
        info = await request.app[keys.CONTENT].save(
            request.content.iter_chunked(64 * 1024),
            name=request.query.get("name", ""),
            uploaded_by=principal.name,
        )
    except ContentError as exc:
        raise bad_request(str(exc)) from None
    return json_response(msgspec.to_builtins(info), status=201)


async def list_content(request: web.Request) -> web.Response:
    items = sorted(request.app[keys.CONTENT].table.items.values(), key=lambda i: i.uploaded_ms)
    return json_response({"content": msgspec.to_builtins(items)})


async def download(request: web.Request) -> web.FileResponse:
    path = request.app[keys.CONTENT].path(request.match_info["sha256"])
    if path is None:
        raise not_found("content")
    return web.FileResponse(path, headers={"Content-Type": "application/octet-stream"})


def setup_routes(app: web.Application) -> None:
    app.router.add_post("/api/v1/content", upload)
    app.router.add_get("/api/v1/content", list_content)
    app.router.add_get("/api/v1/content/{sha256}", download)
