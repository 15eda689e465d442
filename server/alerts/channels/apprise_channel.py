"""Apprise channel: one Apprise URL per destination, for the services we do not write.

Apprise (a kept library) speaks 90+ services — chat apps, push services and SMS gateways
among them — each named by a URL such as ``json://noc.example.vn/hooks/xaso``,
``ntfy://ntfy.example.vn/xaso`` or ``smseagle://TOKEN@sms.example.vn/0912345678``. Those
URLs carry the service's key, so they are secrets: read from the environment or from a
file (``url_env`` / ``url_file``), never written in the alerts file, never logged, and
cut out of every error text.

A channel has a shared destination (``url_*``: every alert of its rules goes there),
a per-person one (``to_url_*``: a template with ``{to}``, filled with an officer's
number for the alerts of their communes, ``server/alerts/personal.py``), or both.
``{to}`` is the number as ``84xxxxxxxxx``; ``{to_local}`` as ``0xxxxxxxxx``.

Apprise is synchronous (``requests``): a delivery runs in the channel's worker thread,
awaited for at most ``timeout_s`` (Apprise's own socket timeouts, 4 s unless the URL
says ``cto=``/``rto=``, end the request itself), so the event loop never waits on it.
Apprise says only whether a service took the message: a failure is taken as retryable
(the dispatcher's ``max_age_s`` bounds the retries), since Apprise cannot tell a gateway
that is down from one that refused.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Final, Literal
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import apprise
import msgspec

from xaso.server.alerts.channels.base import (
    BuildContext,
    ChannelConfigError,
    DeliveryError,
    read_secret,
    read_secret_file,
)
from xaso.server.alerts.message import AlertMessage
from xaso.server.alerts.phones import local_phone

log = logging.getLogger("xaso.alerts.apprise")

# At DEBUG, Apprise logs the payloads it sends (an SMS gateway's API token among them)
# and urllib3 the paths it requests (a receiver's key): never below WARNING here, so no
# log level of the server's can put a secret in its log.
for _noisy in ("apprise", "urllib3.connectionpool"):
    logging.getLogger(_noisy).setLevel(logging.WARNING)

# Parts of a URL shorter than this are not cut out of texts: they are words, not keys.
_MIN_SECRET_CHARS: Final = 4
_TYPES: Final = {
    "info": apprise.NotifyType.INFO,
    "warning": apprise.NotifyType.WARNING,
    "critical": apprise.NotifyType.FAILURE,
}


class AppriseConfig(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    # The shared destination: the environment variable or the file holding its URL.
    url_env: str | None = None
    url_file: str | None = None
    # The per-person destination: a URL template with {to} (or {to_local}).
    to_url_env: str | None = None
    to_url_file: str | None = None
    # "text": the subject and the plain-text body; "short": the subject alone (an SMS).
    body: Literal["text", "short"] = "text"
    timeout_s: Annotated[float, msgspec.Meta(gt=0, le=300)] = 20


def url_secrets(url: str) -> tuple[str, ...]:
    """The parts of ``url`` that may be a key: the whole, its user and password, each
    path segment and query value (decoded and as written). The host is not one."""
    found = {url}
    try:
        parts = urlsplit(url)
        found |= {parts.username or "", parts.password or ""}
        found |= set(parts.path.split("/"))
        found |= {value for _, value in parse_qsl(parts.query)}
    except ValueError:
        pass
    found |= {unquote(part) for part in found}
    return tuple(sorted((p for p in found if len(p) >= _MIN_SECRET_CHARS), key=len, reverse=True))


def scrub(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


class AppriseChannel:
    def __init__(
        self,
        name: str,
        config: AppriseConfig,
        ctx: BuildContext,
        url: str | None,
        to_url: str | None,
    ) -> None:
        self.name = name
        self.shared = url is not None
        self._config = config
        self._renderer = ctx.renderer
        self._url = url
        self._to_url = to_url
        # Its own worker thread (one: the dispatcher sends one message at a time per
        # channel), so that close() can let it go and a test can see it end.
        self._executor: ThreadPoolExecutor | None = None

    def __repr__(self) -> str:  # never the URLs
        return f"AppriseChannel({self.name!r})"

    async def send(self, message: AlertMessage) -> None:
        if self._url is None:
            raise DeliveryError("this channel only reaches people (no url_env)", retryable=False)
        await self._notify(self._url, message)

    async def send_to(self, message: AlertMessage, address: str) -> None:
        if self._to_url is None:
            raise DeliveryError("this channel reaches no person (no to_url_env)", retryable=False)
        url = self._to_url.replace("{to}", quote(address, safe="")).replace(
            "{to_local}", quote(local_phone(address), safe="")
        )
        await self._notify(url, message)

    async def _notify(self, url: str, message: AlertMessage) -> None:
        rendered = self._renderer.render(message)
        body = rendered.subject if self._config.body == "short" else rendered.text
        title = "" if self._config.body == "short" else rendered.subject
        secrets = url_secrets(url)
        timeout = self._config.timeout_s
        if self._executor is None:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix=f"apprise-{self.name}")
        loop = asyncio.get_running_loop()
        work = loop.run_in_executor(
            self._executor, _notify_now, url, title, body, _TYPES[message.severity]
        )
        try:
            ok, said = await asyncio.wait_for(work, timeout=timeout)
        except TimeoutError:
            raise DeliveryError(f"no answer within {timeout:g} s", retryable=True) from None
        except Exception as exc:  # a bug or a surprise inside Apprise or its plugin
            raise DeliveryError(
                scrub(f"{type(exc).__name__}: {exc}", secrets), retryable=True
            ) from None
        if not ok:
            raise DeliveryError(
                scrub(said or "the service did not take it", secrets), retryable=True
            )

    async def close(self) -> None:
        """Let the worker thread go: it ends once a request under way is done (bounded
        by ``timeout_s``); nothing waits for it here."""
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None


class _ThreadLog(logging.Handler):
    """What Apprise says (warnings and errors) on this thread only: other channels may
    be talking through Apprise on other threads at the same time."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.thread = threading.get_ident()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.lines.append(record.getMessage())


def _notify_now(url: str, title: str, body: str, kind: apprise.NotifyType) -> tuple[bool, str]:
    """One notification through Apprise's service for ``url``, on this (worker) thread;
    whether the service took it, and what Apprise said of a failure. The service is
    called directly rather than through ``Apprise.notify``, whose process-wide thread
    pools would outlive the channel."""
    service = apprise.Apprise.instantiate(url)
    if service is None:
        return False, "Apprise cannot use this URL"
    heard = _ThreadLog()
    logger = logging.getLogger("apprise")
    logger.addHandler(heard)
    try:
        ok = service.notify(
            body=body, title=title, notify_type=kind, body_format=apprise.NotifyFormat.TEXT
        )
    finally:
        logger.removeHandler(heard)
    return bool(ok), "; ".join(heard.lines)[-500:]


def _read(ctx: BuildContext, config: AppriseConfig, env_key: str, file_key: str) -> str | None:
    variable, path = getattr(config, env_key), getattr(config, file_key)
    if variable is not None and path is not None:
        raise ChannelConfigError(
            f"{ctx.path}.{file_key}", f"{env_key} and {file_key} exclude each other"
        )
    if variable is not None:
        return read_secret(ctx, env_key, variable)
    if path is not None:
        return read_secret_file(ctx, file_key, path)
    return None


def _check_url(ctx: BuildContext, key: str, url: str) -> None:
    """Apprise must know the URL's service: a typo stops the server at start. The URL
    itself is never in the error."""
    if apprise.Apprise.instantiate(url) is None:
        raise ChannelConfigError(
            f"{ctx.path}.{key}", "Apprise does not take this URL (see its list of services)"
        )


def build(config: AppriseConfig, ctx: BuildContext) -> AppriseChannel:
    url = _read(ctx, config, "url_env", "url_file")
    to_url = _read(ctx, config, "to_url_env", "to_url_file")
    if url is None and to_url is None:
        raise ChannelConfigError(
            ctx.path, "needs a destination: url_env or url_file, and/or to_url_env or to_url_file"
        )
    if url is not None:
        _check_url(ctx, "url_env" if config.url_env else "url_file", url)
    if to_url is not None:
        key = "to_url_env" if config.to_url_env else "to_url_file"
        if "{to}" not in to_url and "{to_local}" not in to_url:
            raise ChannelConfigError(
                f"{ctx.path}.{key}", "the URL template has no {to} (or {to_local})"
            )
        _check_url(
            ctx, key, to_url.replace("{to}", "84912345678").replace("{to_local}", "0912345678")
        )
    return AppriseChannel(ctx.name, config, ctx, url, to_url)
