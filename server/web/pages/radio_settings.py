"""The loudspeakers' settings of a commune (``/radio/settings?commune=``): each cluster's
volume, and the standing relay of the provincial or central station.

Everyone who sees the commune reads them; its operators and admins change them with two
plain forms (volumes; relay), which the page turns into the API's change
(``server/web/api/radio_settings.py``: the same checks, the same saving and publishing),
so the page applies exactly the rules the API does. A saved change goes to the gateways
with their schedule sets; the notice says so.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any, Final
from zoneinfo import ZoneInfo

import msgspec
from aiohttp import web

from xaso.server.broadcasts.schedule import Targets
from xaso.server.broadcasts.standing_relay import WEEKDAYS, StandingRelay, default_title
from xaso.server.keys import INDEX
from xaso.server.web.api.radio_settings import (
    SettingsChange,
    change_problems,
    save_settings,
    settings_view,
)
from xaso.server.web.pages.radio_shared import RadioPlace, radio_place, render_radio, require_act
from xaso.server.web.rendering import request_language
from xaso.server.web.status_words import local_time
from xaso.server.words import translator

PATH: Final = "/radio/settings"
SOURCES: Final = ("provincial", "central")
_RELAY_FIELDS: Final = ("url", "source", "title", "start_time", "end_time")
# The API's problems in words: (field pattern, word key). The field's own detail is
# kept after the words, so nothing the API said is lost.
_PROBLEM_WORDS: Final = (
    (re.compile(r"^volumes\.(?P<cluster>[^:]+):"), "rs.problem.volume"),
    (re.compile(r"^relay\.url:"), "rs.problem.url"),
    (re.compile(r"^relay\.start_time:"), "rs.problem.start_time"),
    (re.compile(r"^relay\.end_time:"), "rs.problem.end_time"),
    (re.compile(r"^relay\.(targets|zones|clusters)"), "rs.problem.targets"),
    (re.compile(r"^relay\.weekdays:"), "rs.problem.weekdays"),
    (re.compile(r"^relay\.title:"), "rs.problem.title"),
)


def _problem_text(problem: str, words: Mapping[str, str], names: Mapping[str, str]) -> str:
    detail = problem.split(": ", 1)[1] if ": " in problem else problem
    for pattern, key in _PROBLEM_WORDS:
        found = pattern.search(problem)
        if found:
            cluster = found.groupdict().get("cluster")
            text = words[key].format(cluster=names.get(cluster or "", cluster or ""))
            return f"{text} ({detail})"
    return problem


def _relay_form(view: dict[str, Any]) -> dict[str, Any]:
    """The relay form's values: the relay's own, or a new one's defaults."""
    relay = view["relay"]
    if relay is None:
        return {
            "url": "",
            "source": "provincial",
            "title": "",
            "start_time": "05:00",
            "end_time": "06:00",
            "weekdays": [],
            "zones": [],
            "clusters": [],
            "on": True,
        }
    targets = relay["targets"]
    return {
        **{name: relay[name] for name in _RELAY_FIELDS},
        "weekdays": relay["weekdays"],
        "zones": targets["zones"],
        "clusters": targets["clusters"],
        "on": relay["on"],
    }


def _page(
    request: web.Request,
    place: RadioPlace,
    *,
    problems: list[str] | None = None,
    volumes: Mapping[str, str] | None = None,
    relay: dict[str, Any] | None = None,
    status: int = 200,
) -> web.Response:
    app = request.app
    index = app[INDEX]
    view = settings_view(app, place.code)
    zone = ZoneInfo(index.inventory.timezone)
    typed = volumes or {}
    clusters = [
        {
            **c,
            "typed": typed.get(c["id"], "" if c["volume"] is None else str(c["volume"])),
            "reported_at": local_time(_ms(c["reported"]), zone) if c["reported"] else "",
        }
        for c in view["clusters"]
    ]
    villages = sorted({(c["village"], c["village_name"]) for c in clusters if c["village"]})
    form = relay if relay is not None else _relay_form(view)
    saved_relay = view["relay"]
    response = render_radio(
        request,
        "radio_settings.html",
        place,
        PATH,
        view=view,
        clusters=clusters,
        villages=villages,
        # What the relay's targets are called: villages and clusters by their names.
        place_names={**dict(villages), **{c["id"]: c["name"] for c in clusters}},
        relay=saved_relay,
        default_relay_title=default_title(
            StandingRelay(url="", start_time="", end_time="", source=form["source"])
        ),
        form=form,
        weekdays=WEEKDAYS,
        sources=SOURCES,
        problems=problems or [],
        done=request.query.get("done", ""),
        sent=request.query.get("sent", ""),
        waiting=request.query.get("waiting", ""),
        changed_at=local_time(_ms(view["changed"]), zone) if view["changed"] else "",
    )
    response.set_status(status)
    return response


def _ms(iso: str) -> int:
    return int(dt.datetime.fromisoformat(iso).timestamp() * 1000)


async def settings_page(request: web.Request) -> web.Response:
    return _page(request, radio_place(request))


def _apply(request: web.Request, place: RadioPlace, change: SettingsChange, done: str) -> list[str]:
    """Check and save ``change``; its problems in words (nothing saved) or a redirect."""
    problems = change_problems(request.app, change)
    if problems:
        words = translator(request_language(request))
        names = {c: d.name for c, d in request.app[INDEX].devices.items()}
        return [_problem_text(p, words, names) for p in problems]
    saved = save_settings(request, change)
    location = (
        f"{PATH}?commune={place.code}&done={done}"
        f"&sent={len(saved['sent_to'])}&waiting={len(saved['not_sent'])}"
    )
    raise web.HTTPSeeOther(location=location)


async def save_volumes(request: web.Request) -> web.Response:
    data = await request.post()
    place = radio_place(request, str(data.get("commune", "")))
    require_act(request, place)
    words = translator(request_language(request))
    typed = {
        str(name).removeprefix("volume:"): str(value).strip()
        for name, value in data.items()
        if str(name).startswith("volume:")
    }
    names = {c: d.name for c, d in request.app[INDEX].devices.items()}
    volumes: dict[str, int | None] = {}
    problems = []
    for cluster, value in typed.items():
        if not value:
            volumes[cluster] = None
        elif value.isdigit():
            volumes[cluster] = int(value)
        else:
            text = words["rs.problem.volume"].format(cluster=names.get(cluster, cluster))
            problems.append(f"{text} ({value})")
    if not problems:
        change = SettingsChange(commune=place.code, volumes=volumes)
        problems = _apply(request, place, change, "volumes")
    return _page(request, place, problems=problems, volumes=typed, status=400)


async def save_relay(request: web.Request) -> web.Response:
    data = await request.post()
    place = radio_place(request, str(data.get("commune", "")))
    require_act(request, place)
    if data.get("action") == "remove":
        _apply(request, place, SettingsChange(commune=place.code, relay=None), "relay_removed")
    form: dict[str, Any] = {name: str(data.get(name, "")).strip() for name in _RELAY_FIELDS}
    form["weekdays"] = [str(d) for d in data.getall("weekday", []) if d in WEEKDAYS]
    form["zones"] = [str(z) for z in data.getall("zone", [])]
    form["clusters"] = [str(c) for c in data.getall("cluster", [])]
    form["on"] = data.get("on") == "1"
    words = translator(request_language(request))
    if not form["url"]:
        problems = [words["rs.problem.url_missing"]]
    else:
        try:
            relay = msgspec.convert(
                {
                    **{k: form[k] for k in _RELAY_FIELDS},
                    "source": form["source"] if form["source"] in SOURCES else "provincial",
                    "weekdays": form["weekdays"],
                    "targets": msgspec.to_builtins(
                        Targets(zones=form["zones"], clusters=form["clusters"])
                    ),
                    "on": form["on"],
                },
                StandingRelay,
            )
        except msgspec.ValidationError as exc:
            problems = [str(exc)]
        else:
            problems = _apply(
                request, place, SettingsChange(commune=place.code, relay=relay), "relay"
            )
    return _page(request, place, problems=problems, relay=form, status=400)


def setup_routes(app: web.Application) -> None:
    app.router.add_get(PATH, settings_page)
    app.router.add_post(f"{PATH}/volumes", save_volumes)
    app.router.add_post(f"{PATH}/relay", save_relay)
