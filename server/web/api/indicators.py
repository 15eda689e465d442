"""Indicator endpoints under ``/api/v1/indicators`` (docs/api.md, docs/indicators.md).

- ``GET /api/v1/indicators?commune=&period=`` (or ``from=&to=``, ``excused=1``): the
  commune's evaluation for the period, a ``CommuneEvaluation`` as JSON;
- ``GET /api/v1/indicators/profile?commune=``: the profile that commune is evaluated
  with (without ``commune``: the default profile), and the indicators it declares.

Every reading role sees the communes of its token (admins every commune); a commune
outside the token's scope is "not found", as elsewhere in the API.
"""

from __future__ import annotations

from typing import Any, Final
from zoneinfo import ZoneInfo

import msgspec
from aiohttp import web

from xaso.server.indicators.gather.evaluate import evaluate_communes
from xaso.server.indicators.keys import INDICATOR_PROFILES
from xaso.server.indicators.period import PeriodError, local_day, period_from_query
from xaso.server.indicators.profile import IndicatorProfile, ProfileSet, load_default_profile
from xaso.server.indicators.wiring import indicator_sources
from xaso.server.keys import CLOCK_MS, INDEX
from xaso.server.web.auth import PRINCIPAL
from xaso.server.web.http import json_response, not_found

__all__ = ["commune_profile", "excused_flag", "requested_evaluation_period", "setup_routes"]

_FLAGS: Final = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}


def _invalid(problems: list[str]) -> web.HTTPBadRequest:
    return web.HTTPBadRequest(
        text=msgspec.json.encode({"error": "invalid request", "problems": problems}).decode(),
        content_type="application/json",
    )


def _tz(request: web.Request) -> ZoneInfo:
    return ZoneInfo(request.app[INDEX].inventory.timezone)


def requested_evaluation_period(request: web.Request, problems: list[str]) -> tuple[int, int]:
    """``period=2026-Q3`` (a year, quarter, month or day in the inventory's time zone) or
    ``from=&to=`` of the request; what is wrong is added to ``problems`` (the period is
    then (0, 0))."""
    try:
        return period_from_query(request.query, _tz(request))
    except PeriodError as exc:
        problems += exc.problems
        return 0, 0


def excused_flag(request: web.Request, problems: list[str]) -> bool:
    """``excused=1``: availability leaves out the verifier's excused periods (a grid
    power cut...) as well as maintenance (docs/availability.md). Anything but 1/0 (or
    true/false, yes/no) is a problem, never quietly "no": it is another report."""
    flag = _FLAGS.get(request.query.get("excused", "0").lower())
    if flag is None:
        problems.append("excused: must be 1 or 0")
    return bool(flag)


def _commune_param(request: web.Request, problems: list[str], *, required: bool) -> str | None:
    code = request.query.get("commune")
    if code is None or code == "":
        if required:
            problems.append("commune: required (a commune code, e.g. xuan-hong)")
        return None
    return code


def _check_scope(request: web.Request, code: str) -> None:
    if code not in request.app[INDEX].communes or not request[PRINCIPAL].may_see(code):
        raise not_found("commune")


def _profiles(request: web.Request) -> ProfileSet:
    return request.app.get(INDICATOR_PROFILES) or ProfileSet(load_default_profile())


def commune_profile(request: web.Request, code: str, at_ms: int | None = None) -> IndicatorProfile:
    """The profile ``code`` (a commune of the inventory) is evaluated with in the
    hierarchy of the day of ``at_ms`` (a period's last instant: the evaluation's rule),
    else of today. Its ``declared_indicators()`` are what the commune declares."""
    moment = request.app[CLOCK_MS]() if at_ms is None else at_ms
    return _profiles(request).commune_profile(
        request.app[INDEX], code, local_day(moment, _tz(request))
    )


async def get_evaluation(request: web.Request) -> web.Response:
    problems: list[str] = []
    code = _commune_param(request, problems, required=True)
    from_ms, to_ms = requested_evaluation_period(request, problems)
    excused = excused_flag(request, problems)
    if problems:
        raise _invalid(problems)
    assert code is not None
    _check_scope(request, code)
    # A store that cannot be read is a 503 (server/web/store_errors.py).
    (evaluation,) = await evaluate_communes(
        indicator_sources(request.app), [code], from_ms, to_ms, excused=excused
    )
    return json_response(evaluation)


async def get_profile(request: web.Request) -> web.Response:
    problems: list[str] = []
    code = _commune_param(request, problems, required=False)
    period_given = any(key in request.query for key in ("period", "from", "to"))
    _, to_ms = requested_evaluation_period(request, problems) if period_given else (0, 0)
    if problems:
        raise _invalid(problems)
    profile = _profiles(request).default
    if code is not None:
        _check_scope(request, code)
        # The hierarchy of the period's last day (the evaluation's rule), else today's.
        profile = commune_profile(request, code, to_ms - 1 if period_given else None)
    body: dict[str, Any] = {
        "commune": code,
        "profile": profile.name,
        "area": profile.area,
        "indicators": msgspec.to_builtins(profile.indicators),
        "declared": [indicator.id for indicator in profile.declared_indicators()],
    }
    return json_response(body)


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/indicators", get_evaluation)
    app.router.add_get("/api/v1/indicators/profile", get_profile)
