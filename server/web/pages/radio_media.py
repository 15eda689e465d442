"""The media library of the smart-radio section: a commune's audio files, each with its
length, size, who uploaded it and when, a player, and the schedules that play it; the
upload (a drop zone with a progress bar, ``static/radio-media.js``, or a plain form
without JavaScript); and the audio itself for the browser's player.

A commune's files are those ``GET /api/v1/content`` shows for it
(``ContentInfo.visible_to`` and ``view_for``): the files uploaded for the commune or a
commune of its merger, and those uploaded for every commune; these are exactly the files
a schedule of the commune may play (``content_problems`` of the schedules API). An
upload goes through the API's own ``save_upload``: the same roles, the same refusal of
what is not audio, the same communes it is kept for.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import AsyncIterator, Iterable
from typing import Any, Final
from zoneinfo import ZoneInfo

from aiohttp import BodyPartReader, MultipartReader, web

from xaso.server.broadcasts.content import MAX_BYTES, ContentError, ContentInfo
from xaso.server.broadcasts.keys import CONTENT, SCHEDULES
from xaso.server.broadcasts.playout_outcome import PRIORITY_TEXT
from xaso.server.broadcasts.schedule import Schedule, start_ms
from xaso.server.keys import INDEX
from xaso.server.web.api.content import save_upload
from xaso.server.web.auditing import AUDIT_DETAIL
from xaso.server.web.auth import CSRF_FIELD, PRINCIPAL, today
from xaso.server.web.form_uploads import csrf_in_first_part
from xaso.server.web.pages.maintenance_form import local_text
from xaso.server.web.pages.radio_shared import RadioPlace, radio_place, render_radio
from xaso.server.web.rendering import request_language
from xaso.server.web.tokens import Role
from xaso.server.words import translator

TAB: Final = "/radio/media"
_CHUNK_BYTES: Final = 64 * 1024
# The API's refusals (``broadcasts/content.py``), in words; radio-media.js maps the same
# texts with the same patterns when it uploads through the API.
_REFUSALS: Final = (
    (re.compile(r"^larger than"), "radio.media.refused.too_large"),
    (re.compile(r"^not (a readable |an )audio file"), "radio.media.refused.not_audio"),
    (re.compile(r"may not upload"), "radio.media.refused.forbidden"),
)
# A file never changes under its hash: the browser's player need not fetch it again on
# every visit. Private: only a signed-in browser may keep it.
_IMMUTABLE: Final = "private, max-age=31536000, immutable"


def commune_files(app: web.Application, commune: str) -> list[ContentInfo]:
    """The files a schedule of ``commune`` may play, newest first: uploaded for it, a
    commune it holds today after a merger, or every commune."""
    covered = _covered(app, commune)
    found = [info for info in app[CONTENT].table.items.values() if info.visible_to(covered)]
    found.sort(key=lambda info: info.view_for(covered)["uploaded_ms"], reverse=True)
    return found


def _covered(app: web.Application, commune: str) -> frozenset[str]:
    return app[INDEX].scope_on({commune}, today(app))


def uses_of(schedules: Iterable[Schedule], communes: frozenset[str]) -> dict[str, list[Schedule]]:
    """Per file (sha256), the schedules of ``communes`` that play it, by title."""
    found: dict[str, list[Schedule]] = {}
    for schedule in schedules:
        content = schedule.content
        if schedule.commune in communes and content.type == "file" and content.sha256:
            found.setdefault(content.sha256, []).append(schedule)
    for listed in found.values():
        listed.sort(key=lambda s: s.title.casefold())
    return found


def clock_text(seconds: float) -> str:
    """A length as a player shows it: 03:07, or 1:02:05 past an hour."""
    whole = max(0, round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def size_text(size: int, lang: str) -> str:
    """47 KB, 3,2 MB (a decimal comma in Vietnamese)."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    text = f"{size / 1024 / 1024:.1f} MB"
    return text.replace(".", ",") if lang == "vi" else text


def refusal_text(problem: str, words: dict[str, str]) -> str:
    """An upload's refusal by the API, in words; the API's text when unknown."""
    for pattern, key in _REFUSALS:
        if pattern.search(problem):
            return words[key]
    return words["radio.media.refused.other"]


def may_upload(request: web.Request, place: RadioPlace) -> bool:
    """The API's rule (admins and operators) within the commune shown."""
    return place.may_act and request[PRINCIPAL].role in (Role.ADMIN, Role.OPERATOR)


def _file_rows(request: web.Request, place: RadioPlace) -> list[dict[str, Any]]:
    app = request.app
    covered = _covered(app, place.code)
    lang = request_language(request)
    zone = ZoneInfo(app[INDEX].inventory.timezone)
    principal = request[PRINCIPAL]
    visible = [s for s in app[SCHEDULES].items.values() if principal.may_see(s.commune)]
    uses = uses_of(visible, covered)
    words = translator(lang)
    classes = PRIORITY_TEXT[lang]

    def use_view(schedule: Schedule) -> dict[str, Any]:
        at = local_text(start_ms(schedule), zone)
        when = words["radio.media.use_repeats" if schedule.rrule else "radio.media.use_once"]
        return {
            "id": schedule.id,
            "title": schedule.title,
            "priority": schedule.priority,
            "priority_text": classes[schedule.priority],
            "when": when.format(at=at),
            "paused": schedule.paused,
        }

    rows = []
    for info in commune_files(app, place.code):
        view = info.view_for(covered)
        rows.append(
            {
                "id": info.id,
                "name": view["name"],
                "duration": clock_text(info.duration_s),
                "duration_s": info.duration_s,
                "size": size_text(info.size, lang),
                "mime": info.mime,
                "uploaded_by": view["uploaded_by"] or "—",
                "uploaded": local_text(view["uploaded_ms"], zone),
                "uses": [use_view(schedule) for schedule in uses.get(info.id, [])],
                "new_schedule": "/radio/schedules/new?"
                + urllib.parse.urlencode({"commune": place.code, "sha256": info.id}),
            }
        )
    return rows


def _library(
    request: web.Request, place: RadioPlace, status: int = 200, **context: Any
) -> web.Response:
    template = "_radio_media_list.html" if request.query.get("fragment") else "radio_media.html"
    words = translator(request_language(request))
    done = request.query.get("done", "")
    context = {"refusal": "", "refusal_detail": "", **context}
    response = render_radio(
        request,
        template,
        place,
        TAB,
        files=_file_rows(request, place),
        may_upload=may_upload(request, place),
        for_every_commune=not request[PRINCIPAL].scope,
        max_mb=MAX_BYTES // 2**20,
        done=done if done in request.app[CONTENT].table.items else "",
        # What radio-media.js says, in the page's language: "uploading", "refused.…".
        js_words={
            key.removeprefix("radio.media.").removeprefix("js."): text
            for key, text in words.items()
            if key.startswith(("radio.media.js.", "radio.media.refused."))
        },
        **context,
    )
    response.set_status(status)
    return response


async def library(request: web.Request) -> web.Response:
    return _library(request, radio_place(request))


@csrf_in_first_part
async def upload_form(request: web.Request, reader: MultipartReader) -> web.Response:
    """The library's form without JavaScript: one ``file`` part, kept as the API keeps
    an upload; the library again, with the file marked, or with the refusal in words."""
    place = radio_place(request)
    if not may_upload(request, place):
        raise web.HTTPForbidden(text="this account may not upload audio here")
    words = translator(request_language(request))
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader) or part.name == CSRF_FIELD:
            continue
        if part.name != "file" or not part.filename:
            break
        name = urllib.parse.unquote(part.filename)
        try:
            info = await save_upload(request, _chunks_of(part), name)
        except ContentError as exc:
            return _library(
                request, place, 400, refusal=refusal_text(str(exc), words), refusal_detail=str(exc)
            )
        request[AUDIT_DETAIL] = {"sha256": info.id, "name": name, "commune": place.code}
        query = urllib.parse.urlencode({"commune": place.code, "done": info.id})
        raise web.HTTPSeeOther(location=f"{TAB}?{query}#f-{info.id}")
    return _library(request, place, 400, refusal=words["radio.media.refused.no_file"])


async def _chunks_of(part: BodyPartReader) -> AsyncIterator[bytes]:
    while chunk := await part.read_chunk(_CHUNK_BYTES):
        yield chunk


async def audio(request: web.Request) -> web.FileResponse:
    """A file for the browser's player: its own type, ranges (seeking), cached for good
    (its address is its hash); 404 outside what ``GET /api/v1/content`` would show."""
    store = request.app[CONTENT]
    info = store.table.items.get(request.match_info["sha256"])
    path = store.path(info.id) if info is not None else None
    if info is None or path is None or not info.visible_to(request[PRINCIPAL].scope):
        raise web.HTTPNotFound(text="no such audio file")
    return web.FileResponse(path, headers={"Content-Type": info.mime, "Cache-Control": _IMMUTABLE})


def setup_routes(app: web.Application) -> None:
    app.router.add_get(TAB, library)
    app.router.add_post(TAB, upload_form)
    app.router.add_get(TAB + "/{sha256}", audio)
