"""The playout log through the API (docs/api.md, docs/broadcasts.md).

``GET /api/v1/playout`` reconciles the period asked for (JSON with a summary, or a CSV
file in Vietnamese or English), optionally narrowed to a zone (a village or a cluster),
to some statuses and to one schedule; ``POST /api/v1/playout/manual`` records a live
announcement made on the microphone. Read like the other endpoints (viewers too, within
their communes); manual entries are written by admins and by operators for their own
communes.

The playout log page (server/web/pages/radio_log.py) calls the same functions
(``logged_outcomes``, ``record_manual_entry``, ``remove_manual_entry``), so that the
page and the API count, check and refuse alike. ``playout_for``
(server/broadcasts/playout_log.py) is what the indicators call.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any, Final
from zoneinfo import ZoneInfo

import msgspec
from aiohttp import web

from xaso.protocol import is_valid_id
from xaso.server.broadcasts.keys import PLAYOUT_MANUAL
from xaso.server.broadcasts.manual_entries import (
    ManualEntry,
    entry_problems,
    manual_outcomes,
    new_entry,
)
from xaso.server.broadcasts.playout_csv import playout_csv
from xaso.server.broadcasts.playout_log import playout_for, summary
from xaso.server.broadcasts.playout_outcome import STATUS_TEXT, PlayoutOutcome
from xaso.server.broadcasts.schedule import Targets
from xaso.server.broadcasts.wiring import playout_sources
from xaso.server.keys import CLOCK_MS, INDEX
from xaso.server.monitoring.exclusions import new_id
from xaso.server.time_param import TimeParamError, parse_time_param
from xaso.server.web.api.schedules import invalid
from xaso.server.web.auditing import AUDIT_DETAIL
from xaso.server.web.auth import PRINCIPAL
from xaso.server.web.http import (
    bad_request,
    forbidden,
    json_body,
    json_response,
    not_found,
    requested_period,
)
from xaso.server.web.views import iso_utc

__all__ = [
    "logged_outcomes",
    "playout_for",
    "record_manual_entry",
    "remove_manual_entry",
    "setup_routes",
]

DEFAULT_PERIOD_MS: Final = 7 * 24 * 3600 * 1000
# A quarter at most per request: every occurrence of every schedule is expanded.
MAX_PERIOD_MS: Final = 92 * 24 * 3600 * 1000
# ``?zone=``: a village (``village:alpha.t1``) or a cluster (``cluster:alpha-rc-1``).
ZONE_KINDS: Final = ("village", "cluster")


def zone_param(value: str) -> tuple[str, str] | None:
    """``?zone=`` as (kind, code); None for the whole commune (empty); a 400 otherwise."""
    if not value:
        return None
    kind, _, code = value.partition(":")
    if kind not in ZONE_KINDS or not code:
        raise bad_request("zone must be village:<code> or cluster:<id>")
    return kind, code


def status_param(values: Sequence[str]) -> frozenset[str]:
    """``?status=`` (repeated, or separated by commas) as statuses; empty: every status."""
    wanted = frozenset(s.strip() for value in values for s in value.split(",") if s.strip())
    unknown = sorted(wanted - set(STATUS_TEXT["en"]))
    if unknown:
        raise bad_request(f"status: no status {', '.join(unknown)}")
    return wanted


def schedule_param(value: str) -> str | None:
    """``?schedule=`` as a schedule's id; None for every schedule (empty); a 400 for what
    cannot be an id. An id the caller's communes never planned is no lines, not a 404:
    the log answers for its communes only, and says nothing of another's schedules."""
    if not value:
        return None
    if not is_valid_id(value):
        raise bad_request("schedule must be a schedule's id")
    return value


def in_zone(outcome: PlayoutOutcome, zone: tuple[str, str] | None) -> bool:
    if zone is None:
        return True
    kind, code = zone
    return (outcome.village if kind == "village" else outcome.cluster) == code


async def logged_outcomes(
    app: web.Application,
    communes: Sequence[str],
    from_ms: int,
    to_ms: int,
    zone: tuple[str, str] | None = None,
    statuses: Collection[str] = (),
    schedule: str | None = None,
) -> list[PlayoutOutcome]:
    """The playout log of ``communes`` in ``[from_ms, to_ms)``, on the clusters of
    ``zone`` (None: all of them), of ``statuses`` (empty: every status), of ``schedule``
    (None: every schedule, and the manual entries)."""
    # Every schedule is reconciled, then the one asked for kept: what pre-empted a
    # play belongs to another schedule.
    outcomes = await playout_for(playout_sources(app), communes, from_ms, to_ms)
    return [
        o
        for o in outcomes
        if in_zone(o, zone)
        and (not statuses or o.status in statuses)
        and (schedule is None or o.schedule == schedule)
    ]


def outcome_view(outcome: PlayoutOutcome) -> dict[str, Any]:
    # Every field, empty ones included: a stable shape for whoever reads the JSON.
    view = msgspec.structs.asdict(outcome)
    view.update(
        planned_start=iso_utc(outcome.planned_start_ms),
        planned_end=iso_utc(outcome.planned_end_ms),
        started=iso_utc(outcome.started_ms),
        ended=iso_utc(outcome.ended_ms),
    )
    return view


async def playout_log(request: web.Request) -> web.StreamResponse:
    principal = request[PRINCIPAL]
    index = request.app[INDEX]
    commune = request.query.get("commune")
    if commune is not None and (commune not in index.communes or not principal.may_see(commune)):
        raise not_found("commune")
    communes = [commune] if commune else [c for c in index.communes if principal.may_see(c)]
    now_ms = request.app[CLOCK_MS]()
    from_ms, to_ms = requested_period(request, DEFAULT_PERIOD_MS, now_ms + 1)
    if to_ms - from_ms > MAX_PERIOD_MS:
        raise bad_request("ask for at most 92 days at a time")
    output = request.query.get("format", "json")
    if output not in ("json", "csv"):
        raise bad_request("format must be json or csv")
    lang = request.query.get("lang", "vi")
    if lang not in ("vi", "en"):
        raise bad_request("lang must be vi or en")
    zone = zone_param(request.query.get("zone", ""))
    statuses = status_param(request.query.getall("status", []))
    schedule = schedule_param(request.query.get("schedule", ""))
    # A store that cannot be read is a 503 (server/web/store_errors.py).
    outcomes = await logged_outcomes(
        request.app, communes, from_ms, to_ms, zone, statuses, schedule
    )
    if output == "csv":
        name = f"nhat-ky-phat-thanh_{commune or 'tat-ca'}_{from_ms}_{to_ms}.csv"
        return web.Response(
            body=playout_csv(outcomes, index, lang),
            content_type="text/csv",
            charset="utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return json_response(
        {
            "from": iso_utc(from_ms),
            "to": iso_utc(to_ms),
            "communes": communes,
            "count": len(outcomes),
            "summary": summary(outcomes),
            "outcomes": [outcome_view(o) for o in outcomes],
        }
    )


def _time(body: dict[str, Any], field: str, tz: ZoneInfo, problems: list[str]) -> int:
    value = body.get(field)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        problems.append(f"{field}: required, epoch ms or ISO 8601")
        return 0
    try:
        return parse_time_param(field, value, tz)
    except TimeParamError as exc:
        problems.append(str(exc))
        return 0


def _text(body: dict[str, Any], field: str, problems: list[str]) -> str:
    value = body.get(field, "")
    if not isinstance(value, str):
        problems.append(f"{field}: must be text")
        return ""
    return value


def record_manual_entry(request: web.Request, body: dict[str, Any]) -> ManualEntry:
    """Check the entry ``body`` asks for (the API's JSON fields) as the user of
    ``request`` may make it, and store it: a 400 naming every problem (each starting
    with its field), a 403 outside the user's communes. The page's form calls it too."""
    app = request.app
    index = app[INDEX]
    commune = body.get("commune")
    if not isinstance(commune, str) or commune not in index.communes:
        raise invalid("invalid entry", [f"commune: no commune {commune!r} in the inventory"])
    # Permission first: the problems would tell about another commune's villages.
    if not request[PRINCIPAL].may_act(commune):
        raise forbidden()
    unknown = sorted(set(body) - {"commune", "zones", "clusters", "start", "end", "title", "note"})
    problems = [f"{key}: unknown field" for key in unknown]
    try:
        targets = msgspec.convert(
            {"zones": body.get("zones") or [], "clusters": body.get("clusters") or []}, Targets
        )
    except msgspec.ValidationError as exc:
        problems.append(f"zones/clusters: {exc}")
        targets = Targets()
    tz = ZoneInfo(index.inventory.timezone)
    start_ms = _time(body, "start", tz, problems)
    end_ms = _time(body, "end", tz, problems)
    title, note = _text(body, "title", problems), _text(body, "note", problems)
    now_ms = app[CLOCK_MS]()
    checked = entry_problems(commune, targets, start_ms, end_ms, title, note, index, now_ms)
    unreadable = {problem.split(":")[0] for problem in problems}
    if unreadable & {"start", "end"}:
        unreadable |= {"start", "end"}  # "end must be after start" would be noise
    problems += [p for p in checked if p.split(":")[0] not in unreadable]
    if problems:
        raise invalid("invalid entry", problems)
    entry = new_entry(
        new_id("tt"),
        commune,
        targets,
        index,
        start_ms=start_ms,
        end_ms=end_ms,
        title=title,
        note=note,
        operator=request[PRINCIPAL].name,
        now_ms=now_ms,
    )
    app[PLAYOUT_MANUAL].put(entry)
    request[AUDIT_DETAIL] = _audited(entry)
    return entry


def remove_manual_entry(request: web.Request, entry_id: str) -> ManualEntry:
    """Delete an entry made by mistake: the log is evidence, so only its writers may
    (a 403 for a reader of its commune, a 404 for anyone else)."""
    table = request.app[PLAYOUT_MANUAL]
    entry = table.items.get(entry_id)
    if entry is None or not request[PRINCIPAL].may_see(entry.commune):
        raise not_found("manual entry")
    if not request[PRINCIPAL].may_act(entry.commune):
        raise forbidden()
    table.remove(entry.id)
    request[AUDIT_DETAIL] = _audited(entry)
    return entry


def _audited(entry: ManualEntry) -> dict[str, Any]:
    """What the audit log keeps of an entry made or deleted."""
    return {
        "entry": entry.id,
        "commune": entry.commune,
        "title": entry.title,
        "start": iso_utc(entry.start_ms),
        "end": iso_utc(entry.end_ms),
        "clusters": entry.clusters,
    }


async def add_manual_entry(request: web.Request) -> web.Response:
    entry = record_manual_entry(request, await json_body(request))
    index = request.app[INDEX]
    shown = manual_outcomes([entry], index, [entry.commune], entry.start_ms, entry.start_ms + 1)
    return json_response(
        {"entry": msgspec.to_builtins(entry), "outcomes": [outcome_view(o) for o in shown]},
        status=201,
    )


async def delete_manual_entry(request: web.Request) -> web.Response:
    remove_manual_entry(request, request.match_info["entry_id"])
    return web.Response(status=204)


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/playout", playout_log)
    app.router.add_post("/api/v1/playout/manual", add_manual_entry)
    app.router.add_delete("/api/v1/playout/manual/{entry_id}", delete_manual_entry)
