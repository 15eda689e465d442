""" "Emergency now" and "silence now" in the browser, with the live panel.

Two big actions, each a form that opens in place (``<details>``: no script needed):
PHÁT KHẨN CẤP and DỪNG PHÁT / IM LẶNG. Each goes through a confirmation rendered by the
server that names the zone in words ("Phát khẩn cấp tới: Thôn 1, Thôn 3 (4 cụm loa)"),
then acts through the API's own functions (server/web/api/broadcasts.py): the same
rules of who may act where, the same checks, the same sets sent to the gateways. The
live panel below (``radio_now_panel.py``) asks for itself again every few seconds.

Audited by the middleware like the API: the same action names
(``broadcasts.emergency``, ``broadcasts.silence``, ``broadcasts.emergency.stop``,
``broadcasts.silence.delete``) with the commune, the zone in words and the title; the
confirmation step is kept too (``….review``): who was about to send what.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlencode

from aiohttp import web

from xaso.server.broadcasts.keys import CONTENT, SCHEDULES, SILENCES
from xaso.server.keys import INDEX
from xaso.server.web.api.broadcasts import lift, order_emergency, order_silence, stop_emergency
from xaso.server.web.auditing import AUDIT_ACTION, AUDIT_DETAIL
from xaso.server.web.auth import PRINCIPAL, today
from xaso.server.web.pages.live import freshness, wants_fragment
from xaso.server.web.pages.maintenance_form import api_problems
from xaso.server.web.pages.radio_now_form import (
    SILENCE_PRESETS,
    EmergencyForm,
    SilenceForm,
    zone_choices,
    zone_words,
)
from xaso.server.web.pages.radio_now_panel import live_panel
from xaso.server.web.pages.radio_shared import RadioPlace, radio_place, render_radio, require_act
from xaso.server.web.rendering import request_language
from xaso.server.words import duration, translator

TAB: Final = "/radio/now"
# The panel asks again this often: an officer who just sent an emergency watches it
# reach the loudspeakers one by one.
LIVE_REFRESH_MS: Final = 5_000
DONE: Final = ("emergency", "silence", "stopped", "lifted")


def _library(request: web.Request, commune: str, lang: str) -> list[dict[str, str]]:
    """The audio files an emergency of ``commune`` may play: those the API would accept
    (uploaded for the commune, or a commune of its merger, or for every commune)."""
    app = request.app
    covered = app[INDEX].scope_on({commune}, today(app))
    scope = request[PRINCIPAL].scope
    files = [
        info
        for info in app[CONTENT].table.items.values()
        if info.visible_to(scope) and any(info.serves(c) for c in covered)
    ]
    files.sort(key=lambda info: -info.uploaded_ms)
    return [
        {"sha256": f.id, "name": f.name or f.id[:12], "length": duration(f.duration_s, lang)}
        for f in files
    ]


async def _context(request: web.Request, place: RadioPlace) -> dict[str, Any]:
    lang = request_language(request)
    words = translator(lang)
    panel = await live_panel(request, place.code, place.may_act, words, lang)
    return {
        **freshness(request),
        "refresh_ms": LIVE_REFRESH_MS,
        "panel": panel,
        "live_url": f"{TAB}?{urlencode({'commune': place.code, 'fragment': '1'})}",
    }


async def now_page(
    request: web.Request,
    *,
    place: RadioPlace | None = None,
    emergency: EmergencyForm | None = None,
    silence: SilenceForm | None = None,
    problems: list[str] | None = None,
    status: int = 200,
) -> web.Response:
    place = place or radio_place(request)
    context = await _context(request, place)
    if wants_fragment(request):
        return render_radio(request, "_radio_now_live.html", place, TAB, **context)
    lang = request_language(request)
    done = request.query.get("done", "")
    response = render_radio(
        request,
        "radio_now.html",
        place,
        TAB,
        **context,
        villages=zone_choices(request.app[INDEX], place.code, today(request.app)),
        library=_library(request, place.code, lang) if place.may_act else [],
        emergency=emergency or EmergencyForm(commune=place.code),
        silence=silence or SilenceForm(commune=place.code),
        presets=SILENCE_PRESETS,
        problems=problems or [],
        opened="emergency" if emergency else "silence" if silence else "",
        done=done if done in DONE else "",
        unsent=request.query.get("unsent") == "1",
    )
    response.set_status(status)
    return response


async def show(request: web.Request) -> web.Response:
    return await now_page(request)


def _done(place: RadioPlace, what: str, body: dict[str, Any]) -> web.HTTPSeeOther:
    query = {"commune": place.code, "done": what}
    if body.get("not_sent"):
        query["unsent"] = "1"
    return web.HTTPSeeOther(f"{TAB}?{urlencode(query)}")


@dataclass(frozen=True)
class _Asked:
    """What an emergency or silence form asks for, checked: the step it is at (edit,
    review, send), its problems in words, and its zone in words."""

    place: RadioPlace
    step: str
    problems: list[str]
    zone: str  # in the user's language, for the confirmation
    zone_vi: str  # in Vietnamese, for the audit log
    count: int  # the loudspeaker clusters it reaches


def _asked(
    request: web.Request, form: EmergencyForm | SilenceForm, data: Mapping[str, Any]
) -> _Asked:
    place = radio_place(request, form.commune or None)
    require_act(request, place)
    form.commune = place.code
    words = translator(request_language(request))
    index, day = request.app[INDEX], today(request.app)
    targets = form.zone.targets()
    zone, count = zone_words(index, place.code, targets, day, words)
    zone_vi, _ = zone_words(index, place.code, targets, day, translator("vi"))
    problems = [words[key] for key in form.problems()]
    if not problems and not count:
        problems.append(words["now.form.no_clusters"])
    step = str(data.get("step", "review"))
    return _Asked(place, step, problems, zone, zone_vi, count)


async def emergency(request: web.Request) -> web.Response:
    data = await request.post()
    form = EmergencyForm.posted(data)
    checked = _asked(request, form, data)
    place = checked.place
    if checked.step == "edit":
        return await now_page(request, place=place, emergency=form)
    if checked.problems:
        return await now_page(
            request, place=place, emergency=form, problems=checked.problems, status=400
        )
    asked = form.request()
    detail = {
        "commune": place.code,
        "zone": checked.zone_vi,
        "clusters": checked.count,
        "title": form.title,
    }
    request[AUDIT_DETAIL] = detail
    if checked.step != "send":
        request[AUDIT_ACTION] = "broadcasts.emergency.review"
        content = asked.content
        return render_radio(
            request,
            "radio_now_confirm.html",
            place,
            TAB,
            kind="emergency",
            form=form,
            zone=checked.zone,
            count=checked.count,
            file=next(
                (f for f in _library(request, place.code, "vi") if f["sha256"] == content.sha256),
                None,
            ),
            speech=duration(content.duration_s or 0, request_language(request)),
        )
    request[AUDIT_ACTION] = "broadcasts.emergency"
    try:
        body = order_emergency(request, request[PRINCIPAL], asked)
    except web.HTTPBadRequest as exc:
        found = api_problems(exc)
        return await now_page(request, place=place, emergency=form, problems=found, status=400)
    request[AUDIT_DETAIL] = {**detail, "id": body["schedule"]["id"]}
    raise _done(place, "emergency", body)


async def silence(request: web.Request) -> web.Response:
    data = await request.post()
    form = SilenceForm.posted(data)
    checked = _asked(request, form, data)
    place = checked.place
    if checked.step == "edit":
        return await now_page(request, place=place, silence=form)
    if checked.problems:
        return await now_page(
            request, place=place, silence=form, problems=checked.problems, status=400
        )
    minutes = form.minutes() or 0.0
    detail = {
        "commune": place.code,
        "zone": checked.zone_vi,
        "clusters": checked.count,
        "minutes": minutes,
    }
    if form.reason:
        detail["reason"] = form.reason
    request[AUDIT_DETAIL] = detail
    if checked.step != "send":
        request[AUDIT_ACTION] = "broadcasts.silence.review"
        return render_radio(
            request,
            "radio_now_confirm.html",
            place,
            TAB,
            kind="silence",
            form=form,
            zone=checked.zone,
            count=checked.count,
            lasting=duration(minutes * 60, request_language(request)),
        )
    request[AUDIT_ACTION] = "broadcasts.silence"
    try:
        body = order_silence(request.app, request[PRINCIPAL], form.request())
    except web.HTTPBadRequest as exc:
        found = api_problems(exc)
        return await now_page(request, place=place, silence=form, problems=found, status=400)
    request[AUDIT_DETAIL] = {**detail, "id": body["silence"]["id"]}
    raise _done(place, "silence", body)


async def stop(request: web.Request) -> web.Response:
    """Stop an emergency on all its clusters (``stop_emergency``: a silence for the rest
    of its slot, the schedule withdrawn)."""
    schedule_id = request.match_info["schedule_id"]
    schedule = request.app[SCHEDULES].items.get(schedule_id)
    if schedule is None:
        raise web.HTTPNotFound(text="no such emergency under way")
    place = radio_place(request, schedule.commune)
    require_act(request, place)
    request[AUDIT_ACTION] = "broadcasts.emergency.stop"
    body = stop_emergency(request.app, request[PRINCIPAL], schedule_id)
    request[AUDIT_DETAIL] = {
        "commune": place.code,
        "title": schedule.title,
        "clusters": len(body["clusters"]),
        "silence": body["silence"]["id"] if body["silence"] else None,
    }
    raise _done(place, "stopped", body)


async def lift_order(request: web.Request) -> web.Response:
    """Lift a silence order now (``DELETE /api/v1/broadcasts/silence/{id}``'s logic)."""
    silence_id = request.match_info["silence_id"]
    order = request.app[SILENCES].items.get(silence_id)
    if order is None:
        raise web.HTTPNotFound(text="no such silence order")
    place = radio_place(request, order.commune)
    require_act(request, place)
    request[AUDIT_ACTION] = "broadcasts.silence.delete"
    body = lift(request.app, request[PRINCIPAL], silence_id)
    request[AUDIT_DETAIL] = {"commune": place.code, "clusters": len(order.clusters)}
    raise _done(place, "lifted", body)


def setup_routes(app: web.Application) -> None:
    app.router.add_get(TAB, show)
    app.router.add_post(f"{TAB}/emergency", emergency)
    app.router.add_post(f"{TAB}/silence", silence)
    app.router.add_post(f"{TAB}/emergency/{{schedule_id}}/stop", stop)
    app.router.add_post(f"{TAB}/silence/{{silence_id}}/lift", lift_order)
