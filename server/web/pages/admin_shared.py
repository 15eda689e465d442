"""What the admins' pages share (accounts, API tokens, the audit log): who may open
them, the communes to choose from and to name, times in Asia/Ho_Chi_Minh, a refused
change in words."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from aiohttp import web

from xaso.server.keys import INDEX
from xaso.server.web.administration import AdminError
from xaso.server.web.rendering import render, request_language
from xaso.server.web.tokens import Role
from xaso.server.words import role_name, translator

# What a page says after a change, by ``?done=`` (the redirect after a form's post).
DONE: Final = frozenset(
    {"created", "updated", "password", "disabled", "enabled", "revoked", "contact"}
)


@dataclass
class Typed:
    """What an account's or a token's form sent, to show again when it is refused (its
    password never)."""

    login: str = ""
    name: str = ""
    role: str = ""
    communes: list[str] = field(default_factory=list)


def typed(form: Any) -> Typed:
    """``form``: the request's posted fields (``await request.post()``)."""
    return Typed(
        login=str(form.get("login", "")),
        name=str(form.get("name", "")),
        role=str(form.get("role", "")),
        communes=[str(c) for c in form.getall("communes", [])],
    )


def zone(request: web.Request) -> ZoneInfo:
    return ZoneInfo(request.app[INDEX].inventory.timezone)


def local_time(ts_ms: int | None, tz: ZoneInfo, seconds: bool = False) -> str:
    """dd/mm/yyyy HH:MM (and :SS) in the inventory's zone; "" for none."""
    if ts_ms is None:
        return ""
    shape = "%d/%m/%Y %H:%M:%S" if seconds else "%d/%m/%Y %H:%M"
    return datetime.fromtimestamp(ts_ms / 1000, tz).strftime(shape)


def commune_choices(request: web.Request) -> list[dict[str, str]]:
    """Every commune of the inventory, by name: what an account or a token may name."""
    communes = request.app[INDEX].communes.values()
    return [
        {"code": c.code, "name": c.name}
        for c in sorted(communes, key=lambda c: (c.name.casefold(), c.code))
    ]


def commune_names(request: web.Request, codes: Iterable[str]) -> str:
    communes = request.app[INDEX].communes
    return ", ".join(communes[c].name if c in communes else c for c in sorted(codes))


def role_choices(request: web.Request, roles: Iterable[Role]) -> list[dict[str, str]]:
    words = translator(request_language(request))
    return [{"value": str(role), "name": role_name(role, words)} for role in roles]


def refused_text(request: web.Request, error: AdminError) -> str:
    """A refused change in the user's words (the English message when none fits)."""
    words = translator(request_language(request))
    return words.get(f"admin.error.{error.code}", str(error))


def done_of(request: web.Request) -> str:
    done = request.query.get("done", "")
    return done if done in DONE else ""


def admin_page(
    request: web.Request, template: str, status: int = 200, **context: object
) -> web.Response:
    """An admins' page (the caller checked ``require_admin``); ``no-store``: what it
    shows (accounts, tokens, the log) is no cache's business."""
    context.setdefault("error", "")
    response = render(request, template, done=done_of(request), **context)
    response.set_status(status)
    response.headers["Cache-Control"] = "no-store"
    return response
