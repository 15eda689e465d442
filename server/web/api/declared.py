"""Declared indicators and their evidence documents through the API (docs/api.md).

Commune officers (operators) declare for their own communes and upload evidence for
them, admins for any; everyone reads within their commune scope. Documents are answered
by sha256, and an entry cites them by it.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import msgspec
from aiohttp import BodyPartReader, web

from xaso.server.indicators.gather.declared import DeclaredValue, check_declaration
from xaso.server.indicators.gather.documents import (
    DocumentError,
    DocumentStore,
    PendingDocument,
    is_sha256,
)
from xaso.server.indicators.keys import DECLARED, DOCUMENTS
from xaso.server.keys import CLOCK_MS, INDEX
from xaso.server.web.api.indicators import commune_profile
from xaso.server.web.auth import PRINCIPAL
from xaso.server.web.http import bad_request, forbidden, json_body, json_response, not_found
from xaso.server.web.tokens import Principal, Role

CHUNK_BYTES = 64 * 1024
# One request carries a handful of scans; more is a mistake or an abuse.
MAX_FILES_PER_UPLOAD = 20


def may_declare(principal: Principal, commune: str) -> bool:
    """Admins for any commune; operators for those their scope covers today (after a
    merger, the successor's officers declare for its predecessors' past periods)."""
    return principal.may_act(commune)


def _invalid(error: str, problems: list[str]) -> web.HTTPBadRequest:
    return web.HTTPBadRequest(
        text=msgspec.json.encode({"error": error, "problems": problems}).decode(),
        content_type="application/json",
    )


def upload_communes(request: web.Request) -> list[str]:
    """Whom an upload is for: ``?commune=``, else the uploader's own communes (an
    admin's upload without one is provincial: every commune); 403 for a role that may
    not upload evidence or a commune the uploader may not declare for."""
    principal = request[PRINCIPAL]
    if principal.role not in (Role.ADMIN, Role.OPERATOR):
        raise web.HTTPForbidden(
            text='{"error": "this token may not upload evidence"}',
            content_type="application/json",
        )
    commune = request.query.get("commune")
    if commune is None:
        return sorted(principal.scope)
    if commune not in request.app[INDEX].communes and principal.role is Role.ADMIN:
        raise bad_request(f"no commune {commune!r} in the inventory")
    if not may_declare(principal, commune):
        raise forbidden()
    return [commune]


async def _chunks_of_part(part: BodyPartReader) -> AsyncIterator[bytes]:
    while chunk := await part.read_chunk(CHUNK_BYTES):
        yield chunk


async def upload_documents(request: web.Request) -> web.Response:
    """``multipart/form-data`` with one or more ``file`` parts, or one file as the body
    (``?name=``). All are kept, or — if any is refused — none."""
    communes = upload_communes(request)
    store = request.app[DOCUMENTS]
    by = request[PRINCIPAL].name
    pending: list[PendingDocument] = []
    problems: list[str] = []
    try:
        if request.content_type == "multipart/form-data":
            await _receive_parts(request, store, by, communes, pending, problems)
        else:
            try:
                pending.append(
                    await store.receive(
                        request.content.iter_chunked(CHUNK_BYTES),
                        name=request.query.get("name", ""),
                        uploaded_by=by,
                        communes=communes,
                    )
                )
            except DocumentError as exc:
                problems.append(str(exc))
        if not pending and not problems:
            problems.append("no file: send multipart/form-data with a 'file' part")
        if problems:
            raise _invalid("evidence refused; nothing was kept", problems)
    except BaseException:
        for item in pending:
            store.discard(item)
        raise
    kept = [store.keep(item) for item in pending]
    return json_response({"documents": msgspec.to_builtins(kept)}, status=201)


async def _receive_parts(
    request: web.Request,
    store: DocumentStore,
    by: str,
    communes: list[str],
    pending: list[PendingDocument],
    problems: list[str],
) -> None:
    reader = await request.multipart()
    position = 0
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader) or part.name != "file":
            problems.append(f"part {position}: only 'file' parts are expected")
            position += 1
            continue
        if not await receive_file(store, part, by, communes, position, pending, problems):
            return
        position += 1


async def receive_file(
    store: DocumentStore,
    part: BodyPartReader,
    by: str,
    communes: list[str],
    position: int,
    pending: list[PendingDocument],
    problems: list[str],
) -> bool:
    """One ``file`` part, checked as every upload is: added to ``pending`` (not kept
    yet), or its problem to ``problems``. False when the rest of the request is not
    worth reading (too many files, or one too large). The declarations page's form
    receives its files here too."""
    if len(pending) + len(problems) >= MAX_FILES_PER_UPLOAD:
        problems.append(f"at most {MAX_FILES_PER_UPLOAD} files in one upload")
        return False
    try:
        pending.append(
            await store.receive(
                _chunks_of_part(part),
                # aiohttp's own client percent-encodes names; browsers send UTF-8.
                name=urllib.parse.unquote(part.filename or ""),
                uploaded_by=by,
                communes=communes,
            )
        )
    except DocumentError as exc:
        problems.append(f"file {position}: {exc}")
        # Not worth reading the rest of an oversized request.
        return "larger than" not in str(exc)
    return True


def _visible_document(request: web.Request) -> tuple[Path, str, str]:
    sha256 = request.match_info["sha256"]
    store = request.app[DOCUMENTS]
    info = store.table.items.get(sha256) if is_sha256(sha256) else None
    path = store.path(sha256) if info is not None else None
    # Out of scope answers 404, as if it did not exist.
    if info is None or path is None or not info.visible_to(request[PRINCIPAL].scope):
        raise not_found("document")
    return path, info.name, info.content_type


async def download_document(request: web.Request) -> web.FileResponse:
    path, name, content_type = _visible_document(request)
    quoted = urllib.parse.quote(name or path.name)
    return web.FileResponse(
        path,
        headers={
            "Content-Type": content_type,
            # Vietnamese names survive as RFC 6266 filename*; the plain fallback is the hash.
            "Content-Disposition": f'attachment; filename="{path.name}"; '
            f"filename*=UTF-8''{quoted}",
            "X-Content-Type-Options": "nosniff",
        },
    )


async def list_documents(request: web.Request) -> web.Response:
    communes = request[PRINCIPAL].scope
    commune = request.query.get("commune")
    found = sorted(
        (
            d
            for d in request.app[DOCUMENTS].table.items.values()
            if d.visible_to(communes) and (commune is None or d.serves(commune))
        ),
        key=lambda d: d.uploaded_ms,
    )
    return json_response({"documents": msgspec.to_builtins(found), "count": len(found)})


async def declare(request: web.Request) -> web.Response:
    saved = record_declaration(request, await json_body(request))
    return json_response(msgspec.to_builtins(saved), status=201)


def checked_declaration(request: web.Request, body: Mapping[str, Any]) -> DeclaredValue:
    """The entry ``body`` asks for (the JSON of ``POST /api/v1/indicators/declared``),
    checked as the user of ``request`` may make it, not yet kept: 403 when they may not
    declare for its commune, 400 naming every problem, each starting with its field.
    The declarations page's form is checked here too."""
    principal = request[PRINCIPAL]
    commune = body.get("commune")
    # Permission first: the problems would tell about another commune's documents.
    if principal.role is not Role.ADMIN and not (
        isinstance(commune, str) and may_declare(principal, commune)
    ):
        raise forbidden()
    communes = request.app[INDEX].communes
    # The commune's profile today says what it declares (those a province added too),
    # in which unit, and whether a document is needed.
    profile = (
        commune_profile(request, commune)
        if isinstance(commune, str) and commune in communes
        else None
    )
    entry, problems = check_declaration(
        body,
        communes,
        request.app[DOCUMENTS].table.items,
        entered_by=principal.name,
        entered_ms=request.app[CLOCK_MS](),
        profile=profile,
    )
    if entry is None:
        raise _invalid("invalid declared value", problems)
    return entry


def record_declaration(request: web.Request, body: Mapping[str, Any]) -> DeclaredValue:
    """``checked_declaration``, then kept: the entry as stored (its id and order)."""
    return request.app[DECLARED].add(checked_declaration(request, body))


async def list_declared(request: web.Request) -> web.Response:
    """Every entry the token may see, newest first; ``current`` marks the one in force
    today for its commune and indicator."""
    principal = request[PRINCIPAL]
    commune = request.query.get("commune")
    indicator = request.query.get("indicator")
    store = request.app[DECLARED]
    entries = [
        e
        for e in reversed(store.entries())
        if principal.may_see(e.commune)
        and (commune is None or e.commune == commune)
        and (indicator is None or e.indicator == indicator)
    ]
    now_ms = request.app[CLOCK_MS]()
    current = {
        (e.commune, e.indicator): store.value_for(e.commune, e.indicator, now_ms, now_ms + 1)
        for e in entries
    }
    body: list[dict[str, Any]] = [
        {**msgspec.to_builtins(e), "current": current[(e.commune, e.indicator)] == e}
        for e in entries
    ]
    return json_response({"declared": body, "count": len(body)})


def setup_routes(app: web.Application) -> None:
    app.router.add_post("/api/v1/indicators/documents", upload_documents)
    app.router.add_get("/api/v1/indicators/documents", list_documents)
    app.router.add_get("/api/v1/indicators/documents/{sha256}", download_document)
    app.router.add_post("/api/v1/indicators/declared", declare)
    app.router.add_get("/api/v1/indicators/declared", list_declared)
