"""One broadcast's proof of play (``/radio/occurrences/{schedule_id}/{start_ms}``): what
was planned (title, class, content, time), and cluster by cluster what the gateways say
happened, in words, with the events behind it.

The outcomes are the playout log's own (``playout_for`` over the occurrence's start),
so this page, the calendar, the log and its CSV say the same thing. The schedule is
taken as it was when the occurrence was due (``ScheduleTable.versions``): a schedule
changed or deleted since still proves what it planned. Outside the user's communes the
page is a 404, as every page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final
from zoneinfo import ZoneInfo

from aiohttp import web

from xaso.server.broadcasts.calendar import CalendarOccurrence, aggregate
from xaso.server.broadcasts.keys import PLAYOUT_MANUAL, SCHEDULES, SILENCES
from xaso.server.broadcasts.playout_log import playout_for
from xaso.server.broadcasts.playout_outcome import (
    CONTENT_TEXT,
    MEASURED_TEXT,
    STATUS_TEXT,
    PlayoutOutcome,
)
from xaso.server.broadcasts.schedule import MAX_DURATION_S, Schedule, occurrences
from xaso.server.broadcasts.wiring import playout_sources
from xaso.server.keys import INDEX, STORE
from xaso.server.records import BroadcastEventRecord
from xaso.server.web.pages.radio_calendar import YEARS, calendar_href
from xaso.server.web.pages.radio_calendar_layout import SYMBOL, outcome_words, priority_word
from xaso.server.web.pages.radio_log_view import schedule_log_href
from xaso.server.web.pages.radio_schedules import slot_text
from xaso.server.web.pages.radio_shared import radio_place, render_radio
from xaso.server.web.rendering import request_language
from xaso.server.words import duration, translator

# The reasons an agent gives for not playing, or for a failure (docs/playout.md), that
# have words; any other is shown as the agent wrote it.
REASONS: Final = frozenset(
    {
        "silenced",
        "withdrawn",
        "changed",
        "too_late",
        "preempted_too_late",
        "content_missing",
        "tts_failed",
        "unsupported_content",
        "player_failed",
        "player_error",
        "relay_failed",
        "overrun",
        "agent_restarted",
        "agent_stopped",
        "no_end_reported",
        "failed",
    }
)
# A play is cut by an occurrence that started after it was planned, give or take the
# longest a bulletin lasts (one waiting for its content may start later than planned).
_CUT_IN_LOOKBACK_MS: Final = MAX_DURATION_S * 1000
EVENTS: Final = ("received", "started", "finished", "failed", "preempted", "skipped")


def _planned_version(request: web.Request, schedule_id: str, start_ms: int) -> Schedule | None:
    """The schedule as it was when the occurrence was due; else as it last was."""
    versions = [v for v in request.app[SCHEDULES].versions(schedule_id) if v.schedule]
    for version in versions:
        if version.from_ms <= start_ms < version.to_ms:
            return version.schedule
    return versions[-1].schedule if versions else None


def error_words(error: str | None, words: dict[str, str]) -> tuple[str, str]:
    """(the reason in words, the agent's own text) of an outcome's ``reason: text``."""
    if not error:
        return "", ""
    reason, _, text = error.partition(": ")
    if reason in REASONS:
        return words[f"radio.reason.{reason}"], text
    return "", error


def _time(ts_ms: int | None, tz: ZoneInfo, shape: str = "%H:%M:%S") -> str:
    if ts_ms is None:
        return ""
    return dt.datetime.fromtimestamp(ts_ms / 1000, tz).strftime(shape)


def _played(outcome: PlayoutOutcome, lang: str, words: dict[str, str]) -> str:
    if outcome.played_s is None:
        return ""
    played = duration(outcome.played_s, lang)
    if outcome.content_s is not None and outcome.measured_against == "content":
        length = outcome.content_s
    else:
        length = (outcome.planned_end_ms - outcome.planned_start_ms) / 1000
    against = MEASURED_TEXT[lang].get(outcome.measured_against or "slot", "")
    return words["radio.occ.played_of"].format(
        played=played, length=duration(length, lang), against=against
    )


def _cut_in_by(request: web.Request, by: str | None, words: dict[str, str]) -> str:
    """What stopped a play, in words: a silence order, or another schedule's title."""
    if not by:
        return ""
    order = request.app[SILENCES].items.get(by)
    if order is not None:
        return words["radio.occ.by_silence"].format(who=order.created_by or "—")
    cut_in = _last_version(request, by)
    return cut_in.title if cut_in is not None else by


def _last_version(request: web.Request, schedule_id: str) -> Schedule | None:
    versions = [v.schedule for v in request.app[SCHEDULES].versions(schedule_id) if v.schedule]
    return versions[-1] if versions else None


def _preempted_by(
    request: web.Request, outcome: PlayoutOutcome, words: dict[str, str]
) -> dict[str, str]:
    """What stopped a play, in words, linked when it was a schedule: to the proof of
    play of its occurrence that cut in (the last to start before the play ended), else
    to the schedule."""
    by = outcome.preempted_by
    text = _cut_in_by(request, by, words)
    cut_in = _last_version(request, by) if by else None
    if by is None or cut_in is None or by in request.app[SILENCES].items:
        return {"text": text, "href": ""}
    ended_ms = outcome.ended_ms or outcome.planned_end_ms
    since_ms = outcome.planned_start_ms - _CUT_IN_LOOKBACK_MS
    # To the end's millisecond included: an emergency cuts in at its own start.
    starts = [start for start, _ in occurrences(cut_in, since_ms, ended_ms + 1)]
    if starts:
        return {"text": text, "href": f"/radio/occurrences/{by}/{starts[-1]}"}
    return {"text": text, "href": f"/radio/schedules/{by}"}


async def occurrence_page(request: web.Request) -> web.Response:
    app = request.app
    index = app[INDEX]
    tz = ZoneInfo(index.inventory.timezone)
    lang = request_language(request)
    words = translator(lang)
    schedule_id = request.match_info["schedule_id"]
    try:
        start_ms = int(request.match_info["start_ms"])
        if index.day_of(start_ms).year not in YEARS:
            raise ValueError(start_ms)
    except (ValueError, OverflowError, OSError):
        raise web.HTTPNotFound(text="no such broadcast") from None

    schedule: Schedule | None = None
    manual = app[PLAYOUT_MANUAL].items.get(schedule_id.removeprefix("manual:"))
    if schedule_id.startswith("manual:"):
        if manual is None:
            raise web.HTTPNotFound(text="no such broadcast")
        commune = manual.commune
    else:
        schedule = _planned_version(request, schedule_id, start_ms)
        if schedule is None:
            raise web.HTTPNotFound(text="no such broadcast")
        commune = schedule.commune
    # 404 outside the user's communes: before anything about it is read.
    place = radio_place(request, commune)

    outcomes = await playout_for(playout_sources(app), [commune], start_ms, start_ms + 1)
    mine = tuple(
        o for o in outcomes if o.schedule == schedule_id and o.planned_start_ms == start_ms
    )
    if not mine:
        raise web.HTTPNotFound(text="no such broadcast")
    occurrence = CalendarOccurrence(
        schedule_id,
        start_ms,
        max(o.planned_end_ms for o in mine),
        mine[0].title,
        mine[0].priority,
        mine[0].content_type,
        tuple(sorted(mine, key=lambda o: (o.village or "", o.cluster))),
    )
    summary = aggregate(occurrence.outcomes)
    events: list[BroadcastEventRecord] = []
    if not occurrence.manual:
        found = await app[STORE].broadcast_events(
            sorted(index.merge_family(commune)), start_ms, start_ms + 1, [schedule_id]
        )
        events = [e for e in found if e.schedule == schedule_id and e.occurrence_ms == start_ms]
        events.sort(key=lambda e: (e.ts_ms, e.cluster, e.seq))

    villages = {v.code: v.name for c in index.communes.values() for v in c.villages}

    def device_name(device_id: str | None) -> str:
        if device_id is None:
            return ""
        entry = index.devices.get(device_id)
        return entry.name if entry is not None else device_id

    rows: list[dict[str, Any]] = []
    for outcome in occurrence.outcomes:
        reason, raw = error_words(outcome.error, words)
        rows.append(
            {
                "village": villages.get(outcome.village or "", outcome.village or ""),
                "cluster": device_name(outcome.cluster),
                "cluster_id": outcome.cluster,
                "gateway": device_name(outcome.agent),
                "status": outcome.status,
                "status_word": STATUS_TEXT[lang].get(outcome.status, outcome.status),
                "symbol": SYMBOL.get(outcome.status, "•"),
                "started": _time(outcome.started_ms, tz),
                "ended": _time(outcome.ended_ms, tz),
                "played": _played(outcome, lang, words),
                "preempted": _preempted_by(request, outcome, words),
                "reason": reason,
                "raw_error": raw,
                "historical": outcome.historical,
            }
        )
    event_rows = []
    for event in events:
        reason, raw = error_words(
            ": ".join(p for p in (event.reason, event.error) if p) or None, words
        )
        event_rows.append(
            {
                "time": _time(event.ts_ms, tz, "%d/%m/%Y %H:%M:%S"),
                "cluster": device_name(event.cluster),
                "event": words[f"radio.occ.event.{event.event}"]
                if event.event in EVENTS
                else event.event,
                "played": duration(event.played_s, lang) if event.played_s is not None else "",
                "reason": reason,
                "raw_error": raw,
                "by": _cut_in_by(request, event.preempted_by, words),
            }
        )
    start = dt.datetime.fromtimestamp(start_ms / 1000, tz)
    content = schedule.content if schedule is not None else None
    return render_radio(
        request,
        "radio_occurrence.html",
        place,
        "/radio/calendar",
        occurrence=occurrence,
        schedule=schedule,
        manual=manual if occurrence.manual else None,
        # As the schedule's page says its times (a bulletin under a minute by its start).
        planned=slot_text(start_ms, occurrence.end_ms, tz, words),
        priority_word=priority_word(occurrence.priority, lang, words),
        content=content,
        content_kind=CONTENT_TEXT[lang].get(occurrence.content_type, occurrence.content_type),
        content_length=duration(content.duration_s, lang) if content is not None else "",
        summary=summary,
        summary_word=STATUS_TEXT[lang].get(summary.status, summary.status),
        summary_symbol=SYMBOL.get(summary.status, "•"),
        summary_text=outcome_words(summary, words),
        rows=rows,
        events=event_rows,
        calendar=calendar_href(place, "week", start.date()),
        # The schedule's log over the month of this occurrence (none for a manual entry).
        log_href=""
        if occurrence.manual
        else schedule_log_href(place.code, schedule_id, start.date()),
    )


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/radio/occurrences/{schedule_id}/{start_ms}", occurrence_page)
