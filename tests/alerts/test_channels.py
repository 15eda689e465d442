"""Channels against real receivers on loopback: an SMTP server (aiosmtpd, on the test's
own event loop: no thread), a webhook receiver and a fake Telegram Bot API (aiohttp)."""

from __future__ import annotations

import asyncio
import email
import email.policy
import hashlib
import hmac
import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from email.message import EmailMessage
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.alert_samples import power_cut
from xaso.server.alerts.channels import (
    CHANNEL_TYPES,
    Channel,
    ChannelConfigError,
    DeliveryError,
    build_channel,
    build_channels,
)
from xaso.server.alerts.channels.base import Addressable
from xaso.server.alerts.channels.mail import thread_id
from xaso.server.alerts.channels.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER

ServerFactory = Callable[[web.Application], Awaitable[TestServer]]
TOKEN = "123456:SECRET-bot-token"


def _free_port() -> int:
    """A port nothing listens on, for "connection refused"."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _sent(channel: Channel, message: Any) -> None:
    try:
        await channel.send(message)
    finally:
        await channel.close()


# --- e-mail -----------------------------------------------------------------------


class _Mailbox:
    """An aiosmtpd handler keeping what it receives; ``reply`` fakes a refusal."""

    def __init__(self) -> None:
        self.mails: list[tuple[Envelope, EmailMessage]] = []
        self.reply = "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if not self.reply.startswith("250"):
            return self.reply
        assert isinstance(envelope.content, bytes)
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.mails.append((envelope, parsed))
        return self.reply


@pytest.fixture
async def smtp_server() -> AsyncIterator[tuple[_Mailbox, int]]:
    mailbox = _Mailbox()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(mailbox, hostname="xaso-test", loop=loop), "127.0.0.1", 0
    )
    port = server.sockets[0].getsockname()[1]
    yield mailbox, port
    server.close()
    await server.wait_closed()


def _mail_channel(port: int, **extra: Any) -> Channel:
    config = {
        "host": "127.0.0.1",
        "port": port,
        "starttls": False,  # loopback test server without a certificate
        "sender": "xaso@tinh.example.vn",
        "recipients": ["ktv@tinh.example.vn", "vhxh@xuanhong.example.vn"],
        "timeout_s": 5,
        **extra,
    }
    return build_channel("email", config, "alerts.channels[0]", name="mail")


async def test_email_arrives_with_vietnamese_subject_and_both_parts(
    smtp_server: tuple[_Mailbox, int],
) -> None:
    mailbox, port = smtp_server
    await _sent(_mail_channel(port), power_cut())
    [(envelope, mail)] = mailbox.mails
    assert envelope.rcpt_tos == ["ktv@tinh.example.vn", "vhxh@xuanhong.example.vn"]
    assert mail["Subject"] == "[NGHIÊM TRỌNG] Xã Xuân Hồng: 20 thiết bị mất kết nối (mất điện?)"
    assert mail["Message-ID"] == thread_id(power_cut())
    text = mail.get_body(preferencelist=("plain",))
    html = mail.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    assert "Cụm loa thôn 20 (Cụm loa truyền thanh)" in text.get_content()
    assert "<td>Cụm loa thôn 20</td>" in html.get_content()


async def test_the_recovery_mail_threads_under_the_alert(
    smtp_server: tuple[_Mailbox, int],
) -> None:
    mailbox, port = smtp_server
    await _sent(_mail_channel(port), power_cut("resolved"))
    [(_, mail)] = mailbox.mails
    assert mail["Subject"].startswith("[ĐÃ KHÔI PHỤC] Xã Xuân Hồng")
    assert mail["In-Reply-To"] == thread_id(power_cut())
    assert mail["Message-ID"] != thread_id(power_cut())


@pytest.mark.parametrize(("reply", "retryable"), [("451 try later", True), ("554 no", False)])
async def test_smtp_refusals_follow_the_reply_class(
    smtp_server: tuple[_Mailbox, int], reply: str, retryable: bool
) -> None:
    mailbox, port = smtp_server
    mailbox.reply = reply
    with pytest.raises(DeliveryError) as caught:
        await _sent(_mail_channel(port), power_cut())
    assert caught.value.retryable is retryable


async def test_an_unreachable_smtp_server_is_retryable() -> None:
    with pytest.raises(DeliveryError) as caught:
        await _sent(_mail_channel(_free_port()), power_cut())
    assert caught.value.retryable


# --- webhook ----------------------------------------------------------------------


class _Receiver:
    def __init__(self, statuses: list[int] | None = None) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.statuses = statuses or []

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append((dict(request.headers), await request.read()))
        status = self.statuses.pop(0) if self.statuses else 204
        return web.Response(status=status)

    def app(self, path: str) -> web.Application:
        app = web.Application()
        app.router.add_post(path, self.handle)
        return app


async def test_webhook_posts_signed_json(aiohttp_server: ServerFactory) -> None:
    receiver = _Receiver()
    server = await aiohttp_server(receiver.app("/hook"))
    config = {
        "url": str(server.make_url("/hook")),
        "headers": {"X-Province": "thanh-hoa"},
        "secret_env": "HOOK_SECRET",
    }
    channel = build_channel("webhook", config, "c", environ={"HOOK_SECRET": "s3cret"})
    await _sent(channel, power_cut())
    [(headers, body)] = receiver.requests
    # What a receiver does to verify (docs/alerts.md): HMAC of "<timestamp>.<body>".
    expected = hmac.new(
        b"s3cret", headers[TIMESTAMP_HEADER].encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(headers[SIGNATURE_HEADER], f"sha256={expected}")
    assert headers["X-Province"] == "thanh-hoa"
    data = json.loads(body)
    assert data["v"] == 1
    assert data["key"] == "commune:xuan-hong:power"
    assert data["state"] == "firing"
    assert len(data["devices"]) == 20
    assert data["subject"].startswith("[NGHIÊM TRỌNG] Xã Xuân Hồng")
    assert "Cụm loa thôn 1" in data["text"]


@pytest.mark.parametrize(("status", "retryable"), [(500, True), (429, True), (404, False)])
async def test_webhook_failures(
    aiohttp_server: ServerFactory, status: int, retryable: bool
) -> None:
    server = await aiohttp_server(_Receiver([status]).app("/hook"))
    channel = build_channel("webhook", {"url": str(server.make_url("/hook"))}, "c")
    with pytest.raises(DeliveryError) as caught:
        await _sent(channel, power_cut())
    assert caught.value.retryable is retryable


async def test_an_unreachable_webhook_is_retryable_and_hides_its_url() -> None:
    url = f"http://127.0.0.1:{_free_port()}/services/T000/B000/XXXXSECRET"
    channel = build_channel("webhook", {"url": url, "timeout_s": 5}, "c")
    with pytest.raises(DeliveryError) as caught:
        await _sent(channel, power_cut())
    assert caught.value.retryable
    assert "XXXXSECRET" not in str(caught.value)


# --- Telegram ---------------------------------------------------------------------


class _FakeTelegram:
    """The Bot API's sendMessage, answering from a script of (status, reply) pairs."""

    def __init__(self, script: list[tuple[int, dict[str, Any]]]) -> None:
        self.script = script
        self.received: list[dict[str, Any]] = []

    async def send_message(self, request: web.Request) -> web.Response:
        assert request.match_info["token"] == TOKEN
        self.received.append(await request.json())
        status, reply = self.script.pop(0) if self.script else (200, {})
        body = {"ok": True, "result": {"message_id": 1}} if status == 200 else reply
        return web.json_response(body, status=status)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/bot{token}/sendMessage", self.send_message)
        return app


def _telegram(api_base: str) -> Channel:
    config = {"bot_token_env": "BOT", "chat_id": -100123, "api_base": api_base, "timeout_s": 5}
    return build_channel("telegram", config, "c", name="tg", environ={"BOT": TOKEN})


async def test_telegram_sends_plain_vietnamese_text(aiohttp_server: ServerFactory) -> None:
    fake = _FakeTelegram([])
    server = await aiohttp_server(fake.app())
    await _sent(_telegram(str(server.make_url(""))), power_cut())
    [sent] = fake.received
    assert sent["chat_id"] == -100123
    assert sent["text"].startswith("Xã Xuân Hồng: 20 thiết bị mất kết nối (mất điện?)")
    assert "parse_mode" not in sent


@pytest.mark.parametrize(
    ("status", "reply", "retryable", "retry_after_s"),
    [
        (429, {"ok": False, "description": "Too Many Requests: retry after 3",
               "parameters": {"retry_after": 3}}, True, 3.0),
        (400, {"ok": False, "description": "Bad Request: chat not found"}, False, None),
        (500, {"ok": False, "description": "Internal Server Error"}, True, None),
    ],
)  # fmt: skip
async def test_telegram_failures(
    aiohttp_server: ServerFactory,
    status: int,
    reply: dict[str, Any],
    retryable: bool,
    retry_after_s: float | None,
) -> None:
    server = await aiohttp_server(_FakeTelegram([(status, reply)]).app())
    with pytest.raises(DeliveryError) as caught:
        await _sent(_telegram(str(server.make_url(""))), power_cut())
    assert caught.value.retryable is retryable
    assert caught.value.retry_after_s == retry_after_s
    assert reply["description"] in str(caught.value)


async def test_telegram_never_shows_its_token() -> None:
    channel = _telegram(f"http://127.0.0.1:{_free_port()}")
    assert TOKEN not in repr(channel)
    with pytest.raises(DeliveryError) as caught:
        await _sent(channel, power_cut())
    assert caught.value.retryable
    assert TOKEN not in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


# --- configuration ----------------------------------------------------------------


def test_the_registry_names_every_channel_type() -> None:
    assert set(CHANNEL_TYPES) == {"webhook", "email", "telegram", "apprise", "zalo"}


@pytest.mark.parametrize(
    ("type_", "config", "path", "message"),
    [
        ("webhook", {"url": "http://x", "timeout": 3}, "ch[0].timeout", "did you mean 'timeout_s'"),
        ("webhook", {"url": "http://x", "timeout_s": "3"}, "ch[0].timeout_s", "Expected `float`"),
        ("webhook", {"url": "ftp://x"}, "ch[0].url", "http:// or https://"),
        ("webhook", {}, "ch[0].url", "missing required key"),
        ("webhook", {"url": "http://x", "secret_env": "NOPE"}, "ch[0].secret_env", "NOPE is unset"),
        ("email", {"host": "h", "sender": "a", "recipients": []}, "ch[0].recipients", "length"),
        ("email", {"host": "h", "sender": "a", "recipients": ["b"], "port": 0}, "ch[0].port", ">="),
        (
            "email",
            {"host": "h", "sender": "a", "recipients": ["b"], "ssl": True, "starttls": True},
            "ch[0].starttls",
            "exclude each other",
        ),
        ("telegram", {"chat_id": 1}, "ch[0].bot_token_env", "missing required key"),
        ("telegram", {"bot_token_env": "T", "chat_id": 1.5}, "ch[0].chat_id", "Expected"),
        ("sms", {}, "ch[0].type", "unknown channel type 'sms'"),
    ],
)
def test_a_bad_config_names_the_offending_key(
    type_: str, config: dict[str, Any], path: str, message: str
) -> None:
    with pytest.raises(ChannelConfigError) as caught:
        build_channel(type_, config, "ch[0]", environ={})
    assert caught.value.path == path
    assert message in caught.value.message


def test_channel_lists_need_unique_names() -> None:
    entries: list[dict[str, Any]] = [
        {"name": "ops", "type": "webhook", "url": "http://a"},
        {"name": "ops", "type": "webhook", "url": "http://b"},
    ]
    with pytest.raises(ChannelConfigError) as caught:
        build_channels(entries, "alerts.channels")
    assert caught.value.path == "alerts.channels[1].name"
    [channel] = build_channels(entries[:1], "alerts.channels")
    assert channel.name == "ops"


async def test_email_and_telegram_reach_one_person(
    aiohttp_server: ServerFactory, smtp_server: tuple[_Mailbox, int]
) -> None:
    """``send_to``: per-person routing through the same server, sender and bot."""
    fake = _FakeTelegram([])
    server = await aiohttp_server(fake.app())
    bot = _telegram(str(server.make_url("")))
    mailbox, port = smtp_server
    mail = _mail_channel(port)
    try:
        assert isinstance(bot, Addressable) and isinstance(mail, Addressable)
        await bot.send_to(power_cut(), "987654321")
        await bot.send_to(power_cut(), "@canbo_xuanhong")
        await mail.send_to(power_cut(), "canbo@xuanhong.example.vn")
    finally:
        await bot.close()
        await mail.close()
    assert [sent["chat_id"] for sent in fake.received] == [987654321, "@canbo_xuanhong"]
    [(envelope, message)] = mailbox.mails
    assert envelope.rcpt_tos == ["canbo@xuanhong.example.vn"]
    assert message["To"] == "canbo@xuanhong.example.vn"
