"""The alert channels: their configuration without secrets, and a test message.

- ``GET /api/v1/alerts/channels`` (any role): each channel of the alerts file as
  ``server/alerts/channel_view.py`` shows it, the rules that send to it and its latest
  test message; ``alerting`` is false (and the list empty) when alerting is off.
- ``POST /api/v1/alerts/channels/{name}/test`` (admins): a test message through that
  channel now (``server/alerts/channel_check.py``); the answer says whether it was sent,
  or the error. ``?lang=en`` writes it in English.
"""

from __future__ import annotations

from typing import Any

import msgspec
from aiohttp import web

from xaso.server.alerts.channel_check import ChannelCheck, channel_entry, send_check
from xaso.server.alerts.channel_view import describe_channels
from xaso.server.alerts.contacts import ContactStore
from xaso.server.alerts.message import Language
from xaso.server.alerts.personal import PersonalRouting, addresses
from xaso.server.alerts.wiring import ALERTS
from xaso.server.keys import CLOCK_MS, DATABASE
from xaso.server.web.accounts import USER_PREFIX
from xaso.server.web.auth import PRINCIPAL
from xaso.server.web.http import forbidden, json_response, not_found
from xaso.server.web.tokens import Role


def may_test_channels(request: web.Request) -> bool:
    return request[PRINCIPAL].role is Role.ADMIN


async def check_channel(request: web.Request, name: str, lang: Language) -> ChannelCheck:
    """Send a test message through the channel ``name`` as the asker, keep the outcome
    as the channel's latest test, and return it; 404 when there is no such channel (or
    alerting is off). The caller checks who may."""
    runtime = request.app.get(ALERTS)
    entry = channel_entry(runtime.config.channels, name) if runtime is not None else None
    if runtime is None or entry is None:
        raise not_found("channel")
    check = await send_check(
        entry,
        by=request[PRINCIPAL].name,
        lang=lang,
        now_ms=request.app[CLOCK_MS](),
        environ=runtime.environ,
        database=request.app[DATABASE].connection,
        own_address=_own_address(request, runtime.config.personal, name),
    )
    runtime.checks[name] = check
    return check


def _own_address(
    request: web.Request, personal: PersonalRouting | None, channel: str
) -> str | None:
    """The asker's own address on ``channel`` (their page), for a test message through a
    channel that only reaches people; None without one."""
    subject = request[PRINCIPAL].subject
    if personal is None or not subject.startswith(USER_PREFIX):
        return None
    contact = ContactStore(request.app[DATABASE].connection).get(subject.removeprefix(USER_PREFIX))
    mine = addresses(contact)
    kinds = [kind for kind, name in personal.channels().items() if name == channel]
    return next((mine[kind] for kind in kinds if kind in mine), None)


def _check_json(check: ChannelCheck | None) -> dict[str, Any] | None:
    if check is None:
        return None
    body = msgspec.to_builtins(check)
    assert isinstance(body, dict)
    return body


async def list_channels(request: web.Request) -> web.Response:
    runtime = request.app.get(ALERTS)
    if runtime is None:
        return json_response({"alerting": False, "channels": []})
    views = describe_channels(
        runtime.config.channels, runtime.config.rules, runtime.config.personal
    )
    return json_response(
        {
            "alerting": True,
            "channels": [
                {
                    "name": view.name,
                    "type": view.type,
                    "settings": dict(view.settings),
                    "rules": view.rules,
                    "people": view.people,
                    "last_test": _check_json(runtime.checks.get(view.name)),
                }
                for view in views
            ],
        }
    )


async def send_channel_test(request: web.Request) -> web.Response:
    if not may_test_channels(request):
        raise forbidden()
    lang: Language = "en" if request.query.get("lang") == "en" else "vi"
    check = await check_channel(request, request.match_info["name"], lang)
    return json_response(_check_json(check))


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/alerts/channels", list_channels)
    app.router.add_post("/api/v1/alerts/channels/{name}/test", send_channel_test)
