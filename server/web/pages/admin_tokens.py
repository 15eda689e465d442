"""The admins' page of API tokens (gateways and programs): the list with when each was
last used, a new token shown once on the page that answers its form, revoking.

The new token's page is the form's answer itself, not a redirect: the token is kept
nowhere (only its hash), so no later page could show it again; it is sent ``no-store``.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from xaso.server.web.administration import (
    TOKEN_ROLES,
    AdminError,
    create_token,
    require_admin,
    revoke_token,
)
from xaso.server.web.keys import TOKENS
from xaso.server.web.pages.admin_shared import (
    Typed,
    admin_page,
    commune_choices,
    commune_names,
    local_time,
    refused_text,
    role_choices,
    typed,
    zone,
)
from xaso.server.web.rendering import request_language
from xaso.server.web.tokens import Role
from xaso.server.words import role_name, translator


def _row(request: web.Request, listed: dict[str, Any]) -> dict[str, Any]:
    words = translator(request_language(request))
    tz = zone(request)
    return {
        "id": listed["id"],
        "name": listed["name"],
        "role_name": role_name(listed["role"], words),
        "commune_names": commune_names(request, listed["communes"]),
        "created": local_time(listed["created_ms"], tz),
        "last_used": local_time(listed["last_used_ms"], tz),
        "revoked": local_time(listed["revoked_ms"], tz),
    }


def _list_page(
    request: web.Request, form: Typed, error: str = "", status: int = 200
) -> web.Response:
    # Newest first (the store lists them oldest first): the one just made is on top.
    listed = list(reversed(request.app[TOKENS].list()))
    return admin_page(
        request,
        "admin_tokens.html",
        status,
        tab="tokens",
        tokens=[_row(request, t) for t in listed],
        form=form,
        error=error,
        roles=role_choices(request, TOKEN_ROLES),
        choices=commune_choices(request),
    )


async def tokens(request: web.Request) -> web.Response:
    require_admin(request)
    return _list_page(request, Typed(role=str(Role.AGENT)))


async def create(request: web.Request) -> web.Response:
    require_admin(request)
    sent = typed(await request.post())
    try:
        token, listed = create_token(
            request, role=sent.role, name=sent.name, communes=sent.communes
        )
    except AdminError as exc:
        return _list_page(request, sent, refused_text(request, exc), status=exc.status)
    return admin_page(
        request, "admin_token_created.html", tab="tokens", token=token, row=_row(request, listed)
    )


async def revoke(request: web.Request) -> web.Response:
    require_admin(request)
    if revoke_token(request, request.match_info["token_id"]) is None:
        raise web.HTTPNotFound()
    raise web.HTTPSeeOther(location="/admin/tokens?done=revoked")


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/admin/tokens", tokens)
    app.router.add_post("/admin/tokens", create)
    app.router.add_post("/admin/tokens/{token_id}/revoke", revoke)
