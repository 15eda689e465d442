"""Indicator reports, sign-off and the overview, through the API and the page
(docs/reports.md, docs/api.md).

Everyone reads within their commune scope; a verifier (or an admin) signs off. The same
handlers answer under ``/api/v1/indicators/…`` (bearer token) and ``/indicators/…``
(the page's login cookie), so a report opened from the page links to documents the
browser can open. The overview's figures come from ``overview_data``, which the
overview pages (server/web/pages/indicators_overview.py) call too.
"""

from __future__ import annotations

import asyncio
import hashlib
import urllib.parse
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from aiohttp import web

from xaso.server.camera_snapshots.report_pictures import report_pictures
from xaso.server.indicators.evidence import (
    canonical_bytes,
    evaluation_from_canonical,
    evidence_sha256,
)
from xaso.server.indicators.gather.signoff import SignOff, SignOffStore, status
from xaso.server.indicators.gather.signoff import SignOffStatus as _Status
from xaso.server.indicators.keys import EVALUATE, SIGNOFFS
from xaso.server.indicators.period import (
    FIRST_DAY,
    PeriodError,
    day_start_ms,
    period_from_query,
)
from xaso.server.indicators.reports.overview import MAX_TREND, PeriodRef, communes_under, overview
from xaso.server.indicators.reports.pdf import FontMissing, render_pdf
from xaso.server.indicators.reports.period import period_ref, previous_periods
from xaso.server.indicators.reports.report import (
    period_text,
    render_csv,
    render_html,
    report_view,
)
from xaso.server.indicators.result import CommuneEvaluation
from xaso.server.indicators.wiring import indicator_sources
from xaso.server.keys import CLOCK_MS, INDEX
from xaso.server.web.api.declared import download_document
from xaso.server.web.api.indicators import excused_flag
from xaso.server.web.auditing import AUDIT_DETAIL
from xaso.server.web.auth import PRINCIPAL
from xaso.server.web.http import bad_request, forbidden, json_body, json_response, not_found
from xaso.server.web.pages.device import device_href
from xaso.server.web.rendering import request_language
from xaso.server.web.tokens import Principal, Role
from xaso.server.web.views import iso_utc

FORMATS = ("html", "csv", "pdf", "json")
DEFAULT_TREND = 2


def _tz(request: web.Request) -> ZoneInfo:
    return ZoneInfo(request.app[INDEX].inventory.timezone)


def _is_page(request: web.Request) -> bool:
    return not request.path.startswith("/api/")


def report_links(request: web.Request) -> dict[str, Any]:
    """Where a report's evidence and sign-offs link (``report_view``'s arguments): to
    the API's documents and snapshots for a token, to the pages for the browser — there
    also to each device's page and each broadcast's proof of play."""
    if not _is_page(request):
        return {
            "document_url": lambda sha: f"/api/v1/indicators/documents/{sha}",
            "snapshot_url": lambda signoff_id: (
                f"/api/v1/indicators/signoff/{signoff_id}?format=html"
            ),
        }
    now_ms = request.app[CLOCK_MS]()
    return {
        "document_url": lambda sha: f"/indicators/documents/{sha}",
        "snapshot_url": lambda signoff_id: f"/indicators/signoff/{signoff_id}?format=html",
        "device_url": lambda device_id, since_ms: device_href(device_id, since_ms, now_ms),
        "broadcast_url": lambda schedule_id, start_ms: (
            f"/radio/occurrences/{urllib.parse.quote(schedule_id, safe=':')}/{start_ms}"
        ),
    }


def _period_problems(
    request: web.Request, fields: Mapping[str, object]
) -> tuple[PeriodRef | None, list[str]]:
    """``period`` (2026-07, 2026-Q3, 2026) or ``from`` and ``to``, with every problem."""
    tz = _tz(request)
    given = {
        k: str(v) for k, v in fields.items() if k in ("period", "from", "to") and v is not None
    }
    try:
        from_ms, to_ms = period_from_query(given, tz)
    except PeriodError as exc:
        return None, list(exc.problems)
    return period_ref(from_ms, to_ms, tz), []


def _period(request: web.Request, fields: Mapping[str, object]) -> PeriodRef:
    period, problems = _period_problems(request, fields)
    if period is None:
        raise bad_request("; ".join(problems))
    return period


def _invalid(error: str, problems: list[str]) -> web.HTTPBadRequest:
    return web.HTTPBadRequest(
        text=msgspec.json.encode({"error": error, "problems": problems}).decode(),
        content_type="application/json",
    )


def _visible_commune(request: web.Request, commune: object) -> str:
    if (
        not isinstance(commune, str)
        or commune not in request.app[INDEX].communes
        or not request[PRINCIPAL].may_see(commune)
    ):
        raise not_found("commune")
    return commune


async def _evaluate(
    request: web.Request, communes: list[str], period: PeriodRef, excused: bool
) -> list[CommuneEvaluation]:
    if not communes:
        return []
    evaluate = request.app[EVALUATE]
    # A store that cannot be read is a 503 (server/web/store_errors.py).
    sources = indicator_sources(request.app)
    return await evaluate(sources, communes, period.from_ms, period.to_ms, excused=excused)


async def _evaluate_one(
    request: web.Request, commune: str, period: PeriodRef, excused: bool
) -> CommuneEvaluation:
    for evaluation in await _evaluate(request, [commune], period, excused):
        if evaluation.commune == commune:
            return evaluation
    raise not_found("commune in that period")


def _area_name(request: web.Request, code: str | None) -> str | None:
    area = request.app[INDEX].areas.get(code) if code else None
    return area.name if area is not None else code


@dataclass(frozen=True)
class CommuneReport:
    """A commune's report for a period, as every format and the page start from."""

    evaluation: CommuneEvaluation
    sha256: str
    statuses: list[_Status]  # its sign-offs, oldest first, against the data now
    parent_name: str | None
    excused: bool


async def commune_report(
    request: web.Request, commune: str, period: PeriodRef, excused: bool
) -> CommuneReport:
    """The evaluation, its hash and its sign-offs (the caller checked the scope)."""
    evaluation = await _evaluate_one(request, commune, period, excused)
    sha256 = evidence_sha256(evaluation)
    statuses = _signoff_statuses(request.app[SIGNOFFS], evaluation, sha256, excused)
    return CommuneReport(
        evaluation, sha256, statuses, _area_name(request, evaluation.parent), excused
    )


def _signoff_statuses(
    store: SignOffStore, evaluation: CommuneEvaluation, sha256: str, excused: bool
) -> list[_Status]:
    """The sign-offs of this very report: same commune, period and excused setting,
    each with what changed since. A sign-off names the period asked for; a commune that
    merged or was created within it is evaluated over its part only
    (``from_ms``/``to_ms``), so look it up by the period asked."""
    from_ms = _or(evaluation.requested_from_ms, evaluation.from_ms)
    to_ms = _or(evaluation.requested_to_ms, evaluation.to_ms)
    found = store.find(evaluation.commune, from_ms, to_ms)
    return status([s for s in found if s.excused == excused], sha256, evaluation, store.snapshot)


def _or(value: int | None, default: int) -> int:
    return default if value is None else value


def _file_name(commune: str, period: PeriodRef, tz: ZoneInfo, extension: str) -> str:
    label = period.label or period_text(period.from_ms, period.to_ms, tz, "en").replace(" ", "")
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in f"{commune}_{label}")
    return f"bao-cao-chi-tieu_{safe}.{extension}"


def _attachment(name: str) -> str:
    return f"attachment; filename=\"{name}\"; filename*=UTF-8''{urllib.parse.quote(name)}"


async def report(request: web.Request) -> web.StreamResponse:
    """``?commune=&period=`` (or ``from``/``to``) ``&format=html|csv|pdf|json&lang=``."""
    query = dict(request.query)
    commune = _visible_commune(request, query.get("commune"))
    period = _period(request, query)
    fmt = query.get("format", "html")
    problems: list[str] = []
    if fmt not in FORMATS:
        problems.append(f"format must be one of {', '.join(FORMATS)}")
    excused = excused_flag(request, problems)
    if problems:
        raise bad_request("; ".join(problems))
    lang = request_language(request)
    tz = _tz(request)
    found = await commune_report(request, commune, period, excused)
    evaluation, sha256, statuses = found.evaluation, found.sha256, found.statuses
    parent_name = found.parent_name
    if fmt == "json":
        return json_response(
            {
                "evaluation": msgspec.to_builtins(evaluation),
                "sha256": sha256,
                "excused": excused,
                "signoffs": [_status_view(s) for s in statuses],
            }
        )
    if fmt == "csv":
        body = render_csv(
            evaluation,
            sha256,
            statuses,
            tz=tz,
            lang=lang,
            parent_name=parent_name,
            excused=excused,
        )
        return web.Response(
            body=body,
            content_type="text/csv",
            charset="utf-8",
            headers={"Content-Disposition": _attachment(_file_name(commune, period, tz, "csv"))},
        )
    view = report_view(
        evaluation,
        sha256,
        statuses,
        tz=tz,
        lang=lang,
        parent_name=parent_name,
        excused=excused,
        **report_links(request),
    )
    view["camera_pictures"] = report_pictures(request.app, evaluation, view, tz)
    if fmt == "pdf":
        try:
            # fpdf2 lays out a long evidence table for a second or more: off the loop.
            pdf = await asyncio.to_thread(render_pdf, view, evaluation.computed_ms)
        except FontMissing as exc:
            raise web.HTTPServiceUnavailable(
                text=msgspec.json.encode({"error": str(exc)}).decode(),
                content_type="application/json",
            ) from None
        return web.Response(
            body=pdf,
            content_type="application/pdf",
            headers={"Content-Disposition": _attachment(_file_name(commune, period, tz, "pdf"))},
        )

    def link(**changes: str) -> str:
        # The query with these parameters replaced, not repeated: a second "lang" would
        # lose to the first one, and the language links would not switch.
        return f"{request.path}?{urllib.parse.urlencode({**query, **changes})}"

    links = [
        {"href": link(format="pdf"), "text": "PDF"},
        {"href": link(format="csv"), "text": "CSV"},
        {"href": link(format="html", lang="vi"), "text": "Tiếng Việt"},
        {"href": link(format="html", lang="en"), "text": "English"},
    ]
    return web.Response(text=render_html(view, links), content_type="text/html")


def _signoff_view(signoff: SignOff) -> dict[str, Any]:
    return {**msgspec.to_builtins(signoff), "signed": iso_utc(signoff.signed_ms)}


def _status_view(item: _Status) -> dict[str, Any]:
    return {
        **_signoff_view(item.signoff),
        "current_sha256": item.current_sha256,
        "matches": item.matches,
        # What changed since (server.indicators.changes); null when it matches, was
        # signed before snapshots were kept, or the commune has no figures now.
        "changes": None if item.changes is None else msgspec.to_builtins(item.changes),
    }


def _may_sign(principal: Principal) -> bool:
    return principal.role in (Role.ADMIN, Role.VERIFIER)


class SignOffRefused(Exception):
    """Why a sign-off was not recorded: ``why`` is "role" (not a verifier or an admin),
    "scope" (a commune the signer may not see), "invalid" (``problems``, one per field;
    ``period_running`` when the period has not ended) or "changed" (the data moved
    since the verifier looked: ``current_sha256`` and ``current``, the evaluation now).
    The API answers each as JSON, the page in words."""

    def __init__(
        self,
        why: str,
        *,
        problems: list[str] | None = None,
        period_running: bool = False,
        current_sha256: str = "",
        current: CommuneEvaluation | None = None,
    ) -> None:
        super().__init__(why)
        self.why = why
        self.problems = problems or []
        self.period_running = period_running
        self.current_sha256 = current_sha256
        self.current = current


PERIOD_RUNNING = "period: it has not ended yet; sign off a period once it is over"


async def record_signoff(request: web.Request, fields: Mapping[str, object]) -> _Status:
    """Approve what the verifier saw: ``{"commune", "period" | "from"+"to", "sha256",
    "note"?, "excused"?}``. Checks who signs and every field, evaluates again, refuses
    (``SignOffRefused``) if the hash is not the one computed now, and saves the sign-off
    with what it approved. The API's ``POST /api/v1/indicators/signoff`` and the page's
    ``POST /indicators/commune/signoff`` both sign through here, by the same rules."""
    principal = request[PRINCIPAL]
    if not _may_sign(principal):
        raise SignOffRefused("role")
    commune = fields.get("commune")
    if isinstance(commune, str) and not principal.may_see(commune):
        raise SignOffRefused("scope")
    problems = [f"{key}: unknown field" for key in sorted(set(fields) - _SIGNOFF_FIELDS)]
    if not isinstance(commune, str) or commune not in request.app[INDEX].communes:
        problems.append(f"commune: no commune {commune!r} in the inventory")
    sha256 = fields.get("sha256")
    if not isinstance(sha256, str) or len(sha256) != 64 or not _is_hex(sha256):
        problems.append("sha256: the report's SHA-256 (64 hex digits) that was checked")
    excused = fields.get("excused", False)
    if not isinstance(excused, bool):
        problems.append("excused: true or false (the report's own setting)")
    note = fields.get("note", "")
    if not isinstance(note, str) or len(note) > MAX_SIGNOFF_NOTE:
        problems.append(f"note: text of at most {MAX_SIGNOFF_NOTE} characters")
    period, period_problems = _period_problems(request, fields)
    problems += period_problems
    now_ms = request.app[CLOCK_MS]()  # the server's clock, injected
    running = period is not None and period.to_ms > now_ms
    if running:
        problems.append(PERIOD_RUNNING)
    if problems or period is None:
        raise SignOffRefused("invalid", problems=problems, period_running=running)
    assert isinstance(commune, str) and isinstance(sha256, str) and isinstance(note, str)
    evaluation = await _evaluate_one(request, commune, period, excused is True)
    snapshot = canonical_bytes(evaluation)  # what is hashed is what is kept
    current = hashlib.sha256(snapshot).hexdigest()
    if sha256.lower() != current:
        # The verifier signs what they saw: if the data moved since, they must look again.
        raise SignOffRefused("changed", current_sha256=current, current=evaluation)
    saved = request.app[SIGNOFFS].add(
        SignOff(
            id="",
            commune=commune,
            from_ms=period.from_ms,
            to_ms=period.to_ms,
            period=period.label,
            sha256=current,
            profile=evaluation.profile,
            verifier=principal.name,
            token_id=principal.subject,
            role=str(principal.role),
            signed_ms=now_ms,
            note=note,
            excused=excused is True,
        ),
        snapshot,
    )
    request[AUDIT_DETAIL] = {
        "signoff": saved.id,
        "commune": commune,
        "period": period.label or f"{period.from_ms}–{period.to_ms}",
        "sha256": current,
        "excused": saved.excused,
    }
    return _Status(saved, current, True)


async def sign_off(request: web.Request) -> web.Response:
    """``{"commune", "period" | "from"+"to", "sha256", "note"?}``: approve what the
    verifier saw (``record_signoff``); refused (409) if the data has changed since."""
    if not _may_sign(request[PRINCIPAL]):  # before reading a body it may not send
        raise _api_refusal(SignOffRefused("role"))
    body = await json_body(request)
    try:
        saved = await record_signoff(request, body)
    except SignOffRefused as refused:
        raise _api_refusal(refused) from None
    return json_response(_status_view(saved), status=201)


def _api_refusal(refused: SignOffRefused) -> web.HTTPException:
    if refused.why == "role":
        return web.HTTPForbidden(
            text='{"error": "only a verifier or an admin signs off"}',
            content_type="application/json",
        )
    if refused.why == "scope":
        return forbidden()
    if refused.why == "changed":
        return web.HTTPConflict(
            text=msgspec.json.encode(
                {
                    "error": "the report has changed since it was checked: its sha256 is "
                    "now different; open it again and sign what it says now",
                    "current_sha256": refused.current_sha256,
                }
            ).decode(),
            content_type="application/json",
        )
    return _invalid("invalid sign-off", refused.problems)


MAX_SIGNOFF_NOTE = 2000
_SIGNOFF_FIELDS = frozenset({"commune", "period", "from", "to", "sha256", "note", "excused"})


def _is_hex(text: str) -> bool:
    return all(c in "0123456789abcdefABCDEF" for c in text)


async def list_signoffs(request: web.Request) -> web.Response:
    """Sign-offs in scope (``?commune=&period=``), each against the data now."""
    query = request.query
    commune = query.get("commune")
    if commune is not None:
        _visible_commune(request, commune)
    given = any(key in query for key in ("period", "from", "to"))
    period = _period(request, dict(query)) if given else None
    principal = request[PRINCIPAL]
    index = request.app[INDEX]
    found = [
        s
        for s in request.app[SIGNOFFS].find(
            commune,
            period.from_ms if period else None,
            period.to_ms if period else None,
        )
        if principal.may_see(s.commune)
    ]
    # One evaluation call per period (and excused setting), for every commune signed
    # off in it.
    by_period: dict[tuple[int, int, bool], set[str]] = defaultdict(set)
    for s in found:
        by_period[(s.from_ms, s.to_ms, s.excused)].add(s.commune)
    current: dict[tuple[str, int, int, bool], CommuneEvaluation] = {}
    for (from_ms, to_ms, excused), communes in by_period.items():
        ref = PeriodRef("", from_ms, to_ms)
        # A commune the inventory no longer lists has no figures now: its sign-offs
        # are still listed, matching nothing.
        known = sorted(code for code in communes if code in index.communes)
        for evaluation in await _evaluate(request, known, ref, excused):
            current[(evaluation.commune, from_ms, to_ms, excused)] = evaluation
    hashes = {key: evidence_sha256(evaluation) for key, evaluation in current.items()}

    def key(s: SignOff) -> tuple[str, int, int, bool]:
        return (s.commune, s.from_ms, s.to_ms, s.excused)

    # The snapshots of the mismatches are read here, on the loop (the store's SQLite
    # connection is the loop's); telling what changed takes ~8 ms a sign-off for a
    # quarter's evaluation, so a province's list is compared in a worker thread.
    store = request.app[SIGNOFFS]
    snapshots = {
        s.id: store.snapshot(s.id)
        for s in found
        if s.snapshot_kept and s.sha256 != hashes.get(key(s))
    }

    def compare() -> list[dict[str, Any]]:
        return [
            _status_view(status([s], hashes.get(key(s), ""), current.get(key(s)), snapshots.get)[0])
            for s in found
        ]

    views = await asyncio.to_thread(compare)
    return json_response({"signoffs": views, "count": len(views)})


SNAPSHOT_FORMATS = ("json", "raw", "html")


async def signoff_snapshot(request: web.Request) -> web.StreamResponse:
    """``/signoff/{id}?format=json|raw|html``: who signed, when, and what — the
    evaluation as approved, from the sign-off's own store, not evaluated again. ``raw``
    is the exact bytes that were hashed (their sha256 is the sign-off's); ``html`` the
    approved report to read. Anyone who may read the commune's reports."""
    signoff = request.app[SIGNOFFS].get(request.match_info["id"])
    if signoff is None or not request[PRINCIPAL].may_see(signoff.commune):
        raise not_found("sign-off")
    fmt = request.query.get("format", "json")
    if fmt not in SNAPSHOT_FORMATS:
        raise bad_request(f"format must be one of {', '.join(SNAPSHOT_FORMATS)}")
    snapshot = request.app[SIGNOFFS].snapshot(signoff.id)
    if fmt == "json":
        return json_response(
            {
                "signoff": _signoff_view(signoff),
                "snapshot": None if snapshot is None else msgspec.json.decode(snapshot),
                "snapshot_sha256": None
                if snapshot is None
                else hashlib.sha256(snapshot).hexdigest(),
            }
        )
    if snapshot is None:
        raise web.HTTPNotFound(
            text=msgspec.json.encode(
                {
                    "error": "this sign-off was recorded before snapshots were kept: it "
                    "carries the hash only"
                }
            ).decode(),
            content_type="application/json",
        )
    if fmt == "raw":
        return web.Response(
            body=snapshot,
            content_type="application/json",
            headers={"Content-Disposition": _attachment(f"phe-duyet_{signoff.id}.json")},
        )
    return _approved_page(request, signoff, snapshot)


def _approved_page(request: web.Request, signoff: SignOff, snapshot: bytes) -> web.Response:
    evaluation = evaluation_from_canonical(snapshot, computed_ms=signoff.signed_ms)
    prefix = "/indicators" if _is_page(request) else "/api/v1/indicators"
    links = report_links(request)
    links.pop("snapshot_url")
    report_query = {"commune": signoff.commune}
    if signoff.period:
        report_query["period"] = signoff.period
    else:
        report_query.update({"from": str(signoff.from_ms), "to": str(signoff.to_ms)})
    if signoff.excused:
        report_query["excused"] = "1"
    view = report_view(
        evaluation,
        signoff.sha256,
        [],
        tz=_tz(request),
        lang=request_language(request),
        parent_name=_area_name(request, evaluation.parent),
        excused=signoff.excused,
        approved=signoff,
        **links,
        current_url=f"{prefix}/report?{urllib.parse.urlencode(report_query)}",
    )
    return web.Response(text=render_html(view), content_type="text/html")


def overview_problems(request: web.Request, area: str | None, trend: int) -> list[str]:
    """What is wrong with an overview's area and trend, each in words: the API's 400
    and the pages' say the same."""
    problems = []
    if area is not None and area not in request.app[INDEX].areas:
        problems.append(f"area: no area {area!r} in the inventory")
    if not 0 <= trend <= MAX_TREND:
        problems.append(f"trend: a number of earlier periods, 0 to {MAX_TREND}")
    return problems


async def overview_data(
    request: web.Request,
    period: PeriodRef,
    *,
    area: str | None = None,
    trend: int = 0,
    excused: bool = False,
    commune: str | None = None,
) -> dict[str, Any]:
    """Communes × indicators for ``period`` and the ``trend`` periods before it, for
    the communes under ``area`` (or only ``commune``) within the asker's scope: what
    ``GET /api/v1/indicators/overview`` answers, for the API and the pages alike. The
    arguments are checked already (``overview_problems``); a trend reaching back
    before 1970 is a 400."""
    tz = _tz(request)
    index = request.app[INDEX]
    try:
        periods = [*previous_periods(period, trend, tz), period]
    except ValueError:  # a named period before 1970
        periods = []
    if not periods or periods[0].from_ms < day_start_ms(FIRST_DAY, tz):
        raise _invalid(
            "invalid overview request",
            [f"trend: {trend} periods before this one reach back before {FIRST_DAY}"],
        )
    principal = request[PRINCIPAL]
    evaluations = []
    for ref in periods:
        communes = [
            c
            for c in communes_under(index, area, ref.from_ms, ref.to_ms, tz)
            if principal.may_see(c) and commune in (None, c)
        ]
        evaluations.append(await _evaluate(request, communes, ref, excused))
    data = overview(periods, evaluations, commune_order=list(index.communes))
    data["area"] = (
        {"code": area, "name": index.areas[area].name, "level": index.areas[area].level}
        if area
        else None
    )
    for ref_view in data["periods"]:
        ref_view["from"] = iso_utc(ref_view["from_ms"])
        ref_view["to"] = iso_utc(ref_view["to_ms"])
    return data


async def overview_api(request: web.Request) -> web.Response:
    """``?area=&period=&trend=&excused=&commune=`` (docs/reports.md, "Overview")."""
    query = request.query
    area = query.get("area") or None
    commune = query.get("commune") or None
    if commune is not None:
        _visible_commune(request, commune)  # 404 outside the scope, as for a report
    trend_text = query.get("trend", str(DEFAULT_TREND))
    trend = int(trend_text) if trend_text.isascii() and trend_text.isdigit() else -1
    problems = overview_problems(request, area, trend)
    period, period_problems = _period_problems(request, query)
    problems += period_problems
    excused = excused_flag(request, problems)
    if problems or period is None:
        raise _invalid("invalid overview request", problems)
    data = await overview_data(
        request, period, area=area, trend=trend, excused=excused, commune=commune
    )
    return json_response(data)


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/indicators/report", report)
    app.router.add_post("/api/v1/indicators/signoff", sign_off)
    app.router.add_get("/api/v1/indicators/signoff", list_signoffs)
    app.router.add_get("/api/v1/indicators/signoff/{id}", signoff_snapshot)
    app.router.add_get("/api/v1/indicators/overview", overview_api)
    # The pages (login cookie): reports, what a sign-off approved, and the documents
    # they link to. The overview page is server/web/pages/indicators_overview.py.
    app.router.add_get("/indicators/report", report)
    app.router.add_get("/indicators/signoff/{id}", signoff_snapshot)
    app.router.add_get("/indicators/documents/{sha256}", download_document)
