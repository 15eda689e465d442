"""Channels as the pages show them (no secrets) and their test messages, sent through
the real channel code to real receivers on loopback: a webhook receiver, an SMTP server
(aiosmtpd) and a fake Telegram Bot API."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.alerts.standins import ZaloStandIn
from tests.doubles import Receiver
from xaso.server.alerts.channel_check import channel_entry, send_check
from xaso.server.alerts.channel_view import describe_channels, masked_url
from xaso.server.alerts.config import RuleConfig
from xaso.server.alerts.zalo_tokens import ZaloTokenStore, seed_of
from xaso.server.database import connect

NOW = 1_800_000_000_000
TOKEN = "123456:SECRET-bot-token"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- what the page shows -------------------------------------------------------------


def test_urls_show_their_host_only() -> None:
    assert masked_url("https://hooks.slack.com/services/T0/B0/XYZ") == "https://hooks.slack.com/***"
    assert (
        masked_url("https://user:pw@noc.example.vn:8443/h?key=1")
        == "https://noc.example.vn:8443/***"
    )
    assert masked_url("https://api.telegram.org") == "https://api.telegram.org"
    assert masked_url("http://[::1]:9/x") == "http://[::1]:9/***"
    assert masked_url("not a url") == "***"


def test_a_channel_shows_no_secret() -> None:
    entries = [
        {
            "name": "noc",
            "type": "webhook",
            "url": "https://noc.example.vn/hooks/s3cr3t-path",
            "headers": {"X-Api-Key": "k3y-value"},
            "secret_env": "XASO_WEBHOOK_SECRET",
        },
        {
            "name": "mail",
            "type": "email",
            "host": "smtp.example.vn",
            "sender": "xaso@example.vn",
            "recipients": ["a@example.vn", "b@example.vn"],
            "username": "xaso",
            "password_env": "XASO_SMTP_PASSWORD",
        },
        {"name": "tg", "type": "telegram", "bot_token_env": "XASO_TG", "chat_id": -100123},
        {"name": "future", "type": "pager", "token": "t0k3n"},
    ]
    rules = [
        RuleConfig(name="down", type="device_down", down_for_s=60),
        RuleConfig(name="clock", type="clock_offset", max_offset_ms=5000, channels=["tg"]),
    ]
    views = {view.name: view for view in describe_channels(entries, rules)}
    shown = repr(views)
    for secret in ("s3cr3t-path", "k3y-value", "t0k3n"):
        assert secret not in shown
    assert dict(views["noc"].settings) == {
        "url": "https://noc.example.vn/***",
        "headers": "X-Api-Key: ***",
        "secret_env": "XASO_WEBHOOK_SECRET",
    }
    assert dict(views["mail"].settings)["recipients"] == "a@example.vn, b@example.vn"
    assert dict(views["tg"].settings) == {"bot_token_env": "XASO_TG", "chat_id": "-100123"}
    assert dict(views["future"].settings) == {"token": "***"}
    assert views["noc"].rules == ["down"]  # a rule naming no channel sends to every one
    assert views["tg"].rules == ["down", "clock"]


# -- test messages -------------------------------------------------------------------


async def test_a_test_message_reaches_the_webhook(receiver: tuple[Receiver, str]) -> None:
    hook, url = receiver
    entry = {"name": "noc", "type": "webhook", "url": url}
    check = await send_check(entry, by="Sở TT&TT", lang="vi", now_ms=NOW)
    assert (check.ok, check.error, check.channel, check.by) == (True, None, "noc", "Sở TT&TT")
    (body,) = hook.bodies
    assert (body["rule"], body["key"], body["severity"]) == ("test", "test:noc", "info")
    assert body["subject"] == "[THÔNG BÁO] Tin nhắn thử của hệ thống giám sát hạ tầng số"
    assert "Kênh “noc” gửi được tin. Sở TT&TT yêu cầu gửi tin thử này" in body["text"]
    assert "Gửi lúc" in body["text"]


async def test_a_failed_test_message_says_why_without_the_url() -> None:
    url = f"http://127.0.0.1:{_free_port()}/hooks/s3cr3t"
    check = await send_check(
        {"name": "noc", "type": "webhook", "url": url}, by="a", lang="en", now_ms=NOW
    )
    assert not check.ok
    assert check.error is not None and "s3cr3t" not in check.error
    assert "Connect" in check.error  # aiohttp's ClientConnectorError: refused


async def test_a_secret_unset_since_the_start_is_said() -> None:
    entry = {"name": "tg", "type": "telegram", "bot_token_env": "XASO_GONE", "chat_id": 1}
    check = await send_check(entry, by="a", lang="vi", now_ms=NOW, environ={})
    assert not check.ok
    assert check.error == "channel tg.bot_token_env: environment variable XASO_GONE is unset"


async def test_a_test_message_reaches_telegram_and_its_token_stays_hidden(
    aiohttp_server: Callable[[web.Application], Awaitable[TestServer]],
) -> None:
    texts: list[dict[str, Any]] = []

    async def send_message(request: web.Request) -> web.Response:
        texts.append(await request.json())
        if len(texts) > 1:
            return web.json_response(
                {"ok": False, "description": f"Forbidden: bot {TOKEN} was kicked"}, status=403
            )
        return web.json_response({"ok": True})

    api = web.Application()
    api.router.add_post(f"/bot{TOKEN}/sendMessage", send_message)
    server = await aiohttp_server(api)
    entry = {
        "name": "tg",
        "type": "telegram",
        "bot_token_env": "BOT",
        "chat_id": -100,
        "api_base": str(server.make_url("")),
    }
    sent = await send_check(entry, by="a", lang="en", now_ms=NOW, environ={"BOT": TOKEN})
    assert sent.ok
    assert texts[0]["chat_id"] == -100
    assert texts[0]["text"].startswith("Test message from the digital infrastructure monitor")
    refused = await send_check(entry, by="a", lang="en", now_ms=NOW, environ={"BOT": TOKEN})
    assert refused.error == "HTTP 403: Forbidden: bot *** was kicked"


class _Mailbox:
    def __init__(self) -> None:
        self.mails: list[EmailMessage] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.mails.append(parsed)
        return "250 OK"


@pytest.fixture
async def smtp_server() -> AsyncIterator[tuple[_Mailbox, int]]:
    mailbox = _Mailbox()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(mailbox, hostname="xaso-test", loop=loop), "127.0.0.1", 0
    )
    yield mailbox, server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()


async def test_a_test_message_reaches_the_mailbox(smtp_server: tuple[_Mailbox, int]) -> None:
    mailbox, port = smtp_server
    entry = {
        "name": "mail",
        "type": "email",
        "host": "127.0.0.1",
        "port": port,
        "starttls": False,
        "sender": "xaso@tinh.example.vn",
        "recipients": ["ktv@tinh.example.vn"],
        "timeout_s": 5,
    }
    check = await send_check(entry, by="Sở TT&TT", lang="vi", now_ms=NOW)
    assert check.ok, check.error
    (mail,) = mailbox.mails
    assert mail["Subject"] == "[THÔNG BÁO] Tin nhắn thử của hệ thống giám sát hạ tầng số"


def test_a_channel_entry_is_found_by_name() -> None:
    entries = [{"name": "a", "type": "webhook"}, {"name": "b", "type": "email"}]
    assert channel_entry(entries, "b") == {"name": "b", "type": "email"}
    assert channel_entry(entries, "c") is None


def test_apprise_and_zalo_channels_show_no_secret_nor_personal_data() -> None:
    entries = [
        {"name": "sms", "type": "apprise", "to_url_env": "XASO_SMS_URL", "body": "short"},
        {
            "name": "zalo",
            "type": "zalo",
            "app_id": "4291763606161179100",
            "secret_key_env": "XASO_ZALO_SECRET_KEY",
            "refresh_token_env": "XASO_ZALO_REFRESH_TOKEN",
            "phones": ["0912345678"],
            "template_id": "331977",
            "template_data": {"xa": "commune"},
            "zns_api_base": "https://business.openapi.zalo.me/private",
        },
    ]
    sms, zalo = describe_channels(entries, [])
    assert dict(sms.settings) == {"to_url_env": "XASO_SMS_URL", "body": "short"}
    shown = dict(zalo.settings)
    assert shown["phones"] == "***"  # an officer's number is nobody else's business
    assert shown["template_data"] == "xa: commune"
    assert shown["zns_api_base"] == "https://business.openapi.zalo.me/***"
    assert shown["secret_key_env"] == "XASO_ZALO_SECRET_KEY"


async def test_a_zalo_test_message_keeps_the_renewed_tokens(
    aiohttp_server: Callable[[web.Application], Awaitable[TestServer]], tmp_path: Path
) -> None:
    """A test message renews the access token like an alert does: the rotated refresh
    token must be saved, or the next alert finds the old one refused."""
    zalo = ZaloStandIn(app_id="1", secret_key="k", refresh_token="ref-first")
    server = await aiohttp_server(zalo.app())
    base = f"http://127.0.0.1:{server.port}"
    entry = {
        "name": "zalo",
        "type": "zalo",
        "app_id": "1",
        "secret_key_env": "K",
        "refresh_token_env": "R",
        "user_ids": ["4872340967209417113"],
        "oa_api_base": base,
        "zns_api_base": base,
        "oauth_base": base,
    }
    database = connect(tmp_path / "xaso.db")
    check = await send_check(
        entry,
        by="Sở",
        lang="vi",
        now_ms=NOW,
        environ={"K": "k", "R": "ref-first"},
        database=database,
    )
    assert check.ok, check.error
    [sent] = zalo.oa
    assert "Tin nhắn thử" in sent["message"]["text"]
    saved = ZaloTokenStore(database).load("1", seed_of("ref-first"))
    assert saved is not None and saved.refresh_token == zalo.refresh_token
    database.close()
