"""The admins' page of people's accounts: the list, a new account, and each account's
page to change its name, role and communes, reset its password, disable or enable it.

Plain forms (url-encoded, with the session's CSRF token): each change goes through
``administration.py`` (its checks, its audit detail) and answers with a redirect to the
account's page saying what was done; a refused one shows the form again, in words, with
what was typed (never the password).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from aiohttp import web

from xaso.server.alerts.contacts import ContactError
from xaso.server.web.accounts import PEOPLE_ROLES, Account
from xaso.server.web.administration import (
    AdminError,
    create_account,
    find_account,
    require_admin,
    set_enabled,
    set_password,
    update_account,
)
from xaso.server.web.auth import PRINCIPAL
from xaso.server.web.contact_change import contact_context, contacts, save_contact, shown, typed
from xaso.server.web.keys import ACCOUNTS
from xaso.server.web.pages.admin_shared import (
    Typed,
    admin_page,
    commune_choices,
    commune_names,
    local_time,
    refused_text,
    role_choices,
    zone,
)
from xaso.server.web.pages.admin_shared import typed as typed_account
from xaso.server.web.rendering import request_language
from xaso.server.web.tokens import Role
from xaso.server.words import role_name, translator


def _row(request: web.Request, account: Account) -> dict[str, Any]:
    words = translator(request_language(request))
    tz = zone(request)
    return {
        "login": account.login,
        "name": account.display_name,
        "role": str(account.role),
        "role_name": role_name(account.role, words),
        "communes": sorted(account.communes),
        "commune_names": commune_names(request, account.communes),
        "enabled": account.disabled_ms is None,
        "disabled": local_time(account.disabled_ms, tz),
        "created": local_time(account.created_ms, tz),
        "last_login": local_time(account.last_login_ms, tz),
        "is_me": request[PRINCIPAL].subject == account.subject,
    }


def _list_page(
    request: web.Request, form: Typed, error: str = "", status: int = 200
) -> web.Response:
    return admin_page(
        request,
        "admin_users.html",
        status,
        tab="users",
        accounts=[_row(request, a) for a in request.app[ACCOUNTS].all()],
        form=form,
        error=error,
        roles=role_choices(request, PEOPLE_ROLES),
        choices=commune_choices(request),
    )


def _account_page(
    request: web.Request,
    account: Account,
    error: str = "",
    form: Typed | None = None,
    status: int = 200,
    contact: dict[str, Any] | None = None,
    contact_error_field: str = "",
) -> web.Response:
    row = _row(request, account)
    values = contact if contact is not None else shown(contacts(request).get(account.id))
    return admin_page(
        request,
        "admin_user.html",
        status,
        tab="users",
        account=row,
        form=form or Typed(name=row["name"], role=row["role"], communes=row["communes"]),
        error=error,
        roles=role_choices(request, PEOPLE_ROLES),
        choices=commune_choices(request),
        contact_action=f"/admin/users/{quote(account.login)}/contact",
        **contact_context(request, values, contact_error_field),
    )


def _account(request: web.Request) -> Account:
    account = find_account(request, request.match_info["login"])
    if account is None:
        raise web.HTTPNotFound()
    return account


def _to_account(account: Account, done: str) -> web.HTTPSeeOther:
    return web.HTTPSeeOther(location=f"/admin/users/{quote(account.login)}?done={done}")


async def users(request: web.Request) -> web.Response:
    require_admin(request)
    return _list_page(request, Typed(role=str(Role.VIEWER)))


async def create(request: web.Request) -> web.Response:
    require_admin(request)
    form = await request.post()
    sent = typed_account(form)
    try:
        account = create_account(
            request,
            login=sent.login,
            password=str(form.get("password", "")),
            role=sent.role,
            name=sent.name,
            communes=sent.communes,
        )
    except AdminError as exc:
        return _list_page(request, sent, refused_text(request, exc), status=exc.status)
    raise _to_account(account, "created")


async def account_page(request: web.Request) -> web.Response:
    require_admin(request)
    return _account_page(request, _account(request))


async def change(request: web.Request) -> web.Response:
    require_admin(request)
    account = _account(request)
    sent = typed_account(await request.post())
    try:
        update_account(request, account, name=sent.name, role=sent.role, communes=sent.communes)
    except AdminError as exc:
        return _account_page(request, account, refused_text(request, exc), sent, exc.status)
    raise _to_account(account, "updated")


async def password(request: web.Request) -> web.Response:
    require_admin(request)
    account = _account(request)
    form = await request.post()
    try:
        set_password(request, account, str(form.get("password", "")))
    except AdminError as exc:
        return _account_page(request, account, refused_text(request, exc), status=exc.status)
    raise _to_account(account, "password")


async def contact(request: web.Request) -> web.Response:
    """Where the person gets their alerts, set by an admin (as on their own page)."""
    require_admin(request)
    account = _account(request)
    form = await request.post()
    try:
        save_contact(request, account, form)
    except ContactError as exc:
        words = translator(request_language(request))
        error = words.get(f"contact.error.{exc.code}", str(exc))
        return _account_page(
            request,
            account,
            error,
            status=400,
            contact=typed(form),
            contact_error_field=exc.field,
        )
    raise _to_account(account, "contact")


async def _set_enabled(request: web.Request, enabled: bool) -> web.Response:
    require_admin(request)
    account = _account(request)
    try:
        set_enabled(request, account, enabled)
    except AdminError as exc:
        return _account_page(request, account, refused_text(request, exc), status=exc.status)
    raise _to_account(account, "enabled" if enabled else "disabled")


async def disable(request: web.Request) -> web.Response:
    return await _set_enabled(request, False)


async def enable(request: web.Request) -> web.Response:
    return await _set_enabled(request, True)


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/admin/users", users)
    app.router.add_post("/admin/users", create)
    app.router.add_get("/admin/users/{login}", account_page)
    app.router.add_post("/admin/users/{login}", change)
    app.router.add_post("/admin/users/{login}/password", password)
    app.router.add_post("/admin/users/{login}/contact", contact)
    app.router.add_post("/admin/users/{login}/disable", disable)
    app.router.add_post("/admin/users/{login}/enable", enable)
