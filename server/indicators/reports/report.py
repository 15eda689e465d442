"""A commune's period report: the columns of the provincial index tables, in words.

Pure functions of an evaluation, its evidence hash and its sign-offs: ``report_view``
turns them into the text a person reads (Vietnamese by default, English second; local
dates in the inventory's zone), which the CSV, the HTML page and the PDF all print, so
the three never disagree. Every format carries the evidence hash, and the sign-off
status against the data as it is now.
"""

from __future__ import annotations

import csv
import functools
import io
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any, get_args
from zoneinfo import ZoneInfo

from xaso.server.indicators.gather.signoff import SignOff, SignOffStatus
from xaso.server.indicators.period import period_days
from xaso.server.indicators.profile import load_default_profile
from xaso.server.indicators.reports.changes import change_rows, changes_by_indicator
from xaso.server.indicators.reports.evidence_rows import EvidenceLinks, evidence_rows
from xaso.server.indicators.reports.exclusions import exclusion_row, exclusion_summary
from xaso.server.indicators.reports.text import (
    COMPARISON_SIGNS,
    format_day,
    format_number,
    format_time,
    named_period,
    period_text,
    quantity_text,
    unit_text,
)
from xaso.server.indicators.result import (
    VERDICT_VI,
    CommuneEvaluation,
    IndicatorResult,
    Verdict,
)
from xaso.server.web.templating import ENVIRONMENT
from xaso.server.words import role_name, translator

VERDICTS: tuple[str, ...] = get_args(Verdict)
# Besides its colour (static/verdicts.css), each verdict has a mark: never colour alone.
VERDICT_SYMBOLS: dict[str, str] = {
    "met": "✓",
    "not_met": "✗",
    "insufficient_data": "?",
    "not_applicable": "–",
}


@functools.cache
def default_measures() -> Mapping[str, str]:
    """What each indicator of the default profile measures, by its id: how its
    numerator and denominator are said. A province profile changes thresholds and
    wording, never what an indicator measures."""
    return {indicator.id: indicator.measure for indicator in load_default_profile().indicators}


def value_text(result: IndicatorResult, w: dict[str, str], lang: str) -> str:
    return quantity_text(result.value, result.unit, w, lang, result.unit_en)


def threshold_text(result: IndicatorResult, w: dict[str, str], lang: str) -> str:
    if result.threshold is None:
        return "—"
    if result.unit == "":
        return w["yes"] if result.threshold >= 1 else w["no"]
    sign = COMPARISON_SIGNS.get(result.comparison, result.comparison)
    unit = unit_text(result.unit, w, lang, result.unit_en)
    number = format_number(result.threshold, lang)
    return f"{sign} {number} %" if unit == "%" else f"{sign} {number} {unit}"


def texts(result: IndicatorResult, lang: str) -> tuple[str, str, str]:
    """The result's name, method and reason in ``lang``: English where the evaluation
    wrote it (English second), else the Vietnamese."""
    if lang == "en":
        return (
            result.name_en or result.name,
            result.method_en or result.method,
            result.reason_en or result.reason,
        )
    return result.name, result.method, result.reason


def ratio_text(result: IndicatorResult, measure: str, w: dict[str, str], lang: str) -> str:
    """The numerator and denominator in words, each with its unit: "2.082 giờ hoạt
    động trên 2.160 giờ đã biết trạng thái" (what the indicator measures says what they
    count)."""
    if result.numerator is None and result.denominator is None:
        return "—"
    template = w.get(f"ratio.{measure}", w["ratio.plain"])
    return template.format(
        numerator=format_number(result.numerator, lang),
        denominator=format_number(result.denominator, lang),
    )


def measure_of(result: IndicatorResult, measures: Mapping[str, str]) -> str:
    """What ``result``'s indicator measures: from ``measures``, else declared for a
    declared value (an indicator a province profile added), else unknown ("")."""
    return measures.get(result.indicator) or ("declared" if result.source == "declared" else "")


def undeclared(result: IndicatorResult) -> bool:
    """A declared indicator the commune has not declared for the period."""
    return result.source == "declared" and not any(e.kind == "declared" for e in result.evidence)


def period_heading(evaluation: CommuneEvaluation, tz: ZoneInfo, lang: str) -> str:
    """The period asked for, as people name it, with the days evaluated when the name
    does not say them: "Quý 3/2026 (01/07/2026 – 30/09/2026)". A commune that merged or
    was created within the period is evaluated over its part only."""
    asked_from = evaluation.requested_from_ms
    asked_to = evaluation.requested_to_ms
    name = named_period(
        evaluation.from_ms if asked_from is None else asked_from,
        evaluation.to_ms if asked_to is None else asked_to,
        tz,
        lang,
    )
    days = period_text(evaluation.from_ms, evaluation.to_ms, tz, lang)
    return name if name == days else f"{name} ({days})"


def signoff_state(statuses: list[SignOffStatus]) -> str:
    """ "none", "matches" or "mismatch": the latest sign-off against the data now."""
    if not statuses:
        return "none"
    return "matches" if statuses[-1].matches else "mismatch"


def changes_state(statuses: list[SignOffStatus]) -> str:
    """What the report can say about the latest sign-off's mismatch: "listed" (what
    changed), "unknown" (signed before snapshots were kept: the hash only), or "none"
    (no sign-off, or it matches)."""
    if not statuses or statuses[-1].matches:
        return "none"
    return "listed" if statuses[-1].changes is not None else "unknown"


def latest_change_rows(
    statuses: list[SignOffStatus], *, w: dict[str, str], lang: str, tz: ZoneInfo
) -> list[dict[str, str]]:
    latest = statuses[-1].changes if statuses else None
    return [] if latest is None else change_rows(latest, w=w, lang=lang, tz=tz)


def report_view(
    evaluation: CommuneEvaluation,
    sha256: str,
    signoffs: list[SignOffStatus],
    *,
    tz: ZoneInfo,
    lang: str,
    parent_name: str | None = None,
    excused: bool = False,
    document_url: Callable[[str], str] = lambda sha256: f"/api/v1/indicators/documents/{sha256}",
    snapshot_url: Callable[[str], str] = lambda signoff_id: (
        f"/api/v1/indicators/signoff/{signoff_id}?format=html"
    ),
    approved: SignOff | None = None,
    current_url: str = "",
    device_url: Callable[[str, int | None], str] | None = None,
    broadcast_url: Callable[[str, int], str] | None = None,
    measures: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Everything a report prints, as text in ``lang``. With ``approved``, the report
    is what that sign-off approved (``evaluation`` is its snapshot) and ``current_url``
    the report of the data now. ``device_url`` (a device's id and from when) and
    ``broadcast_url`` (a schedule's id and its start) link the evidence to the pages
    that show more; ``measures`` says what each indicator measures (by default, the
    default profile's)."""
    w = translator(lang)
    measures = default_measures() if measures is None else measures
    links = EvidenceLinks(document_url, device_url, broadcast_url)
    results = []
    documents: dict[str, dict[str, str]] = {}
    for result in evaluation.results:
        measure = measure_of(result, measures)
        evidence = evidence_rows(result, measure, tz=tz, w=w, lang=lang, links=links)
        name, method, reason = texts(result, lang)
        for item in result.evidence:
            if item.sha256:
                documents.setdefault(
                    item.sha256,
                    {
                        "sha256": item.sha256,
                        "name": item.label or item.id,
                        "indicator": result.indicator,
                        "url": document_url(item.sha256),
                    },
                )
        results.append(
            {
                "indicator": result.indicator,
                "name": name,
                "value": value_text(result, w, lang),
                "ratio": ratio_text(result, measure, w, lang),
                "threshold": threshold_text(result, w, lang),
                "verdict": result.verdict,
                "verdict_text": w.get(f"verdict.{result.verdict}", result.verdict),
                "verdict_symbol": VERDICT_SYMBOLS.get(result.verdict, ""),
                "method": method,
                "source": w.get(f"source.{result.source}", result.source),
                "reason": reason,
                "evidence": evidence,
                "measure": measure,
                "undeclared": undeclared(result),
            }
        )
    counts: Counter[str] = Counter(r.verdict for r in evaluation.results)
    state = signoff_state(signoffs)
    latest = signoffs[-1].signoff if signoffs else None
    return {
        "lang": lang,
        "w": w,
        "commune": evaluation.commune,
        "commune_name": evaluation.commune_name,
        "parent": parent_name or evaluation.parent or "—",
        "profile": evaluation.profile,
        "period": period_heading(evaluation, tz, lang),
        "computed": format_time(evaluation.computed_ms, tz, lang),
        "excused": w["excused.yes"] if excused else w["excused.no"],
        "sha256": sha256,
        "results": results,
        "summary": [
            {
                "verdict": v,
                "text": w[f"verdict.{v}"],
                "symbol": VERDICT_SYMBOLS[v],
                "count": counts.get(v, 0),
            }
            for v in VERDICTS
        ],
        "documents": list(documents.values()),
        "exclusions": [exclusion_row(e, tz, w, lang) for e in evaluation.exclusions],
        "signoff_state": state,
        "signoff_text": w[f"signoff.{state}"],
        "signoffs": [
            {
                "id": s.signoff.id,
                "verifier": s.signoff.verifier,
                "role": role_name(s.signoff.role, w),
                "signed_at": format_time(s.signoff.signed_ms, tz, lang),
                "sha256": s.signoff.sha256,
                "matches": s.matches,
                "matches_text": w["yes"] if s.matches else w["no"],
                "note": s.signoff.note,
                "snapshot_url": snapshot_url(s.signoff.id) if s.signoff.snapshot_kept else "",
                # What changed since this one (not only the latest): "listed" with its
                # rows, "unknown" (signed before snapshots were kept), or "none".
                "changes_state": changes_state([s]),
                "changes": latest_change_rows([s], w=w, lang=lang, tz=tz),
            }
            for s in signoffs
        ],
        "changes_state": changes_state(signoffs),
        "changes_against": ""
        if latest is None
        else f"{latest.verifier} ({role_name(latest.role, w)}), "
        f"{format_time(latest.signed_ms, tz, lang)}",
        "changes": latest_change_rows(signoffs, w=w, lang=lang, tz=tz),
        "approved": None
        if approved is None
        else {
            "verifier": approved.verifier,
            "role": role_name(approved.role, w),
            "signed_at": format_time(approved.signed_ms, tz, lang),
            "sha256": approved.sha256,
            "note": approved.note,
            "current_url": current_url,
        },
    }


# -- CSV ------------------------------------------------------------------------------

CSV_HEADERS = {
    "vi": [
        "Mã xã",
        "Tên xã",
        "Đơn vị cấp trên",
        "Từ ngày",
        "Đến ngày",
        "Bộ chỉ tiêu",
        "Mã chỉ tiêu",
        "Tên chỉ tiêu",
        "Giá trị",
        "Đơn vị tính",
        "Tử số",
        "Mẫu số",
        "So sánh",
        "Ngưỡng",
        "Kết quả",
        "Phương pháp",
        "Nguồn dữ liệu",
        "Ghi chú",
        "Số minh chứng",
        "Tài liệu minh chứng (SHA-256)",
        "Mã băm báo cáo (SHA-256)",
        "Phê duyệt",
        "Người phê duyệt",
        "Thời điểm phê duyệt",
        "Loại trừ thời gian miễn trừ",
        "Thay đổi sau phê duyệt",
        "Bảo trì và miễn trừ",
        "Tử số / mẫu số (diễn giải)",
    ],
    "en": [
        "commune",
        "commune_name",
        "parent",
        "from",
        "to",
        "profile",
        "indicator",
        "name",
        "value",
        "unit",
        "numerator",
        "denominator",
        "comparison",
        "threshold",
        "verdict",
        "method",
        "source",
        "reason",
        "evidence_items",
        "documents_sha256",
        "report_sha256",
        "signoff",
        "signed_by",
        "signed_at",
        "excused",
        "changes_since_signoff",
        "exclusions",
        "ratio_text",
    ],
}


def _cell(value: object) -> object:
    # A text cell starting like a formula would run in a spreadsheet (CSV injection).
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _plain_number(value: float | None) -> str:
    """Numbers stay machine-readable in the CSV (a dot, no grouping)."""
    if value is None:
        return ""
    return f"{value:.6f}".rstrip("0").rstrip(".")


def render_csv(
    evaluation: CommuneEvaluation,
    sha256: str,
    signoffs: list[SignOffStatus],
    *,
    tz: ZoneInfo,
    lang: str,
    parent_name: str | None = None,
    excused: bool = False,
    measures: Mapping[str, str] | None = None,
) -> bytes:
    """One row per indicator; UTF-8 with a BOM so that Excel shows the diacritics."""
    lang = lang if lang in CSV_HEADERS else "vi"
    w = translator(lang)
    measures = default_measures() if measures is None else measures
    state = signoff_state(signoffs)
    latest = signoffs[-1].signoff if signoffs else None
    first, last = period_days(evaluation.from_ms, evaluation.to_ms, tz)
    whole, changed = changes_by_indicator(latest_change_rows(signoffs, w=w, lang=lang, tz=tz))
    unknown = w["changes.unknown"] if changes_state(signoffs) == "unknown" else ""
    exclusions = " | ".join(
        exclusion_summary(exclusion_row(e, tz, w, lang), w) for e in evaluation.exclusions
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADERS[lang])
    for r in evaluation.results:
        documents = sorted({e.sha256 for e in r.evidence if e.sha256})
        name, method, reason = texts(r, lang)
        writer.writerow(
            [
                _cell(x)
                for x in (
                    evaluation.commune,
                    evaluation.commune_name,
                    parent_name or evaluation.parent or "",
                    format_day(first, lang),
                    format_day(last, lang),
                    evaluation.profile,
                    r.indicator,
                    name,
                    _plain_number(r.value),
                    (r.unit_en or r.unit) if lang == "en" else unit_text(r.unit, w),
                    _plain_number(r.numerator),
                    _plain_number(r.denominator),
                    r.comparison,
                    _plain_number(r.threshold),
                    r.verdict if lang == "en" else VERDICT_VI.get(r.verdict, r.verdict),
                    method,
                    r.source if lang == "en" else w.get(f"source.{r.source}", r.source),
                    reason,
                    len(r.evidence),
                    " ".join(documents),
                    sha256,
                    state if lang == "en" else w[f"signoff.{state}"],
                    latest.verifier if latest else "",
                    format_time(latest.signed_ms, tz, lang) if latest else "",
                    ("true" if excused else "false")
                    if lang == "en"
                    else w["yes" if excused else "no"],
                    unknown or "; ".join(p for p in (whole, changed.get(r.indicator, "")) if p),
                    exclusions,
                    ratio_text(r, measure_of(r, measures), w, lang),
                )
            ]
        )
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


# -- HTML -----------------------------------------------------------------------------


def render_html(view: dict[str, Any], nav_links: list[dict[str, str]] | None = None) -> str:
    """The printable page (``server/web/templates/indicator_report.html``)."""
    template = ENVIRONMENT.get_template("indicator_report.html")
    return template.render(**view, t=view["w"], nav_links=nav_links or [])
