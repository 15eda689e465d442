"""Everything wrong now, and acknowledging it, through the API (docs/api.md); the
problems page (``server/web/pages/problems.py``) reads and acts through the same helpers.

- **Reading** follows the scope: a person sees the problems of its communes only.
- **Acknowledging** (``may_act``): an admin anywhere, an operator in its communes; a
  viewer or a verifier may not (403). A device out of sight is a 404, a device that has
  no problem now a 409 (there is nothing to acknowledge: its last one ended when it
  recovered). Acknowledging again replaces the acknowledgement (the latest word stands);
  withdrawing needs the same right.
"""

from __future__ import annotations

from typing import Any, Final

import msgspec
from aiohttp import web

from xaso.inventory import DEVICE_KINDS
from xaso.server.keys import CLOCK_MS, INDEX
from xaso.server.monitoring.acknowledgements import MAX_COMMENT
from xaso.server.monitoring.fleet_state import DeviceState
from xaso.server.monitoring.keys import ACKNOWLEDGEMENTS, STATE
from xaso.server.monitoring.problems import (
    FILTER_STATUSES,
    Acknowledgement,
    Problem,
    ProblemFilter,
    ProblemGroup,
    is_problem,
    problems_now,
)
from xaso.server.web.auth import PRINCIPAL, today
from xaso.server.web.http import (
    bad_request,
    forbidden,
    json_body,
    json_response,
    may_see_device,
    not_found,
)
from xaso.server.web.views import device_view, iso_utc

# The query parameters that narrow the list, as the page's form names them.
FILTER_PARAMS: Final = ("commune", "kind", "status", "cause", "q", "ack")
MAX_SEARCH: Final = 100


def problem_filter(request: web.Request) -> ProblemFilter:
    """The filters asked for (``?commune=&kind=&status=&cause=&q=&ack=``); a 400 naming
    a kind, status or ``ack`` that does not exist."""
    query = request.query
    kind = query.get("kind") or None
    if kind is not None and kind not in DEVICE_KINDS:
        raise bad_request(f"kind must be one of {', '.join(DEVICE_KINDS)}")
    status = query.get("status") or None
    if status is not None and status not in FILTER_STATUSES:
        raise bad_request(f"status must be one of {', '.join(FILTER_STATUSES)}")
    ack = query.get("ack") or None
    if ack not in (None, "yes", "no"):
        raise bad_request("ack must be yes or no")
    return ProblemFilter(
        commune=query.get("commune") or None,
        kind=kind,
        status=status,
        cause=query.get("cause") or None,
        text=(query.get("q") or "").strip()[:MAX_SEARCH] or None,
        acknowledged=None if ack is None else ack == "yes",
    )


def visible_problems(request: web.Request) -> list[ProblemGroup]:
    """Every problem in the asker's scope, grouped and most important first."""
    app = request.app
    return problems_now(
        app[STATE], today(app), request[PRINCIPAL].may_see, app[ACKNOWLEDGEMENTS].current
    )


def problem_view(problem: Problem) -> dict[str, Any]:
    view = device_view(problem.state, problem.commune)
    view["behind"] = problem.hidden_by
    view["flapping"] = problem.state.flapping
    view["acknowledged"] = acknowledgement_view(problem.acknowledgement)
    # What is wrong: the status, or ``picture`` for a camera online whose picture is
    # unusable, with the picture's state as its cause (``picture_covered``).
    view["problem"] = problem.status
    view["problem_cause"] = problem.cause_code
    view["problem_since"] = iso_utc(problem.since_ms)
    return view


def acknowledgement_view(ack: Acknowledgement | None) -> dict[str, Any] | None:
    if ack is None:
        return None
    return {
        "device": ack.device_id,
        "by": ack.by_name,
        "at": iso_utc(ack.at_ms),
        "comment": ack.comment,
    }


async def list_problems(request: web.Request) -> web.Response:
    wanted = problem_filter(request)
    rows = [
        problem_view(problem)
        for group in visible_problems(request)
        for problem in group.rows()
        if wanted.matches(problem)
    ]
    return json_response({"problems": rows, "count": len(rows)})


def _actionable(request: web.Request, device_id: str) -> DeviceState:
    """The device, if the asker may see it (else 404) and act in its commune (403)."""
    state = request.app[STATE].devices.get(device_id)
    if state is None or not may_see_device(request, device_id):
        raise not_found("device")
    if not request[PRINCIPAL].may_act(request.app[INDEX].listed_commune[device_id]):
        raise forbidden()
    return state


def acknowledge_problem(request: web.Request, device_id: str, comment: object) -> Acknowledgement:
    """Acknowledge the device's problem in the asker's name (the checks above; 409 when
    the device has no problem now, 400 for a comment that is not a short text)."""
    state = _actionable(request, device_id)
    if not isinstance(comment, str) or len(comment.strip()) > MAX_COMMENT:
        raise bad_request(f"comment: a text of at most {MAX_COMMENT} characters")
    if not is_problem(state):
        raise web.HTTPConflict(
            text=msgspec.json.encode({"error": "the device has no problem now"}).decode(),
            content_type="application/json",
        )
    principal = request[PRINCIPAL]
    now_ms = request.app[CLOCK_MS]()
    return request.app[ACKNOWLEDGEMENTS].acknowledge(
        device_id, principal.subject, principal.name, comment, now_ms
    )


def withdraw_acknowledgement(request: web.Request, device_id: str) -> bool:
    """Take back the device's acknowledgement; False when it had none."""
    _actionable(request, device_id)
    principal = request[PRINCIPAL]
    return request.app[ACKNOWLEDGEMENTS].withdraw(
        device_id, principal.name, request.app[CLOCK_MS]()
    )


async def acknowledge(request: web.Request) -> web.Response:
    body = await json_body(request)
    ack = acknowledge_problem(request, request.match_info["device_id"], body.get("comment", ""))
    return json_response(acknowledgement_view(ack))


async def withdraw(request: web.Request) -> web.Response:
    if not withdraw_acknowledgement(request, request.match_info["device_id"]):
        raise not_found("acknowledgement")
    return json_response({"withdrawn": True})


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/problems", list_problems)
    app.router.add_post("/api/v1/problems/{device_id}/ack", acknowledge)
    app.router.add_delete("/api/v1/problems/{device_id}/ack", withdraw)
