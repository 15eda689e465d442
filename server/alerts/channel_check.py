"""A test message through a channel, now: does this channel reach its people?

An administrator setting up alerting (or wondering why nothing arrived) asks for one
from the alerts page. The message goes through the real channel code — the same
configuration, secrets and templates as an alert — but on a channel built for it and
closed after, not through the dispatcher: the answer comes at once, with the error's
text when it fails, and it neither waits behind queued alerts nor is retried later.

A test message is an ``AlertMessage`` with ``rule: "test"``, key ``test:<channel>``,
severity ``info`` and no devices, so a receiver can tell it from an alert. It is not
recorded in the alert history: no alert group is involved.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from xaso.server.alerts.channels import build_channel
from xaso.server.alerts.channels.base import Addressable, ChannelConfigError, DeliveryError
from xaso.server.alerts.message import AlertMessage, Language
from xaso.server.alerts.templates import TEST_RULE, Renderer

log = logging.getLogger("xaso.alerts")

_NOTE: dict[Language, str] = {
    "vi": "Kênh “{channel}” gửi được tin. {by} yêu cầu gửi tin thử này; không cần làm gì.",
    "en": "Channel “{channel}” delivers. {by} asked for this test message; nothing to do.",
}


_NO_ADDRESS: dict[Language, str] = {
    "vi": "Kênh này chỉ gửi riêng cán bộ: điền địa chỉ của bạn cho kênh này ở "
    "“Tài khoản của tôi” (/account) để nhận tin thử.",
    "en": "This channel only reaches people: set your own address for it on "
    "“My account” (/account) to get the test message.",
}


class ChannelCheck(msgspec.Struct, frozen=True):
    """The outcome of one test message."""

    channel: str
    at_ms: int
    by: str  # who asked (an account's display name, or a token's name)
    ok: bool
    error: str | None = None  # why it failed, as the channel said it (no secrets)


def check_message(channel: str, by: str, lang: Language, now_ms: int) -> AlertMessage:
    return AlertMessage(
        key=f"{TEST_RULE}:{channel}",
        state="firing",
        severity="info",
        rule=TEST_RULE,
        started_ms=now_ms,
        ts_ms=now_ms,
        summary=_NOTE[lang].format(channel=channel, by=by),
        lang=lang,
    )


def channel_entry(entries: Sequence[Mapping[str, Any]], name: str) -> Mapping[str, Any] | None:
    """The ``channels:`` entry named ``name``, or None."""
    return next((entry for entry in entries if entry.get("name") == name), None)


async def send_check(
    entry: Mapping[str, Any],
    *,
    by: str,
    lang: Language,
    now_ms: int,
    environ: Mapping[str, str] | None = None,
    database: sqlite3.Connection | None = None,
    own_address: str | None = None,
) -> ChannelCheck:
    """Send a test message through the channel of ``entry`` (a ``channels:`` entry of
    the alerts file) and say how it went. ``environ`` is where the server read the
    channels' secrets (None: the process environment); ``database`` the server's own,
    where a channel keeps its state (Zalo's tokens: a test that renews them must not
    lose the new refresh token). A channel that only reaches people (``shared`` false)
    sends the test to the asker's own address on it, ``own_address`` (from their page).
    """
    settings = dict(entry)
    type_, name = str(settings.pop("type", "")), str(settings.pop("name", ""))
    error: str | None = None
    try:
        channel = build_channel(
            type_,
            settings,
            f"channel {name}",
            name=name,
            renderer=Renderer(),
            environ=environ,
            database=database,
        )
    except ChannelConfigError as exc:
        # The file was checked at start; a secret unset since then is the likely case.
        error = str(exc)
    else:
        message = check_message(name, by, lang, now_ms)
        try:
            if getattr(channel, "shared", True):
                await channel.send(message)
            elif own_address is not None and isinstance(channel, Addressable):
                await channel.send_to(message, own_address)
            else:
                raise DeliveryError(_NO_ADDRESS[lang], retryable=False)
        except DeliveryError as exc:
            error = str(exc)
        except Exception as exc:  # a bug in a channel: said, not raised into the page
            log.exception("test message to %s failed unexpectedly", name)
            error = f"{type(exc).__name__}: {exc}"
        finally:
            await channel.close()
    log.info("test message to %s asked by %s: %s", name, by, error or "sent")
    return ChannelCheck(channel=name, at_ms=now_ms, by=by, ok=error is None, error=error)
