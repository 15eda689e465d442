"""Notification channels: plugins with a tiny contract and an explicit registry.

A channel type is a module with a config Struct (unknown keys refused) and a ``build``
function; adding one is a module and a line in ``CHANNEL_TYPES`` — nothing is found by
import magic, so what the server can send to is readable here.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, NamedTuple

import msgspec

from xaso.server.alerts.channels import apprise_channel, mail, telegram, webhook, zalo
from xaso.server.alerts.channels.base import (
    BuildContext,
    Channel,
    ChannelConfigError,
    DeliveryError,
    convert_config,
    process_environ,
)
from xaso.server.alerts.templates import Renderer

__all__ = [
    "CHANNEL_TYPES",
    "Channel",
    "ChannelConfigError",
    "ChannelType",
    "DeliveryError",
    "build_channel",
    "build_channels",
]


class ChannelType(NamedTuple):
    config: type[msgspec.Struct]
    factory: Callable[[Any, BuildContext], Channel]


CHANNEL_TYPES: Final[Mapping[str, ChannelType]] = {
    "webhook": ChannelType(webhook.WebhookConfig, webhook.build),
    "email": ChannelType(mail.EmailConfig, mail.build),
    "telegram": ChannelType(telegram.TelegramConfig, telegram.build),
    "apprise": ChannelType(apprise_channel.AppriseConfig, apprise_channel.build),
    "zalo": ChannelType(zalo.ZaloConfig, zalo.build),
}


def build_channel(
    type_: str,
    config: Mapping[str, Any],
    path: str,
    *,
    name: str | None = None,
    renderer: Renderer | None = None,
    environ: Mapping[str, str] | None = None,
    database: sqlite3.Connection | None = None,
) -> Channel:
    """A channel of ``type_`` from ``config`` (a mapping read from YAML, found at
    ``path`` in the settings). Raises ``ChannelConfigError`` naming the offending key:
    a bad channel stops the server at start, not at the first alert."""
    kind = CHANNEL_TYPES.get(type_)
    if kind is None:
        known = ", ".join(sorted(CHANNEL_TYPES))
        raise ChannelConfigError(f"{path}.type", f"unknown channel type {type_!r} (known: {known})")
    parsed = convert_config(config, kind.config, path)
    ctx = BuildContext(
        name=name or type_,
        renderer=renderer or Renderer(),
        environ=process_environ() if environ is None else environ,
        path=path,
        database=database,
    )
    return kind.factory(parsed, ctx)


def build_channels(
    entries: Sequence[Mapping[str, Any]],
    path: str,
    *,
    renderer: Renderer | None = None,
    environ: Mapping[str, str] | None = None,
    database: sqlite3.Connection | None = None,
) -> list[Channel]:
    """Channels from a list of ``{name, type, ...config}`` mappings (the ``channels:``
    list of the settings file); names must be unique (they label the metrics).
    ``database``: the server's own (``xaso.db``), for channels that keep state."""
    renderer = renderer or Renderer()
    channels: list[Channel] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        where = f"{path}[{index}]"
        if not isinstance(entry, Mapping):
            raise ChannelConfigError(where, "expected a mapping with 'name' and 'type'")
        config = dict(entry)
        type_ = config.pop("type", None)
        name = config.pop("name", None)
        if not isinstance(type_, str):
            raise ChannelConfigError(f"{where}.type", "missing or not a string")
        if not isinstance(name, str) or not name:
            raise ChannelConfigError(f"{where}.name", "missing or not a string")
        if name in seen:
            raise ChannelConfigError(f"{where}.name", f"duplicate channel name {name!r}")
        seen.add(name)
        channels.append(
            build_channel(
                type_,
                config,
                where,
                name=name,
                renderer=renderer,
                environ=environ,
                database=database,
            )
        )
    return channels
