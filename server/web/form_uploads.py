"""A file-upload form that works without JavaScript: ``multipart/form-data`` whose
first part is the session's CSRF token.

``auth.py`` checks the CSRF token of a session's unsafe requests before any handler
runs, from the ``X-CSRF-Token`` header or a url-encoded form's field. A multipart form
posted by a browser without JavaScript can carry neither: its token is a part of the
body, and reading the body in the middleware would leave nothing of the file for the
handler. A route wrapped by ``csrf_in_first_part`` (and only such a route) is let
through the middleware without a header; the wrapper then reads the body's first part,
which must be the ``csrf_token`` field with the session's token, and refuses the
request (403) before the handler sees one byte of the file. A request with the header
was checked by the middleware already; one with a bearer token needs no CSRF token.
The form puts its hidden ``csrf_token`` input before the file input: browsers send the
parts in the order of the form.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Final

from aiohttp import BodyPartReader, MultipartReader, web

from xaso.server.web.auth import CSRF_FIELD, CSRF_HEADER, CSRF_IN_FIRST_PART, SESSION

# A CSRF token is 43 characters; anything longer is not one.
_MAX_TOKEN_BYTES: Final = 256

FormHandler = Callable[[web.Request, MultipartReader], Awaitable[web.StreamResponse]]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def csrf_in_first_part(handler: FormHandler) -> Handler:
    """The route's handler, given the body's reader once the CSRF token is checked.
    The handler skips any ``csrf_token`` part it meets (the form sends one even when
    a script adds the header)."""

    async def checked(request: web.Request) -> web.StreamResponse:
        if request.content_type != "multipart/form-data":
            raise web.HTTPBadRequest(text="send the form as multipart/form-data")
        reader = await request.multipart()
        session = request.get(SESSION)
        if session is not None and CSRF_HEADER not in request.headers:
            part = await reader.next()
            sent = b""
            if isinstance(part, BodyPartReader) and part.name == CSRF_FIELD:
                sent = await _short_value(part)
            if not sent or not hmac.compare_digest(sent, session.csrf_token.encode()):
                raise web.HTTPForbidden(text="the request lacks the page's CSRF token")
        return await handler(request, reader)

    setattr(checked, CSRF_IN_FIRST_PART, True)
    checked.__doc__ = handler.__doc__
    checked.__name__ = handler.__name__
    return checked


async def _short_value(part: BodyPartReader) -> bytes:
    """The part's value, or nothing when it is longer than a token could be."""
    value = b""
    while chunk := await part.read_chunk(_MAX_TOKEN_BYTES + 1):
        value += chunk
        if len(value) > _MAX_TOKEN_BYTES:
            return b""
    return value.strip()
