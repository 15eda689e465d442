"""The remediation page (``/indicators/remediation``, tab "Khắc phục"): for a commune
and period (``?commune=&period=``), each indicator not met (chưa đạt) with its plan —
cause, steps, deadline, who answers for it, its state in words and its history — or
"chưa có kế hoạch" and, for the commune's officers, the form to write one; a verifier
accepts or returns a submitted plan with a comment; an officer edits a returned plan
(which submits it again) and marks an accepted one done. A viewer reads.

Without a commune (and, below a commune's plans, for a verifier or an admin): the open
plans of every commune in the user's scope, every period, overdue first.

Every change goes through the API's own functions (server/web/api/remediation.py:
``submit_plan``, ``edit_plan``, ``review_plan``, ``finish_plan``), so a form refuses
exactly what the API refuses, and says why in words next to the field. The forms are
plain url-encoded forms with the CSRF field: they work without JavaScript.
"""

from __future__ import annotations

import datetime as dt
import urllib.parse
from collections.abc import Callable
from typing import Any, Final
from zoneinfo import ZoneInfo

from aiohttp import web
from multidict import MultiDictProxy

from xaso.server.indicators.gather.remediation import RemediationPlan
from xaso.server.indicators.keys import EVALUATE
from xaso.server.indicators.result import IndicatorResult
from xaso.server.indicators.wiring import indicator_sources
from xaso.server.keys import INDEX
from xaso.server.web.api.remediation import (
    Refusal,
    edit_plan,
    finish_plan,
    listed_plans,
    may_review,
    review_plan,
    submit_plan,
    today,
)
from xaso.server.web.auth import PRINCIPAL
from xaso.server.web.pages.indicators_remediation_view import (
    PlanForm,
    commune_cards,
    fields_form,
    open_rows,
    plan_words,
    problems_by_field,
)
from xaso.server.web.pages.indicators_shared import (
    IndicatorPlace,
    indicator_place,
    render_indicators,
)
from xaso.server.web.rendering import request_language
from xaso.server.words import translator

TAB: Final = "/indicators/remediation"
# What ``?done=`` may say after a change.
_DONE: Final = ("created", "edited", "accepted", "returned", "finished")


def _tz(request: web.Request) -> ZoneInfo:
    return ZoneInfo(request.app[INDEX].inventory.timezone)


def plan_link(plan: RemediationPlan, tz: ZoneInfo, **extra: str) -> str:
    """The commune's remediation page for the plan's period, at the plan."""
    shortfall = plan.shortfall
    pairs = [("commune", shortfall.commune)]
    if shortfall.period:
        pairs.append(("period", shortfall.period))
    else:
        first = dt.datetime.fromtimestamp(shortfall.from_ms / 1000, tz).date()
        after = dt.datetime.fromtimestamp(shortfall.to_ms / 1000, tz).date()
        pairs += [("from", first.isoformat()), ("to", after.isoformat())]
    pairs += list(extra.items())
    return f"{TAB}?{urllib.parse.urlencode(pairs)}#plan-{shortfall.indicator}"


async def _results(request: web.Request, place: IndicatorPlace) -> list[IndicatorResult]:
    """The commune's results for the period, as the API checks a new plan against."""
    assert place.commune is not None
    ref = place.period.ref
    # A store that cannot be read is a 503 page (server/web/store_errors.py).
    evaluations = await request.app[EVALUATE](
        indicator_sources(request.app), [place.commune], ref.from_ms, ref.to_ms
    )
    return [r for e in evaluations if e.commune == place.commune for r in e.results]


async def remediation_page(
    request: web.Request, *, form: PlanForm | None = None, status: int = 200
) -> web.Response:
    place = indicator_place(request, commune_page=bool(request.query.get("commune")))
    principal = request[PRINCIPAL]
    lang = request_language(request)
    words = translator(lang)
    tz = _tz(request)
    day = today(request.app)
    context: dict[str, Any] = {}
    if place.commune is not None:
        results = await _results(request, place)
        plans = listed_plans(request, commune=place.commune, period=place.period.ref)
        reviewer = may_review(principal, place.commune)
        context["has_figures"] = bool(results)
        context["cards"] = [
            {
                "indicator": card.indicator,
                "result": card.result,
                "name": card.name,
                "plan": None if card.plan is None else plan_words(card.plan, day, tz, lang, words),
                "may_review": reviewer
                and card.plan is not None
                and card.plan.status == "submitted",
                "may_finish": place.may_act
                and card.plan is not None
                and card.plan.status == "accepted",
                "blank": fields_form(None),
            }
            for card in commune_cards(results, plans, lang, words)
        ]
    if place.commune is None or place.may_sign:
        names = dict(place.communes)
        rows = open_rows(
            listed_plans(request, status="open"),
            day,
            names,
            tz,
            lang,
            words,
            lambda plan: plan_link(plan, tz),
        )
        context["open_rows"] = rows
        context["open_counts"] = words["ind.remediation.open.counts"].format(
            open=len(rows), overdue=sum(1 for row in rows if row["overdue"])
        )
    done = request.query.get("done", "")
    response = render_indicators(
        request,
        "indicators_remediation.html",
        place,
        TAB,
        form=form,
        today=day.isoformat(),
        done=f"ind.remediation.done.{done}" if done in _DONE else "",
        list_link=f"{TAB}?{urllib.parse.urlencode(place.period.query)}",
        **context,
    )
    response.set_status(status)
    return response


async def show(request: web.Request) -> web.Response:
    return await remediation_page(request)


def _text(data: MultiDictProxy[Any], name: str) -> str:
    return str(data.get(name, "")).strip()


def _fields(data: MultiDictProxy[Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The plan's fields as the API's body (the steps one a line), and as typed."""
    typed = {name: _text(data, name) for name in ("cause", "steps", "deadline", "responsible")}
    body: dict[str, Any] = {**typed, "steps": typed["steps"].splitlines()}
    return body, typed


async def _refused(request: web.Request, refusal: Refusal, form: PlanForm) -> web.Response:
    """A refusal as the page says it: 403 and 404 as error pages, the others the page
    again with the form as it was typed and the problems in words."""
    if refusal.status == 403:
        raise web.HTTPForbidden(text=refusal.error)
    if refusal.status == 404:
        raise web.HTTPNotFound(text=refusal.error)
    words = translator(request_language(request))
    form.problems = problems_by_field(refusal.problems, words)
    if not form.problems:
        form.problems = {"": [refusal.error]}
    return await remediation_page(request, form=form, status=refusal.status)


async def create(request: web.Request) -> web.Response:
    """The form of a new plan, posted to the page of its commune and period."""
    place = indicator_place(request, commune_page=True)
    data = await request.post()
    indicator = _text(data, "indicator")
    body, typed = _fields(data)
    body.update({"commune": place.commune, "indicator": indicator, **dict(place.period.query)})
    try:
        plan = await submit_plan(request, body)
    except Refusal as refusal:
        return await _refused(request, refusal, PlanForm(f"new:{indicator}", typed))
    raise web.HTTPSeeOther(location=plan_link(plan, _tz(request), done="created"))


def _plan_action(
    prefix: str,
    done: str,
    act: Callable[[web.Request, str, MultiDictProxy[Any]], RemediationPlan],
    typed_fields: tuple[str, ...],
) -> Callable[[web.Request], Any]:
    """A plan's form: the change, then back to the plan (303), or the page again with
    the problems."""

    async def handle(request: web.Request) -> web.Response:
        plan_id = request.match_info["plan_id"]
        data = await request.post()
        try:
            plan = act(request, plan_id, data)
        except Refusal as refusal:
            typed = {name: _text(data, name) for name in typed_fields}
            return await _refused(request, refusal, PlanForm(f"{prefix}:{plan_id}", typed))
        raise web.HTTPSeeOther(location=plan_link(plan, _tz(request), done=done))

    return handle


def _edit(request: web.Request, plan_id: str, data: MultiDictProxy[Any]) -> RemediationPlan:
    body, _ = _fields(data)
    return edit_plan(request, plan_id, body, whole=True)


def _accept(request: web.Request, plan_id: str, data: MultiDictProxy[Any]) -> RemediationPlan:
    return review_plan(request, plan_id, "accepted", {"comment": _text(data, "comment")})


def _return(request: web.Request, plan_id: str, data: MultiDictProxy[Any]) -> RemediationPlan:
    return review_plan(request, plan_id, "returned", {"comment": _text(data, "comment")})


def _finish(request: web.Request, plan_id: str, data: MultiDictProxy[Any]) -> RemediationPlan:
    return finish_plan(request, plan_id, {"note": _text(data, "note")})


def setup_routes(app: web.Application) -> None:
    plan_fields = ("cause", "steps", "deadline", "responsible")
    app.router.add_get(TAB, show)
    app.router.add_post(TAB, create)
    app.router.add_post(TAB + "/{plan_id}/edit", _plan_action("edit", "edited", _edit, plan_fields))
    app.router.add_post(
        TAB + "/{plan_id}/accept", _plan_action("accept", "accepted", _accept, ("comment",))
    )
    app.router.add_post(
        TAB + "/{plan_id}/return", _plan_action("return", "returned", _return, ("comment",))
    )
    app.router.add_post(
        TAB + "/{plan_id}/done", _plan_action("done", "finished", _finish, ("note",))
    )
