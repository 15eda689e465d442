"""What the HTTP channels (webhook, Telegram) share: a lazy client session and the
mapping of HTTP outcomes to retryable or final failures."""

from __future__ import annotations

import aiohttp

from xaso.server.alerts.channels.base import DeliveryError


class LazySession:
    """An ``aiohttp.ClientSession`` made on first use: channels are built when the
    settings load, possibly before the event loop runs, and a session belongs to the
    loop it was made on."""

    def __init__(self, timeout_s: float) -> None:
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None

    def get(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def status_error(status: int, reason: str, retry_after_s: float | None = None) -> DeliveryError:
    """RFC 9110: 408 and 429 ask the client to come back, 5xx is the server's own
    trouble; any other 4xx says the request itself is wrong and sending it again would
    only fail again."""
    retryable = status in (408, 429) or status >= 500
    return DeliveryError(
        f"HTTP {status}: {reason}", retryable=retryable, retry_after_s=retry_after_s
    )


def parse_retry_after(value: str | None) -> float | None:
    """The delay-seconds form of Retry-After; the HTTP-date form is rare from APIs
    and falls back to our own backoff."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


def network_error(exc: BaseException, *, secrets: tuple[str, ...] = ()) -> DeliveryError:
    """A refused connection, a reset or a timeout: the receiver may come back, so it is
    retryable. Secrets (a bot token, a webhook URL's path) are cut out of the text,
    and the caller raises it ``from None`` so that no traceback carries the original."""
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return DeliveryError(text, retryable=True)
