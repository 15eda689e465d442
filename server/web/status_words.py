"""A device's live status as the pages say it: the status in words, since when and for
how long, the cause in words (with the agent's own text beneath), when it was last
heard, and what a loudspeaker cluster is playing now; times as dd/mm/yyyy HH:MM in the
inventory's time zone."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

from xaso.server.monitoring.fleet_state import DeviceState, DeviceStatus
from xaso.server.words import CauseText, cause_text, duration


class StatusWords(NamedTuple):
    status: str  # the machine name, for its CSS class
    word: str
    since: str
    lasted: str  # how long it has been so
    cause: CauseText
    last_seen: str
    playing: str | None  # what an online cluster plays now, in words; None: nothing


def playing_source(state: DeviceState) -> str | None:
    """What an online loudspeaker cluster plays now (``commune``, ``emergency``,
    ``relay``…), by its last reading (the gateway's playout or the cluster's controller,
    docs/playout.md); None when it plays nothing."""
    reading = state.last_reading
    radio = reading.radio if reading is not None else None
    if state.status is not DeviceStatus.ONLINE or radio is None:
        return None
    if radio.play_state != "playing":
        return None
    return radio.source or ""


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
        playing=_playing_words(playing_source(state), words),
    )


def _playing_words(source: str | None, words: dict[str, str]) -> str | None:
    if source is None:
        return None
    return words.get(f"playing_{source}", words["playing"])
