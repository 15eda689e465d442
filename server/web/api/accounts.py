"""People's accounts and API tokens through the API, for admins only (docs/api.md).

The same changes as the admins' pages, through ``administration.py``: its checks (known
communes, no admin disabling themselves, the last enabled admin kept) and its audit
detail. A token is answered once, when it is created; a password never.
"""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec
from aiohttp import web

from xaso.server.web.accounts import Account
from xaso.server.web.administration import (
    AdminError,
    create_account,
    create_token,
    find_account,
    require_admin,
    revoke_token,
    set_enabled,
    set_password,
    update_account,
)
from xaso.server.web.http import bad_request, json_body, json_response, not_found
from xaso.server.web.keys import ACCOUNTS, TOKENS
from xaso.server.web.views import iso_utc

_Shape = TypeVar("_Shape")


class _NewAccount(msgspec.Struct, forbid_unknown_fields=True):
    login: str
    password: str
    role: str
    name: str = ""
    communes: list[str] = []


class _AccountChange(msgspec.Struct, forbid_unknown_fields=True):
    name: str | None = None
    role: str | None = None
    communes: list[str] | None = None


class _NewPassword(msgspec.Struct, forbid_unknown_fields=True):
    password: str


class _NewToken(msgspec.Struct, forbid_unknown_fields=True):
    role: str
    name: str = ""
    communes: list[str] = []


async def _body(request: web.Request, shape: type[_Shape]) -> _Shape:
    try:
        return msgspec.convert(await json_body(request), shape)
    except msgspec.ValidationError as exc:
        raise bad_request(str(exc)) from None


def _refused(error: AdminError) -> web.HTTPException:
    status = {404: web.HTTPNotFound, 409: web.HTTPConflict}.get(error.status, web.HTTPBadRequest)
    return status(
        text=msgspec.json.encode({"error": str(error), "code": error.code}).decode(),
        content_type="application/json",
    )


def account_view(account: Account) -> dict[str, Any]:
    return {
        "id": account.id,
        "subject": account.subject,
        "login": account.login,
        "name": account.display_name,
        "role": account.role,
        "communes": sorted(account.communes),
        "enabled": account.disabled_ms is None,
        "created": iso_utc(account.created_ms),
        "created_ms": account.created_ms,
        "disabled": iso_utc(account.disabled_ms),
        "disabled_ms": account.disabled_ms,
        "last_login": iso_utc(account.last_login_ms),
        "last_login_ms": account.last_login_ms,
    }


def token_view(listed: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": listed["id"],
        "name": listed["name"],
        "role": listed["role"],
        "communes": listed["communes"],
        "created": iso_utc(listed["created_ms"]),
        "created_ms": listed["created_ms"],
        "last_used": iso_utc(listed["last_used_ms"]),
        "last_used_ms": listed["last_used_ms"],
        "revoked": iso_utc(listed["revoked_ms"]),
        "revoked_ms": listed["revoked_ms"],
    }


def _account(request: web.Request) -> Account:
    account = find_account(request, request.match_info["login"])
    if account is None:
        raise not_found("account")
    return account


async def list_users(request: web.Request) -> web.Response:
    require_admin(request)
    return json_response({"users": [account_view(a) for a in request.app[ACCOUNTS].all()]})


async def create_user(request: web.Request) -> web.Response:
    require_admin(request)
    body = await _body(request, _NewAccount)
    try:
        account = create_account(
            request,
            login=body.login,
            password=body.password,
            role=body.role,
            name=body.name,
            communes=body.communes,
        )
    except AdminError as exc:
        raise _refused(exc) from None
    return json_response(account_view(account), status=201)


async def change_user(request: web.Request) -> web.Response:
    require_admin(request)
    account = _account(request)
    body = await _body(request, _AccountChange)
    try:
        changed = update_account(
            request, account, name=body.name, role=body.role, communes=body.communes
        )
    except AdminError as exc:
        raise _refused(exc) from None
    return json_response(account_view(changed))


async def change_password(request: web.Request) -> web.Response:
    require_admin(request)
    account = _account(request)
    body = await _body(request, _NewPassword)
    try:
        set_password(request, account, body.password)
    except AdminError as exc:
        raise _refused(exc) from None
    return web.Response(status=204)


async def _enable(request: web.Request, enabled: bool) -> web.Response:
    require_admin(request)
    account = _account(request)
    try:
        changed = set_enabled(request, account, enabled)
    except AdminError as exc:
        raise _refused(exc) from None
    return json_response(account_view(changed))


async def disable_user(request: web.Request) -> web.Response:
    return await _enable(request, False)


async def enable_user(request: web.Request) -> web.Response:
    return await _enable(request, True)


async def list_tokens(request: web.Request) -> web.Response:
    require_admin(request)
    return json_response({"tokens": [token_view(t) for t in request.app[TOKENS].list()]})


async def new_token(request: web.Request) -> web.Response:
    require_admin(request)
    body = await _body(request, _NewToken)
    try:
        token, listed = create_token(
            request, role=body.role, name=body.name, communes=body.communes
        )
    except AdminError as exc:
        raise _refused(exc) from None
    response = json_response({**token_view(listed), "token": token}, status=201)
    response.headers["Cache-Control"] = "no-store"  # the token, once, kept by no cache
    return response


async def delete_token(request: web.Request) -> web.Response:
    require_admin(request)
    if revoke_token(request, request.match_info["token_id"]) is None:
        raise not_found("token")
    return web.Response(status=204)


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/users", list_users)
    app.router.add_post("/api/v1/users", create_user)
    app.router.add_patch("/api/v1/users/{login}", change_user)
    app.router.add_post("/api/v1/users/{login}/password", change_password)
    app.router.add_post("/api/v1/users/{login}/disable", disable_user)
    app.router.add_post("/api/v1/users/{login}/enable", enable_user)
    app.router.add_get("/api/v1/tokens", list_tokens)
    app.router.add_post("/api/v1/tokens", new_token)
    app.router.add_delete("/api/v1/tokens/{token_id}", delete_token)
