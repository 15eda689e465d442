"""A camera's picture on its device page: the picture's status now in words (usable, or
unusable with its state: "Bị che"…), its last measures, and its "picture usable"
availability over the page's periods beside the online one (docs/availability.md),
from the transitions of its picture series (``server/monitoring/picture_state.py``)."""

from __future__ import annotations

from typing import Any, Final
from zoneinfo import ZoneInfo

from aiohttp import web

from xaso.server.monitoring.availability import availability
from xaso.server.monitoring.day_availability import clip
from xaso.server.monitoring.fleet_state import DeviceState
from xaso.server.monitoring.picture_state import PictureTrack, picture_series
from xaso.server.web.day_bars import percent
from xaso.server.web.device_history import Exclusions, read_series_spans
from xaso.server.web.status_words import local_time
from xaso.server.words import duration

# The measures shown, in order, with how many decimals.
_MEASURES: Final = (("brightness", 1), ("sharpness", 1), ("uniform_pct", 1), ("change", 1))


def picture_now(
    track: PictureTrack, words: dict[str, str], lang: str, tz: ZoneInfo
) -> dict[str, Any]:
    """The picture's status and last measures, in words."""
    last = track.last
    if track.problem is not None:
        word, css = words[f"picture.{track.problem}"], "offline"
    else:
        word = words[f"picture.status.{track.status}"]
        css = {"usable": "online", "unusable": "offline"}.get(str(track.status), str(track.status))
    cause = ""
    if track.problem is None and track.cause not in ("ok", "startup"):
        cause = words.get(f"picture.cause.{track.cause}") or words.get(
            f"picture.{track.cause}", track.cause
        )
    measures = []
    if last is not None:
        for name, digits in _MEASURES:
            value = getattr(last, name)
            if value is not None:
                text = f"{value:.{digits}f}"
                measures.append(
                    (words[f"picture.{name}"], text.replace(".", ",") if lang == "vi" else text)
                )
        if last.error:
            measures.append((words["picture.error"], last.error))
    return {
        "word": word,
        "css": css,
        "cause": cause,
        "since": local_time(track.since_ms, tz),
        "state": words[f"picture.{last.state}"] if last is not None else None,
        "taken": local_time(last.taken_ms, tz) if last is not None and last.taken_ms else None,
        "learning": last.learning if last is not None else False,
        "measures": measures,
    }


def picture_badge(state: DeviceState, words: dict[str, str]) -> dict[str, str] | None:
    """What the commune page shows beside a camera: its picture's state in a word
    (usable, or "Bị che"…); None for another device or a picture never measured."""
    track = state.picture
    if track is None or track.last is None:
        return None
    if track.problem is not None:
        return {"word": words[f"picture.{track.problem}"], "css": "offline"}
    if track.status == "usable":
        return {"word": words["picture.ok"], "css": "online"}
    return None


async def picture_section(
    app: web.Application,
    state: DeviceState,
    periods: dict[str, int],
    exclusions: Exclusions,
    count_excused: bool,
    words: dict[str, str],
    lang: str,
    tz: ZoneInfo,
    now_ms: int,
) -> dict[str, Any] | None:
    """What the device page shows of a camera's picture; None for any other device."""
    track = state.picture
    if track is None:
        return None
    longest = max(periods.values())
    series = picture_series(state.entry.id)
    spans = (await read_series_spans(app, [series], now_ms - longest, now_ms))[series]
    excluded = exclusions.maintenance + (exclusions.excused if count_excused else [])
    rows = []
    for key, span in periods.items():
        figure = availability(clip(spans, now_ms - span, now_ms), excluded)
        rows.append(
            {
                "period": key,
                "figure": percent(figure.percent, lang),
                "down": duration(figure.down_ms / 1000, lang),
                "unknown": duration(figure.unknown_ms / 1000, lang),
            }
        )
    return {"now": picture_now(track, words, lang, tz), "table": rows}
