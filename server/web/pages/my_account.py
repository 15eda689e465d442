"""Tài khoản của tôi (``/account``): who I am here, and where I want my communes'
alerts — Zalo, SMS, e-mail, Telegram — of which severities and kinds.

Every signed-in person has it; an admin sees and changes the same form on the person's
account page (``admin_users.py``). A plain form with the session's CSRF token; a
refused one is shown again with what was typed and the field in words.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from xaso.server.alerts.contacts import ContactError
from xaso.server.web.accounts import USER_PREFIX, Account
from xaso.server.web.auth import PRINCIPAL
from xaso.server.web.contact_change import contact_context, contacts, save_contact, shown, typed
from xaso.server.web.keys import ACCOUNTS
from xaso.server.web.pages.admin_shared import commune_names
from xaso.server.web.rendering import render, request_language
from xaso.server.words import role_name, translator


def _me(request: web.Request) -> Account:
    """The signed-in person's account; an API token has none (403)."""
    subject = request[PRINCIPAL].subject
    account = (
        request.app[ACCOUNTS].get(subject.removeprefix(USER_PREFIX))
        if subject.startswith(USER_PREFIX)
        else None
    )
    if account is None:
        raise web.HTTPForbidden(text="a person's account only")
    return account


def _page(
    request: web.Request,
    account: Account,
    values: dict[str, Any],
    error: str = "",
    error_field: str = "",
    status: int = 200,
) -> web.Response:
    words = translator(request_language(request))
    response = render(
        request,
        "my_account.html",
        me={
            "login": account.login,
            "name": account.display_name,
            "role_name": role_name(account.role, words),
            "communes": commune_names(request, account.communes),
        },
        error=error,
        done=request.query.get("done") == "saved",
        **contact_context(request, values, error_field),
    )
    response.set_status(status)
    response.headers["Cache-Control"] = "no-store"
    return response


def refused_text(request: web.Request, error: ContactError) -> str:
    words = translator(request_language(request))
    return words.get(f"contact.error.{error.code}", str(error))


async def my_account(request: web.Request) -> web.Response:
    account = _me(request)
    return _page(request, account, shown(contacts(request).get(account.id)))


async def save(request: web.Request) -> web.Response:
    account = _me(request)
    form = await request.post()
    try:
        save_contact(request, account, form)
    except ContactError as exc:
        return _page(request, account, typed(form), refused_text(request, exc), exc.field, 400)
    raise web.HTTPSeeOther(location="/account?done=saved")


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/account", my_account)
    app.router.add_post("/account", save)
