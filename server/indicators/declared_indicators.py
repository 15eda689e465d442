"""Declared indicators — N1–N4, N6 and those a province profile adds: the value a
commune declared for the whole period, with its evidence documents
(``server.indicators.gather.declared`` keeps the entries)."""

from __future__ import annotations

from xaso.server.indicators.context import Context, Frame
from xaso.server.indicators.profile import Indicator
from xaso.server.indicators.result import EvidenceItem, IndicatorResult, Verdict

__all__ = ["declared_result"]

_WITH_EVIDENCE = (
    "Số liệu do xã kê khai kèm tài liệu minh chứng, áp dụng cho toàn bộ kỳ.",
    "A value declared by the commune with evidence documents, covering the whole period.",
)
_EVIDENCE_OPTIONAL = (
    "Số liệu do xã kê khai (tài liệu minh chứng không bắt buộc), áp dụng cho toàn bộ kỳ.",
    "A value declared by the commune (evidence documents optional), covering the whole period.",
)
_NOTHING_DECLARED = (
    "Chưa kê khai số liệu (kèm minh chứng) cho toàn bộ kỳ",
    "No value declared (with evidence) for the whole period",
)
_NO_DOCUMENT = (
    "Số liệu kê khai chưa kèm tài liệu minh chứng, mà chỉ tiêu này bắt buộc phải có",
    "The declared value has no evidence document, which this indicator requires",
)


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text.endswith((".", "!", "?", ":")) else f"{text}."


def method_of(indicator: Indicator) -> tuple[str, str]:
    """How the value is arrived at (the profile's words, for an added indicator),
    then the rule for every declared value (Vietnamese, English)."""
    rule = _WITH_EVIDENCE if indicator.evidence_required else _EVIDENCE_OPTIONAL
    if not indicator.method.strip():
        return rule
    own_en = indicator.method_en.strip() or indicator.method
    return f"{_sentence(indicator.method)} {rule[0]}", f"{_sentence(own_en)} {rule[1]}"


def declared_result(ctx: Context, indicator: Indicator) -> IndicatorResult:
    frame = Frame(indicator, method_of(indicator), "declared")
    entry = ctx.data.declared.get(indicator.id)
    if entry is None:
        return ctx.result(frame, "insufficient_data", reason=_NOTHING_DECLARED)
    items = [
        EvidenceItem(
            kind="declared",
            id=str(getattr(entry, "id", "")),
            value=entry.value,
            note=f"kê khai bởi {entry.entered_by}" if entry.entered_by else "",
            note_en=f"declared by {entry.entered_by}" if entry.entered_by else "",
            from_ms=entry.entered_ms or None,
        )
    ]
    items += [
        EvidenceItem(kind="document", id=doc.sha256, label=doc.name, sha256=doc.sha256)
        for doc in entry.documents
    ]
    # The API refuses such an entry; it is here when the profile came to require
    # evidence after the value was declared without it.
    unbacked = indicator.evidence_required and not entry.documents
    verdict: Verdict = (
        "insufficient_data" if unbacked else "met" if indicator.meets(entry.value) else "not_met"
    )
    return ctx.result(
        frame,
        verdict,
        value=entry.value,
        numerator=getattr(entry, "numerator", None),
        denominator=getattr(entry, "denominator", None),
        reason=_NO_DOCUMENT if unbacked else ("", ""),
        evidence=items,
    )
