"""What changed between the evaluation a verifier signed and the evaluation now.

A pure function of two evaluations (``changes``); the report and the sign-off API only
render what it finds. Both sides are first put in the evidence hash's canonical form
(``server.indicators.evidence``), so a difference found here is a difference the hash
sees, and float noise the hash ignores is not reported either.

It is exhaustive on purpose: every field of the report and of each indicator is
compared, evidence items are matched one by one, and a mere change of order is said as
such — otherwise a sign-off could show "the hash no longer matches" with nothing to
explain it.

Evidence items are matched by what they are about: kind, id and start (an outage is a
device's from a start time; a device, a village or a broadcast has one item per
indicator). An uploaded document is named by its sha256 and a declared value by its
entry id, so a new file or a corrected declaration would look like one item removed and
another added; those are paired into one "replaced" change when they stand in the same
place — a document under the same name, the (only) declared value of the indicator.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any, Literal

import msgspec

from xaso.server.indicators.evidence import canonical_bytes, evaluation_from_canonical
from xaso.server.indicators.result import (
    CommuneEvaluation,
    EvidenceItem,
    ExclusionEntry,
    IndicatorResult,
)

EvidenceChangeKind = Literal["added", "removed", "changed", "replaced"]
IndicatorChangeKind = Literal["added", "removed", "changed"]

# The fields of a result in the order a report reads them; any other after these, in
# the struct's order. "indicator" names the change and "evidence" is compared by item.
RESULT_FIELD_ORDER = (
    "value",
    "numerator",
    "denominator",
    "threshold",
    "comparison",
    "unit",
    "verdict",
    "reason",
    "method",
    "source",
)
_RESULT_SKIPPED = ("indicator", "evidence")
# The report's own fields: when it was computed is not data, the results go by indicator.
# The maintenance windows and excused periods go one by one ("exclusion"), by id.
_REPORT_SKIPPED = ("computed_ms", "results", "exclusions")
# A new document or a corrected declaration gets a new id; paired by where it stands.
REPLACEABLE_KINDS = ("document", "declared")


class FieldChange(msgspec.Struct, frozen=True):
    field: str
    signed: Any  # None: the field had no value (or the indicator did not exist)
    current: Any


class EvidenceChange(msgspec.Struct, frozen=True, kw_only=True):
    change: EvidenceChangeKind
    kind: str
    signed: EvidenceItem | None = None  # None when added
    current: EvidenceItem | None = None  # None when removed
    fields: list[str] = []  # changed or replaced: the item's fields that differ


class IndicatorChange(msgspec.Struct, frozen=True, kw_only=True):
    indicator: str
    change: IndicatorChangeKind
    name: str
    name_en: str = ""
    unit_signed: str = ""  # to print each side's figures in its own unit
    unit_current: str = ""
    fields: list[FieldChange] = []
    evidence: list[EvidenceChange] = []
    evidence_reordered: bool = False  # the same items, in another order


class Changes(msgspec.Struct, frozen=True, kw_only=True):
    report: list[FieldChange] = []  # commune name, parent, profile, the period's part…
    indicators: list[IndicatorChange] = []
    indicators_reordered: bool = False

    @property
    def empty(self) -> bool:
        return not (self.report or self.indicators or self.indicators_reordered)


def changes(signed: CommuneEvaluation, current: CommuneEvaluation) -> Changes:
    """Every difference between ``signed`` and ``current``, each with both values."""
    signed, current = _canonical(signed), _canonical(current)
    report = _field_changes(signed, current, _report_fields())
    report += _exclusion_changes(signed.exclusions, current.exclusions)
    before = {r.indicator: r for r in signed.results}
    after = {r.indicator: r for r in current.results}
    indicators: list[IndicatorChange] = []
    for indicator in _union(list(before), list(after)):
        change = _indicator_change(before.get(indicator), after.get(indicator))
        if change is not None:
            indicators.append(change)
    common = set(before) & set(after)
    reordered = [i for i in before if i in common] != [i for i in after if i in common]
    return Changes(report=report, indicators=indicators, indicators_reordered=reordered)


def _canonical(evaluation: CommuneEvaluation) -> CommuneEvaluation:
    return evaluation_from_canonical(canonical_bytes(evaluation), computed_ms=0)


def _exclusion_changes(
    signed: list[ExclusionEntry], current: list[ExclusionEntry]
) -> list[FieldChange]:
    """A window or excused period added, removed, approved, rejected or deleted since:
    one change each, with the whole entry on both sides (None where it was not)."""
    before = {entry.id: entry for entry in signed}
    after = {entry.id: entry for entry in current}
    return [
        FieldChange("exclusion", before.get(entry_id), after.get(entry_id))
        for entry_id in _union(list(before), list(after))
        if before.get(entry_id) != after.get(entry_id)
    ]


def _union(first: list[str], second: list[str]) -> list[str]:
    """``first``, then what only ``second`` has, each in its own order."""
    seen = set(first)
    return first + [x for x in second if x not in seen]


def _report_fields() -> list[str]:
    names = [f.name for f in msgspec.structs.fields(CommuneEvaluation)]
    return [n for n in names if n not in _REPORT_SKIPPED]


def _result_fields() -> list[str]:
    names = [f.name for f in msgspec.structs.fields(IndicatorResult)]
    rest = [n for n in names if n not in RESULT_FIELD_ORDER and n not in _RESULT_SKIPPED]
    return [*RESULT_FIELD_ORDER, *rest]


def _field_changes(signed: object, current: object, fields: list[str]) -> list[FieldChange]:
    return [
        FieldChange(name, getattr(signed, name), getattr(current, name))
        for name in fields
        if getattr(signed, name) != getattr(current, name)
    ]


def _indicator_change(
    signed: IndicatorResult | None, current: IndicatorResult | None
) -> IndicatorChange | None:
    either = current or signed
    assert either is not None
    head: dict[str, Any] = {
        "indicator": either.indicator,
        "name": either.name,
        "name_en": either.name_en,
        "unit_signed": signed.unit if signed else "",
        "unit_current": current.unit if current else "",
    }
    if signed is None or current is None:
        # A whole indicator appeared or went: its figures against nothing.
        present = either
        figures = [
            FieldChange(
                name,
                getattr(present, name) if present is signed else None,
                getattr(present, name) if present is current else None,
            )
            for name in ("value", "numerator", "denominator", "threshold", "verdict")
            if getattr(present, name) is not None
        ]
        kind: IndicatorChangeKind = "added" if signed is None else "removed"
        return IndicatorChange(change=kind, fields=figures, **head)
    fields = _field_changes(signed, current, _result_fields())
    evidence, reordered = _evidence_changes(signed.evidence, current.evidence)
    if not (fields or evidence or reordered):
        return None
    return IndicatorChange(
        change="changed", fields=fields, evidence=evidence, evidence_reordered=reordered, **head
    )


_ITEM_FIELDS = [f.name for f in msgspec.structs.fields(EvidenceItem)]
_Key = tuple[str, str, int | None, int]


def _keyed(items: list[EvidenceItem]) -> dict[_Key, EvidenceItem]:
    # The n-th item with the same kind, id and start: two outages of a device starting
    # at the same millisecond are not expected, but must not hide each other.
    seen: Counter[tuple[str, str, int | None]] = Counter()
    keyed: dict[_Key, EvidenceItem] = {}
    for item in items:
        base = (item.kind, item.id, item.from_ms)
        keyed[(*base, seen[base])] = item
        seen[base] += 1
    return keyed


def _differing(signed: EvidenceItem, current: EvidenceItem) -> list[str]:
    return [f for f in _ITEM_FIELDS if getattr(signed, f) != getattr(current, f)]


def _evidence_changes(
    signed: list[EvidenceItem], current: list[EvidenceItem]
) -> tuple[list[EvidenceChange], bool]:
    """The items' changes in the current order (then what was removed), and whether the
    items both sides share stand in another order."""
    before, after = _keyed(signed), _keyed(current)
    found: list[EvidenceChange] = []
    added: list[EvidenceItem] = []
    for key, item in after.items():
        old = before.get(key)
        if old is None:
            added.append(item)
        elif old != item:
            found.append(
                EvidenceChange(
                    change="changed",
                    kind=item.kind,
                    signed=old,
                    current=item,
                    fields=_differing(old, item),
                )
            )
    removed = [item for key, item in before.items() if key not in after]
    replaced, added, removed = _pair_replacements(added, removed)
    found += replaced
    found += [EvidenceChange(change="added", kind=i.kind, current=i) for i in added]
    found += [EvidenceChange(change="removed", kind=i.kind, signed=i) for i in removed]
    common = set(before) & set(after)
    reordered = [k for k in before if k in common] != [k for k in after if k in common]
    return found, reordered


def _pair_replacements(
    added: list[EvidenceItem], removed: list[EvidenceItem]
) -> tuple[list[EvidenceChange], list[EvidenceItem], list[EvidenceItem]]:
    """A removed and an added item of a replaceable kind under the same label are one
    item replaced (a document under the same name; the declared value, which has no
    label). Returns the replacements and what is left added and removed."""
    waiting: dict[tuple[str, str], list[EvidenceItem]] = defaultdict(list)
    for item in removed:
        if item.kind in REPLACEABLE_KINDS:
            waiting[(item.kind, item.label)].append(item)
    replaced: list[EvidenceChange] = []
    still_added: list[EvidenceItem] = []
    paired: list[EvidenceItem] = []
    for item in added:
        candidates = waiting.get((item.kind, item.label))
        if not candidates:
            still_added.append(item)
            continue
        old = candidates.pop(0)
        paired.append(old)
        replaced.append(
            EvidenceChange(
                change="replaced",
                kind=item.kind,
                signed=old,
                current=item,
                fields=_differing(old, item),
            )
        )
    still_removed = [item for item in removed if not any(item is p for p in paired)]
    return replaced, still_added, still_removed
