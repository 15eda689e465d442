"""Telegram channel: the plain-text body sent by the Bot API's ``sendMessage``.

Plain text (no ``parse_mode``): device names typed by people would otherwise have to be
escaped for Telegram's Markdown or HTML subset, and one stray ``<`` makes the API refuse
the whole message with a 400. The bot token is a password to the bot: it is read from
the environment, never logged, and cut out of every error text.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

import aiohttp
import msgspec

from xaso.server.alerts.channels.base import (
    BuildContext,
    ChannelConfigError,
    DeliveryError,
    read_secret,
)
from xaso.server.alerts.channels.http import LazySession, network_error, status_error
from xaso.server.alerts.message import AlertMessage

# Bot API limit for a message's text, after entity parsing (core.telegram.org/bots/api).
MAX_TEXT: Final = 4096


class TelegramConfig(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    bot_token_env: str
    chat_id: int | str  # a group's numeric id (negative) or "@channelname"
    api_base: str = "https://api.telegram.org"
    timeout_s: Annotated[float, msgspec.Meta(gt=0, le=300)] = 10
    # Recoveries and info notices need not ring phones at night.
    silent_resolved: bool = False


class _Reply(msgspec.Struct):
    ok: bool = False
    description: str = ""
    parameters: dict[str, Any] = {}


class TelegramChannel:
    def __init__(self, name: str, config: TelegramConfig, ctx: BuildContext, token: str) -> None:
        self.name = name
        self.shared = True
        self._config = config
        self._renderer = ctx.renderer
        self._token = token
        self._url = f"{config.api_base.rstrip('/')}/bot{token}/sendMessage"
        self._session = LazySession(config.timeout_s)

    def __repr__(self) -> str:  # never the token
        return f"TelegramChannel({self.name!r})"

    async def send(self, message: AlertMessage) -> None:
        await self._send(message, self._config.chat_id)

    async def send_to(self, message: AlertMessage, address: str) -> None:
        """To one person's chat with the bot (``server/alerts/personal.py``): they must
        have started a chat with it first, as Telegram requires of every bot."""
        await self._send(message, int(address) if address.lstrip("-").isdigit() else address)

    async def _send(self, message: AlertMessage, chat_id: int | str) -> None:
        text = self._renderer.render(message).text
        if len(text) > MAX_TEXT:
            text = text[: MAX_TEXT - 1] + "…"
        payload: dict[str, Any] = {"chat_id": chat_id, "text": text}
        if self._config.silent_resolved and message.state == "resolved":
            payload["disable_notification"] = True
        try:
            async with self._session.get().post(self._url, json=payload) as response:
                if response.status == 200:
                    return
                raw = await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise network_error(exc, secrets=(self._token,)) from None
        raise self._failure(status, raw)

    def _failure(self, status: int, raw: bytes) -> DeliveryError:
        try:
            reply = msgspec.json.decode(raw, type=_Reply)
        except msgspec.DecodeError:
            reply = _Reply(description=raw[:200].decode("utf-8", "replace"))
        reason = reply.description.replace(self._token, "***")
        retry_after = reply.parameters.get("retry_after")
        if status == 429:
            # Flood control: the API says how long to wait; sending sooner only extends it.
            seconds = float(retry_after) if isinstance(retry_after, int | float) else None
            return DeliveryError(f"HTTP 429: {reason}", retryable=True, retry_after_s=seconds)
        return status_error(status, reason)

    async def close(self) -> None:
        await self._session.close()


def build(config: TelegramConfig, ctx: BuildContext) -> TelegramChannel:
    if not config.api_base.startswith(("http://", "https://")):
        raise ChannelConfigError(f"{ctx.path}.api_base", "must start with http:// or https://")
    token = read_secret(ctx, "bot_token_env", config.bot_token_env)
    return TelegramChannel(ctx.name, config, ctx, token)
