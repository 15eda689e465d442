"""Signing off a commune's report from its page: ``POST
/indicators/commune/signoff?commune=&period=`` (a url-encoded form: the CSRF token, the
hash of what the page showed, the comment, whether the report left excused time out).

It signs through the API's own ``record_signoff``: the same checks, refusals and record.
A success goes back to the page (303), where the sign-off heads the history. A refusal
is said in words on the page itself: the period not over yet, a comment too long, or —
the data changed since the page was shown (409) — what changed between what the
verifier looked at (``indicators_seen.py``) and the data now, with the form to sign
what it says now. A viewer or an operator is refused (403); a commune out of the user's
scope does not exist (404).
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from xaso.server.indicators.changes import changes
from xaso.server.indicators.reports.changes import change_rows
from xaso.server.keys import INDEX
from xaso.server.web.api.reports import PERIOD_RUNNING, SignOffRefused, record_signoff
from xaso.server.web.pages.indicators_commune import TAB, Signing, show_report
from xaso.server.web.pages.indicators_seen import shown_reports
from xaso.server.web.pages.indicators_shared import indicator_place
from xaso.server.web.rendering import request_language
from xaso.server.words import translator

ACTION = f"{TAB}/signoff"


def problem_text(problem: str, words: dict[str, str]) -> str:
    """A problem of ``record_signoff`` in words: by its field, the API's own text after
    a general sentence for what the page cannot cause by itself."""
    if problem == PERIOD_RUNNING:
        return ""  # said by the panel itself, with the day it can be signed
    field = problem.partition(":")[0]
    if field in ("note", "sha256"):
        return words[f"ind.signoff.problem.{field}"]
    return f"{words['ind.signoff.problem.other']}: {problem}"


async def sign_off_page(request: web.Request) -> web.Response:
    place = indicator_place(request, commune_page=True)  # 404 outside the user's scope
    assert place.commune is not None
    data = await request.post()
    excused = data.get("excused") == "1"
    note = str(data.get("note", "")).strip()
    seen = str(data.get("sha256", ""))
    fields: dict[str, Any] = {
        "commune": place.commune,
        **dict(place.period.query),
        "sha256": seen,
        "note": note,
        "excused": excused,
    }
    try:
        await record_signoff(request, fields)
    except SignOffRefused as refused:
        return await _refused(request, refused, seen, note, excused)
    back = place.query(**({"excused": "1"} if excused else {}), done="signed")
    raise web.HTTPSeeOther(location=f"{TAB}?{back}#signoff")


async def _refused(
    request: web.Request, refused: SignOffRefused, seen: str, note: str, excused: bool
) -> web.Response:
    if refused.why == "role":
        raise web.HTTPForbidden(text="only a verifier or an admin signs off")
    if refused.why == "scope":
        raise web.HTTPNotFound(text="no such commune")
    place = indicator_place(request, commune_page=True)
    words = translator(request_language(request))
    if refused.why == "invalid":
        problems = [text for p in refused.problems if (text := problem_text(p, words))]
        signing = Signing(note=note, problems=problems)
        return await show_report(request, place, excused=excused, signing=signing, status=400)
    # The data changed since the page was shown: what changed, if what it showed is kept.
    looked_at = shown_reports(request.app).get(seen)
    rows = None
    if looked_at is not None and refused.current is not None:
        tz = ZoneInfo(request.app[INDEX].inventory.timezone)
        found = changes(looked_at, refused.current)
        rows = change_rows(found, w=words, lang=request_language(request), tz=tz)
    signing = Signing(note=note, changed=True, changes=rows)
    return await show_report(request, place, excused=excused, signing=signing, status=409)


async def back_to_the_page(request: web.Request) -> web.Response:
    """The sign-off's address opened, not posted (the language switch or the period
    picker of a page answered from it): the report page it came from."""
    raise web.HTTPSeeOther(location=f"{TAB}?{request.query_string}")


def setup_routes(app: web.Application) -> None:
    app.router.add_post(ACTION, sign_off_page)
    app.router.add_get(ACTION, back_to_the_page)
