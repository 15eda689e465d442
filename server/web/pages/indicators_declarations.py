"""The declarations page of the indicators section (tab "Khai báo"): for a commune and
a period, each indicator the commune declares — what was declared, by whom and when,
with its evidence, or that nothing was — the missing ones first; for the commune's
officers a form per indicator to declare a value and attach documents; and the
commune's evidence documents.

The form is one ``multipart/form-data`` post that works without JavaScript: its CSRF
token is its first part (``server/web/form_uploads.py``), then the fields, then the
files. The files are received and kept exactly as ``POST /api/v1/indicators/documents``
keeps an upload (``receive_file``: all of them, or none if any is refused), then the
declaration is checked and kept by the API's own ``record_declaration``, so the page
refuses exactly what the API refuses, and says it in words by field. With JavaScript
(``static/indicator-declarations.js``) the files go first to that API with a progress
bar, and the form then posts their sha256 as ticked documents.
"""

from __future__ import annotations

from typing import Final

from aiohttp import BodyPartReader, MultipartReader, web

from xaso.server.indicators.gather.documents import (
    EXTENSIONS,
    MAX_DOCUMENT_BYTES,
    DocumentInfo,
    PendingDocument,
)
from xaso.server.indicators.keys import DOCUMENTS
from xaso.server.web.api.declared import (
    checked_declaration,
    may_declare,
    receive_file,
    record_declaration,
    upload_communes,
)
from xaso.server.web.auditing import AUDIT_DETAIL
from xaso.server.web.auth import CSRF_FIELD, PRINCIPAL
from xaso.server.web.form_uploads import csrf_in_first_part
from xaso.server.web.pages.indicators_declaration_form import DeclarationForm, by_field
from xaso.server.web.pages.indicators_declarations_view import TYPE_NAMES, declarations_view
from xaso.server.web.pages.indicators_shared import (
    IndicatorPlace,
    indicator_place,
    render_indicators,
)
from xaso.server.web.pages.maintenance_form import api_problems
from xaso.server.web.rendering import request_language
from xaso.server.words import translator

TAB: Final = "/indicators/declarations"
# A field of the form is a few words, a date or a note of at most 2,000 characters.
_MAX_FIELD_BYTES: Final = 16 * 1024


def _may_declare(request: web.Request, place: IndicatorPlace) -> bool:
    return place.commune is not None and may_declare(request[PRINCIPAL], place.commune)


def _page(
    request: web.Request,
    place: IndicatorPlace,
    *,
    status: int = 200,
    posted: DeclarationForm | None = None,
    problems: list[str] | None = None,
) -> web.Response:
    lang = request_language(request)
    words = translator(lang)
    view = declarations_view(request, place, lang)
    forms = {
        row.id: DeclarationForm.fresh(
            row.id, view.first_day, view.last_day, row.current.entry if row.current else None
        )
        for row in view.rows
    }
    grouped = by_field(problems or [], words, lang)
    if posted is not None and posted.indicator in forms:
        forms[posted.indicator] = posted
    elif posted is not None:
        # No form of this page was posted: every problem goes above the forms.
        every = [text for texts in grouped.values() for text in texts]
        grouped = {name: [] for name in grouped} | {"other": every}
        posted = None
    done = request.query.get("done", "")
    response = render_indicators(
        request,
        "indicators_declarations.html",
        place,
        TAB,
        view=view,
        forms=forms,
        posted=posted.indicator if posted is not None else "",
        problems=grouped,
        done=done if any(row.id == done for row in view.rows) else "",
        may_declare=_may_declare(request, place),
        max_mb=MAX_DOCUMENT_BYTES // 2**20,
        max_bytes=MAX_DOCUMENT_BYTES,
        allowed_types=", ".join(TYPE_NAMES.values()),
        accept=",".join(EXTENSIONS),
        # What indicator-declarations.js says, in the page's language: its own words
        # ("js.uploading") and the upload API's refusals ("problem.file_type").
        js_words={
            key.removeprefix("ind.declarations."): text
            for key, text in words.items()
            if key.startswith(("ind.declarations.js.", "ind.declarations.problem.file"))
        }
        | {"the_file": words["ind.declarations.the_file"]},
    )
    response.set_status(status)
    return response


async def declarations_page(request: web.Request) -> web.Response:
    return _page(request, indicator_place(request, commune_page=True))


@csrf_in_first_part
async def declare_form(request: web.Request, reader: MultipartReader) -> web.Response:
    """The form: its files kept as the API keeps an upload, then the declaration
    checked and kept by the API's function; 303 back to the page with the indicator
    marked, or 400 with the form as typed and the problems in words."""
    if not request.query.get("commune"):
        raise web.HTTPBadRequest(text="commune: required in the form's address")
    place = indicator_place(request, commune_page=True)
    assert place.commune is not None
    if not _may_declare(request, place):
        raise web.HTTPForbidden(text="this account may not declare for this commune")
    communes = upload_communes(request)  # the API's rule: [the commune]
    store = request.app[DOCUMENTS]
    by = request[PRINCIPAL].name
    fields: dict[str, list[str]] = {}
    pending: list[PendingDocument] = []
    problems: list[str] = []
    kept: list[DocumentInfo] = []
    try:
        position = 0
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader) or part.name == CSRF_FIELD:
                continue
            if part.name == "file":
                if not part.filename:
                    continue  # a file input left empty still sends its part
                if not await receive_file(store, part, by, communes, position, pending, problems):
                    break
                position += 1
                continue
            fields.setdefault(part.name or "", []).append(await _field_text(part))
        # As an upload through the API: every file kept, or none if any is refused.
        if not problems:
            kept = [store.keep(item) for item in pending]
    finally:
        if not kept:
            for item in pending:
                store.discard(item)
    form = DeclarationForm.posted(fields)
    uploaded = [info.id for info in kept]
    if problems:
        # A refused file: the declaration is not kept, but its other problems are
        # said at once (not that it lacks a document: the refusal says why).
        others = _declaration_problems(request, form, place.commune)
        found = problems + [p for p in others if not p.startswith("documents")]
        return _page(request, place, status=400, posted=form, problems=found)
    try:
        entry = record_declaration(request, form.body(place.commune, uploaded))
    except web.HTTPBadRequest as exc:
        # The files sent are kept (as an upload would be): ticked, not sent again.
        form.documents = list(dict.fromkeys([*form.documents, *uploaded]))
        return _page(request, place, status=400, posted=form, problems=api_problems(exc))
    request[AUDIT_DETAIL] = {
        "commune": entry.commune,
        "indicator": entry.indicator,
        "value": entry.value,
        "valid_from": entry.valid_from.isoformat(),
        "documents": [doc.sha256 for doc in entry.documents],
    }
    target = f"{TAB}?{place.query(done=entry.indicator)}#ind-{entry.indicator}"
    raise web.HTTPSeeOther(location=target)


def _declaration_problems(request: web.Request, form: DeclarationForm, commune: str) -> list[str]:
    """What the API would say of the declaration, without keeping it."""
    try:
        checked_declaration(request, form.body(commune))
    except web.HTTPBadRequest as exc:
        return api_problems(exc)
    return []


async def _field_text(part: BodyPartReader) -> str:
    value = b""
    while chunk := await part.read_chunk(_MAX_FIELD_BYTES + 1):
        value += chunk
        if len(value) > _MAX_FIELD_BYTES:
            raise web.HTTPBadRequest(text=f"{part.name}: longer than any field of the form")
    return value.decode("utf-8", errors="replace")


def setup_routes(app: web.Application) -> None:
    app.router.add_get(TAB, declarations_page)
    app.router.add_post(TAB, declare_form)
