"""A channel's configuration as the pages and the API may show it: without its secrets.

Secrets themselves never sit in the alerts file (each channel names the environment
variable that holds it), but a file still holds things not to show everyone: a webhook
URL's path is often its key (Slack, Discord and chat bridges put a token there), header
values are often API keys, and a URL may carry a user and password. So each type lists
the settings it shows as written; a URL shows its scheme, host and port only; header
values and anything not listed (a key of a future channel type) show as ``***``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final
from urllib.parse import urlsplit

import msgspec

from xaso.server.alerts.config import RuleConfig, people_only
from xaso.server.alerts.personal import PersonalRouting

MASK: Final = "***"

# The settings of each type shown as written: nothing secret (the secrets' variable
# names are, by design, not secrets).
_PLAIN: Final[dict[str, frozenset[str]]] = {
    "webhook": frozenset({"timeout_s", "secret_env"}),
    "email": frozenset(
        {
            "host",
            "port",
            "ssl",
            "starttls",
            "sender",
            "recipients",
            "username",
            "password_env",
            "timeout_s",
        }
    ),
    "telegram": frozenset({"chat_id", "bot_token_env", "timeout_s", "silent_resolved"}),
    # The URLs themselves are secrets and never in the file: only where they are read.
    "apprise": frozenset({"url_env", "url_file", "to_url_env", "to_url_file", "body", "timeout_s"}),
    "zalo": frozenset(
        {
            "app_id",
            "secret_key_env",
            "refresh_token_env",
            "template_id",
            "template_data",
            "param_max_chars",
            "timeout_s",
        }
    ),
}
# Settings that are URLs: shown as scheme://host[:port] and a masked path.
_URLS: Final = frozenset({"url", "api_base", "oa_api_base", "zns_api_base", "oauth_base"})


class ChannelView(msgspec.Struct, frozen=True):
    name: str
    type: str
    settings: list[tuple[str, str]]  # (key as in the alerts file, value as shown)
    rules: list[str]  # the rules that send to it (a rule naming no channel sends to all)
    # The kinds of a person's address it carries (personal:): zalo, sms, email, telegram.
    people: list[str] = []


def masked_url(url: str) -> str:
    """``https://hooks.example.vn/services/T0/B0/XYZ`` -> ``https://hooks.example.vn/***``:
    the path, query and fragment may be the key; a user and password are dropped."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return MASK
    if not parts.scheme or not parts.hostname:
        return MASK
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    shown = f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        shown += "/" + MASK
    return shown


def _shown(type_: str, key: str, value: Any) -> str:
    if key in _URLS:
        return masked_url(value) if isinstance(value, str) else MASK
    if key == "headers" and isinstance(value, Mapping):
        return ", ".join(f"{name}: {MASK}" for name in value) or "—"
    if key not in _PLAIN.get(type_, frozenset()):
        return MASK
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


def describe_channel(
    entry: Mapping[str, Any],
    rules: Sequence[RuleConfig],
    personal: PersonalRouting | None = None,
) -> ChannelView:
    """One ``channels:`` entry of the alerts file, shown without its secrets; with the
    rules that send to it (none for a channel that only reaches people) and the kinds of
    a person's address it carries."""
    name, type_ = str(entry.get("name", "")), str(entry.get("type", ""))
    settings = [
        (key, _shown(type_, key, value))
        for key, value in entry.items()
        if key not in ("name", "type")
    ]
    using = [rule.name for rule in rules if not rule.channels or name in rule.channels]
    if people_only(entry):
        using = []
    routes = personal.channels() if personal is not None else {}
    people = [kind for kind, channel in routes.items() if channel == name]
    return ChannelView(name=name, type=type_, settings=settings, rules=using, people=people)


def describe_channels(
    entries: Sequence[Mapping[str, Any]],
    rules: Sequence[RuleConfig],
    personal: PersonalRouting | None = None,
) -> list[ChannelView]:
    return [describe_channel(entry, rules, personal) for entry in entries]
