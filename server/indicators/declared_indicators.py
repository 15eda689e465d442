"""N1–N4, N6: the value a commune declared for the whole period, with its evidence
documents (``server.indicators.declared`` keeps the entries)."""

from __future__ import annotations

from xaso.server.indicators.context import Context, Frame
from xaso.server.indicators.profile import Indicator
from xaso.server.indicators.result import EvidenceItem, IndicatorResult

__all__ = ["declared_result"]


def declared_result(ctx: Context, indicator: Indicator) -> IndicatorResult:
    method = (
        "Số liệu do xã kê khai kèm tài liệu minh chứng, áp dụng cho toàn bộ kỳ.",
        "A value declared by the commune with evidence documents, covering the whole period.",
    )
    entry = ctx.data.declared.get(indicator.id)
    if entry is None:
        return ctx.result(
            Frame(indicator, method, "declared"),
            "insufficient_data",
            reason=(
                "Chưa kê khai số liệu (kèm minh chứng) cho toàn bộ kỳ",
                "No value declared (with evidence) for the whole period",
            ),
        )
    items = [
        EvidenceItem(
            kind="declared",
            id=str(getattr(entry, "id", "")),
            value=entry.value,
            note=f"kê khai bởi {entry.entered_by}" if entry.entered_by else "",
            from_ms=entry.entered_ms or None,
        )
    ]
    items += [
        EvidenceItem(kind="document", id=doc.sha256, label=doc.name, sha256=doc.sha256)
        for doc in entry.documents
    ]
    return ctx.result(
        Frame(indicator, method, "declared"),
        "met" if indicator.meets(entry.value) else "not_met",
        value=entry.value,
        numerator=getattr(entry, "numerator", None),
        denominator=getattr(entry, "denominator", None),
        evidence=items,
    )
