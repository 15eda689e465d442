"""Remediation plans through the API (docs/api.md, docs/reports.md "Remediation plans").

For each indicator a commune did not meet in a period (chưa đạt), the commune writes a
plan (cause, steps, deadline, who answers for it) and the verifier accepts it or
returns it with a comment; the commune edits a returned plan, which submits it again,
and marks an accepted one done (server/indicators/gather/remediation.py says what each
state means):

- **Writing, editing, marking done**: the commune's operators (``may_act``), admins.
- **Accepting, returning**: verifiers within their communes, admins.
- **Reading**: everyone within their commune scope; a plan of a commune outside it is
  a 404, as the commune is.

A plan is written only for an indicator the evaluation says is not met in that period
now (the default report: excused periods counted as downtime). Refusals answer
``{"error", "problems": [...]}`` with 400 (what is wrong with the request), 403 (a role
that may read but not do that), 404 (outside the scope), 409 (the plan's state does not
allow it).

The page (server/web/pages/indicators_remediation.py) acts through the same functions
(``submit_plan``, ``edit_plan``, ``review_plan``, ``finish_plan``, ``listed_plans``),
so a form can do nothing the API would refuse; they set the audit detail too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo

import msgspec
from aiohttp import web

from xaso.server.indicators.gather.remediation import (
    EDITABLE,
    MAX_COMMENT_CHARS,
    STATUSES,
    Author,
    PlanFields,
    Problem,
    RemediationPlan,
    Shortfall,
    StateConflict,
    changed_fields,
    check_fields,
)
from xaso.server.indicators.keys import EVALUATE, REMEDIATION
from xaso.server.indicators.period import PeriodError, period_from_query
from xaso.server.indicators.reports.overview import PeriodRef
from xaso.server.indicators.reports.period import period_ref
from xaso.server.indicators.result import IndicatorResult
from xaso.server.indicators.wiring import indicator_sources
from xaso.server.keys import CLOCK_MS, INDEX
from xaso.server.web.auditing import AUDIT_ACTION, AUDIT_DETAIL
from xaso.server.web.auth import PRINCIPAL
from xaso.server.web.http import json_response
from xaso.server.web.tokens import Principal, Role
from xaso.server.web.views import iso_utc

__all__ = [
    "SHOWN",
    "Refusal",
    "edit_plan",
    "finish_plan",
    "listed_plans",
    "may_plan",
    "may_review",
    "plan_view",
    "review_plan",
    "setup_routes",
    "submit_plan",
    "today",
    "visible_plan",
]

# What ``?status=`` may ask for: a state, every plan not done, those past their deadline.
SHOWN: Final = (*STATUSES, "open", "overdue")
_PLAN_FIELDS: Final = frozenset({"cause", "steps", "deadline", "responsible"})
_NEW_FIELDS: Final = _PLAN_FIELDS | {"commune", "period", "from", "to", "indicator"}
# A comment as the audit log keeps it: enough to recognise it; the plan keeps it whole.
_AUDIT_TEXT_CHARS: Final = 200

Decision = Literal["accepted", "returned"]


class Refusal(Exception):
    """What the API answers instead of doing it: a status, what went wrong, and each
    problem (with the field and the code the pages turn into words)."""

    def __init__(self, status: int, error: str, problems: list[Problem] | None = None) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.problems = problems or []

    def response(self) -> web.Response:
        body = {"error": self.error, "problems": [p.text for p in self.problems]}
        return json_response(body, status=self.status)


def _not_found(what: str) -> Refusal:
    return Refusal(404, f"{what} not found")


def may_plan(principal: Principal, commune: str) -> bool:
    """Writes, edits and marks done a commune's plans: its operators, admins."""
    return principal.may_act(commune)


def may_review(principal: Principal, commune: str) -> bool:
    """Accepts and returns a commune's plans: a verifier within its communes, admins."""
    return principal.role in (Role.ADMIN, Role.VERIFIER) and principal.may_see(commune)


def _author(principal: Principal) -> Author:
    return Author(principal.name, principal.subject, str(principal.role))


def today(app: web.Application) -> dt.date:
    """The server's local day, which deadlines are compared with."""
    return app[REMEDIATION].today(app[CLOCK_MS]())


def _tz(app: web.Application) -> ZoneInfo:
    return ZoneInfo(app[INDEX].inventory.timezone)


def _period(
    app: web.Application, fields: Mapping[str, object], problems: list[Problem]
) -> PeriodRef | None:
    """``period`` (2026-Q3, 2026-07, 2026) or ``from`` and ``to``, as the reports take it."""
    given = {
        k: str(v) for k, v in fields.items() if k in ("period", "from", "to") and v is not None
    }
    try:
        return period_ref(*period_from_query(given, _tz(app)), _tz(app))
    except PeriodError as exc:
        problems += [Problem("period", "period", f"period: {p}") for p in exc.problems]
        return None


def visible_plan(request: web.Request, plan_id: str) -> RemediationPlan:
    """The plan, if the user may see its commune; else a 404 as for no plan at all."""
    plan = request.app[REMEDIATION].get(plan_id)
    if plan is None or not request[PRINCIPAL].may_see(plan.commune):
        raise _not_found("remediation plan")
    return plan


# The audit log's name of each change, the same from the API and from the page.
_AUDIT_VERBS: Final = {
    "submitted": "create",
    "edited": "edit",
    "resubmitted": "resubmit",
    "accepted": "accept",
    "returned": "return",
    "done": "done",
}


def _audit(request: web.Request, plan: RemediationPlan, **more: object) -> None:
    change = plan.latest
    request[AUDIT_ACTION] = f"indicators.remediation.{_AUDIT_VERBS[change.action]}"
    request[AUDIT_DETAIL] = {
        "plan": plan.id,
        "commune": plan.commune,
        "period": plan.shortfall.period or f"{plan.shortfall.from_ms}-{plan.shortfall.to_ms}",
        "indicator": plan.indicator,
        "action": change.action,
        "status": change.status,
        "deadline": change.fields.deadline.isoformat(),
        **more,
    }


async def _shortfall_now(
    request: web.Request, commune: str, period: PeriodRef, indicator: str
) -> IndicatorResult:
    """The commune's result for the indicator in the period, if it is not met now;
    else a 400 saying what the evaluation says."""
    evaluate = request.app[EVALUATE]
    # A store that cannot be read is a 503 (server/web/store_errors.py).
    evaluations = await evaluate(
        indicator_sources(request.app), [commune], period.from_ms, period.to_ms
    )
    results = [r for e in evaluations if e.commune == commune for r in e.results]
    if not results:
        raise Refusal(
            400,
            "no figures",
            [Problem("period", "no_figures", "period: the commune has no figures for it")],
        )
    result = next((r for r in results if r.indicator == indicator), None)
    if result is None:
        raise Refusal(
            400,
            "unknown indicator",
            [
                Problem(
                    "indicator",
                    "indicator_unknown",
                    f"indicator: {indicator!r} is not one of the commune's indicators",
                )
            ],
        )
    if result.verdict != "not_met":
        raise Refusal(
            400,
            "the indicator is not 'not met' in that period",
            [
                Problem(
                    "indicator",
                    "indicator_not_failing",
                    f"indicator: {indicator} is {result.verdict} in that period, not "
                    "not_met (chưa đạt): a remediation plan is for an indicator not met",
                )
            ],
        )
    return result


async def submit_plan(request: web.Request, body: Mapping[str, Any]) -> RemediationPlan:
    """A new plan from ``{"commune", "period" | "from"+"to", "indicator", "cause",
    "steps": [...], "deadline": "YYYY-MM-DD", "responsible"}``."""
    app, principal = request.app, request[PRINCIPAL]
    commune = body.get("commune")
    if not isinstance(commune, str) or commune not in app[INDEX].communes:
        problem = Problem("commune", "commune", f"commune: no commune {commune!r} in the inventory")
        if not isinstance(commune, str) or principal.role is Role.ADMIN:
            raise Refusal(400, "invalid remediation plan", [problem])
        raise _not_found("commune")
    if not principal.may_see(commune):
        raise _not_found("commune")
    if not may_plan(principal, commune):
        raise Refusal(403, "only the commune's officers or an admin write its remediation plans")
    problems = _unknown_fields(body, _NEW_FIELDS)
    indicator = body.get("indicator")
    if not isinstance(indicator, str) or not indicator:
        problems.append(Problem("indicator", "indicator_missing", "indicator: required, e.g. R2"))
    period = _period(app, body, problems)
    fields, field_problems = check_fields(body, today(app))
    problems += field_problems
    if problems or period is None or fields is None or not isinstance(indicator, str):
        raise Refusal(400, "invalid remediation plan", problems)
    result = await _shortfall_now(request, commune, period, indicator)
    shortfall = Shortfall(
        commune=commune,
        from_ms=period.from_ms,
        to_ms=period.to_ms,
        period=period.label,
        indicator=indicator,
        name=result.name,
        name_en=result.name_en,
    )
    try:
        plan = app[REMEDIATION].submit(shortfall, fields, _author(principal), app[CLOCK_MS]())
    except StateConflict as exc:
        raise Refusal(409, str(exc), [Problem("indicator", "has_plan", str(exc))]) from None
    _audit(request, plan)
    return plan


def edit_plan(
    request: web.Request, plan_id: str, body: Mapping[str, Any], *, whole: bool
) -> RemediationPlan:
    """The commune's new text of a submitted or returned plan (``whole``: every field
    given, as a PUT; else those given, as a PATCH); a returned plan is submitted again."""
    app, principal = request.app, request[PRINCIPAL]
    plan = visible_plan(request, plan_id)
    if not may_plan(principal, plan.commune):
        raise Refusal(403, "only the commune's officers or an admin edit its remediation plans")
    if plan.status not in EDITABLE:
        raise Refusal(
            409,
            f"a plan {plan.status} can no longer be changed",
            [
                Problem(
                    "status",
                    "not_editable",
                    f"status: {plan.status}; only a submitted or returned plan is edited",
                )
            ],
        )
    problems = _unknown_fields(body, _PLAN_FIELDS)
    fields, field_problems = check_fields(body, today(app), current=plan.fields, whole=whole)
    problems += field_problems
    if problems or fields is None:
        raise Refusal(400, "invalid remediation plan", problems)
    before = plan.fields
    try:
        plan = app[REMEDIATION].edit(plan.id, fields, _author(principal), app[CLOCK_MS]())
    except StateConflict as exc:
        raise Refusal(409, str(exc), [Problem("status", "unchanged", str(exc))]) from None
    _audit(request, plan, changed=changed_fields(before, fields))
    return plan


def _unknown_fields(body: Mapping[str, Any], known: frozenset[str]) -> list[Problem]:
    """One problem for each field of ``body`` the request does not take, by name."""
    return [
        Problem(key, "unknown_field", f"{key}: unknown field") for key in sorted(set(body) - known)
    ]


def _lone_text(body: Mapping[str, Any], key: str, *, required: bool) -> tuple[str, list[Problem]]:
    """The one text a decision or a closing takes (``{key}``), trimmed, and what is wrong
    with the body: fields it does not take, then the text too long or, ``required``, blank."""
    problems = _unknown_fields(body, frozenset({key}))
    text = body.get(key, "")
    if not isinstance(text, str) or len(text) > MAX_COMMENT_CHARS:
        problems.append(
            Problem(key, f"{key}_long", f"{key}: a text of at most {MAX_COMMENT_CHARS} characters")
        )
        return "", problems
    if required and not text.strip():
        problems.append(Problem(key, f"{key}_missing", f"{key}: required, say why in words"))
        return "", problems
    return text.strip(), problems


def _require_status(plan: RemediationPlan, status: str, only: str) -> None:
    """A 409 unless ``plan`` is ``status``: ``only`` says which plans the step takes."""
    if plan.status != status:
        raise Refusal(
            409,
            f"{only}; this one is {plan.status}",
            [Problem("status", f"not_{status}", f"status: {plan.status}")],
        )


def review_plan(
    request: web.Request, plan_id: str, decision: Decision, body: Mapping[str, Any]
) -> RemediationPlan:
    """The verifier accepts a submitted plan (``{"comment"?}``) or returns it
    (``{"comment"}``, required: what to change)."""
    app, principal = request.app, request[PRINCIPAL]
    plan = visible_plan(request, plan_id)
    if not may_review(principal, plan.commune):
        raise Refusal(403, "only a verifier or an admin accepts or returns a remediation plan")
    comment, problems = _lone_text(body, "comment", required=decision == "returned")
    _require_status(plan, "submitted", "only a submitted plan is accepted or returned")
    if problems:
        raise Refusal(400, "invalid decision", problems)
    plan = app[REMEDIATION].review(plan.id, decision, comment, _author(principal), app[CLOCK_MS]())
    _audit(request, plan, comment=comment[:_AUDIT_TEXT_CHARS])
    return plan


def finish_plan(request: web.Request, plan_id: str, body: Mapping[str, Any]) -> RemediationPlan:
    """The commune marks an accepted plan done: ``{"note"}``, what was done (required)."""
    app, principal = request.app, request[PRINCIPAL]
    plan = visible_plan(request, plan_id)
    if not may_plan(principal, plan.commune):
        raise Refusal(403, "only the commune's officers or an admin mark its plans done")
    note, problems = _lone_text(body, "note", required=True)
    _require_status(plan, "accepted", "only an accepted plan can be marked done")
    if problems:
        raise Refusal(400, "invalid remediation plan", problems)
    plan = app[REMEDIATION].finish(plan.id, note, _author(principal), app[CLOCK_MS]())
    _audit(request, plan, note=note[:_AUDIT_TEXT_CHARS])
    return plan


def listed_plans(
    request: web.Request,
    *,
    commune: str | None = None,
    period: PeriodRef | None = None,
    status: str | None = None,
    indicator: str | None = None,
) -> list[RemediationPlan]:
    """The plans the user may see, of a commune, a period, a ``status`` (one of
    ``SHOWN``) and an indicator when given, oldest first."""
    store = request.app[REMEDIATION]
    principal = request[PRINCIPAL]
    day = today(request.app)
    found = store.find(
        commune,
        period.from_ms if period else None,
        period.to_ms if period else None,
        indicator,
    )
    return [
        plan
        for plan in found
        if principal.may_see(plan.commune)
        and (
            status is None
            or plan.status == status
            or (status == "open" and plan.is_open)
            or (status == "overdue" and plan.overdue(day))
        )
    ]


def plan_view(plan: RemediationPlan, day: dt.date) -> dict[str, Any]:
    """A plan as the API answers it; ``day`` the local day its deadline is compared to."""
    shortfall, fields = plan.shortfall, plan.fields
    review = plan.last_review()
    history = []
    before: PlanFields | None = None
    for change in plan.history:
        history.append(
            {
                "version": change.version,
                "action": change.action,
                "status": change.status,
                "at": iso_utc(change.at_ms),
                "at_ms": change.at_ms,
                "by": change.by.name,
                "role": change.by.role,
                "comment": change.comment,
                "changed": changed_fields(before, change.fields),
                "fields": _fields_view(change.fields),
            }
        )
        before = change.fields
    return {
        "id": plan.id,
        "commune": shortfall.commune,
        "period": shortfall.period,
        "from": iso_utc(shortfall.from_ms),
        "to": iso_utc(shortfall.to_ms),
        "from_ms": shortfall.from_ms,
        "to_ms": shortfall.to_ms,
        "indicator": shortfall.indicator,
        "name": shortfall.name,
        "name_en": shortfall.name_en,
        "status": plan.status,
        "overdue": plan.overdue(day),
        **_fields_view(fields),
        "created": iso_utc(plan.history[0].at_ms),
        "created_by": plan.history[0].by.name,
        "updated": iso_utc(plan.latest.at_ms),
        "review": None
        if review is None
        else {
            "decision": review.action,
            "comment": review.comment,
            "by": review.by.name,
            "at": iso_utc(review.at_ms),
        },
        "history": history,
    }


def _fields_view(fields: PlanFields) -> dict[str, Any]:
    return {
        "cause": fields.cause,
        "steps": list(fields.steps),
        "deadline": fields.deadline.isoformat(),
        "responsible": fields.responsible,
    }


# -- the routes -----------------------------------------------------------------------


async def _body(request: web.Request, *, optional: bool = False) -> dict[str, Any]:
    raw = await request.read()
    if optional and not raw.strip():
        return {}
    try:
        body = msgspec.json.decode(raw)
    except (msgspec.DecodeError, RecursionError):
        body = None
    if not isinstance(body, dict):
        raise Refusal(400, "the body must be a JSON object")
    return body


def _answer(plan: RemediationPlan, request: web.Request, status: int = 200) -> web.Response:
    return json_response(plan_view(plan, today(request.app)), status=status)


async def list_api(request: web.Request) -> web.Response:
    """``?commune=&period=`` (or ``from``/``to``) ``&status=&indicator=``."""
    query = request.query
    problems: list[Problem] = []
    commune = query.get("commune") or None
    if commune is not None and (
        commune not in request.app[INDEX].communes or not request[PRINCIPAL].may_see(commune)
    ):
        raise _not_found("commune")
    given = any(key in query for key in ("period", "from", "to"))
    period = _period(request.app, query, problems) if given else None
    status = query.get("status") or None
    if status is not None and status not in SHOWN:
        problems.append(Problem("status", "status", f"status: one of {', '.join(SHOWN)}"))
    if problems:
        raise Refusal(400, "invalid request", problems)
    plans = listed_plans(
        request,
        commune=commune,
        period=period,
        status=status,
        indicator=query.get("indicator") or None,
    )
    day = today(request.app)
    views = [plan_view(plan, day) for plan in plans]
    return json_response({"plans": views, "count": len(views)})


async def get_api(request: web.Request) -> web.Response:
    return _answer(visible_plan(request, request.match_info["plan_id"]), request)


async def create_api(request: web.Request) -> web.Response:
    return _answer(await submit_plan(request, await _body(request)), request, 201)


async def put_api(request: web.Request) -> web.Response:
    body = await _body(request)
    return _answer(edit_plan(request, request.match_info["plan_id"], body, whole=True), request)


async def patch_api(request: web.Request) -> web.Response:
    body = await _body(request)
    return _answer(edit_plan(request, request.match_info["plan_id"], body, whole=False), request)


async def accept_api(request: web.Request) -> web.Response:
    body = await _body(request, optional=True)
    return _answer(review_plan(request, request.match_info["plan_id"], "accepted", body), request)


async def return_api(request: web.Request) -> web.Response:
    body = await _body(request, optional=True)
    return _answer(review_plan(request, request.match_info["plan_id"], "returned", body), request)


async def done_api(request: web.Request) -> web.Response:
    body = await _body(request, optional=True)
    return _answer(finish_plan(request, request.match_info["plan_id"], body), request)


def _refusals(handler: Any) -> Any:
    """A route answering each ``Refusal`` as its JSON."""

    async def answer(request: web.Request) -> web.StreamResponse:
        try:
            response: web.StreamResponse = await handler(request)
        except Refusal as refusal:
            return refusal.response()
        return response

    answer.__doc__ = handler.__doc__
    return answer


def setup_routes(app: web.Application) -> None:
    base = "/api/v1/indicators/remediation"
    app.router.add_get(base, _refusals(list_api))
    app.router.add_post(base, _refusals(create_api))
    app.router.add_get(base + "/{plan_id}", _refusals(get_api))
    app.router.add_put(base + "/{plan_id}", _refusals(put_api))
    app.router.add_patch(base + "/{plan_id}", _refusals(patch_api))
    app.router.add_post(base + "/{plan_id}/accept", _refusals(accept_api))
    app.router.add_post(base + "/{plan_id}/return", _refusals(return_api))
    app.router.add_post(base + "/{plan_id}/done", _refusals(done_api))
