"""What every page of the smart-radio section shares: which commune it shows, and the
section's tabs.

Commune officers work in one commune at a time; an officer of one commune never sees
the commune chooser, an admin or a provincial viewer picks one (``?commune=``). A
commune outside the user's scope answers 404, as every other page does, so that a URL
tells nothing about another commune.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from aiohttp import web

from xaso.server.keys import INDEX
from xaso.server.web.auth import PRINCIPAL
from xaso.server.web.rendering import render

# The section's pages, in the order an officer uses them: (path, word key). A page
# adds its tab here when it exists.
RADIO_TABS: Final[tuple[tuple[str, str], ...]] = (
    ("/radio/calendar", "radio.calendar.tab"),
    ("/radio/schedules", "radio.schedules.tab"),
    ("/radio/media", "radio.media.tab"),
    ("/radio/record", "radio.record.tab"),
    ("/radio/now", "radio.now.tab"),
    ("/radio/log", "radio.log.tab"),
    ("/radio/gateways", "radio.gateways.tab"),
    ("/radio/settings", "radio.settings.tab"),
)


@dataclass(frozen=True)
class RadioPlace:
    """The commune a radio page shows, and the others the user may switch to."""

    code: str
    name: str
    # (code, name) of every commune the user sees, by name: the chooser's options.
    communes: tuple[tuple[str, str], ...]
    may_act: bool  # the user may schedule, upload and send commands here


def visible_communes(request: web.Request) -> tuple[tuple[str, str], ...]:
    """(code, name) of the communes the user sees, by name."""
    principal = request[PRINCIPAL]
    index = request.app[INDEX]
    found = [(code, c.name) for code, c in index.communes.items() if principal.may_see(code)]
    return tuple(sorted(found, key=lambda c: c[1]))


def radio_place(request: web.Request, code: str | None = None) -> RadioPlace:
    """The commune asked for (``code``, else ``?commune=``, else the user's first),
    or 404 when the user may not see it or sees none."""
    communes = visible_communes(request)
    if not communes:
        raise web.HTTPNotFound(text="no commune to show")
    asked = code if code is not None else request.query.get("commune") or communes[0][0]
    names = dict(communes)
    if asked not in names:
        raise web.HTTPNotFound(text="no such commune")
    return RadioPlace(
        code=asked,
        name=names[asked],
        communes=communes,
        may_act=request[PRINCIPAL].may_act(asked),
    )


def require_act(request: web.Request, place: RadioPlace) -> None:
    """403 for a user who may look at the commune but not act in it (a viewer)."""
    if not place.may_act:
        raise web.HTTPForbidden(text="this account may only read this commune's radio")


def render_radio(
    request: web.Request, template: str, place: RadioPlace, tab: str, **context: object
) -> web.Response:
    """``render`` with what the section's tabs and chooser need (``_radio_tabs.html``)."""
    return render(
        request,
        template,
        place=place,
        tab=tab,
        radio_tabs=RADIO_TABS,
        chooser_keeps=chooser_keeps(request, tab),
        **context,
    )


# What a page's query says of the commune (its villages and clusters are the zones) or of
# a form's outcome, never of the view.
_NOT_KEPT: Final = frozenset({"commune", "zone", "done", "lang", "fragment", "page"})


def chooser_keeps(request: web.Request, tab: str) -> list[tuple[str, str]]:
    """The query the commune chooser carries over: on a tab's own page, its view (the
    calendar's week and date, the log's period and filters), so that switching commune
    shows the same view of the other one; on a page under a tab (a schedule, a proof of
    play), nothing: the chooser opens the tab."""
    if request.path != tab:
        return []
    return [(key, value) for key, value in request.query.items() if key not in _NOT_KEPT]
