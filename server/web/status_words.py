"""A device's live status as the commune and device pages say it: the status in words,
since when and for how long, the cause in words (with the agent's own text beneath),
when it was last heard; times as dd/mm/yyyy HH:MM in the inventory's time zone."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

from xaso.server.monitoring.fleet_state import DeviceState
from xaso.server.words import CauseText, cause_text, duration


class StatusWords(NamedTuple):
    status: str  # the machine name, for its CSS class
    word: str
    since: str
    lasted: str  # how long it has been so
    cause: CauseText
    last_seen: str


def local_time(ts_ms: int | None, tz: ZoneInfo) -> str:
    if ts_ms is None:
        return "—"
    return datetime.fromtimestamp(ts_ms / 1000, tz).strftime("%d/%m/%Y %H:%M")


def status_words(
    state: DeviceState, words: dict[str, str], lang: str, tz: ZoneInfo, now_ms: int
) -> StatusWords:
    status = str(state.status)
    return StatusWords(
        status=status,
        word=words.get(status, status),
        since=local_time(state.since_ms, tz),
        lasted=duration((now_ms - state.since_ms) / 1000, lang) if state.since_ms else "",
        cause=cause_text(state.cause, words),
        last_seen=local_time(state.last_seen_ms, tz),
    )
