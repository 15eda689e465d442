"""The contract every notification channel keeps, and the errors it may raise."""

from __future__ import annotations

import difflib
import os
import re
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple, Protocol, TypeVar, runtime_checkable

import msgspec

from xaso.server.alerts.message import AlertMessage
from xaso.server.alerts.templates import Renderer

T = TypeVar("T", bound=msgspec.Struct)


class Channel(Protocol):
    """Delivers one message or raises ``DeliveryError``; ``close`` frees its sessions.

    ``send`` is only ever awaited by one worker at a time (the dispatcher runs one task
    per channel), so a channel needs no locking of its own.
    """

    name: str

    async def send(self, message: AlertMessage) -> None: ...

    async def close(self) -> None: ...


@runtime_checkable
class Addressable(Protocol):
    """A channel that can also reach one person (``send_to``): an officer's Zalo, phone
    number, e-mail or Telegram chat, set on their own page (``server/alerts/contacts.py``).
    ``shared`` says whether the channel has a destination of its own for ``send``
    (a channel set up only to reach people has none, and gets no shared messages)."""

    name: str
    shared: bool

    async def send(self, message: AlertMessage) -> None: ...

    async def send_to(self, message: AlertMessage, address: str) -> None: ...

    async def close(self) -> None: ...


class DeliveryError(Exception):
    """A failed delivery. ``retryable`` says whether trying again may help (a network
    error, a 5xx, a 429) or not (a 4xx: the request itself is wrong and will stay
    wrong). ``retry_after_s`` is the receiver's own request to wait, when it sent one."""

    def __init__(self, reason: str, *, retryable: bool, retry_after_s: float | None = None):
        super().__init__(reason)
        self.retryable = retryable
        self.retry_after_s = retry_after_s


class ChannelConfigError(ValueError):
    """A channel configuration that cannot work; ``path`` names the offending key as
    it is written in the settings file (e.g. ``alerts.channels[1].timeout_s``)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


class BuildContext(NamedTuple):
    """What a factory gets besides its config: its name (the metrics label), the
    shared renderer, the environment secrets are read from, and where its config
    sits (for errors found while building, e.g. an unset secret variable)."""

    name: str
    renderer: Renderer
    environ: Mapping[str, str]
    path: str
    # The server's own database (``xaso.db``), for a channel that must keep state
    # across restarts (Zalo's rotating refresh token); None when only checking a file.
    database: sqlite3.Connection | None = None


def read_secret(ctx: BuildContext, key: str, variable: str) -> str:
    """A secret from the environment, read once at load time so that a missing one
    stops the server at start instead of failing every delivery later."""
    value = ctx.environ.get(variable)
    if not value:
        raise ChannelConfigError(f"{ctx.path}.{key}", f"environment variable {variable} is unset")
    return value


def read_secret_file(ctx: BuildContext, key: str, path: str) -> str:
    """A secret from a file (a mounted secret, readable by the server only): its first
    line that is neither empty nor a ``#`` comment. Read once at load time, like
    ``read_secret``; the error names the file, never its content."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ChannelConfigError(
            f"{ctx.path}.{key}", f"cannot read {path}: {exc.strerror}"
        ) from None
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            return line.strip()
    raise ChannelConfigError(f"{ctx.path}.{key}", f"{path} holds no value")


_AT = re.compile(r" - at `\$(?P<where>[^`]*)`$")
_UNKNOWN = re.compile(r"unknown field `(?P<key>[^`]+)`")
_MISSING = re.compile(r"missing required field `(?P<key>[^`]+)`")


def convert_config(raw: object, type_: type[T], path: str) -> T:
    """``raw`` (a mapping read from YAML) as ``type_``, or ``ChannelConfigError`` whose
    path is the offending key: msgspec reports ``$.headers.X``; we report
    ``alerts.channels[0].headers.X``, and name the key of an unknown or missing field
    rather than the mapping that holds it."""
    try:
        return msgspec.convert(raw, type_, strict=True)
    except msgspec.ValidationError as exc:
        text = str(exc)
        match = _AT.search(text)
        where = match.group("where") if match else ""
        message = text[: match.start()] if match else text
        if unknown := _UNKNOWN.search(message):
            key = unknown.group("key")
            allowed = [f.encode_name for f in msgspec.structs.fields(type_)]
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"allowed: {', '.join(allowed)}"
            where, message = f"{where}.{key}", f"unknown key ({hint})"
        elif missing := _MISSING.search(message):
            where, message = f"{where}.{missing.group('key')}", "missing required key"
        raise ChannelConfigError(f"{path}{where}", message) from None


def process_environ() -> Mapping[str, str]:
    """The default secret source; tests pass a dict instead."""
    return os.environ
