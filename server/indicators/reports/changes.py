"""What changed since a sign-off, as the rows a report prints: which indicator, what,
as signed, as now — in the reader's language.

Renders ``server.indicators.changes.Changes`` and nothing else, so the HTML page, the
PDF and the CSV column say the same thing. Each figure is written as the report writes
it (``93,33 %``, ``Đạt``, local times), each side in its own unit.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from xaso.server.indicators.changes import (
    REPLACEABLE_KINDS,
    Changes,
    EvidenceChange,
    FieldChange,
    IndicatorChange,
)
from xaso.server.indicators.reports.evidence_rows import note_text
from xaso.server.indicators.reports.exclusions import exclusion_row, exclusion_summary
from xaso.server.indicators.reports.text import (
    COMPARISON_SIGNS,
    format_number,
    format_time,
    quantity_text,
    unit_text,
)
from xaso.server.indicators.result import EvidenceItem, ExclusionEntry

ARROW = "→"
_TIMES = ("from_ms", "to_ms", "requested_from_ms", "requested_to_ms")


class _Text:
    """The reader's words, language and zone, and how each kind of field is written."""

    def __init__(self, w: dict[str, str], lang: str, tz: ZoneInfo) -> None:
        self.w, self.lang, self.tz = w, lang, tz

    def label(self, field: str) -> str:
        return self.w.get(f"field.{field}", field)

    def plain(self, field: str, value: Any) -> str:
        """A field of the report or of an evidence item."""
        if value is None or value == "" or value == []:
            return "—"
        if isinstance(value, ExclusionEntry):
            return exclusion_summary(exclusion_row(value, self.tz, self.w, self.lang), self.w)
        if field in _TIMES:
            return format_time(int(value), self.tz, self.lang)
        if isinstance(value, bool):
            return self.w["yes"] if value else self.w["no"]
        if isinstance(value, int | float):
            return format_number(float(value), self.lang)
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        return str(value)

    def figure(self, field: str, value: Any, unit: str) -> str:
        """A field of an indicator's result, as the report's columns write it."""
        if value is None:
            return "—"
        if field in ("value", "threshold"):
            return quantity_text(float(value), unit, self.w, self.lang)
        if field == "verdict":
            return self.w.get(f"verdict.{value}", str(value))
        if field == "source":
            return self.w.get(f"source.{value}", str(value))
        if field == "unit":
            return unit_text(str(value), self.w) or "—"
        if field == "comparison":
            return COMPARISON_SIGNS.get(str(value), str(value))
        return self.plain(field, value)

    def item_name(self, change: EvidenceChange) -> str:
        item = change.current or change.signed
        assert item is not None
        kind = self.w.get(f"kind.{item.kind}", item.kind)
        if item.kind == "document":
            return f"{kind} {item.label or item.id}"
        if change.change == "replaced" and item.kind in REPLACEABLE_KINDS:
            return kind  # the id is what changed: the row says the old and the new whole
        if item.kind in ("device", "village") and item.label:
            return f"{kind} {item.label} ({item.id})"  # by its name, its code after it
        return f"{kind} {item.id}"

    def item_text(self, item: EvidenceItem) -> str:
        """An evidence item added or removed, whole."""
        parts = [
            item.label if item.kind != "document" else "",
            "" if item.value is None else format_number(item.value, self.lang),
            ""
            if item.counted is None
            else f"{self.label('counted')}: {self.plain('counted', item.counted)}",
            ""
            if item.from_ms is None and item.to_ms is None
            else f"{self.plain('from_ms', item.from_ms)} – {self.plain('to_ms', item.to_ms)}",
            note_text(item, self.lang),
            item.sha256 or "",
        ]
        return " · ".join(p for p in parts if p) or "—"


def change_rows(
    changes: Changes, *, w: dict[str, str], lang: str, tz: ZoneInfo
) -> list[dict[str, str]]:
    """One row per difference: ``indicator`` (empty for the whole report), ``name``,
    ``what``, ``signed``, ``current``."""
    text = _Text(w, lang, tz)
    rows: list[dict[str, str]] = []
    whole = {"indicator": "", "name": w["changes.whole_report"]}
    for change in changes.report:
        rows.append(
            {
                **whole,
                "what": text.label(change.field),
                "signed": text.plain(change.field, change.signed),
                "current": text.plain(change.field, change.current),
            }
        )
    if changes.indicators_reordered:
        rows.append(
            {**whole, "what": w["changes.indicators_reordered"], "signed": "", "current": ""}
        )
    for indicator in changes.indicators:
        rows += _indicator_rows(indicator, text)
    return rows


def _indicator_rows(change: IndicatorChange, text: _Text) -> list[dict[str, str]]:
    w = text.w
    name = (change.name_en or change.name) if text.lang == "en" else change.name
    head = {"indicator": change.indicator, "name": name}
    rows: list[dict[str, str]] = []
    if change.change != "changed":
        rows.append(
            {
                **head,
                "what": w[f"changes.indicator_{change.change}"],
                "signed": name if change.change == "removed" else "—",
                "current": name if change.change == "added" else "—",
            }
        )
    changed = {f.field for f in change.fields}
    rows += [
        _field_row(head, f, change, text)
        for f in change.fields
        if not _other_language(f.field, changed, text.lang)
    ]
    for item in change.evidence:
        rows += _evidence_rows(head, item, text)
    if change.evidence_reordered:
        rows.append({**head, "what": w["changes.evidence_reordered"], "signed": "", "current": ""})
    return rows


def _other_language(field: str, changed: set[str], lang: str) -> bool:
    """A text said in both languages (``reason`` and ``reason_en``...) that changed in
    both: the reader's language says it, the other would say it again."""
    base = field.removesuffix("_en")
    if base == field and f"{field}_en" not in changed:
        return False
    if base != field and base not in changed:
        return False
    return (field == base) == (lang == "en")


def _field_row(
    head: dict[str, str], field: FieldChange, change: IndicatorChange, text: _Text
) -> dict[str, str]:
    return {
        **head,
        "what": text.label(field.field),
        "signed": text.figure(field.field, field.signed, change.unit_signed),
        "current": text.figure(field.field, field.current, change.unit_current),
    }


def _evidence_rows(
    head: dict[str, str], change: EvidenceChange, text: _Text
) -> list[dict[str, str]]:
    what = f"{text.w[f'change.{change.change}']}: {text.item_name(change)}"
    # A new document or a corrected declaration has a new id: said whole, side by side,
    # rather than field by field starting with two ids nobody reads.
    if change.change in ("added", "removed", "replaced"):
        return [
            {
                **head,
                "what": what,
                "signed": text.item_text(change.signed) if change.signed else "—",
                "current": text.item_text(change.current) if change.current else "—",
            }
        ]
    changed = set(change.fields)
    return [
        {
            **head,
            "what": f"{what} — {text.label(field)}",
            "signed": text.plain(field, getattr(change.signed, field)),
            "current": text.plain(field, getattr(change.current, field)),
        }
        for field in change.fields
        # A document's id is its hash: one row for the two.
        if not (field == "id" and change.kind == "document" and "sha256" in change.fields)
        and not _other_language(field, changed, text.lang)
    ]


def changes_by_indicator(rows: list[dict[str, str]]) -> tuple[str, dict[str, str]]:
    """The rows as lines of text (the CSV's column): the whole report's own changes,
    and each indicator's."""
    lines: dict[str, list[str]] = {}
    for row in rows:
        if row["signed"] or row["current"]:
            line = f"{row['what']}: {row['signed']} {ARROW} {row['current']}"
        else:
            line = row["what"]
        lines.setdefault(row["indicator"], []).append(line)
    whole = "; ".join(lines.pop("", []))
    return whole, {indicator: "; ".join(own) for indicator, own in lines.items()}
