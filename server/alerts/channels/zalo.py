"""Zalo channel: an Official Account's messages and ZNS template messages, over Zalo's
HTTP API, with the token refresh Zalo needs.

Two ways to reach a person on Zalo, both sent by the province's Official Account (OA):

- **OA message** to a follower of the OA, by the user id Zalo gave them for this OA:
  ``POST {oa_api_base}/v3.0/oa/message/cs`` with ``{"recipient": {"user_id": …},
  "message": {"text": …}}`` — the plain-text body, cut to 2,000 characters.
- **ZNS** (Zalo Notification Service) to any Zalo user by phone number, with a template
  the OA had approved: ``POST {zns_api_base}/message/template`` with ``{"phone":
  "84…", "template_id": …, "template_data": {…}, "tracking_id": …}``. Which of the
  message's values fills which parameter of the template is set by ``template_data``.

Each call carries the OA's access token in the ``access_token`` header. Zalo answers
HTTP 200 with ``{"error": 0, …}`` on success and a negative ``error`` otherwise; an
expired or revoked access token (-124 on ZNS, -216 on the OA API) is refreshed and the
call made once more. The access token lives about 25 hours and is renewed ahead of time
at ``POST {oauth_base}/v4/oa/access_token`` (header ``secret_key``; form
``refresh_token``, ``app_id``, ``grant_type=refresh_token``), which hands out a new
refresh token and voids the old one: the pair is saved (``server/alerts/zalo_tokens.py``)
before it is used, so that a restart keeps the chain.

The app's secret key and the first refresh token come from the environment and are
never logged; tokens are cut out of error texts.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable
from typing import Annotated, Any, Final, Literal

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
from xaso.server.alerts.phones import PhoneError, normal_phone
from xaso.server.alerts.templates import Renderer, local_time, message_headline
from xaso.server.alerts.zalo_tokens import SavedTokens, ZaloTokenStore, seed_of

log = logging.getLogger("xaso.alerts.zalo")

# Zalo's error codes meaning "this access token no longer works": ZNS -124 (invalid or
# expired), the OA API -216 (invalid access token).
TOKEN_ERRORS: Final = frozenset({-124, -216})
# Zalo's own trouble ("unknown error, try again later"): worth another try.
RETRYABLE_ERRORS: Final = frozenset({-100, -32})
# Renew this long before the token's end: a message is never sent on a dying token.
RENEW_AHEAD_MS: Final = 10 * 60 * 1000
# Said when Zalo's answer gives no lifetime: about 25 hours, as Zalo documents.
DEFAULT_LIFETIME_S: Final = 90_000
MAX_OA_TEXT: Final = 2000
# ZNS tracking ids are short; a digest of the message and the phone fits and repeats
# for the retries of the same message (Zalo's callbacks can be matched to it).
TRACKING_CHARS: Final = 32
# Messages part-sent and waiting for a retry, remembered at most (oldest go first).
MAX_REMEMBERED: Final = 100

# What a ZNS template parameter can be filled with.
TemplateValue = Literal[
    "subject", "headline", "commune", "severity", "state", "started", "count", "key", "text"
]
_STATE_WORDS: Final = {
    "vi": {"firing": "Đang xảy ra", "reminder": "Nhắc lại", "resolved": "Đã khôi phục"},
    "en": {"firing": "Firing", "reminder": "Reminder", "resolved": "Resolved"},
}
_SEVERITY_WORDS: Final = {
    "vi": {"critical": "Nghiêm trọng", "warning": "Cảnh báo", "info": "Thông báo"},
    "en": {"critical": "Critical", "warning": "Warning", "info": "Info"},
}


class ZaloConfig(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    app_id: str
    secret_key_env: str  # the app's secret key (Zalo for Developers)
    refresh_token_env: str  # the refresh token of the OA's authorisation; then the saved one
    user_ids: list[str] = []  # OA followers who get every alert of the channel's rules
    phones: list[str] = []  # phone numbers that get them by ZNS (needs template_id)
    template_id: str | None = None  # the approved ZNS template
    # template parameter -> what fills it (see TemplateValue)
    template_data: dict[str, TemplateValue] = {}
    param_max_chars: Annotated[int, msgspec.Meta(ge=10, le=4000)] = 100
    oa_api_base: str = "https://openapi.zalo.me"
    zns_api_base: str = "https://business.openapi.zalo.me"
    oauth_base: str = "https://oauth.zaloapp.com"
    timeout_s: Annotated[float, msgspec.Meta(gt=0, le=300)] = 10


class _Reply(msgspec.Struct):
    error: int = 0
    message: str = ""


class _TokenReply(msgspec.Struct):
    access_token: str = ""
    refresh_token: str = ""
    expires_in: int | str = DEFAULT_LIFETIME_S
    error: int = 0
    error_name: str = ""
    error_description: str = ""


def template_values(message: AlertMessage, renderer: Renderer) -> dict[str, str]:
    """Every value a ZNS template parameter may take, for ``message``."""
    rendered = renderer.render(message)
    lang = message.lang
    return {
        "subject": rendered.subject,
        "headline": message_headline(message),
        "commune": message.commune_name or message.commune or "",
        "severity": _SEVERITY_WORDS[lang][message.severity],
        "state": _STATE_WORDS[lang][message.state],
        "started": local_time(message.started_ms),
        "count": str(len(message.devices)),
        "key": message.key,
        "text": rendered.text,
    }


def tracking_id(message: AlertMessage, phone: str) -> str:
    raw = f"{message.key}\0{message.state}\0{message.ts_ms}\0{phone}"
    return hashlib.sha256(raw.encode()).hexdigest()[:TRACKING_CHARS]


class ZaloChannel:
    def __init__(
        self,
        name: str,
        config: ZaloConfig,
        ctx: BuildContext,
        secret_key: str,
        first_refresh_token: str,
        phones: list[str],
        wall_ms: Callable[[], int] = lambda: int(time.time() * 1000),
    ) -> None:
        self.name = name
        self.shared = bool(config.user_ids or phones)
        self._config = config
        self._renderer = ctx.renderer
        self._secret_key = secret_key
        self._first_refresh = first_refresh_token
        self._seed = seed_of(first_refresh_token)
        self._phones = phones
        self._store = ZaloTokenStore(ctx.database)
        self._wall_ms = wall_ms
        self._tokens: SavedTokens | None = None
        self._lock = asyncio.Lock()
        self._session = LazySession(config.timeout_s)
        # The destinations a message already reached, so that a retry after a partial
        # failure does not send it to them twice.
        self._reached: dict[tuple[str, str, int], set[str]] = {}

    def __repr__(self) -> str:  # never a token or the secret key
        return f"ZaloChannel({self.name!r})"

    # -- sending ----------------------------------------------------------------------

    async def send(self, message: AlertMessage) -> None:
        targets = [f"user:{u}" for u in self._config.user_ids]
        targets += [f"phone:{p}" for p in self._phones]
        if not targets:
            raise DeliveryError(
                "this channel only reaches people (no user_ids, phones)", retryable=False
            )
        await self._send_all(message, targets)

    async def send_to(self, message: AlertMessage, address: str) -> None:
        """``address``: ``phone:84xxxxxxxxx`` (ZNS) or ``user:<OA user id>``."""
        await self._send_all(message, [address])

    async def _send_all(self, message: AlertMessage, targets: list[str]) -> None:
        key = (message.key, message.state, message.ts_ms)
        reached = self._reached.setdefault(key, set())
        try:
            for target in targets:
                if target not in reached:
                    await self._send_one(message, target)
                    reached.add(target)
        except DeliveryError as exc:
            if exc.retryable:
                # Kept for the retry; a message the dispatcher gives up on (too old)
                # is forgotten once a few others have come after it.
                while len(self._reached) > MAX_REMEMBERED:
                    del self._reached[next(iter(self._reached))]
                raise
            del self._reached[key]
            raise
        del self._reached[key]

    async def _send_one(self, message: AlertMessage, target: str) -> None:
        kind, _, who = target.partition(":")
        if kind == "phone":
            if self._config.template_id is None:
                raise DeliveryError("ZNS needs template_id", retryable=False)
            url = f"{self._config.zns_api_base.rstrip('/')}/message/template"
            values = template_values(message, self._renderer)
            limit = self._config.param_max_chars
            payload: dict[str, Any] = {
                "phone": who,
                "template_id": self._config.template_id,
                "template_data": {
                    param: values[value][:limit]
                    for param, value in self._config.template_data.items()
                },
                "tracking_id": tracking_id(message, who),
            }
        elif kind == "user":
            url = f"{self._config.oa_api_base.rstrip('/')}/v3.0/oa/message/cs"
            text = self._renderer.render(message).text
            if len(text) > MAX_OA_TEXT:
                text = text[: MAX_OA_TEXT - 1] + "…"
            payload = {"recipient": {"user_id": who}, "message": {"text": text}}
        else:
            raise DeliveryError(f"not a Zalo address: {kind!r}", retryable=False)
        token = await self._access_token()
        refused = await self._post(url, payload, token)
        if refused is not None and refused[0] in TOKEN_ERRORS:
            # Revoked or expired before its time: a new token, and once more only.
            log.info(
                "zalo %s: the access token was refused (%d); renewing it", self.name, refused[0]
            )
            token = await self._access_token(refused=token)
            refused = await self._post(url, payload, token)
        if refused is not None:
            code, text = refused
            raise DeliveryError(f"Zalo error {code}: {text}", retryable=code in RETRYABLE_ERRORS)

    async def _post(self, url: str, payload: dict[str, Any], token: str) -> tuple[int, str] | None:
        """None when Zalo took it, else Zalo's error code and text; HTTP and network
        failures raise."""
        try:
            async with self._session.get().post(
                url, json=payload, headers={"access_token": token}
            ) as response:
                raw = await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise network_error(exc, secrets=self._secrets(token)) from None
        if status != 200:
            raise status_error(status, self._scrub(raw[:200].decode("utf-8", "replace"), token))
        try:
            reply = msgspec.json.decode(raw, type=_Reply)
        except msgspec.DecodeError:
            raise DeliveryError("Zalo's answer is not JSON", retryable=True) from None
        if reply.error == 0:
            return None
        return reply.error, self._scrub(reply.message, token)

    # -- tokens -----------------------------------------------------------------------

    async def _access_token(self, refused: str | None = None) -> str:
        """A working access token: the one held, the one saved (another instance of the
        channel, or the server before a restart, may have renewed it), or a new one.
        ``refused``: a token Zalo just refused, never handed out again."""
        async with self._lock:
            now = self._wall_ms()
            for tokens in (self._tokens, self._store.load(self._config.app_id, self._seed)):
                if (
                    tokens is not None
                    and tokens.access_token != refused
                    and tokens.expires_ms - RENEW_AHEAD_MS > now
                ):
                    self._tokens = tokens
                    return tokens.access_token
            self._tokens = await self._refresh(now)
            return self._tokens.access_token

    async def _refresh(self, now_ms: int) -> SavedTokens:
        saved = self._store.load(self._config.app_id, self._seed)
        refresh_token = saved.refresh_token if saved is not None else self._first_refresh
        url = f"{self._config.oauth_base.rstrip('/')}/v4/oa/access_token"
        form = {
            "refresh_token": refresh_token,
            "app_id": self._config.app_id,
            "grant_type": "refresh_token",
        }
        secrets = self._secrets(refresh_token)
        try:
            async with self._session.get().post(
                url, data=form, headers={"secret_key": self._secret_key}
            ) as response:
                raw = await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise network_error(exc, secrets=secrets) from None
        if status != 200:
            raise status_error(status, "token refresh refused")
        try:
            reply = msgspec.json.decode(raw, type=_TokenReply)
            lifetime_s = int(reply.expires_in)
        except (msgspec.DecodeError, ValueError):
            raise DeliveryError("Zalo's token answer is not understood", retryable=True) from None
        if reply.error or not reply.access_token or not reply.refresh_token:
            # A refresh token refused stays refused: the OA must be authorised again and
            # its new refresh token put in the environment (docs/alerts.md).
            text = self._scrub(reply.error_description or reply.error_name, refresh_token)
            log.error(
                "zalo %s: the refresh token was refused (%d %s); authorise the OA again",
                self.name,
                reply.error,
                text,
            )
            raise DeliveryError(
                f"Zalo token refresh refused ({reply.error}): {text}", retryable=False
            )
        tokens = SavedTokens(reply.access_token, now_ms + lifetime_s * 1000, reply.refresh_token)
        # Saved before use: the old refresh token no longer works.
        self._store.save(self._config.app_id, self._seed, tokens, now_ms)
        log.info("zalo %s: access token renewed, valid for %d s", self.name, lifetime_s)
        return tokens

    def _secrets(self, *more: str) -> tuple[str, ...]:
        held = (self._tokens.access_token, self._tokens.refresh_token) if self._tokens else ()
        return (*more, *held, self._secret_key, self._first_refresh)

    def _scrub(self, text: str, *more: str) -> str:
        for secret in self._secrets(*more):
            if secret:
                text = text.replace(secret, "***")
        return text

    async def close(self) -> None:
        await self._session.close()


def _check_base(ctx: BuildContext, key: str, url: str) -> None:
    if not url.startswith(("http://", "https://")):
        raise ChannelConfigError(f"{ctx.path}.{key}", "must start with http:// or https://")


def build(config: ZaloConfig, ctx: BuildContext) -> ZaloChannel:
    for key in ("oa_api_base", "zns_api_base", "oauth_base"):
        _check_base(ctx, key, getattr(config, key))
    phones: list[str] = []
    for index, phone in enumerate(config.phones):
        try:
            phones.append(normal_phone(phone))
        except PhoneError as exc:
            raise ChannelConfigError(f"{ctx.path}.phones[{index}]", str(exc)) from None
    if config.template_id is None and phones:
        raise ChannelConfigError(f"{ctx.path}.template_id", "ZNS to phones needs a template_id")
    if config.template_id is not None and not config.template_data:
        raise ChannelConfigError(
            f"{ctx.path}.template_data", "name what fills the template's parameters"
        )
    secret_key = read_secret(ctx, "secret_key_env", config.secret_key_env)
    refresh = read_secret(ctx, "refresh_token_env", config.refresh_token_env)
    return ZaloChannel(ctx.name, config, ctx, secret_key, refresh, phones)
