"""A commune's period report: the columns of the provincial index tables, in words.

Pure functions of an evaluation, its evidence hash and its sign-offs: ``report_view``
turns them into the text a person reads (Vietnamese by default, English second; local
dates in the inventory's zone), which the CSV, the HTML page and the PDF all print, so
the three never disagree. Every format carries the evidence hash, and the sign-off
status against the data as it is now.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable
from typing import Any, get_args
from zoneinfo import ZoneInfo

import jinja2

from xaso.server.indicators.gather.signoff import SignOff, SignOffStatus
from xaso.server.indicators.period import period_days
from xaso.server.indicators.reports.changes import change_rows, changes_by_indicator
from xaso.server.indicators.reports.exclusions import exclusion_row, exclusion_summary
from xaso.server.indicators.reports.text import (
    COMPARISON_SIGNS,
    format_day,
    format_number,
    format_time,
    period_text,
    quantity_text,
    unit_text,
)
from xaso.server.indicators.result import (
    VERDICT_VI,
    CommuneEvaluation,
    EvidenceItem,
    IndicatorResult,
    Verdict,
)
from xaso.server.words import translator

_WORDS: dict[str, dict[str, str]] = {
    "title": {"vi": "Báo cáo chỉ tiêu hạ tầng số", "en": "Digital infrastructure indicators"},
    "commune": {"vi": "Xã / phường / thị trấn", "en": "Commune"},
    "parent": {"vi": "Đơn vị cấp trên", "en": "Parent area"},
    "period": {"vi": "Kỳ báo cáo", "en": "Period"},
    "profile": {"vi": "Bộ chỉ tiêu", "en": "Profile"},
    "computed": {"vi": "Thời điểm tính", "en": "Computed at"},
    "excused": {"vi": "Loại trừ thời gian được miễn trừ", "en": "Excused periods left out"},
    "excused.yes": {
        "vi": "Có: thời gian được miễn trừ (mất điện lưới, thiên tai…) không tính vào "
        "tỷ lệ hoạt động",
        "en": "Yes: excused periods (grid power cuts, disasters…) are left out of availability",
    },
    "excused.no": {"vi": "Không", "en": "No"},
    "sha256": {"vi": "Mã băm minh chứng (SHA-256)", "en": "Evidence hash (SHA-256)"},
    "indicator": {"vi": "Chỉ tiêu", "en": "Indicator"},
    "value": {"vi": "Giá trị", "en": "Value"},
    "ratio": {"vi": "Tử số / Mẫu số", "en": "Numerator / denominator"},
    "threshold": {"vi": "Ngưỡng", "en": "Threshold"},
    "verdict": {"vi": "Kết quả", "en": "Verdict"},
    "method": {"vi": "Phương pháp", "en": "Method"},
    "source": {"vi": "Nguồn dữ liệu", "en": "Source"},
    "reason": {"vi": "Ghi chú", "en": "Note"},
    "evidence": {"vi": "Minh chứng", "en": "Evidence"},
    "documents": {"vi": "Tài liệu minh chứng", "en": "Evidence documents"},
    "summary": {"vi": "Tổng hợp", "en": "Summary"},
    "kind": {"vi": "Loại", "en": "Kind"},
    "id": {"vi": "Mã", "en": "Id"},
    "label": {"vi": "Tên", "en": "Name"},
    "counted": {"vi": "Được tính", "en": "Counted"},
    "note": {"vi": "Ghi chú", "en": "Note"},
    "time": {"vi": "Thời gian", "en": "Time"},
    "yes": {"vi": "Có", "en": "Yes"},
    "no": {"vi": "Không", "en": "No"},
    "signoff": {"vi": "Phê duyệt", "en": "Sign-off"},
    "verifier": {"vi": "Người phê duyệt", "en": "Verifier"},
    "signed_at": {"vi": "Thời điểm phê duyệt", "en": "Signed at"},
    "signed_hash": {"vi": "Mã băm đã phê duyệt", "en": "Hash approved"},
    "matches": {"vi": "Khớp dữ liệu hiện tại", "en": "Matches the data now"},
    "signoff.none": {"vi": "Chưa phê duyệt", "en": "Not signed off"},
    "signoff.matches": {"vi": "Đã phê duyệt", "en": "Signed off"},
    "signoff.mismatch": {
        "vi": "Dữ liệu đã thay đổi sau khi phê duyệt: mã băm không khớp",
        "en": "The data changed after sign-off: the hash no longer matches",
    },
    "signoff.snapshot": {"vi": "Nội dung đã phê duyệt", "en": "What was approved"},
    "signoff.hash_only": {
        "vi": "Chỉ có mã băm (phê duyệt trước khi lưu nội dung)",
        "en": "Hash only (signed before snapshots were kept)",
    },
    # What changed since the latest sign-off (server.indicators.changes).
    "changes": {
        "vi": "Thay đổi sau lần phê duyệt gần nhất",
        "en": "What changed since the latest sign-off",
    },
    "changes.against": {"vi": "So với phê duyệt của", "en": "Against the sign-off by"},
    "changes.what": {"vi": "Nội dung", "en": "What"},
    "changes.signed": {"vi": "Khi phê duyệt", "en": "When signed"},
    "changes.current": {"vi": "Hiện nay", "en": "Now"},
    "changes.none_found": {
        "vi": "Không tìm thấy khác biệt nào ngoài mã băm.",
        "en": "No difference found beyond the hash.",
    },
    "changes.unknown": {
        "vi": "Phê duyệt trước khi hệ thống lưu nội dung được phê duyệt: chỉ so được mã băm "
        "(khớp / không khớp), không liệt kê được thay đổi.",
        "en": "Signed before snapshots were kept: only the hash can be compared (match or "
        "mismatch); what changed cannot be listed.",
    },
    "changes.whole_report": {"vi": "Toàn báo cáo", "en": "Whole report"},
    "changes.indicator_added": {
        "vi": "Chỉ tiêu mới trong báo cáo",
        "en": "Indicator new in the report",
    },
    "changes.indicator_removed": {
        "vi": "Chỉ tiêu không còn trong báo cáo",
        "en": "Indicator no longer in the report",
    },
    "changes.indicators_reordered": {
        "vi": "Thứ tự các chỉ tiêu đã đổi",
        "en": "The indicators are in another order",
    },
    "changes.evidence_reordered": {
        "vi": "Thứ tự minh chứng đã đổi",
        "en": "The evidence is in another order",
    },
    "change.added": {"vi": "Thêm minh chứng", "en": "Evidence added"},
    "change.removed": {"vi": "Bỏ minh chứng", "en": "Evidence removed"},
    "change.changed": {"vi": "Minh chứng thay đổi", "en": "Evidence changed"},
    "change.replaced": {"vi": "Minh chứng thay thế", "en": "Evidence replaced"},
    # The fields a change names: of an indicator, of the report, of an evidence item.
    "field.exclusion": {
        "vi": "Bảo trì hoặc miễn trừ",
        "en": "Maintenance window or excused period",
    },
    "field.value": {"vi": "Giá trị", "en": "Value"},
    "field.numerator": {"vi": "Tử số", "en": "Numerator"},
    "field.denominator": {"vi": "Mẫu số", "en": "Denominator"},
    "field.threshold": {"vi": "Ngưỡng", "en": "Threshold"},
    "field.comparison": {"vi": "Cách so với ngưỡng", "en": "Comparison"},
    "field.unit": {"vi": "Đơn vị tính", "en": "Unit"},
    "field.verdict": {"vi": "Kết quả", "en": "Verdict"},
    "field.reason": {"vi": "Ghi chú", "en": "Note"},
    "field.method": {"vi": "Phương pháp", "en": "Method"},
    "field.source": {"vi": "Nguồn dữ liệu", "en": "Source"},
    "field.name": {"vi": "Tên chỉ tiêu", "en": "Name"},
    "field.name_en": {"vi": "Tên chỉ tiêu (tiếng Anh)", "en": "Name in English"},
    "field.method_en": {"vi": "Phương pháp (tiếng Anh)", "en": "Method in English"},
    "field.reason_en": {"vi": "Ghi chú (tiếng Anh)", "en": "Note in English"},
    "field.commune": {"vi": "Mã xã", "en": "Commune code"},
    "field.commune_name": {"vi": "Tên xã", "en": "Commune name"},
    "field.parent": {"vi": "Đơn vị cấp trên", "en": "Parent area"},
    "field.profile": {"vi": "Bộ chỉ tiêu", "en": "Profile"},
    "field.from_ms": {"vi": "Từ", "en": "From"},
    "field.to_ms": {"vi": "Đến", "en": "To"},
    "field.requested_from_ms": {"vi": "Kỳ báo cáo từ", "en": "Period asked from"},
    "field.requested_to_ms": {"vi": "Kỳ báo cáo đến", "en": "Period asked to"},
    "field.merged_into": {"vi": "Sáp nhập vào", "en": "Merged into"},
    "field.predecessors": {"vi": "Các xã sáp nhập vào", "en": "Communes merged into it"},
    "field.excused_excluded": {
        "vi": "Loại trừ thời gian miễn trừ",
        "en": "Excused periods left out",
    },
    "field.kind": {"vi": "Loại", "en": "Kind"},
    "field.id": {"vi": "Mã", "en": "Id"},
    "field.label": {"vi": "Tên", "en": "Name"},
    "field.counted": {"vi": "Được tính", "en": "Counted"},
    "field.note": {"vi": "Ghi chú", "en": "Note"},
    "field.sha256": {"vi": "SHA-256", "en": "SHA-256"},
    "approved": {
        "vi": "Nội dung đã phê duyệt: số liệu và minh chứng đúng như lúc phê duyệt, "
        "không phải dữ liệu hiện nay.",
        "en": "What was approved: the figures and evidence as they were when signed, "
        "not the data now.",
    },
    "approved.current": {
        "vi": "Báo cáo với dữ liệu hiện nay",
        "en": "The report with the data now",
    },
    "times_in": {"vi": "Giờ Việt Nam (UTC+7)", "en": "Times in Asia/Ho_Chi_Minh (UTC+7)"},
    "overview": {"vi": "Tổng hợp chỉ tiêu theo xã", "en": "Indicators by commune"},
    "area": {"vi": "Địa bàn", "en": "Area"},
    "all_areas": {"vi": "Toàn bộ địa bàn được giao", "en": "Every commune in scope"},
    "trend": {"vi": "Xu hướng các kỳ trước", "en": "Trend over earlier periods"},
    "report": {"vi": "Báo cáo", "en": "Report"},
    "no_communes": {"vi": "Không có xã nào trong kỳ này.", "en": "No commune in this period."},
    "legend": {"vi": "Chú giải", "en": "Legend"},
    "page": {"vi": "Trang", "en": "Page"},
    "hash_note": {
        "vi": "Mã băm được tính trên toàn bộ kết quả và minh chứng của kỳ báo cáo "
        "(trừ thời điểm tính); dữ liệu thay đổi thì mã băm thay đổi.",
        "en": "The hash covers every result and evidence item of the period (not the "
        "time it was computed); any change of the data changes it.",
    },
    # maintenance windows and excused periods (server/exclusion_history.py)
    "exclusions": {"vi": "Bảo trì và miễn trừ", "en": "Maintenance windows and excused periods"},
    "exclusions.note": {
        "vi": "Thời gian bảo trì và thời gian được miễn trừ liên quan đến xã trong kỳ. Chỉ "
        "mục đã được duyệt mới được tính; mục chờ duyệt hoặc bị từ chối được liệt kê nhưng "
        "không làm thay đổi kết quả. Thời gian miễn trừ chỉ được tính khi báo cáo loại trừ "
        "thời gian được miễn trừ.",
        "en": "Maintenance windows and excused periods touching the commune in the period. "
        "Only approved ones count; pending or rejected ones are listed but change nothing. "
        "Excused periods count only in a report that leaves excused periods out.",
    },
    "exclusions.none": {
        "vi": "Không có thời gian bảo trì hay miễn trừ nào trong kỳ.",
        "en": "No maintenance window or excused period in the period.",
    },
    "exclusion.maintenance": {"vi": "Bảo trì", "en": "Maintenance"},
    "exclusion.excused": {"vi": "Miễn trừ", "en": "Excused"},
    "scope": {"vi": "Phạm vi", "en": "Scope"},
    "scope.device": {"vi": "Thiết bị", "en": "Device"},
    "scope.agent": {"vi": "Gateway và thiết bị phía sau", "en": "Gateway and its devices"},
    "scope.commune": {"vi": "Toàn xã", "en": "Whole commune"},
    "scope.kind": {"vi": "Loại thiết bị", "en": "Device kind"},
    "cause.grid_power_cut": {"vi": "Mất điện lưới", "en": "Grid power cut"},
    "cause.natural_disaster": {"vi": "Thiên tai", "en": "Natural disaster"},
    "cause.third_party_network": {
        "vi": "Sự cố mạng của nhà cung cấp",
        "en": "Third-party network fault",
    },
    "cause.other": {"vi": "Nguyên nhân khác", "en": "Other cause"},
    "state": {"vi": "Trạng thái", "en": "State"},
    "state.pending": {"vi": "Chờ duyệt", "en": "Pending approval"},
    "state.approved": {"vi": "Đã duyệt", "en": "Approved"},
    "state.rejected": {"vi": "Bị từ chối", "en": "Rejected"},
    "state.deleted": {"vi": "Đã xoá", "en": "Deleted"},
    "author": {"vi": "Người tạo", "en": "Created by"},
    "why": {"vi": "Lý do", "en": "Reason"},
    "decided": {"vi": "Người duyệt", "en": "Decided by"},
    "at_creation": {"vi": "duyệt ngay khi tạo", "en": "approved at creation"},
    "times": {"vi": "lần", "en": "times"},
    "migrated": {
        "vi": "chuyển từ dữ liệu trước khi có phê duyệt",
        "en": "migrated from before approvals were kept",
    },
    # sources
    "source.telemetry": {"vi": "Dữ liệu giám sát tự động", "en": "Monitoring data"},
    "source.broadcast_logs": {"vi": "Nhật ký phát thanh", "en": "Broadcast logs"},
    "source.declared": {"vi": "Số liệu kê khai có minh chứng", "en": "Declared, with evidence"},
    "source.inventory": {"vi": "Danh mục thiết bị, địa bàn", "en": "Inventory"},
    "source.profile": {"vi": "Hồ sơ chỉ tiêu", "en": "Indicator profile"},
    # evidence kinds
    "kind.device": {"vi": "Thiết bị", "en": "Device"},
    "kind.village": {"vi": "Thôn", "en": "Village"},
    "kind.key_location": {"vi": "Địa điểm trọng yếu", "en": "Key location"},
    "kind.outage": {"vi": "Sự cố", "en": "Outage"},
    "kind.broadcast": {"vi": "Buổi phát", "en": "Broadcast"},
    "kind.document": {"vi": "Tài liệu", "en": "Document"},
    "kind.declared": {"vi": "Số liệu kê khai", "en": "Declared value"},
    # units
    "unit.clusters": {"vi": "cụm", "en": "clusters"},
    "unit.days/week": {"vi": "ngày/tuần", "en": "days/week"},
    "unit.cameras": {"vi": "camera", "en": "cameras"},
    "unit.villages": {"vi": "thôn", "en": "villages"},
    "unit.points": {"vi": "điểm", "en": "points"},
    # verdicts in English (Vietnamese: VERDICT_VI)
    "verdict.met": {"vi": VERDICT_VI["met"], "en": "Met"},
    "verdict.not_met": {"vi": VERDICT_VI["not_met"], "en": "Not met"},
    "verdict.insufficient_data": {"vi": VERDICT_VI["insufficient_data"], "en": "Insufficient data"},
    "verdict.not_applicable": {"vi": VERDICT_VI["not_applicable"], "en": "Not applicable"},
}

VERDICTS: tuple[str, ...] = get_args(Verdict)


def words(lang: str) -> dict[str, str]:
    return translator(lang, _WORDS)


def value_text(result: IndicatorResult, w: dict[str, str], lang: str) -> str:
    return quantity_text(result.value, result.unit, w, lang)


def threshold_text(result: IndicatorResult, w: dict[str, str], lang: str) -> str:
    if result.threshold is None:
        return "—"
    if result.unit == "":
        return w["yes"] if result.threshold >= 1 else w["no"]
    sign = COMPARISON_SIGNS.get(result.comparison, result.comparison)
    unit = unit_text(result.unit, w)
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


def ratio_text(result: IndicatorResult, lang: str) -> str:
    if result.numerator is None and result.denominator is None:
        return "—"
    return f"{format_number(result.numerator, lang)} / {format_number(result.denominator, lang)}"


def _evidence_row(
    item: EvidenceItem, tz: ZoneInfo, w: dict[str, str], lang: str, url: Callable[[str], str]
) -> dict[str, Any]:
    if item.from_ms is not None or item.to_ms is not None:
        span = f"{format_time(item.from_ms, tz, lang)} – {format_time(item.to_ms, tz, lang)}"
    else:
        span = ""
    return {
        "kind": w.get(f"kind.{item.kind}", item.kind),
        "id": item.id,
        "label": item.label,
        "value": "" if item.value is None else format_number(item.value, lang),
        "counted": "" if item.counted is None else (w["yes"] if item.counted else w["no"]),
        "note": item.note,
        "time": span,
        "sha256": item.sha256 or "",
        "url": url(item.sha256) if item.sha256 else "",
    }


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
) -> dict[str, Any]:
    """Everything a report prints, as text in ``lang``. With ``approved``, the report
    is what that sign-off approved (``evaluation`` is its snapshot) and ``current_url``
    the report of the data now."""
    w = words(lang)
    results = []
    documents: dict[str, dict[str, str]] = {}
    for result in evaluation.results:
        evidence = [_evidence_row(e, tz, w, lang, document_url) for e in result.evidence]
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
                "ratio": ratio_text(result, lang),
                "threshold": threshold_text(result, w, lang),
                "verdict": result.verdict,
                "verdict_text": w.get(f"verdict.{result.verdict}", result.verdict),
                "method": method,
                "source": w.get(f"source.{result.source}", result.source),
                "reason": reason,
                "evidence": evidence,
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
        "period": period_text(evaluation.from_ms, evaluation.to_ms, tz, lang),
        "computed": format_time(evaluation.computed_ms, tz, lang),
        "excused": w["excused.yes"] if excused else w["excused.no"],
        "sha256": sha256,
        "results": results,
        "summary": [
            {"verdict": v, "text": w[f"verdict.{v}"], "count": counts.get(v, 0)} for v in VERDICTS
        ],
        "documents": list(documents.values()),
        "exclusions": [exclusion_row(e, tz, w, lang) for e in evaluation.exclusions],
        "signoff_state": state,
        "signoff_text": w[f"signoff.{state}"],
        "signoffs": [
            {
                "verifier": s.signoff.verifier,
                "role": s.signoff.role,
                "signed_at": format_time(s.signoff.signed_ms, tz, lang),
                "sha256": s.signoff.sha256,
                "matches": s.matches,
                "matches_text": w["yes"] if s.matches else w["no"],
                "note": s.signoff.note,
                "snapshot_url": snapshot_url(s.signoff.id) if s.signoff.snapshot_kept else "",
            }
            for s in signoffs
        ],
        "changes_state": changes_state(signoffs),
        "changes_against": ""
        if latest is None
        else f"{latest.verifier} ({latest.role}), {format_time(latest.signed_ms, tz, lang)}",
        "changes": latest_change_rows(signoffs, w=w, lang=lang, tz=tz),
        "approved": None
        if approved is None
        else {
            "verifier": approved.verifier,
            "role": approved.role,
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
) -> bytes:
    """One row per indicator; UTF-8 with a BOM so that Excel shows the diacritics."""
    lang = lang if lang in CSV_HEADERS else "vi"
    w = words(lang)
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
                    r.unit if lang == "en" else unit_text(r.unit, w),
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
                )
            ]
        )
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


# -- HTML -----------------------------------------------------------------------------

_templates = jinja2.Environment(
    loader=jinja2.PackageLoader("xaso.server.web", "templates"),
    autoescape=jinja2.select_autoescape(["html"]),
    undefined=jinja2.StrictUndefined,
)


def render_html(view: dict[str, Any], nav_links: list[dict[str, str]] | None = None) -> str:
    """The printable page (``server/templates/indicator_report.html``)."""
    template = _templates.get_template("indicator_report.html")
    return template.render(**view, t=view["w"], nav_links=nav_links or [])
