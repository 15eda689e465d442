"""Webhook channel: the alert as JSON, POSTed to a URL, optionally signed.

The body is the ``AlertMessage`` (see docs/alerts.md) plus ``v``, ``subject`` and
``text`` so that a receiver that only forwards text (a chat bridge) needs no templates.
With ``secret_env`` the request carries ``X-Xaso-Timestamp`` and
``X-Xaso-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">``: signing the
timestamp too lets a receiver refuse replays of an old request (the scheme of Stripe's
and Slack's webhooks).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from typing import Annotated

import aiohttp
import msgspec

from xaso.server.alerts.channels.base import BuildContext, ChannelConfigError, read_secret
from xaso.server.alerts.channels.http import (
    LazySession,
    network_error,
    parse_retry_after,
    status_error,
)
from xaso.server.alerts.message import AlertMessage, to_builtins

WIRE_VERSION = 1
SIGNATURE_HEADER = "X-Xaso-Signature"
TIMESTAMP_HEADER = "X-Xaso-Timestamp"


class WebhookConfig(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    url: str
    headers: dict[str, str] = {}
    timeout_s: Annotated[float, msgspec.Meta(gt=0, le=300)] = 10
    # Name of the environment variable holding the HMAC key; secrets stay out of files.
    secret_env: str | None = None


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


class WebhookChannel:
    def __init__(
        self,
        name: str,
        config: WebhookConfig,
        ctx: BuildContext,
        secret: bytes | None,
        wall_s: Callable[[], float] = time.time,
    ) -> None:
        self.name = name
        self._config = config
        self._renderer = ctx.renderer
        self._secret = secret
        self._wall_s = wall_s
        self._session = LazySession(config.timeout_s)

    def __repr__(self) -> str:  # never the headers: they often hold an API key
        return f"WebhookChannel({self.name!r})"

    async def send(self, message: AlertMessage) -> None:
        rendered = self._renderer.render(message)
        payload = {"v": WIRE_VERSION, **to_builtins(message)}
        payload |= {"subject": rendered.subject, "text": rendered.text}
        body = msgspec.json.encode(payload)
        headers = {**self._config.headers, "Content-Type": "application/json; charset=utf-8"}
        if self._secret is not None:
            timestamp = str(int(self._wall_s()))
            headers[TIMESTAMP_HEADER] = timestamp
            headers[SIGNATURE_HEADER] = sign(self._secret, timestamp, body)
        try:
            async with self._session.get().post(
                self._config.url, data=body, headers=headers
            ) as response:
                if response.status < 300:
                    return
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                raise status_error(response.status, response.reason or "", retry_after)
        except (aiohttp.ClientError, TimeoutError) as exc:
            # Chat services put their key in the webhook URL (Slack, Discord): keep it out.
            raise network_error(exc, secrets=(self._config.url,)) from None

    async def close(self) -> None:
        await self._session.close()


def build(config: WebhookConfig, ctx: BuildContext) -> WebhookChannel:
    if not config.url.startswith(("http://", "https://")):
        raise ChannelConfigError(f"{ctx.path}.url", "must start with http:// or https://")
    secret = read_secret(ctx, "secret_env", config.secret_env) if config.secret_env else None
    return WebhookChannel(ctx.name, config, ctx, secret.encode() if secret else None)
